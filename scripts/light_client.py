"""A light Streamlit client for load tests: one browser session spoken in Streamlit's own websocket protocol
(BackMsg rerun requests with widget states, ForwardMsg deltas back), with no browser and no drawing, so 27 of them
cost the server what 27 students' tabs would, and this machine almost nothing. It reads what a page shows (the
text of its elements), sets number inputs, presses buttons and switches pages as a browser does.
"""

from __future__ import annotations

import asyncio
import time

from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from streamlit.proto.WidgetStates_pb2 import WidgetState


class LightSession:
    def __init__(self, url: str, name: str):
        self.ws_url = url.replace("http://", "ws://") + "/_stcore/stream"
        self.name = name
        self.pages: dict[str, str] = {}  # url pathname ('' for Home) -> page script hash
        self.page_hash = ""
        self.widgets: dict[str, WidgetState] = {}  # what this "browser" remembers, sent with every rerun
        self.elements: list = []  # the last full run's elements (Element protos), in order
        self.exceptions: list[str] = []
        self.started = time.perf_counter()

    async def connect(self) -> "LightSession":
        import websockets

        self.ws = await websockets.connect(self.ws_url, subprotocols=["streamlit"], max_size=1 << 28,
                                           open_timeout=60, ping_interval=None)
        await self.rerun()
        return self

    async def close(self) -> None:
        await self.ws.close()

    async def rerun(self, trigger: str | None = None, timeout_s: float = 180) -> None:
        """One script run, as a browser asks for it: every remembered widget value (and a button's trigger)."""
        message = BackMsg()
        state = message.rerun_script
        state.page_script_hash = self.page_hash
        for widget in self.widgets.values():
            state.widget_states.widgets.append(widget)
        if trigger:
            state.widget_states.widgets.append(WidgetState(id=trigger, trigger_value=True))
        await self.ws.send(message.SerializeToString())
        elements: dict[tuple, object] = {}
        deadline = time.time() + timeout_s
        while time.time() < deadline:
            raw = await asyncio.wait_for(self.ws.recv(), timeout=deadline - time.time())
            forward = ForwardMsg()
            forward.ParseFromString(raw)
            kind = forward.WhichOneof("type")
            if kind == "navigation":
                self.pages = {page.url_pathname: page.page_script_hash for page in forward.navigation.app_pages}
                self.page_hash = self.page_hash or forward.navigation.page_script_hash
            elif kind == "delta" and forward.delta.WhichOneof("type") == "new_element":
                path = tuple(forward.metadata.delta_path)
                elements[path] = forward.delta.new_element
                if forward.delta.new_element.WhichOneof("type") == "exception":
                    self.exceptions.append(forward.delta.new_element.exception.message[:300])
            elif kind == "script_finished":
                # 0: finished, 1: error, 2: rerun requested (st.rerun: the server runs again), 3: fragment ran
                if forward.script_finished in (0, 1):
                    break
                if forward.script_finished == 2:
                    elements = {}
        self.elements = [elements[path] for path in sorted(elements)]

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
        for element in self.elements:
            if element.WhichOneof("type") == kind and getattr(element, kind).label == label:
                return getattr(element, kind)
        raise LookupError(f"{self.name}: no {kind} labelled {label!r}; the page shows:\n{self.text()[:800]}")

    async def go(self, pathname: str, timeout_s: float = 180) -> None:
        self.page_hash = self.pages[pathname]
        await self.rerun(timeout_s=timeout_s)

    async def set_number(self, label: str, value: int) -> None:
        widget = self._widget("number_input", label)
        self.widgets[widget.id] = WidgetState(id=widget.id, int_value=int(value))
        await self.rerun()

    async def press(self, label: str) -> None:
        await self.rerun(trigger=self._widget("button", label).id)

    def button_disabled(self, label: str) -> bool:
        return self._widget("button", label).disabled
