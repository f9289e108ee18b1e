"""Connecting to Ray (RAY_ADDRESS's cluster, else an embedded `ray start --head` on 127.0.0.1, started on first
need or by the server's warm-up: nothing imports Ray before), kept up by one keeper thread that notices a dead Ray
and starts or joins a new one; and what every part of the engine reads: run states, namespace, heartbeat, a
worker's settings."""

from __future__ import annotations

import logging
import os
import sys
import threading
import time
from pathlib import Path
from typing import Any

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
    """The environment a training worker gets from this server: its data, its vocabulary cap, its log level, its
    priority (a worker on another machine of the cluster trains as this server would)."""
    names = ("RNNLAB_DATA_DIR", "RNNLAB_MAX_VOCABULARY", "TF_CPP_MIN_LOG_LEVEL", "RNNLAB_WORKER_NICE",
             "RNNLAB_HOLD_FILE")  # the last: tests only
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


# Ray reads these when it is first imported, and the processes it starts inherit them, so they are set here,
# before anything imports Ray (rnnlab imports it lazily, after this module):
# - RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER=0: on Linux Ray otherwise resolves 127.0.0.1 to the machine's outward address
#   for the driver's own servers (measured, Ray 2.60);
# - RAY_ENABLE_AUTO_CONNECT=0: a Ray call after the engine lost Ray raises, instead of quietly starting a second Ray
#   inside the web server (ray.get_actor and .remote() call ray.init() when Ray is not initialized).
RAY_ENV = {"RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER": "0", "RAY_ENABLE_AUTO_CONNECT": "0"}
# For the server (the driver) only: its core worker ends the whole process when the GCS stays unreachable for
# gcs_rpc_server_reconnect_timeout_s (60 s by default: the server exited 61 s after its GCS was killed, measured
# here); the engine's health check (CHECK_S) notices a dead Ray in seconds and leaves it itself.
DRIVER_ENV = {"RAY_gcs_rpc_server_reconnect_timeout_s": str(10 ** 9)}
CHECK_S = 2.0  # how often the keeper checks that Ray still answers
DRAIN_S = 12.0  # after Ray is lost, how long calls already in it get to end before the engine leaves it
CLUSTER_RETRY_S = 5.0  # how often a server whose cluster is gone tries to join it again
START_TIMEOUT_S = 180  # a local head or a cluster that is not up by then is reported unavailable
_RAY_IMPORTED_FIRST = "ray" in sys.modules  # then Ray has read its environment already
os.environ.update(RAY_ENV)
for _name, _value in DRIVER_ENV.items():
    os.environ.setdefault(_name, _value)
if not os.environ.get("RAY_ADDRESS", "").strip():
    # The embedded Ray uses Ray's token authentication, as a local ray.init() does in Ray 2.60; a cluster's
    # servers set RAY_AUTH_MODE=token themselves (README). Ray reads it when imported.
    os.environ.setdefault("RAY_AUTH_MODE", "token")


def _settle_imported_ray(ray) -> None:
    """The one place that touches Ray's internals: where something imported Ray before this module set RAY_ENV,
    set the two module constants Ray 2.60 read them into (tests/test_connection.py pins their names)."""
    from ray._private import auto_init_hook, ray_constants

    ray_constants.ENABLE_RAY_CLUSTER = False
    auto_init_hook.enable_auto_connect = False


