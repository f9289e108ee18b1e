"""The run store: every finished or stopped training run saved on disk, so a class keeps its models across server
restarts and a configuration trained once never has to be trained again.

A run is a folder `<runs dir>/<Arch>-<config key>/` holding run.json (configuration, metrics, timings, a checksum
of every other file), history.json (per-epoch and per-batch), vocabulary.json and model.keras (Keras' native
format, loaded in safe mode). Folders appear only complete: they are written under a hidden temporary name and
renamed into place, so a crash mid-save loses nothing saved before. Reading never trusts the disk: a corrupt,
truncated or foreign entry is reported as a problem and skipped.
"""

from __future__ import annotations

import os
import shutil
import time
import uuid
from pathlib import Path
from typing import Any, Mapping

from rnnlab import run_files, run_names, run_schema
from rnnlab.lru import LRU, megabytes_from_env, size_from_env
from rnnlab.paths import RUNS_DIR, store_dir  # noqa: F401  (where the store lives; uploads ask there too)
from rnnlab.run_files import (ASIDE_PREFIX, DELETING_PREFIX, MODEL_FILE, RUN_FILE, TEMP_PREFIX,  # noqa: F401
                              VOCABULARY_FILE, RunStoreError)
from rnnlab.run_names import run_id, run_key, run_name  # noqa: F401  (asked of the store by jobs and pages)
from rnnlab.run_schema import FINISHED, STOPPED, Problem, StoredRun

# A temporary folder younger than this may be a save under way in another process (a training process saves its
# own run): it is skipped quietly. An older one was left by a save that crashed, and is reported.
SAVE_GRACE_S = 120
_writing: set[str] = set()  # temporary folders this process is filling right now (not "half-written" yet)


def _check_matches(run, config: Mapping[str, Any]) -> None:
    """A job config that does not describe this run would file it under someone else's key."""
    mismatched = [name for name in ("arch", "batch_size", "embed_dim", "units", "learning_rate", "seed")
                  if name in run.config and run.config[name] != config[name]]
    if mismatched:
        details = ", ".join(f"{n}: run {run.config[n]!r} vs config {config[n]!r}" for n in mismatched)
        raise ValueError(f"The config does not describe this run ({details})")


def _should_replace(stored: StoredRun, status: str, batches: int) -> bool:
    """A finished run is never replaced (the same configuration trains to the same model); a stopped one gives
    way to a finished one, or to a stopped one that got further."""
    if stored.status == FINISHED:
        return False
    return status == FINISHED or batches > len(stored.batch_history)


def save(run, config: Mapping[str, Any] | None = None, runs_dir=None) -> StoredRun:
    """Store a TrainedModel (finished or stopped) and return what is stored for its configuration.

    `config` is the job configuration it was trained with (rnnlab.jobs format, data selection included); its
    config_key names the run, so identical configurations share one stored run. Without it (a notebook's own
    split) the run is named by a hash of the trainer's config and shares with nothing. If the configuration is
    already stored, the stored run is kept unless it was stopped and this one finished or got further.
    """
    from rnnlab.config import validate_config

    folder = store_dir(runs_dir)
    if config is not None:
        config = validate_config(config)
        _check_matches(run, config)
        key, kind = run_names.run_key(config), "job"
    else:
        config = dict(run.config)
        key, kind = run_names.hash_json(config), "train"
    new_id = f"{run.arch}-{key}"
    status = STOPPED if run.stopped else FINISHED
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / new_id

    with run_files.store_lock(folder):
        if target.exists():
            try:
                stored = run_schema.read_run(target)
            except RunStoreError:
                stored = None  # a broken copy: replace it
            if stored is not None and not _should_replace(stored, status, len(run.batch_history)):
                return stored
        temp = folder / f"{TEMP_PREFIX}{new_id}-{uuid.uuid4().hex[:8]}"
        _writing.add(temp.name)
        aside = None
        try:
            temp.mkdir()
            run_schema.write_run_files(run, temp, new_id, key, kind, config, status)
            run_files.fsync_dir(temp)
            if target.exists():
                # os.replace cannot swap a folder onto a non-empty one: move the old copy aside first.
                aside = folder / f"{ASIDE_PREFIX}{new_id}-{uuid.uuid4().hex[:8]}"
                os.rename(target, aside)
            os.rename(temp, target)
            run_files.fsync_dir(folder)
        except BaseException:
            if aside is not None and not target.exists():
                os.rename(aside, target)  # put the earlier copy back: nothing saved before is lost
                aside = None
            shutil.rmtree(temp, ignore_errors=True)
            raise
        finally:
            _writing.discard(temp.name)
        if aside is not None:
            shutil.rmtree(aside, ignore_errors=True)
        _forget_loaded(target)
        return run_schema.read_run(target)


