"""The Ray actors that train. `RunActor` is one run: a named, detached actor asking for one CPU (and one GPU where
the cluster has them), so the cluster's size bounds how many train at once and Ray queues the rest. It trains in
a thread, its callbacks appending to the live history, answers `snapshot()` and `stop()` meanwhile, saves the run
into the run store, reports its end to the registry and exits: nothing of it is left. `run_work(fn)` runs any
other training (the long-range page's) the same way, owned by its caller."""

from __future__ import annotations

import logging
import numbers
import os
import threading
import time
from typing import Any, Callable

from rnnlab.config import train_from_config
from rnnlab.engine.connection import (
    FAILED, FINISHED, REGISTRY_NAME, RUNNING, STOPPED, connect, gpus, heartbeat_s, remote, settle_worker, worker_env,
)

log = logging.getLogger(__name__)


class RunActor:
    """One training run (see the module docstring)."""

    def __init__(self, run_id: str, config: dict, registry_namespace: str, env: dict, train_fn=None,
                 save_runs: bool = True):
        os.environ.update(env)  # the server's data and run store, as it sees them
        self.run_id, self.config, self.save_runs = run_id, config, save_runs
        self._namespace, self._train_fn = registry_namespace, train_fn
        self._lock, self._stop = threading.Lock(), threading.Event()
        self._batches: list[dict] = []
        self._epochs: list[dict] = []
        self._progress = dict(epoch=1, batch=0, batches_per_epoch=None)
        self._started = self._beat = time.time()
        self._ended: dict | None = None
        import ray

        registry = ray.get_actor(REGISTRY_NAME, namespace=registry_namespace)
        registry.started.remote(run_id, os.getpid())
        threading.Thread(target=self._train, name=f"rnnlab-train-{run_id}", daemon=True).start()

    def _on_batch(self, step, logs) -> None:
        # rnnlab.training counts epochs and batches from 0; the records count them from 1 ("epoch 1 of 10").
        record = dict(step=int(step), epoch=int(logs.get("epoch", 0)) + 1, batch=int(logs.get("batch", 0)) + 1,
                      loss=float(logs["loss"]), accuracy=float(logs["accuracy"]),
                      seconds=float(logs.get("seconds", time.time() - self._started)), time=time.time())
        with self._lock:
            self._batches.append(record)
            self._progress = dict(epoch=record["epoch"], batch=record["batch"],
                                  batches_per_epoch=logs.get("batches_per_epoch"))
            self._beat = time.time()

    def _on_epoch(self, epoch, logs) -> None:
        values = {k: float(v) for k, v in logs.items() if k != "epoch" and isinstance(v, numbers.Real)}
        with self._lock:
            self._epochs.append(dict(epoch=int(epoch) + 1, **values))
            self._beat = time.time()

    def snapshot(self, since: int = 0) -> dict:
        """The live state, with the batches from index `since` on (a poller keeps the earlier ones)."""
        with self._lock:
            state = dict(status=RUNNING, batches=self._batches[since:], since=since, epochs=list(self._epochs),
                         started_at=self._started, silent_for=time.time() - self._beat, stopping=self._stop.is_set(),
                         pid=os.getpid(), **self._progress)
            state.update(self._ended or {})
            return state

    def stop(self) -> bool:
        self._stop.set()
        return True

    def _train(self) -> None:
        ended: dict[str, Any] = dict(status=FAILED, error=None, summary={}, stored_run_id=None)
        try:
            settle_worker(threads=self._train_fn is None)  # before TensorFlow's first op (a real trainer's)
            result = train_from_config(self.config, on_batch=self._on_batch, on_epoch=self._on_epoch,
                                       stop=self._stop, train_fn=self._train_fn)
            val_accuracy = list(getattr(result, "history", {}).get("val_accuracy", []))
            ended["summary"] = dict(
                seconds=float(getattr(result, "seconds", time.time() - self._started)),
                parameters=int(result.model.count_params()), best_val_accuracy=max(val_accuracy, default=None),
                epochs_done=int(getattr(result, "epochs_done", len(val_accuracy))), batches_done=len(self._batches))
            if self.save_runs and self._batches:
                from rnnlab import runs

                ended["stored_run_id"] = runs.save(result, self.config).id
            ended["status"] = STOPPED if getattr(result, "stopped", self._stop.is_set()) else FINISHED
        except BaseException as error:  # a failed training, or a failed save: the run fails, never hangs
            log.exception("run %s failed", self.run_id)
            ended["error"] = f"{type(error).__name__}: {error}"
        with self._lock:
            self._ended = ended
        import ray

        try:
            registry = ray.get_actor(REGISTRY_NAME, namespace=self._namespace)
            ray.get(registry.ended.remote(self.run_id, ended["status"], ended["error"], ended["summary"],
                                          list(self._epochs), ended["stored_run_id"], list(self._batches),
                                          dict(self._progress, started_at=self._started)),
                    timeout=60)
        except Exception:
            log.exception("run %s could not report its end", self.run_id)
        ray.kill(ray.get_runtime_context().current_actor, no_restart=True)  # nothing of the run is left


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
    actor = remote(WorkActor).options(num_cpus=1, num_gpus=gpus(), max_concurrency=4, max_restarts=0).remote(
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
