"""Projector-ready layouts (issue 10): every page at 1400x900 and 1920x1080, presenter mode off and on, with six
small models trained (the lesson's four architectures, and LSTM and GRU again with another seed), checked in the
browser: no element overflows its container (scroll width against client width, and against its column), no
plotly tick label overlaps another, no title, axis title, bar total or legend entry collides with another or is cut
by the chart's edge, every category of a category axis is labelled and every chart fills its width.

One server (the e2e session's) and one tab for all 36 views; the counts (views, elements checked, overflows found)
are written to layout_report.json beside the screenshots: of every view in RNNLAB_E2E_SCREENS if that is set, else
of the 1400x900 presenter views in tests/e2e/screenshots/.
"""

from __future__ import annotations

import json
import os
import re
import time
from pathlib import Path

import pytest

from rnnlab.ui.pages import HOME, PAGES as NAVIGATION
from tests.e2e.conftest import charts_drawn, sync_api
from tests.e2e.test_browser import LIVE_FRAME, assert_no_exception, main_button, set_number, wait_until_idle

HERE = Path(__file__).resolve().parent
SCREENS = Path(os.environ.get("RNNLAB_E2E_SCREENS") or HERE / "screenshots")
# Every view's screenshot when RNNLAB_E2E_SCREENS asks for them (each costs a few seconds), else the projector's.
ALL_SCREENSHOTS = bool(os.environ.get("RNNLAB_E2E_SCREENS"))
CHECKS_JS = (HERE / "layout_checks.js").read_text()
# Every page of the navigation (rnnlab.ui.pages.PAGES: the same list app.py and Home use), by its address.
PAGES = [entry.title for entry in NAVIGATION]
URLS = {entry.title: "" if entry is HOME else Path(entry.path).stem for entry in NAVIGATION}
VIEWPORTS = [(1400, 900), (1920, 1080)]
# In presenter mode no table may need a sideways scroll: the class would not see its right-hand columns. A table
# (st.dataframe, Glide's data grid) scrolls inside its own scroller, which the layout checks cannot see.
WIDE_TABLES_JS = """() => [...document.querySelectorAll('[data-testid="stMain"] [data-testid="stDataFrame"],'
  + ' [data-testid="stMain"] [data-testid="stTable"]')]
  .map((table, index) => { const s = table.querySelector('.dvn-scroller') || table;
    return {index, client: s ? s.clientWidth : 0, scroll: s ? s.scrollWidth : 0}; })
  .filter(t => t.scroll > t.client + 1)"""
# Tiny models: one epoch of 8 units on an 8-wide embedding trains in a few seconds per architecture.
TINY = {"Units": "8", "Embedding size": "8", "Epochs": "1", "Batch size": "64"}


def goto(page, name: str) -> None:
    page.locator('[data-testid="stSidebarNav"]').get_by_role("link", name=name, exact=True).click()
    page.wait_for_url(re.compile("/" + URLS[name] + r"(\?|$)"))
    page.locator('[data-testid="stMain"] h1').first.wait_for()
    wait_until_idle(page, 180)


def choose_architectures(page, archs: list[str]) -> None:
    """Pick exactly `archs` in the Train page's multiselect, one option at a time (each pick reruns the page)."""
    box = page.locator('[data-testid="stMultiSelect"]').filter(has_text="Architectures")
    chosen = lambda: [t.strip() for t in box.locator("[data-tag]").all_inner_texts()]  # noqa: E731
    box.wait_for()
    wait_until_idle(page)  # the chips are drawn: an empty read would try to add a chosen one, not offered
    for _ in range(3):
        for name in [c for c in chosen() if c not in archs]:
            box.get_by_role("button", name=f"Remove {name}").click()
            wait_until_idle(page)
        for arch in [a for a in archs if a not in chosen()]:
            field = box.locator("input")
            field.click()
            field.fill(arch)
            try:
                page.get_by_role("option", name=arch, exact=True).click(timeout=15_000)
            except sync_api().TimeoutError:  # not offered: already chosen after all; the next round reads the chips again
                pass
            page.keyboard.press("Escape")
            wait_until_idle(page)
        if sorted(chosen()) == sorted(archs):
            return
    raise AssertionError(f"could not choose {archs}: {chosen()}")


