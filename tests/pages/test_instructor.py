"""The Instructor page (AppTest of the whole app): in the navigation only with RNNLAB_INSTRUCTOR_TOKEN, locked
until the token is entered, a wrong token said, locked out after five wrong tries; unlocked, a real queued run of
the cluster in its table, stopped from the page; and a student session's Stop stays disabled on a run another
session started. Runs here use the fake trainer of tests.test_jobs on the test session's real Ray."""

import pytest
from streamlit.proto.TextInput_pb2 import TextInput

from rnnlab import auth
from rnnlab.ui import pages
from rnnlab.ui.state import StateKeys
from tests.pages.conftest import button, open_page
from tests.test_fair_queue import busy_cpus, config, engine  # noqa: F401  (the fixture)
from tests.test_jobs import clean_cluster, wait_for  # noqa: F401

TOKEN = "s3cret-lecture-token"


@pytest.fixture
def instructor_env(monkeypatch):
    monkeypatch.setenv(auth.TOKEN_ENV, TOKEN)


def unlock(at, token: str):
    at.text_input(key=StateKeys.INSTRUCTOR_TOKEN_INPUT).input(token)
    button(at, "Unlock").click().run()
    return at


def test_the_page_is_not_in_the_navigation_without_the_variable(monkeypatch):
    monkeypatch.delenv(auth.TOKEN_ENV, raising=False)
    assert pages.INSTRUCTOR not in pages.navigation()
    monkeypatch.setenv(auth.TOKEN_ENV, TOKEN)
    assert pages.navigation()[-1] is pages.INSTRUCTOR and pages.INSTRUCTOR not in pages.LEARNING_PATH


def test_locked_until_the_token_a_wrong_one_is_said_and_five_lock_the_session_out(instructor_env):
    at = open_page("instructor")
    assert [t.label for t in at.text_input] == ["Instructor's token"]
    assert at.text_input[0].proto.type == TextInput.PASSWORD  # never shown, never in the address
    assert not at.dataframe and not any(b.label.startswith("Pause") for b in at.button)
    unlock(at, "guess")
    assert any("That is not the instructor's token" in e.value for e in at.error)
    for _ in range(4):
        unlock(at, "guess")
    unlock(at, TOKEN)  # the right one, but too late: the session waits a minute
    assert any("Too many wrong tries: wait" in e.value for e in at.error)
    assert not any(b.label.startswith("Pause") for b in at.button)


def test_unlocked_it_shows_a_real_queued_run_and_stops_it(instructor_env, engine):
    engine, started = engine
    blockers = busy_cpus(engine, started)
    waiting = engine.claim(config(120), owner="a-student")[0]
    started.append(waiting)
    at = unlock(open_page("instructor"), TOKEN)
    assert not at.exception, [e.message for e in at.exception]
    assert "The run store" in [h.value for h in at.subheader]  # rnnlab.ui.store_admin, placed here
    table = at.dataframe[0].value
    assert list(table.columns) == ["Place", "Owner", "Settings", "Status", "Elapsed"]
    rows = table.to_dict("records")
    assert [r["Status"] for r in rows] == ["running", "running", "queued"]
    assert [r["Place"] for r in rows] == ["training", "training", "1"] and rows[2]["Settings"] == "SimpleRNN, 120 units"
    assert len(rows[2]["Owner"]) == 6 and "a-student" not in table.to_string()
    at.button(key=f"instructor-stop-{waiting.id}").click().run()
    assert waiting.wait(30) and waiting.status == "stopped"
    assert not any(b.key == f"instructor-stop-{waiting.id}" for b in at.button)
    assert {b.key for b in at.button if (b.key or "").startswith("instructor-stop-")} == \
        {f"instructor-stop-{job.id}" for job in blockers}
    button(at, "Pause training").click().run()
    assert any("Training is paused for the class" in w.value for w in at.warning)
    button(at, "Resume training").click().run()
    assert not at.warning and any(b.label == "Pause training" for b in at.button)


def test_a_students_stop_stays_disabled_on_another_sessions_run(engine):
    engine, started = engine
    other = engine.claim(config(121), owner="another-session")[0]
    started.append(other)
    assert wait_for(lambda: other.snapshot().status == "running")
    at = open_page("train", {StateKeys.JOB_IDS: [other.id]})  # this session watches it
    assert not at.exception, [e.message for e in at.exception]
    assert button(at, "Stop").disabled
    assert other.snapshot().status == "running"
