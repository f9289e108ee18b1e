"""Small Streamlit helpers every page shares: this session's training jobs and models (its own, those shared
with other sessions, and runs from the run store), guards for a page's preconditions, the "Think about it" box
and the sidebar's status.

Only this module and the pages call Streamlit; the jobs themselves live in rnnlab.jobs, which knows nothing of it.
"""

from __future__ import annotations

import dataclasses
import os
import uuid
from pathlib import Path

import streamlit as st

from rnnlab import classroom, jobs, runs
from rnnlab.models import LESSON_ARCHS  # noqa: F401  the lesson's four (Quick train, Parameters), defined once
from rnnlab.ui.state import StateKeys

APP_SCRIPT = Path(__file__).resolve().parents[2] / "app.py"
# Quick train: the lesson's settings with 3 epochs instead of 10 (about 80% validation accuracy already).
QUICK_TRAIN = dict(epochs=3)
# How often live views poll their jobs while one is active: under a second, so curves move at least once a
# second even when a redraw takes a tenth of one. Training runs in another process, so polling does not slow it.
LIVE_UPDATE_S = 0.8


# ----------------------------------------------------------------------------------------------------------
# The frame


def require_app_frame() -> None:
    """Make sure this page runs inside app.py's frame; call it first thing on every page.

    Until app.py has called st.navigation once in the server process, Streamlit still treats `pages/` as an old
    style multipage folder: a fresh server's first visitor who opens a page's own address (a bookmarked
    `/train?present=1`, a link a teacher shared) gets that page run bare, without app.py (no wide layout, no
    presenter mode, no sidebar status, no stored runs), and so does everyone after them until someone opens the
    root address. Here such a run runs app.py instead, whose st.navigation drops the old mode for good and runs
    this same page inside the frame; then this bare run stops. (No rerun: a click that came with it is kept.)
    """
    from streamlit.runtime.pages_manager import PagesManager

    if PagesManager.uses_pages_directory:
        import runpy

        runpy.run_path(str(APP_SCRIPT), run_name="__main__")
        st.stop()


# ----------------------------------------------------------------------------------------------------------
# This session and its jobs


# The bounds of every numeric widget whose value session state keeps (they must match the widgets; a page test
# compares them). Streamlit raises on a remembered value outside its widget's range.
WIDGET_BOUNDS = {
    StateKeys.TRAIN_EMBED_DIM: jobs.BOUNDS["embed_dim"],
    StateKeys.TRAIN_UNITS: jobs.BOUNDS["units"],
    StateKeys.TRAIN_EPOCHS: jobs.BOUNDS["epochs"],
    StateKeys.TRAIN_BATCH_SIZE: jobs.BOUNDS["batch_size"],
    StateKeys.TRAIN_SEED: jobs.BOUNDS["seed"],
    StateKeys.TRAIN_CLIP_NORM: jobs.BOUNDS["clip_norm"],  # None (off) is not a number: back to the default, off
    StateKeys.TRAIN_DROPOUT: jobs.BOUNDS["dropout"],
    StateKeys.TRAIN_EARLY_STOPPING: jobs.BOUNDS["early_stopping"],
    StateKeys.PARAMS_VOCAB: (1000, 20000),
    StateKeys.PARAMS_EMBED_DIM: (8, 128),
    StateKeys.PARAMS_UNITS: (8, 256),
    StateKeys.GRADIENTS_W: (0.5, 1.5),
    StateKeys.GRADIENTS_T: (1, 5000),  # rnnlab.gradients.T_MAX
    StateKeys.LONGRANGE_LAG: (3, 120),  # rnnlab.longrange.min_lag() to the slider's end
    StateKeys.LONGRANGE_SEED: (0, 999),
}
INTEGER_WIDGETS = {key for key in WIDGET_BOUNDS
                   if key not in (StateKeys.GRADIENTS_W, StateKeys.TRAIN_CLIP_NORM, StateKeys.TRAIN_DROPOUT)}


