"""Training on Ray: every training is one Ray actor, shared by every session of every server joined to one cluster.

A run is a named, detached actor (`RunActor`) asking for one CPU (and one GPU where the cluster has them), so the
cluster's size bounds how many train at once and Ray queues the rest. It trains in a thread with the trainer's
callbacks appending to its live history, answers `snapshot()` and `stop()` while it trains, saves the run into the
run store when it ends, reports the end to the registry and exits: after a run no actor or process of it is left.

One small registry actor per namespace (`Registry`, no CPU) is what all servers share: which configuration key is
training under which run id, who started it (only the starter may stop it), the queue's order (each waiting run's
place), and how each run ended. Its watchdog fails a run whose worker died (SIGKILL, out of memory) or stopped
reporting for `RNNLAB_HEARTBEAT_S` seconds, and kills it so its CPU is freed.

In the server a `Job` is a read-only view of one run: `snapshot()`, `wait()`, `stop()`, and `result` (the model,
loaded from the run store: the server never trains nor rebuilds one). With no `RAY_ADDRESS` a local Ray starts
on first need, on 127.0.0.1 only; with it, this process joins that cluster. Nothing imports Ray until then.
"""

from __future__ import annotations

import collections
import dataclasses
import logging
import numbers
import os
import threading
import time
import uuid
from pathlib import Path
from types import MappingProxyType
from typing import Any, Callable, Mapping

from rnnlab.config import (  # noqa: F401  the schema lives in rnnlab.config; re-exported for old callers
    BOUNDS, DEFAULT_CONFIG, config_key, load_split, train_from_config, validate_config,
)

log = logging.getLogger(__name__)

QUEUED, RUNNING, FINISHED, STOPPED, FAILED = "queued", "running", "finished", "stopped", "failed"
ACTIVE = (QUEUED, RUNNING)
ROOT = Path(__file__).resolve().parents[1]
REGISTRY_NAME = "rnnlab-registry"


def namespace() -> str:
    """The Ray namespace every RNN Lab server of one class shares (RNNLAB_RAY_NAMESPACE, default 'rnnlab')."""
    return os.environ.get("RNNLAB_RAY_NAMESPACE", "rnnlab")


def heartbeat_s() -> float:
    """A running training that reports nothing (no batch, no epoch) for this long is failed and killed."""
    try:
        return max(1.0, float(os.environ.get("RNNLAB_HEARTBEAT_S", "120")))
    except ValueError:
        return 120.0


# ----------------------------------------------------------------------------------------------------------
# Connecting to Ray


class EngineUnavailable(RuntimeError):
    """Ray could not be started or reached; the message says what to check."""


_connect_lock = threading.Lock()
_connect_error: tuple[float, str] | None = None  # (when, why) of the last failed start: retried after 30 s
RETRY_S = 30


def connect() -> None:
    """Join RAY_ADDRESS's cluster, or start a local Ray listening on 127.0.0.1 only; once per process."""
    global _connect_error
    with _connect_lock:
        # On Linux Ray resolves 127.0.0.1 to the machine's outward address unless this is 0 (measured, Ray 2.60).
        # Ray reads it when imported (and its servers inherit it): set it before, and again if Ray came first.
        os.environ["RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER"] = "0"
        import ray  # lazily: pages that do not train never import Ray
        from ray._private import ray_constants

        ray_constants.ENABLE_RAY_CLUSTER = False
        if ray.is_initialized():
            return
        if _connect_error and time.time() - _connect_error[0] < RETRY_S:
            raise EngineUnavailable(_connect_error[1])
        address = os.environ.get("RAY_ADDRESS", "").strip()
        # Workers import rnnlab from this checkout (every node of a cluster needs the project at the same path).
        runtime_env = {"env_vars": {"PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get(
            "PYTHONPATH")])), "TF_CPP_MIN_LOG_LEVEL": os.environ.get("TF_CPP_MIN_LOG_LEVEL", "2")}}
        try:
            if address:
                _reachable(address)
            _in_keeper_thread(lambda: _init(ray, address, runtime_env))
        except Exception as error:
            where = f"the Ray cluster at RAY_ADDRESS={address}" if address else "a local Ray instance"
            hint = ("check that `ray start --head` runs there and that RAY_AUTH_MODE=token and the cluster's token "
                    "are set for this server" if address else
                    "check free memory and disk (Ray keeps its objects in /dev/shm and its logs in /tmp/ray), and "
                    "that no other Ray started by this user is broken (`ray stop`)")
            message = f"Training is unavailable: {where} could not be started ({type(error).__name__}: {error}); {hint}."
            _connect_error = (time.time(), message)
            log.error(message)
            raise EngineUnavailable(message) from error
        _connect_error = None


