"""Tests for rnnlab.download: where the data is looked for (argument, RNNLAB_DATA_DIR, data/) and the download
(served from a local HTTP server): validated before anything is put in place, nothing half-written left behind."""

import http.server
import io
import socket
import threading
import zipfile

import pytest

from rnnlab import data, download
from rnnlab.data import DataError
from tests.test_data import write_small_data

NAMES = list(data.SOURCES.values())


@pytest.fixture
def no_env_dir(monkeypatch, tmp_path):
    """No RNNLAB_DATA_DIR, and the project's data folder is an empty temporary one."""
    monkeypatch.delenv("RNNLAB_DATA_DIR", raising=False)
    project_data = tmp_path / "project_data"
    monkeypatch.setattr(download, "DATA_DIR", project_data)
    return project_data



# ---------------------------------------------------------------------------------------------- where the data is


def test_argument_beats_environment_variable(monkeypatch, tmp_path):
    monkeypatch.setenv("RNNLAB_DATA_DIR", str(tmp_path / "does-not-exist"))
    folder = write_small_data(tmp_path / "arg", n=2)
    assert len(data.load_sentiment(folder)) == 6
    with pytest.raises(DataError, match="RNNLAB_DATA_DIR points to .*does-not-exist, which does not exist"):
        data.load_sentiment()


def test_environment_variable_beats_project_folder(monkeypatch, tmp_path):
    monkeypatch.setattr(download, "DATA_DIR", write_small_data(tmp_path / "project", n=2))
    monkeypatch.setenv("RNNLAB_DATA_DIR", str(write_small_data(tmp_path / "env", n=5)))
    assert len(data.load_sentiment()) == 15
    monkeypatch.delenv("RNNLAB_DATA_DIR")
    assert len(data.load_sentiment()) == 6


@pytest.mark.parametrize("subfolder", ["", "sentiment labelled sentences", "sentiment_labelled_sentences"])
def test_project_folder_layouts(no_env_dir, subfolder):
    write_small_data(no_env_dir / subfolder, n=3)
    assert data.find_data_dir() == no_env_dir / subfolder
    assert len(data.load_sentiment()) == 9
    assert data.data_status()[0]


def test_explicit_folder_without_files_is_an_error_not_a_download(no_env_dir, tmp_path, monkeypatch):
    server = serve(tmp_path, zip_bytes(tmp_path))
    monkeypatch.setenv("RNNLAB_DATA_URL", server.url)
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(DataError, match="lacks amazon_cells_labelled.txt, imdb_labelled.txt, yelp_labelled.txt"):
        data.load_sentiment(empty)
    monkeypatch.setenv("RNNLAB_DATA_DIR", str(empty))
    with pytest.raises(DataError, match="RNNLAB_DATA_DIR points to"):
        data.load_sentiment()
    assert server.requests == []


def test_partial_project_folder_is_an_error(no_env_dir):
    write_small_data(no_env_dir)
    (no_env_dir / "yelp_labelled.txt").unlink()
    with pytest.raises(DataError, match="only part of the data set: yelp_labelled.txt missing"):
        data.load_sentiment()


# ---------------------------------------------------------------------------------------------- the download


def zip_bytes(tmp_path, bad_label=False, leave_out=None):
    """A zip laid out like the official one: 'sentiment labelled sentences/' with the three files and a readme,
    plus the __MACOSX resource forks and .DS_Store the real archive carries (and one hostile path)."""
    source = write_small_data(tmp_path / "zip_source", n=5)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("sentiment labelled sentences/", "")
        archive.writestr("sentiment labelled sentences/.DS_Store", b"\x00\x00\x00\x01Bud1")
        for name in NAMES:
            if name == leave_out:
                continue
            text = (source / name).read_text()
            if bad_label and name == "imdb_labelled.txt":
                text += "Meh.\tmaybe\n"
            archive.writestr(f"sentiment labelled sentences/{name}", text)
            archive.writestr(f"__MACOSX/sentiment labelled sentences/._{name}", b"\x00\x05\x16\x07 not text \xff")
        archive.writestr("sentiment labelled sentences/readme.txt", "From Group to Individual Labels (KDD 2015)\n")
        archive.writestr("../escaped.txt", "a path traversal attempt")
    return buffer.getvalue()


