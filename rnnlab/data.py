"""The lesson's data set: find or download the UCI "Sentiment Labelled Sentences" files, validate and load them.

It also splits them (seeded, stratified, or the lesson's last-20% way) and turns text into token ids exactly as
the lesson's TextVectorization does, with pure-Python twins of its tokenizer for the pages' charts.
"""

from __future__ import annotations

import csv
import http.client
import io
import os
import shutil
import sys
import tempfile
import threading
import urllib.error
import urllib.request
import zipfile
from collections import Counter
from pathlib import Path

# NumPy and pandas are imported inside the functions that use them: the Home page's data status (plain Python)
# then paints without paying for them on a fresh server.

# The lesson concatenates the files in this order, so its last 20% (Keras' validation_split) is all Yelp.
SOURCES = {
    "amazon": "amazon_cells_labelled.txt",
    "imdb": "imdb_labelled.txt",
    "yelp": "yelp_labelled.txt",
}

# UCI Machine Learning Repository, data set 331; RNNLAB_DATA_URL overrides it (tests serve a zip locally).
UCI_URL = "https://archive.ics.uci.edu/static/public/331/sentiment+labelled+sentences.zip"

# The project's own data folder; downloads land here (git-ignored). Tests point it at a temporary folder.
DATA_DIR = Path(__file__).resolve().parents[1] / "data"

# The official zip unpacks to a folder with a space in its name; the underscore spelling is accepted too.
ZIP_FOLDER = "sentiment labelled sentences"
SUBFOLDERS = (ZIP_FOLDER, "sentiment_labelled_sentences")

MAX_UPLOAD_BYTES = 5 * 1024 * 1024
MAX_DOWNLOAD_BYTES = 50 * 1024 * 1024  # the real zip is about 84 KB; anything this big is not it
DOWNLOAD_TIMEOUT_S = 30

# TextVectorization's 'lower_and_strip_punctuation' lowercases ASCII letters only (tf.strings.lower without an
# encoding), deletes these characters, then 'whitespace' splits on ASCII whitespace. U+0085, which appears twice
# in the IMDB file, is whitespace to Python's str.split() but not to TensorFlow, so we split on ASCII only.
_PUNCTUATION = '!"#$%&()*+,-./:;<=>?@[\\]^_`{|}~\''
_STANDARDIZE = str.maketrans(
    {**{chr(c): chr(c + 32) for c in range(ord("A"), ord("Z") + 1)}, **{p: None for p in _PUNCTUATION}}
)
_ASCII_WHITESPACE = " \t\n\r\f\v"


class DataError(Exception):
    """The data set is missing, incomplete, malformed or could not be downloaded; the message says how to fix it."""


# ----------------------------------------------------------------------------------------------------------
# Reading and validating the three files


def _read_labelled_file(path: Path) -> tuple[list[str], list[int]]:
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
    while lines and not lines[-1].strip(_ASCII_WHITESPACE):
        lines.pop()  # blank lines at the end of a file are harmless
    sentences, labels = [], []
    for line_no, line in enumerate(lines, start=1):
        line = line.rstrip("\r")
        where = f"{path.name}, line {line_no}"
        if "\t" not in line:
            raise DataError(f"{where}: no tab between sentence and label: {line[:80]!r} ({path})")
        sentence, label = line.rsplit("\t", 1)
        # IMDB lines keep two spaces before the tab; they are not part of the sentence.
        sentence = sentence.strip(_ASCII_WHITESPACE)
        label = label.strip(_ASCII_WHITESPACE)
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


def _load_folder(folder: Path) -> pd.DataFrame:
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
            sentences, labels = _read_labelled_file(path)
            parts.append(pd.DataFrame({"text": sentences, "label": labels, "source": source}))
        cached = pd.concat(parts, ignore_index=True)
        cached["label"] = cached["label"].astype("int64")
        with _cache_lock:
            _cache.clear()  # one data set at a time is all anyone needs; keeps memory bounded
            _cache[key] = cached
    return cached.copy()


# ----------------------------------------------------------------------------------------------------------
# Finding the data: argument, RNNLAB_DATA_DIR, data/, then the UCI download


def _files_in(folder: Path) -> tuple[Path | None, list[str]]:
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


def _three_ways(url: str) -> str:
    names = ", ".join(SOURCES.values())
    return (
        "Provide the UCI 'Sentiment Labelled Sentences' data in one of three ways:\n"
        f"  1. pass data_dir=... to load_sentiment(), or set the environment variable RNNLAB_DATA_DIR, "
        f"to a folder holding {names};\n"
        f"  2. put those three files (or the unzipped '{ZIP_FOLDER}' folder) into {DATA_DIR};\n"
        f"  3. connect to the internet and let RNN Lab download it from {url}."
    )