def _init(ray, address: str, runtime_env: dict) -> None:
    if address:
        ray.init(address=address, namespace=namespace(), runtime_env=runtime_env, log_to_driver=False)
    else:
        cpus = os.environ.get("RNNLAB_RAY_CPUS", "").strip()
        ray.init(address="local", num_cpus=int(cpus) if cpus else None, include_dashboard=False,
                 namespace=namespace(), _node_ip_address="127.0.0.1", runtime_env=runtime_env, log_to_driver=False,
                 configure_logging=False)


def _in_keeper_thread(start: Callable[[], None]) -> None:
    """Run `start` (ray.init) in a thread that lives as long as the process. Ray's own processes die with the
    thread that started them (Linux's parent-death signal follows the thread): Streamlit runs each page in a
    thread that ends with the run, which would take the local Ray down with it a minute later (measured)."""
    done: dict[str, Any] = {}
    ready = threading.Event()

    def keeper() -> None:
        try:
            start()
        except BaseException as error:  # handed to the caller
            done["error"] = error
        ready.set()
        if "error" not in done:
            threading.Event().wait()  # never returns: this thread must outlive Ray

    threading.Thread(target=keeper, name="rnnlab-ray-keeper", daemon=True).start()
    ready.wait()
    if "error" in done:
        raise done["error"]


def _reachable(address: str, timeout: float = 5.0) -> None:
    """Fail in seconds, not minutes, when nothing listens at RAY_ADDRESS (ray.init retries for a long time)."""
    import socket

    if address in ("auto", "local"):
        return
    host, _, port = address.split("://")[-1].rpartition(":")
    with socket.create_connection((host or "127.0.0.1", int(port)), timeout=timeout):
        pass


def connected() -> bool:
    """Has this process joined Ray (without starting it)?"""
    import sys

    return "ray" in sys.modules and sys.modules["ray"].is_initialized()


# ----------------------------------------------------------------------------------------------------------
# The actors


def _history_record(step: int, logs: Mapping[str, Any], started: float) -> dict:
    # rnnlab.training counts epochs and batches from 0; the records count them from 1 ("epoch 1 of 10").
    return dict(
        step=int(step), epoch=int(logs.get("epoch", 0)) + 1, batch=int(logs.get("batch", 0)) + 1,
        loss=float(logs["loss"]), accuracy=float(logs["accuracy"]),
        seconds=float(logs.get("seconds", time.time() - started)), time=time.time(),
    )


