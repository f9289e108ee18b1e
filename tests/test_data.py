"""Tests for rnnlab.data: the real data set's numbers, validation of malformed files, where the data is looked for,
the download (served from a local HTTP server), the splits, the vectorizer the lesson uses and uploads."""

import http.server
import io
import socket
import subprocess
import sys
import threading
import zipfile

import numpy as np
import pandas as pd
import pytest

from rnnlab import data
from rnnlab.data import DataError

NAMES = list(data.SOURCES.values())


def write_small_data(folder, n=4, label_of=lambda i: i % 2):
    """Three small valid files: n lines each, IMDB-style trailing spaces before the tab."""
    folder.mkdir(parents=True, exist_ok=True)
    for source, name in data.SOURCES.items():
        lines = [f"{source} sentence number {i} is fine.  \t{label_of(i)}\n" for i in range(n)]
        (folder / name).write_text("".join(lines), encoding="utf-8")
    return folder


@pytest.fixture
def no_env_dir(monkeypatch, tmp_path):
    """No RNNLAB_DATA_DIR, and the project's data folder is an empty temporary one."""
    monkeypatch.delenv("RNNLAB_DATA_DIR", raising=False)
    project_data = tmp_path / "project_data"
    monkeypatch.setattr(data, "DATA_DIR", project_data)
    return project_data


# ---------------------------------------------------------------------------------------------- the real data


def test_real_data_has_the_lessons_shape(sentiment_df):
    df = sentiment_df
    assert list(df.columns) == ["text", "label", "source"]
    assert len(df) == 3000
    assert df["label"].dtype == np.int64
    assert df["label"].value_counts().to_dict() == {0: 1500, 1: 1500}
    assert df["source"].value_counts().to_dict() == {"amazon": 1000, "imdb": 1000, "yelp": 1000}
    assert list(df["source"].iloc[[0, 999, 1000, 1999, 2000, 2999]]) == ["amazon"] * 2 + ["imdb"] * 2 + ["yelp"] * 2
    # IMDB's two spaces before the tab are stripped; U+0085 inside a sentence does not split the line.
    first_imdb = "A very, very, very slow-moving, aimless movie about a distressed, drifting young man."
    assert df["text"].iloc[1000] == first_imdb
    assert not df["text"].str.endswith(" ").any()
    assert df["text"].iloc[0] == "So there is no way for me to plug it in here in the US unless I go by a converter."


def test_load_is_cached_and_returns_a_copy(sentiment_df):
    first = data.load_sentiment()
    first.loc[0, "text"] = "changed"
    assert data.load_sentiment()["text"].iloc[0] == sentiment_df["text"].iloc[0]


def test_cache_notices_a_changed_file(tmp_path):
    folder = write_small_data(tmp_path / "d")
    assert len(data.load_sentiment(folder)) == 12
    with open(folder / "yelp_labelled.txt", "a", encoding="utf-8") as f:
        f.write("One more.\t1\n")
    df = data.load_sentiment(folder)
    assert len(df) == 13 and df["text"].iloc[-1] == "One more."


def test_importing_the_module_does_not_import_tensorflow():
    code = "import sys, rnnlab.data; print('tensorflow' in sys.modules, 'keras' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "False False"


def test_data_status_reports_the_real_data():
    ok, message = data.data_status()
    assert ok
    assert "3000 sentences (1000 amazon, 1000 imdb, 1000 yelp)" in message


# ---------------------------------------------------------------------------------------------- validation


def test_small_valid_files_load_in_file_order(tmp_path):
    df = data.load_sentiment(write_small_data(tmp_path / "d", n=3))
    assert list(df["source"]) == ["amazon"] * 3 + ["imdb"] * 3 + ["yelp"] * 3
    assert list(df["label"]) == [0, 1, 0] * 3
    assert df["text"].iloc[4] == "imdb sentence number 1 is fine."


def test_missing_file_is_named(tmp_path):
    folder = write_small_data(tmp_path / "d")
    (folder / "imdb_labelled.txt").unlink()
    with pytest.raises(DataError, match="imdb_labelled.txt"):
        data.load_sentiment(folder)


def test_bad_label_names_file_and_line(tmp_path):
    folder = write_small_data(tmp_path / "d", n=10)
    lines = (folder / "yelp_labelled.txt").read_text().splitlines(keepends=True)
    lines[6] = "Pretty good I guess\t2\n"
    (folder / "yelp_labelled.txt").write_text("".join(lines))
    with pytest.raises(DataError, match=r"yelp_labelled\.txt, line 7: label must be 0 or 1, found '2'"):
        data.load_sentiment(folder)


def test_line_without_tab_names_file_and_line(tmp_path):
    folder = write_small_data(tmp_path / "d")
    with open(folder / "amazon_cells_labelled.txt", "a") as f:
        f.write("this line has no label\n")
    with pytest.raises(DataError, match=r"amazon_cells_labelled\.txt, line 5: no tab"):
        data.load_sentiment(folder)


