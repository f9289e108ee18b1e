"""Reading a file a learner uploads: CSV or TSV lines `sentence,label`, each accepted or rejected with its reason.
(Storing an accepted set under its content's name is rnnlab.uploads'.)"""

from __future__ import annotations

import csv
import io

from rnnlab.datafiles import DataError
from rnnlab.text import whole_number_from_env

# .streamlit/config.toml's maxUploadSize says the same 5 MB to the upload widget.
MAX_UPLOAD_BYTES = 5 * 1024 * 1024
# Lines with content (blank ones are skipped anyway): 20,000 is almost seven times the lesson's 3,000 sentences,
# and keeps one upload's parsing, its stored copy and every split of it small.
MAX_LINES_ENV = "RNNLAB_MAX_UPLOAD_LINES"
DEFAULT_MAX_LINES = 20_000


def max_upload_lines() -> int:
    """The most lines with content an upload may have: RNNLAB_MAX_UPLOAD_LINES, default 20,000; ValueError naming
    the variable for a value that is not a whole number of at least 1."""
    value, raw = whole_number_from_env(MAX_LINES_ENV, DEFAULT_MAX_LINES, 1)
    if value is None:
        raise ValueError(f"{MAX_LINES_ENV} must be a whole number of lines, at least 1; it is {raw!r}. "
                         f"Unset it for the default of {DEFAULT_MAX_LINES:,}.")
    return value


def limits_text() -> str:
    """The upload's limits in words, for the Data page: '5 MB and 20,000 lines'."""
    return f"{MAX_UPLOAD_BYTES // 2**20} MB and {max_upload_lines():,} lines"


_HEADER_LABELS = {"label", "labels", "sentiment", "target", "class", "y", "polarity"}


def parse_uploaded(raw_bytes: bytes, filename: str):
    """Read an uploaded CSV or TSV of `sentence,label` lines (an optional header is skipped): returns
    (DataFrame[text, label, source='upload'], rejected) with rejected a list of (line_no, line_text, reason),
    reason one of 'not UTF-8', 'no separator', 'label not 0/1', 'empty text'. Raises DataError, saying the limit,
    over 5 MB or over max_upload_lines() lines with content (RNNLAB_MAX_UPLOAD_LINES)."""
    import pandas as pd

    if len(raw_bytes) > MAX_UPLOAD_BYTES:
        raise DataError(
            f"{filename} is {len(raw_bytes) / 2**20:.1f} MB; uploads are limited to {MAX_UPLOAD_BYTES // 2**20} MB."
        )
    most_lines = max_upload_lines()
    if raw_bytes.count(b"\n") >= most_lines:  # cheap first: only a file this long can be over the limit
        lines = sum(1 for line in raw_bytes.split(b"\n") if line.strip())
        if lines > most_lines:
            raise DataError(f"{filename} has {lines:,} lines; uploads are limited to {most_lines:,} lines "
                            f"({MAX_LINES_ENV}). Keep the first {most_lines:,} or split the file.")
    raw_bytes = raw_bytes.removeprefix(b"\xef\xbb\xbf")
    # A tab anywhere (or a .tsv name) means TSV; otherwise CSV, whose sentences may be quoted.
    separator = "\t" if (b"\t" in raw_bytes or filename.lower().endswith(".tsv")) else ","
    rows, rejected = [], []
    first_content_line = True
    for line_no, raw_line in enumerate(raw_bytes.split(b"\n"), start=1):
        raw_line = raw_line.rstrip(b"\r")
        try:
            line = raw_line.decode("utf-8")
        except UnicodeDecodeError:
            rejected.append((line_no, raw_line.decode("utf-8", errors="replace"), "not UTF-8"))
            first_content_line = False
            continue
        if not line.strip():
            continue
        is_first, first_content_line = first_content_line, False
        if separator == "," and line.lstrip().startswith('"'):
            fields = next(csv.reader(io.StringIO(line)))
            if len(fields) < 2:
                rejected.append((line_no, line, "no separator"))
                continue
            text, label = ",".join(fields[:-1]), fields[-1]
        elif separator in line:
            text, label = line.rsplit(separator, 1)
        else:
            rejected.append((line_no, line, "no separator"))
            continue
        text, label = text.strip(), label.strip().strip('"').strip()
        if label not in ("0", "1"):
            if is_first and label.lower() in _HEADER_LABELS:
                continue  # a header such as 'sentence,label'
            rejected.append((line_no, line, "label not 0/1"))
            continue
        if not text:
            rejected.append((line_no, line, "empty text"))
            continue
        rows.append((text, int(label)))
    frame = pd.DataFrame(rows, columns=["text", "label"])
    frame["label"] = frame["label"].astype("int64")
    frame["source"] = "upload"
    return frame, rejected
