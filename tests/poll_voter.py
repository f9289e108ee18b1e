"""The child processes of tests/test_polls.py (a module of its own, so a child imports only rnnlab.polls, not pytest
and the test module): each is one student's browser session answering through another web server."""

import os


def read_back(runs_dir, token, poll_id, out):
    os.environ["RNNLAB_RUNS_DIR"], os.environ["RNNLAB_INSTRUCTOR_TOKEN"] = runs_dir, token
    from rnnlab import classroom_state, polls, wall

    tally = polls.tally(poll_id)
    out.put((tally.counts, tally.poll.state, [s.text for s in wall.sentences()], classroom_state.current_step()))