class RunActor:
    """One training run: trains in a thread from the moment Ray gives it its CPU, answering snapshot() and
    stop() meanwhile; saves the run, tells the registry how it ended, and exits."""

    def __init__(self, run_id: str, config: dict, registry_namespace: str, env: dict, train_fn=None,
                 save_runs: bool = True):
        os.environ.update(env)  # the server's data and run store, as it sees them
        self.run_id, self.config, self.save_runs = run_id, config, save_runs
        self._namespace, self._train_fn = registry_namespace, train_fn
        self._lock = threading.Lock()
        self._stop = threading.Event()
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
        record = _history_record(step, logs, self._started)
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
        import traceback

        ended: dict[str, Any] = dict(status=FAILED, error=None, summary={}, stored_run_id=None)
        try:
            result = train_from_config(self.config, on_batch=self._on_batch, on_epoch=self._on_epoch,
                                       stop=self._stop, train_fn=self._train_fn)
            stopped = bool(getattr(result, "stopped", self._stop.is_set()))
            val_accuracy = list(getattr(result, "history", {}).get("val_accuracy", []))
            ended["summary"] = dict(
                seconds=float(getattr(result, "seconds", time.time() - self._started)),
                parameters=int(result.model.count_params()),
                best_val_accuracy=max(val_accuracy) if val_accuracy else None,
                epochs_done=int(getattr(result, "epochs_done", len(val_accuracy))),
                batches_done=len(self._batches),
            )
            if self.save_runs and self._batches:
                from rnnlab import runs

                ended["stored_run_id"] = runs.save(result, self.config).id
            ended["status"] = STOPPED if stopped else FINISHED
        except BaseException as error:  # a failed training, or a failed save: the run fails, never hangs
            ended["error"] = f"{type(error).__name__}: {error}"
            ended["traceback"] = traceback.format_exc()
        ended["epochs_at_end"] = len(self._epochs)
        with self._lock:
            self._ended = ended
        self._finish(ended)

    def _finish(self, ended: dict) -> None:
        import ray

        try:
            registry = ray.get_actor(REGISTRY_NAME, namespace=self._namespace)
            ray.get(registry.ended.remote(self.run_id, ended["status"], ended.get("error"), ended["summary"],
                                          list(self._epochs), ended.get("stored_run_id"), list(self._batches),
                                          dict(self._progress, started_at=self._started)),
                    timeout=60)
        except Exception:
            log.exception("run %s could not report its end", self.run_id)
        ray.kill(ray.get_runtime_context().current_actor, no_restart=True)  # nothing of the run is left


class Registry:
    """What every server shares: the live run of each configuration key, its starter, the queue, and how runs
    ended (the last 500). Its methods run one at a time, so claiming a key is atomic across servers."""

    KEEP_ENDED = 500
    KEEP_BATCHES = 20

    def __init__(self, namespace: str):
        self._namespace = namespace
        self._lock = threading.RLock()
        self._runs: collections.OrderedDict[str, dict] = collections.OrderedDict()
        self._live: dict[str, str] = {}  # key -> run id, while queued or running
        self._seq = 0
        threading.Thread(target=self._watch, name="rnnlab-registry-watchdog", daemon=True).start()

    def claim(self, key: str, owner: str, run_id: str, config: dict, heartbeat: float) -> tuple[dict, bool]:
        """The live run of `key`, or (if none) a new queued entry for `run_id`: (entry, created)."""
        with self._lock:
            live = self._live.get(key)
            if live is not None:
                return dict(self._runs[live]), False
            self._seq += 1
            entry = dict(run_id=run_id, key=key, owner=owner, config=config, state=QUEUED, seq=self._seq,
                         created=time.time(), started=None, pid=None, heartbeat=heartbeat)
            self._runs[run_id], self._live[key] = entry, run_id
            return dict(entry), True

    def live(self, key: str) -> dict | None:
        with self._lock:
            run_id = self._live.get(key)
            return dict(self._runs[run_id]) if run_id else None

    def started(self, run_id: str, pid: int) -> None:
        with self._lock:
            entry = self._runs.get(run_id)
            if entry and entry["state"] == QUEUED:
                entry.update(state=RUNNING, started=time.time(), pid=pid)

    def ended(self, run_id, status, error=None, summary=None, epochs=None, stored_run_id=None, batches=None,
              progress=None) -> bool:
        """Record how a run ended; the first report wins (the run's own, or the watchdog's, or a server's)."""
        with self._lock:
            entry = self._runs.get(run_id)
            if entry is None or entry["state"] not in ACTIVE:
                return False
            entry.update(state=status, error=error, summary=summary or {}, epochs=epochs or [], ended=time.time(),
                         stored_run_id=stored_run_id, batches=batches, **(progress or {}))
            if self._live.get(entry["key"]) == run_id:
                del self._live[entry["key"]]
            self._runs.move_to_end(run_id)
            ended = [r for r, e in self._runs.items() if e["state"] not in ACTIVE]
            for old in ended[:-self.KEEP_ENDED]:
                del self._runs[old]
            for old in ended[:-self.KEEP_BATCHES]:  # the full history stays for the latest runs only
                self._runs[old].pop("batches", None)
            return True

    def status(self, run_id: str, with_batches: bool = False) -> dict | None:
        """The run's entry, with its place in the queue (1 = next) while it waits."""
        with self._lock:
            entry = self._runs.get(run_id)
            if entry is None:
                return None
            entry = dict(entry)
            if not with_batches:
                entry.pop("batches", None)
            if entry["state"] == QUEUED:
                entry["position"] = 1 + sum(1 for e in self._runs.values()
                                            if e["state"] == QUEUED and e["seq"] < entry["seq"])
            return entry

    def cancel(self, run_id: str) -> bool:
        """End a run that is still waiting for a CPU (the caller kills its pending actor)."""
        with self._lock:
            entry = self._runs.get(run_id)
            if entry is None or entry["state"] != QUEUED:
                return False
            entry["cancelled"] = True
            return self.ended(run_id, STOPPED, None, {}, [])

    def counts(self) -> dict:
        with self._lock:
            states = [e["state"] for e in self._runs.values()]
            return {state: states.count(state) for state in set(states)}

    def _watch(self) -> None:
        """Fail runs whose worker died or went silent, and free their CPU."""
        import ray

        while True:
            time.sleep(0.5)
            with self._lock:
                running = [dict(e) for e in self._runs.values() if e["state"] == RUNNING]
                waiting = [dict(e) for e in self._runs.values() if e["state"] == QUEUED]
            for entry in running:
                if time.time() - entry.get("checked", 0) < min(2.0, entry["heartbeat"] / 3):
                    continue
                with self._lock:
                    if entry["run_id"] in self._runs:
                        self._runs[entry["run_id"]]["checked"] = time.time()
                reason = _check_run(entry, self._namespace, entry["heartbeat"])
                if reason:
                    self.ended(entry["run_id"], FAILED, reason)
            for entry in waiting:  # a server that claimed a run and died before creating its actor
                if time.time() - entry["created"] > 60:
                    try:
                        ray.get_actor(entry["run_id"], namespace=self._namespace)
                    except ValueError:
                        self.ended(entry["run_id"], FAILED, "its server went away before the run was created")


