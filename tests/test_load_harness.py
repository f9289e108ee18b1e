"""The lecture harness (scripts/load_test.py) times a Chromium tab's Predict as the server answered it, from the
tab's websocket frames as Chromium's network service saw them: checked here on synthetic DevTools events."""

from __future__ import annotations

import base64
import sys
from pathlib import Path

from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

from tests.test_light_client import finished  # a ForwardMsg script_finished of a status

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "scripts"))
from light_client import FINISHED, FRAGMENT_FINISHED  # noqa: E402
from load_test import ServerAnswers  # noqa: E402


class FakeCdp:
    def __init__(self):
        self.handlers = {}

    def on(self, event, handler):
        self.handlers[event] = handler

    def frame(self, event: str, at: float, message, opcode: int = 2) -> None:
        payload = base64.b64encode(message.SerializeToString()).decode() if opcode == 2 else "text"
        response = {"opcode": opcode, "payloadData": payload}
        self.handlers[event]({"requestId": "1", "timestamp": at, "response": response})


def rerun(fragment_id: str = "") -> BackMsg:
    message = BackMsg()
    message.rerun_script.page_script_hash = "predict"
    message.rerun_script.fragment_id = fragment_id
    return message


def test_the_answer_runs_from_the_full_rerun_sent_to_the_full_run_finished():
    cdp = FakeCdp()
    answers = ServerAnswers(cdp)
    sent, received = "Network.webSocketFrameSent", "Network.webSocketFrameReceived"
    cdp.frame(sent, 100.0, rerun())  # an earlier page (Home)
    cdp.frame(received, 100.4, finished(FINISHED))
    asked_before = len(answers.sent)
    cdp.frame(sent, 101.0, rerun(fragment_id="sidebar"))  # a fragment's own timer: not the page's rerun
    cdp.frame(sent, 102.0, rerun())  # the click on Predict
    cdp.frame(received, 102.5, finished(FRAGMENT_FINISHED))  # the sidebar fragment's run ends first
    cdp.frame(received, 102.6, ForwardMsg())  # a delta: not an end
    cdp.frame(sent, 102.7, rerun(), opcode=1)  # a text frame is not a BackMsg
    cdp.frame(received, 103.75, finished(FINISHED))
    assert answers.last_answer_s(0) == 0.4
    assert answers.last_answer_s(asked_before) == 1.75
    assert answers.last_answer_s(asked_before + 1) is None  # no second full rerun was sent


def test_a_run_that_has_not_ended_has_no_answer():
    cdp = FakeCdp()
    answers = ServerAnswers(cdp)
    cdp.frame("Network.webSocketFrameSent", 5.0, rerun())
    assert answers.last_answer_s(0) is None
