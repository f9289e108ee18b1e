"""The run store: every finished or stopped training run saved on disk, so a class keeps its models across server
restarts and a configuration trained once never has to be trained again.

A run is a folder `<runs dir>/<Arch>-<config key>/` holding run.json (configuration, metrics, timings, a checksum
of every other file), history.json (per-epoch and per-batch), vocabulary.json and model.keras (Keras' native
format, loaded in safe mode). Folders appear only complete: they are written under a hidden temporary name and
renamed into place, so a crash mid-save loses nothing saved before. Reading never trusts the disk: a corrupt,
truncated or foreign entry is reported as a problem and skipped.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import shutil
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping

FORMAT = "rnnlab-run/1"
RUN_FILE, HISTORY_FILE, VOCABULARY_FILE, MODEL_FILE = "run.json", "history.json", "vocabulary.json", "model.keras"
DATA_FILES = (HISTORY_FILE, VOCABULARY_FILE, MODEL_FILE)  # run.json lists their sizes and checksums
TEMP_PREFIX, ASIDE_PREFIX = ".tmp-", ".old-"
LOCK_FILE = ".lock"
FINISHED, STOPPED = "finished", "stopped"
# A temporary folder younger than this may be a save under way in another process (a training process saves its
# own run): it is skipped quietly. An older one was left by a save that crashed, and is reported.
SAVE_GRACE_S = 120
METRIC_NAMES = ("loss", "accuracy", "val_loss", "val_accuracy")

from rnnlab.paths import RUNS_DIR, store_dir  # noqa: E402,F401  (where the store lives; uploads ask there too)


class RunStoreError(Exception):
    """A stored run cannot be read or loaded; the message says which file and why."""


@dataclass(frozen=True)
class StoredRun:
    """What list_runs() knows about one stored run without loading its model (no TensorFlow needed)."""

    id: str
    key: str  # rnnlab.jobs.config_key of `config` (or a hash of the trainer's config for a notebook's run)
    arch: str
    config: Mapping[str, Any]  # the job configuration it was trained with (see rnnlab.jobs.DEFAULT_CONFIG)
    status: str  # 'finished' or 'stopped'
    history: Mapping[str, list] = field(repr=False)  # per epoch: loss, accuracy, val_loss, val_accuracy
    batch_history: list = field(repr=False)  # per batch: step, epoch (from 0), loss, accuracy
    seconds: float
    metrics: Mapping[str, Any] = field(repr=False)  # best_val_accuracy, final_val_accuracy, epochs_done, ...
    train_config: Mapping[str, Any] = field(repr=False)  # TrainedModel.config: the trainer's settings, data sizes
    batches_per_epoch: int = field(repr=False)
    saved_at: float = field(repr=False)  # Unix time
    path: Path = field(compare=False)

    @property
    def stopped(self) -> bool:
        return self.status == STOPPED

    @property
    def is_job_config(self) -> bool:
        """True when `config` is a full rnnlab.jobs configuration (data selection included), as from the app."""
        return "split_seed" in self.config


@dataclass(frozen=True)
class Problem:
    """An entry of the runs folder that was skipped, and why (shown on the Train page)."""

    name: str
    path: Path
    reason: str


def _hash_json(value) -> str:
    return hashlib.sha256(json.dumps(value, sort_keys=True, separators=(",", ":")).encode()).hexdigest()[:16]


def run_key(config: Mapping[str, Any]) -> str:
    """The configuration's key: rnnlab.jobs.config_key, so identical configurations map to one stored run."""
    from rnnlab.config import config_key

    return config_key(config)


def run_id(config: Mapping[str, Any]) -> str:
    """The folder name of a configuration's run: its architecture (for people browsing runs/) and its key."""
    from rnnlab.config import validate_config

    config = validate_config(config)
    return f"{config['arch']}-{run_key(config)}"


# How each setting reads in a run's name when it differs from the lesson's defaults.
_NAME_PARTS = dict(
    units=lambda v: f"{v} units", embed_dim=lambda v: f"embedding {v}", epochs=lambda v: f"{v} epoch{'s' * (v != 1)}",
    batch_size=lambda v: f"batch {v}", learning_rate=lambda v: f"learning rate {v:g}", seed=lambda v: f"seed {v}",
    val_fraction=lambda v: f"{v:.0%} validation", split_seed=lambda v: f"split seed {v}",
    holdout_source=lambda v: f"{v} held out", subset=lambda v: f"{v} sentences",
    data=lambda v: f"your data {str(v)[-4:]}",
)


