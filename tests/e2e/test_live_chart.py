"""The Train page's live curves in a real browser (rnnlab.ui.live_chart): the chart inside the component's iframe
shows the run's traces, and the same iframe and the same Plotly div are updated in place while the run trains
(st.plotly_chart remounted its chart at every redraw)."""

from __future__ import annotations

import re

import pytest

from tests.e2e.test_browser import (BATCHES_PER_EPOCH, LIVE_FRAME, assert_no_exception, press_train_held,
                                    screenshot, wait_until_idle)
from rnnlab.steps import FIRST_CALL_BATCHES
from tests.hold import holding

# A small run (4 epochs of 75 batches), held after its first call (tests/hold.py) so one update of the chart is
# certainly drawn while it trains, and the end's after that: two data updates whatever the machine's speed.
RUN = {"Units": "8", "Embedding size": "8", "Epochs": "4"}
NAME = "SimpleRNN, 4 epochs, embedding 8, 8 units"

FRAME = f"document.querySelector('{LIVE_FRAME}')"
# Marks the iframe and its Plotly div once they exist; then notes, every 50 ms, the last x of the loss panel's
# training trace and whether both marks are still there (a remount would make new nodes without them).
WATCH_JS = """() => {
  window.__live = {marked: false, seen: [], lost: false};
  window.__liveWatch = setInterval(() => {
    const frame = """ + FRAME + """;
    const plot = frame && frame.contentDocument && frame.contentDocument.querySelector('.js-plotly-plot');
    if (!plot || !plot._fullData) { if (window.__live.marked) window.__live.lost = true; return; }
    if (!window.__live.marked) { frame.__rnnlabMark = 1; plot.__rnnlabMark = 1; window.__live.marked = true; }
    if (frame.__rnnlabMark !== 1 || plot.__rnnlabMark !== 1) window.__live.lost = true;
    const trace = plot._fullData.find(t => (t.name || '').endsWith(' training') && (t.xaxis || 'x') === 'x');
    if (!trace || !trace.x || !trace.x.length) return;
    const last = Number(trace.x[trace.x.length - 1]);
    const seen = window.__live.seen;
    if (!seen.length || seen[seen.length - 1] !== last) seen.push(last);
  }, 50);
}"""
NAMES_JS = """() => { const frame = """ + FRAME + """;
  const plot = frame.contentDocument.querySelector('.js-plotly-plot');
  return {names: plot._fullData.map(t => t.name), marked: frame.__rnnlabMark === 1 && plot.__rnnlabMark === 1,
          svg: !!plot.querySelector('.main-svg'), height: frame.getBoundingClientRect().height}; }"""


def test_the_live_chart_is_updated_in_place_while_a_run_trains(tab):
    page = tab
    with holding():
        press_train_held(page, RUN, NAME, WATCH_JS)
        page.wait_for_function("() => window.__live.seen.length >= 1", timeout=30_000)  # drawn while held
        assert page.get_by_text("Compare the runs").count() == 0  # not ended
    page.get_by_text("Compare the runs").wait_for(timeout=180_000)
    wait_until_idle(page)
    page.wait_for_timeout(1500)  # the last redraw after the run ended
    live = page.evaluate("() => { clearInterval(window.__liveWatch); return window.__live; }")
    shown = page.evaluate(NAMES_JS)
    # (a) the run's traces, drawn in the iframe's chart
    assert {f"{NAME} training (each batch)", f"{NAME} training", NAME} <= set(shown["names"]), shown["names"]
    assert shown["svg"] and shown["height"] > 200, shown
    # (b) the same iframe and Plotly div through at least two data updates
    assert live["marked"] and not live["lost"], live
    print("curve x seen:", live["seen"])
    # the held run's first call (x = its batches / 75 per epoch), then on to its last batch (x = 4 epochs)
    assert live["seen"][0] == pytest.approx(FIRST_CALL_BATCHES / BATCHES_PER_EPOCH) and live["seen"][-1] == pytest.approx(4), live
    assert len(live["seen"]) >= 2
    assert live["seen"] == sorted(live["seen"]), live["seen"]
    assert shown["marked"], shown
    screenshot(page, "live-chart-after-run")
    # (c) no exception, and the page says the run ended
    assert_no_exception(page)
    assert page.get_by_text(re.compile(re.escape(NAME))).count() > 0
    # (d) in Streamlit's dark theme (the browser comes to prefer dark; Streamlit follows it by default) the chart
    # takes the page's dark background and light text, as the page's other charts do: the figures are drawn for white
    page.emulate_media(color_scheme="dark")  # Streamlit follows the change; the frame gets the new theme
    page.wait_for_function("() => { const frame = " + FRAME + "; const plot = frame.contentDocument"
                           ".querySelector('.js-plotly-plot'); return plot._fullLayout.paper_bgcolor !== 'white'; }",
                           timeout=60_000)
    dark = page.evaluate("() => { const frame = " + FRAME + "; const doc = frame.contentDocument;"
                         " const plot = doc.querySelector('.js-plotly-plot');"
                         " return {body: getComputedStyle(doc.body).backgroundColor,"
                         " paper: plot._fullLayout.paper_bgcolor, font: plot._fullLayout.font.color,"
                         " names: plot._fullData.map(t => t.name)}; }")

    def brightness(color: str) -> int:
        if color.startswith("#"):
            return sum(int(color[i:i + 2], 16) for i in (1, 3, 5))
        return sum(int(part) for part in re.findall(r"\d+", color)[:3])

    assert brightness(dark["body"]) < 150 and brightness(dark["paper"]) < 150, dark
    assert brightness(dark["font"]) > 600, dark
    assert NAME in dark["names"], dark["names"]
    screenshot(page, "live-chart-dark")
    assert_no_exception(page)
    # (e) and back: the light theme draws the figure as it is, on white again
    page.emulate_media(color_scheme="light")
    page.wait_for_function("() => { const frame = " + FRAME + "; const plot = frame.contentDocument"
                           ".querySelector('.js-plotly-plot'); return plot._fullLayout.paper_bgcolor === 'white'; }",
                           timeout=60_000)
    body = page.evaluate("() => getComputedStyle(" + FRAME + ".contentDocument.body).backgroundColor")
    assert body == "rgb(255, 255, 255)", body
