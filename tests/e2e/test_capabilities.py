"""Issue 12 in a real browser: a shared link opens the Train page with its settings (a bad value refused with its
reason), two small models train from it, each downloads as a zip that rnnlab.runs.load_archive loads and that
predicts exactly what the stored run predicts, the table downloads as CSV; a second GRU trains with clipping;
the Gradients page's epoch slider and per-batch norms; the embedding page's maps, separability and neighbours.
Screenshots land in tests/e2e/screenshots/ (12-*.png).
"""

from __future__ import annotations

import csv
import io
import re
import urllib.parse
from pathlib import Path

import numpy as np
import pytest


from tests.e2e.conftest import Server, new_tab, server_env
from tests.e2e.test_browser import assert_no_exception, main_button, screenshot, set_number, wait_until_idle

LINK = "/train?archs=SimpleRNN,GRU&units=16&embed_dim=16&epochs=3&dropout=0.2"
# The runs' one names (rnnlab.runs.run_name) once Epochs is set to 4 on the page, and with clipping after that.
SETTINGS = dict(units=16, embed_dim=16, epochs=4, dropout=0.2)


def name_of(arch: str, **more) -> str:
    from rnnlab.runs import run_name

    return run_name(dict(arch=arch, **SETTINGS, **more))
SENTENCES = ["I hate this meal!", "I love this restaurant", "zzqx", ""]
TITLES = {"Gradients": "Gradients: why long sentences are hard to learn from",
          "What the embedding learned": "What the embedding learned"}


def open_page(page, name: str) -> None:
    """By the sidebar's link, as a user does (a new address would start a new session)."""
    page.locator('[data-testid="stSidebarNav"]').get_by_role("link", name=name, exact=True).click()
    page.get_by_role("heading", name=TITLES[name]).wait_for(timeout=60_000)
    wait_until_idle(page, 120)


@pytest.fixture(scope="module")
def store_server(chromium):
    """A server of its own, whose run store this test reads (to compare a download with the stored run)."""
    env = server_env()
    server = Server(env, log_name="server-capabilities.log")
    server.runs_dir = Path(env["RNNLAB_RUNS_DIR"])
    yield server
    server.stop()


@pytest.fixture(scope="module")
def tab(chromium, store_server):
    context = chromium.new_context(viewport={"width": 1600, "height": 1000}, accept_downloads=True)
    page = context.new_page()
    page.set_default_timeout(30_000)
    yield page
    context.close()


def test_a_bad_value_in_a_link_is_refused_with_its_reason(chromium, store_server, expect):
    context = chromium.new_context(viewport={"width": 1600, "height": 1000})
    page = context.new_page()
    try:
        page.goto(f"{store_server.url}/train?units=lots&epochs=5")
        page.get_by_text("The address's units='lots' was refused (not a number); using 128.").wait_for(timeout=60_000)
        wait_until_idle(page)
        assert_no_exception(page)
        screenshot(page, "12-train-bad-link")
        # Polled: a widget's box may show its value a moment after the run that drew it has ended.
        expect(page.get_by_label("Units", exact=True)).to_have_value("128", timeout=10_000)
        expect(page.get_by_label("Epochs", exact=True)).to_have_value("5", timeout=10_000)
        assert page.url.endswith("/train?epochs=5")  # the address now says what the page uses
        screenshot(page, "12-train-bad-link")
    finally:
        context.close()


