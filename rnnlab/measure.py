"""The Gradients page's measurements of a trained model: the gradient reaching each word, and the Jacobian chain
‖∂h_T/∂h_t‖, both on the long validation sentences of the model's own data selection; and the frames of several
models as one.

Each is computed once per model: in memory for the whole server (rnnlab.gradients.measured_once) and, for a
stored run, in a file beside its model in the run store (measured-gradients.json, measured-jacobians.json), so
every server sharing the store reads it instead of measuring again. `python -m rnnlab.prepare` writes them for
the lesson's models before class. A file whose model checksum or settings differ is measured afresh."""

from __future__ import annotations

import json
import os

MIN_WORDS = 20  # only sentences this long: the gradient has far to travel
GRADIENT_SENTENCES = 200
JACOBIAN_SENTENCES = 20
JACOBIAN_DISTANCE = 20
FORMAT = "rnnlab-measurement/1"
SETTINGS = dict(gradients=dict(min_words=MIN_WORDS, max_sentences=GRADIENT_SENTENCES),
                jacobians=dict(min_words=MIN_WORDS, max_sentences=JACOBIAN_SENTENCES, max_distance=JACOBIAN_DISTANCE))


def gradient_norms(name: str, job):
    """rnnlab.gradients.measured_gradients of the job's model (and its untrained twin) on up to 200 validation
    sentences of at least 20 words of its configuration's split."""
    return _gradients(job.result, job.config)


def jacobian_norms(name: str, job):
    """rnnlab.jacobians.jacobian_chains of the job's model (and its untrained twin) over 20 of the same long
    validation sentences, up to 20 words back."""
    return _jacobians(job.result, job.config)


def measure_stored(run) -> None:
    """Both measurements of a run loaded from the store (rnnlab.runs.load_run), written beside its model."""
    _gradients(run, run.job_config)
    _jacobians(run, run.job_config)


def _gradients(run, config):
    from rnnlab import gradients
    from rnnlab.config import load_split

    return gradients.measured_once(run, "gradients", lambda: stored_or_measured(
        run, "gradients", lambda: gradients.measured_gradients(
            run, load_split(config)[1], min_words=MIN_WORDS, max_sentences=GRADIENT_SENTENCES)))


def _jacobians(run, config):
    from rnnlab import gradients, jacobians
    from rnnlab.config import load_split

    def measure():
        ids, _ = gradients.long_sentences(run, load_split(config)[1], min_words=MIN_WORDS,
                                          max_sentences=JACOBIAN_SENTENCES)
        return jacobians.jacobian_chains({run.arch: run}, list(ids), include_untrained=True,
                                         max_distance=JACOBIAN_DISTANCE)

    return gradients.measured_once(run, "jacobians", lambda: stored_or_measured(run, "jacobians", measure))


def measurement_path(run, kind: str):
    folder = getattr(run, "folder", None)
    return None if folder is None else folder / f"measured-{kind}.json"


def stored_or_measured(run, kind: str, compute):
    """The frame stored beside `run`'s model for `kind`, if it was measured on this very model with today's
    settings; else `compute()`, then stored there (atomically: a temporary file renamed into place, so a reader
    on another server never sees half a file; a store it cannot write to only costs the next server a
    measurement). Runs that are not stored are only computed."""
    import pandas as pd

    path = measurement_path(run, kind)
    if path is None:
        return compute()
    identity = dict(format=FORMAT, kind=kind, model_sha256=getattr(run, "model_sha256", None),
                    settings=SETTINGS[kind])
    try:
        saved = json.loads(path.read_text(encoding="utf-8"))
        if {key: saved.get(key) for key in identity} == identity:
            return pd.DataFrame(saved["columns"], columns=saved["order"])
    except (OSError, ValueError, KeyError, TypeError):
        pass  # missing, stale, half-written by an older version or broken: measure it again
    frame = compute()
    record = dict(identity, order=list(frame.columns),
                  columns={column: frame[column].tolist() for column in frame.columns})
    temporary = path.with_name(f".tmp-{path.name}.{os.getpid()}")
    try:
        temporary.write_text(json.dumps(record), encoding="utf-8")
        os.replace(temporary, path)
    except OSError:
        temporary.unlink(missing_ok=True)
    return frame


def drawn(jobs: dict, measured: dict):
    """The measured frames of `jobs` ({name: job}, `measured` keyed by job id) as one frame with a `model`
    column, in the jobs' order; None when every one is empty (no sentence was long enough)."""
    import pandas as pd

    frames = [measured[job.id].assign(model=name) for name, job in jobs.items() if not measured[job.id].empty]
    return pd.concat(frames, ignore_index=True) if frames else None
