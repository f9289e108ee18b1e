"""A whole class on one cluster: identical training configurations are trained once and shared by every session
of every server, every run that ends is kept in the run store, and only the session that started a training may
stop it.

`request_training(config, owner)` decides, in this order: a finished run of that configuration in the store (load
at once), a run of it queued or running anywhere in the cluster (the owner's own: a double click; another
session's: attach and watch the same curves), else a new run. The registry of rnnlab.jobs makes the last two one
atomic step across servers: of two servers asking at once, exactly one starts it. Nothing here calls Streamlit.
"""

from __future__ import annotations

import dataclasses
import logging
import threading
from typing import Any, Mapping

from rnnlab import jobs, runs

log = logging.getLogger(__name__)

OWN, ATTACHED, STORED, STARTED = "own", "attached", "stored", "started"


@dataclasses.dataclass(frozen=True)
class Request:
    """What became of a request to train a configuration."""

    how: str  # OWN, ATTACHED, STORED or STARTED
    key: str
    job: jobs.Job | None = None  # the run to watch (OWN, ATTACHED, STARTED)
    stored: runs.StoredRun | None = None  # the stored run to load (STORED)

    @property
    def name(self) -> str:
        return runs.run_name(self.job.config if self.job else self.stored.config)

    @property
    def message(self) -> str:
        name = self.name
        if self.how == STORED:
            return (f"{name} was trained before with these settings: loaded from the run store (it is in the "
                    "table of stored runs below and on every page), no training needed.")
        if self.how == ATTACHED:
            return (f"Another session is already training {name} with these settings: you share its run (the same "
                    "curves above, the same model when it ends).")
        if self.how == OWN:  # no state in the words: the notice outlives the rerun its run's start makes
            return (f"{name} is already here: see its progress above (or its place in the queue, while it waits "
                    "for a free CPU).")
        return f"{name} queued for training."


def request_training(config: Mapping[str, Any], owner: str, manager: jobs.Engine | None = None,
                     runs_dir=None) -> Request:
    """Share, load or start the training of `config` for the session `owner` (see the module docstring).
    Raises ValueError for an invalid configuration before anything happens, and jobs.EngineUnavailable when
    Ray cannot be started or reached."""
    manager = manager or jobs.manager()
    key = jobs.config_key(config)  # validates
    stored = runs.find(config, runs_dir)
    if stored is not None and stored.status == runs.FINISHED:  # Ray is not even needed
        return Request(STORED, key, stored=stored)
    live, started = manager.claim(config, owner)
    if started:
        return Request(STARTED, key, job=live)
    return Request(OWN if live.owner == owner else ATTACHED, key, job=live)


def may_stop(job: jobs.Job | jobs.JobSnapshot, owner: str) -> bool:
    """Only the session that started a training may stop it: in a class, one student's Stop must not end
    the run thirty others are watching. The others see it as started by another session."""
    return job.owner == owner


def stop(job: jobs.Job, owner: str, manager: jobs.Engine | None = None) -> bool:
    """Stop `job` if `owner` started it and it is still queued or running; False otherwise."""
    if not may_stop(job, owner):
        return False
    return job.stop()


def install(manager: jobs.Engine | None = None) -> None:
    """Called by app.py on every script run (idempotent). Every run's actor saves itself into the run store, so
    nothing of the engine is installed here; what is: Streamlit calls `keras.backend.clear_session()` after every
    script run of every session once Keras is imported (ScriptRunner's `_clean_problem_modules`, meant for apps
    that build a new model on each rerun). That is a full garbage collection of the server's heap, under the
    GIL, and it drops the compiled prediction calls, so each Predict run traced its models again: 0.8 s a run
    alone, 6.5 s for the last of ten sessions opening Predict at once (scripts/predict_latency.py). The server
    here builds no model per rerun (stored models are loaded once into a bounded cache), so only the
    matplotlib part of that clean-up is kept."""
    try:
        from streamlit.runtime.scriptrunner import script_runner
    except ImportError:  # another Streamlit: nothing to change
        return
    if getattr(script_runner._clean_problem_modules, "keeps_keras", False):
        return

    def clean_problem_modules() -> None:
        import sys

        if "matplotlib.pyplot" in sys.modules:
            sys.modules["matplotlib.pyplot"].close("all")

    clean_problem_modules.keeps_keras = True
    script_runner._clean_problem_modules = clean_problem_modules


_heap_frozen = False
_freeze_lock = threading.Lock()


def freeze_heap() -> bool:
    """Called by app.py after every script run: the first time TensorFlow is found loaded in the server (by the
    first page that needed it), collect the garbage once and freeze what is left (gc.freeze), so that Python's
    full collections, which stop every session's Python, no longer walk the ~420,000 long-lived objects of
    TensorFlow, Keras, Ray and the loaded models. A full collection took 0.21 s quiet with them and 0.03 s
    without. The 30-session lecture ran 6 of them, the longest 0.63 s, before; 8 and 10, the longest 0.16 and
    0.27 s, after (scripts/load_test.py, server_full_collections). True when this call froze the heap."""
    global _heap_frozen
    import sys

    if _heap_frozen or "tensorflow" not in sys.modules:
        return False
    with _freeze_lock:
        if _heap_frozen:
            return False
        import gc

        gc.collect()  # garbage frozen now would never be collected
        gc.freeze()
        _heap_frozen = True
    return True
