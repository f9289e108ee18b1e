"""`run_work(fn)`: another training (the long-range page's) as Ray work owned by its caller."""

from __future__ import annotations

import os
import threading
import time
from typing import Callable

from rnnlab.engine.connection import connect, heartbeat_s, remote, settle_worker, worker_env

class WorkActor:
    """Another training (the long-range page's): `fn(report, stop)` in a thread; progress() answers meanwhile,
    with its result once done. Owned by the caller, who kills it."""

    def __init__(self, fn: Callable, env: dict):
        os.environ.update(env)
        self._lock, self._stop = threading.Lock(), threading.Event()
        self._progress: dict = {}
        self._outcome: dict | None = None
        threading.Thread(target=self._work, args=(fn,), daemon=True).start()

    def _report(self, **progress) -> None:
        with self._lock:
            self._progress.update(progress)

    def _work(self, fn) -> None:
        try:
            settle_worker(threads=False)  # its trainer sets its own threads
            outcome = dict(result=fn(self._report, self._stop), error=None)
        except BaseException as error:
            outcome = dict(error=f"{type(error).__name__}: {error}")
        with self._lock:
            self._outcome = outcome

    def progress(self) -> dict:
        with self._lock:
            return dict(self._progress, done=self._outcome is not None, **(self._outcome or dict(error=None)))

    def stop(self) -> None:
        self._stop.set()


def run_work(fn: Callable, on_progress: Callable[[dict], None] | None = None, poll_s: float = 0.25,
             stop: threading.Event | None = None):
    """Run `fn(report, stop)` as Ray work asking for one CPU (never in this process) and return its result;
    `on_progress(progress)` is called here with what `report(**values)` last said, every `poll_s`. Whatever
    ends this call (an error, Streamlit ending the page's script run) kills the work: nothing is left behind."""
    import ray

    connect()
    # No CPU asked: the standing trainers hold every CPU (until this work becomes an ordinary run of theirs).
    actor = remote(WorkActor).options(num_cpus=0, num_gpus=0, max_concurrency=4, max_restarts=0).remote(
        fn, worker_env())
    try:
        while True:
            progress = ray.get(actor.progress.remote(), timeout=heartbeat_s())
            if progress["done"]:
                if progress["error"]:
                    raise RuntimeError(progress["error"])
                return progress["result"]
            if on_progress is not None and progress:
                on_progress(progress)
            if stop is not None and stop.is_set():
                actor.stop.remote()
            time.sleep(poll_s)
    finally:
        ray.kill(actor, no_restart=True)
