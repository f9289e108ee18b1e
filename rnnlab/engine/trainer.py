"""The standing trainers: one named Ray actor per CPU of the cluster (`rnnlab-trainer-<i>`, one CPU each, a GPU
where there is one), started with the engine and restarted by Ray if its process dies. Each imports TensorFlow
once, then takes runs in turn from the registry (which decides the order), trains each with
rnnlab.config.train_from_config in a thread of its own, answers `snapshot()` and `stop()` meanwhile, saves the
run into the run store, reports its end and takes the next: no process starts between two runs."""

from __future__ import annotations

import ctypes
import logging
import numbers
import os
import threading
import time
from typing import Any

from rnnlab.config import train_from_config
from rnnlab.engine import registry as registry_module
from rnnlab.engine.connection import FAILED, FINISHED, RUNNING, STOPPED, settle_worker

log = logging.getLogger(__name__)
THREAD_NAME = b"rnnlab-trainer"  # the training thread's name in /proc (and of the TensorFlow threads it starts)


class Trainer:
    """One CPU's trainer (see the module docstring)."""

    def __init__(self, name: str, namespace: str, store: str, warm: bool = True):
        self.name, self._namespace, self._store, self._warm = name, namespace, store, warm
        self._lock = threading.Lock()
        self._entry: dict | None = None  # the run it holds, as the registry handed it over
        self._applied: dict[str, str | None] = {}  # the environment before the last run's, to put back
        self._threads_set, self._ended, self._saving = False, None, False
        threading.Thread(target=self._loop, name="rnnlab-trainer", daemon=True).start()

    # -- what the registry and the servers ask
    def holding(self) -> tuple[dict, dict | None] | None:
        """(the run it holds, how it ended or None while it trains), or None: a new registry asks this."""
        with self._lock:
            return None if self._entry is None else (dict(self._entry), self._ended)

    def snapshot(self, run_id: str, since: int = 0) -> dict:
        """The live state of `run_id` with the batches from index `since` on; held=False if it is not here."""
        with self._lock:
            if self._entry is None or self._entry["run_id"] != run_id:
                return dict(held=False, pid=os.getpid())
            silent = 0.0 if self._saving else time.time() - self._beat  # a slow save is not a hang
            state = dict(held=True, state=RUNNING, batches=self._batches[since:], since=since,
                         report=dict(self._report_values),
                         epochs=list(self._epochs), started_at=self._started, silent_for=silent,
                         stopping=self._stop.is_set(), pid=os.getpid(), **self._progress)
            state.update({k: v for k, v in (self._ended or {}).items() if k not in ("batches", "epochs", "progress")})
            return state

    def stop(self, run_id: str) -> bool:
        with self._lock:
            held = self._entry is not None and self._entry["run_id"] == run_id
            if held:
                self._stop.set()
            return held

    # -- the loop
    def _loop(self) -> None:
        import ray

        try:  # name the thread so that it (and TensorFlow's threads, started from it) can be found
            ctypes.CDLL(None).prctl(15, THREAD_NAME, 0, 0, 0)  # PR_SET_NAME
        except (OSError, AttributeError):
            pass
        settle_worker(threads=False)  # nice this thread (training is batch work; pages answer first)
        if self._warm:
            self._settle_threads()  # TensorFlow imported before the first run
        node, registry = ray.get_runtime_context().get_node_id(), None
        while True:
            try:
                registry = registry or registry_module.handle(self._namespace, self._store)
                entry = ray.get(registry.next_run.remote(self.name, os.getpid(), node), timeout=60)
            except Exception:  # the registry died or is being made again: ask the new one
                log.exception("trainer %s cannot reach the registry", self.name)
                registry = None
                time.sleep(1.0)
                continue
            if entry is not None:
                self._run(entry)
                registry = None  # cheap to look up again; a new registry may have come meanwhile

    def _settle_threads(self) -> None:
        if not self._threads_set:
            settle_worker(threads=True)
            self._threads_set = True

    def _apply_env(self, env: dict) -> None:
        """The server's data dir, run store and the like, for this run (the previous run's put back first)."""
        for name, before in self._applied.items():
            if before is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = before
        self._applied = {name: os.environ.get(name) for name in env}
        os.environ.update(env)

    def _run(self, entry: dict) -> None:
        with self._lock:
            self._entry, self._ended, self._saving = entry, None, False
            self._stop = threading.Event()
            self._batches, self._epochs = [], []
            self._progress = dict(epoch=1, batch=0, batches_per_epoch=None)
            self._report_values = {}
            self._started = self._beat = time.time()
        ended = self._work(entry) if entry.get("kind") == "work" else self._train(entry)
        with self._lock:
            self._ended = ended
        self._report(entry["run_id"], ended)
        with self._lock:
            self._entry = None

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

    def _on_report(self, **values) -> None:
        with self._lock:
            self._report_values.update(values)
            self._beat = time.time()

    def _work(self, entry: dict) -> dict[str, Any]:
        """Another kind of training (the long-range page's): `fn(report, stop)`, its result kept with its end."""
        from ray import cloudpickle

        ended: dict[str, Any] = dict(state=FAILED, error=None, summary={}, stored_run_id=None)
        try:
            self._apply_env(entry["env"])
            ended["result"] = cloudpickle.loads(entry["train_fn"])(self._on_report, self._stop)
            ended["state"] = STOPPED if self._stop.is_set() else FINISHED
        except BaseException as error:
            log.exception("run %s failed", entry["run_id"])
            ended["error"] = f"{type(error).__name__}: {error}"
        with self._lock:
            ended["progress"] = dict(report=dict(self._report_values), started_at=self._started)
        return ended

    def _train(self, entry: dict) -> dict[str, Any]:
        from ray import cloudpickle

        ended: dict[str, Any] = dict(state=FAILED, error=None, summary={}, stored_run_id=None)
        try:
            self._apply_env(entry["env"])
            train_fn = cloudpickle.loads(entry["train_fn"]) if entry.get("train_fn") else None
            if train_fn is None:
                self._settle_threads()
            result = train_from_config(entry["config"], on_batch=self._on_batch, on_epoch=self._on_epoch,
                                       stop=self._stop, train_fn=train_fn)
            val_accuracy = list(getattr(result, "history", {}).get("val_accuracy", []))
            ended["summary"] = dict(
                seconds=float(getattr(result, "seconds", time.time() - self._started)),
                parameters=int(result.model.count_params()), best_val_accuracy=max(val_accuracy, default=None),
                epochs_done=int(getattr(result, "epochs_done", len(val_accuracy))), batches_done=len(self._batches))
            if entry.get("save_runs", True) and self._batches:
                from rnnlab import runs

                with self._lock:
                    self._saving = True
                ended["stored_run_id"] = runs.save(result, entry["config"]).id
            ended["state"] = STOPPED if getattr(result, "stopped", self._stop.is_set()) else FINISHED
        except BaseException as error:  # a failed training, or a failed save: the run fails, never hangs
            log.exception("run %s failed", entry["run_id"])
            ended["error"] = f"{type(error).__name__}: {error}"
        with self._lock:
            ended.update(epochs=list(self._epochs), batches=list(self._batches),
                         progress=dict(self._progress, started_at=self._started))
        return ended

    def _report(self, run_id: str, ended: dict) -> None:
        """Tell the registry how the run ended; if it is gone, the new one adopts the end from holding()."""
        import ray

        for _ in range(30):
            try:
                registry = registry_module.handle(self._namespace, self._store)
                ray.get(registry.ended.remote(run_id, **ended), timeout=30)
                return
            except Exception:
                log.exception("run %s could not report its end yet", run_id)
                time.sleep(1.0)
