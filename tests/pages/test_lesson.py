"""The Lesson page under AppTest: every step opens from its address with its title, live element and computed
notice; a bad address says so and shows step 1; without models a step says how to get them; only an unlocked
instructor sees the controls, moves the class's step and opens polls, and a student's answer reaches the tally."""

from __future__ import annotations

import pytest

from rnnlab import classroom_state, lesson, polls
from rnnlab.ui.state import StateKeys as K
from tests.lesson_store import prepare_store
from tests.pages.conftest import ROOT, figures, texts

TOKEN = "lesson-test-token"


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    # RNNLAB_LESSON_TEST_RUNS reuses a store across test sessions (the tiny models are trained once there).
    import os
    from pathlib import Path

    given = os.environ.get("RNNLAB_LESSON_TEST_RUNS")
    runs_dir = Path(given) if given else tmp_path_factory.mktemp("lesson-runs")
    return runs_dir, prepare_store(runs_dir)


@pytest.fixture
def env(store, monkeypatch):
    runs_dir, ids = store
    monkeypatch.setenv("RNNLAB_RUNS_DIR", str(runs_dir))
    monkeypatch.setenv("RNNLAB_INSTRUCTOR_TOKEN", TOKEN)
    with classroom_state.connect(write=True) as connection:  # each test starts with no step, poll or wall
        connection.execute("DELETE FROM lesson")
        connection.execute("UPDATE polls SET state = 'closed'")
        connection.execute("DELETE FROM wall")
    return ids


def open_lesson(step=None, state=None, timeout=180):
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=timeout)
    for key, value in (state or {}).items():
        at.session_state[key] = value
    at.run()
    if step is not None:
        at.query_params["step"] = str(step)
    at.switch_page("pages/lesson.py").run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def markdown(at) -> str:
    return "\n".join(texts(at.markdown))


@pytest.mark.parametrize("number", range(1, lesson.COUNT + 1))
def test_every_step_opens_from_its_address(env, number):
    at = open_lesson(number)
    step = lesson.STEPS[number - 1]
    assert [h.value for h in at.title] == [f"{number}. {step.title}"]
    assert f"Step {number} of {lesson.COUNT}" in markdown(at)
    assert "Notice:" in markdown(at), markdown(at)  # every step computes what to notice
    assert not [e for e in at.info if "not trained yet" in str(e.value)]
    if step.question:
        assert f"**:red[Question:]** {step.question}" in markdown(at)
        assert [e.label for e in at.expander if e.label == "Show the answer"]
    back, forward = (b for b in at.button if b.label in ("Back", "Next") and "top" in b.key)
    assert back.disabled == (number == 1) and forward.disabled == (number == lesson.COUNT)


def test_a_bad_step_says_so_and_shows_step_one(env):
    for bad, said in (("99", "There is no step 99"), ("four", "'four' is not a step number")):
        at = open_lesson(bad)
        assert any(said in str(w.value) for w in at.warning), texts(at.warning)
        assert at.title[0].value == f"1. {lesson.STEPS[0].title}"
        assert at.query_params["step"] == "1"


def test_next_moves_to_the_next_step_and_its_address(env):
    at = open_lesson(3)
    next(b for b in at.button if b.key == "lesson.next.top").click().run()
    assert at.title[0].value == f"4. {lesson.STEPS[3].title}"
    assert at.query_params["step"] == "4"
    assert classroom_state.current_step() is None  # a student moves only itself


def test_the_data_step_computes_its_notice(env):
    at = open_lesson(1)
    text = markdown(at)
    assert "*very good movie* becomes [18, 19, 26]" in text and "*Mochen Yang* becomes [1, 1]" in text
    assert "5,404 tokens" in text


def test_the_parameter_steps_read_the_ledger(env):
    at = open_lesson(6)
    text = markdown(at)
    # the stored models are 8 units, embedding 8: the ledger's own numbers for them, not the lesson's
    assert f"SimpleRNN {(8 + 8 + 1) * 8:,}; LSTM {4 * (8 + 8 + 1) * 8:,} (4.00 x)" in text
    assert any(f["data"] and f["data"][0].get("type") == "bar" for f in figures(at))


def test_without_models_a_step_says_how_to_get_them(env, tmp_path, monkeypatch):
    monkeypatch.setenv("RNNLAB_RUNS_DIR", str(tmp_path))
    at = open_lesson(3)
    said = " ".join(texts(at.info))
    assert "SimpleRNN is not trained yet" in said and "python -m rnnlab.prepare" in said
    (link,) = [link for link in at.main.get("page_link") if link.proto.page.endswith("train")]
    assert link.proto.label == "Train SimpleRNN (3 epochs)"
    assert link.proto.query_string == "epochs=3"  # the Train page's shared-link settings (SimpleRNN: its default)
    at = open_lesson(6)
    (link,) = [link for link in at.main.get("page_link") if link.proto.page.endswith("train")]
    assert link.proto.query_string == "archs=SimpleRNN%2CLSTM&epochs=3"
    at = open_lesson(1)  # the data needs no model
    assert "Notice:" in markdown(at)


