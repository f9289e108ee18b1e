"""This browser session and its training jobs: its id, the jobs it started or shares, the stored runs it uses,
starting and stopping its runs, and the full rerun when a watched job ends.

The jobs themselves live in rnnlab.jobs (which knows nothing of Streamlit); sharing is rnnlab.classroom's.
"""

from __future__ import annotations

import uuid

import streamlit as st

from rnnlab import classroom, jobs, runs
from rnnlab.ui.state import StateKeys


# How often live views poll their jobs while one is active: under a second, so curves move at least once a
# second even when a redraw takes a tenth of one. Training runs in another process, so polling does not slow it.
LIVE_UPDATE_S = 0.8
# While every active run of the session only waits for a free CPU there are no curves to move, only a place in the
# queue: its views poll less often. In a lecture most tabs wait (the cluster trains as many runs as it has CPUs),
# and their redraws every LIVE_UPDATE_S were most of the web server's work, slowing everyone's Predict.
QUEUED_UPDATE_S = 3.0


def session_id() -> str:
    """This browser session's id: the owner of its training jobs."""
    if StateKeys.SESSION_ID not in st.session_state:
        st.session_state[StateKeys.SESSION_ID] = uuid.uuid4().hex
    return st.session_state[StateKeys.SESSION_ID]


def session_jobs() -> list[jobs.Job]:
    """The jobs this session started or shares with another session, oldest first (those the server knows)."""
    ids = st.session_state.get(StateKeys.JOB_IDS, [])
    found = [job for job in (jobs.get(job_id) for job_id in ids) if job is not None]
    jobs.manager().seen(session_id(), [job.id for job in found])  # a session seen keeps its queued runs
    return found


def session_snapshots() -> list[jobs.JobSnapshot]:
    return [job.snapshot() for job in session_jobs()]


def config_overrides() -> dict:
    """Merged into every config this session trains: the data it chose (an upload) and any CONFIG_OVERRIDES."""
    overrides = {}
    if st.session_state.get(StateKeys.DATA_CHOICE):
        overrides["data"] = st.session_state[StateKeys.DATA_CHOICE]
    return {**overrides, **st.session_state.get(StateKeys.CONFIG_OVERRIDES, {})}


def stored_run_ids() -> list[str]:
    """The stored runs this session uses. A new session starts with the lesson's four models if
    `python -m rnnlab.prepare` stored them, so a class has predictions at once."""
    if StateKeys.STORED_RUN_IDS not in st.session_state:
        from rnnlab.prepare import lesson_configs

        lesson = (runs.find(config) for config in lesson_configs())
        st.session_state[StateKeys.STORED_RUN_IDS] = [s.id for s in lesson if s is not None and not s.stopped]
    return list(st.session_state[StateKeys.STORED_RUN_IDS])


def start_training(configs: list[dict]) -> list[classroom.Request]:
    """Train each config for this session, sharing what the cluster already has (rnnlab.classroom): the same
    configuration training for another session is watched, not trained again; a stored one is loaded at once.
    Asking twice (a double click) comes back as the same run. Every press gets a notice, kept for one rerun;
    if Ray cannot start, the notice says so and what to check."""
    ids = st.session_state.setdefault(StateKeys.JOB_IDS, [])
    stored_ids = stored_run_ids()
    had_keys = {job.key for job in session_jobs()} | {s.key for s in (runs.read(i) for i in stored_ids) if s}
    notices, requests = [], []
    for config in configs:
        try:
            request = classroom.request_training({**config, **config_overrides()}, session_id())
        except jobs.EngineUnavailable as error:
            notices.append(("error", str(error)))
            break
        requests.append(request)
        if request.job is not None and request.job.id not in ids:
            ids.append(request.job.id)
        if request.stored is not None and request.stored.id not in stored_ids:
            stored_ids.append(request.stored.id)
        if request.how == classroom.STORED and request.key in had_keys:
            notices.append(("info", f"{request.name} is already here with these settings: it is in this "
                                    "session's runs (the curves and the table of runs) and on every page."))
        elif request.how != classroom.STARTED:
            notices.append(("info", request.message))
    st.session_state[StateKeys.STORED_RUN_IDS] = stored_ids
    st.session_state[StateKeys.TRAIN_NOTICES] = notices
    return requests


