"""The names runs are shown under, the same on every page and in the run store (rnnlab.runs.run_name): a
session's runs (a configuration trained twice shows once, as its latest run) and its stored runs."""

from __future__ import annotations

from rnnlab import jobs, runs


def run_names(snapshots: list[jobs.JobSnapshot]) -> dict[str, str]:
    """The name of each run shown (rnnlab.runs.run_name: stable, the same on every page and in the store); a
    configuration trained twice (stopped, then again) is shown once, as its latest run."""
    shown = [s for s in snapshots if s.status != jobs.FAILED and (s.batches or s.active)]
    latest = {s.key: s for s in shown}
    return {s.id: s.label for s in latest.values()}


def stored_name(stored: runs.StoredRun) -> str:
    """A stored run's name: the same as while it trained (a notebook's run, with no job config: its id)."""
    return runs.run_name(stored.config) if stored.is_job_config else f"{stored.arch} ({stored.id[-6:]})"


def stored_names(stored: list, taken: set[str]) -> dict:
    """name -> stored run (rnnlab.ui.stored.StoredJob), leaving out those already shown as one of the session's
    own runs."""
    return {stored_name(job.stored): job for job in stored if stored_name(job.stored) not in taken}


def taken_names(snapshots: list[jobs.JobSnapshot]) -> set[str]:
    """The names of the session's shown runs: a stored run of the same settings is not listed again."""
    return set(run_names(snapshots).values())