def run_name(config: Mapping[str, Any]) -> str:
    """A run's one name, the same on every page, in the store and for its whole life: the architecture and what
    differs from the lesson's defaults, e.g. 'LSTM, 64 units, seed 1' (the lesson's own settings: 'LSTM')."""
    from rnnlab.config import DEFAULT_CONFIG

    try:
        from rnnlab.config import validate_config

        config = validate_config(config)
    except ValueError:
        config = {**DEFAULT_CONFIG, **config}
    parts = [str(config.get("arch"))]
    for name, default in DEFAULT_CONFIG.items():
        value = config.get(name, default)
        if name == "arch" or value == default:
            continue
        describe = _NAME_PARTS.get(name, lambda v, name=name: f"{name.replace('_', ' ')} {v}")
        parts.append(describe(value))
    return ", ".join(parts)


def _valid_id(run_id: str) -> bool:
    return (isinstance(run_id, str) and 0 < len(run_id) <= 200 and not run_id.startswith(".")
            and "/" not in run_id and "\\" not in run_id and "\0" not in run_id)


# ----------------------------------------------------------------------------------------------------------
# Saving


_process_lock = threading.RLock()
_writing: set[str] = set()  # temporary folders this process is filling right now (not "half-written" yet)


@contextlib.contextmanager
def _store_lock(folder: Path):
    """One writer at a time: a thread lock within this server, an flock between processes (the server and
    `python -m rnnlab.prepare` may save into the same folder)."""
    with _process_lock:
        with open(folder / LOCK_FILE, "a+") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def _write_json(path: Path, value) -> None:
    with open(path, "w", encoding="utf-8") as handle:
        json.dump(value, handle)
        handle.flush()
        os.fsync(handle.fileno())


def _fsync_dir(path: Path) -> None:
    with contextlib.suppress(OSError):
        descriptor = os.open(path, os.O_RDONLY)
        try:
            os.fsync(descriptor)
        finally:
            os.close(descriptor)


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
        key, kind = run_key(config), "job"
    else:
        config = dict(run.config)
        key, kind = _hash_json(config), "train"
    new_id = f"{run.arch}-{key}"
    status = STOPPED if run.stopped else FINISHED
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / new_id

    with _store_lock(folder):
        if target.exists():
            try:
                stored = _read_run(target)
            except RunStoreError:
                stored = None  # a broken copy: replace it
            if stored is not None and not _should_replace(stored, status, len(run.batch_history)):
                return stored
        temp = folder / f"{TEMP_PREFIX}{new_id}-{uuid.uuid4().hex[:8]}"
        _writing.add(temp.name)
        aside = None
        try:
            temp.mkdir()
            _write_run_files(run, temp, new_id, key, kind, config, status)
            _fsync_dir(temp)
            if target.exists():
                # os.replace cannot swap a folder onto a non-empty one: move the old copy aside first.
                aside = folder / f"{ASIDE_PREFIX}{new_id}-{uuid.uuid4().hex[:8]}"
                os.rename(target, aside)
            os.rename(temp, target)
            _fsync_dir(folder)
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
        return _read_run(target)


def _plain(value):
    """NumPy numbers and arrays, nested in lists, as plain JSON values."""
    return json.loads(json.dumps(value, default=lambda v: v.tolist() if hasattr(v, "tolist") else float(v)))


def _write_run_files(run, temp: Path, new_id: str, key: str, kind: str, config: dict, status: str) -> None:
    import keras

    history = {name: [float(v) for v in run.history.get(name, [])] for name in METRIC_NAMES}
    # Other per-epoch records (gradient_by_step: one list of norms per epoch) are kept as they are.
    history.update({name: _plain(values) for name, values in run.history.items() if name not in METRIC_NAMES})
    batches = [dict(_plain(b), step=int(b["step"]), epoch=int(b["epoch"]), loss=float(b["loss"]),
                    accuracy=float(b["accuracy"])) for b in run.batch_history]  # and any other number recorded
    with run.lock:  # Keras models are not thread-safe; a page may be predicting with this one right now
        run.model.save(temp / MODEL_FILE)
        parameters = int(run.model.count_params())
    _write_json(temp / HISTORY_FILE, dict(epochs=history, batches=batches))
    _write_json(temp / VOCABULARY_FILE, [str(token) for token in run.vocabulary])
    val_accuracy = history["val_accuracy"]
    record = dict(
        format=FORMAT,
        id=new_id,
        key=key,
        config_kind=kind,
        arch=run.arch,
        status=status,
        config=config,
        train_config=dict(run.config),
        metrics=dict(
            best_val_accuracy=max(val_accuracy) if val_accuracy else None,
            final_val_accuracy=val_accuracy[-1] if val_accuracy else None,
            final_val_loss=history["val_loss"][-1] if history["val_loss"] else None,
            epochs_done=len(val_accuracy),
            batches_done=len(batches),
            parameters=parameters,
            vocab_size=len(run.vocabulary),
        ),
        timings=dict(
            seconds=float(run.seconds),
            batches_per_epoch=int(run.batches_per_epoch),
            traces=int(getattr(run, "traces", 0)),
            saved_at=time.time(),
        ),
        versions=dict(keras=keras.__version__),
        files={name: dict(size=(temp / name).stat().st_size, sha256=_sha256(temp / name)) for name in DATA_FILES},
    )
    _write_json(temp / RUN_FILE, record)  # last: a folder with a complete run.json is a complete run


