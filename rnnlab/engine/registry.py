"""The registry: one small actor per namespace (no CPU) that every server shares: which configuration key trains
under which run id, who started it (only the starter may stop it), the queue's order, how each run ended. Its
methods hold one lock, so claiming a key is atomic across servers. Its watchdog fails (and kills, freeing its
CPU) a run whose worker died or reported nothing for the heartbeat time (RNNLAB_HEARTBEAT_S); it asks every
running run at once and waits a second at most for all answers, so one jammed worker never holds up the others."""

from __future__ import annotations

import collections
import contextlib
import threading
import time

from rnnlab.engine.connection import ACTIVE, FAILED, QUEUED, RUNNING, STOPPED

CHECK_S = 2.0  # how often a running run is asked how it is


def _died(entry: dict, detail: str) -> str:
    return (f"The training worker (pid {entry.get('pid')}) ended unexpectedly (killed, or out of memory): "
            f"{detail}")


class Registry:
    """What every server shares (see the module docstring); the last KEEP_ENDED ended runs are remembered."""

    KEEP_ENDED = 500
    KEEP_BATCHES = 20

    def __init__(self, namespace: str):
        self._namespace, self._seq, self._lock = namespace, 0, threading.RLock()
        self._runs: collections.OrderedDict[str, dict] = collections.OrderedDict()
        self._live: dict[str, str] = {}  # key -> run id, while queued or running
        self._asked: dict[str, tuple] = {}  # run id -> (when asked, its actor, the pending snapshot call)
        self._checked: dict[str, float] = {}  # run id -> when it last answered
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
            for old in ended[-self.KEEP_ENDED:-self.KEEP_BATCHES]:  # the full history stays for the latest only
                self._runs[old].pop("batches", None)
            return True

    def status(self, run_id: str, with_batches: bool = False) -> dict | None:
        """The run's entry, with its place in the queue (1 = next) while it waits."""
        with self._lock:
            if run_id not in self._runs:
                return None
            entry = dict(self._runs[run_id])
            if not with_batches:
                entry.pop("batches", None)
            if entry["state"] == QUEUED:
                entry["position"] = 1 + sum(1 for e in self._runs.values()
                                            if e["state"] == QUEUED and e["seq"] < entry["seq"])
            return entry

    def cancel(self, run_id: str) -> bool:
        """End a run that is still waiting for a CPU (the caller kills its pending actor)."""
        with self._lock:
            return self._runs.get(run_id, {}).get("state") == QUEUED and self.ended(run_id, STOPPED)

    def counts(self) -> dict:
        with self._lock:
            states = [e["state"] for e in self._runs.values()]
            return {state: states.count(state) for state in set(states)}

    # -- the watchdog
    def _watch(self) -> None:
        while True:
            with contextlib.suppress(Exception):  # a moment's trouble with Ray: look again next time
                self._check()
            time.sleep(0.5)

    def _check(self) -> None:
        """One round: ask each running run that is due (one call each, all at once), wait a second at most for
        the answers together, and fail the runs that died, went silent or have not answered for too long."""
        import ray

        with self._lock:
            running = {e["run_id"]: dict(e) for e in self._runs.values() if e["state"] == RUNNING}
            waiting = [dict(e) for e in self._runs.values() if e["state"] == QUEUED]
        now = time.time()
        for gone in [run_id for run_id in {*self._asked, *self._checked} if run_id not in running]:
            self._asked.pop(gone, None)
            self._checked.pop(gone, None)
        for run_id, entry in running.items():
            if run_id in self._asked or now - self._checked.get(run_id, 0) < min(CHECK_S, entry["heartbeat"] / 3):
                continue
            try:
                actor = ray.get_actor(run_id, namespace=self._namespace)
            except ValueError:
                self.ended(run_id, FAILED, _died(entry, "its actor is gone"))
                continue
            self._asked[run_id] = (now, actor, actor.snapshot.remote(10**9))
        pending = {call: run_id for run_id, (_, _, call) in self._asked.items()}
        answered, _ = ray.wait(list(pending), num_returns=len(pending), timeout=1.0) if pending else ([], [])
        for call in answered:
            run_id = pending[call]
            entry, (_, actor, _) = running[run_id], self._asked.pop(run_id)
            self._checked[run_id] = time.time()
            try:
                state = ray.get(call)
            except Exception as error:  # RayActorError: the worker died
                self.ended(run_id, FAILED, _died(entry, (str(error).strip() or type(error).__name__).splitlines()[0]))
                continue
            if state["status"] == RUNNING and state["silent_for"] > entry["heartbeat"]:
                ray.kill(actor, no_restart=True)
                self.ended(run_id, FAILED, (
                    f"The training worker (pid {entry.get('pid')}) reported nothing for {state['silent_for']:.0f} s "
                    f"(the limit is RNNLAB_HEARTBEAT_S={entry['heartbeat']:g}) and was stopped."))
        for run_id, (asked, actor, _) in list(self._asked.items()):
            heartbeat = running[run_id]["heartbeat"]
            if time.time() - asked > heartbeat:  # asked a heartbeat ago and still no answer
                del self._asked[run_id]
                ray.kill(actor, no_restart=True)
                self.ended(run_id, FAILED, f"The training worker (pid {running[run_id].get('pid')}) did not answer "
                                           f"for {heartbeat:.0f} s and was stopped.")
        for entry in waiting:  # a server that claimed a run and died before creating its actor
            if now - entry["created"] > 60:
                try:
                    ray.get_actor(entry["run_id"], namespace=self._namespace)
                except ValueError:
                    self.ended(entry["run_id"], FAILED, "its server went away before the run was created")
