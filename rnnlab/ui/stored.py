"""Stored runs shaped like finished jobs, and every trained model this session uses by name: its own runs
that ended with a model and the run store's runs it picked (loaded once per server, rnnlab.runs)."""

from __future__ import annotations

import dataclasses

import streamlit as st

from rnnlab import jobs, runs
from rnnlab.ui import naming, session


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


def stored_jobs() -> list[StoredJob]:
    """This session's stored runs that are still in the store and not already one of its own jobs."""
    own_keys = {job.key for job in session.session_jobs() if job.has_model}
    found = []
    for run_id in session.stored_run_ids():
        stored = runs.read(run_id)
        if stored is not None and stored.key not in own_keys:
            found.append(StoredJob(stored))
    return found


def trained_jobs() -> dict[str, jobs.Job | StoredJob]:
    """name -> job for every model this session uses: its runs that ended with a model (finished or stopped,
    its own or shared) and the stored runs it picked."""
    jobs_by_id = {job.id: job for job in session.session_jobs()}
    snapshots = [job.snapshot() for job in jobs_by_id.values()]
    names = naming.run_names(snapshots)
    trained = {names[i]: job for i, job in jobs_by_id.items() if job.has_model and i in names}
    trained.update(naming.stored_names(stored_jobs(), naming.taken_names(snapshots)))
    return trained


def size_text(size: int) -> str:
    """Bytes for a page: '3.2 MB', or '412 KB' below a tenth of a MB."""
    return f"{size / 2**20:,.1f} MB" if size >= 2**20 / 10 else f"{size / 1024:,.0f} KB"


def _count(n: int, word: str) -> str:
    return f"{n:,} {word}{'' if n == 1 else 's'}"


def store_summary() -> str:
    """What the run store holds and its size on disk, read from the disk now: 'The run store holds 4 runs and
    1 uploaded data set: 7.4 MB on disk (/srv/runs).'"""
    from rnnlab import uploads

    held, _ = runs.list_runs()
    kept = uploads.stored()
    return (f"The run store holds {_count(len(held), 'run')} and {_count(len(kept), 'uploaded data set')}: "
            f"{size_text(runs.store_bytes())} on disk ({runs.store_dir()}).")


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