def train(page, archs: list[str], seed: int) -> None:
    goto(page, "Train")
    choose_architectures(page, archs)
    for label, value in {**TINY, "Seed": str(seed)}.items():
        set_number(page, label, value)
    main_button(page, "Train").click()
    sidebar = page.locator('[data-testid="stSidebar"]')
    deadline = time.time() + 300
    while time.time() < deadline:  # every run ended: no progress bar left in the sidebar's status
        time.sleep(1)
        if sidebar.locator('[role="progressbar"]').count() == 0 and page.get_by_text("Compare the runs").count():
            break
    wait_until_idle(page, 60)


def settle(page) -> None:
    """Wait for lazily loaded elements and every chart drawn (a chart that does not draw fails the test:
    conftest.charts_drawn), then for their final size."""
    charts_drawn(page, 30)
    time.sleep(1.0)


def screenshot(page, path: Path) -> None:
    """The whole page: Streamlit scrolls inside its main container, so the window grows to fit it first."""
    size = page.viewport_size
    tall = page.evaluate("() => document.querySelector('[data-testid=\"stMain\"]').scrollHeight")
    page.set_viewport_size({"width": size["width"], "height": max(size["height"], min(int(tall) + 50, 9000))})
    settle(page)
    page.screenshot(path=str(path), full_page=True)
    page.set_viewport_size(size)
    time.sleep(0.5)


def set_presenter(page, on: bool) -> None:
    label = page.locator('[data-testid="stSidebar"] label').filter(has_text="Presenter mode")
    if label.locator("input").is_checked() != on:
        label.click()
        wait_until_idle(page)
    assert label.locator("input").is_checked() == on


@pytest.fixture(scope="module")
def trained_tab(chromium, server):
    context = chromium.new_context(viewport={"width": 1400, "height": 900})
    tab = context.new_page()
    tab.set_default_timeout(60_000)
    tab.goto(server.url)
    tab.locator('[data-testid="stSidebarNav"]').wait_for()
    train(tab, ["SimpleRNN", "LSTM", "GRU", "BiLSTM"], seed=0)
    train(tab, ["LSTM", "GRU"], seed=1)
    yield tab
    context.close()


def test_every_page_fits_at_both_sizes_with_presenter_mode_off_and_on(trained_tab):
    page = trained_tab
    SCREENS.mkdir(parents=True, exist_ok=True)
    report = {"views": 0, "elements_checked": 0, "overflows_found": 0, "problems": {}}
    for width, height in VIEWPORTS:
        page.set_viewport_size({"width": width, "height": height})
        for presenter in (False, True):
            set_presenter(page, presenter)
            for name in PAGES:
                goto(page, name)
                settle(page)
                assert_no_exception(page)
                result = page.evaluate(CHECKS_JS)
                if presenter:
                    result["problems"] += [dict(problem="a table scrolls sideways", **table)
                                           for table in page.evaluate(WIDE_TABLES_JS)]
                view = f"{width}x{height}-{'presenter' if presenter else 'normal'}-{name.lower().replace(' ', '-')}"
                if ALL_SCREENSHOTS or (width, presenter) == (1400, True):
                    screenshot(page, SCREENS / f"{view}.png")
                report["views"] += 1
                report["elements_checked"] += result["checked"]
                report["overflows_found"] += len(result["problems"])
                if result["problems"]:
                    report["problems"][view] = result["problems"]
                (SCREENS / "layout_report.json").write_text(json.dumps(report, indent=2))
    print(json.dumps({k: v for k, v in report.items() if k != "problems"}))
    assert report["views"] == len(VIEWPORTS) * 2 * len(PAGES)
    assert report["elements_checked"] > 1000
    assert report["overflows_found"] == 0, json.dumps(report["problems"], indent=2)


def legend_entries(page, title: str) -> list[str]:
    # The whole title: "Gradient reaching each word" must not also match "... after epoch 3" (another chart).
    # The Train page's training curves are drawn inside the live chart's iframe (rnnlab.ui.live_chart).
    where = page.frame_locator(LIVE_FRAME) if title == "Training curves" else page
    exact = where.locator(".gtitle", has_text=re.compile(rf"^{re.escape(title)}$"))
    chart = (where.locator(".js-plotly-plot") if title == "Training curves"
             else where.locator('[data-testid="stPlotlyChart"]')).filter(has=exact)
    chart.locator(".legendtext").first.wait_for()
    return [t.strip() for t in chart.locator(".legendtext").all_text_contents()]