class LocalHead:
    """The embedded Ray: `ray start --head --block` on 127.0.0.1, in its own session and temporary folder, a child
    of the keeper thread that ends with this process (a parent-death signal), with token authentication. With
    --block, Ray's own CLI ends the rest of its processes when one of them dies (a killed GCS or raylet), so the
    keeper sees one thing: this process gone."""

    def __init__(self, cpus: int):
        import tempfile

        self.cpus = cpus
        self.folder = Path(tempfile.mkdtemp(prefix="rnnlab-ray-"))  # short: Ray's socket paths must fit in 107
        self.port = _free_port()
        self.address = f"127.0.0.1:{self.port}"
        self.process = None

    def command(self) -> list[str]:
        return ["ray", "start", "--head", "--block", "--node-ip-address=127.0.0.1", f"--port={self.port}",
                f"--num-cpus={self.cpus}", "--include-dashboard=false", "--disable-usage-stats",
                f"--temp-dir={self.folder}"]

    def start(self) -> None:
        import subprocess

        env = {k: v for k, v in os.environ.items() if k not in DRIVER_ENV}  # its raylet may give up on a dead GCS
        env.update(RAY_ENV, RAY_AUTH_MODE=os.environ.get("RAY_AUTH_MODE", "token"))
        if env["RAY_AUTH_MODE"] == "token":
            _ensure_token(env)
        ray_cli = str(Path(sys.executable).with_name("ray"))
        command = self.command()
        command[0] = ray_cli if Path(ray_cli).exists() else "ray"
        self.log = open(self.folder / "ray-start.log", "w")
        self.process = subprocess.Popen(command, env=env, stdout=self.log, stderr=subprocess.STDOUT,
                                        stdin=subprocess.DEVNULL, start_new_session=True, preexec_fn=_die_with_parent)
        deadline = time.time() + START_TIMEOUT_S
        while "Ray runtime started" not in (self.folder / "ray-start.log").read_text(errors="replace"):
            if self.process.poll() is not None or time.time() > deadline:
                tail = (self.folder / "ray-start.log").read_text(errors="replace")[-600:]
                self.stop()
                raise RuntimeError(f"`ray start --head` ended or hung: {tail.strip()}")
            time.sleep(0.2)

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def processes(self) -> list:
        """Every process of this head (they all name its temporary folder), `ray start` itself included."""
        import psutil

        found = []
        for process in psutil.process_iter(["cmdline"]):
            try:
                if str(self.folder) in " ".join(process.info["cmdline"] or []):
                    found.append(process)
            except psutil.Error:
                pass
        return found

    def stop(self) -> None:
        """End this head's processes only (never `ray stop`, which ends every Ray of this user) and its folder."""
        import shutil

        end_processes(self.processes(), timeout=10)
        if self.process is not None:
            try:
                self.process.wait(10)
            except Exception:
                pass
            self.log.close()
        shutil.rmtree(self.folder, ignore_errors=True)


def end_processes(processes: list, timeout: float) -> None:
    """SIGTERM each of `processes` (psutil processes), and SIGKILL those still there after `timeout` seconds."""
    import psutil

    for process in processes:
        try:
            process.terminate()
        except psutil.Error:
            pass
    _, alive = psutil.wait_procs(processes, timeout=timeout)
    for process in alive:
        try:
            process.kill()
        except psutil.Error:
            pass


def _die_with_parent() -> None:
    """In the child, before exec: SIGTERM when the thread that started it ends (PR_SET_PDEATHSIG, Linux); the
    keeper thread lives as long as the server, so the embedded Ray ends with the server, however it ends."""
    if sys.platform.startswith("linux"):
        import ctypes
        import signal

        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)  # 1 = PR_SET_PDEATHSIG