# ----------------------------------------------------------------------------------------------------------
# Reading and listing


def _cached_sha256(path: Path, stat: os.stat_result) -> str:
    """sha256 of a file, kept per (path, size, mtime) so listing does not re-read unchanged models (bounded)."""
    from rnnlab.lru import LRU

    global _checksums
    if _checksums is None:
        _checksums = LRU(4096)
    return _checksums.get((str(path), stat.st_size, stat.st_mtime_ns), lambda: _sha256(path))


_checksums = None


def _read_json(path: Path):
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


def _is_number_list(values) -> bool:
    return isinstance(values, list) and all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in values)


def _read_run(folder: Path) -> StoredRun:
    """Read and check one run folder (everything but loading the model); RunStoreError says what is wrong."""
    from rnnlab.models import ARCHITECTURES

    if not (folder / RUN_FILE).exists():
        raise RunStoreError(f"not an RNN Lab run: no {RUN_FILE}")
    record = _read_json(folder / RUN_FILE)
    if not isinstance(record, dict) or record.get("format") != FORMAT:
        found = record.get("format") if isinstance(record, dict) else type(record).__name__
        raise RunStoreError(f"not an RNN Lab run of format {FORMAT} ({RUN_FILE} says {found!r})")
    try:
        run_id, key, arch, status = record["id"], record["key"], record["arch"], record["status"]
        config, train_config, metrics = record["config"], record["train_config"], record["metrics"]
        timings, files = record["timings"], record["files"]
        seconds, saved_at = float(timings["seconds"]), float(timings["saved_at"])
        batches_per_epoch = int(timings["batches_per_epoch"])
    except (KeyError, TypeError, ValueError) as error:
        raise RunStoreError(f"{RUN_FILE} lacks a field or has a wrong type ({error!r})") from None
    if run_id != folder.name:
        raise RunStoreError(f"the folder is named {folder.name!r} but holds run {run_id!r} (renamed or copied?)")
    if arch not in ARCHITECTURES or status not in (FINISHED, STOPPED):
        raise RunStoreError(f"unknown architecture {arch!r} or status {status!r}")
    if not all(isinstance(v, dict) for v in (config, train_config, metrics, files)):
        raise RunStoreError(f"{RUN_FILE} has a wrong type for config, metrics or files")
    for name in DATA_FILES:
        expected = files.get(name)
        path = folder / name
        if not isinstance(expected, dict):
            raise RunStoreError(f"{RUN_FILE} has no checksum for {name}")
        try:
            stat = path.stat()
        except FileNotFoundError:
            raise RunStoreError(f"{name} is missing") from None
        if stat.st_size != expected.get("size"):
            raise RunStoreError(f"{name} is truncated or changed: {stat.st_size} bytes, saved as {expected.get('size')}")
        if _cached_sha256(path, stat) != expected.get("sha256"):
            raise RunStoreError(f"{name} is corrupt: its checksum differs from when it was saved")
    history_file = _read_json(folder / HISTORY_FILE)
    try:
        history = {name: history_file["epochs"][name] for name in METRIC_NAMES}
        batches = history_file["batches"]
    except (KeyError, TypeError):
        raise RunStoreError(f"{HISTORY_FILE} lacks the per-epoch or per-batch history") from None
    if not all(_is_number_list(values) for values in history.values()) or not isinstance(batches, list):
        raise RunStoreError(f"{HISTORY_FILE} holds something other than numbers")
    extra = {name: values for name, values in history_file["epochs"].items() if name not in METRIC_NAMES}
    if not all(isinstance(values, list) for values in extra.values()):
        raise RunStoreError(f"{HISTORY_FILE} holds a per-epoch record that is not a list")
    history.update(extra)
    return StoredRun(
        id=run_id, key=key, arch=arch, config=config, status=status, history=history, batch_history=batches,
        seconds=seconds, metrics=metrics, train_config=train_config, batches_per_epoch=batches_per_epoch,
        saved_at=saved_at, path=folder,
    )


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
            runs.append(_read_run(entry))
        except RunStoreError as error:
            problems.append(Problem(name, entry, str(error)))
        except Exception as error:  # a listing must never take a page down
            problems.append(Problem(name, entry, f"cannot be read: {type(error).__name__}: {error}"))
    runs.sort(key=lambda run: (run.saved_at, run.id))
    return runs, problems


