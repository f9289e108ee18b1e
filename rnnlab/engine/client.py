"""What a server holds: `Engine` starts runs and keeps this server's view of them; a `Job` is a read-only view of
one run (snapshot, wait, stop, and `result`: the model, loaded from the run store); a `JobSnapshot`, a copy."""

from __future__ import annotations

import collections
import dataclasses
import logging
import threading
import time
import uuid
from types import MappingProxyType
from typing import Any, Callable, Mapping

from rnnlab.config import config_key, validate_config
from rnnlab.engine.connection import (
    ACTIVE, FAILED, FINISHED, QUEUED, REGISTRY_NAME, RUNNING, STOPPED, EngineUnavailable, connect, connected,
    generation, gpus, heartbeat_s, lost_reason, remote, worker_env,
)
from rnnlab.engine.connection import namespace as default_namespace
from rnnlab.engine.registry import Registry
from rnnlab.engine.run_actor import RunActor

log = logging.getLogger(__name__)


@dataclasses.dataclass(frozen=True)
class JobSnapshot:
    """An immutable copy of a run's state for drawing: history records are read-only mappings."""

    id: str
    owner: str
    config: Mapping[str, Any]
    key: str
    status: str
    error: str | None
    queue_position: int | None  # 1 = next to start; None unless queued
    batches: tuple[Mapping[str, Any], ...]  # step, epoch, batch (both from 1), loss, accuracy, seconds, time
    epochs: tuple[Mapping[str, Any], ...]  # epoch (from 1), loss, accuracy, val_loss, val_accuracy, seconds
    epoch: int  # the epoch in progress, counted from 1
    batch: int  # batches done in that epoch
    batches_per_epoch: int | None
    eta: float | None  # seconds left, estimated from the time per batch so far
    summary: Mapping[str, Any]  # once ended with a model: seconds, parameters, best_val_accuracy, epochs_done
    stopping: bool = False  # Stop was pressed and the trainer has not ended yet
    stored_run_id: str | None = None  # where the run store keeps it, once ended with a model

    @property
    def label(self) -> str:
        """The run's name: its architecture and what differs from the lesson's defaults (stable for its life)."""
        from rnnlab.runs import run_name

        return run_name(self.config)

    @property
    def active(self) -> bool:
        return self.status in ACTIVE

    @property
    def fraction(self) -> float:
        """How much of the planned batches is done, 0..1."""
        if self.status == FINISHED:
            return 1.0
        if not self.batches_per_epoch:
            return 0.0
        return min(1.0, len(self.batches) / (self.batches_per_epoch * self.config["epochs"]))


