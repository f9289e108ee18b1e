"""Tests for rnnlab.upload_parsing: an uploaded CSV or TSV, each line accepted or rejected with its reason."""


import numpy as np
import pytest

from rnnlab import upload_parsing
from rnnlab.data import DataError


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
    df, rejected = upload_parsing.parse_uploaded(raw, "mine.csv")
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
    df, rejected = upload_parsing.parse_uploaded(raw, "reviews.txt")
    assert df["text"].tolist() == ["Very good movie", "Awful."] and df["label"].tolist() == [1, 0]
    assert rejected == []


def test_parse_uploaded_header_only_skipped_on_first_line():
    df, rejected = upload_parsing.parse_uploaded(b"text,label\nGood,1\ntext,label\n", "a.csv")
    assert df["text"].tolist() == ["Good"]
    assert rejected == [(3, "text,label", "label not 0/1")]


def test_parse_uploaded_size_limit():
    with pytest.raises(DataError, match="big.csv is 5.0 MB; uploads are limited to 5 MB"):
        upload_parsing.parse_uploaded(b"a,1\n" * (upload_parsing.MAX_UPLOAD_BYTES // 4 + 1), "big.csv")
