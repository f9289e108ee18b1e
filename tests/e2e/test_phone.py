"""Phones first (issue 31, item 5): at 390 x 844 in Chromium's phone emulation, every page of the navigation and every
lesson step: nothing scrolls sideways, no control is narrower than its label, the open poll's answer buttons lie
within the first screen, and so does Predict's first result. One phone session walks them all (the Lesson page
takes up the prepared run store's models for the session, so Predict has models to show)."""

from __future__ import annotations

import json
import re
import time
from pathlib import Path

import pytest

from rnnlab import lesson
from rnnlab.ui.pages import HOME, PAGES
from tests.e2e import lesson_server
from tests.e2e.conftest import SCREENSHOTS
from tests.e2e.test_browser import assert_no_exception, wait_until_idle


@pytest.fixture(scope="module")
def phone_server(chromium):
    server, runs_dir = lesson_server.start("phone-server.log")
    yield server, runs_dir
    server.stop()


@pytest.fixture(scope="module")
def phone(chromium, phone_server):
    server, _ = phone_server
    context = chromium.new_context(**lesson_server.PHONE)
    tab = context.new_page()
    tab.set_default_timeout(120_000)
    yield tab
    context.close()


def settle(page) -> None:
    wait_until_idle(page, 180)
    page.wait_for_function("""() => [...document.querySelectorAll('[data-testid="stPlotlyChart"]')]
                              .every(chart => chart.querySelector('.main-svg'))""", timeout=60_000)
    time.sleep(0.5)


def open_step(page, url: str, number: int) -> None:
    page.goto(f"{url}/lesson?step={number}")
    page.get_by_role("heading", name=f"{number}. {lesson.STEPS[number - 1].title}").wait_for()
    settle(page)


def nav(page, title: str) -> None:
    """The sidebar's link, as a phone user opens it (a new address would be a new session)."""
    expand = page.locator('[data-testid="stExpandSidebarButton"]')
    if expand.count() and expand.is_visible():
        expand.click()
    entry = next(e for e in PAGES if e.title == title)
    page.locator('[data-testid="stSidebarNav"]').get_by_role("link", name=title, exact=True).click()
    page.wait_for_url(re.compile("/" + ("" if entry is HOME else Path(entry.path).stem) + r"(\?|$)"))
    page.locator('[data-testid="stMain"] h1, [data-testid="stMain"] h2').first.wait_for()
    settle(page)
    collapse = page.locator('[data-testid="stSidebarCollapseButton"] button')
    if page.locator('[data-testid="stSidebar"][aria-expanded="true"]').count() and collapse.count():
        collapse.first.click()
        time.sleep(0.5)


def check(page, view: str, report: dict) -> None:
    result = page.evaluate(lesson_server.PHONE_CHECKS_JS)
    report["views"] += 1
    report["checked"] += result["checked"]
    if result["problems"]:
        report["problems"][view] = result["problems"]
    page.screenshot(path=str(SCREENSHOTS / f"phone-{view}.png"))  # the first screen, as the phone shows it


def test_every_page_and_step_fits_a_phone(phone, phone_server):
    server, _ = phone_server
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    report = {"views": 0, "checked": 0, "problems": {}}
    for number in range(1, lesson.COUNT + 1):
        open_step(phone, server.url, number)
        assert_no_exception(phone)
        check(phone, f"lesson-{number}", report)
    for entry in PAGES:
        nav(phone, entry.title)
        assert_no_exception(phone)
        check(phone, entry.title.lower().replace(" ", "-"), report)
    (SCREENSHOTS / "phone_report.json").write_text(json.dumps(report, indent=2))
    assert report["views"] == lesson.COUNT + len(PAGES)
    assert report["checked"] > 100
    assert report["problems"] == {}, json.dumps(report["problems"], indent=2)
    # The checks can fail: a too-wide element and a button squeezed under its label are both reported.
    phone.evaluate("""() => { const block = document.querySelector('[data-testid="stMainBlockContainer"]');
        const wide = document.createElement('div'); wide.style.width = '900px'; wide.textContent = 'wide';
        block.appendChild(wide);
        const button = [...document.querySelectorAll('[data-testid="stMain"] button')]
          .find(b => b.querySelector('p') && b.innerText.trim().length > 5);
        button.style.width = '30px'; button.style.overflow = 'hidden';
        const label = button.querySelector('p'); label.style.whiteSpace = 'nowrap';
        label.style.overflow = 'hidden'; }""")
    planted = phone.evaluate(lesson_server.PHONE_CHECKS_JS)["problems"]
    assert any("scrolls sideways" in p for p in planted) and any("narrower than its label" in p for p in planted), \
        planted


def test_predicts_first_result_is_on_the_first_screen(phone, phone_server):
    server, _ = phone_server
    open_step(phone, server.url, 9)  # the session takes up the stored models
    nav(phone, "Predict")
    phone.locator('[data-testid="stMain"] [data-testid="stTable"]').first.wait_for()
    top = phone.evaluate("""() => { const main = document.querySelector('[data-testid="stMain"]');
        return document.querySelector('[data-testid="stMain"] [data-testid="stTable"]').getBoundingClientRect().top
               + main.scrollTop; }""")
    assert top < lesson_server.FIRST_SCREEN_PX - 100, top  # at least its header row and first sentence show


def test_the_polls_answer_buttons_are_on_the_first_screen(phone, phone_server, monkeypatch):
    from rnnlab import polls

    server, runs_dir = phone_server
    monkeypatch.setenv("RNNLAB_RUNS_DIR", str(runs_dir))
    monkeypatch.setenv("RNNLAB_INSTRUCTOR_TOKEN", lesson_server.TOKEN)
    poll_id = polls.open_poll(lesson_server.TOKEN, "Which network gets 'not bad, just good' right?",
                              ["SimpleRNN", "LSTM", "GRU", "BiLSTM", "None of them"])
    try:
        for number in (1, 10):
            open_step(phone, server.url, number)
            phone.get_by_role("button", name="None of them", exact=True).wait_for()
            # The buttons wrap in the choices' order, so the last choice is the lowest one.
            last = phone.get_by_role("button", name="None of them", exact=True).bounding_box()
            assert last["y"] + last["height"] <= lesson_server.FIRST_SCREEN_PX, last
            phone.screenshot(path=str(SCREENSHOTS / f"phone-poll-step{number}.png"))
        phone.get_by_role("button", name="LSTM", exact=True).click()
        deadline = time.time() + 30
        while polls.tally(poll_id).total == 0 and time.time() < deadline:
            time.sleep(0.5)
        assert polls.tally(poll_id).counts["LSTM"] == 1
    finally:
        polls.close(lesson_server.TOKEN, poll_id)