class Job:
    """One run as this server sees it: one object per run for all sessions, its snapshot cached for a moment."""

    CACHE_S = 0.3
    LOST_AFTER_S = 30  # a run that cannot be read for this long is shown as failed

    def __init__(self, engine: "Engine", entry: Mapping[str, Any]):
        self.engine, self.id, self.owner, self.key = engine, entry["run_id"], entry["owner"], entry["key"]
        self.config: Mapping[str, Any] = MappingProxyType(dict(entry["config"]))
        self._lock = threading.Lock()
        self._batches: list[Mapping[str, Any]] = []
        self._snapshot: JobSnapshot | None = None
        self._snapshot_at, self._stop_requested, self._actor, self._failing_since = 0.0, False, None, None
        self._actor_generation = 0

    def snapshot(self) -> JobSnapshot:
        with self._lock:
            if self._snapshot is not None and (not self._snapshot.active
                                               or time.time() - self._snapshot_at < self.CACHE_S):
                return self._snapshot
            try:
                self._snapshot = self._read()
                self._failing_since = None
            except Exception as error:  # Ray unreachable for a moment: keep what was shown, for a while
                if not isinstance(error, EngineUnavailable):  # that one is logged once, by the connection
                    log.exception("run %s cannot be read", self.id)
                self._failing_since = self._failing_since or time.time()
                if self._snapshot is None or time.time() - self._failing_since > self.LOST_AFTER_S:
                    self._snapshot = self._build(dict(state=FAILED, error=f"Lost contact with Ray: {error}"))
            self._snapshot_at = time.time()
            return self._snapshot

    def _read(self) -> JobSnapshot:
        import ray
        from ray.exceptions import GetTimeoutError, RayActorError

        registry = self.engine.registry()
        if self._actor is not None and self._actor_generation != generation():
            self._actor = None  # a handle from a Ray this server has left since
        if self._snapshot is None or self._snapshot.status == QUEUED:
            entry = ray.get(registry.status.remote(self.id, True), timeout=10)
            if entry is None or entry["state"] != RUNNING:
                return self._from_registry(entry)
        try:
            if self._actor is None:
                self._actor = ray.get_actor(self.id, namespace=self.engine.namespace)
                self._actor_generation = generation()
            live = ray.get(self._actor.snapshot.remote(len(self._batches)), timeout=5)
        except GetTimeoutError:  # busy for a moment; the watchdog fails it if it stays silent
            return self._snapshot or self._build(dict(state=RUNNING))
        except (RayActorError, ValueError):  # it ended and exited, or died (the watchdog records that in seconds)
            entry = ray.get(registry.status.remote(self.id, True), timeout=10)
            if entry is not None and entry["state"] in ACTIVE:
                return self._snapshot or self._build(dict(state=RUNNING))
            return self._from_registry(entry)
        self._batches.extend(MappingProxyType(b) for b in live["batches"])
        return self._build(dict(live, state=live["status"]))

    def _from_registry(self, entry: dict | None) -> JobSnapshot:
        if entry is None:
            reason = lost_reason() or "The run is unknown to the Ray cluster (restarted?)"
            return self._build(dict(state=FAILED, error=reason))
        if entry["state"] not in ACTIVE and len(entry.get("batches") or ()) > len(self._batches):
            self._batches.extend(MappingProxyType(b) for b in entry["batches"][len(self._batches):])
        return self._build(entry)

    def _build(self, state: Mapping[str, Any]) -> JobSnapshot:
        status, batches, previous = state["state"], tuple(self._batches), self._snapshot
        per_epoch = state.get("batches_per_epoch") or (previous.batches_per_epoch if previous else None)
        last = batches[-1] if batches else None
        planned = (per_epoch or 0) * self.config["epochs"]
        eta = None
        if status == RUNNING and len(batches) >= 3 and planned and not state.get("stopping"):
            eta = max(0.0, (batches[-1]["time"] - batches[0]["time"]) / (len(batches) - 1) * (planned - len(batches)))
        epochs = state.get("epochs") or (previous.epochs if previous else ())
        return JobSnapshot(
            id=self.id, owner=self.owner, config=self.config, key=self.key, status=status,
            error=state.get("error"), queue_position=state.get("position") if status == QUEUED else None,
            batches=batches, epochs=tuple(MappingProxyType(dict(e)) for e in epochs),
            epoch=state.get("epoch") or (last["epoch"] if last else 1),
            batch=state.get("batch") if state.get("batch") is not None else (last["batch"] if last else 0),
            batches_per_epoch=per_epoch, eta=eta, summary=MappingProxyType(dict(state.get("summary") or {})),
            stopping=status in ACTIVE and bool(state.get("stopping") or self._stop_requested),
            stored_run_id=state.get("stored_run_id"),
        )

    def __getattr__(self, name: str):
        if name in ("status", "error", "active"):  # the latest snapshot's
            return getattr(self.snapshot(), name)
        raise AttributeError(name)

    def wait(self, timeout: float | None = None) -> bool:
        """Block until the run has ended (finished, stopped or failed); False if the timeout came first."""
        deadline = None if timeout is None else time.time() + timeout
        while self.snapshot().active:
            if deadline is not None and time.time() >= deadline:
                return False
            time.sleep(0.1)
        return True

    @property
    def has_model(self) -> bool:
        """Did the run end with a model in the run store (finished, or stopped after at least one batch)?"""
        snapshot = self.snapshot()
        return snapshot.status in (FINISHED, STOPPED) and snapshot.stored_run_id is not None

    @property
    def result_ready(self) -> bool:
        """Is `result` there without loading anything?"""
        from rnnlab import runs

        stored = self.snapshot().stored_run_id
        return stored is None or runs.is_loaded(stored)

    @property
    def result(self):
        """The TrainedModel of a finished or stopped run, from the run store's shared cache, else None."""
        from rnnlab import runs

        stored = self.snapshot().stored_run_id if self.has_model else None
        return runs.load_run(stored) if stored else None

    def stop(self) -> bool:
        """Stop the run: a queued one is cancelled, a running one ends after the batches of its current call into
        TensorFlow (about rnnlab.steps.CALL_SECONDS) and keeps what it learned. False if it had already ended."""
        import ray

        if not self.snapshot().active:
            return False
        self._stop_requested = True
        try:
            actor = ray.get_actor(self.id, namespace=self.engine.namespace)
        except ValueError:
            actor = None
        if ray.get(self.engine.registry().cancel.remote(self.id), timeout=10):
            if actor is not None:
                ray.kill(actor, no_restart=True)  # it was waiting for a CPU: nothing learned, nothing to keep
        elif actor is not None:
            try:
                ray.get(actor.stop.remote(), timeout=10)
            except Exception:
                return False
        with self._lock:
            self._snapshot_at = 0.0  # the next snapshot asks again
        return True


