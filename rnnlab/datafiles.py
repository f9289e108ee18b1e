"""The lesson's three data files (UCI "Sentiment Labelled Sentences"): their names, and reading and validating
one folder of them (every line `sentence<TAB>0|1`, else a DataError naming the file and line), cached."""

from __future__ import annotations

import threading
from pathlib import Path

from rnnlab.text import ASCII_WHITESPACE

# pandas is imported inside the function that uses it: the Home page's data status (plain Python) then paints
# without paying for it on a fresh server.

# The lesson concatenates the files in this order, so its last 20% (Keras' validation_split) is all Yelp.
SOURCES = {
    "amazon": "amazon_cells_labelled.txt",
    "imdb": "imdb_labelled.txt",
    "yelp": "yelp_labelled.txt",
}

# The official zip unpacks to a folder with a space in its name; the underscore spelling is accepted too.
ZIP_FOLDER = "sentiment labelled sentences"
SUBFOLDERS = (ZIP_FOLDER, "sentiment_labelled_sentences")


class DataError(Exception):
    """The data set is missing, incomplete, malformed or could not be downloaded; the message says how to fix it."""


def read_labelled_file(path: Path) -> tuple[list[str], list[int]]:
    """Parse one `sentence<TAB>0|1` file; any malformed line is an error naming the file and its line number."""
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        line_no = raw[: error.start].count(b"\n") + 1
        raise DataError(
            f"{path.name} is not UTF-8 text: byte {raw[error.start:error.start + 1]!r} at line {line_no} "
            f"({path}). Use the original UCI file."
        ) from None
    text = text.removeprefix("\ufeff")
    # Split on '\n' only: str.splitlines() would also break lines at U+0085, which two IMDB sentences contain.
    lines = text.split("\n")
    while lines and not lines[-1].strip(ASCII_WHITESPACE):
        lines.pop()  # blank lines at the end of a file are harmless
    sentences, labels = [], []
    for line_no, line in enumerate(lines, start=1):
        line = line.rstrip("\r")
        where = f"{path.name}, line {line_no}"
        if "\t" not in line:
            raise DataError(f"{where}: no tab between sentence and label: {line[:80]!r} ({path})")
        sentence, label = line.rsplit("\t", 1)
        # IMDB lines keep two spaces before the tab; they are not part of the sentence.
        sentence = sentence.strip(ASCII_WHITESPACE)
        label = label.strip(ASCII_WHITESPACE)
        if label not in ("0", "1"):
            raise DataError(f"{where}: label must be 0 or 1, found {label!r} ({path})")
        if not sentence:
            raise DataError(f"{where}: empty sentence before the tab ({path})")
        sentences.append(sentence)
        labels.append(int(label))
    if not sentences:
        raise DataError(f"{path.name} holds no sentences ({path})")
    return sentences, labels


_cache: dict[tuple, pd.DataFrame] = {}
_cache_lock = threading.Lock()


def load_folder(folder: Path) -> pd.DataFrame:
    """Read the three files in `folder`, cached on the folder and the files' modification times and sizes."""
    import pandas as pd

    paths = [folder / name for name in SOURCES.values()]
    try:
        stamps = tuple((p.stat().st_mtime_ns, p.stat().st_size) for p in paths)
    except OSError as error:
        raise DataError(f"Cannot read the data files in {folder}: {error}") from None
    key = (str(folder.resolve()), stamps)
    with _cache_lock:
        cached = _cache.get(key)
    if cached is None:
        parts = []
        for source, path in zip(SOURCES, paths):
            sentences, labels = read_labelled_file(path)
            parts.append(pd.DataFrame({"text": sentences, "label": labels, "source": source}))
        cached = pd.concat(parts, ignore_index=True)
        cached["label"] = cached["label"].astype("int64")
        with _cache_lock:
            _cache.clear()  # one data set at a time is all anyone needs; keeps memory bounded
            _cache[key] = cached
    return cached.copy()


def files_in(folder: Path) -> tuple[Path | None, list[str]]:
    """The folder (or its unzipped subfolder) holding all three files, else None and the files missing from the
    most complete place found (all three when none is there at all)."""
    best_missing = list(SOURCES.values())
    for candidate in (folder, *(folder / sub for sub in SUBFOLDERS)):
        missing = [name for name in SOURCES.values() if not (candidate / name).is_file()]
        if not missing:
            return candidate, []
        if len(missing) < len(best_missing):
            best_missing = missing
    return None, best_missing
