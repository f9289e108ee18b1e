"""A fresh server whose first visitor opens a page by its own address (a bookmarked `/long_range?present=1`):
before app.py has run once, Streamlit treats pages/ as an old-style page folder and used to run that page bare,
without app.py's frame, for that visitor and every later one. Each page now hands such a run to app.py."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import start_server
from tests.e2e.test_browser import assert_no_exception, screenshot, wait_until_idle

FRAME_LINKS = ["Home", "Lesson", "Data", "Train", "Parameters", "Predict", "Gradients", "Inside the cell",
               "What the embedding learned", "Long-range dependencies"]


@pytest.fixture(scope="module")
def fresh_server(chromium):
    server = start_server("server-direct-address.log")
    yield server
    server.stop()


def sidebar_links(page) -> list[str]:
    return [link.inner_text().split("\n")[-1] for link in page.locator('[data-testid="stSidebarNav"] a').all()]


def test_a_page_opened_by_its_address_first_gets_the_whole_frame(chromium, fresh_server):
    context = chromium.new_context(viewport={"width": 1600, "height": 1000})
    try:
        first = context.new_page()
        first.goto(f"{fresh_server.url}/long_range?present=1")
        first.get_by_role("heading", name="Long-range dependencies: when the answer is far back").wait_for(
            timeout=60_000)
        wait_until_idle(first)
        assert_no_exception(first)
        assert sidebar_links(first) == FRAME_LINKS  # app.py's titles, not the files' names (app, data, ...)
        assert first.get_by_text("Models: none yet").count() == 1  # the sidebar status app.py draws
        assert first.get_by_role("switch", name="Presenter mode").is_checked()  # ?present=1 honoured
        assert first.url.endswith("/long_range?present=1")
        assert first.get_by_text("Lag and architectures").count() == 1  # controls folded, as presenter mode does
        screenshot(first, "9-direct-address-long-range-presenter")
        # A second visitor opening another page's address gets the frame too.
        second = context.browser.new_context(viewport={"width": 1600, "height": 1000}).new_page()
        second.goto(f"{fresh_server.url}/predict")
        second.get_by_role("heading", name="Predict: how sure is each network?").wait_for(timeout=60_000)
        wait_until_idle(second)
        assert_no_exception(second)
        assert sidebar_links(second) == FRAME_LINKS
        assert not second.get_by_role("switch", name="Presenter mode").is_checked()
        second.context.close()
    finally:
        context.close()
