"""A whole class on one cluster: identical training configurations are trained once and shared by every session
of every server, every run that ends is kept in the run store, and only the session that started a training may
stop it; a session may have at most RNNLAB_MAX_RUNS_PER_SESSION runs queued or training, and the instructor
(`Instructor`, with RNNLAB_INSTRUCTOR_TOKEN) sees the whole queue, stops any run and pauses training for all.

`request_training(config, owner)` decides, in this order: a finished run of that configuration in the store (load
at once), a run of it queued or running anywhere in the cluster (the owner's own: a double click; another
session's: attach and watch the same curves), else a new run (refused past the session's limit, or while the instructor pauses training). The registry of rnnlab.jobs makes the last two one
atomic step across servers: of two servers asking at once, exactly one starts it. Nothing here calls Streamlit.
"""

from __future__ import annotations

import dataclasses
import hashlib
import logging
import threading
import time
from typing import Any, Mapping

from rnnlab import auth, jobs, runs

log = logging.getLogger(__name__)

OWN, ATTACHED, STORED, STARTED, REFUSED, PAUSED = "own", "attached", "stored", "started", "refused", "paused"


@dataclasses.dataclass(frozen=True)
class Request:
    """What became of a request to train a configuration."""

    how: str  # OWN, ATTACHED, STORED, STARTED, REFUSED (the session's limit) or PAUSED (by the instructor)
    key: str
    job: jobs.Job | None = None  # the run to watch (OWN, ATTACHED, STARTED)
    stored: runs.StoredRun | None = None  # the stored run to load (STORED)
    config: Mapping[str, Any] | None = None  # what was asked
    refusal: jobs.Refused | None = None  # why not (REFUSED, PAUSED)

    @property
    def name(self) -> str:
        return runs.run_name(self.job.config if self.job else self.stored.config if self.stored else self.config)

    @property
    def message(self) -> str:
        name = self.name
        if self.how == REFUSED:
            why = self.refusal
            return (f"{name} was not queued: this session already has {why.queued + why.running} runs waiting or "
                    f"training ({why.queued} in the queue, {why.running} training; at most {why.limit} per session, "
                    "so every student gets a turn). Wait for one of them to end, or stop one, then press Train again.")
        if self.how == PAUSED:
            return (f"{name} was not queued: the instructor paused training for the class. Stored models still "
                    "work on every page; press Train again once training resumes.")
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
    """Share, load or start the training of `config` for the session `owner` (see the module docstring); a
    refusal is an answer (REFUSED, PAUSED: see its message), not an error. Raises ValueError for an invalid
    configuration before anything happens, and jobs.EngineUnavailable when Ray cannot be started or reached."""
    manager = manager or jobs.manager()
    key = jobs.config_key(config)  # validates
    stored = runs.find(config, runs_dir)
    if stored is not None and stored.status == runs.FINISHED:  # Ray is not even needed
        return Request(STORED, key, stored=stored)
    try:
        live, started = manager.claim(config, owner)
    except jobs.Refused as refusal:
        return Request(PAUSED if refusal.why == "paused" else REFUSED, key, config=jobs.validate_config(config),
                       refusal=refusal)
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


def owner_id(owner: str) -> str:
    """A session's short anonymous id for the instructor's table: the same session, the same six hex digits."""
    return hashlib.sha256(str(owner).encode()).hexdigest()[:6]


class Instructor:
    """The instructor's controls (every call checks the token again: PermissionError when it is wrong, and
    always without RNNLAB_INSTRUCTOR_TOKEN on the server)."""

    def __init__(self, token: str, manager: jobs.Engine | None = None):
        auth.require(token)
        self._token, self._manager = token, manager

    def _engine(self) -> jobs.Engine:
        auth.require(self._token)
        return self._manager or jobs.manager()

    def queue(self) -> list[dict]:
        """Every queued and running run of the cluster, training ones first, then the queue in the order it
        will start: place (None while training), run_id, owner (anonymous), settings, status, elapsed_s (training
        for, or waiting for)."""
        now = time.time()
        return [dict(place=entry["position"], run_id=entry["run_id"], owner=owner_id(entry["owner"]),
                     settings=jobs.run_label(entry["config"]), config=entry["config"], status=entry["state"],
                     elapsed_s=now - (entry["started"] if entry["state"] == jobs.RUNNING else entry["created"]))
                for entry in self._engine().ask("queue")]

    def stop(self, run_id: str) -> bool:
        """Stop any run (a queued one is cancelled); False if it is unknown or had ended."""
        job = self._engine().get(run_id)
        return job.stop() if job is not None else False

    def pause(self) -> None:
        """No new training for anyone (students get stored models only); what trains now goes on to its end, and
        what is queued waits."""
        self._engine().ask("set_paused", True)

    def resume(self) -> None:
        self._engine().ask("set_paused", False)

    @property
    def paused(self) -> bool:
        return bool(self._engine().ask("paused"))


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