def test_a_shared_link_trains_and_each_run_downloads_as_a_zip_that_predicts_the_same(tab, store_server, expect):
    from rnnlab import runs

    tab.goto(store_server.url + LINK)
    tab.get_by_role("heading", name="Train: watch a recurrent network learn").wait_for(timeout=60_000)
    wait_until_idle(tab)
    expect(tab.get_by_label("Units", exact=True)).to_have_value("16", timeout=10_000)
    expect(tab.get_by_label("Dropout on embeddings", exact=True)).to_have_value("0.20", timeout=10_000)
    set_number(tab, "Epochs", "4")  # a widget change rewrites the address
    address = urllib.parse.urlsplit(tab.url)
    assert address.path == "/train" and dict(urllib.parse.parse_qsl(address.query)) == {
        "archs": "SimpleRNN,GRU", "units": "16", "embed_dim": "16", "epochs": "4", "dropout": "0.2"}
    main_button(tab, "Train").click()
    gru_button = f"{name_of('GRU')} (.zip)"
    tab.get_by_role("button", name=gru_button).wait_for(timeout=300_000)
    wait_until_idle(tab, 120)
    assert_no_exception(tab)
    screenshot(tab, "12-train-after-link")
    with tab.expect_download() as download:
        tab.get_by_role("button", name=gru_button).click()
    path = Path(download.value.path())
    assert download.value.suggested_filename.startswith("rnnlab-GRU_")
    loaded = runs.load_archive(path)
    stored, _ = runs.list_runs(store_server.runs_dir)
    (gru,) = [run for run in stored if run.arch == "GRU"]
    assert loaded.job_config == dict(gru.config) and loaded.history["val_loss"] == gru.history["val_loss"]
    np.testing.assert_array_equal(loaded.predict(SENTENCES),
                                  runs.load_run(gru.id, store_server.runs_dir, cached=False).predict(SENTENCES))
    assert len(loaded.history["gradient_by_step"]) == 4 and loaded.job_config["dropout"] == 0.2
    with tab.expect_download() as table_download:
        tab.get_by_role("button", name="Download the table (CSV)").click()
    rows = list(csv.DictReader(io.StringIO(Path(table_download.value.path()).read_text())))
    rows = [row for row in rows if row["status"] != "baseline"]  # the bag-of-words reference row
    assert [row["run"] for row in rows] == [name_of("SimpleRNN"), name_of("GRU")]
    assert {row["regularisation"] for row in rows} == {"dropout 0.2"}


def test_a_clipped_run_and_the_gradients_over_training(tab, store_server):
    """Set up here (not left by the test before): the shared link's settings, 4 epochs, clipping at 0.1."""
    tab.goto(store_server.url + LINK)
    tab.get_by_role("heading", name="Train: watch a recurrent network learn").wait_for(timeout=60_000)
    wait_until_idle(tab)
    set_number(tab, "Epochs", "4")
    set_number(tab, "Clip gradient norm", "0.1")
    main_button(tab, "Train").click()
    clipped = name_of("GRU", clip_norm=0.1)
    tab.get_by_role("button", name=f"{clipped} (.zip)").wait_for(timeout=300_000)
    wait_until_idle(tab, 120)
    open_page(tab, "Gradients")
    tab.get_by_role("slider", name="After epoch").wait_for(timeout=120_000)
    wait_until_idle(tab, 120)
    assert_no_exception(tab)
    titles = tab.locator('[data-testid="stPlotlyChart"] .gtitle').all_text_contents()
    assert "Gradient reaching each word after epoch 4" in titles and "Gradient norm of every batch" in titles, titles
    text = tab.locator('[data-testid="stMain"]').inner_text()
    assert re.search(re.escape(clipped) + r" [\d.]+ \(applied at most 0\.1\)", text), text
    slider = tab.get_by_role("slider", name="After epoch")
    slider.focus()
    slider.press("Home")
    wait_until_idle(tab, 60)
    tab.locator(".gtitle", has_text="Gradient reaching each word after epoch 1").wait_for(timeout=30_000)
    screenshot(tab, "12-gradients-epoch-1-and-clipping")


@pytest.fixture
def lesson_tab(chromium, lesson_server):
    """A new session on a server with a copy of the prepared lesson store: models without training here."""
    context, page = new_tab(chromium, lesson_server.url)
    yield page
    context.close()


def test_the_embedding_page_shows_both_maps_separability_and_neighbours(lesson_tab):
    tab = lesson_tab
    open_page(tab, "What the embedding learned")
    tab.locator(".gtitle", has_text="untrained").first.wait_for(timeout=120_000)
    wait_until_idle(tab, 120)
    assert_no_exception(tab)
    text = tab.locator('[data-testid="stMain"]').inner_text()
    assert re.search(r"puts \d+% of the [\d,]+ words seen at least 5 times on the side of their lean after "
                     r"training, against \d+% before", text), text
    box = tab.get_by_label("A word", exact=True)
    box.fill("delicious")
    box.press("Enter")
    wait_until_idle(tab)
    assert tab.locator('[data-testid="stDataFrame"]').count() == 2
    screenshot(tab, "12-embedding-learned")
    box.fill("zzqxv")
    box.press("Enter")
    wait_until_idle(tab)
    tab.get_by_text("'zzqxv' is not in this model's vocabulary").wait_for()
    assert tab.locator('[data-testid="stDataFrame"]').count() == 0
