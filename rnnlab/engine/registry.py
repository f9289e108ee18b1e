"""The registry: one small actor per namespace (no CPU) that every server shares. It knows which configuration
key trains under which run id, who started it (only the starter may stop it), the queue and how each run ended,
and it decides which run goes next: the standing trainers (rnnlab.engine.trainer) ask it in turn, and it serves
the sessions round robin (the owner served longest ago first, oldest first within an owner), so one student's
five runs do not all go before another student's first. Its methods hold one lock, so claiming a key is atomic.

Its watchdog asks every trainer that holds a run how it is: a run whose trainer died, stopped answering or
reported nothing for the heartbeat time (RNNLAB_HEARTBEAT_S) fails with the reason, and the trainer's process
is killed (Ray restarts it, and it takes the next run). Queued runs that no session visited for RNNLAB_ABANDON_S
are cancelled. If the registry itself dies, the next request creates it again, and it asks the trainers what they
hold (`_adopt`), so nothing trains twice. The instructor's pause is kept in a file of the run store."""

from __future__ import annotations

import collections
import contextlib
import json
import os
import signal
import threading
import time
from pathlib import Path

from rnnlab.engine.connection import ACTIVE, FAILED, QUEUED, REGISTRY_NAME, RUNNING, STOPPED, remote

CHECK_S = 2.0  # how often a running run is asked how it is
TRAINER_PREFIX = "rnnlab-trainer-"
PAUSE_FILE = ".instructor.json"  # hidden: the run store skips it
PUBLIC_LEFT_OUT = ("train_fn", "env")  # what only a trainer needs


def handle(namespace: str, store: str):
    """The registry of `namespace` (created, with its state from the trainers, if there is none)."""
    return remote(Registry).options(name=REGISTRY_NAME, namespace=namespace, get_if_exists=True, lifetime="detached",
                                    num_cpus=0, max_restarts=0, max_concurrency=64).remote(namespace, store)


def _public(entry: dict, with_batches: bool = True) -> dict:
    return {k: v for k, v in entry.items()
            if k not in PUBLIC_LEFT_OUT and (with_batches or k not in ("batches", "result"))}