def _explicit_folder(data_dir, origin: str) -> Path:
    """A folder the user named: it must hold the data; we never download over an explicit choice."""
    folder = Path(data_dir).expanduser()
    if not folder.exists():
        raise DataError(f"{origin} points to {folder}, which does not exist (nothing downloaded: a folder was given).")
    if not folder.is_dir():
        raise DataError(f"{origin} points to {folder}, which is not a folder.")
    found, missing = _files_in(folder)
    if found is None:
        raise DataError(
            f"{origin} points to {folder}, which lacks {', '.join(missing)} "
            f"(looked in it and in its '{SUBFOLDERS[0]}' and '{SUBFOLDERS[1]}' subfolders)."
        )
    return found


def data_url() -> str:
    """Where the zip is downloaded from: RNNLAB_DATA_URL if set, else the official UCI address."""
    return os.environ.get("RNNLAB_DATA_URL") or UCI_URL


def find_data_dir(data_dir=None, *, download: bool = True, progress=None) -> Path:
    """The folder holding the three files: the argument, else RNNLAB_DATA_DIR, else data/, else (if `download`)
    a fresh download of the official zip into data/. Raises DataError saying what is missing and how to fix it."""
    if data_dir is not None:
        return _explicit_folder(data_dir, "data_dir")
    if os.environ.get("RNNLAB_DATA_DIR"):
        return _explicit_folder(os.environ["RNNLAB_DATA_DIR"], "RNNLAB_DATA_DIR")
    found, missing = _files_in(DATA_DIR)
    if found is not None:
        return found
    if len(missing) < len(SOURCES):
        # Someone put part of the data here: tell them, rather than download beside it.
        raise DataError(f"{DATA_DIR} holds only part of the data set: {', '.join(missing)} missing.")
    if not download:
        raise DataError(f"The data set is not in {DATA_DIR} yet.\n" + _three_ways(data_url()))
    return download_sentiment(progress=progress)


# ----------------------------------------------------------------------------------------------------------
# Downloading the official zip


def print_progress(done_bytes: int, total_bytes: int | None) -> None:
    """The default download progress: a text bar on stderr (total_bytes is None when the server does not say)."""
    if total_bytes:
        filled = int(30 * min(done_bytes, total_bytes) / total_bytes)
        bar = "#" * filled + "-" * (30 - filled)
        line = f"\rDownloading sentiment data [{bar}] {100 * done_bytes // total_bytes:3d}% " \
               f"{done_bytes // 1024}/{total_bytes // 1024} KB"
    else:
        line = f"\rDownloading sentiment data {done_bytes // 1024} KB"
    end = "\n" if total_bytes and done_bytes >= total_bytes else ""
    print(line, end=end, file=sys.stderr, flush=True)


_download_lock = threading.Lock()


def _fetch(url: str, destination, progress) -> None:
    """Stream `url` into the open file `destination`, reporting progress(done, total)."""
    with urllib.request.urlopen(url, timeout=DOWNLOAD_TIMEOUT_S) as response:
        length = response.headers.get("Content-Length")
        total = int(length) if length and length.isdigit() else None
        done = 0
        progress(done, total)
        while chunk := response.read(64 * 1024):
            done += len(chunk)
            if done > MAX_DOWNLOAD_BYTES:
                raise DataError(f"The download from {url} is over {MAX_DOWNLOAD_BYTES // 2**20} MB: not the UCI zip.")
            destination.write(chunk)
            progress(done, total)


def _unpack(zip_path: Path, url: str, into: Path) -> None:
    """Copy the three files (and the readme) out of the zip into `into`. Members are looked up by their file
    name and written under names we choose, so a hostile path in the archive ('../x', '/etc/x') is never used."""
    try:
        archive = zipfile.ZipFile(zip_path)
    except zipfile.BadZipFile:
        raise DataError(f"The download from {url} is not a valid zip file (corrupt or not the UCI archive).") from None
    with archive:
        members = {}
        for info in archive.infolist():
            parts = info.filename.replace("\\", "/").split("/")
            if info.is_dir() or "__MACOSX" in parts or parts[-1].startswith("._"):
                continue  # macOS resource forks ride along in the official zip
            if parts[-1] in (*SOURCES.values(), "readme.txt"):
                # The shallowest copy wins should the archive hold more than one.
                if parts[-1] not in members or len(parts) < members[parts[-1]][0]:
                    members[parts[-1]] = (len(parts), info)
        missing = [name for name in SOURCES.values() if name not in members]
        if missing:
            raise DataError(f"The zip from {url} lacks {', '.join(missing)}: not the UCI sentiment archive.")
        for name, (_, info) in members.items():
            if info.file_size > MAX_DOWNLOAD_BYTES:
                raise DataError(f"{name} in the zip from {url} is implausibly large ({info.file_size} bytes).")
            try:
                (into / name).write_bytes(archive.read(info))
            except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError) as error:
                raise DataError(f"Cannot unpack {name} from the zip downloaded from {url}: {error}") from None