def keep_in_bounds() -> None:
    """Pull remembered numbers back inside their widgets' ranges (an old session, a changed bound, a hand-set
    state): too large becomes the maximum, too small the minimum, not a number the page's default."""
    for key, (low, high) in WIDGET_BOUNDS.items():
        if key not in st.session_state:
            continue
        value = st.session_state[key]
        try:
            number = float(value)
        except (TypeError, ValueError):
            number = float("nan")
        if isinstance(value, bool) or number != number or number in (float("inf"), float("-inf")):
            del st.session_state[key]  # the page's init_state gives it its default again
            continue
        clamped = min(max(number, low), high)
        clamped = int(round(clamped)) if key in INTEGER_WIDGETS else float(clamped)
        if clamped != value or type(clamped) is not type(value):
            st.session_state[key] = clamped


def keep_widget_state() -> None:
    """Streamlit drops a widget's value when its page is not drawn; writing it back keeps it across pages."""
    keep_in_bounds()
    for key in StateKeys.PERSISTENT:
        if key in st.session_state:
            st.session_state[key] = st.session_state[key]


def init_state(defaults: dict) -> None:
    """Give widgets their first values through session state (widgets then take no value= argument): a widget
    given both a value and a key that keep_widget_state writes to would warn on every rerun."""
    for key, value in defaults.items():
        st.session_state.setdefault(key, value)


def session_id() -> str:
    """This browser session's id: the owner of its training jobs."""
    if StateKeys.SESSION_ID not in st.session_state:
        st.session_state[StateKeys.SESSION_ID] = uuid.uuid4().hex
    return st.session_state[StateKeys.SESSION_ID]


def session_jobs() -> list[jobs.Job]:
    """The jobs this session started or shares with another session, oldest first (those the server knows)."""
    ids = st.session_state.get(StateKeys.JOB_IDS, [])
    return [job for job in (jobs.get(job_id) for job_id in ids) if job is not None]


def session_snapshots() -> list[jobs.JobSnapshot]:
    return [job.snapshot() for job in session_jobs()]


def config_overrides() -> dict:
    """Merged into every config this session trains: the data it chose (an upload) and any CONFIG_OVERRIDES."""
    overrides = {}
    if st.session_state.get(StateKeys.DATA_CHOICE):
        overrides["data"] = st.session_state[StateKeys.DATA_CHOICE]
    return {**overrides, **st.session_state.get(StateKeys.CONFIG_OVERRIDES, {})}


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
                done.append(f"Stopping {snapshot.label} after its current batch; what it learned is kept.")
    st.session_state[StateKeys.TRAIN_NOTICES] = [("info", text) for text in done]
    return done


def stopped_caption(snapshot: jobs.JobSnapshot) -> str:
    """What a stopped run's table line means: cut short, or Stop came as its last epoch was ending."""
    done, planned = snapshot.summary.get("epochs_done"), snapshot.config["epochs"]
    if done is not None and done >= planned:
        return (f"{snapshot.label}: Stop came as its last epoch was ending, so it trained all {planned} epochs; "
                "it is kept as a stopped run.")
    return (f"{snapshot.label} was stopped after {done} of {planned} epochs; what it learned is kept for the "
            "other pages.")


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


def run_names(snapshots: list[jobs.JobSnapshot]) -> dict[str, str]:
    """The name of each run shown (rnnlab.runs.run_name: stable, the same on every page and in the store); a
    configuration trained twice (stopped, then again) is shown once, as its latest run."""
    shown = [s for s in snapshots if s.status != jobs.FAILED and (s.batches or s.active)]
    latest = {s.key: s for s in shown}
    return {s.id: s.label for s in latest.values()}


