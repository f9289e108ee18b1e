"""rnnlab.longrange_task: the generated task is what its docstring says (only the first signal word decides,
counting tells nothing), seeded, and refuses a lag too short for its distractors."""

import numpy as np
import pytest

from rnnlab import longrange_task
from rnnlab.longrange_task import DEFAULTS, WORD_ID, make_task

POSITIVE = {WORD_ID[w] for w in longrange_task.POSITIVE_WORDS}
NEGATIVE = {WORD_ID[w] for w in longrange_task.NEGATIVE_WORDS}


def signal_positions(row):
    return [i for i, token in enumerate(row) if token in POSITIVE | NEGATIVE]


def test_task_layout_and_labels():
    task = make_task(lag=20, n=500, seed=3, prefix_length=5, signal_pairs=2)
    assert task.ids.shape == (500, 5 + 1 + 20) and task.ids.dtype == np.int32
    assert task.decisive_position == 5 and task.steps == 26
    assert set(np.unique(task.labels)) == {0, 1}
    assert 0.4 < task.labels.mean() < 0.6
    assert task.ids.min() >= 2  # no padding, no '[UNK]'
    for row, label in zip(task.ids, task.labels):
        places = signal_positions(row)
        # The first signal sits exactly `lag` words before the end and gives the label...
        assert places[0] == 5 and len(row) - 1 - places[0] == 20
        assert (row[5] in POSITIVE) == bool(label)
        # ...the 3 distractors come after it, and positive and negative signals are always as many.
        assert len(places) == 4
        assert sum(row[i] in POSITIVE for i in places) == 2


def test_the_first_signal_decides_and_a_bag_of_words_cannot_tell():
    task = make_task(lag=30, n=2000, seed=0)
    first = np.array([row[signal_positions(row)[0]] in POSITIVE for row in task.ids])
    last = np.array([row[signal_positions(row)[-1]] in POSITIVE for row in task.ids])
    assert np.mean(first == task.labels) == 1.0
    # Word counts are identical for both labels: the same number of each signal polarity in every sentence...
    positives = np.isin(task.ids, list(POSITIVE)).sum(axis=1)
    assert set(positives) == {2}
    # ...and the latest signal word agrees with the label one time in three (1 of the 3 distractors does).
    assert abs(np.mean(last == task.labels) - 1 / 3) < 0.03


def test_task_is_seeded():
    a, b, c = make_task(10, 50, seed=1), make_task(10, 50, seed=1), make_task(10, 50, seed=2)
    assert np.array_equal(a.ids, b.ids) and np.array_equal(a.labels, b.labels)
    assert not np.array_equal(a.ids, c.ids)


def test_too_short_a_lag_is_refused():
    assert longrange_task.min_lag(2) == 3
    with pytest.raises(ValueError, match="lag >= 3"):
        make_task(lag=2, n=10)
    assert make_task(lag=3, n=10).steps == DEFAULTS["prefix_length"] + 4


def test_decode_reads_the_words():
    task = make_task(lag=5, n=1, seed=0, prefix_length=2)
    words = longrange_task.decode(task.ids[0]).split()
    assert len(words) == 8 and words[2] in ("good", "great", "bad", "awful")
