"""The sidebar's status box, drawn by app.py after every page: the data set, this session's models, and its
running, queued or failed jobs (a fragment, redrawn while one is active)."""

from __future__ import annotations

import streamlit as st

from rnnlab import jobs
from rnnlab.ui import dataset, naming, progress, session, stored


def sidebar_status() -> None:
    """The sidebar's status box: data set, this session's models, and its running or queued jobs."""

    @st.fragment(run_every=session.live_interval())
    def status():
        ok, message = dataset.data_status()
        with st.container(border=True):
            st.markdown("**Status**")
            if ok:
                st.markdown(f":green[:material/check_circle:] Data set: {message.split(' from ')[0]}")
            else:
                st.markdown(":red[:material/error:] Data set missing: see Home")
            snapshots = session.session_snapshots()
            names = naming.run_names(snapshots)
            trained = [names[s.id] for s in snapshots if s.summary and s.id in names]
            picked = naming.stored_names(stored.stored_jobs(), set(trained))
            from_store = [f"{naming.stored_name(job.stored)} (stored)" for job in picked.values()]
            st.markdown(f"Models: {', '.join(trained + from_store) if trained or from_store else 'none yet'}")
            if dataset.data_choice():
                st.markdown(":material/upload_file: Training on your uploaded sentences")
            for snapshot in snapshots:
                if snapshot.active:
                    text = progress.progress_text(snapshot, names.get(snapshot.id, snapshot.label))
                    st.progress(snapshot.fraction, text=text)
            for snapshot in snapshots:
                if snapshot.status == jobs.FAILED:
                    st.markdown(f":red[:material/error:] {snapshot.label} failed: {snapshot.error}")
        session.rerun_when_jobs_end()

    status()