@dataclasses.dataclass(frozen=True)
class StoredJob:
    """A run from the run store, shaped like a finished job for the pages: id, config, has_model and result."""

    stored: runs.StoredRun
    has_model = True

    @property
    def id(self) -> str:
        return f"stored:{self.stored.id}"

    @property
    def config(self):
        return self.stored.config

    @property
    def result_ready(self) -> bool:
        return runs.is_loaded(self.stored.id)

    @property
    def result(self):
        """The TrainedModel, loaded once per server and shared by every session (its lock guards the model)."""
        return runs.load_run(self.stored.id)


def stored_run_ids() -> list[str]:
    """The stored runs this session uses. A new session starts with the lesson's four models if
    `python -m rnnlab.prepare` stored them, so a class has predictions at once."""
    if StateKeys.STORED_RUN_IDS not in st.session_state:
        from rnnlab.prepare import lesson_configs

        lesson = (runs.find(config) for config in lesson_configs())
        st.session_state[StateKeys.STORED_RUN_IDS] = [s.id for s in lesson if s is not None and not s.stopped]
    return list(st.session_state[StateKeys.STORED_RUN_IDS])


def stored_jobs() -> list[StoredJob]:
    """This session's stored runs that are still in the store and not already one of its own jobs."""
    own_keys = {job.key for job in session_jobs() if job.has_model}
    found = []
    for run_id in stored_run_ids():
        stored = runs.read(run_id)
        if stored is not None and stored.key not in own_keys:
            found.append(StoredJob(stored))
    return found


def stored_name(stored: runs.StoredRun) -> str:
    """A stored run's name: the same as while it trained (a notebook's run, with no job config: its id)."""
    return runs.run_name(stored.config) if stored.is_job_config else f"{stored.arch} ({stored.id[-6:]})"


def _stored_names(stored: list[StoredJob], taken: set[str]) -> dict[str, StoredJob]:
    """name -> stored run, leaving out those already shown as one of the session's own runs."""
    return {stored_name(job.stored): job for job in stored if stored_name(job.stored) not in taken}


def taken_names(snapshots: list[jobs.JobSnapshot]) -> set[str]:
    """The names of the session's shown runs: a stored run of the same settings is not listed again."""
    return set(run_names(snapshots).values())


def trained_jobs() -> dict[str, jobs.Job | StoredJob]:
    """name -> job for every model this session uses: its runs that ended with a model (finished or stopped,
    its own or shared) and the stored runs it picked."""
    jobs_by_id = {job.id: job for job in session_jobs()}
    snapshots = [job.snapshot() for job in jobs_by_id.values()]
    names = run_names(snapshots)
    trained = {names[i]: job for i, job in jobs_by_id.items() if job.has_model and i in names}
    trained.update(_stored_names(stored_jobs(), taken_names(snapshots)))
    return trained


def trained_runs() -> dict[str, object]:
    """name -> TrainedModel for every model this session uses (see trained_jobs); a stored run that cannot be
    loaded any more is left out with a warning."""
    trained = trained_jobs()
    if not all(job.result_ready for job in trained.values()):
        with st.spinner("Loading the trained models (the first time, this loads TensorFlow)..."):
            return _results(trained)
    return _results(trained)


def _results(trained: dict) -> dict[str, object]:
    results = {}
    for name, job in trained.items():
        try:
            results[name] = job.result
        except runs.RunStoreError as error:
            st.warning(f"The stored run {name} cannot be used: {error}", icon=":material/warning:")
    return results


def curve_data(snapshot: jobs.JobSnapshot, name: str) -> dict:
    """A job's history in the shape rnnlab.charts.training_curves draws."""
    history = {metric: [e.get(metric) for e in snapshot.epochs] for metric in
               ("loss", "accuracy", "val_loss", "val_accuracy")}
    return dict(name=name, arch=snapshot.config["arch"], batch_history=list(snapshot.batches), history=history,
                batches_per_epoch=snapshot.batches_per_epoch)


