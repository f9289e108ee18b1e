"""The lesson given end to end in Chromium (issue 31): an instructor's session unlocks with the token and leads;
two student sessions follow (one on a 390 x 844 phone), move with the instructor's Next, answer the poll the
instructor opens, and see the computed answer when it is revealed. Screenshots of every moment go to
tests/e2e/screenshots/ (git-ignored). Also: Predict in presenter mode has no blank band under its title."""

from __future__ import annotations

import re
import time

import pytest

from rnnlab import lesson, polls
from tests.e2e import lesson_server
from tests.e2e.conftest import SCREENSHOTS
from tests.e2e.test_browser import assert_no_exception, wait_until_idle


@pytest.fixture(scope="module")
def lesson_site(chromium):
    server, runs_dir = lesson_server.start("lesson-server.log")
    yield server, runs_dir
    server.stop()


def heading(page, number: int):
    return page.get_by_role("heading", name=f"{number}. {lesson.STEPS[number - 1].title}")


def open_lesson(context, url: str, number: int = 1):
    page = context.new_page()
    page.set_default_timeout(120_000)
    page.goto(f"{url}/lesson?step={number}")
    heading(page, number).wait_for()
    wait_until_idle(page, 180)
    return page


def follow(page) -> None:
    page.locator('[data-testid="stMain"] label').filter(has_text="Follow the instructor").click()
    wait_until_idle(page)


def shot(page, name: str) -> None:
    time.sleep(0.5)
    page.screenshot(path=str(SCREENSHOTS / f"lesson-walk-{name}.png"))


def test_a_lesson_given_end_to_end(chromium, lesson_site, monkeypatch):
    server, runs_dir = lesson_site
    monkeypatch.setenv("RNNLAB_RUNS_DIR", str(runs_dir))  # this process reads the class's file too
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    from rnnlab import classroom_state

    with classroom_state.connect(write=True) as connection:  # a new class: no step, no open poll
        connection.execute("DELETE FROM lesson")
        connection.execute("UPDATE polls SET state = 'closed'")
    teacher_context = chromium.new_context(viewport={"width": 1400, "height": 900})
    desk_context = chromium.new_context(viewport={"width": 1400, "height": 900})
    phone_context = chromium.new_context(**lesson_server.PHONE)
    try:
        teacher = open_lesson(teacher_context, server.url, 1)
        desk, phone = open_lesson(desk_context, server.url, 1), open_lesson(phone_context, server.url, 1)
        # Students have no instructor's controls, only the unlock field (in the sidebar) and Follow.
        assert desk.get_by_role("button", name="Open this poll").count() == 0
        for student in (desk, phone):
            follow(student)

        # The instructor unlocks in the sidebar's Instructor section.
        sidebar = teacher.locator('[data-testid="stSidebar"]')
        sidebar.get_by_text("Lead the lesson", exact=True).click()
        sidebar.get_by_label("Instructor's token").fill(lesson_server.TOKEN)
        sidebar.get_by_role("button", name="Unlock").click()
        sidebar.get_by_text("Lead the class").wait_for()
        wait_until_idle(teacher)
        shot(teacher, "1-instructor-unlocked")

        # Next, five times: every student follows to each step.
        for number in range(2, 11):
            teacher.locator('[data-testid="stMain"]').get_by_role("button", name="Next").first.click()
            heading(teacher, number).wait_for()
            started = time.perf_counter()
            for student in (desk, phone):
                heading(student, number).wait_for(timeout=30_000)
            print(f"step {number}: students followed in {time.perf_counter() - started:.1f} s "
                  "(noisy: a busy 2-core machine)")
            wait_until_idle(teacher, 180)
            if number in (2, 6):
                shot(teacher, f"2-instructor-step{number}")
                shot(phone, f"2-phone-step{number}")
        assert re.search(r"step=10", phone.url) and re.search(r"step=10", desk.url)
        for page in (teacher, desk, phone):
            assert_no_exception(page)

        # A built-in poll, answered by both students, then revealed.
        # The step's first built-in question is the one offered first.
        sidebar.get_by_role("button", name="Open this poll").click()
        wait_until_idle(teacher, 120)
        poll = polls.current()
        assert poll is not None and poll.question == polls.BUILT_IN["not_bad"]
        choice = poll.choices[1]
        for student in (desk, phone):
            button = student.locator('[data-testid="stMain"]').get_by_role("button", name=choice, exact=True)
            button.wait_for(timeout=30_000)
            button.click()
        deadline = time.time() + 30
        while polls.tally(poll.id).total < 2 and time.time() < deadline:
            time.sleep(0.5)
        assert polls.tally(poll.id).counts[choice] == 2
        teacher.get_by_text("2 answers").first.wait_for(timeout=30_000)  # the projector's live tally
        shot(teacher, "3-instructor-tally")
        shot(phone, "3-phone-answered")
        sidebar.get_by_role("button", name="Reveal").click()
        wait_until_idle(teacher)
        teacher.get_by_text("The answer", exact=True).wait_for(timeout=30_000)
        answer_text = polls.get(poll.id).answer["text"]
        assert "P(positive) for 'not bad, just good'" in answer_text
        for page in (teacher, desk, phone):
            page.get_by_text(answer_text[:40]).first.wait_for(timeout=30_000)
        shot(teacher, "4-instructor-revealed")
        shot(phone, "4-phone-revealed")
        shot(desk, "4-desk-revealed")
        sidebar.get_by_role("button", name="Close the poll").click()
        wait_until_idle(teacher)
        assert polls.current() is None
    finally:
        for context in (teacher_context, desk_context, phone_context):
            context.close()


