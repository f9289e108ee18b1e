"""The load tests' light client (scripts/light_client.py) behaves like Streamlit's frontend for run_every
fragments: it reruns only the fragment on the server's timer, merges a fragment run's elements into the page,
and drops its timers on a full run; checked on synthetic ForwardMsgs and against a real `streamlit run`."""

from __future__ import annotations

import asyncio
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "scripts"))
from light_client import LightSession  # noqa: E402


def new_session(*fragment_ids: str) -> ForwardMsg:
    msg = ForwardMsg()
    msg.new_session.page_script_hash = "page"
    msg.metadata.run.script_run_id = "run"
    msg.metadata.run.fragment_ids.extend(fragment_ids)
    return msg


def markdown(path: list[int], body: str, fragment_id: str = "") -> ForwardMsg:
    msg = ForwardMsg()
    msg.metadata.delta_path.extend(path)
    msg.delta.new_element.markdown.body = body
    msg.delta.fragment_id = fragment_id
    return msg


def finished(status: int) -> ForwardMsg:
    msg = ForwardMsg()
    msg.script_finished = status
    return msg


def auto_rerun(fragment_id: str, interval: float) -> ForwardMsg:
    msg = ForwardMsg()
    msg.auto_rerun.fragment_id = fragment_id
    msg.auto_rerun.interval = interval
    return msg


class FakeSocket:
    def __init__(self):
        self.sent: list[BackMsg] = []

    async def send(self, raw: bytes) -> None:
        message = BackMsg()
        message.ParseFromString(raw)
        self.sent.append(message)


def _run(coroutine):
    """asyncio.run(coroutine) in a thread of its own: in the full suite, Playwright's sync API (the browser tests)
    leaves an event loop running in the main thread, where asyncio.run refuses to start another."""
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


def test_a_fragment_run_replaces_only_its_own_elements_and_a_full_run_clears_what_it_did_not_draw():
    session = LightSession("http://127.0.0.1:1", "unit")
    for msg in (new_session(), markdown([0, 0], "title"), markdown([0, 1, 0], "epoch 1", "f"),
                markdown([0, 1, 1], "a progress bar", "f"), markdown([0, 2], "the table"), finished(0)):
        session.handle(msg)
    assert session.text().splitlines() == ["title", "epoch 1", "a progress bar", "the table"]
    # The fragment reruns and draws only its first element: its second goes, the page around it stays.
    for msg in (new_session("f"), markdown([0, 1, 0], "epoch 2", "f"), finished(3)):
        session.handle(msg)
    assert session.text().splitlines() == ["title", "epoch 2", "the table"]
    # A run finished early for a rerun removes nothing; the full run after it removes what it did not draw.
    for msg in (new_session(), markdown([0, 0], "title again"), finished(2)):
        session.handle(msg)
    assert session.text().splitlines() == ["title again", "epoch 2", "the table"]
    for msg in (new_session(), markdown([0, 0], "title"), markdown([0, 1], "Models: one"), finished(0)):
        session.handle(msg)
    assert session.text().splitlines() == ["title", "Models: one"]
    assert session.counts["full_runs"] == 3 and session.counts["fragment_runs"] == 1


def test_a_full_run_ended_early_counts_as_settled_once_the_server_goes_on_with_fragment_runs_only():
    session = LightSession("http://127.0.0.1:1", "unit")
    for msg in (new_session(), markdown([0, 0], "title"), finished(2), new_session()):
        session.handle(msg)  # ended early for another full run: not settled
    assert session._full_runs_finished == []
    for msg in (markdown([0, 0], "title"), finished(2), new_session("curves"), finished(3)):
        session.handle(msg)  # ended early, then only fragment runs: the full run is what the page shows
    assert session._full_runs_finished == [2] and session.text() == "title"


def number_input(path: list[int], label: str, widget_id: str, fragment_id: str = "") -> ForwardMsg:
    msg = ForwardMsg()
    msg.metadata.delta_path.extend(path)
    msg.delta.new_element.number_input.label = label
    msg.delta.new_element.number_input.id = widget_id
    msg.delta.fragment_id = fragment_id
    return msg


def test_a_widget_a_fragment_drew_reruns_that_fragment_and_waits_for_it_not_for_another_fragment():
    """As the frontend does: a number input inside a fragment asks for that fragment's rerun (its id in the
    BackMsg), and the change is settled when that fragment's run (or a full run) ends, not another fragment's."""
    async def scenario():
        session = LightSession("http://127.0.0.1:1", "unit")
        session.ws, session.page_hash = FakeSocket(), "train-page"
        for msg in (new_session(), number_input([0, 0, 0], "Units", "units", "settings"),
                    number_input([0, 1], "Top", "top"), finished(0)):
            session.handle(msg)
        change = asyncio.create_task(session.set_number("Units", 64))
        await asyncio.sleep(0.01)
        for msg in (new_session("curves"), finished(3)):  # the live curves' timer: not this change's run
            session.handle(msg)
        await asyncio.sleep(0.01)
        assert not change.done()
        for msg in (new_session("settings"), number_input([0, 0, 0], "Units", "units", "settings"), finished(3)):
            session.handle(msg)
        await asyncio.wait_for(change, 1)
        page_wide = asyncio.create_task(session.set_number("Top", 3))  # drawn by the page: a full run
        await asyncio.sleep(0.01)
        for msg in (new_session(), number_input([0, 0, 0], "Units", "units", "settings"),
                    number_input([0, 1], "Top", "top"), finished(0)):
            session.handle(msg)
        await asyncio.wait_for(page_wide, 1)
        return session.ws.sent

    sent = [message.rerun_script for message in _run(scenario())]
    assert [state.fragment_id for state in sent] == ["settings", ""]
    assert not any(state.is_auto_rerun for state in sent)
    assert [(w.id, w.int_value) for w in sent[0].widget_states.widgets] == [("units", 64)]