def read(run_id: str, runs_dir=None) -> StoredRun | None:
    """The stored run `run_id` without its model, or None if it is missing or broken (never raises)."""
    if not _valid_id(run_id):
        return None
    try:
        folder = store_dir(runs_dir) / run_id
        return _read_run(folder) if folder.is_dir() else None
    except (RunStoreError, OSError):
        return None


def find(config: Mapping[str, Any], runs_dir=None) -> StoredRun | None:
    """The stored run of this job configuration, or None (also when its folder is broken)."""
    try:
        target = store_dir(runs_dir) / run_id(config)
        return _read_run(target) if target.is_dir() else None
    except (RunStoreError, OSError):
        return None


# ----------------------------------------------------------------------------------------------------------
# Loading a run back into a TrainedModel


# (folder, model checksum) -> TrainedModel, shared by every session, the least recently used dropped beyond
# RNNLAB_MODEL_CACHE (default 8) models: a class trains many, the server holds a few.
from rnnlab.lru import LRU, size_from_env  # noqa: E402

_loaded = LRU(size_from_env("RNNLAB_MODEL_CACHE", 8))


def _forget_loaded(folder: Path) -> None:
    _loaded.discard(lambda stamp: stamp[0] == str(folder))


def is_loaded(run_id: str, runs_dir=None) -> bool:
    """Has this process already loaded the run (so load_run returns at once)?"""
    folder = str(store_dir(runs_dir) / run_id)
    return any(stamp[0] == folder for stamp in _loaded.keys())


def load_run(run_id: str, runs_dir=None, *, cached: bool = True):
    """The stored run as a TrainedModel: the Keras model (loaded in safe mode: no code from the file runs),
    a vectorizer rebuilt from the saved vocabulary, and the saved history and timings. Raises RunStoreError.

    With `cached` (the default) every caller in this process gets the same object, so 30 sessions share one
    model in memory; its `lock` (which TrainedModel.predict takes) keeps them from calling it at once. A run
    replaced in the store (a stopped one by a finished one) has a new checksum, so it is loaded afresh.
    """
    if not _valid_id(run_id):
        raise RunStoreError(f"{run_id!r} is not a run id")
    folder = store_dir(runs_dir) / run_id
    if not folder.is_dir():
        raise RunStoreError(f"no stored run {run_id!r} in {folder.parent}")
    stored = _read_run(folder)
    if not cached:
        return _load(stored)
    sha = _read_json(folder / RUN_FILE)["files"][MODEL_FILE]["sha256"]
    return _loaded.get((str(folder), sha), lambda: _load(stored, sha))


def _load(stored: StoredRun, sha: str | None = None):
    import keras

    from rnnlab.training import TrainedModel

    vocabulary = _read_json(stored.path / VOCABULARY_FILE)
    if not isinstance(vocabulary, list) or len(vocabulary) < 2 or not all(isinstance(t, str) for t in vocabulary):
        raise RunStoreError(f"{VOCABULARY_FILE} of {stored.id} is not a list of tokens")
    try:
        model = keras.saving.load_model(stored.path / MODEL_FILE, compile=False, safe_mode=True)
    except Exception as error:
        raise RunStoreError(f"{MODEL_FILE} of {stored.id} cannot be loaded: {type(error).__name__}: {error}") from None
    from rnnlab.text import make_vectorizer  # the one place of the lesson's vectorizer settings

    vectorizer = make_vectorizer(vocabulary=vocabulary)  # '' and '[UNK]' first, as get_vocabulary gave them
    run = TrainedModel(
        arch=stored.arch,
        config=dict(stored.train_config),
        model=model,
        vectorizer=vectorizer,
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
    return run


def load_archive(path):
    """A run downloaded as a zip (rnnlab.archive.to_zip) back as a TrainedModel, its model loaded in safe mode;
    rnnlab.archive.ArchiveError (a ValueError) says why a file is not such a zip."""
    from rnnlab.archive import load_archive as load

    return load(path)
