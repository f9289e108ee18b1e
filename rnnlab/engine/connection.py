"""Connecting to Ray (RAY_ADDRESS's cluster, else a local Ray on 127.0.0.1, started on first need: nothing imports
Ray before), and what every part of the engine reads: run states, namespace, heartbeat, a worker's settings."""

from __future__ import annotations

import logging
import os
import queue
import sys
import threading
import time
from pathlib import Path
from typing import Any, Callable

log = logging.getLogger(__name__)

QUEUED, RUNNING, FINISHED, STOPPED, FAILED = "queued", "running", "finished", "stopped", "failed"
ACTIVE = (QUEUED, RUNNING)
ROOT = Path(__file__).resolve().parents[2]
REGISTRY_NAME = "rnnlab-registry"
RETRY_S = 30  # a failed start is retried after this long
# A training thread's niceness unless RNNLAB_WORKER_NICE says otherwise: the lowest. Training is batch work;
# the web server's pages, and anything else interactive on the machine, go first. (Ray runs its workers at 15;
# at the old default, 10, training ran above them.) The lectures measured with each are in README's classroom
# section: Predict's slowest times vary more from run to run than this setting moved them.
WORKER_NICE = 19


class EngineUnavailable(RuntimeError):
    """Ray could not be started or reached; the message says what to check."""


def namespace() -> str:
    """The Ray namespace every RNN Lab server of one class shares (RNNLAB_RAY_NAMESPACE, default 'rnnlab')."""
    return os.environ.get("RNNLAB_RAY_NAMESPACE", "rnnlab")


def _number(name: str, default: float, low: float) -> float:
    try:
        return max(low, float(os.environ.get(name, default)))
    except ValueError:
        return default


def heartbeat_s() -> float:
    """A running training that reports nothing (no batch, no epoch) for this long is failed and killed."""
    return _number("RNNLAB_HEARTBEAT_S", 30, 1.0)


def local_cpus() -> int:
    """The CPUs a local Ray trains on: RNNLAB_RAY_CPUS, else all cores but one (at least one), so the web server
    keeps a core to answer pages with while the class trains."""
    return int(_number("RNNLAB_RAY_CPUS", max(1, (os.cpu_count() or 1) - 1), 1))


def worker_env() -> dict:
    """The environment a training worker gets from this server: its data, its log level, its priority."""
    names = ("RNNLAB_DATA_DIR", "TF_CPP_MIN_LOG_LEVEL", "RNNLAB_WORKER_NICE", "RNNLAB_HOLD_FILE")  # last: tests only
    return {name: os.environ[name] for name in names if name in os.environ}


def settle_worker(threads: bool = True) -> int:
    """In a training worker, before TensorFlow's first op: nice it (RNNLAB_WORKER_NICE, default 19, the lowest
    priority: the web server, and anything else interactive on the machine, answers first; training takes what
    is left) and give TensorFlow its share of the node's cores (cores x its CPUs / Ray's CPUs there, 1 or 2),
    so trainings side by side do not oversubscribe the cores. Returns that share (0 with `threads=False`)."""
    import ray

    try:
        os.nice(int(_number("RNNLAB_WORKER_NICE", WORKER_NICE, 0)) - os.nice(0))  # once, whatever the worker had
    except OSError:
        pass
    if not threads:
        return 0
    context = ray.get_runtime_context()
    mine = context.get_assigned_resources().get("CPU", 1.0)
    node = next((n for n in ray.nodes() if n["NodeID"] == context.get_node_id()), {})
    scheduled = node.get("Resources", {}).get("CPU") or mine
    share = max(1, min(2, int((os.cpu_count() or 1) * mine / scheduled)))
    import tensorflow as tf

    try:
        tf.config.threading.set_inter_op_parallelism_threads(share)
        tf.config.threading.set_intra_op_parallelism_threads(1)
        tf.constant(0) + 0  # the first op fixes these: the trainer's own defaults come too late to change them
    except RuntimeError:
        pass
    return share


_connect_lock = threading.Lock()
_connect_error: tuple[float, str] | None = None  # (when, why) of the last failed start
_generation = 0  # how many times this process has (re)joined Ray: actor handles of an older one are stale


def generation() -> int:
    """Bumped each time connect() joins or starts Ray: a handle cached under an older generation is stale."""
    return _generation


def connect() -> None:
    """Join RAY_ADDRESS's cluster, or start a local Ray listening on 127.0.0.1 only; once per process."""
    global _connect_error, _generation
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
        options = dict(namespace=namespace(), runtime_env=runtime_env, log_to_driver=False)
        if not address:
            options.update(address="local", num_cpus=local_cpus(), include_dashboard=False,
                           _node_ip_address="127.0.0.1", configure_logging=False)
        try:
            if address:
                _reachable(address)
            _in_keeper_thread(lambda: ray.init(address=options.pop("address", address), **options))
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
        _generation += 1


def _in_keeper_thread(start: Callable[[], None]) -> None:
    """Run `start` (ray.init) in a thread that lives as long as the process. Ray's own processes die with the
    thread that started them (Linux's parent-death signal follows the thread): Streamlit runs each page in a
    thread that ends with the run, which would take the local Ray down with it a minute later (measured)."""
    outcome: queue.Queue = queue.Queue()

    def keeper() -> None:
        try:
            start()
        except BaseException as error:  # handed to the caller
            return outcome.put(error)
        outcome.put(None)
        threading.Event().wait()  # never returns: this thread must outlive Ray

    threading.Thread(target=keeper, name="rnnlab-ray-keeper", daemon=True).start()
    error = outcome.get()
    if error is not None:
        raise error


def _reachable(address: str, timeout: float = 5.0) -> None:
    """Fail in seconds, not minutes, when nothing listens at RAY_ADDRESS (ray.init retries for a long time)."""
    import socket

    if address not in ("auto", "local"):
        host, _, port = address.split("://")[-1].rpartition(":")
        socket.create_connection((host or "127.0.0.1", int(port)), timeout=timeout).close()


def connected() -> bool:
    """Has this process joined Ray (without starting it)?"""
    return "ray" in sys.modules and sys.modules["ray"].is_initialized()


_remote: dict[type, Any] = {}


def remote(cls: type):
    """`cls` as a Ray remote class (built once, when Ray is first needed)."""
    if cls not in _remote:
        import ray

        _remote[cls] = ray.remote(cls)
    return _remote[cls]


def gpus() -> int:
    """One GPU for a training where the cluster has them, else none."""
    import ray

    return 1 if ray.cluster_resources().get("GPU", 0) >= 1 else 0
