"""The run store's files on disk: their names, one writer at a time (a thread lock and an flock), JSON written
through to the disk, folders synced, and checksums (kept per size and modification time, so listing does not
re-read unchanged models). What a stored run's run.json holds is rnnlab.run_schema's."""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import threading
from pathlib import Path

FORMAT = "rnnlab-run/1"
RUN_FILE, HISTORY_FILE, VOCABULARY_FILE, MODEL_FILE = "run.json", "history.json", "vocabulary.json", "model.keras"
DATA_FILES = (HISTORY_FILE, VOCABULARY_FILE, MODEL_FILE)  # run.json lists their sizes and checksums
TEMP_PREFIX, ASIDE_PREFIX = ".tmp-", ".old-"
DELETING_PREFIX = ".deleting-"  # a run being deleted is renamed to this first, so no reader sees half of it
LOCK_FILE = ".lock"


class RunStoreError(Exception):
    """A stored run cannot be read or loaded; the message says which file and why."""


_process_lock = threading.RLock()


@contextlib.contextmanager
def store_lock(folder: Path):
    """One writer at a time: a thread lock within this server, an flock between processes (the server and
    `python -m rnnlab.prepare` may save into the same folder)."""
    with _process_lock:
        with open(folder / LOCK_FILE, "a+") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def write_json(path: Path, value) -> None:
    with open(path, "w", encoding="utf-8") as handle:
        json.dump(value, handle)
        handle.flush()
        os.fsync(handle.fileno())


def fsync_dir(path: Path) -> None:
    with contextlib.suppress(OSError):
        descriptor = os.open(path, os.O_RDONLY)
        try:
            os.fsync(descriptor)
        finally:
            os.close(descriptor)


def cached_sha256(path: Path, stat: os.stat_result) -> str:
    """sha256 of a file, kept per (path, size, mtime) so listing does not re-read unchanged models (bounded)."""
    from rnnlab.lru import LRU

    global _checksums
    if _checksums is None:
        _checksums = LRU(4096)
    return _checksums.get((str(path), stat.st_size, stat.st_mtime_ns), lambda: sha256(path))


_checksums = None


def read_json(path: Path):
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise RunStoreError(f"{path.name} is missing") from None
    except (OSError, UnicodeDecodeError) as error:
        raise RunStoreError(f"{path.name} cannot be read: {error}") from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        raise RunStoreError(f"{path.name} is truncated or not JSON ({error.msg} at character {error.pos})") from None


def tree_bytes(path: Path) -> int:
    """Bytes of every file under `path` (a file: its own size), as the disk's files say; 0 when it is gone.
    Links are not followed; a file removed while counting is skipped."""
    try:
        if not path.is_dir():
            return path.stat().st_size if path.is_file() else 0
        total = 0
        with os.scandir(path) as entries:
            for entry in entries:
                try:
                    if entry.is_dir(follow_symlinks=False):
                        total += tree_bytes(Path(entry.path))
                    elif entry.is_file(follow_symlinks=False):
                        total += entry.stat(follow_symlinks=False).st_size
                except FileNotFoundError:
                    continue
        return total
    except (FileNotFoundError, NotADirectoryError):
        return 0