def test_students_see_no_instructor_controls(env):
    at = open_lesson(2)
    labels = [b.label for b in at.button]
    assert "Open this poll" not in labels and "Move the class to this step" not in labels
    assert [t.label for t in at.text_input if t.label == "Instructor's token"]  # the unlock field only
    assert sorted(t.label for t in at.toggle) == ["Follow the instructor", "Presenter mode"]


def test_no_token_on_the_server_means_no_controls_and_no_follow(env, monkeypatch):
    monkeypatch.delenv("RNNLAB_INSTRUCTOR_TOKEN")
    at = open_lesson(2)
    assert not [t for t in at.text_input if t.label == "Instructor's token"]
    assert "Follow the instructor" not in [t.label for t in at.toggle]


def test_the_instructor_leads_and_polls(env):
    teacher = open_lesson(5, {K.INSTRUCTOR_TOKEN: TOKEN})
    assert "Follow the instructor" not in [t.label for t in teacher.toggle]
    next(b for b in teacher.button if b.key == "lesson.next.top").click().run()
    assert classroom_state.current_step() == 6  # Next moved the class
    teacher.selectbox(key=K.LESSON_POLL_PICK).set_value("lstm_parameters").run()
    next(b for b in teacher.button if b.label == "Open this poll").click().run()
    poll = polls.current()
    assert poll.question == polls.BUILT_IN["lstm_parameters"] and poll.kind == polls.NUMBER
    assert poll.answer["correct"] == 4 * (8 + 8 + 1) * 8  # the stored LSTM's own ledger

    student = open_lesson(6, {K.SESSION_ID: "student-1"})
    assert "Class poll:" in markdown(student)
    student.text_input(key=K.LESSON_NUMBER_ANSWER).input("544")
    next(b for b in student.button if b.label == "Send my answer").click().run()
    assert polls.tally(poll.id).counts == {"544": 1}
    assert polls.my_answer(poll.id, "student-1") == "544"

    teacher.run()
    next(b for b in teacher.button if b.label == "Reveal").click().run()
    assert polls.get(poll.id).state == polls.REVEALED
    assert any("544 = 4 x (8 + 8 + 1) x 8" in t for t in texts(teacher.markdown))
    assert "You answered 544: right." in " ".join(texts(student.run().caption))


def test_a_following_student_moves_to_the_class_step(env):
    student = open_lesson(2, {K.LESSON_FOLLOW: True})
    lesson.set_class_step(TOKEN, 7)
    student.run()
    assert student.title[0].value == f"7. {lesson.STEPS[6].title}"
    assert student.query_params["step"] == "7"
    with pytest.raises(PermissionError):
        lesson.set_class_step("not the token", 3)
    # Moving on their own, the student stops following (and is told), so the class's step no longer pulls them.
    next(b for b in student.button if b.key == "lesson.back.top").click().run()
    assert student.title[0].value == f"6. {lesson.STEPS[5].title}"
    assert student.session_state[K.LESSON_FOLLOW] is False
    assert any("no longer follow the instructor" in c for c in texts(student.caption))
    student.run()
    assert student.title[0].value == f"6. {lesson.STEPS[5].title}"


def test_the_wall_shows_sentences_with_every_model(env):
    at = open_lesson(9)
    at.text_input(key=K.LESSON_WALL_TEXT).input("not bad, just good")
    next(b for b in at.button if b.label == "Send to the wall").click().run()
    assert [s.text for s in __import__("rnnlab.wall", fromlist=["x"]).sentences()] == ["not bad, just good"]
    frames = [df.value for df in at.dataframe if "disagreement" in df.value.columns]
    assert frames and list(frames[0]["sentence"]) == ["not bad, just good"]
    assert {"SimpleRNN, 1 epoch, embedding 8, 8 units, 600 sentences", "Bag of words"} <= set(frames[0].columns)


def test_the_instructor_hides_a_wall_sentence_and_students_cannot(env):
    from rnnlab import wall

    wall.send("a rude sentence", wall.SendLimit())
    wall.send("not bad, just good", wall.SendLimit())
    student = open_lesson(9)
    assert not [m for m in student.multiselect if m.label == "Hide from the wall"]
    teacher = open_lesson(9, {K.INSTRUCTOR_TOKEN: TOKEN})
    rude = next(s for s in wall.sentences() if s.text == "a rude sentence")
    teacher.multiselect(key=K.LESSON_HIDE).set_value([f"{rude.id}: a rude sentence"]).run()
    next(b for b in teacher.button if b.label == "Hide").click().run()
    assert [s.text for s in wall.sentences()] == ["not bad, just good"]
    frames = [df.value for df in student.run().dataframe if "disagreement" in df.value.columns]
    assert list(frames[0]["sentence"]) == ["not bad, just good"]
