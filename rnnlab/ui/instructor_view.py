"""The Instructor page's parts: once unlocked with RNNLAB_INSTRUCTOR_TOKEN (rnnlab.ui.instructor_session), the
whole cluster's queue (place, the owner as a short anonymous id, settings, elapsed), a Stop for every run, and
Pause/Resume of training for the class, then the run store (rnnlab.ui.store_admin). Every action goes through rnnlab.classroom.Instructor, which checks the
token again."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from rnnlab import auth, classroom, jobs
from rnnlab.ui import instructor_session, store_admin


def _instructor() -> classroom.Instructor | None:
    token = instructor_session.token()
    return classroom.Instructor(token) if token else None


def _stop(run_id: str, settings: str) -> None:
    instructor = _instructor()
    if instructor is not None and instructor.stop(run_id):
        st.toast(f"Stopped {settings}.")


def _set_paused(paused: bool) -> None:
    instructor = _instructor()
    if instructor is not None:
        instructor.pause() if paused else instructor.resume()


def queue_table(queue: list[dict]) -> pd.DataFrame:
    return pd.DataFrame(dict(
        Place=[str(row["place"]) if row["place"] is not None else "training" for row in queue],
        Owner=[row["owner"] for row in queue], Settings=[row["settings"] for row in queue],
        Status=[row["status"] for row in queue],
        Elapsed=[f"{row['elapsed_s']:.0f} s" for row in queue]))


def queue_controls(paused: bool, queue: list[dict]) -> None:
    """Pause or Resume, the queue's table and a Stop for each of its runs."""
    if paused:
        st.warning("Training is paused for the class: students get stored models only; queued runs wait.")
        st.button("Resume training", icon=":material/play_arrow:", on_click=_set_paused, args=(False,))
    else:
        st.button("Pause training", icon=":material/pause:", on_click=_set_paused, args=(True,),
                  help="No new training for anyone; what trains now ends normally, what is queued waits.")
    if not queue:
        st.info("Nothing is queued or training on the cluster.")
    else:
        st.subheader(f"The queue: {len(queue)} run(s)")
        st.dataframe(queue_table(queue), hide_index=True)
        for row in queue:
            place = "training" if row["place"] is None else f"place {row['place']}"
            left, right = st.columns([4, 1])
            left.markdown(f"**{row['settings']}** ({place}, session `{row['owner']}`)")
            right.button("Stop", key=f"instructor-stop-{row['run_id']}", on_click=_stop,
                         args=(row["run_id"], row["settings"]))


def show() -> None:
    """The whole page below its title."""
    if not auth.configured():
        st.info(f"There is no instructor on this server: {auth.TOKEN_ENV} is not set.")
        return
    if not instructor_session.unlock_form():
        return
    try:
        instructor = _instructor()
        paused, queue = instructor.paused, instructor.queue()
    except jobs.EngineUnavailable as error:  # the run store below still works without Ray
        st.error(str(error))
    else:
        queue_controls(paused, queue)
    store_admin.render(instructor_session.token())
    st.button("Lock", icon=":material/lock:", on_click=instructor_session.lock)
