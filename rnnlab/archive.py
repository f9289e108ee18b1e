"""One run as one zip a learner can take home: the Keras model, its vocabulary, its configuration, and its
per-epoch and per-batch history as CSV; and loading such a zip back (Keras' safe mode: no code from the file runs)
into a TrainedModel that predicts exactly what the run predicted.

A zip holds config.json (format, architecture, configurations, timings), vocabulary.json, model.keras,
history_epochs.csv, history_batches.csv and, when the run recorded it, gradient_by_step.csv.
"""

from __future__ import annotations

import csv
import io
import json
import tempfile
import zipfile
from pathlib import Path

FORMAT = "rnnlab-archive/1"
CONFIG_FILE, VOCABULARY_FILE, MODEL_FILE = "config.json", "vocabulary.json", "model.keras"
EPOCHS_FILE, BATCHES_FILE, GRADIENT_FILE = "history_epochs.csv", "history_batches.csv", "gradient_by_step.csv"
REQUIRED = (CONFIG_FILE, VOCABULARY_FILE, MODEL_FILE, EPOCHS_FILE, BATCHES_FILE)
METRICS = ("loss", "accuracy", "val_loss", "val_accuracy")
# Unpacked, an archive of the largest model the Train page allows is well under this; a bigger one is refused
# before anything is unpacked.
MAX_UNPACKED_BYTES = 200 * 1024 * 1024


class ArchiveError(ValueError):
    """The file is not an RNN Lab run archive, or a part of it is unreadable; the message says which and why."""


def file_name(name: str, config: dict) -> str:
    """A download name: 'rnnlab-<name>-<config key>.zip', e.g. rnnlab-GRU-3f2a09c1d4e5b6a7.zip."""
    from rnnlab.config import config_key

    safe = "".join(c if c.isalnum() or c in "-_" else "_" for c in str(name))
    return f"rnnlab-{safe}-{config_key(config)}.zip"


