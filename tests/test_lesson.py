"""rnnlab.lesson: the steps in the lesson's order, the address's step parsed with a clear message, the class's step
kept behind the instructor's token, the stored runs a lesson takes up, and the computed notices."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from rnnlab import lesson, polls


def test_ten_steps_in_the_lessons_order():
    assert [s.key for s in lesson.STEPS] == ["data", "embedding", "simple_rnn", "long_term", "gates", "lstm", "gru",
                                             "bilstm", "compare", "order"]
    assert lesson.COUNT == 10
    for step in lesson.STEPS:
        assert step.title and 2 <= step.text.count(". ") + 1 <= 5, step.key  # two or three sentences, a few more
        assert all(key in polls.BUILT_IN for key in step.polls)
        assert (step.question is None) == (step.answer is None)
    assert {key for step in lesson.STEPS for key in step.polls} == set(polls.BUILT_IN)


@pytest.mark.parametrize("value, expected, message", [
    (None, 1, None), ("", 1, None), ("4", 4, None), (" 10 ", 10, None),
    ("0", 1, "There is no step 0"), ("11", 1, "There is no step 11"), ("-3", 1, "There is no step -3"),
    ("4.5", 1, "'4.5' is not a step number"), ("four", 1, "'four' is not a step number"),
])
def test_parse_step(value, expected, message):
    number, said = lesson.parse_step(value)
    assert number == expected
    assert (said is None) if message is None else (message in said and "Showing step 1" in said)


def test_the_class_step_needs_the_token(tmp_path, monkeypatch):
    monkeypatch.setenv("RNNLAB_RUNS_DIR", str(tmp_path))
    monkeypatch.setenv("RNNLAB_INSTRUCTOR_TOKEN", "t0ken")
    assert lesson.class_step() is None
    with pytest.raises(PermissionError):
        lesson.set_class_step("wrong", 3)
    assert lesson.class_step() is None
    lesson.set_class_step("t0ken", 3)
    assert lesson.class_step() == 3
    with pytest.raises(ValueError, match="no step 12"):
        lesson.set_class_step("t0ken", 12)


def test_missing_archs():
    step = lesson.STEPS[5]  # SimpleRNN and LSTM
    assert lesson.missing_archs(step, ["SimpleRNN"]) == ["LSTM"]
    assert lesson.missing_archs(step, ["SimpleRNN", "LSTM", "GRU"]) == []
    assert lesson.missing_archs(lesson.STEPS[1], []) == ["any model"]
    assert lesson.missing_archs(lesson.STEPS[0], []) == []


def test_lesson_run_ids_prefer_the_lessons_settings_then_the_newest():
    def run(i, arch, key="k", saved=0.0, status="finished"):
        return SimpleNamespace(id=i, arch=arch, key=key, saved_at=saved, stopped=status == "stopped")

    stored = [run("a", "LSTM", saved=1), run("b", "LSTM", saved=2), run("c", "LSTM", key="lesson", saved=0),
              run("d", "GRU", saved=5, status="stopped"), run("e", "SimpleRNN", saved=3)]
    assert lesson.lesson_run_ids(stored, ["lesson"]) == ["e", "c"]
    assert lesson.lesson_run_ids(stored) == ["e", "b"]


class _Model:
    def __init__(self, arch, p, val_accuracy, val_size=600, train_size=2400):
        self.arch, self.p = arch, p
        self.history = {"val_accuracy": val_accuracy}
        self.config = {"val_size": val_size, "train_size": train_size, "embed_dim": 64, "units": 128}

    def predict(self, sentences):
        return np.array([self.p(s) for s in sentences])


def test_notices_are_computed():
    simple = _Model("SimpleRNN", lambda s: 0.1 if "hate" in s else 0.95, [0.7, 0.75])
    said = lesson.simple_rnn_notice("SimpleRNN", simple, 2400, 5404)
    assert "370,689 parameters, 154 for every one of its 2,400 training sentences" in said
    assert "0.750" in said and "0.100" in said and "0.950" in said
    runs = {"SimpleRNN": simple, "LSTM": _Model("LSTM", lambda s: 0.5, [0.78, 0.8])}
    assert lesson.accuracy_notice(runs) == ("Best validation accuracy: SimpleRNN 0.750; LSTM 0.800. LSTM is highest, "
                                            "by 0.050 over the lowest, 30 of 600 validation sentences.")
    table = pd.DataFrame({"A": [0.9, 0.5], "B": [0.1, 0.52]}, index=["split", "agreed"])
    assert lesson.probability_notice(table) == ("They disagree most on *split*: from 0.100 (B) to 0.900 (A). Most "
                                                "agreed: *agreed* (within 0.020).")
    toy = lesson.toy_notice((0.9, 1.1), 150)
    assert "with w = 0.9 it is 2.28e-05" in toy and "13 orders of magnitude" in toy
    assert "BiLSTM 197,632 (8.00 x)" in lesson.ledger_notice(["SimpleRNN", "BiLSTM"], 5404)


def test_baseline_notice_places_the_bag_of_words_among_the_networks():
    runs = {"A": _Model("SimpleRNN", lambda s: 0.5, [0.77]), "B": _Model("LSTM", lambda s: 0.5, [0.80, 0.82])}
    assert lesson.baseline_notice(0.827, runs) == ("On these reviews the bag of words scores 0.827 on validation, "
                                                   "above every network (0.770 to 0.820): most of a review's "
                                                   "sentiment is in which words it has.")
    assert "among the networks" in lesson.baseline_notice(0.8, runs)
