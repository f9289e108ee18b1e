"""rnnlab.ui.live_chart: the component's folder, the figure it is sent, and an element id that stays the same
across redraws (the reason it exists: st.plotly_chart's id changes with every new figure)."""

import json

import plotly.graph_objects as go
import plotly.io
from streamlit.testing.v1 import AppTest

from rnnlab.ui import figures, live_chart

APP = """
import plotly.graph_objects as go
import streamlit as st
from rnnlab.ui import figures, live_chart

n = st.session_state.get("n", 3)
fig = figures.frozen(go.Figure(go.Scatter(x=list(range(n)), y=[v * v for v in range(n)], name="loss")))
live_chart.plotly_chart(figures.as_json(fig), key="training_curves")
st.plotly_chart(fig, key="plain")
"""


def test_the_folder_holds_our_page_and_the_installed_plotly_js():
    folder = live_chart.folder()
    assert (folder / "index.html").read_bytes() == live_chart.PAGE.read_bytes()
    assert (folder / "plotly.min.js").read_bytes() == live_chart.plotly_js().read_bytes()
    page = (folder / "index.html").read_text()
    assert "streamlit:componentReady" in page and "Plotly.react" in page and "streamlit:setFrameHeight" in page


def test_the_json_sent_is_plotlys_json_of_the_figure():
    fig = figures.frozen(go.Figure(go.Scatter(x=[1, 2, 3], y=[0.5, 0.25, 0.125], name="loss")))
    spec = figures.as_json(fig)
    assert spec == plotly.io.to_json(fig, validate=False)
    assert figures.as_json(fig) is spec  # made once per figure
    assert json.loads(spec)["data"][0]["name"] == "loss"


def _ids(at):
    (component,) = at.get("component_instance")
    (plain,) = at.get("plotly_chart")
    return component.proto.id, json.loads(json.loads(component.proto.json_args)["spec"]), plain.proto.id


def test_the_element_id_stays_the_same_when_the_figure_changes():
    at = AppTest.from_string(APP).run()
    assert not at.exception
    first_id, first, plain_first = _ids(at)
    at.session_state["n"] = 5
    at.run()
    second_id, second, plain_second = _ids(at)
    assert len(first["data"][0]["x"]) == 3 and len(second["data"][0]["x"]) == 5  # the new data is sent...
    assert second_id == first_id  # ...to the same element,
    assert plain_second != plain_first  # where st.plotly_chart makes a new one (and the browser remounts it)


def test_tabs_opening_train_at_once_declare_the_component_once(monkeypatch):
    """Twenty sessions drawing their first live chart together: one declaration (each costs a scan of every
    loaded module's path), and every session gets that same component."""
    import threading
    import time

    import streamlit.components.v1 as components

    calls = []

    def slow_declare(name, path=None, url=None):
        calls.append((name, path))
        time.sleep(0.05)  # long enough for the others to arrive while it runs
        return object()

    monkeypatch.setattr(components, "declare_component", slow_declare)
    monkeypatch.setattr(live_chart, "_declared", None)
    got, start = [], threading.Barrier(20)

    def first_chart():
        start.wait()
        got.append(live_chart._component())

    threads = [threading.Thread(target=first_chart) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert calls == [(live_chart.NAME, str(live_chart.folder()))]
    assert len(got) == 20 and all(component is got[0] for component in got)


def test_the_app_declares_the_component_on_a_servers_first_page_before_tensorflow(monkeypatch):
    """app.py declares the live chart's component after the first page it draws (Home here, which loads no
    TensorFlow), so the first Train tab of a lecture does not declare it with 4,700 modules to scan."""
    import sys

    from tests.pages.conftest import open_page

    monkeypatch.setattr(live_chart, "_declared", None)
    tensorflow_before = "tensorflow" in sys.modules
    at = open_page("home")
    assert not at.exception
    assert live_chart._declared is not None
    assert tensorflow_before or "tensorflow" not in sys.modules
