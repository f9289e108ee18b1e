"""Lesson: the lecture in order, one step at a time (?step=4 opens step 4), each with its live element, what to
notice and the lesson's question. The instructor (a session unlocked with RNNLAB_INSTRUCTOR_TOKEN) leads: its
Back / Next move every student who follows, and it opens class polls whose live tally every screen shows.

Layout only: the steps are rnnlab.lesson, the polls rnnlab.polls, the wall rnnlab.wall; rnnlab.ui.lesson_view draws.
"""

import streamlit as st

from rnnlab import auth, lesson
from rnnlab.ui import frame, lesson_view

frame.require_app_frame()  # a page opened by its own address on a fresh server

number = lesson_view.current_step()
step = lesson.STEPS[number - 1]
lesson_view.follow_toggle()
lesson_view.live_class(number)  # follows the instructor and shows the open poll, once a second
lesson_view.step_title(number, step)
lesson_view.navigation(number, "top")

lesson_view.adopt_stored_models()  # a session with no models of its own takes the run store's lesson models
runs = lesson_view.lesson_runs(step)
lesson_view.draw(step, runs)
lesson_view.question(step)
lesson_view.navigation(number, "bottom")

if auth.configured():  # a server without RNNLAB_INSTRUCTOR_TOKEN has no instructor: nothing to lead with
    with st.sidebar.expander("Lead the lesson", icon=":material/school:"):
        lesson_view.instructor_controls(step, number, runs)
