"""A whole class on one server: identical training configurations are trained once and shared, every run that
ends is kept in the run store, and only the session that started a training may stop it.

`request_training(config, owner)` decides, in this order: the owner's own job of that configuration (a double
click), a job of it that another session is running or has finished (attach and watch the same curves), a run
of it in the store (load at once), else a new job. Nothing here calls Streamlit.
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
    job: jobs.Job | None = None  # the job to watch (OWN, ATTACHED, STARTED)
    stored: runs.StoredRun | None = None  # the stored run to load (STORED)

    @property
    def message(self) -> str:
        arch = (self.job.config if self.job else self.stored.config)["arch"]
        if self.how == STORED:
            return f"{arch} with these settings was trained before: loaded from the run store, no training needed."
        if self.how == ATTACHED:
            state = "is training" if self.job.active else "has trained"
            return f"Another session {state} {arch} with these settings: you share its run (same curves, same model)."
        if self.how == OWN:
            return f"{arch} with these settings is already yours."
        return f"{arch} queued for training."


# One decision at a time: two sessions pressing Train together must not both start the same configuration.
_request_lock = threading.Lock()


def _shareable(job: jobs.Job) -> bool:
    """Queued, running, or finished with a model (a stopped or failed run is trained afresh)."""
    return job.active or (job.status == jobs.FINISHED and job.result is not None)


def request_training(config: Mapping[str, Any], owner: str, manager: jobs.JobManager | None = None,
                     runs_dir=None) -> Request:
    """Share, load or start the training of `config` for the session `owner` (see the module docstring).
    Raises ValueError for an invalid configuration before anything happens."""
    manager = manager or jobs.manager()
    key = jobs.config_key(config)
    with _request_lock:
        same = [job for job in manager.find_by_key(key) if _shareable(job)]
        own = [job for job in same if job.owner == owner]
        if own:
            return Request(OWN, key, job=own[-1])
        if same:
            # Prefer one still training (the curves everyone watches), else the latest finished.
            live = [job for job in same if job.active]
            return Request(ATTACHED, key, job=(live or same)[-1])
        stored = runs.find(config, runs_dir)
        if stored is not None and stored.status == runs.FINISHED:
            return Request(STORED, key, stored=stored)
        return Request(STARTED, key, job=manager.start(config, owner))


def may_stop(job: jobs.Job | jobs.JobSnapshot, owner: str) -> bool:
    """Only the session that started a training may stop it: in a class, one student's Stop must not end
    the run thirty others are watching. The others see it as started by another session."""
    return job.owner == owner


def stop(job: jobs.Job, owner: str, manager: jobs.JobManager | None = None) -> bool:
    """Stop `job` if `owner` started it and it is still queued or running; False otherwise."""
    if not may_stop(job, owner):
        return False
    return (manager or jobs.manager()).stop(job.id)


def save_ended_job(job: jobs.Job, runs_dir=None) -> runs.StoredRun | None:
    """Store a finished or stopped job's model (a job listener); failed jobs have nothing to store. A training
    process has usually saved it already (job.stored_run_id); then nothing is done here."""
    if job.status not in (jobs.FINISHED, jobs.STOPPED) or not job.has_model:
        return None
    if job.stored_run_id is not None:
        return runs.find(job.config, runs_dir)
    if job.store_error:
        log.warning("job %s: the training process could not store its run (%s); storing it here", job.id,
                    job.store_error)
    stored = runs.save(job.result, job.config, runs_dir)
    job.stored_run_id = stored.id
    return stored


_install_lock = threading.Lock()


def install(manager: jobs.JobManager | None = None) -> None:
    """Make `manager` (the server's, by default) save every job that ends into the run store; once per manager.
    Training processes save their own models; the listener saves what was trained in a thread."""
    manager = manager or jobs.manager()
    with _install_lock:
        if manager.store_runs:
            return
        manager.store_runs = True
    manager.add_listener(save_ended_job)