class _Server:
    def __init__(self, payload):
        self.requests = []
        owner = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                owner.requests.append(self.path)
                self.send_response(200)
                self.send_header("Content-Type", "application/zip")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, *args):
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/sentiment+labelled+sentences.zip"
        self.thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self.thread.start()

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


_servers = []


def serve(tmp_path, payload):
    server = _Server(payload)
    _servers.append(server)
    return server


@pytest.fixture(autouse=True)
def _close_servers():
    yield
    while _servers:
        _servers.pop().close()


def closed_port_url():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}/sentiment+labelled+sentences.zip"


def test_download_unpacks_validates_and_is_not_repeated(no_env_dir, tmp_path, monkeypatch):
    payload = zip_bytes(tmp_path)
    server = serve(tmp_path, payload)
    monkeypatch.setenv("RNNLAB_DATA_URL", server.url)
    assert data.data_status()[0] is False  # the status check never downloads
    assert server.requests == []

    progress = []
    df = data.load_sentiment(progress=lambda done, total: progress.append((done, total)))

    assert server.requests == ["/sentiment+labelled+sentences.zip"]
    assert len(df) == 15 and list(df["source"].value_counts().sort_index()) == [5, 5, 5]
    assert df["text"].iloc[5] == "imdb sentence number 0 is fine."
    folder = no_env_dir / "sentiment labelled sentences"
    assert sorted(p.name for p in folder.iterdir()) == sorted(NAMES + ["readme.txt"])
    assert sorted(p.name for p in no_env_dir.iterdir()) == ["sentiment labelled sentences"]  # no temp files left
    assert not (tmp_path / "escaped.txt").exists() and not (no_env_dir / "escaped.txt").exists()
    assert progress[0] == (0, len(payload)) and progress[-1] == (len(payload), len(payload))

    assert len(data.load_sentiment()) == 15
    assert len(server.requests) == 1
    assert data.data_status() == (True, f"15 sentences (5 amazon, 5 imdb, 5 yelp) from {folder}")


def test_default_progress_prints_a_bar(capsys):
    data.print_progress(42 * 1024, 84 * 1024)
    data.print_progress(84 * 1024, 84 * 1024)
    err = capsys.readouterr().err
    assert "[###############---------------]  50% 42/84 KB" in err
    assert err.endswith("100% 84/84 KB\n")


def test_no_network_gives_one_error_naming_three_ways(no_env_dir, monkeypatch):
    url = closed_port_url()
    monkeypatch.setenv("RNNLAB_DATA_URL", url)
    with pytest.raises(DataError) as caught:
        data.load_sentiment(progress=lambda done, total: None)
    message = str(caught.value)
    assert f"could not be downloaded from {url}" in message
    assert "one of three ways" in message
    assert "data_dir=" in message and "RNNLAB_DATA_DIR" in message
    assert str(no_env_dir) in message
    assert f"download it from {url}" in message
    ok, status = data.data_status()
    assert not ok and "one of three ways" in status


@pytest.mark.parametrize(
    "make_payload, expected",
    [
        (lambda tmp: b"<html>Service unavailable</html>" * 20, "not a valid zip file"),
        (lambda tmp: zip_bytes(tmp)[:-300], "not a valid zip file"),
        (lambda tmp: zip_bytes(tmp, leave_out="yelp_labelled.txt"), "lacks yelp_labelled.txt"),
        (lambda tmp: zip_bytes(tmp, bad_label=True), r"imdb_labelled\.txt, line 6: label must be 0 or 1"),
    ],
    ids=["html", "truncated", "missing-file", "bad-label"],
)
def test_bad_download_leaves_nothing_behind(no_env_dir, tmp_path, monkeypatch, make_payload, expected):
    server = serve(tmp_path, make_payload(tmp_path))
    monkeypatch.setenv("RNNLAB_DATA_URL", server.url)
    with pytest.raises(DataError, match=expected):
        data.load_sentiment(progress=lambda done, total: None)
    assert list(no_env_dir.rglob("*")) == []