def _ensure_token(env: dict) -> None:
    """Ray's token file (~/.ray/auth_token unless RAY_AUTH_TOKEN or RAY_AUTH_TOKEN_PATH say otherwise), made with
    Ray's own `ray get-auth-token --generate` where there is none: `ray start` needs one, the server reads it."""
    import subprocess

    if env.get("RAY_AUTH_TOKEN") or env.get("RAY_AUTH_TOKEN_PATH") or (Path.home() / ".ray" / "auth_token").exists():
        return
    ray_cli = Path(sys.executable).with_name("ray")
    subprocess.run([str(ray_cli) if ray_cli.exists() else "ray", "get-auth-token", "--generate"], env=env,
                   capture_output=True, check=True, timeout=60)


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class _Keeper:
    """The one thread that starts, joins, checks and restarts Ray for this process. Ray's processes die with the
    thread that started them (Linux's parent-death signal follows the thread), and Streamlit runs each page in a
    thread that ends with its run; this one lives as long as the process. Every CHECK_S it checks that Ray still
    answers (the head process, the GCS's and the raylet's ports); when not, it leaves Ray (ray.shutdown), ends
    what is left of a local head, and starts a new one (or, on a cluster, joins again once the cluster answers),
    bumping generation()."""

    def __init__(self):
        self.lock = threading.Condition()
        self.wanted = False
        self.up = False
        self.error: str | None = None  # why Ray is not there now: a failed start, or Ray lost
        self.head: LocalHead | None = None
        self.ports: list[tuple[str, int]] = []  # the GCS's and the raylet's, checked every CHECK_S
        self.history: list[dict] = []  # what happened: joined, lost (with the reason), failed
        self.closing = False
        self.thread = threading.Thread(target=self._run, name="rnnlab-ray-keeper", daemon=True)
        self.thread.start()
        import atexit

        atexit.register(self._at_exit)

    def _at_exit(self) -> None:
        """The server ends (Streamlit's SIGTERM, a script's end): end the embedded Ray now and remove its folder
        (the parent-death signal alone leaves Ray draining for 30 s, and its folder in /tmp)."""
        self.closing = True  # the loop stops here: this end is no loss to report or recover from
        head = self.head
        if head is not None:
            head.stop()

    def _run(self) -> None:
        while True:
            with self.lock:
                while not self.wanted:
                    self.lock.wait()
            if not self.up:
                try:
                    self._join()
                except Exception as error:
                    self._failed(error)
                    # A cluster is asked again every few seconds (a refused connection costs nothing); a local head
                    # that failed to start (memory, disk) is not restarted in a loop.
                    time.sleep(CLUSTER_RETRY_S if cluster_address() else RETRY_S)
                continue
            time.sleep(CHECK_S)
            problem = self._problem()
            if self.closing:
                return
            if problem:
                self._lost(problem)

    def _join(self) -> None:
        global _generation
        import ray

        os.environ.update(RAY_ENV)
        if _RAY_IMPORTED_FIRST:
            _settle_imported_ray(ray)
        address = cluster_address()
        if ray.is_initialized():  # joined by someone else in this process (a script, a test): that Ray is used
            address = ray.get_runtime_context().gcs_address
        elif address:
            _reachable(address)
        else:
            self.head = LocalHead(local_cpus())
            self.head.start()
            address = self.head.address
        # Workers import rnnlab from this checkout (every node of a cluster needs the project at the same path).
        runtime_env = {"env_vars": {"PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get(
            "PYTHONPATH")])), "TF_CPP_MIN_LOG_LEVEL": os.environ.get("TF_CPP_MIN_LOG_LEVEL", "2")}}
        if not ray.is_initialized():
            ray.init(address=address, namespace=namespace(), runtime_env=runtime_env, log_to_driver=False,
                     configure_logging=False)
        context = ray.get_runtime_context()
        host, _, port = context.gcs_address.rpartition(":")
        ports = [(host, int(port))]
        node = next((n for n in ray.nodes() if n["NodeID"] == context.get_node_id()), None)
        if node:
            ports.append((node["NodeManagerAddress"], int(node["NodeManagerPort"])))
        with self.lock:
            self.ports, self.up, self.error = ports, True, None
            _generation += 1
            self.history.append(dict(event="joined", at=time.time(), address=address, generation=_generation))
            self.lock.notify_all()
        log.warning("RNN Lab's engine joined Ray at %s (generation %d)", address, _generation)

    def _problem(self) -> str | None:
        """Why Ray no longer answers, in words, or None."""
        import socket

        if self.head is not None and not self.head.alive():
            return f"the embedded Ray ({self.head.address}) stopped: one of its processes (GCS, raylet) died"
        for (host, port), what in zip(self.ports, ("Ray's GCS", "this node's raylet")):
            try:
                socket.create_connection((host, port), timeout=5).close()
            except OSError as error:
                return f"{what} at {host}:{port} stopped answering ({error})"
        return None

    def _lost(self, problem: str) -> None:
        import ray

        when = time.strftime("%H:%M:%S")
        recovering = "the engine is starting a new local Ray" if self.head else \
            "the engine joins the cluster again as soon as it answers"
        message = (f"Training is unavailable: {problem} at {when}; {recovering}. Runs that were training then "
                   "ended with it; the pages that need no training keep working.")
        log.error(message)
        with self.lock:
            self.up, self.error = False, message
            self.history.append(dict(event="lost", at=time.time(), reason=message, generation=_generation))
            self.lock.notify_all()
        # Calls already inside Ray (the engine's wait at most 10 s) end first: a thread still in Ray's C++ core
        # worker while ray.shutdown() destroys it ended the whole server (seen once, 2 s after the shutdown); new
        # calls are refused meanwhile (connect() raises, connected() is False).
        time.sleep(DRAIN_S)
        # Ray's core worker ends the process (QuickExit) when anything calls into it after ray.shutdown(): an
        # ObjectRef or actor handle freed later by the garbage collector does. Free the unreachable ones now.
        import gc

        gc.collect()
        done = threading.Thread(target=ray.shutdown, name="rnnlab-ray-shutdown", daemon=True)
        done.start()
        done.join(30)  # measured: 5 s with the GCS gone
        if self.head is not None:
            self.head.stop()
            self.head = None

    def _failed(self, error: Exception) -> None:
        address = cluster_address()
        where = f"the Ray cluster at RAY_ADDRESS={address}" if address else "a local Ray instance"
        hint = ("check that `ray start --head` runs there and that RAY_AUTH_MODE=token and the cluster's token "
                "are set for this server" if address else
                "check free memory and disk (Ray keeps its objects in /dev/shm and its logs in /tmp), and that "
                "`ray` is on the PATH")
        message = f"Training is unavailable: {where} could not be started ({type(error).__name__}: {error}); {hint}."
        log.error(message)
        if self.head is not None:
            self.head.stop()
            self.head = None
        try:
            import ray

            if ray.is_initialized():
                ray.shutdown()
        except Exception:
            pass
        with self.lock:
            self.error = message
            self.history.append(dict(event="failed", at=time.time(), reason=message))
            self.lock.notify_all()


