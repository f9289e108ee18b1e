"""A light Streamlit client for load tests: one browser session spoken in Streamlit's own websocket protocol
(BackMsg rerun requests with widget states, ForwardMsg deltas back), with no browser and no drawing, so 27 of them
cost the server what 27 students' tabs would, and this machine almost nothing. It reads what a page shows (the
text of its elements), sets number inputs, presses buttons and switches pages as a browser does.

Like Streamlit's frontend it keeps a page's `st.fragment(run_every=...)` fragments running on their own: each
ForwardMsg `auto_rerun` starts a timer that asks the server, every `interval` seconds, to rerun only that fragment
(BackMsg rerun_script with its `fragment_id`, `is_auto_rerun` and the remembered widget states), and a fragment
run's deltas replace only that fragment's elements. The rules are those of streamlit/streamlit's
frontend/app/src/App.tsx (`handleAutoRerun`, `startAutoRerunTimer`, `handleStopAutoRerun`, `handleNewSession`,
`cleanupAutoReruns`, `onPageChange`, `handleScriptFinished` with `AppRoot.clearStaleNodes`):
- the same fragment registered again with the same interval keeps its timer (the countdown is not restarted);
  another interval replaces it;
- a tick sends the fragment's rerun whether or not a run is in progress (the server coalesces them);
- `stop_auto_rerun` cancels the named fragments' timers;
- a full script run (a new_session whose run names no fragment; Streamlit 1.67 puts a run's fragment ids in
  the message's metadata.run) and every page change cancel every timer;
- when a full run finishes, elements it did not draw go; when a fragment run finishes, only that fragment's
  elements it did not draw go; a run finished early for a rerun removes nothing.
"""

from __future__ import annotations

import asyncio
import collections
import time

from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from streamlit.proto.WidgetStates_pb2 import WidgetState

FINISHED, COMPILE_ERROR, EARLY_FOR_RERUN, FRAGMENT_FINISHED = 0, 1, 2, 3  # ForwardMsg.ScriptFinishedStatus


