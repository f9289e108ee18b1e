"""Tests for rnnlab.data: the real data set's numbers, validation of malformed files and the splits
(finding and downloading the data: test_download.py; text: test_text.py; uploads:
test_upload_parsing.py)."""

import subprocess
import sys

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


def test_validation_split_pitfall_counts_each_way(sentiment_df):
    table, trained_on, judged_on, only = data.validation_split_pitfall(sentiment_df, 0.2)
    assert list(table.index) == ["amazon", "imdb", "yelp"]
    assert table["validation_split=0.2 (last 20%)"].tolist() == [0, 0, 600]
    assert table["split() (stratified)"].tolist() == [200, 200, 200]
    assert only == "yelp" and judged_on.to_dict() == {"yelp": 600}
    assert trained_on.to_dict() == {"amazon": 1000, "imdb": 1000, "yelp": 400}
    mixed = sentiment_df.sample(frac=1.0, random_state=0).reset_index(drop=True)
    assert data.validation_split_pitfall(mixed, 0.2).only is None  # shuffled rows: every source in validation
