"""Fixtures for the page tests: the whole app under streamlit.testing.v1.AppTest, opened on one page, and two
tiny models trained once per test session (through rnnlab.jobs, as the Train page does) for the pages that
need trained models.
"""

from __future__ import annotations

import base64
import json
from pathlib import Path

import numpy as np

import pytest

from rnnlab import jobs
from rnnlab.ui.state import StateKeys

ROOT = Path(__file__).resolve().parents[2]
# Small enough to train in seconds: 600 sentences (so some validation sentences have 20 words), 8 units.
TINY = dict(subset=600, units=8, embed_dim=8, epochs=2)
TRAINED_OWNER = "pages-tests-trained"
# The names the trained session's two runs have on every page (rnnlab.runs.run_name: the architecture and what
# differs from the lesson's defaults).
SIMPLE_RNN_NAME, GRU_NAME = (f"{arch}, 2 epochs, embedding 8, 8 units, 600 sentences" for arch in ("SimpleRNN", "GRU"))


def open_page(page: str, state: dict | None = None, timeout: float = 120):
    """An AppTest of app.py showing pages/<page>.py, with `state` preset in st.session_state."""
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=timeout)
    for key, value in (state or {}).items():
        at.session_state[key] = value
    at.run()
    if page != "home":
        at.switch_page(f"pages/{page}.py").run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def button(at, label: str):
    """The one button labelled exactly `label`."""
    matches = [b for b in at.button if b.label == label]
    assert len(matches) == 1, [b.label for b in at.button]
    return matches[0]


def _decode(value):
    """Plotly's JSON keeps NumPy arrays as {'dtype': ..., 'bdata': base64}; turn them back into lists."""
    if isinstance(value, dict) and "bdata" in value and "dtype" in value:
        array = np.frombuffer(base64.b64decode(value["bdata"]), dtype=np.dtype(value["dtype"]))
        if "shape" not in value:
            return array.tolist()
        shape = value["shape"]  # "rows, columns" in Plotly's JSON
        shape = [int(n) for n in shape.split(",")] if isinstance(shape, str) else list(shape)
        return array.reshape(shape).tolist()
    if isinstance(value, dict):
        return {key: _decode(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_decode(item) for item in value]
    return value


def figures(at) -> list[dict]:
    """The page's Plotly charts as dicts (data, layout) with plain lists for every array: its st.plotly_chart
    elements, then its live charts (rnnlab.ui.live_chart; AppTest knows them only as unknown elements whose
    proto is a component_instance carrying the figure's JSON in its arguments)."""
    charts = [json.loads(chart.proto.spec) for chart in at.get("plotly_chart")]
    charts += [json.loads(json.loads(proto.json_args)["spec"]) for proto in live_charts(at)]
    return [_decode(chart) for chart in charts]


def live_charts(at) -> list:
    """The component_instance protos of the page's live charts (rnnlab.ui.live_chart), in page order."""
    from rnnlab.ui import live_chart

    found = []
    for element in at.get("component_instance"):
        proto = element.proto
        if proto.component_name.endswith("." + live_chart.NAME) or proto.component_name == live_chart.NAME:
            found.append(proto)
    return found


def own_jobs(at) -> list:
    """The runs a page session started (of those it lists in its state, as rnnlab.ui.session reads them)."""
    owner = at.session_state[StateKeys.SESSION_ID]
    found = (jobs.get(i) for i in (at.session_state[StateKeys.JOB_IDS] if StateKeys.JOB_IDS in at.session_state
                                   else []))
    return [job for job in found if job is not None and job.owner == owner]


def texts(elements) -> list[str]:
    return [str(getattr(e, "value", getattr(e, "body", ""))) for e in elements]


@pytest.fixture(scope="session")
def trained_session() -> dict:
    """Session state of a browser session that trained a SimpleRNN and a GRU (2 epochs, 8 units)."""
    started = [jobs.manager().claim(dict(arch=arch, **TINY), TRAINED_OWNER)[0] for arch in ("SimpleRNN", "GRU")]
    for job in started:
        assert job.wait(300), f"{job.config['arch']} did not finish"
        assert job.status == "finished", job.error
    return {StateKeys.SESSION_ID: TRAINED_OWNER, StateKeys.JOB_IDS: [job.id for job in started]}