def download_sentiment(destination=None, url: str | None = None, progress=None) -> Path:
    """Download the official zip into `destination` (default data/), unpack and validate it, and return the folder
    holding the three files. Nothing is left half-written: the zip and the files go to temporary names first
    and the folder is renamed into place only once every line has been checked."""
    destination = Path(destination) if destination is not None else DATA_DIR
    url = url or data_url()
    progress = progress or print_progress
    target = destination / ZIP_FOLDER
    with _download_lock:
        found, _ = _files_in(destination)
        if found is not None:  # another session finished the same download while we waited
            return found
        try:
            destination.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise DataError(f"Cannot create {destination} to download the data into: {error}") from None
        unpacked = Path(tempfile.mkdtemp(prefix=".unpacking-", dir=destination))
        zip_path = unpacked.with_name(unpacked.name + ".zip.part")
        try:
            try:
                with open(zip_path, "wb") as zip_file:
                    _fetch(url, zip_file, progress)
            except (urllib.error.URLError, http.client.HTTPException, OSError, ValueError) as error:
                reason = getattr(error, "reason", None) or error
                raise DataError(
                    f"The data set was not found and could not be downloaded from {url} ({reason}).\n"
                    + _three_ways(url)
                ) from None
            _unpack(zip_path, url, unpacked)
            _load_folder(unpacked)  # validates every line before anything is put in place
            try:
                os.replace(unpacked, target)  # atomic; succeeds over an empty folder of that name
            except OSError as error:
                raise DataError(f"Cannot move the unpacked data to {target}: {error}") from None
        finally:
            zip_path.unlink(missing_ok=True)
            shutil.rmtree(unpacked, ignore_errors=True)
    return target


# ----------------------------------------------------------------------------------------------------------
# The public loading API


def load_sentiment(data_dir=None, *, progress=None) -> pd.DataFrame:
    """The 3000 labelled sentences: columns text (str), label (int64, 1 = positive), source ('amazon', 'imdb',
    'yelp'), in file order amazon, imdb, yelp. Downloads the data into data/ only when no copy is found."""
    return _load_folder(find_data_dir(data_dir, download=True, progress=progress))


def data_status(data_dir=None) -> tuple[bool, str]:
    """(ok, message) for the Home page: is the data set here and valid? Never downloads, never raises."""
    try:
        folder = find_data_dir(data_dir, download=False)
        # Every line checked, in plain Python: no pandas, so the Home page that asks paints at once.
        counts = {source: len(_read_labelled_file(folder / name)[0]) for source, name in SOURCES.items()}
    except DataError as error:
        return False, str(error)
    except Exception as error:  # a status line must never take a page down
        return False, f"Cannot check the data set: {error}"
    per_source = ", ".join(f"{count} {source}" for source, count in counts.items())
    return True, f"{sum(counts.values())} sentences ({per_source}) from {folder}"


# ----------------------------------------------------------------------------------------------------------
# Splitting