def _check_run(entry: dict, namespace_: str, heartbeat: float) -> str | None:
    """None if the run answers and reports in time; else why it is failed (its actor is then killed)."""
    import ray
    from ray.exceptions import GetTimeoutError, RayActorError

    try:
        actor = ray.get_actor(entry["run_id"], namespace=namespace_)
    except ValueError:
        return _died(entry, "its actor is gone")
    try:
        state = ray.get(actor.snapshot.remote(10**9), timeout=heartbeat)
    except RayActorError as error:
        return _died(entry, str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__)
    except GetTimeoutError:
        ray.kill(actor, no_restart=True)
        return f"The training worker (pid {entry.get('pid')}) did not answer for {heartbeat:.0f} s and was stopped."
    if state["status"] == RUNNING and state["silent_for"] > heartbeat:
        ray.kill(actor, no_restart=True)
        return (f"The training worker (pid {entry.get('pid')}) reported nothing for {state['silent_for']:.0f} s "
                f"(the limit is RNNLAB_HEARTBEAT_S={heartbeat:g}) and was stopped.")
    return None


def _died(entry: dict, detail: str) -> str:
    return (f"The training worker (pid {entry.get('pid')}) ended unexpectedly (killed, or out of memory): "
            f"{detail}")


class WorkActor:
    """A training that is not a run of the sentiment model (the long-range page's): `fn(on_progress, stop)` runs
    in a thread; progress() answers meanwhile, result() once it is done. Owned by the caller, who kills it."""

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
            outcome = dict(result=fn(self._report, self._stop))
        except BaseException as error:
            outcome = dict(error=f"{type(error).__name__}: {error}")
        with self._lock:
            self._outcome = outcome

    def progress(self) -> dict:
        with self._lock:
            return dict(self._progress, done=self._outcome is not None,
                        error=(self._outcome or {}).get("error"))

    def result(self):
        with self._lock:
            return (self._outcome or {}).get("result")

    def stop(self) -> None:
        self._stop.set()


