"""A stored run's record: what run.json, history.json and vocabulary.json hold (written from a TrainedModel) and
every check made on reading them back, so a corrupt, truncated or foreign entry is refused with its reason."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping

from rnnlab import run_files
from rnnlab.run_files import (DATA_FILES, FORMAT, HISTORY_FILE, MODEL_FILE, RUN_FILE, VOCABULARY_FILE,
                              RunStoreError)

FINISHED, STOPPED = "finished", "stopped"
METRIC_NAMES = ("loss", "accuracy", "val_loss", "val_accuracy")


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


def plain(value):
    """NumPy numbers and arrays, nested in lists, as plain JSON values."""
    return json.loads(json.dumps(value, default=lambda v: v.tolist() if hasattr(v, "tolist") else float(v)))


def write_run_files(run, temp: Path, new_id: str, key: str, kind: str, config: dict, status: str) -> None:
    import keras

    history = {name: [float(v) for v in run.history.get(name, [])] for name in METRIC_NAMES}
    # Other per-epoch records (gradient_by_step: one list of norms per epoch) are kept as they are.
    history.update({name: plain(values) for name, values in run.history.items() if name not in METRIC_NAMES})
    batches = [dict(plain(b), step=int(b["step"]), epoch=int(b["epoch"]), loss=float(b["loss"]),
                    accuracy=float(b["accuracy"])) for b in run.batch_history]  # and any other number recorded
    with run.lock:  # Keras models are not thread-safe; a page may be predicting with this one right now
        run.model.save(temp / MODEL_FILE)
        parameters = int(run.model.count_params())
    run_files.write_json(temp / HISTORY_FILE, dict(epochs=history, batches=batches))
    run_files.write_json(temp / VOCABULARY_FILE, [str(token) for token in run.vocabulary])
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
        files={name: dict(size=(temp / name).stat().st_size, sha256=run_files.sha256(temp / name))
               for name in DATA_FILES},
    )
    run_files.write_json(temp / RUN_FILE, record)  # last: a folder with a complete run.json is a complete run


def is_number_list(values) -> bool:
    return isinstance(values, list) and all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in values)


def read_run(folder: Path) -> StoredRun:
    """Read and check one run folder (everything but loading the model); RunStoreError says what is wrong."""
    from rnnlab.models import ARCHITECTURES

    if not (folder / RUN_FILE).exists():
        raise RunStoreError(f"not an RNN Lab run: no {RUN_FILE}")
    record = run_files.read_json(folder / RUN_FILE)
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
        if run_files.cached_sha256(path, stat) != expected.get("sha256"):
            raise RunStoreError(f"{name} is corrupt: its checksum differs from when it was saved")
    history_file = run_files.read_json(folder / HISTORY_FILE)
    try:
        history = {name: history_file["epochs"][name] for name in METRIC_NAMES}
        batches = history_file["batches"]
    except (KeyError, TypeError):
        raise RunStoreError(f"{HISTORY_FILE} lacks the per-epoch or per-batch history") from None
    if not all(is_number_list(values) for values in history.values()) or not isinstance(batches, list):
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