def list_runs(runs_dir=None) -> tuple[list[StoredRun], list[Problem]]:
    """(runs, problems): every complete run in the store, oldest first, and every entry skipped with the reason
    (corrupt, truncated, foreign, half-written). Never raises; a missing folder is simply an empty store."""
    folder = store_dir(runs_dir)
    runs, problems = [], []
    try:
        if not folder.exists():
            return [], []
        entries = sorted(folder.iterdir(), key=lambda p: p.name)
    except OSError as error:
        return [], [Problem(folder.name, folder, f"the runs folder cannot be read: {error}")]
    for entry in entries:
        name = entry.name
        try:
            if name.startswith((TEMP_PREFIX, ASIDE_PREFIX)):
                if name in _writing or time.time() - entry.stat().st_mtime < SAVE_GRACE_S:
                    continue  # a save under way, here or in another process
                problems.append(Problem(name, entry, "half-written: a save was interrupted; skipped"
                                        if name.startswith(TEMP_PREFIX)
                                        else "an older copy left aside by an interrupted replacement"))
                continue
            if name.startswith("."):
                continue  # the lock file, editors' and file managers' hidden files
            if not entry.is_dir():
                problems.append(Problem(name, entry, "not an RNN Lab run: a file, not a run folder"))
                continue
            runs.append(read_run(entry))
        except RunStoreError as error:
            problems.append(Problem(name, entry, str(error)))
        except Exception as error:  # a listing must never take a page down
            problems.append(Problem(name, entry, f"cannot be read: {type(error).__name__}: {error}"))
    runs.sort(key=lambda run: (run.saved_at, run.id))
    return runs, problems


# (folder, what each of its files is on disk) -> what was read from it: pages read the same few runs many times
# a second (every session's sidebar and live curves), each read parsing a history of hundreds of batches.
# Bounded in count (RNNLAB_RUN_READ_CACHE, 256) and in bytes (RNNLAB_RUN_READ_CACHE_MB, 64 MB): a run of an
# upload of 20,000 lines keeps 6,250 batch records after 10 epochs, about 1.9 MB in memory.
BATCH_RECORD_BYTES = 300  # measured: one parsed batch record (step, epoch, loss, accuracy, grad_norm) ~290 bytes
EPOCH_RECORD_BYTES = 1500  # four metrics and a gradient curve of 20 numbers per epoch
RUN_BYTES = 8 * 1024  # the rest of a StoredRun: its config, metrics, trainer's config, names


def read_weight(value) -> int:
    """What a value of the read cache takes in memory, about: a StoredRun by the length of its histories (the
    tests check this against tracemalloc), a checksum by its few bytes."""
    if isinstance(value, StoredRun):
        epochs = max((len(v) for v in value.history.values()), default=0)
        return RUN_BYTES + BATCH_RECORD_BYTES * len(value.batch_history) + EPOCH_RECORD_BYTES * epochs
    return 256


_read = LRU(size_from_env("RNNLAB_RUN_READ_CACHE", 256), megabytes_from_env("RNNLAB_RUN_READ_CACHE_MB", 64),
            read_weight)


