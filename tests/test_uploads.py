"""Tests for rnnlab.uploads: an uploaded file's accepted sentences get a content-derived id, survive a restart
(they are stored beside the runs), and a set too small or one-sided to train on is refused with the reason."""

import pandas as pd
import pytest

from rnnlab import uploads
from rnnlab.data import parse_uploaded


def upload_bytes(n_per_label=12):
    lines = ["sentence,label"]
    for i in range(n_per_label):
        lines += [f"great place number {i},1", f"awful food number {i},0"]
    lines += ["no separator here", "nice,maybe", ",1", "😀 emoji only,1"]
    return "\n".join(lines).encode("utf-8") + b"\n\xff\xfe broken,1\n"


def test_an_accepted_upload_is_registered_under_its_content_and_reloaded_after_a_restart(tmp_path, monkeypatch):
    monkeypatch.setenv("RNNLAB_RUNS_DIR", str(tmp_path))
    df, rejected = parse_uploaded(upload_bytes(), "mine.csv")
    assert [reason for _, _, reason in rejected] == ["no separator", "label not 0/1", "empty text", "not UTF-8"]
    assert len(df) == 25  # 24 plus the emoji-only sentence

    name = uploads.register(df)
    assert name.startswith("upload-") and len(name) == len("upload-") + 16
    assert uploads.register(df.copy()) == name  # the same sentences, the same id
    assert (tmp_path / ".uploads" / f"{name}.json").is_file()

    uploads._cache.clear()  # as after a server restart
    loaded = uploads.load(name)
    pd.testing.assert_frame_equal(loaded, df.reset_index(drop=True))
    assert list(loaded.columns) == ["text", "label", "source"] and set(loaded["source"]) == {"upload"}


@pytest.mark.parametrize("n_pos, n_neg, reason", [
    (3, 3, "only 6 sentences were accepted; at least 20 are needed"),
    (30, 2, "2 negative (0) sentences; at least 5 of each label are needed"),
    (25, 0, "0 negative (0) sentences"),
])
def test_a_set_too_small_or_one_sided_is_refused_with_the_reason(tmp_path, n_pos, n_neg, reason):
    df = pd.DataFrame({"text": [f"p{i}" for i in range(n_pos)] + [f"n{i}" for i in range(n_neg)],
                       "label": [1] * n_pos + [0] * n_neg, "source": "upload"})
    with pytest.raises(uploads.UploadError, match="cannot be trained on") as error:
        uploads.register(df, tmp_path)
    assert reason in str(error.value)
    assert not (tmp_path / ".uploads").exists()


def test_unknown_tampered_and_malformed_ids_are_refused(tmp_path):
    df, _ = parse_uploaded(upload_bytes(), "mine.csv")
    name = uploads.register(df, tmp_path)
    uploads._cache.clear()
    path = tmp_path / ".uploads" / f"{name}.json"
    path.write_text(path.read_text().replace("great", "grate"))
    with pytest.raises(uploads.UploadError, match="has changed on disk"):
        uploads.load(name, tmp_path)
    with pytest.raises(uploads.UploadError, match="not stored here any more"):
        uploads.load("upload-0123456789abcdef", tmp_path)
    for bad in ("../../etc/passwd", "upload-XYZ", "upload-0123456789abcdef/../x"):
        with pytest.raises(uploads.UploadError, match="is not an uploaded data set's id"):
            uploads.load(bad, tmp_path)


def test_a_job_config_names_its_uploaded_data_and_trains_on_exactly_those_sentences(tmp_path, monkeypatch):
    from rnnlab import jobs

    monkeypatch.setenv("RNNLAB_RUNS_DIR", str(tmp_path))
    df, _ = parse_uploaded(upload_bytes(n_per_label=20), "mine.csv")
    name = uploads.register(df)
    config = dict(arch="GRU", data=name)
    assert jobs.validate_config(config)["data"] == name
    assert jobs.config_key(config) != jobs.config_key(dict(arch="GRU"))
    # The UCI data is data=None, spelled out or not: stored runs keep their keys.
    assert jobs.config_key(dict(arch="GRU", data=None)) == jobs.config_key(dict(arch="GRU"))
    train_df, val_df = jobs.load_split(config)
    assert len(train_df) + len(val_df) == len(df) == 41
    assert set(train_df["text"]) | set(val_df["text"]) == set(df["text"])
    assert len(val_df) == 8  # 20% of each label (20 negative; 21 positive with the emoji-only line)
    with pytest.raises(ValueError, match="holdout_source needs the UCI sentences"):
        jobs.validate_config(dict(config, holdout_source="yelp"))
    with pytest.raises(ValueError, match="data must be None .* or an uploaded data set's id"):
        jobs.validate_config(dict(arch="GRU", data="../../etc/passwd"))