_keeper: _Keeper | None = None
_keeper_lock = threading.Lock()
_generation = 0  # how many times this process has (re)joined Ray: actor handles of an older one are stale


def _the_keeper() -> _Keeper:
    global _keeper
    with _keeper_lock:
        if _keeper is None:
            _keeper = _Keeper()
        return _keeper


def generation() -> int:
    """Bumped each time this process joins or starts Ray (and again after Ray was lost and came back): a handle
    cached under an older generation is stale."""
    return _generation


def cluster_address() -> str:
    """RAY_ADDRESS's cluster, or '' for the embedded Ray."""
    return os.environ.get("RAY_ADDRESS", "").strip()


def start_in_background() -> None:
    """Begin joining Ray (or starting the embedded one) now, without waiting: the server's warm-up calls it so
    that the first Train click does not pay Ray's start."""
    keeper = _the_keeper()
    with keeper.lock:
        keeper.wanted = True
        keeper.lock.notify_all()


def connect(timeout: float = START_TIMEOUT_S) -> None:
    """Join RAY_ADDRESS's cluster, or the embedded Ray on 127.0.0.1 (started on first need), waiting for a start
    under way. Raises EngineUnavailable at once, with the reason, while Ray is lost or its last start failed (the
    keeper retries by itself: a lost Ray in seconds, a failed start after RETRY_S)."""
    keeper = _the_keeper()
    deadline = time.time() + timeout
    with keeper.lock:
        if keeper.up:
            return
        if keeper.error:
            raise EngineUnavailable(keeper.error)
        keeper.wanted = True
        keeper.lock.notify_all()
        while not keeper.up and not keeper.error:
            if not keeper.lock.wait(max(0.0, deadline - time.time())) and time.time() >= deadline:
                raise EngineUnavailable(f"Training is unavailable: Ray did not start within {timeout:.0f} s.")
        if not keeper.up:
            raise EngineUnavailable(keeper.error)


def state() -> dict:
    """Where the engine stands, for a status line and tests: up (joined now), error (why not), generation,
    address (the embedded head's or RAY_ADDRESS), history (joined / lost / failed events, oldest first)."""
    keeper = _keeper
    if keeper is None:
        return dict(up=False, error=None, generation=_generation, address=cluster_address() or None, history=[])
    with keeper.lock:
        address = keeper.head.address if keeper.head else cluster_address() or None
        return dict(up=keeper.up, error=keeper.error, generation=_generation, address=address,
                    history=[dict(event) for event in keeper.history])


def lost_reason() -> str | None:
    """Why the last Ray this process had was lost (the message runs that were in flight end with), or None."""
    for event in reversed(state()["history"]):
        if event["event"] == "lost":
            return event["reason"]
    return None


def _reachable(address: str, timeout: float = 5.0) -> None:
    """Fail in seconds, not minutes, when nothing listens at RAY_ADDRESS (ray.init retries for a long time)."""
    import socket

    if address not in ("auto", "local"):
        host, _, port = address.split("://")[-1].rpartition(":")
        socket.create_connection((host or "127.0.0.1", int(port)), timeout=timeout).close()


def connected() -> bool:
    """Has this process joined Ray (without starting it), and does it answer?"""
    return _keeper is not None and _keeper.up and "ray" in sys.modules and sys.modules["ray"].is_initialized()


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
