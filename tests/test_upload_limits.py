"""An upload's limits: at most 5 MB (rnnlab.upload_parsing.MAX_UPLOAD_BYTES, as the upload widget says) and at
most RNNLAB_MAX_UPLOAD_LINES lines with content (default 20,000); real files over either are refused by the parser
with a message saying the limit, and a file exactly at the line limit is read in full."""

import pytest

from rnnlab import upload_parsing
from rnnlab.datafiles import DataError


def write_sentences(path, lines, sentiment_df):
    """A real CSV of `lines` lesson sentences (cycled, commas kept out) and their labels, with a header."""
    clean = [" ".join(text.replace(",", " ").replace('"', " ").split()) for text in sentiment_df["text"]]
    rows = [f"{text},{label}" for text, label in zip(clean, sentiment_df["label"])]
    body = ["sentence,label"] + [rows[i % len(rows)] for i in range(lines - 1)]
    path.write_text("\n".join(body) + "\n\n\n", encoding="utf-8")  # blank lines at the end are not counted
    return path


def test_a_file_of_exactly_the_line_limit_is_read_and_one_line_more_is_refused(tmp_path, sentiment_df):
    assert upload_parsing.max_upload_lines() == 20_000
    at_limit = write_sentences(tmp_path / "at_limit.csv", 20_000, sentiment_df)
    df, rejected = upload_parsing.parse_uploaded(at_limit.read_bytes(), at_limit.name)
    assert len(df) == 19_999 and rejected == []  # the header is a line too

    over = write_sentences(tmp_path / "over.csv", 20_001, sentiment_df)
    assert over.stat().st_size < upload_parsing.MAX_UPLOAD_BYTES  # refused for its lines, not its bytes
    with pytest.raises(DataError) as refused:
        upload_parsing.parse_uploaded(over.read_bytes(), over.name)
    assert str(refused.value) == ("over.csv has 20,001 lines; uploads are limited to 20,000 lines "
                                  "(RNNLAB_MAX_UPLOAD_LINES). Keep the first 20,000 or split the file.")


def test_a_real_file_over_5_mb_is_refused_saying_the_limit(tmp_path):
    big = tmp_path / "big.tsv"
    line = ("This sentence is long enough to fill the file quickly with very few lines at all " * 40)[:3999] + "\t1\n"
    big.write_text(line * (upload_parsing.MAX_UPLOAD_BYTES // len(line) + 1), encoding="utf-8")
    assert big.stat().st_size > upload_parsing.MAX_UPLOAD_BYTES and big.read_bytes().count(b"\n") < 2000
    with pytest.raises(DataError, match=r"^big.tsv is 5.0 MB; uploads are limited to 5 MB\.$"):
        upload_parsing.parse_uploaded(big.read_bytes(), big.name)


def test_the_line_limit_follows_the_variable_and_a_bad_value_names_it(tmp_path, sentiment_df, monkeypatch):
    monkeypatch.setenv("RNNLAB_MAX_UPLOAD_LINES", "50")
    assert upload_parsing.limits_text() == "5 MB and 50 lines"
    small = write_sentences(tmp_path / "small.csv", 51, sentiment_df)
    with pytest.raises(DataError, match="small.csv has 51 lines; uploads are limited to 50 lines"):
        upload_parsing.parse_uploaded(small.read_bytes(), small.name)
    monkeypatch.setenv("RNNLAB_MAX_UPLOAD_LINES", "many")
    with pytest.raises(ValueError, match="RNNLAB_MAX_UPLOAD_LINES must be a whole number of lines, at least 1; "
                                         "it is 'many'"):
        upload_parsing.parse_uploaded(small.read_bytes(), small.name)
