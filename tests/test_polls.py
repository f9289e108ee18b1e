"""rnnlab.polls and rnnlab.wall on a real SQLite file: answers from 30 threads and from 30 processes at once are all
counted, everything survives reopening the file (a web server's restart), a wrong token raises PermissionError,
and the built-in questions' answers are computed from the ledger and the measured results."""

from __future__ import annotations

import multiprocessing
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from rnnlab import classroom_state, polls, wall
from tests import poll_voter

ROOT = Path(__file__).resolve().parents[1]

TOKEN = "correct horse battery staple"
CHOICES = ["SimpleRNN", "LSTM", "GRU", "BiLSTM"]


@pytest.fixture
def store(tmp_path, monkeypatch):
    monkeypatch.setenv("RNNLAB_INSTRUCTOR_TOKEN", TOKEN)
    monkeypatch.setenv("RNNLAB_RUNS_DIR", str(tmp_path))
    return tmp_path


def test_a_session_answers_once_and_may_change_until_the_reveal(store):
    poll_id = polls.open_poll(TOKEN, "Which network?", CHOICES)
    polls.answer(poll_id, "session-a", "LSTM")
    polls.answer(poll_id, "session-b", "LSTM")
    polls.answer(poll_id, "session-a", "GRU")  # changed its mind: still one answer
    assert polls.tally(poll_id).counts == {"SimpleRNN": 0, "LSTM": 1, "GRU": 1, "BiLSTM": 0}
    assert polls.my_answer(poll_id, "session-a") == "GRU"
    final = polls.reveal(TOKEN, poll_id)
    assert final.total == 2 and final.poll.state == polls.REVEALED
    with pytest.raises(ValueError, match="no longer open"):
        polls.answer(poll_id, "session-a", "LSTM")
    assert polls.tally(poll_id).counts["GRU"] == 1


def test_answers_are_anonymous(store):
    poll_id = polls.open_poll(TOKEN, "Which network?", CHOICES)
    polls.answer(poll_id, "session-with-a-recognisable-id", "LSTM")
    data = classroom_state.path().read_bytes()
    wal = classroom_state.path().with_name(classroom_state.FILE_NAME + "-wal")
    data += wal.read_bytes() if wal.exists() else b""
    assert b"session-with-a-recognisable-id" not in data
    with classroom_state.connect() as connection:
        (stored_voter,) = connection.execute("SELECT voter FROM answers").fetchone()
    assert len(stored_voter) == 64  # a sha256, salted: not the id, not the id's plain hash
    import hashlib
    assert stored_voter != hashlib.sha256(b"session-with-a-recognisable-id").hexdigest()


def test_a_wrong_token_raises_and_changes_nothing(store):
    with pytest.raises(PermissionError):
        polls.open_poll("wrong", "Which network?", CHOICES)
    with pytest.raises(PermissionError):
        polls.open_poll(None, "Which network?", CHOICES)
    poll_id = polls.open_poll(TOKEN, "Which network?", CHOICES)
    with pytest.raises(PermissionError):
        polls.reveal("wrong", poll_id)
    with pytest.raises(PermissionError):
        polls.close("", poll_id)
    assert polls.get(poll_id).state == polls.OPEN
    sentence_id, _ = wall.send("not bad at all", wall.SendLimit())
    with pytest.raises(PermissionError):
        wall.set_hidden("wrong", sentence_id)
    assert [s.text for s in wall.sentences()] == ["not bad at all"]


def test_no_token_configured_means_no_instructor(store, monkeypatch):
    monkeypatch.delenv("RNNLAB_INSTRUCTOR_TOKEN")
    with pytest.raises(PermissionError, match="not set"):
        polls.open_poll(TOKEN, "Which network?", CHOICES)


def test_bad_answers_and_questions_get_clear_messages(store):
    poll_id = polls.open_poll(TOKEN, "Which network?", CHOICES)
    with pytest.raises(ValueError, match="not one of this poll's choices"):
        polls.answer(poll_id, "s", "Transformer")
    number_id = polls.open_poll(TOKEN, "How many parameters?", None)
    with pytest.raises(ValueError, match="not a number"):
        polls.answer(number_id, "s", "lots")
    with pytest.raises(ValueError, match="finite"):
        polls.answer(number_id, "s", "inf")
    polls.answer(number_id, "s", "98,816")
    polls.answer(number_id, "t", "98816.0")
    polls.answer(number_id, "u", "12.5")
    assert polls.tally(number_id).counts == {"12.5": 1, "98816": 2}
    with pytest.raises(ValueError, match="between 2"):
        polls.open_poll(TOKEN, "Only one?", ["yes"])
    with pytest.raises(ValueError, match="same"):
        polls.open_poll(TOKEN, "Twice?", ["yes", "yes "])
    with pytest.raises(ValueError, match="empty"):
        polls.open_poll(TOKEN, "   ", ["yes", "no"])
    with pytest.raises(KeyError):
        polls.tally(9999)


def _answer_in_thread(barrier, poll_id, i, errors):
    try:
        barrier.wait()
        polls.answer(poll_id, f"student-{i}", CHOICES[i % 4])
    except Exception as error:  # noqa: BLE001 -- reported by the test
        errors.append(error)