class LightSession:
    def __init__(self, url: str, name: str):
        self.ws_url = url.replace("http://", "ws://") + "/_stcore/stream"
        self.name = name
        self.pages: dict[str, str] = {}  # url pathname ('' for Home) -> page script hash
        self.page_hash = ""
        self.widgets: dict[str, WidgetState] = {}  # what this "browser" remembers, sent with every rerun
        self.exceptions: list[str] = []
        self.started = time.perf_counter()
        # path -> (Element proto, the fragment that drew it or "", the number of the run that drew it)
        self._elements: dict[tuple, tuple] = {}
        self._run = 0  # the number of the run the server is sending (counts new_session messages)
        self._run_fragments: tuple[str, ...] = ()  # the fragments that run reruns; () for a full run
        self._full_runs_finished: list[int] = []  # numbers of full runs that finished (successfully or not)
        self._fragment_runs_finished: list[tuple[int, tuple]] = []  # (number, its fragments) of fragment runs done
        self._interrupted_full_run = 0  # the full run that just ended early, until the next run begins
        self._changed = asyncio.Event()  # set after every message
        self._timers: dict[str, tuple[float, asyncio.Task]] = {}  # fragment id -> (interval, its timer task)
        self.counts = dict(full_runs=0, fragment_runs=0, auto_reruns_sent=0)
        self._reader: asyncio.Task | None = None
        self._closed = False
        # The last messages in brief (when, what, its run's fragments, a script_finished status), for the report
        # of a wait that timed out.
        self._recent: collections.deque = collections.deque(maxlen=30)

    # -- the connection --------------------------------------------------------------------------------------

    async def connect(self) -> "LightSession":
        import websockets

        self.ws = await websockets.connect(self.ws_url, subprotocols=["streamlit"], max_size=1 << 28,
                                           open_timeout=60, ping_interval=None)
        self._reader = asyncio.create_task(self._read())
        await self.rerun()
        return self

    async def close(self) -> None:
        self._closed = True
        self._cancel_timers()
        if self._reader:
            self._reader.cancel()
        await self.ws.close()

    async def _read(self) -> None:
        try:
            async for raw in self.ws:
                forward = ForwardMsg()
                forward.ParseFromString(raw)
                self.handle(forward)
        except Exception as error:  # the connection closed: whoever waits learns it from _error
            self._error = error
        finally:
            self._closed = True
            self._changed.set()

    # -- what the server sends --------------------------------------------------------------------------------

    def handle(self, forward: ForwardMsg) -> None:
        """Apply one ForwardMsg to what this session shows and to its auto-rerun timers."""
        kind = forward.WhichOneof("type")
        if kind in ("new_session", "script_finished", "auto_rerun", "stop_auto_rerun"):
            detail = forward.script_finished if kind == "script_finished" else ""
            self._recent.append(f"{time.perf_counter() - self.started:.1f}s {kind} {detail} "
                                f"{list(forward.metadata.run.fragment_ids) or ''} "
                                f"{forward.metadata.run.script_run_id[:6]}".rstrip())
        if kind == "navigation":
            self.pages = {page.url_pathname: page.page_script_hash for page in forward.navigation.app_pages}
            self.page_hash = self.page_hash or forward.navigation.page_script_hash
        elif kind == "new_session":
            if forward.metadata.run.fragment_ids and self._interrupted_full_run:
                # The full run before was ended early and the server went on with fragment runs, not another full
                # run (Streamlit marks a finished full run still queued as finished early when a run starts): it
                # is settled, whatever it drew is what the page shows.
                self._full_runs_finished.append(self._interrupted_full_run)
            self._interrupted_full_run = 0
            self._run += 1
            self._run_fragments = tuple(forward.metadata.run.fragment_ids)
            if not self._run_fragments:  # a normal rerun: remove all the auto reruns' timers
                self._cancel_timers()
                self.counts["full_runs"] += 1
            else:
                self.counts["fragment_runs"] += 1
        elif kind == "delta" and forward.delta.WhichOneof("type") == "new_element":
            element = forward.delta.new_element
            self._elements[tuple(forward.metadata.delta_path)] = (element, forward.delta.fragment_id, self._run)
            if element.WhichOneof("type") == "exception":
                self.exceptions.append(element.exception.message[:300])
        elif kind == "auto_rerun":
            self._start_timer(forward.auto_rerun.fragment_id, forward.auto_rerun.interval)
        elif kind == "stop_auto_rerun":
            for fragment_id in forward.stop_auto_rerun.fragment_ids:
                self._cancel_timers([fragment_id])
        elif kind == "script_finished":
            status = forward.script_finished
            if status == FINISHED or (status == FRAGMENT_FINISHED and not self._run_fragments):
                self._elements = {path: e for path, e in self._elements.items() if e[2] == self._run}
            elif status == FRAGMENT_FINISHED:
                self._elements = {path: e for path, e in self._elements.items()
                                  if e[2] == self._run or e[1] not in self._run_fragments}
            if status in (FINISHED, COMPILE_ERROR) and not self._run_fragments:
                self._full_runs_finished.append(self._run)
            elif status in (FINISHED, COMPILE_ERROR, FRAGMENT_FINISHED) and self._run_fragments:
                self._fragment_runs_finished.append((self._run, self._run_fragments))
            elif status == EARLY_FOR_RERUN and not self._run_fragments:
                self._interrupted_full_run = self._run
        self._changed.set()

    # -- auto reruns -----------------------------------------------------------------------------------------

    def _start_timer(self, fragment_id: str, interval: float) -> None:
        if not fragment_id or interval <= 0:  # a page-level auto rerun: not used by RNN Lab
            return
        if fragment_id in self._timers and self._timers[fragment_id][0] == interval:
            return  # re-registering the same interval must not restart the countdown
        self._cancel_timers([fragment_id])
        self._timers[fragment_id] = (interval, asyncio.create_task(self._tick(fragment_id, interval)))

    async def _tick(self, fragment_id: str, interval: float) -> None:
        """setInterval: every `interval` seconds from the start, this fragment's rerun with every widget state."""
        due = time.monotonic()
        while not self._closed:
            due += interval
            await asyncio.sleep(max(0.0, due - time.monotonic()))
            self.counts["auto_reruns_sent"] += 1
            try:
                await self._send(fragment_id=fragment_id, is_auto_rerun=True)
            except Exception:  # the connection closed: the reader reports it
                return

    def _cancel_timers(self, fragment_ids=None) -> None:
        for fragment_id in list(self._timers if fragment_ids is None else fragment_ids):
            if fragment_id in self._timers:
                self._timers.pop(fragment_id)[1].cancel()

    def auto_rerun_fragments(self) -> dict[str, float]:
        """The fragments this session reruns on a timer, with their intervals in seconds."""
        return {fragment_id: interval for fragment_id, (interval, _) in self._timers.items()}

    # -- what the user does ----------------------------------------------------------------------------------

    async def _send(self, trigger: str | None = None, fragment_id: str = "", is_auto_rerun: bool = False) -> None:
        message = BackMsg()
        state = message.rerun_script
        state.page_script_hash = self.page_hash
        for widget in self.widgets.values():
            state.widget_states.widgets.append(widget)
        if trigger:
            state.widget_states.widgets.append(WidgetState(id=trigger, trigger_value=True))
        if fragment_id:
            state.fragment_id = fragment_id
            state.is_auto_rerun = is_auto_rerun
        await self.ws.send(message.SerializeToString())

    async def rerun(self, trigger: str | None = None, timeout_s: float = 180, fragment_id: str = "") -> None:
        """One script run, as a browser asks for it (every remembered widget value and a button's trigger),
        waited for until a run that started after the request has finished: a full run, or, for a widget drawn
        by a fragment (`fragment_id`, as the frontend sends it), a run of that fragment or a full run (the
        fragment may rerun the whole page)."""
        after = self._run
        await self._send(trigger, fragment_id=fragment_id)

        def done() -> bool:
            return (any(run > after for run in self._full_runs_finished)
                    or bool(fragment_id) and any(run > after and fragment_id in fragments
                                                 for run, fragments in self._fragment_runs_finished))

        await self.wait_for(done, timeout_s, "the script run to finish")

    async def wait_for(self, condition, timeout_s: float, what: str = "the page") -> None:
        """Wait, reading what the server sends (fragments redraw on their own), until condition() holds."""
        deadline = time.monotonic() + timeout_s
        while not condition():
            if self._closed:
                raise ConnectionError(f"{self.name}: the connection closed waiting for {what}: "
                                      f"{getattr(self, '_error', None)!r}")
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError(f"{self.name}: waited {timeout_s} s for {what} (runs begun {self._run}, full runs "
                                   f"ended {self._full_runs_finished[-3:]}, {self.counts}, timers "
                                   f"{len(self._timers)}; the last messages: {list(self._recent)}; "
                                   f"the page ends: {self.text()[-300:]!r})")
            self._changed.clear()
            try:
                await asyncio.wait_for(self._changed.wait(), timeout=left)
            except asyncio.TimeoutError:
                pass

    @property
    def elements(self) -> list:
        """What the page shows now, in order (Element protos)."""
        return [self._elements[path][0] for path in sorted(self._elements)]

    def text(self) -> str:
        parts = []
        for element in self.elements:
            kind = element.WhichOneof("type")
            inner = getattr(element, kind)
            for field in ("body", "text", "label"):
                if hasattr(inner, field) and getattr(inner, field):
                    parts.append(str(getattr(inner, field)))
                    break
        return "\n".join(parts)

    def _widget(self, kind: str, label: str):
        return self._widget_and_fragment(kind, label)[0]

    def _widget_and_fragment(self, kind: str, label: str):
        """The widget's proto and the id of the fragment that drew it ('' for the page itself)."""
        for path in sorted(self._elements):
            element, fragment_id, _ = self._elements[path]
            if element.WhichOneof("type") == kind and getattr(element, kind).label == label:
                return getattr(element, kind), fragment_id
        raise LookupError(f"{self.name}: no {kind} labelled {label!r}; the page shows:\n{self.text()[:800]}")

    async def go(self, pathname: str, timeout_s: float = 180) -> None:
        self._cancel_timers()  # about to change the page: the frontend clears every auto rerun first
        self.page_hash = self.pages[pathname]
        await self.rerun(timeout_s=timeout_s)

    async def set_number(self, label: str, value: int) -> None:
        widget, fragment_id = self._widget_and_fragment("number_input", label)
        self.widgets[widget.id] = WidgetState(id=widget.id, int_value=int(value))
        await self.rerun(fragment_id=fragment_id)

    async def press(self, label: str) -> None:
        widget, fragment_id = self._widget_and_fragment("button", label)
        await self.rerun(trigger=widget.id, fragment_id=fragment_id)

    def button_disabled(self, label: str) -> bool:
        return self._widget("button", label).disabled
