"""Data sets a learner uploads: the accepted sentences are kept under a name derived from their content, so a
training configuration can say which data it trained on and every page (and a restarted server) finds it again.

Parsing and the reasons for rejected lines are rnnlab.data.parse_uploaded's; here an accepted set is checked to
be trainable, then stored as `<run store>/.uploads/<data id>.json` (written to a temporary name, then renamed).
"""

from __future__ import annotations

import hashlib
import json
import os
import threading
import uuid

import pandas as pd

from rnnlab.lru import LRU, megabytes_from_env, size_from_env

PREFIX = "upload-"
FOLDER = ".uploads"  # hidden, so the run store's listing skips it
# A split needs a few sentences of each class on both sides; fewer than this trains nothing worth showing.
MIN_SENTENCES = 20
MIN_PER_LABEL = 5

# What the store keeps of uploads (prune()): at most RNNLAB_MAX_UPLOADS files and RNNLAB_MAX_UPLOADS_MB in all,
# the least recently uploaded removed first, never one a stored run was trained on nor the one just uploaded.
MAX_UPLOADS_DEFAULT, MAX_UPLOADS_MB_DEFAULT = 50, 100

# The uploads read lately, shared by every session; the least recently used beyond RNNLAB_UPLOAD_CACHE (default
# 16) or RNNLAB_UPLOAD_CACHE_MB (default 64 MB: a 20,000-line upload is a few MB as a DataFrame) are read from
# disk again when next needed.
_cache = LRU(size_from_env("RNNLAB_UPLOAD_CACHE", 16), megabytes_from_env("RNNLAB_UPLOAD_CACHE_MB", 64),
             lambda frame: int(frame.memory_usage(deep=True).sum()))
_lock = threading.Lock()


class UploadError(ValueError):
    """The accepted sentences cannot be trained on, or a data id names no stored upload."""


def problems(df: pd.DataFrame) -> list[str]:
    """Why these accepted sentences cannot be trained on (empty when they can)."""
    counts = df["label"].value_counts() if len(df) else pd.Series(dtype="int64")
    found = []
    if len(df) < MIN_SENTENCES:
        found.append(f"only {len(df)} sentences were accepted; at least {MIN_SENTENCES} are needed")
    for label, name in ((0, "negative (0)"), (1, "positive (1)")):
        if counts.get(label, 0) < MIN_PER_LABEL:
            found.append(f"{counts.get(label, 0)} {name} sentences; at least {MIN_PER_LABEL} of each label are needed")
    return found


def data_id(df: pd.DataFrame) -> str:
    """'upload-' and 16 hex digits of the sentences' and labels' hash: the same file always gets the same id."""
    digest = hashlib.sha256()
    for text, label in zip(df["text"], df["label"]):
        digest.update(f"{int(label)}\t{text}\n".encode("utf-8"))
    return PREFIX + digest.hexdigest()[:16]


def is_data_id(name) -> bool:
    """Is `name` shaped like an uploaded data set's id ('upload-' and 16 hex digits)?"""
    return (isinstance(name, str) and name.startswith(PREFIX) and len(name) == len(PREFIX) + 16
            and all(c in "0123456789abcdef" for c in name[len(PREFIX):]))


def _path(name: str, runs_dir=None):
    from rnnlab.paths import store_dir

    if not is_data_id(name):
        raise UploadError(f"{name!r} is not an uploaded data set's id")
    return store_dir(runs_dir) / FOLDER / f"{name}.json"


def register(df: pd.DataFrame, runs_dir=None) -> str:
    """Keep these accepted sentences (text, label) and return their data id; UploadError if untrainable."""
    found = problems(df)
    if found:
        raise UploadError("This data set cannot be trained on: " + "; ".join(found) + ".")
    frame = pd.DataFrame({"text": df["text"].astype(str), "label": df["label"].astype("int64"), "source": "upload"})
    frame = frame.reset_index(drop=True)
    name = data_id(frame)
    path = _path(name, runs_dir)
    with _lock:
        _cache.put(name, frame)
        if path.exists():
            os.utime(path)  # uploaded again: the newest, the last prune() removes
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            temp = path.with_name(f".tmp-{uuid.uuid4().hex[:8]}-{path.name}")
            try:
                temp.write_text(json.dumps(dict(text=list(frame["text"]), label=[int(v) for v in frame["label"]])),
                                encoding="utf-8")
                os.replace(temp, path)
            finally:
                temp.unlink(missing_ok=True)
    prune(runs_dir, keep=name)
    return name


