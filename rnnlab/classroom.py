"""A whole class on one cluster: identical training configurations are trained once and shared by every session
of every server, every run that ends is kept in the run store, and only the session that started a training may
stop it.

`request_training(config, owner)` decides, in this order: a run of that configuration queued or running anywhere
in the cluster (the owner's own: a double click; another session's: attach and watch the same curves), a finished
run of it in the store (load at once), else a new run. The registry of rnnlab.jobs makes the last step atomic
across servers: of two servers asking at once, exactly one starts it. Nothing here calls Streamlit.
"""

from __future__ import annotations

import dataclasses
import logging
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
        if self.how == OWN:
            state = "waiting for a free CPU" if self.job.snapshot().status == jobs.QUEUED else "training"
            return f"{name} is already here: it is {state}, see its progress above."
        return f"{name} queued for training."


def request_training(config: Mapping[str, Any], owner: str, manager: jobs.Engine | None = None,
                     runs_dir=None) -> Request:
    """Share, load or start the training of `config` for the session `owner` (see the module docstring).
    Raises ValueError for an invalid configuration before anything happens, and jobs.EngineUnavailable when
    Ray cannot be started or reached."""
    manager = manager or jobs.manager()
    key = jobs.config_key(config)  # validates
    live = manager.live(key)
    if live is None:
        stored = runs.find(config, runs_dir)
        if stored is not None and stored.status == runs.FINISHED:
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
    """Kept for app.py: every run's actor saves itself into the run store when it ends, so nothing is left
    to install in the server."""