def test_thirty_threads_answering_at_once_lose_no_answer(store):
    poll_id = polls.open_poll(TOKEN, "Which network?", CHOICES)
    barrier, errors = threading.Barrier(30), []
    threads = [threading.Thread(target=_answer_in_thread, args=(barrier, poll_id, i, errors)) for i in range(30)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    print(f"30 threads answered in {time.perf_counter() - started:.3f} s")
    assert errors == []
    tally = polls.tally(poll_id)
    assert tally.total == 30
    assert tally.counts == {"SimpleRNN": 8, "LSTM": 8, "GRU": 7, "BiLSTM": 7}


VOTER = """
import os, sys, time
from pathlib import Path
from rnnlab import polls
poll_id, i, choice, go = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], Path(sys.argv[4])
print("READY", flush=True)
while not go.exists():
    time.sleep(0.005)
polls.answer(poll_id, f"student-{i}", choice)
print("DONE", i, flush=True)
"""


def test_thirty_processes_answering_at_once_lose_no_answer(store, tmp_path):
    """Thirty processes, as thirty answers arriving at several web servers sharing the run store: each a fresh
    interpreter that imports rnnlab.polls, says it is ready, and answers when the go file appears."""
    poll_id = polls.open_poll(TOKEN, "Which network?", CHOICES)
    go = tmp_path / "go"
    env = dict(os.environ, RNNLAB_RUNS_DIR=str(store), RNNLAB_INSTRUCTOR_TOKEN=TOKEN)
    processes = [subprocess.Popen([sys.executable, "-c", VOTER, str(poll_id), str(i), CHOICES[i % 4], str(go)],
                                  cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True) for i in range(30)]
    for process in processes:
        assert process.stdout.readline().strip() == "READY"
    started = time.perf_counter()
    go.touch()  # all thirty, started and waiting, answer at the same moment
    outputs = [process.communicate(timeout=60)[0] for process in processes]
    print(f"30 processes answered in {time.perf_counter() - started:.3f} s")
    assert [process.returncode for process in processes] == [0] * 30
    assert sorted(int(out.split()[1]) for out in outputs) == list(range(30))
    assert polls.tally(poll_id).counts == {"SimpleRNN": 8, "LSTM": 8, "GRU": 7, "BiLSTM": 7}


def test_everything_survives_a_restart(store):
    """A fresh process (a restarted web server, nothing in memory) reads what another wrote."""
    poll_id = polls.open_poll(TOKEN, "Which network?", CHOICES, answer={"text": "LSTM", "correct": ["LSTM"]})
    for i in range(5):
        polls.answer(poll_id, f"student-{i}", "LSTM" if i < 3 else "GRU")
    polls.reveal(TOKEN, poll_id)
    wall.send("I would not say it is great", wall.SendLimit())
    classroom_state.set_step(4)
    context = multiprocessing.get_context("spawn")  # nothing inherited: a new interpreter
    out = context.Queue()
    child = context.Process(target=poll_voter.read_back, args=(str(store), TOKEN, poll_id, out))
    child.start()
    counts, state, texts, step = out.get(timeout=120)
    child.join(30)
    assert counts == {"SimpleRNN": 0, "LSTM": 3, "GRU": 2, "BiLSTM": 0}
    assert state == polls.REVEALED
    assert texts == ["I would not say it is great"]
    assert step == 4
    assert polls.tally(poll_id).answer == {"text": "LSTM", "correct": ["LSTM"]}


def test_current_poll_is_the_newest_not_closed(store):
    assert polls.current() is None
    first = polls.open_poll(TOKEN, "First?", ["yes", "no"])
    second = polls.open_poll(TOKEN, "Second?", ["yes", "no"])
    assert polls.current().id == second
    polls.close(TOKEN, second)
    assert polls.current().id == first
    polls.close(TOKEN, first)
    assert polls.current() is None


def test_the_lesson_step_is_shared(store):
    assert classroom_state.current_step() is None
    classroom_state.set_step(3)
    classroom_state.set_step(7)
    assert classroom_state.current_step() == 7


def test_the_wall_cleans_limits_and_hides(store):
    limit = wall.SendLimit()
    with pytest.raises(ValueError, match="no sentence"):
        wall.send("   \n  ", limit)
    long_id, warnings = wall.send("x" * 250, limit)
    assert warnings == ["Sentence 1 was cut to the first 200 characters."]
    wall.send("  not bad, just good  ", limit)
    wall.send("what a great way to waste an evening", limit)
    with pytest.raises(ValueError, match="At most 3 sentences a minute"):
        wall.send("one more", limit)
    assert [len(s.text) for s in wall.sentences()][0] == 200
    assert [s.text for s in wall.sentences()][1] == "not bad, just good"
    wall.set_hidden(TOKEN, long_id)
    assert [s.text for s in wall.sentences()] == ["not bad, just good", "what a great way to waste an evening"]
    assert len(wall.sentences(include_hidden=True)) == 3
    with classroom_state.connect() as connection:
        columns = [row[1] for row in connection.execute("PRAGMA table_info(wall)")]
    assert columns == ["id", "text", "hidden"]  # only the text is kept: no session, no time


def test_send_limit_frees_a_slot_after_a_minute():
    now = [0.0]
    limit = wall.SendLimit(clock=lambda: now[0])
    for _ in range(3):
        limit.check()
        limit.record()
    with pytest.raises(ValueError, match="wait 60 s"):
        limit.check()
    now[0] = 59.0
    with pytest.raises(ValueError, match="wait 1 s"):
        limit.check()
    now[0] = 60.0
    limit.check()


class _Fixed:
    """A model whose P(positive) is fixed per sentence (wall.scored and the built-in question only call .predict)."""

    def __init__(self, by_sentence, default=0.5):
        self.by_sentence, self.default = by_sentence, default

    def predict(self, sentences):
        import numpy as np
        return np.array([self.by_sentence.get(s, self.default) for s in sentences])


def test_wall_orders_by_disagreement():
    runs = {"A": _Fixed({"x": 0.9, "y": 0.5, "z": 0.1}), "B": _Fixed({"x": 0.1, "y": 0.55, "z": 0.2})}
    table = wall.scored(["y", "x", "z", "x"], runs)
    assert list(table.index) == ["x", "z", "y"]
    assert table.loc["x", wall.DISAGREEMENT] == pytest.approx(0.8)
    assert table.loc["y", wall.DISAGREEMENT] == pytest.approx(0.05)


def test_builtin_not_bad_uses_the_models_outputs():
    runs = {"LSTM": _Fixed({polls.NOT_BAD: 0.8}), "SimpleRNN": _Fixed({polls.NOT_BAD: 0.3})}
    runs["LSTM"].arch = "LSTM"  # named by architecture only when every run has one of its own
    question, choices, answer = polls.not_bad_question(runs)
    assert choices == ["LSTM", "SimpleRNN", "None of them"]
    assert answer["correct"] == ["LSTM"]
    assert "LSTM 0.800" in answer["text"] and "SimpleRNN 0.300" in answer["text"]
    _, _, none = polls.not_bad_question({"SimpleRNN": _Fixed({polls.NOT_BAD: 0.3})})
    assert none["correct"] == ["None of them"]
    long_names = {"LSTM, 8 units": _Fixed({polls.NOT_BAD: 0.8}), "GRU, 8 units": _Fixed({polls.NOT_BAD: 0.2})}
    long_names["LSTM, 8 units"].arch, long_names["GRU, 8 units"].arch = "LSTM", "GRU"
    _, choices, answer = polls.not_bad_question(long_names)
    assert choices == ["LSTM", "GRU", "None of them"] and answer["correct"] == ["LSTM"]
    long_names["GRU, 8 units"].arch = "LSTM"  # two LSTMs: their run names tell them apart
    assert polls.not_bad_question(long_names)[1] == ["LSTM, 8 units", "GRU, 8 units", "None of them"]
    with pytest.raises(ValueError, match="needs trained models"):
        polls.not_bad_question({})


def test_builtin_lstm_parameters_is_the_ledgers_count():
    question, choices, answer = polls.lstm_parameters_question(5404)
    assert choices is None and answer["correct"] == 98_816
    assert "98,816 = 4 x (64 + 128 + 1) x 128" in answer["text"]
    assert polls.lstm_parameters_question(5404, 8, 8)[2]["correct"] == 4 * (8 + 8 + 1) * 8


def test_builtin_long_range_reads_the_measured_accuracy():
    from rnnlab.longrange_results import load_results

    results = load_results()
    _, choices, answer = polls.long_range_question(results)
    simple = [r["val_accuracy"] for r in results["rows"] if r["arch"] == "SimpleRNN" and r["lag"] == 75]
    expected = "Yes" if sum(simple) / len(simple) >= 0.9 else "No"
    assert answer["correct"] == [expected]
    assert f"{sum(simple) / len(simple):.2f}" in answer["text"]
    made_up = {"provenance": {"command": "x", "date": "d"},
               "rows": [{"arch": "SimpleRNN", "lag": 75, "val_accuracy": 0.97}]}
    assert polls.long_range_question(made_up)[2]["correct"] == ["Yes"]
    with pytest.raises(ValueError, match="missing"):
        polls.long_range_question(None)


def test_the_tally_chart_groups_many_number_answers_and_colours_the_correct_ones():
    from rnnlab.charts import polls as charts_polls

    counts = {str(n): 1 for n in range(20)} | {"98816": 5}
    fig = charts_polls.poll_tally(counts, correct=["98816", "3"])
    bars = fig.data[0]
    assert len(bars.y) == charts_polls.MAX_BARS and bars.y[-1] == charts_polls.OTHERS
    assert sum(bars.x) == 25  # nobody's answer is lost from the chart
    colours = dict(zip(bars.y, bars.marker.color))
    assert colours["98816"] == colours["3"] != colours["0"]
    assert list(charts_polls.poll_tally({"yes": 2, "no": 0}).data[0].x) == [2, 0]