def progress_text(snapshot: jobs.JobSnapshot, name: str) -> str:
    """'LSTM: epoch 2/10, batch 31/75, 12 s left' (or its place in the queue); a run shared with the session
    that started it says so."""
    if snapshot.owner != st.session_state.get(StateKeys.SESSION_ID):
        name = f"{name} (started by another session)"
    if snapshot.status == jobs.QUEUED:
        return (f"{name}: waiting for a free CPU, place {snapshot.queue_position or '?'} in the queue (every CPU "
                "of the cluster is training)")
    if snapshot.stopping:
        return f"{name}: stopping after the current batch"
    if not snapshot.batches:
        return f"{name}: starting (loading the data and TensorFlow)"
    text = f"{name}: epoch {snapshot.epoch}/{snapshot.config['epochs']}"
    if snapshot.batches_per_epoch:
        text += f", batch {snapshot.batch}/{snapshot.batches_per_epoch}"
    if snapshot.eta is not None:
        text += f", {snapshot.eta:.0f} s left"
    return text


def watch_jobs() -> None:
    """Remember which jobs are active at this full rerun; `rerun_when_jobs_end` compares against it."""
    st.session_state[StateKeys.WATCHED_JOB_IDS] = {job.id for job in session_jobs() if job.active}


def any_active() -> bool:
    return any(job.active for job in session_jobs())


def rerun_when_jobs_end() -> None:
    """Called from polling fragments: once a watched job ends, rerun the whole page so tables, buttons and
    other pages' models catch up (and polling stops)."""
    watched = st.session_state.get(StateKeys.WATCHED_JOB_IDS, set())
    if any(job.id in watched and not job.active for job in session_jobs()):
        st.rerun()


# ----------------------------------------------------------------------------------------------------------
# The data set


# Cached per RNNLAB_DATA_DIR, so a test (or an admin) pointing it elsewhere sees the other folder at once.


def _data_dir_setting() -> str | None:
    return os.environ.get("RNNLAB_DATA_DIR")


@st.cache_data(ttl=30, show_spinner=False)
def _data_status(data_dir_setting: str | None) -> tuple[bool, str]:
    from rnnlab.data import data_status as check

    return check()


def data_status() -> tuple[bool, str]:
    """(ok, message): is the data set here? Cheap, never downloads, cached for 30 seconds."""
    return _data_status(_data_dir_setting())


@st.cache_data(show_spinner="Loading the sentences...")
def _sentiment_data(data_dir_setting: str | None):
    from rnnlab.data import load_sentiment

    return load_sentiment()


def sentiment_data():
    """The 3000 sentences (text, label, source)."""
    return _sentiment_data(_data_dir_setting())


@st.cache_data(show_spinner=False)
def _vocabulary_counts(data_dir_setting: str | None):
    from rnnlab.data import token_counts

    return token_counts(_sentiment_data(data_dir_setting)["text"])


def vocabulary_counts():
    """Word counts over all 3000 sentences, in the vectorizer's order: token id = position + 2."""
    return _vocabulary_counts(_data_dir_setting())


def data_choice() -> str | None:
    """None when this session trains on the UCI sentences, else the id of the set it uploaded."""
    return st.session_state.get(StateKeys.DATA_CHOICE)


@st.cache_data(show_spinner=False, max_entries=32)
def _uploaded_data(data_id: str):
    from rnnlab.uploads import load

    return load(data_id)


def chosen_data():
    """The sentences this session trains on (text, label, source): its upload, else the UCI set."""
    choice = data_choice()
    return _uploaded_data(choice) if choice else sentiment_data()


@st.cache_data(show_spinner=False, max_entries=32)
def _uploaded_counts(data_id: str):
    from rnnlab.data import token_counts

    return token_counts(_uploaded_data(data_id)["text"])


def chosen_vocabulary_counts():
    """Word counts over the chosen sentences, in the vectorizer's order: token id = position + 2."""
    choice = data_choice()
    return _uploaded_counts(choice) if choice else vocabulary_counts()


