"""`run_work(fn, owner, name)`: another kind of training (the long-range page's) as an ordinary run of the
engine (Engine.start_work), waited for here: queued with its place, trained by a standing trainer, stopped when
this call ends early (Streamlit ends the page's script run on any click), failing with the run's reason."""

from __future__ import annotations

import threading
import time
from typing import Callable

from rnnlab.engine.connection import FAILED, QUEUED, STOPPED


class RunFailed(RuntimeError):
    """A work run failed (the message is its reason) or was stopped before it ended."""


def run_work(fn: Callable, on_progress: Callable[[dict], None] | None = None, poll_s: float = 0.25,
             stop: threading.Event | None = None, owner: str = "work", name: str = "training", engine=None):
    """Run `fn(report, stop)` on a trainer (never in this process) and return its result. `on_progress` gets,
    every `poll_s`, what `report(**values)` last said, with `status` and `position` (its place while queued).
    Whatever ends this call early (an error, the page's script run ending) stops the run."""
    from rnnlab.engine.client import manager

    engine = engine or manager()
    job = engine.start_work(fn, owner, name)
    try:
        snapshot = job.snapshot()
        while snapshot.active:
            engine.seen(owner, [job.id])  # its page waits here: not a session that went away
            if on_progress is not None:
                on_progress(dict(snapshot.report, status=snapshot.status, position=snapshot.queue_position))
            if stop is not None and stop.is_set():
                job.stop()
            time.sleep(poll_s)
            snapshot = job.snapshot()
        if snapshot.status == FAILED:
            raise RunFailed(snapshot.error or "the training failed")
        if snapshot.status == STOPPED:
            raise RunFailed(snapshot.error or f"{name} was stopped before it ended")
        return job.outcome()
    finally:
        if job.snapshot().status in (QUEUED, "running"):
            job.stop()