def test_predict_in_presenter_mode_has_no_band_under_its_title(chromium, lesson_site):
    server, _ = lesson_site
    context = chromium.new_context(viewport={"width": 1400, "height": 900})
    try:
        page = context.new_page()
        page.goto(f"{server.url}/predict?present=1")
        page.locator('[data-testid="stMain"] h1').wait_for()
        wait_until_idle(page, 120)
        gap = page.evaluate("""() => {
          const title = document.querySelector('[data-testid="stMain"] h1 span[data-heading-text]');
          const containers = [...document.querySelectorAll(
            '[data-testid="stMain"] [data-testid="stElementContainer"]')];
          const intro = containers.find(c => c.innerText.startsWith('Each model reads'));
          return intro.getBoundingClientRect().top - title.getBoundingClientRect().bottom;
        }""")
        # the gap is Streamlit's own spacing (heading padding and the block gap), not a line of its own
        assert 0 <= gap < 60, gap
        page.screenshot(path=str(SCREENSHOTS / "predict-presenter-title.png"))
    finally:
        context.close()


def test_a_student_on_another_server_follows_and_answers(chromium, lesson_site, monkeypatch):
    """Two web servers sharing one run store (as behind a load balancer): the instructor on one moves a student on
    the other, and the student's answer reaches the instructor's tally."""
    from rnnlab import classroom_state
    from tests.e2e.conftest import Server, server_env

    server, runs_dir = lesson_site
    monkeypatch.setenv("RNNLAB_RUNS_DIR", str(runs_dir))
    monkeypatch.setenv("RNNLAB_INSTRUCTOR_TOKEN", lesson_server.TOKEN)
    with classroom_state.connect(write=True) as connection:
        connection.execute("DELETE FROM lesson")
        connection.execute("UPDATE polls SET state = 'closed'")
    env = server_env()
    env.update(RNNLAB_RUNS_DIR=str(runs_dir), RNNLAB_INSTRUCTOR_TOKEN=lesson_server.TOKEN)
    other = Server(env, log_name="lesson-other-server.log")
    teacher_context = chromium.new_context(viewport={"width": 1400, "height": 900})
    student_context = chromium.new_context(**lesson_server.PHONE)
    try:
        teacher = open_lesson(teacher_context, server.url, 2)
        student = open_lesson(student_context, other.url, 1)
        follow(student)
        sidebar = teacher.locator('[data-testid="stSidebar"]')
        sidebar.get_by_text("Lead the lesson", exact=True).click()
        sidebar.get_by_label("Instructor's token").fill(lesson_server.TOKEN)
        sidebar.get_by_role("button", name="Unlock").click()
        sidebar.get_by_role("button", name="Move the class to this step").click()
        heading(student, 2).wait_for(timeout=30_000)  # moved by the other server's instructor
        wait_until_idle(teacher)
        sidebar.get_by_role("button", name="Open this poll").click()  # step 2's: skip-gram, CBOW, both, neither
        button = student.locator('[data-testid="stMain"]').get_by_role("button", name="neither", exact=True)
        button.wait_for(timeout=30_000)
        button.click()
        teacher.get_by_text("1 answer", exact=True).wait_for(timeout=30_000)
        assert polls.tally(polls.current().id).counts == {"skip-gram": 0, "CBOW": 0, "both": 0, "neither": 1}
        shot(student, "5-other-server-phone")
        polls.close(lesson_server.TOKEN, polls.current().id)
    finally:
        teacher_context.close()
        student_context.close()
        other.stop()


def test_every_step_fits_the_projector(chromium, lesson_site):
    """Every step at 1400 x 900 in presenter mode, with test_projector.py's layout checks (layout_checks.js): no
    element overflows, no chart label collides or is cut."""
    from tests.e2e.test_projector import CHECKS_JS, settle

    server, _ = lesson_site
    context = chromium.new_context(viewport={"width": 1400, "height": 900})
    problems, checked = {}, 0
    try:
        page = context.new_page()
        page.set_default_timeout(180_000)
        for number in range(1, lesson.COUNT + 1):
            page.goto(f"{server.url}/lesson?step={number}&present=1")
            heading(page, number).wait_for()
            wait_until_idle(page, 180)
            settle(page)
            assert_no_exception(page)
            result = page.evaluate(CHECKS_JS)
            checked += result["checked"]
            if result["problems"]:
                problems[number] = result["problems"]
            page.screenshot(path=str(SCREENSHOTS / f"lesson-presenter-step{number}.png"))
    finally:
        context.close()
    assert checked > 300
    assert problems == {}, problems