class PageStop(Exception):
    """Raised by a page's guard to end the page early; app.py catches it and still draws the sidebar's status
    (st.stop() would end app.py too, and the status box with it)."""


def require_data() -> None:
    """End the page with the reason (and a link to Home's ways to get it) when the data set is not available."""
    ok, message = data_status()
    if not ok:
        st.error(f"The data set is not available, so this page has nothing to show and nothing can be trained. "
                 f"{headline(message)}", icon=":material/error:")
        st.page_link("pages/home.py", label="Get the data (Home)", icon=":material/download:")
        raise PageStop()


def headline(message: str) -> str:
    """The first line of a data-status message: what is wrong, without the list of ways to get the data (Home
    shows that list once)."""
    return str(message).split("\n")[0].strip()


def data_destination() -> Path:
    """Where the download button puts the data: the RNNLAB_DATA_DIR folder when that is set (it is where the
    app then looks), else the project's data/ folder."""
    from rnnlab.data import DATA_DIR

    setting = _data_dir_setting()
    return Path(setting).expanduser() if setting else DATA_DIR


def download_button() -> None:
    """A button that downloads the official zip with rnnlab.data's download (a progress bar with the bytes done
    of the file's size), then shows the data as ready; on failure the whole error, on the page."""
    from rnnlab.data import DataError, data_url, download_sentiment

    url = data_url()
    destination = data_destination()
    if not st.button("Download the data set", type="primary", icon=":material/download:",
                     help=f"From {url} into {destination}"):
        return
    bar = st.progress(0.0, text=f"Connecting to {url}...")

    def progress(done: int, total: int | None) -> None:
        if total:
            bar.progress(min(1.0, done / total), text=f"Downloading: {done / 1024:,.0f} of {total / 1024:,.0f} KB")
        else:
            bar.progress(0.0, text=f"Downloading: {done / 1024:,.0f} KB (the server did not say the file's size)")

    try:
        folder = download_sentiment(destination, url=url, progress=progress)
    except DataError as error:
        bar.empty()
        st.error(f"The download failed.\n\n{error}", icon=":material/cloud_off:")
        return
    bar.empty()
    _data_status.clear()
    st.session_state[StateKeys.DATA_DOWNLOADED] = str(folder)
    st.rerun()


def training_blocked_reason() -> str | None:
    """Why this session cannot train now (the data set is missing), or None."""
    if data_choice():  # an uploaded set is kept beside the runs: training needs no UCI files then
        return None
    ok, message = data_status()
    return None if ok else f"Training needs the data set, which is not available: {headline(message)}"


def offer_quick_train(what: str) -> None:
    """What a page shows instead of `what` when this session has no trained model: progress if training is
    under way, else the reason and a one-click quick training of the lesson's four architectures (disabled,
    saying why, when there is no data to train on)."""
    if any_active():
        st.info(f"Training is under way; {what} appear here as soon as a model is ready.", icon=":material/hourglass:")
        training_progress()
        return
    blocked = training_blocked_reason()
    st.info(
        f"No model trained in this session yet, so there are no {what} to show. Train on the Train page, or "
        f"press Quick train: the lesson's {', '.join(LESSON_ARCHS)} with {QUICK_TRAIN['epochs']} epochs each "
        "instead of 10 (under a minute together).",
        icon=":material/info:",
    )
    if blocked:
        st.warning(f"{blocked} Get it on the Home page.", icon=":material/warning:")
    if st.button("Quick train", type="primary", icon=":material/bolt:", disabled=blocked is not None,
                 help=blocked):
        start_training([dict(arch=arch, **QUICK_TRAIN) for arch in LESSON_ARCHS])
        st.rerun()


