"""A run's progress in words and curves: the progress bar's text, what a stopped run means, a job's history in
the chart's shape, and the progress bars a page shows while this session trains."""

from __future__ import annotations

import streamlit as st

from rnnlab import jobs
from rnnlab.ui import naming, session
from rnnlab.ui.state import StateKeys


def stopped_caption(snapshot: jobs.JobSnapshot) -> str:
    """What a stopped run's table line means: cut short, or Stop came as its last epoch was ending."""
    done, planned = snapshot.summary.get("epochs_done"), snapshot.config["epochs"]
    if done is not None and done >= planned:
        return (f"{snapshot.label}: Stop came as its last epoch was ending, so it trained all {planned} epochs; "
                "it is kept as a stopped run.")
    return (f"{snapshot.label} was stopped after {done} of {planned} epochs; what it learned is kept for the "
            "other pages.")


def curve_data(snapshot: jobs.JobSnapshot, name: str) -> dict:
    """A job's history in the shape rnnlab.charts.training_curves draws."""
    history = {metric: [e.get(metric) for e in snapshot.epochs] for metric in
               ("loss", "accuracy", "val_loss", "val_accuracy")}
    return dict(id=snapshot.id, name=name, arch=snapshot.config["arch"], batch_history=list(snapshot.batches),
                history=history, batches_per_epoch=snapshot.batches_per_epoch)


def progress_text(snapshot: jobs.JobSnapshot, name: str) -> str:
    """'LSTM: epoch 2/10, batch 31/75, 12 s left' (or its place in the queue); a run shared with the session
    that started it says so."""
    if snapshot.owner != st.session_state.get(StateKeys.SESSION_ID):
        name = f"{name} (started by another session)"
    if snapshot.status == jobs.QUEUED:
        return (f"{name}: waiting for a free CPU, place {snapshot.queue_position or '?'} in the queue (every CPU "
                "of the cluster is training)")
    if snapshot.stopping:
        return f"{name}: stopping after the batches it is on"
    if not snapshot.batches:
        return f"{name}: starting (loading the data and TensorFlow)"
    text = f"{name}: epoch {snapshot.epoch}/{snapshot.config['epochs']}"
    if snapshot.batches_per_epoch:
        text += f", batch {snapshot.batch}/{snapshot.batches_per_epoch}"
    if snapshot.eta is not None:
        text += f", {snapshot.eta:.0f} s left"
    return text


def training_progress() -> None:
    """Progress bars of this session's queued and running jobs, redrawn every second while any is active."""

    @st.fragment(run_every=session.live_interval())
    def bars():
        snapshots = session.session_snapshots()
        names = naming.run_names(snapshots)
        for snapshot in snapshots:
            if snapshot.active:
                st.progress(snapshot.fraction, text=progress_text(snapshot, names.get(snapshot.id, snapshot.label)))
        session.rerun_when_jobs_end()

    bars()