def _csv(rows: list[dict], columns: list[str]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=columns, extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


def to_zip(run, config: dict | None = None) -> bytes:
    """The zip of `run` (a TrainedModel) as bytes; `config` is the job configuration it was trained with (the
    Train page's settings), if known."""
    import keras

    history = run.history
    epochs = [dict(epoch=i + 1, **{m: history[m][i] for m in METRICS if i < len(history.get(m, []))})
              for i in range(len(history.get("val_accuracy", [])))]
    batch_columns = ["step", "epoch", "loss", "accuracy"]
    batch_columns += [c for c in ("grad_norm", "clip_norm") if any(c in b for b in run.batch_history)]
    record = dict(
        format=FORMAT, arch=run.arch, config=dict(config or getattr(run, "job_config", None) or {}),
        train_config=dict(run.config), stopped=bool(run.stopped), seconds=float(run.seconds),
        batches_per_epoch=int(run.batches_per_epoch), keras=keras.__version__,
    )
    buffer = io.BytesIO()
    with tempfile.TemporaryDirectory(prefix="rnnlab-archive-") as folder, \
            zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        with run.lock:  # Keras models are not thread-safe; a page may be predicting with this one
            run.model.save(Path(folder) / MODEL_FILE)
        archive.write(Path(folder) / MODEL_FILE, MODEL_FILE)
        archive.writestr(CONFIG_FILE, json.dumps(record, indent=2))
        archive.writestr(VOCABULARY_FILE, json.dumps([str(t) for t in run.vocabulary]))
        archive.writestr(EPOCHS_FILE, _csv(epochs, ["epoch", *METRICS]))
        archive.writestr(BATCHES_FILE, _csv(run.batch_history, batch_columns))
        gradients = history.get("gradient_by_step") or []
        if gradients:
            rows = [dict(epoch=e + 1, distance=d, gradient_norm=v)
                    for e, norms in enumerate(gradients) for d, v in enumerate(norms)]
            archive.writestr(GRADIENT_FILE, _csv(rows, ["epoch", "distance", "gradient_norm"]))
    return buffer.getvalue()


def _read_csv(archive: zipfile.ZipFile, name: str) -> list[dict]:
    try:
        text = archive.read(name).decode("utf-8")
        rows = list(csv.DictReader(io.StringIO(text)))
        return [{k: (float(v) if v not in ("", None) else None) for k, v in row.items()} for row in rows]
    except (UnicodeDecodeError, ValueError, csv.Error) as error:
        raise ArchiveError(f"{name} is not a CSV of numbers ({error})") from None


def load_archive(source):
    """A TrainedModel from a run archive (a path, bytes or a binary file object), its model loaded in safe mode.
    Raises ArchiveError with the reason when it is not one (not a zip, a file missing, a wrong format, ...)."""
    import keras

    from rnnlab.models import ARCHITECTURES
    from rnnlab.training import TrainedModel

    if isinstance(source, (bytes, bytearray)):
        source = io.BytesIO(source)
    try:
        archive = zipfile.ZipFile(source)
    except (zipfile.BadZipFile, OSError, EOFError) as error:
        raise ArchiveError(f"not a zip file ({error})") from None
    with archive:
        names = set(archive.namelist())
        missing = [name for name in REQUIRED if name not in names]
        if missing:
            raise ArchiveError(f"not an RNN Lab run archive: {', '.join(missing)} missing")
        if sum(info.file_size for info in archive.infolist()) > MAX_UNPACKED_BYTES:
            raise ArchiveError(f"too large: more than {MAX_UNPACKED_BYTES // 2**20} MB unpacked")
        try:
            record = json.loads(archive.read(CONFIG_FILE).decode("utf-8"))
            vocabulary = json.loads(archive.read(VOCABULARY_FILE).decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError, zipfile.BadZipFile) as error:
            raise ArchiveError(f"{CONFIG_FILE} or {VOCABULARY_FILE} is not JSON ({error})") from None
        if not isinstance(record, dict) or record.get("format") != FORMAT:
            found = record.get("format") if isinstance(record, dict) else type(record).__name__
            raise ArchiveError(f"not an RNN Lab run archive of format {FORMAT} ({CONFIG_FILE} says {found!r})")
        if record.get("arch") not in ARCHITECTURES:
            raise ArchiveError(f"unknown architecture {record.get('arch')!r}")
        if not isinstance(vocabulary, list) or len(vocabulary) < 2 or not all(isinstance(t, str) for t in vocabulary):
            raise ArchiveError(f"{VOCABULARY_FILE} is not a list of tokens")
        epochs, batches = _read_csv(archive, EPOCHS_FILE), _read_csv(archive, BATCHES_FILE)
        gradients = _read_csv(archive, GRADIENT_FILE) if GRADIENT_FILE in names else []
        with tempfile.TemporaryDirectory(prefix="rnnlab-archive-") as folder:
            path = Path(folder) / MODEL_FILE
            path.write_bytes(archive.read(MODEL_FILE))
            try:
                model = keras.saving.load_model(path, compile=False, safe_mode=True)
            except Exception as error:
                raise ArchiveError(f"{MODEL_FILE} cannot be loaded: {type(error).__name__}: {error}") from None
    history = {m: [row[m] for row in epochs] for m in METRICS}
    if gradients:
        by_epoch: dict[int, list] = {}
        for row in gradients:
            by_epoch.setdefault(int(row["epoch"]), []).append(row["gradient_norm"])
        history["gradient_by_step"] = [by_epoch[e] for e in sorted(by_epoch)]
    for row in batches:
        row["step"], row["epoch"] = int(row["step"]), int(row["epoch"])
    run = TrainedModel(
        arch=record["arch"], config=dict(record.get("train_config") or {}), model=model,
        vocabulary=vocabulary, history=history, batch_history=batches, seconds=float(record.get("seconds", 0)),
        stopped=bool(record.get("stopped")), batches_per_epoch=int(record.get("batches_per_epoch", 0)),
    )
    run.job_config = dict(record.get("config") or {}) or None
    return run