def test_empty_sentence_and_blank_middle_line_are_errors(tmp_path):
    folder = write_small_data(tmp_path / "d")
    (folder / "imdb_labelled.txt").write_text("Good.\t1\n   \t0\n")
    with pytest.raises(DataError, match=r"imdb_labelled\.txt, line 2: empty sentence"):
        data.load_sentiment(folder)
    (folder / "imdb_labelled.txt").write_text("Good.\t1\n\nBad.\t0\n")
    with pytest.raises(DataError, match=r"imdb_labelled\.txt, line 2: no tab"):
        data.load_sentiment(folder)


def test_trailing_blank_lines_and_crlf_are_fine(tmp_path):
    folder = write_small_data(tmp_path / "d")
    (folder / "imdb_labelled.txt").write_bytes(b"Good.\t1\r\nBad.  \t0\r\n\r\n\n")
    df = data.load_sentiment(folder)
    assert list(df.loc[df["source"] == "imdb", "text"]) == ["Good.", "Bad."]
    assert list(df.loc[df["source"] == "imdb", "label"]) == [1, 0]


def test_non_utf8_file_is_reported_with_line(tmp_path):
    folder = write_small_data(tmp_path / "d")
    (folder / "amazon_cells_labelled.txt").write_bytes(b"Fine.\t1\nCaf\xe9 was bad.\t0\n")
    with pytest.raises(DataError, match=r"amazon_cells_labelled\.txt is not UTF-8.*line 2"):
        data.load_sentiment(folder)


# ---------------------------------------------------------------------------------------------- where the data is


def test_argument_beats_environment_variable(monkeypatch, tmp_path):
    monkeypatch.setenv("RNNLAB_DATA_DIR", str(tmp_path / "does-not-exist"))
    folder = write_small_data(tmp_path / "arg", n=2)
    assert len(data.load_sentiment(folder)) == 6
    with pytest.raises(DataError, match="RNNLAB_DATA_DIR points to .*does-not-exist, which does not exist"):
        data.load_sentiment()


def test_environment_variable_beats_project_folder(monkeypatch, tmp_path):
    monkeypatch.setattr(data, "DATA_DIR", write_small_data(tmp_path / "project", n=2))
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


# ---------------------------------------------------------------------------------------------- splits


def test_split_is_stratified_by_label_and_source(sentiment_df):
    train_df, val_df = data.split(sentiment_df)
    assert (len(train_df), len(val_df)) == (2400, 600)
    assert val_df.groupby(["label", "source"]).size().tolist() == [100] * 6
    assert train_df.groupby(["label", "source"]).size().tolist() == [400] * 6
    assert list(train_df.index) == list(range(2400)) and list(val_df.index) == list(range(600))
    # Every sentence lands in exactly one side.
    both = pd.concat([train_df, val_df]).sort_values(["source", "label", "text"]).reset_index(drop=True)
    pd.testing.assert_frame_equal(both, sentiment_df.sort_values(["source", "label", "text"]).reset_index(drop=True))


def test_split_is_deterministic_and_seeded(sentiment_df):
    _, val_a = data.split(sentiment_df, seed=0)
    _, val_b = data.split(sentiment_df, seed=0)
    _, val_c = data.split(sentiment_df, seed=1)
    pd.testing.assert_frame_equal(val_a, val_b)
    assert set(val_a["text"]) != set(val_c["text"])
    assert val_c.groupby(["label", "source"]).size().tolist() == [100] * 6


def test_split_other_fraction(sentiment_df):
    train_df, val_df = data.split(sentiment_df, val_fraction=0.1, seed=3)
    assert (len(train_df), len(val_df)) == (2700, 300)
    assert val_df.groupby(["label", "source"]).size().tolist() == [50] * 6


def test_holdout_imdb_is_cross_domain(sentiment_df):
    train_df, val_df = data.split(sentiment_df, holdout_source="imdb")
    assert (len(train_df), len(val_df)) == (2000, 1000)
    assert set(val_df["source"]) == {"imdb"}
    assert set(train_df["source"]) == {"amazon", "yelp"}
    assert val_df["label"].sum() == 500


@pytest.mark.parametrize("kwargs, message", [
    ({"val_fraction": 0}, "val_fraction must be between 0 and 1"),
    ({"val_fraction": 1.0}, "val_fraction must be between 0 and 1"),
    ({"val_fraction": -0.2}, "val_fraction must be between 0 and 1"),
    ({"holdout_source": "twitter"}, "holdout_source must be one of amazon, imdb, yelp"),
])
def test_split_rejects_bad_arguments(sentiment_df, kwargs, message):
    with pytest.raises(ValueError, match=message):
        data.split(sentiment_df, **kwargs)