class Engine:
    """Starts runs on Ray: one per process (rnnlab.jobs.manager()), others in tests (a fake `train_fn`...)."""

    KEEP_JOBS = 1000

    def __init__(self, namespace: str | None = None, train_fn: Callable | None = None, save_runs: bool = True,
                 heartbeat: float | None = None):
        self.namespace, self.heartbeat = namespace or default_namespace(), heartbeat or heartbeat_s()
        self._train_fn, self.save_runs, self._registry, self._registry_generation = train_fn, save_runs, None, 0
        self._lock = threading.Lock()
        self._jobs: collections.OrderedDict[str, Job] = collections.OrderedDict()

    def registry(self):
        connect()  # raises EngineUnavailable while Ray is lost
        with self._lock:
            if self._registry is None or self._registry_generation != generation():  # a new Ray since: a new handle
                self._registry_generation = generation()
                self._registry = remote(Registry).options(
                    name=REGISTRY_NAME, namespace=self.namespace, get_if_exists=True, lifetime="detached",
                    num_cpus=0, max_restarts=0, max_concurrency=4,
                ).remote(self.namespace)
            return self._registry

    def _job(self, entry: Mapping[str, Any]) -> Job:
        with self._lock:
            if entry["run_id"] not in self._jobs:
                self._jobs[entry["run_id"]] = Job(self, entry)
                ended = [i for i, job in self._jobs.items() if job._snapshot is not None and not job._snapshot.active]
                for run_id in ended[:max(0, len(self._jobs) - self.KEEP_JOBS)]:  # sessions fall back to the store
                    del self._jobs[run_id]
            return self._jobs[entry["run_id"]]

    def start(self, config: Mapping[str, Any], owner: str) -> Job:
        """The live run of `config` (whoever started it), or a new one for `owner` (ValueError: invalid config)."""
        return self.claim(config, owner)[0]

    def claim(self, config: Mapping[str, Any], owner: str) -> tuple[Job, bool]:
        """(job, started): like start(), and whether this call started it."""
        import ray

        config = validate_config(config)
        key = config_key(config)
        run_id = f"{config['arch']}-{key}-{uuid.uuid4().hex[:8]}"  # unique across servers
        entry, created = ray.get(self.registry().claim.remote(key, owner, run_id, config, self.heartbeat), timeout=30)
        job = self._job(entry)
        if created:
            try:
                self._create_actor(run_id, config)
            except Exception as error:
                ray.get(self.registry().ended.remote(run_id, FAILED, f"The run could not be created: {error}"))
                raise
        return job, created

    def _create_actor(self, run_id: str, config: dict) -> None:
        from rnnlab.runs import store_dir

        env = dict(worker_env(), RNNLAB_RUNS_DIR=str(store_dir().resolve()))
        remote(RunActor).options(
            name=run_id, namespace=self.namespace, get_if_exists=True, lifetime="detached", max_concurrency=4,
            num_cpus=1, num_gpus=gpus(), max_restarts=0,
        ).remote(run_id, dict(config), self.namespace, env, self._train_fn, self.save_runs)

    def get(self, run_id: str) -> Job | None:
        """This server's view of a run it has seen, else one the cluster's registry still knows, else None."""
        with self._lock:
            if run_id in self._jobs:
                return self._jobs[run_id]
        if not isinstance(run_id, str) or not connected():
            return None
        import ray

        try:
            entry = ray.get(self.registry().status.remote(run_id), timeout=10)
        except Exception:
            return None
        return self._job(entry) if entry else None

    def jobs_for(self, owner: str) -> list[Job]:
        """The owner's runs this server has seen, oldest first."""
        with self._lock:
            return [job for job in self._jobs.values() if job.owner == owner]