def test_auto_rerun_ticks_send_the_fragment_rerun_with_the_widget_states_until_a_full_run_starts():
    async def scenario():
        session = LightSession("http://127.0.0.1:1", "unit")
        session.ws, session.page_hash = FakeSocket(), "train-page"
        from streamlit.proto.WidgetStates_pb2 import WidgetState

        session.widgets["units"] = WidgetState(id="units", int_value=8)
        session.handle(new_session())
        session.handle(auto_rerun("curves", 0.02))
        session.handle(auto_rerun("status", 0.02))
        session.handle(auto_rerun("curves", 0.02))  # the same interval again keeps the running timer
        timer = session._timers["curves"][1]
        while len(session.ws.sent) < 4:
            await asyncio.sleep(0.01)
        assert session._timers["curves"][1] is timer
        assert session.auto_rerun_fragments() == {"curves": pytest.approx(0.02), "status": pytest.approx(0.02)}
        session.handle(finished(0))
        session.handle(new_session("curves"))  # a fragment run keeps the timers
        assert set(session.auto_rerun_fragments()) == {"curves", "status"}
        stop = ForwardMsg()
        stop.stop_auto_rerun.fragment_ids.append("status")
        session.handle(stop)
        assert set(session.auto_rerun_fragments()) == {"curves"}
        session.handle(new_session())  # a full run: every timer goes
        assert session.auto_rerun_fragments() == {}
        await asyncio.sleep(0)
        assert timer.cancelled() or timer.done()
        return session.ws.sent

    sent = _run(scenario())
    states = [message.rerun_script for message in sent]
    assert {state.fragment_id for state in states} == {"curves", "status"}
    assert all(state.is_auto_rerun and state.page_script_hash == "train-page" for state in states)
    assert all([(w.id, w.int_value) for w in state.widget_states.widgets] == [("units", 8)] for state in states)


# A page whose fragment redraws itself on a timer three times, then reruns the whole page once (as Train's live
# curves do when a run ends) and stops its timer.
APP = """
import streamlit as st

st.session_state.setdefault("full", 0)
st.session_state.setdefault("ticks", 0)
st.session_state["full"] += 1
st.markdown(f"full runs: {st.session_state['full']}")
active = st.session_state["ticks"] < 3


@st.fragment(run_every=0.3 if active else None)
def live():
    if st.session_state["ticks"] < 3:
        st.session_state["ticks"] += 1
    st.markdown(f"ticks: {st.session_state['ticks']}")
    if active and st.session_state["ticks"] == 3:
        st.rerun()


live()
st.markdown("below the fragment")
"""


@pytest.fixture
def tiny_server(tmp_path):
    (tmp_path / "app.py").write_text(APP)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    log = open(tmp_path / "server.log", "w")
    process = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", "app.py", "--server.headless", "true", "--server.port",
         str(port), "--server.address", "127.0.0.1", "--browser.gatherUsageStats", "false",
         "--server.fileWatcherType", "none"],
        cwd=tmp_path, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.time() + 60
    while True:
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=1):
                break
        except OSError:
            if process.poll() is not None or time.time() > deadline:
                process.kill()
                pytest.fail((tmp_path / "server.log").read_text())
            time.sleep(0.2)
    yield url
    process.terminate()
    process.wait(15)
    log.close()


def test_against_streamlit_the_fragment_reruns_alone_then_the_page_reruns_once_and_the_timer_stops(tiny_server):
    async def scenario():
        session = await LightSession(tiny_server, "tiny").connect()
        try:
            assert session.text().splitlines() == ["full runs: 1", "ticks: 1", "below the fragment"]
            assert len(session.auto_rerun_fragments()) == 1
            await session.wait_for(lambda: "ticks: 2" in session.text(), 60, "the fragment's second run")
            during = session.text().splitlines()
            await session.wait_for(lambda: "full runs: 2" in session.text() and session._full_runs_finished[-1]
                                   == session._run, 60, "the page's own full rerun")
            return session, during, session.text().splitlines()
        finally:
            await session.close()

    session, during, after = _run(scenario())
    assert during == ["full runs: 1", "ticks: 2", "below the fragment"]  # only the fragment's element changed
    assert after == ["full runs: 2", "ticks: 3", "below the fragment"]
    assert session.auto_rerun_fragments() == {}
    assert session.counts["full_runs"] == 2 and session.counts["fragment_runs"] >= 2
    assert session.exceptions == []
