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
from rnnlab.engine import registry as registry_module
from rnnlab.engine.connection import (
    ACTIVE, FAILED, FINISHED, QUEUED, RUNNING, STOPPED, EngineUnavailable, connect, connected, generation,
    heartbeat_s, lost_reason, remote, worker_env,
)
from rnnlab.engine.connection import namespace as default_namespace
from rnnlab.engine.registry import TRAINER_PREFIX
from rnnlab.engine.trainer import Trainer
from rnnlab.lru import megabytes_from_env
from rnnlab.paths import store_dir

log = logging.getLogger(__name__)


def run_label(config: Mapping[str, Any]) -> str:
    """A run's name: a work run's own (Engine.start_work), else its architecture and what differs from the
    lesson's defaults (rnnlab.runs.run_name)."""
    from rnnlab.runs import run_name

    return config["work"] if "work" in config else run_name(config)


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
    # What a work run (Engine.start_work) last reported.
    report: Mapping[str, Any] = dataclasses.field(default_factory=lambda: MappingProxyType({}))

    @property
    def label(self) -> str:
        """The run's name: its architecture and what differs from the lesson's defaults (stable for its life)."""
        return run_label(self.config)

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
        return min(1.0, len(self.batches) / (self.batches_per_epoch * self.config.get("epochs", 1)))


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
        self._snapshot_at, self._stop_requested, self._trainer, self._failing_since = 0.0, False, None, None
        self._last_state = entry.get("state")

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

        connect()  # raises EngineUnavailable while Ray is lost: nothing here touches Ray then
        if self._trainer is None or self._snapshot is None or self._snapshot.status != RUNNING:
            entry = self.engine.ask("status", self.id, True)
            if entry is None and (self._snapshot.status if self._snapshot else self._last_state) == QUEUED:
                entry = self.engine.requeue(self)  # the registry was made again: the queue came with the servers
            if entry is None or entry["state"] != RUNNING:
                return self._from_registry(entry)
            self._trainer = entry["trainer"]
        try:
            trainer = ray.get_actor(self._trainer, namespace=self.engine.namespace)
            live = ray.get(trainer.snapshot.remote(self.id, len(self._batches)), timeout=5)
        except GetTimeoutError:  # busy for a moment; the watchdog fails it if it stays silent
            return self._snapshot or self._build(dict(state=RUNNING))
        except (RayActorError, ValueError):  # its trainer died (the watchdog records that in seconds)
            live = dict(held=False)
        if not live["held"]:  # it ended (or died): the registry says how
            self._trainer = None
            entry = self.engine.ask("status", self.id, True)
            if entry is not None and entry["state"] in ACTIVE:
                return self._snapshot or self._build(dict(state=RUNNING))
            return self._from_registry(entry)
        self._batches.extend(MappingProxyType(b) for b in live["batches"])
        return self._build(live)

    def _from_registry(self, entry: dict | None) -> JobSnapshot:
        if entry is None:
            reason = lost_reason() or "The run is unknown to the Ray cluster (restarted?)"  # why, if Ray was lost
            return self._build(dict(state=FAILED, error=reason))
        if entry["state"] not in ACTIVE and len(entry.get("batches") or ()) > len(self._batches):
            self._batches.extend(MappingProxyType(b) for b in entry["batches"][len(self._batches):])
        return self._build(entry)

    def _build(self, state: Mapping[str, Any]) -> JobSnapshot:
        status, batches, previous = state["state"], tuple(self._batches), self._snapshot
        per_epoch = state.get("batches_per_epoch") or (previous.batches_per_epoch if previous else None)
        last = batches[-1] if batches else None
        planned = (per_epoch or 0) * self.config.get("epochs", 0)
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
            report=MappingProxyType(dict(state.get("report") or (previous.report if previous else {}))),
        )

    @property
    def batches_held(self) -> int:
        """How many batch records this view keeps (what it costs the server's memory)."""
        return len(self._batches)

    @property
    def ended(self) -> bool:
        """Has this server seen the run end (without asking Ray again)?"""
        return self._snapshot is not None and not self._snapshot.active

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

    def outcome(self):
        """What a work run's function returned, once it finished (the registry keeps it for the latest runs)."""
        entry = self.engine.ask("status", self.id, True, timeout=60)
        return None if entry is None else entry.get("result")

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
        if not self.engine.ask("cancel", self.id):  # not waiting: its trainer holds it
            entry = self.engine.ask("status", self.id)
            try:
                trainer = ray.get_actor(entry["trainer"], namespace=self.engine.namespace)
                if not ray.get(trainer.stop.remote(self.id), timeout=10):
                    return False
            except Exception:
                return False
        with self._lock:
            self._snapshot_at = 0.0  # the next snapshot asks again
        return True