def training_progress() -> None:
    """Progress bars of this session's queued and running jobs, redrawn every second while any is active."""

    @st.fragment(run_every=LIVE_UPDATE_S if any_active() else None)
    def bars():
        snapshots = session_snapshots()
        names = run_names(snapshots)
        for snapshot in snapshots:
            if snapshot.active:
                st.progress(snapshot.fraction, text=progress_text(snapshot, names.get(snapshot.id, snapshot.label)))
        rerun_when_jobs_end()

    bars()


# ----------------------------------------------------------------------------------------------------------
# Page furniture


def measure_each(items: dict, done: dict, measure, what: str, why: str) -> None:
    """Fill `done` (kept in session state) with `measure(name, job)` for every name -> job of `items` whose
    job id it lacks, under a progress bar that names the model, counts them and, from the second on, says about
    how long is left; `why` says why a first view is slow. Then a caption says how long it took. Nothing is
    drawn when everything is measured."""
    import time

    todo = [(name, job) for name, job in items.items() if job.id not in done]
    if not todo:
        return
    bar = st.progress(0.0, text=f"{what}...")
    started = time.perf_counter()
    for i, (name, job) in enumerate(todo):
        elapsed = time.perf_counter() - started
        left = f"; about {elapsed / i * (len(todo) - i):.0f} s left" if i else ""
        bar.progress(i / len(todo), text=f"{what}: {name}, model {i + 1} of {len(todo)}{left}. {why}")
        done[job.id] = measure(name, job)
    bar.empty()
    seconds = time.perf_counter() - started
    st.caption(f"{what}: {len(todo)} model{'s' if len(todo) > 1 else ''} in {seconds:.1f} s, once per model "
               "(kept for this session: the next view is immediate).")


def follow_new_option(key: str, options: list, seen_key: str) -> None:
    """Before a selectbox keyed `key` over `options`: select the last option that was not offered last time (a
    sentence just typed), or the last option when the chosen one is gone; otherwise keep the choice."""
    seen = st.session_state.get(seen_key)
    new = [option for option in options if seen is None or option not in seen]
    if new:
        st.session_state[key] = new[-1]
    elif st.session_state.get(key) not in options and options:
        st.session_state[key] = options[-1]
    st.session_state[seen_key] = list(options)


def think_about_it(question: str, answer: str) -> None:
    """The lesson's question at the bottom of a page, its answer folded away until asked for."""
    st.divider()
    st.subheader(":material/psychology_alt: Think about it")
    st.markdown(question)
    with st.expander("Show the answer"):
        st.markdown(answer)


def sidebar_status() -> None:
    """The sidebar's status box: data set, this session's models, and its running or queued jobs."""

    @st.fragment(run_every=LIVE_UPDATE_S if any_active() else None)
    def status():
        ok, message = data_status()
        with st.container(border=True):
            st.markdown("**Status**")
            if ok:
                st.markdown(f":green[:material/check_circle:] Data set: {message.split(' from ')[0]}")
            else:
                st.markdown(":red[:material/error:] Data set missing: see Home")
            snapshots = session_snapshots()
            names = run_names(snapshots)
            trained = [names[s.id] for s in snapshots if s.summary and s.id in names]
            stored = [f"{stored_name(job.stored)} (stored)" for job in _stored_names(stored_jobs(), set(trained)).values()]
            st.markdown(f"Models: {', '.join(trained + stored) if trained or stored else 'none yet'}")
            if st.session_state.get(StateKeys.DATA_CHOICE):
                st.markdown(":material/upload_file: Training on your uploaded sentences")
            for snapshot in snapshots:
                if snapshot.active:
                    st.progress(snapshot.fraction, text=progress_text(snapshot, names.get(snapshot.id, snapshot.label)))
            for snapshot in snapshots:
                if snapshot.status == jobs.FAILED:
                    st.markdown(f":red[:material/error:] {snapshot.label} failed: {snapshot.error}")
        rerun_when_jobs_end()

    status()