def run_work(fn: Callable, on_progress: Callable[[dict], None] | None = None, poll_s: float = 0.25,
             stop: threading.Event | None = None):
    """Run `fn(report, stop)` as Ray work asking for one CPU (never in this process) and return its result;
    `on_progress(progress)` is called here with what `report(**values)` last said, every `poll_s`. Whatever
    ends this call (an error, Streamlit ending the page's script run) kills the work: nothing is left behind."""
    import ray

    connect()
    WorkActor_ = _remote_classes()[2]
    env = {name: os.environ[name] for name in ("RNNLAB_DATA_DIR", "TF_CPP_MIN_LOG_LEVEL") if name in os.environ}
    gpus = 1 if ray.cluster_resources().get("GPU", 0) >= 1 else 0
    actor = WorkActor_.options(num_cpus=1, num_gpus=gpus, max_concurrency=4, max_restarts=0).remote(fn, env)
    try:
        while True:
            progress = ray.get(actor.progress.remote(), timeout=heartbeat_s())
            if progress["done"]:
                if progress["error"]:
                    raise RuntimeError(progress["error"])
                return ray.get(actor.result.remote(), timeout=60)
            if on_progress is not None and progress:
                on_progress(progress)
            if stop is not None and stop.is_set():
                actor.stop.remote()
            time.sleep(poll_s)
    finally:
        ray.kill(actor, no_restart=True)


def _remote_classes():
    """The actor classes as Ray remote classes (built once, when Ray is first needed)."""
    global _REMOTE
    if _REMOTE is None:
        import ray

        _REMOTE = (ray.remote(RunActor), ray.remote(Registry), ray.remote(WorkActor))
    return _REMOTE


_REMOTE = None


# ----------------------------------------------------------------------------------------------------------
# What the server holds: a read-only view of each run


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
    elapsed: float  # seconds since the run started training
    eta: float | None  # seconds left, estimated from the time per batch so far
    summary: Mapping[str, Any]  # once ended with a model: seconds, parameters, best_val_accuracy, epochs_done
    stopping: bool = False  # Stop was pressed and the trainer has not ended yet
    stored_run_id: str | None = None  # where the run store keeps it, once ended with a model
    stop_requested: bool = False  # it ended because Stop came (possibly as its last epoch finished)

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


def _frozen(records) -> tuple:
    return tuple(MappingProxyType(dict(r)) for r in records)