class Refused(RuntimeError):
    """A new run was not queued: `why` is "full" (the owner has `limit` runs queued or training) or "paused"."""

    def __init__(self, why: str, queued: int = 0, running: int = 0, limit: int = 0):
        super().__init__(f"refused ({why}): {queued} queued, {running} training, at most {limit}")
        self.why, self.queued, self.running, self.limit = why, queued, running, limit


class Engine:
    """Queues runs for the standing trainers: one per process (rnnlab.jobs.manager()), others in tests (a fake
    `train_fn`...). Each call reads its limits from the environment: RNNLAB_MAX_RUNS_PER_SESSION (default 5
    runs queued or training per owner), RNNLAB_ABANDON_S (default 120 s without a visit: queued runs cancelled)."""

    KEEP_JOBS = 1000
    # What an ended run's view holds, about: measured with tracemalloc, one batch record as a Job keeps it (seven
    # numbers in a read-only mapping, its list slot) is ~473 bytes; the rest of a Job a few kilobytes.
    JOB_BYTES, BATCH_BYTES = 4096, 480
    SEEN_EVERY_S = 1.0

    def __init__(self, namespace: str | None = None, train_fn: Callable | None = None, save_runs: bool = True,
                 heartbeat: float | None = None):
        self.namespace, self.heartbeat = namespace or default_namespace(), heartbeat or heartbeat_s()
        self._train_fn, self.save_runs, self._registry, self._generation = train_fn, save_runs, None, None
        self._lock = threading.Lock()
        self._jobs: collections.OrderedDict[str, Job] = collections.OrderedDict()
        self._seen: dict[str, set[str]] = {}
        self._seen_at = 0.0

    def registry(self):
        """The registry's handle, made again after Ray was (re)joined; the trainers are started with it."""
        connect()
        with self._lock:
            if self._registry is None or self._generation != generation():
                store = str(store_dir().resolve())
                self._registry, self._generation = registry_module.handle(self.namespace, store), generation()
                self._start_trainers(store)
            return self._registry

    def _start_trainers(self, store: str) -> None:
        """One standing trainer per CPU of the cluster (those there already are kept: get_if_exists)."""
        import ray

        resources = ray.cluster_resources()
        for i in range(max(1, int(resources.get("CPU", 1)))):
            remote(Trainer).options(
                name=f"{TRAINER_PREFIX}{i}", namespace=self.namespace, get_if_exists=True, lifetime="detached",
                num_cpus=1, num_gpus=1 if i < resources.get("GPU", 0) else 0, max_restarts=-1, max_concurrency=8,
            ).remote(f"{TRAINER_PREFIX}{i}", self.namespace, store)

    def ask(self, method: str, *args, timeout: float = 10):
        """Call the registry; if it died, once more on a new one (which learns from the trainers what trains)."""
        import ray
        from ray.exceptions import RayActorError

        for attempt in (1, 2):
            try:
                return ray.get(getattr(self.registry(), method).remote(*args), timeout=timeout)
            except RayActorError:
                with self._lock:
                    self._registry = None
                if attempt == 2:
                    raise

    def _options(self) -> dict:
        from ray import cloudpickle

        return dict(heartbeat=self.heartbeat, abandon=_env_number("RNNLAB_ABANDON_S", 120.0),
                    max_runs=int(_env_number("RNNLAB_MAX_RUNS_PER_SESSION", 5)),
                    train_fn=cloudpickle.dumps(self._train_fn) if self._train_fn else None,
                    save_runs=self.save_runs, env=dict(worker_env(), RNNLAB_RUNS_DIR=str(store_dir().resolve())))

    def _job(self, entry: Mapping[str, Any]) -> Job:
        with self._lock:
            if entry["run_id"] not in self._jobs:
                self._jobs[entry["run_id"]] = Job(self, entry)
                self._forget_ended()
            return self._jobs[entry["run_id"]]

    def _forget_ended(self) -> None:
        """Keep at most KEEP_JOBS views and RNNLAB_JOB_CACHE_MB megabytes (default 64) of their histories: the
        oldest ended runs go first (their sessions fall back to the run store); a run still active always stays."""
        budget = megabytes_from_env("RNNLAB_JOB_CACHE_MB", 64)
        weights = {run_id: self.JOB_BYTES + self.BATCH_BYTES * job.batches_held for run_id, job in self._jobs.items()}
        total = sum(weights.values())
        for run_id in [i for i, job in self._jobs.items() if job.ended]:
            if len(self._jobs) <= self.KEEP_JOBS and total <= budget:
                break
            total -= weights[run_id]
            del self._jobs[run_id]

    def claim(self, config: Mapping[str, Any], owner: str) -> tuple[Job, bool]:
        """(job, started): the live run of `config` (whoever started it) or a new queued one for `owner`, and
        whether this call queued it. ValueError for an invalid config; Refused past the owner's limit, or while
        the instructor pauses training."""
        config = validate_config(config)
        key = config_key(config)
        run_id = f"{config['arch']}-{key}-{uuid.uuid4().hex[:8]}"  # unique across servers
        options = self._options()
        answer = self.ask("claim", key, owner, run_id, config, options, timeout=30)
        if "refused" in answer:
            raise Refused(answer["refused"], answer["queued"], answer["running"], options["max_runs"])
        return self._job(answer["entry"]), answer["created"]

    def start_work(self, fn: Callable, owner: str, name: str) -> Job:
        """Queue another kind of training (the long-range page's) as an ordinary run: `fn(report, stop)` on a
        trainer, in the queue with its place, stoppable by `owner` (and the instructor), failing with a reason;
        `report(**values)` shows in its snapshots' `report`, and Job.outcome() is what it returned."""
        from ray import cloudpickle

        run_id = f"work-{uuid.uuid4().hex[:12]}"
        options = dict(self._options(), train_fn=cloudpickle.dumps(fn), kind="work", save_runs=False)
        answer = self.ask("claim", run_id, owner, run_id, dict(work=name), options, timeout=30)
        if "refused" in answer:
            raise Refused(answer["refused"], answer["queued"], answer["running"], options["max_runs"])
        return self._job(answer["entry"])

    def requeue(self, job: Job) -> dict | None:
        """Queue a run again under its own id, for a registry made anew (the old one's queue died with it)."""
        if "work" in job.config:  # its function lived in the registry only
            return None
        answer = self.ask("claim", job.key, job.owner, job.id, dict(job.config), dict(self._options(), requeue=True))
        return self.ask("status", job.id) if answer.get("entry", {}).get("run_id") == job.id else None

    def get(self, run_id: str) -> Job | None:
        """This server's view of a run it has seen, else one the cluster's registry still knows, else None."""
        with self._lock:
            if run_id in self._jobs:
                return self._jobs[run_id]
        if not isinstance(run_id, str) or not connected():
            return None
        try:
            entry = self.ask("status", run_id)
        except Exception:
            return None
        return self._job(entry) if entry else None

    def seen(self, owner: str, run_ids) -> None:
        """A session's pages read these runs: told to the registry at most every SEEN_EVERY_S (without waiting),
        so that the queued runs of a session that went away can be cancelled (RNNLAB_ABANDON_S)."""
        now = time.time()
        with self._lock:
            self._seen.setdefault(owner, set()).update(run_ids)
            # Not while Ray is lost: a call on an old handle after ray.shutdown() ends the process (Ray's QuickExit).
            if now - self._seen_at < self.SEEN_EVERY_S or self._registry is None or not connected():
                return
            seen, self._seen, self._seen_at, registry = self._seen, {}, now, self._registry
        for who, ids in seen.items():
            try:
                registry.seen.remote(who, sorted(ids))
            except Exception:  # Ray is gone: nothing to tell
                return


def _env_number(name: str, default: float) -> float:
    import os

    try:
        return max(1.0, float(os.environ.get(name, default)))
    except ValueError:
        return default


_manager: Engine | None = None
_manager_lock = threading.Lock()


def manager() -> Engine:
    """The process-wide engine (rnnlab.jobs.manager): Streamlit reruns page scripts, but imports this module once
    per server."""
    global _manager
    with _manager_lock:
        if _manager is None:
            _manager = Engine()
        return _manager
