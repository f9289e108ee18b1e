"""Inside the cell and Long-range dependencies in a real browser: the long-range page trains three small models
and draws their accuracy and gradients; after a quick training, the inside-the-cell page shows a BiLSTM's two
readers side by side. Screenshots land in tests/e2e/screenshots/ beside the other pages'.
"""

from __future__ import annotations

import re
import time

from tests.e2e.test_browser import assert_no_exception, screenshot, wait_until_idle

TITLES = {
    "Inside the cell": "Inside the cell: gates and states, word by word",
    "Long-range dependencies": "Long-range dependencies: when the answer is far back",
}


def open_page(page, name: str) -> None:
    page.locator('[data-testid="stSidebarNav"]').get_by_role("link", name=name, exact=True).click()
    page.get_by_role("heading", name=TITLES[name]).wait_for()
    wait_until_idle(page)


def test_long_range_trains_three_models_and_shows_accuracy_and_gradients(page):
    open_page(page, "Long-range dependencies")
    assert_no_exception(page)
    assert page.get_by_text("Think about it").count() == 1
    screenshot(page, "7-long-range-before-training")
    # The lag slider by keyboard (Home: the smallest lag, 3; each arrow one step), checked key by key.
    slider = page.get_by_role("slider", name="Lag k (words after the decisive word)")
    slider.focus()
    slider.press("Home")
    for _ in range(40):
        value = int(slider.get_attribute("value"))
        if value == 15:
            break
        slider.press("ArrowRight" if value < 15 else "ArrowLeft")
        time.sleep(0.05)
    wait_until_idle(page)
    assert slider.get_attribute("value") == "15"
    page.get_by_role("button", name="Train", exact=True).click()
    page.get_by_text("Trained 3 model(s) at lag 15").wait_for(timeout=240_000)
    page.get_by_role("heading", name="How much gradient reaches each word (lag 15)").wait_for(timeout=60_000)
    wait_until_idle(page, 120)
    assert_no_exception(page)
    # "Your runs" (the spread of the measured table sits in an expander, not counted)
    your_runs = '[data-testid="stDataFrame"]:not([data-testid="stExpander"] *)'
    table = page.locator(your_runs)
    assert table.count() == 1
    assert page.locator('[data-testid="stPlotlyChart"]').count() == 3  # measured, your runs, gradients
    screenshot(page, "7-long-range-after-training")
    # Clicks during training: the controls are disabled while it trains, and Stop keeps what was trained.
    slider.focus()
    slider.press("End")  # lag 120: the SimpleRNN trains for half a minute
    wait_until_idle(page)
    page.get_by_role("button", name="Train", exact=True).click()
    page.get_by_text(re.compile(r"SimpleRNN \(1 of 3\): epoch 1, batch \d+ of 125")).wait_for(timeout=60_000)
    assert slider.is_disabled() and page.get_by_role("spinbutton", name="Seed").is_disabled()
    assert page.get_by_role("button", name="Train", exact=True).is_disabled()
    screenshot(page, "7-long-range-training")
    page.get_by_test_id("stMainBlockContainer").get_by_role("button", name="Stop", exact=True).click()
    page.get_by_text("Stopped: SimpleRNN, LSTM, GRU not trained.").wait_for(timeout=30_000)
    wait_until_idle(page)
    assert_no_exception(page)
    assert slider.is_enabled() and slider.get_attribute("value") == "120"
    assert page.get_by_role("button", name="Train", exact=True).is_enabled()
    assert page.locator(your_runs).count() == 1  # the lag-15 results are still there


def test_inside_the_cell_after_a_quick_training_shows_both_readers_of_the_bilstm(page):
    open_page(page, "Inside the cell")
    assert page.get_by_text("No model trained in this session yet").count() == 1
    screenshot(page, "8-inside-the-cell-before-training")
    page.get_by_role("button", name="Quick train").click()
    # The four quick models train one after the other; the page redraws as soon as the first is ready.
    page.get_by_label("Model").wait_for(timeout=400_000)
    # Wait for the sidebar's status to name all four trained models. (Counting progress bars is not enough: a
    # bar vanishes for a moment whenever its fragment redraws, and between one queued job and the next.)
    sidebar = page.locator('[data-testid="stSidebar"]')
    sidebar.get_by_text(re.compile(r"^Models: .*BiLSTM")).wait_for(timeout=400_000)
    wait_until_idle(page, 120)
    page.get_by_label("Model").click()
    page.get_by_role("option", name="BiLSTM, 3 epochs", exact=True).click()  # Quick train: 3 epochs (run_name)
    wait_until_idle(page, 120)
    box = page.get_by_label("Sentence")
    box.fill("The food was not good at all")
    box.press("Enter")
    wait_until_idle(page, 120)
    assert_no_exception(page)
    # Plotly draws each chart (and its title) after Streamlit has placed it: wait for the drawings, not the run.
    expected = {"hidden state h_t, forward reader", "hidden state h_t, backward reader",
                "forget gate f_t, backward reader"}
    deadline = time.time() + 90
    titles = []
    while time.time() < deadline:
        titles = page.locator('[data-testid="stPlotlyChart"] .gtitle').all_text_contents()
        if expected <= set(titles):
            break
        time.sleep(0.5)
    assert expected <= set(titles), titles
    # The words' contributions come last (a leave-one-out pass per word), after the heatmaps are drawn; and the
    # run for the typed sentence may have begun after wait_until_idle looked: wait for its words, not the run.
    page.get_by_text("P(positive) = ").wait_for(timeout=90_000)
    page.locator('span[title]', has_text=re.compile(r"^not$")).first.wait_for(timeout=90_000)
    wait_until_idle(page, 120)
    assert page.get_by_text("P(positive) = ").count() == 1
    words = page.locator('[data-testid="stHtml"]').last.locator("span[title]").all_text_contents()
    assert words == ["The", "food", "was", "not", "good", "at", "all"]
    screenshot(page, "8-inside-the-cell-bilstm")