class Registry:
    """What every server shares (see the module docstring); the last KEEP_ENDED ended runs are remembered."""

    KEEP_ENDED = 500
    KEEP_BATCHES = 20

    def __init__(self, namespace: str, store: str):
        self._namespace, self._seq, self._lock = namespace, 0, threading.RLock()
        self._wake = threading.Condition(self._lock)
        self._runs: collections.OrderedDict[str, dict] = collections.OrderedDict()
        self._live: dict[str, str] = {}  # key -> run id, while queued or running
        self._served: dict[str, float] = {}  # owner -> when a run of theirs last started
        self._owner_seen: dict[str, float] = {}  # owner -> when their pages last read a run
        self._watchers: dict[str, dict[str, float]] = {}  # run id -> {owner: when they last read it}
        self._asked: dict[str, tuple] = {}  # run id -> (when asked, the pending snapshot call)
        self._checked: dict[str, float] = {}  # run id -> when it last answered
        self._pause_file = Path(store) / PAUSE_FILE
        self._paused = self._read_pause()
        self._adopt()
        threading.Thread(target=self._watch, name="rnnlab-registry-watchdog", daemon=True).start()

    # -- the instructor's pause, kept on disk so that a new registry still has it
    def _read_pause(self) -> bool:
        with contextlib.suppress(OSError, ValueError, AttributeError):
            return bool(json.loads(self._pause_file.read_text()).get("paused"))
        return False

    def set_paused(self, paused: bool) -> bool:
        with self._lock:
            self._pause_file.parent.mkdir(parents=True, exist_ok=True)
            temporary = self._pause_file.with_suffix(".tmp")
            temporary.write_text(json.dumps(dict(paused=bool(paused), at=time.time())))
            os.replace(temporary, self._pause_file)
            self._paused = bool(paused)
            self._wake.notify_all()
            return self._paused

    def paused(self) -> bool:
        return self._paused

    # -- a new registry learns from the trainers what trains
    def _trainers(self) -> list[str]:
        from ray.util import list_named_actors

        return sorted(name for name in list_named_actors() if name.startswith(TRAINER_PREFIX))

    def _adopt(self) -> None:
        """Take over the runs the trainers hold (a registry made again after the last one died)."""
        import ray

        with contextlib.suppress(Exception):
            calls = [ray.get_actor(name, namespace=self._namespace).holding.remote() for name in self._trainers()]
            for call in calls:
                with contextlib.suppress(Exception):
                    held = ray.get(call, timeout=10)
                    if held is None:
                        continue
                    entry, ended = held
                    self._seq = max(self._seq, entry.get("seq", 0))
                    self._runs[entry["run_id"]] = entry
                    self._live[entry["key"]] = entry["run_id"]
                    if ended is not None:  # it ended while there was no registry to tell
                        self.ended(entry["run_id"], **ended)

    # -- claiming, taking, ending
    def claim(self, key: str, owner: str, run_id: str, config: dict, options: dict) -> dict:
        """The live run of `key` (created: False), or a new queued run `run_id` (created: True), or a refusal
        (refused: 'paused' or 'full', with the owner's queued and running counts)."""
        with self._lock:
            now = time.time()
            live = self._live.get(key)
            if live is not None:
                self._seen_now(owner, [live], now)
                return dict(entry=_public(self._runs[live], False), created=False)
            mine = [e["state"] for e in self._runs.values() if e["owner"] == owner and e["state"] in ACTIVE]
            counts = dict(queued=mine.count(QUEUED), running=mine.count(RUNNING))
            if self._paused and not options.get("requeue"):  # a queued run that a lost registry forgot goes back
                return dict(refused="paused", **counts)
            if len(mine) >= options["max_runs"] and not options.get("requeue"):
                return dict(refused="full", **counts)
            self._seq += 1
            entry = dict(run_id=run_id, key=key, owner=owner, config=config, state=QUEUED, seq=self._seq,
                         created=now, started=None, pid=None, trainer=None, node=None, **options)
            self._runs[run_id], self._live[key] = entry, run_id
            self._seen_now(owner, [run_id], now)
            self._wake.notify_all()
            return dict(entry=_public(entry, False), created=True)

    def _order(self) -> list[dict]:
        """The queued runs in the order they will start: round robin over owners (the one served longest ago,
        then the one waiting longest, first), each owner's runs oldest first."""
        by_owner: dict[str, list[dict]] = collections.defaultdict(list)
        for entry in self._runs.values():
            if entry["state"] == QUEUED:
                by_owner[entry["owner"]].append(entry)
        owners = sorted(by_owner, key=lambda o: (self._served.get(o, 0.0), min(e["seq"] for e in by_owner[o])))
        lanes = [sorted(by_owner[o], key=lambda e: e["seq"]) for o in owners]
        return [lane[i] for i in range(max(map(len, lanes), default=0)) for lane in lanes if i < len(lane)]

    def next_run(self, trainer: str, pid: int, node: str, wait: float = 5.0) -> dict | None:
        """A trainer asks for its next run: the first in the queue's order, now RUNNING on it (None after `wait`
        seconds with nothing queued, or while the instructor pauses training)."""
        deadline = time.time() + wait
        with self._wake:
            while True:
                order = [] if self._paused else self._order()
                if order:
                    entry = order[0]
                    entry.update(state=RUNNING, started=time.time(), trainer=trainer, pid=pid, node=node)
                    self._served[entry["owner"]] = entry["started"]
                    return dict(entry)
                left = deadline - time.time()
                if left <= 0:
                    return None
                self._wake.wait(left)

    def ended(self, run_id, state, error=None, summary=None, epochs=None, stored_run_id=None, batches=None,
              progress=None, result=None) -> bool:
        """Record how a run ended; the first report wins (its trainer's, the watchdog's, a cancel)."""
        with self._lock:
            entry = self._runs.get(run_id)
            if entry is None or entry["state"] not in ACTIVE:
                return False
            entry.update(state=state, error=error, summary=summary or {}, epochs=epochs or [], ended=time.time(),
                         stored_run_id=stored_run_id, batches=batches, result=result, **(progress or {}))
            for name in PUBLIC_LEFT_OUT:
                entry.pop(name, None)
            if self._live.get(entry["key"]) == run_id:
                del self._live[entry["key"]]
            self._watchers.pop(run_id, None)
            self._runs.move_to_end(run_id)
            ended = [r for r, e in self._runs.items() if e["state"] not in ACTIVE]
            for old in ended[:-self.KEEP_ENDED]:
                del self._runs[old]
            for old in ended[-self.KEEP_ENDED:-self.KEEP_BATCHES]:  # the full history stays for the latest only
                self._runs[old].pop("batches", None)
                self._runs[old].pop("result", None)
            return True

    def cancel(self, run_id: str, reason: str | None = None) -> bool:
        """End a run that is still waiting in the queue (nothing trained, nothing to kill)."""
        with self._lock:
            return self._runs.get(run_id, {}).get("state") == QUEUED and self.ended(run_id, STOPPED, reason)

    # -- what servers read
    def status(self, run_id: str, with_batches: bool = False) -> dict | None:
        """The run's entry, with its place in the queue (1 = next) while it waits."""
        with self._lock:
            if run_id not in self._runs:
                return None
            entry = _public(self._runs[run_id], with_batches)
            if entry["state"] == QUEUED:
                entry["position"] = 1 + [e["run_id"] for e in self._order()].index(run_id)
            return entry

    def queue(self) -> list[dict]:
        """Every running run (oldest first) and then every queued one in the order they will start, with
        `position` (None while it trains)."""
        with self._lock:
            running = [dict(_public(e, False), position=None) for e in self._runs.values() if e["state"] == RUNNING]
            waiting = [dict(_public(e, False), position=i) for i, e in enumerate(self._order(), 1)]
            return sorted(running, key=lambda e: e["started"]) + waiting

    def counts(self) -> dict:
        """How many remembered runs are in each state (scripts/two_servers.py checks one run was trained)."""
        with self._lock:
            return dict(collections.Counter(e["state"] for e in self._runs.values()))

    def seen(self, owner: str, run_ids: list[str]) -> None:
        """A session's pages read these runs (a server sends this at most every second or so)."""
        with self._lock:
            self._seen_now(owner, run_ids, time.time())

    def _seen_now(self, owner: str, run_ids, now: float) -> None:
        self._owner_seen[owner] = now
        for run_id in run_ids:
            if run_id in self._runs and self._runs[run_id]["state"] in ACTIVE:
                self._watchers.setdefault(run_id, {})[owner] = now

    # -- the watchdog
    def _watch(self) -> None:
        while True:
            with contextlib.suppress(Exception):  # a moment's trouble with Ray: look again next time
                self._check()
            with contextlib.suppress(Exception):
                self._abandon()
            time.sleep(0.5)

    def _abandon(self) -> None:
        """Cancel queued runs whose session has not read anything for their abandon time, unless another session
        still watches them (it asked for the same settings)."""
        now = time.time()
        with self._lock:
            for entry in [e for e in self._runs.values() if e["state"] == QUEUED]:
                limit = entry["abandon"]
                owner_seen = self._owner_seen.get(entry["owner"], entry["created"])
                watched = any(o != entry["owner"] and now - t < limit
                              for o, t in self._watchers.get(entry["run_id"], {}).items())
                if now - owner_seen > limit and not watched:
                    self.cancel(entry["run_id"], (
                        f"Cancelled while it waited in the queue: the session that asked for it had not been seen "
                        f"for {now - owner_seen:.0f} s (RNNLAB_ABANDON_S={limit:g}; its tab was closed?), and no "
                        "other session watched it."))

    def _check(self) -> None:
        """One round: ask each trainer holding a run that is due (all at once), wait a second at most for the
        answers together, and fail (and kill) the runs whose trainer died, went silent or stopped answering."""
        import ray

        with self._lock:
            running = {e["run_id"]: dict(e) for e in self._runs.values() if e["state"] == RUNNING}
        now = time.time()
        for gone in [run_id for run_id in {*self._asked, *self._checked} if run_id not in running]:
            self._asked.pop(gone, None)
            self._checked.pop(gone, None)
        for run_id, entry in running.items():
            if run_id in self._asked or now - self._checked.get(run_id, 0) < min(CHECK_S, entry["heartbeat"] / 3):
                continue
            try:
                trainer = ray.get_actor(entry["trainer"], namespace=self._namespace)
            except ValueError:
                self.ended(run_id, FAILED, _died(entry, "its trainer is gone"))
                continue
            self._asked[run_id] = (now, trainer.snapshot.remote(run_id, 10**9))
        pending = {call: run_id for run_id, (_, call) in self._asked.items()}
        answered, _ = ray.wait(list(pending), num_returns=len(pending), timeout=1.0) if pending else ([], [])
        for call in answered:
            run_id = pending[call]
            entry = running[run_id]
            del self._asked[run_id]
            self._checked[run_id] = time.time()
            try:
                state = ray.get(call)
            except Exception as error:  # RayActorError: the trainer died (Ray restarts it)
                self.ended(run_id, FAILED, _died(entry, (str(error).strip() or type(error).__name__).splitlines()[0]))
                continue
            if state is None or not state.get("held"):
                if state is None or state.get("pid") != entry["pid"] or time.time() - entry["started"] > 10:
                    self.ended(run_id, FAILED, _died(entry, "its trainer no longer holds it"))
            elif state["state"] == RUNNING and state["silent_for"] > entry["heartbeat"]:
                self._kill(entry)
                self.ended(run_id, FAILED, (
                    f"The training worker (pid {entry['pid']}) reported nothing for {state['silent_for']:.0f} s "
                    f"(the limit is RNNLAB_HEARTBEAT_S={entry['heartbeat']:g}) and was stopped."))
        for run_id, (asked, _) in list(self._asked.items()):
            entry = running[run_id]
            if time.time() - asked > entry["heartbeat"]:  # asked a heartbeat ago and still no answer
                del self._asked[run_id]
                self._kill(entry)
                self.ended(run_id, FAILED, (
                    f"The training worker (pid {entry['pid']}) stopped answering: nothing for "
                    f"{time.time() - asked:.0f} s (RNNLAB_HEARTBEAT_S={entry['heartbeat']:g}); its process was "
                    "killed and its CPU goes to the next run."))

    def _kill(self, entry: dict) -> None:
        """SIGKILL the trainer's process (a SIGSTOPped one answers nothing, ray.kill included); Ray restarts the
        trainer. On this node directly, on another by a tiny task pinned there."""
        import ray
        from ray.util.scheduling_strategies import NodeAffinitySchedulingStrategy

        if entry.get("node") in (None, ray.get_runtime_context().get_node_id()):
            with contextlib.suppress(OSError, TypeError):
                os.kill(entry["pid"], signal.SIGKILL)
            return
        ray.remote(num_cpus=0, max_retries=0)(os.kill).options(
            scheduling_strategy=NodeAffinitySchedulingStrategy(entry["node"], soft=False)).remote(
            entry["pid"], signal.SIGKILL)


def _died(entry: dict, detail: str) -> str:
    return (f"The training worker (pid {entry.get('pid')}) ended unexpectedly (killed, or out of memory): "
            f"{detail}")