def split(df: pd.DataFrame, val_fraction: float = 0.2, seed: int = 0, holdout_source: str | None = None):
    """Seeded (train_df, val_df). By default stratified by (label, source): each of the six groups gives
    round(val_fraction * its size) rows to validation. With holdout_source, train on the other sources and
    validate on all of that one (a cross-domain test; val_fraction is then not used). Rows keep file order."""
    import numpy as np
    import pandas as pd

    if not 0 < val_fraction < 1:
        raise ValueError(f"val_fraction must be between 0 and 1 (exclusive), got {val_fraction!r}")
    for column in ("text", "label", "source"):
        if column not in df.columns:
            raise ValueError(f"split() needs a DataFrame with a {column!r} column")
    if holdout_source is not None:
        if holdout_source not in SOURCES:
            raise ValueError(f"holdout_source must be one of {', '.join(SOURCES)}, got {holdout_source!r}")
        is_val = (df["source"] == holdout_source).to_numpy()
        if not is_val.any() or is_val.all():
            raise ValueError(f"holdout_source={holdout_source!r} leaves nothing to train or validate on")
    else:
        rng = np.random.default_rng(seed)
        is_val = np.zeros(len(df), dtype=bool)
        positions = pd.Series(np.arange(len(df)))
        groups = positions.groupby([df["label"].to_numpy(), df["source"].to_numpy()], sort=True)
        for _, members in groups:  # sorted group order keeps the draw reproducible
            n_val = int(round(val_fraction * len(members)))
            is_val[rng.permutation(members.to_numpy())[:n_val]] = True
        if not is_val.any() or is_val.all():
            raise ValueError(f"val_fraction={val_fraction} leaves an empty training or validation set")
    return df[~is_val].reset_index(drop=True), df[is_val].reset_index(drop=True)


def lesson_split(df: pd.DataFrame, val_fraction: float = 0.2):
    """What Keras' fit(validation_split=0.2) does: the last 20% of rows, unshuffled, become validation.
    On the concatenated files that is 600 Yelp sentences: the pitfall the Data page shows."""
    import numpy as np
    import pandas as pd

    if not 0 < val_fraction < 1:
        raise ValueError(f"val_fraction must be between 0 and 1 (exclusive), got {val_fraction!r}")
    split_at = int(np.floor(len(df) * (1.0 - val_fraction)))  # Keras' own arithmetic
    return df.iloc[:split_at].reset_index(drop=True), df.iloc[split_at:].reset_index(drop=True)


# ----------------------------------------------------------------------------------------------------------
# Text to token ids


def make_vectorizer(texts, max_tokens: int | None = None):
    """The lesson's keras TextVectorization, adapted on `texts`: index 0 '' is padding, 1 '[UNK]' any unknown
    word, then words by falling frequency. Training adapts it on the training texts only."""
    import keras  # lazily: pages that never vectorize should not pay for TensorFlow

    vectorizer = keras.layers.TextVectorization(
        max_tokens=max_tokens,
        standardize="lower_and_strip_punctuation",
        split="whitespace",
        output_mode="int",
    )
    vectorizer.adapt(list(texts))
    return vectorizer


def tokenize(text: str) -> list[str]:
    """The words TextVectorization sees in `text`: ASCII-lowercased, punctuation removed, split on whitespace."""
    return [word for word in _split_ascii_whitespace(str(text).translate(_STANDARDIZE)) if word]


def _split_ascii_whitespace(text: str) -> list[str]:
    for space in _ASCII_WHITESPACE[1:]:
        text = text.replace(space, " ")
    return text.split(" ")


def sentence_lengths(texts) -> np.ndarray:
    """Words per sentence, counted as the vectorizer counts them (no TensorFlow needed)."""
    import numpy as np

    return np.array([len(tokenize(text)) for text in texts], dtype=np.int64)


def token_counts(texts) -> pd.Series:
    """How often each word occurs, most frequent first, ties in the vectorizer's order (so position i here is
    token id i + 2 of a vectorizer adapted on the same texts)."""
    import pandas as pd

    counts = Counter(word for text in texts for word in tokenize(text))
    # Keras sorts by count, then by the token's bytes, both descending (np.lexsort(...)[::-1]).
    ordered = sorted(counts.items(), key=lambda item: (item[1], item[0].encode("utf-8")), reverse=True)
    return pd.Series(
        [count for _, count in ordered],
        index=pd.Index([token for token, _ in ordered], name="token"),
        name="count",
        dtype="int64",
    )


# ----------------------------------------------------------------------------------------------------------
# Sentences a learner uploads


_HEADER_LABELS = {"label", "labels", "sentiment", "target", "class", "y", "polarity"}


def parse_uploaded(raw_bytes: bytes, filename: str):
    """Read an uploaded CSV or TSV of `sentence,label` lines (an optional header is skipped): returns
    (DataFrame[text, label, source='upload'], rejected) with rejected a list of (line_no, line_text, reason),
    reason one of 'not UTF-8', 'no separator', 'label not 0/1', 'empty text'. Raises DataError over 5 MB."""
    import pandas as pd

    if len(raw_bytes) > MAX_UPLOAD_BYTES:
        raise DataError(
            f"{filename} is {len(raw_bytes) / 2**20:.1f} MB; uploads are limited to {MAX_UPLOAD_BYTES // 2**20} MB."
        )
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