def test_lesson_split_validates_on_yelp_only(sentiment_df):
    train_df, val_df = data.lesson_split(sentiment_df)
    assert (len(train_df), len(val_df)) == (2400, 600)
    assert set(val_df["source"]) == {"yelp"}
    assert val_df["text"].iloc[0] == sentiment_df["text"].iloc[2400]
    assert train_df["source"].value_counts().to_dict() == {"amazon": 1000, "imdb": 1000, "yelp": 400}


# ---------------------------------------------------------------------------------------------- text to ids


@pytest.fixture(scope="module")
def lesson_vectorizer(sentiment_df):
    return data.make_vectorizer(sentiment_df["text"])


def test_vectorizer_reproduces_the_lesson(lesson_vectorizer):
    vocabulary = lesson_vectorizer.get_vocabulary()
    assert len(vocabulary) == 5404
    assert vocabulary[:2] == ["", "[UNK]"]
    assert lesson_vectorizer(["very good movie"]).numpy().tolist() == [[18, 19, 26]]
    assert lesson_vectorizer(["Mochen Yang"]).numpy().tolist() == [[1, 1]]
    assert lesson_vectorizer(["Mochen Yang", "very good movie"]).numpy().tolist() == [[1, 1, 0], [18, 19, 26]]


def test_pure_python_lengths_match_the_vectorizer(sentiment_df, lesson_vectorizer):
    ids = lesson_vectorizer(list(sentiment_df["text"])).numpy()
    lengths = data.sentence_lengths(sentiment_df["text"])
    assert lengths.dtype == np.int64 and lengths.shape == (3000,)
    np.testing.assert_array_equal(lengths, (ids != 0).sum(axis=1))
    assert lengths.max() == 70 and ids.shape == (3000, 70)


def test_token_counts_follow_the_vocabulary_order(sentiment_df, lesson_vectorizer):
    counts = data.token_counts(sentiment_df["text"])
    vocabulary = [str(token) for token in lesson_vectorizer.get_vocabulary()]
    assert list(counts.index[:20]) == vocabulary[2:22]
    assert list(counts.index) == vocabulary[2:]  # ties included: count, then token, both descending
    assert counts.index[:3].tolist() == ["the", "and", "i"]
    assert counts.is_monotonic_decreasing and counts.sum() == data.sentence_lengths(sentiment_df["text"]).sum()


def test_tokenize_mirrors_textvectorization():
    assert data.tokenize("Hello, World!  It's GREAT-ish...") == ["hello", "world", "its", "greatish"]
    # U+0085 (in two IMDB lines) is not whitespace to TensorFlow; Python's str.split would break there.
    words = data.tokenize("The script is\x85was there a script?")
    assert words == ["the", "script", "is\x85was", "there", "a", "script"]
    assert data.tokenize("CAFÉ ... !!!") == ["cafÉ"]  # only ASCII letters are lowercased, as in tf.strings.lower
    assert data.sentence_lengths(["", "?!", "one two\tthree"]).tolist() == [0, 0, 3]


# ---------------------------------------------------------------------------------------------- uploads


def test_parse_uploaded_csv_with_header_and_rejects():
    raw = (
        b"sentence,label\n"
        b"I love it,1\n"
        b'"Great, really great",1\n'
        b"Meh, not for me,0\n"
        b"no label here\n"
        b"Fine,2\n"
        b",1\n"
        b"Caf\xe9,1\n"
        b"\n"
    )
    df, rejected = data.parse_uploaded(raw, "mine.csv")
    assert df.to_dict("list") == {
        "text": ["I love it", "Great, really great", "Meh, not for me"],
        "label": [1, 1, 0],
        "source": ["upload"] * 3,
    }
    assert df["label"].dtype == np.int64
    assert [(line_no, reason) for line_no, _, reason in rejected] == [
        (5, "no separator"), (6, "label not 0/1"), (7, "empty text"), (8, "not UTF-8"),
    ]
    assert rejected[1][1] == "Fine,2"


def test_parse_uploaded_tsv_like_the_uci_files():
    raw = "Very good movie  \t1\r\nAwful.\t0\r\n".encode()
    df, rejected = data.parse_uploaded(raw, "reviews.txt")
    assert df["text"].tolist() == ["Very good movie", "Awful."] and df["label"].tolist() == [1, 0]
    assert rejected == []


def test_parse_uploaded_header_only_skipped_on_first_line():
    df, rejected = data.parse_uploaded(b"text,label\nGood,1\ntext,label\n", "a.csv")
    assert df["text"].tolist() == ["Good"]
    assert rejected == [(3, "text,label", "label not 0/1")]


def test_parse_uploaded_size_limit():
    with pytest.raises(DataError, match="big.csv is 5.0 MB; uploads are limited to 5 MB"):
        data.parse_uploaded(b"a,1\n" * (data.MAX_UPLOAD_BYTES // 4 + 1), "big.csv")