def _on_disk(folder: Path) -> tuple:
    """What a run folder's files are now: inode, size and modification time of each (None for a missing one).
    A save renames a new folder into place, and any change of a file changes its size or times."""
    stamps = []
    for name in (RUN_FILE, *run_files.DATA_FILES):
        try:
            stat = (folder / name).stat()
            stamps.append((stat.st_ino, stat.st_size, stat.st_mtime_ns, stat.st_ctime_ns))
        except FileNotFoundError:
            stamps.append(None)
    return str(folder), tuple(stamps)


def read_run(folder: Path) -> StoredRun:
    """run_schema.read_run(folder), read again only when one of its files changed (RunStoreError as there)."""
    return _read.get((_on_disk(folder), "run"), lambda: run_schema.read_run(folder))


def _model_sha(folder: Path) -> str:
    stamp = _on_disk(folder)
    return _read.get((stamp, "sha"), lambda: run_files.read_json(folder / RUN_FILE)["files"][MODEL_FILE]["sha256"])


def read(run_id: str, runs_dir=None) -> StoredRun | None:
    """The stored run `run_id` without its model, or None if it is missing or broken (never raises)."""
    if not run_names.valid_id(run_id):
        return None
    try:
        folder = store_dir(runs_dir) / run_id
        return read_run(folder) if folder.is_dir() else None
    except (RunStoreError, OSError):
        return None


def find(config: Mapping[str, Any], runs_dir=None) -> StoredRun | None:
    """The stored run of this job configuration, or None (also when its folder is broken)."""
    try:
        target = store_dir(runs_dir) / run_names.run_id(config)
        return read_run(target) if target.is_dir() else None
    except (RunStoreError, OSError):
        return None


# ----------------------------------------------------------------------------------------------------------
# Sizes, and deleting runs (the instructor's)


class PreparedRunError(PermissionError):
    """A prepared run of the lesson was to be deleted without confirm_prepared=True."""


def run_bytes(run_id: str, runs_dir=None) -> int:
    """Bytes on disk of the stored run `run_id`: its model, history, vocabulary, run.json and the measurements kept
    beside them (rnnlab.measure); 0 when it is not stored."""
    return run_files.tree_bytes(store_dir(runs_dir) / run_id) if run_names.valid_id(run_id) else 0


def store_bytes(runs_dir=None) -> int:
    """Bytes on disk of the whole run store: every run, the uploads kept beside them (.uploads), and whatever a
    save under way or an interrupted one holds."""
    return run_files.tree_bytes(store_dir(runs_dir))


def prepared_ids() -> frozenset[str]:
    """The ids of the lesson's four prepared runs: its four architectures with the default configuration (what
    rnnlab.prepare.lesson_configs() trains, and what the Train page's defaults find), stored by `python -m
    rnnlab.prepare` or by a student who trained them. (Not imported from rnnlab.prepare, which imports this.)"""
    from rnnlab.config import validate_config
    from rnnlab.models import LESSON_ARCHS

    return frozenset(run_names.run_id(validate_config(dict(arch=arch))) for arch in LESSON_ARCHS)


def delete(run_id: str, token, confirm_prepared: bool = False, runs_dir=None) -> int:
    """Delete the stored run `run_id` and return the bytes it freed: only with the instructor's token
    (rnnlab.auth.require: PermissionError otherwise), and one of the lesson's four prepared runs only with
    `confirm_prepared` (PreparedRunError otherwise; the page asks a second time). RunStoreError when it is not
    stored. The folder is first renamed to a hidden name (readers skip it), then removed; this server's cached
    reads and model of it are dropped (another server's loaded model stays until its cache lets it go)."""
    from rnnlab import auth

    auth.require(token)
    if not run_names.valid_id(run_id):
        raise RunStoreError(f"{run_id!r} is not a run id")
    if run_id in prepared_ids() and not confirm_prepared:
        raise PreparedRunError(f"{run_id} is one of the lesson's four prepared runs (python -m rnnlab.prepare); "
                               "deleting it needs confirm_prepared=True (the page asks a second time).")
    folder = store_dir(runs_dir)
    target = folder / run_id
    if not target.is_dir():
        raise RunStoreError(f"no stored run {run_id!r} in {folder}")
    with run_files.store_lock(folder):
        if not target.is_dir():
            raise RunStoreError(f"no stored run {run_id!r} in {folder}")
        freed = run_files.tree_bytes(target)
        doomed = folder / f"{DELETING_PREFIX}{run_id}-{uuid.uuid4().hex[:8]}"
        os.rename(target, doomed)
        run_files.fsync_dir(folder)
    _forget_loaded(target)
    _read.discard(lambda key: key[0][0] == str(target))
    for leftover in folder.glob(f"{DELETING_PREFIX}*"):  # this one, and any a crash left mid-removal
        shutil.rmtree(leftover, ignore_errors=True)
    return freed


