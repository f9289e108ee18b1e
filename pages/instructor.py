"""Instructor: the whole class's training queue, a Stop for any run, and Pause/Resume of training for everyone.

In the navigation only where the server has RNNLAB_INSTRUCTOR_TOKEN set, and locked until that token is entered
(rnnlab.ui.instructor_session); the parts are rnnlab.ui.instructor_view's.
"""

import streamlit as st

from rnnlab.ui import frame, instructor_view

frame.require_app_frame()  # a page opened by its own address on a fresh server

st.title("Instructor: the class's queue")
st.markdown(
    "Every run queued or training on the cluster, in the order the trainers take them (sessions in turn), with "
    "each student's session as a short anonymous id. Stop any run, or pause training for the class while you "
    "explain: students then get stored models only."
)
instructor_view.show()