class Job:
    """One run as this server sees it. Every session of the server shares the same Job object per run, and
    snapshots are cached for a moment, so 30 watchers cost Ray one call."""

    CACHE_S = 0.3
    LOST_AFTER_S = 30  # a run that cannot be read for this long is shown as failed

    def __init__(self, engine: "Engine", entry: Mapping[str, Any]):
        self.engine = engine
        self.id: str = entry["run_id"]
        self.owner: str = entry["owner"]
        self.config: Mapping[str, Any] = MappingProxyType(dict(entry["config"]))
        self.key: str = entry["key"]
        self._lock = threading.Lock()
        self._batches: list[Mapping[str, Any]] = []
        self._snapshot: JobSnapshot | None = None
        self._snapshot_at = 0.0
        self._stop_requested = False
        self._actor = None
        self._failing_since: float | None = None

    # -- reading
    def snapshot(self) -> JobSnapshot:
        with self._lock:
            if self._snapshot is not None and (not self._snapshot.active
                                               or time.time() - self._snapshot_at < self.CACHE_S):
                return self._snapshot
            try:
                self._snapshot = self._read()
                self._failing_since = None
            except Exception as error:  # Ray unreachable for a moment: keep what was shown, for a while
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
        if self._snapshot is None or self._snapshot.status == QUEUED:
            entry = ray.get(registry.status.remote(self.id, True), timeout=10)
            if entry is None:
                return self._build(dict(state=FAILED, error="The run is unknown to the Ray cluster (restarted?)"))
            if entry["state"] != RUNNING:
                return self._ended_or_queued(entry)
        try:
            actor = self._actor or ray.get_actor(self.id, namespace=self.engine.namespace)
            self._actor = actor
            live = ray.get(actor.snapshot.remote(len(self._batches)), timeout=5)
        except GetTimeoutError:
            return self._snapshot  # busy for a moment; the watchdog fails it if it stays silent
        except (RayActorError, ValueError) as error:  # ended and exited, or died
            entry = ray.get(registry.status.remote(self.id, True), timeout=10)
            if entry is not None and entry["state"] in ACTIVE:
                reason = _died(entry, str(error).strip().splitlines()[0] if str(error).strip() else "")
                ray.get(registry.ended.remote(self.id, FAILED, reason), timeout=10)
                entry = ray.get(registry.status.remote(self.id, True), timeout=10)
            if entry is None:
                return self._build(dict(state=FAILED, error=f"The run's worker is gone: {error}"))
            return self._ended_or_queued(entry)
        self._batches.extend(MappingProxyType(b) for b in live["batches"])
        state = dict(live, state=live["status"])
        return self._build(state)

    def _ended_or_queued(self, entry: dict) -> JobSnapshot:
        if entry["state"] not in ACTIVE and entry.get("batches") and len(entry["batches"]) > len(self._batches):
            self._batches.extend(MappingProxyType(b) for b in entry["batches"][len(self._batches):])
        return self._build(entry)

    def _build(self, state: Mapping[str, Any]) -> JobSnapshot:
        status = state["state"]
        batches = tuple(self._batches)
        per_epoch = state.get("batches_per_epoch")
        if per_epoch is None and self._snapshot is not None:
            per_epoch = self._snapshot.batches_per_epoch
        last = batches[-1] if batches else None
        started = state.get("started_at") or state.get("started")
        ended_at = state.get("ended")
        elapsed = ((ended_at or time.time()) - started) if started else 0.0
        planned = (per_epoch or 0) * self.config["epochs"]
        eta = None
        if status == RUNNING and len(batches) >= 3 and planned and not state.get("stopping"):
            eta = max(0.0, (batches[-1]["time"] - batches[0]["time"]) / (len(batches) - 1) * (planned - len(batches)))
        return JobSnapshot(
            id=self.id, owner=self.owner, config=self.config, key=self.key, status=status,
            error=state.get("error"), queue_position=state.get("position") if status == QUEUED else None,
            batches=batches, epochs=_frozen(state.get("epochs") or (self._snapshot.epochs if self._snapshot else ())),
            epoch=state.get("epoch") or (last["epoch"] if last else 1),
            batch=state.get("batch") if state.get("batch") is not None else (last["batch"] if last else 0),
            batches_per_epoch=per_epoch, elapsed=elapsed, eta=eta,
            summary=MappingProxyType(dict(state.get("summary") or {})),
            stopping=status in ACTIVE and bool(state.get("stopping") or self._stop_requested),
            stored_run_id=state.get("stored_run_id"), stop_requested=self._stop_requested,
        )

    @property
    def status(self) -> str:
        return self.snapshot().status

    @property
    def error(self) -> str | None:
        return self.snapshot().error

    @property
    def active(self) -> bool:
        return self.snapshot().active

    def wait(self, timeout: float | None = None) -> bool:
        """Block until the run has ended (finished, stopped or failed); False if the timeout came first."""
        deadline = None if timeout is None else time.time() + timeout
        while self.snapshot().active:
            if deadline is not None and time.time() >= deadline:
                return False
            time.sleep(0.1)
        return True

    # -- the model
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
        """The TrainedModel of a finished or stopped run, loaded from the run store (shared, least recently
        used first out), else None."""
        from rnnlab import runs

        stored = self.snapshot().stored_run_id if self.has_model else None
        return runs.load_run(stored) if stored else None

    # -- stopping
    def stop(self) -> bool:
        """Stop the run: a queued one is cancelled, a running one ends after its current batch (and keeps what
        it learned). False if it had already ended."""
        import ray

        snapshot = self.snapshot()
        if not snapshot.active:
            return False
        self._stop_requested = True
        registry = self.engine.registry()
        try:
            actor = ray.get_actor(self.id, namespace=self.engine.namespace)
        except ValueError:
            actor = None
        if ray.get(registry.cancel.remote(self.id), timeout=10):
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