# ----------------------------------------------------------------------------------------------------------
# Loading a run back into a TrainedModel


# (folder, model checksum) -> TrainedModel, shared by every session, the least recently used dropped beyond
# RNNLAB_MODEL_CACHE (default 8) models: a class trains many, the server holds a few.
_loaded = LRU(size_from_env("RNNLAB_MODEL_CACHE", 8))


def _forget_loaded(folder: Path) -> None:
    _loaded.discard(lambda stamp: stamp[0] == str(folder))


def is_loaded(run_id: str, runs_dir=None) -> bool:
    """Has this process already loaded the run (so load_run returns at once)?"""
    folder = str(store_dir(runs_dir) / run_id)
    return any(stamp[0] == folder for stamp in _loaded.keys())


def load_run(run_id: str, runs_dir=None, *, cached: bool = True):
    """The stored run as a TrainedModel: the Keras model (loaded in safe mode: no code from the file runs),
    its vocabulary (its vectorizer is rebuilt from it on first use), and the saved history and timings. Raises
    RunStoreError.

    With `cached` (the default) every caller in this process gets the same object, so 30 sessions share one
    model in memory; its `lock` (which TrainedModel.predict takes) keeps them from calling it at once. A run
    replaced in the store (a stopped one by a finished one) has a new checksum, so it is loaded afresh.
    """
    if not run_names.valid_id(run_id):
        raise RunStoreError(f"{run_id!r} is not a run id")
    folder = store_dir(runs_dir) / run_id
    if not folder.is_dir():
        raise RunStoreError(f"no stored run {run_id!r} in {folder.parent}")
    stored = read_run(folder)
    if not cached:
        return _load(stored)
    sha = _model_sha(folder)
    return _loaded.get((str(folder), sha), lambda: _load(stored, sha))


def _load(stored: StoredRun, sha: str | None = None):
    import keras

    from rnnlab.training import TrainedModel

    vocabulary = run_files.read_json(stored.path / VOCABULARY_FILE)
    if not isinstance(vocabulary, list) or len(vocabulary) < 2 or not all(isinstance(t, str) for t in vocabulary):
        raise RunStoreError(f"{VOCABULARY_FILE} of {stored.id} is not a list of tokens")
    try:
        model = keras.saving.load_model(stored.path / MODEL_FILE, compile=False, safe_mode=True)
    except Exception as error:
        raise RunStoreError(f"{MODEL_FILE} of {stored.id} cannot be loaded: {type(error).__name__}: {error}") from None
    run = TrainedModel(
        arch=stored.arch,
        config=dict(stored.train_config),
        model=model,
        vocabulary=vocabulary,
        history={name: list(values) for name, values in stored.history.items()},
        batch_history=[dict(record) for record in stored.batch_history],
        seconds=stored.seconds,
        stopped=stored.stopped,
        batches_per_epoch=stored.batches_per_epoch,
    )
    # Where it came from, for pages that show stored runs beside this session's.
    run.run_id, run.key, run.job_config = stored.id, stored.key, dict(stored.config)
    run.model_sha256 = sha or stored.path.name  # with run_id, names this very model (measurements are kept by it)
    run.folder = stored.path  # where rnnlab.measure keeps its measurements of this model
    return run


def load_archive(path):
    """A run downloaded as a zip (rnnlab.archive.to_zip) back as a TrainedModel, its model loaded in safe mode;
    rnnlab.archive.ArchiveError (a ValueError) says why a file is not such a zip."""
    from rnnlab.archive import load_archive as load

    return load(path)