def stored(runs_dir=None) -> list[tuple[str, int, float]]:
    """(data id, bytes, modification time) of every upload kept in the store, the least recently uploaded first."""
    from rnnlab.paths import store_dir

    found = []
    for path in (store_dir(runs_dir) / FOLDER).glob(f"{PREFIX}*.json"):
        try:
            stat = path.stat()
        except FileNotFoundError:
            continue
        if is_data_id(path.stem):
            found.append((path.stem, stat.st_size, stat.st_mtime))
    return sorted(found, key=lambda item: (item[2], item[0]))


def _trained_on(runs_dir=None) -> set[str]:
    """The data ids the stored runs were trained on: each run folder's run.json says it (its config's `data`).
    Read here from the files themselves: importing rnnlab.runs would close an import cycle (runs -> config ->
    uploads). A run.json that cannot be read protects nothing."""
    from rnnlab.paths import store_dir
    from rnnlab.run_files import RUN_FILE, RunStoreError, read_json

    found = set()
    folder = store_dir(runs_dir)
    for record in folder.glob(f"[!.]*/{RUN_FILE}"):  # hidden folders are saves under way or deletions
        try:
            data = read_json(record).get("config", {}).get("data")
        except (RunStoreError, AttributeError):
            continue
        if is_data_id(data):
            found.add(data)
    return found


def prune(runs_dir=None, keep: str | None = None, max_count: int | None = None,
          max_bytes: int | None = None) -> list[str]:
    """Remove the least recently uploaded sets while more than `max_count` (RNNLAB_MAX_UPLOADS, default 50) are
    kept or they take more than `max_bytes` (RNNLAB_MAX_UPLOADS_MB, default 100 MB) together; never `keep` (the
    one just uploaded) nor one that a stored run was trained on (its config's `data`). Returns the removed ids."""
    if max_count is None:
        max_count = size_from_env("RNNLAB_MAX_UPLOADS", MAX_UPLOADS_DEFAULT)
    if max_bytes is None:
        max_bytes = megabytes_from_env("RNNLAB_MAX_UPLOADS_MB", MAX_UPLOADS_MB_DEFAULT)
    with _lock:
        kept = stored(runs_dir)
        count, total = len(kept), sum(size for _, size, _ in kept)
        if count <= max_count and total <= max_bytes:
            return []
        trained_on = _trained_on(runs_dir)
        removed = []
        for name, size, _ in kept:
            if count <= max_count and total <= max_bytes:
                break
            if name == keep or name in trained_on:
                continue
            _path(name, runs_dir).unlink(missing_ok=True)
            _cache.discard(lambda key: key == name)
            removed.append(name)
            count, total = count - 1, total - size
        return removed


def load(name: str, runs_dir=None) -> pd.DataFrame:
    """The uploaded data set `name` (text, label, source='upload'); UploadError if it is not stored."""
    path = _path(name, runs_dir)
    cached = _cache.peek(name)
    if cached is not None:
        return cached.copy()
    try:
        stored = json.loads(path.read_text(encoding="utf-8"))
        frame = pd.DataFrame({"text": stored["text"], "label": stored["label"], "source": "upload"})
        frame["label"] = frame["label"].astype("int64")
    except FileNotFoundError:
        raise UploadError(f"The uploaded data set {name} is not stored here any more; upload the file again.") from None
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise UploadError(f"The uploaded data set {name} cannot be read ({error}); upload the file again.") from None
    if data_id(frame) != name:
        raise UploadError(f"The uploaded data set {name} has changed on disk; upload the file again.")
    _cache.put(name, frame)
    return frame.copy()