# ----------------------------------------------------------------------------------------------------------
# The engine


class Engine:
    """Starts runs on Ray and keeps this server's view of them; one per process (see `manager()`), others in
    tests (their own namespace, a fake `train_fn`, `save_runs=False`)."""

    KEEP_JOBS = 1000

    def __init__(self, namespace: str | None = None, train_fn: Callable | None = None, save_runs: bool = True,
                 heartbeat: float | None = None):
        self.namespace = namespace or globals()["namespace"]()
        self._train_fn, self.save_runs = train_fn, save_runs
        self.heartbeat = heartbeat or heartbeat_s()
        self._lock = threading.Lock()
        self._jobs: collections.OrderedDict[str, Job] = collections.OrderedDict()
        self._registry = None

    def registry(self):
        with self._lock:
            return self._registry or self._connect_registry()

    def _connect_registry(self):
        if self._registry is None:
            connect()
            Registry_ = _remote_classes()[1]
            self._registry = Registry_.options(
                name=REGISTRY_NAME, namespace=self.namespace, get_if_exists=True, lifetime="detached",
                num_cpus=0, max_restarts=0, max_concurrency=4,
            ).remote(self.namespace)
        return self._registry

    def _job(self, entry: Mapping[str, Any]) -> Job:
        with self._lock:
            job = self._jobs.get(entry["run_id"])
            if job is None:
                job = self._jobs[entry["run_id"]] = Job(self, entry)
                # Forget the oldest ended runs beyond KEEP_JOBS (sessions then fall back to the run store).
                while len(self._jobs) > self.KEEP_JOBS:
                    oldest = next(iter(self._jobs))
                    if self._jobs[oldest]._snapshot is not None and not self._jobs[oldest]._snapshot.active:
                        del self._jobs[oldest]
                    else:
                        self._jobs.move_to_end(oldest)
                        break
            return job

    def live(self, key: str) -> Job | None:
        """The queued or running run of this configuration key anywhere in the cluster, or None."""
        import ray

        entry = ray.get(self.registry().live.remote(key), timeout=30)
        return self._job(entry) if entry else None

    def start(self, config: Mapping[str, Any], owner: str) -> Job:
        """The live run of `config` (whoever started it), or a new run of it started for `owner`. Raises
        ValueError for an invalid config before anything happens, EngineUnavailable if Ray cannot start."""
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
        import ray

        from rnnlab.runs import store_dir

        RunActor_ = _remote_classes()[0]
        gpus = 1 if ray.cluster_resources().get("GPU", 0) >= 1 else 0
        env = {name: os.environ[name] for name in ("RNNLAB_DATA_DIR", "TF_CPP_MIN_LOG_LEVEL") if name in os.environ}
        env["RNNLAB_RUNS_DIR"] = str(store_dir().resolve())
        RunActor_.options(
            name=run_id, namespace=self.namespace, get_if_exists=True, lifetime="detached", max_concurrency=4,
            num_cpus=1, num_gpus=gpus, max_restarts=0,
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

    def stop(self, run_id: str) -> bool:
        job = self.get(run_id)
        return job.stop() if job else False


_manager: Engine | None = None
_manager_lock = threading.Lock()


def manager() -> Engine:
    """The process-wide engine: Streamlit reruns page scripts, but imports this module once per server."""
    global _manager
    with _manager_lock:
        if _manager is None:
            _manager = Engine()
        return _manager


def start(config: Mapping[str, Any], owner: str) -> Job:
    return manager().start(config, owner)


def get(run_id: str) -> Job | None:
    return manager().get(run_id)


def jobs_for(owner: str) -> list[Job]:
    return manager().jobs_for(owner)


def stop(run_id: str) -> bool:
    return manager().stop(run_id)