def stop_session_jobs() -> list[str]:
    """Stop this session's own queued or running runs (not those it shares: their starter decides); returns
    what was done, in words (a notice for the page: a queued run is cancelled, a running one stops)."""
    done = []
    for job in session_jobs():
        snapshot = job.snapshot()
        if snapshot.active and classroom.stop(job, session_id()):
            if snapshot.status == jobs.QUEUED:
                done.append(f"Cancelled {snapshot.label}: it was waiting for a free CPU (place "
                            f"{snapshot.queue_position} in the queue), so nothing was trained or kept.")
            else:
                done.append(f"Stopping {snapshot.label} after the batches it is on (a fraction of a second); "
                            "what it learned is kept.")
    st.session_state[StateKeys.TRAIN_NOTICES] = [("info", text) for text in done]
    return done


def can_stop() -> bool:
    """Has this session started a run that is still queued or running?"""
    return any(job.active and classroom.may_stop(job, session_id()) for job in session_jobs())


def shared_active() -> list[jobs.Job]:
    """Active runs this session watches but another session started (only that one may stop them)."""
    return [job for job in session_jobs() if job.active and not classroom.may_stop(job, session_id())]


def is_active(config: dict) -> bool:
    """Does this session already have exactly this configuration queued or running? (False for a config that
    is not valid: pressing Train then says why.)"""
    try:
        key = jobs.config_key({**config, **config_overrides()})
    except ValueError:
        return False
    return any(job.key == key and job.active for job in session_jobs())


def watch_jobs() -> None:
    """Remember which jobs are active (and which of them queued) at this full rerun; `rerun_when_jobs_end`
    compares against it."""
    active = [job for job in session_jobs() if job.active]
    st.session_state[StateKeys.WATCHED_JOB_IDS] = {job.id for job in active}
    st.session_state[StateKeys.WATCHED_QUEUED_IDS] = {job.id for job in active if job.status == jobs.QUEUED}


def any_active() -> bool:
    return any(job.active for job in session_jobs())


def live_interval() -> float | None:
    """How often this session's polling fragments rerun: LIVE_UPDATE_S while one of its runs trains,
    QUEUED_UPDATE_S while all of them wait in the queue, never (None) when none is active."""
    statuses = {job.status for job in session_jobs() if job.active}
    if not statuses:
        return None
    return QUEUED_UPDATE_S if statuses == {jobs.QUEUED} else LIVE_UPDATE_S


def rerun_when_jobs_end() -> None:
    """Called from polling fragments: once a watched job ends, rerun the whole page so tables, buttons and
    other pages' models catch up (and polling stops); likewise once a queued one starts training, so the
    fragments poll at the training pace."""
    watched = st.session_state.get(StateKeys.WATCHED_JOB_IDS, set())
    queued = st.session_state.get(StateKeys.WATCHED_QUEUED_IDS, set())
    current = session_jobs()
    ended = any(job.id in watched and not job.active for job in current)
    if ended or any(job.id in queued and job.status != jobs.QUEUED for job in current):
        if not ended and StateKeys.TRAIN_NOTICES not in st.session_state:
            # Only a queued run began: what the last press said ("you share its run") still holds, shown again.
            st.session_state[StateKeys.TRAIN_NOTICES] = st.session_state.get(StateKeys.SHOWN_NOTICES, [])
        st.rerun()


def forget_shown_notices() -> None:
    """Called by app.py on every full run: the notices a page showed are kept only for the reruns its own
    polling makes (rerun_when_jobs_end), not carried to another page."""
    st.session_state.pop(StateKeys.SHOWN_NOTICES, None)