def test_many_runs_draw_the_latest_four_with_one_untrained_reference_per_architecture(trained_tab):
    page = trained_tab
    page.set_viewport_size({"width": 1400, "height": 900})
    set_presenter(page, True)
    goto(page, "Train")
    chosen = page.locator('[data-testid="stMultiSelect"]').filter(has_text="Runs drawn")
    chips = chosen.locator("[data-tag]").all_inner_texts()
    assert len(chips) == 4, chips  # of six runs
    assert len(legend_entries(page, "Training curves")) == 4  # one entry per run, below the plot
    goto(page, "Gradients")
    page.get_by_text("How much of h_t survives to h_T").wait_for(timeout=180_000)
    settle(page)
    entries = legend_entries(page, "Gradient reaching each word")
    untrained = [e for e in entries if "untrained" in e]
    assert len(entries) - len(untrained) == 4
    assert 1 <= len(untrained) <= 4 and len(set(untrained)) == len(untrained), entries  # once per architecture
    # A bidirectional model's two readers, in presenter mode: the layout checks again.
    goto(page, "Inside the cell")
    page.get_by_label("Model").click()
    page.get_by_role("option", name=re.compile(r"^BiLSTM")).first.click()  # whatever its run's name says after
    wait_until_idle(page, 120)
    page.locator(".gtitle", has_text="hidden state h_t, backward reader").wait_for(timeout=60_000)
    settle(page)
    result = page.evaluate(CHECKS_JS)
    assert result["checked"] > 50 and result["problems"] == [], result["problems"]
    screenshot(page, SCREENS / "1400x900-presenter-inside-the-cell-bilstm.png")
    set_presenter(page, False)


def test_predict_follows_a_typed_sentence_and_explains_unknown_words(trained_tab):
    page = trained_tab
    goto(page, "Predict")
    box = page.get_by_label("Sentences, one a line")
    box.fill("I hate this meal!\nMochen Yang\nI love this restaurant")
    box.press("Control+Enter")
    # The rerun for the new text may begin after a first look: wait for what it draws, then read the selector.
    page.get_by_text("read only [UNK] tokens (2 of them)").wait_for()
    wait_until_idle(page)
    selector = page.locator('[data-testid="stSelectbox"]').filter(has_text="Sentence (")
    shown = selector.locator("input").input_value() if selector.locator("input").count() else ""
    assert "Mochen Yang" in shown + selector.inner_text()  # the new line, not the last one nor the old choice
    cells = page.locator('[data-testid="stTable"] tbody tr').first.locator("td").all_inner_texts()
    # The latest four models, then the bag-of-words reference (rnnlab.baseline) in the last column.
    assert len(cells) == 5 and all(0 <= float(c) <= 1 for c in cells), cells
    assert_no_exception(page)
    screenshot(page, SCREENS / "predict-unknown-words.png")


AXIS_FONTS_JS = """() => {
  const size = selector => [...document.querySelectorAll(selector)]
    .map(text => parseFloat(getComputedStyle(text).fontSize)).filter(px => px > 0);
  const charts = '[data-testid="stPlotlyChart"] ';
  return {charts: document.querySelectorAll('[data-testid="stPlotlyChart"]').length,
          ticks: size(`${charts}.xtick text, ${charts}.ytick text`),
          titles: size(`${charts}.g-xtitle text, ${charts}.g-ytitle text`)};
}"""


def test_axis_labels_are_drawn_at_the_charts_sizes_and_grow_in_presenter_mode(trained_tab):
    """st.plotly_chart's theme gives axes ~12 px labels unless the figure sizes them itself (charts.style's
    axis_fonts): measured as drawn, on the pages whose charts Streamlit draws."""
    from rnnlab.charts.style import FONT_SIZE
    from rnnlab.ui.presenter import FONT_SCALE

    page = trained_tab
    page.set_viewport_size({"width": 1400, "height": 900})
    drawn = {}
    for presenter in (False, True):
        set_presenter(page, presenter)
        for name in ("Data", "Predict", "Gradients"):
            goto(page, name)
            settle(page)
            fonts = page.evaluate(AXIS_FONTS_JS)
            assert fonts["charts"] >= 2 and len(fonts["ticks"]) > 10 and fonts["titles"], (name, fonts)
            drawn[name, presenter] = (min(fonts["ticks"]), min(fonts["titles"]))
    set_presenter(page, False)
    for name in ("Data", "Predict", "Gradients"):
        (tick, title), (big_tick, big_title) = drawn[name, False], drawn[name, True]
        assert (tick, title) == (FONT_SIZE - 2, FONT_SIZE), (name, drawn)
        assert (big_tick, big_title) == (round(tick * FONT_SCALE), round(title * FONT_SCALE)), (name, drawn)
