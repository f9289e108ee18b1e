"""rnnlab.ui.session's polling pace: the live views redraw every LIVE_UPDATE_S while one of the session's runs
trains, every QUEUED_UPDATE_S while all of them only wait for a CPU, not at all when none is active; and the page
reruns whole when a watched run ends or a queued one starts (so the pace follows)."""

from types import SimpleNamespace

import pytest
import streamlit as st

from rnnlab import jobs
from rnnlab.ui import session
from rnnlab.ui.state import StateKeys


def job(job_id, status):
    return SimpleNamespace(id=job_id, status=status, active=status in (jobs.QUEUED, jobs.RUNNING))


@pytest.fixture
def jobs_of_session(monkeypatch):
    current = []
    monkeypatch.setattr(session, "session_jobs", lambda: list(current))
    reruns = []
    monkeypatch.setattr(st, "rerun", lambda: reruns.append(1))
    yield current, reruns
    for key in (StateKeys.WATCHED_JOB_IDS, StateKeys.WATCHED_QUEUED_IDS):
        st.session_state.pop(key, None)


def test_the_pace_is_the_training_one_only_while_a_run_trains(jobs_of_session):
    current, _ = jobs_of_session
    assert session.live_interval() is None
    current[:] = [job("a", jobs.FINISHED), job("b", jobs.QUEUED), job("c", jobs.QUEUED)]
    assert session.live_interval() == session.QUEUED_UPDATE_S == 3.0
    current[1] = job("b", jobs.RUNNING)
    assert session.live_interval() == session.LIVE_UPDATE_S == 0.8
    current[:] = [job("a", jobs.FINISHED), job("b", jobs.FAILED)]
    assert session.live_interval() is None


def test_a_queued_run_that_starts_or_a_watched_one_that_ends_reruns_the_page(jobs_of_session):
    current, reruns = jobs_of_session
    current[:] = [job("a", jobs.RUNNING), job("b", jobs.QUEUED)]
    session.watch_jobs()
    assert st.session_state[StateKeys.WATCHED_QUEUED_IDS] == {"b"}
    session.rerun_when_jobs_end()
    assert reruns == []  # nothing changed
    current[1] = job("b", jobs.RUNNING)
    session.rerun_when_jobs_end()
    assert reruns == [1]  # b started: the page reruns, and its fragments take the training pace
    session.watch_jobs()
    session.rerun_when_jobs_end()
    assert reruns == [1]
    current[0] = job("a", jobs.FINISHED)
    session.rerun_when_jobs_end()
    assert reruns == [1, 1]


def test_the_notice_of_a_press_survives_the_rerun_of_its_queued_run_starting_but_not_of_it_ending(jobs_of_session,
                                                                                                 monkeypatch):
    # The race a class meets: a second session presses Train while the shared run still waits for its worker,
    # its page shows "Another session is already training ...", then the run starts and the page reruns at once.
    from rnnlab.ui import classroom_view

    current, reruns = jobs_of_session
    shared = "Another session is already training SimpleRNN with these settings: you share its run."
    st.session_state[StateKeys.TRAIN_NOTICES] = [("info", shared)]
    current[:] = [job("a", jobs.QUEUED)]
    session.forget_shown_notices()  # app.py, at the press's full run
    session.watch_jobs()
    shown = []
    monkeypatch.setattr(st, "info", lambda text, icon=None: shown.append(text))
    try:
        classroom_view.show_notices()
        assert shown == [shared] and StateKeys.TRAIN_NOTICES not in st.session_state
        current[0] = job("a", jobs.RUNNING)
        session.rerun_when_jobs_end()  # a's worker started: the page reruns, and says it again
        assert reruns == [1]
        session.forget_shown_notices()
        session.watch_jobs()
        classroom_view.show_notices()
        assert shown == [shared, shared]
        current[0] = job("a", jobs.FINISHED)
        session.rerun_when_jobs_end()  # a ended: the rerun shows the results, the press's notice is done with
        assert reruns == [1, 1] and StateKeys.TRAIN_NOTICES not in st.session_state
        session.forget_shown_notices()
        classroom_view.show_notices()
        assert shown == [shared, shared]
    finally:
        for key in (StateKeys.TRAIN_NOTICES, StateKeys.SHOWN_NOTICES):
            st.session_state.pop(key, None)
