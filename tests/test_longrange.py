"""rnnlab.longrange: the generated task is what its docstring says (only the first signal word decides, counting
tells nothing), training at lag 75 agrees with the results file `python -m rnnlab.longrange` wrote, the file
carries its provenance, and the CLI prints and writes it."""

import json

import numpy as np
import pytest

from rnnlab import longrange
from rnnlab.longrange import DEFAULTS, WORD_ID, make_task

POSITIVE = {WORD_ID[w] for w in longrange.POSITIVE_WORDS}
NEGATIVE = {WORD_ID[w] for w in longrange.NEGATIVE_WORDS}


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
    assert longrange.min_lag(2) == 3
    with pytest.raises(ValueError, match="lag >= 3"):
        make_task(lag=2, n=10)
    assert make_task(lag=3, n=10).steps == DEFAULTS["prefix_length"] + 4


def test_decode_reads_the_words():
    task = make_task(lag=5, n=1, seed=0, prefix_length=2)
    words = longrange.decode(task.ids[0]).split()
    assert len(words) == 8 and words[2] in ("good", "great", "bad", "awful")


def test_short_lag_is_learned_and_the_gradient_table_covers_every_word():
    epochs = []
    run = longrange.train_on_task("GRU", lag=5, seed=0, train_size=1500, val_size=400, max_epochs=6,
                                  on_epoch=lambda epoch, logs: epochs.append(logs))
    assert run.val_accuracy >= 0.95
    assert len(run.history["val_accuracy"]) == len(epochs) <= 6
    assert epochs[-1]["seconds"] == pytest.approx(run.seconds)
    grads = longrange.gradient_by_step(run, n=100)
    assert list(grads.columns) == ["model", "arch", "trained", "distance", "gradient_norm"]
    for trained in (True, False):
        norms = grads[grads.trained == trained].set_index("distance")["gradient_norm"]
        assert list(norms.index) == list(range(DEFAULTS["prefix_length"] + 1 + 5))
        assert (norms > 0).all()


def decisive_gradient(run):
    """(trained, untrained) gradient norm at the decisive word, `lag` words before the end."""
    grads = longrange.gradient_by_step(run, n=100)
    at_word = grads[grads.distance == run.lag].set_index("trained")["gradient_norm"]
    return at_word[True], at_word[False]


def test_the_textbook_gap_at_lag_75_remeasured_against_the_results_file():
    """Lag 75, seed 0, re-measured now: LSTM and GRU learn it and SimpleRNN stays at chance, as in the file
    `python -m rnnlab.longrange` wrote. What else is asserted holds on every seed and thread setting measured
    (results/longrange_lag75_threads*.json; the page shows the spread): training lifts the GRU's gradient at
    the decisive word by orders of magnitude and lowers the SimpleRNN's. How far the SimpleRNN's falls is not
    asserted: 0 in float32 here, 0.057 (against 0.257 untrained) on the CI machine."""
    results = longrange.load_results()
    filed = {(r["arch"], r["lag"], r["seed"]): r["val_accuracy"] for r in results["rows"]}
    # No clock: a slow or busy CI machine must not stop the LSTM before the epochs that teach it (measured: one
    # thread here stopped it at 0.834 after 3 epochs and 63 s); the epochs still bound it.
    unhurried = dict(max_seconds=float("inf"))
    lstm = longrange.train_on_task("LSTM", lag=75, seed=0, **unhurried)
    gru = longrange.train_on_task("GRU", lag=75, seed=0, **unhurried)
    simple = longrange.train_on_task("SimpleRNN", lag=75, seed=0, max_epochs=5)
    for run, learned in ((lstm, True), (gru, True), (simple, False)):
        now, then = run.val_accuracy, filed[run.arch, 75, 0]
        if learned:
            assert now >= 0.9 and then >= 0.9, (run.arch, now, then, run.history)
        else:
            assert now <= 0.6 and then <= 0.6, (run.arch, now, then, run.history)
    trained, untrained = decisive_gradient(gru)
    assert trained > 100 * untrained  # an untrained GRU forgets: its gradient there is tiny
    trained, untrained = decisive_gradient(simple)
    assert trained < untrained  # orthogonal at the start; large steps saturate it


def test_the_results_file_has_its_provenance_and_the_whole_grid():
    results = longrange.load_results()
    assert results is not None, "run python -m rnnlab.longrange"
    p = results["provenance"]
    assert p["command"].startswith("python -m rnnlab.longrange")
    assert {"date", "cpu_count", "tensorflow", "keras", "intra_op_threads", "inter_op_threads"} <= set(p)
    assert p["cpu_count"] >= 1 and p["tensorflow"].count(".") == 2 and p["keras"].count(".") == 2
    assert results["settings"] == {**DEFAULTS, **{k: v for k, v in results["settings"].items()
                                                  if k not in DEFAULTS}}
    table = {(r["arch"], r["lag"], r["seed"]): r["val_accuracy"] for r in results["rows"]}
    assert len(table) == 3 * len(longrange.FULL_LAGS) * 3
    assert all(0.3 <= value <= 1.0 for value in table.values())
    diagnosed = {(d["arch"], d["seed"]) for d in results["diagnostics"]}
    assert diagnosed == {(a, s) for a in ("SimpleRNN", "LSTM", "GRU") for s in (0, 1, 2)}
    text = longrange.describe_provenance(results)
    assert p["command"] in text and p["date"] in text and f"TensorFlow {p['tensorflow']}" in text


def test_every_lag_75_measurement_keeps_to_its_side_of_chance():
    """Over every file measured (the table's three seeds, and six seeds under three thread settings), the claims
    the lesson makes at lag 75 hold; the files, not this test, say by how much."""
    files = [longrange.load_results()] + [longrange.load_results(p) for p in longrange.spread_files()]
    diagnostics = [d for results in files for d in longrange.diagnosed_rows(results)]
    assert len(diagnostics) >= 9
    for d in diagnostics:
        if d["arch"] == "SimpleRNN":
            assert d["val_accuracy"] <= 0.6 and d["trained"]["decisive_gradient"] < d["untrained"]["decisive_gradient"]
        else:
            # A run the 50 s clock stopped early (one thread on a busy machine) may not have learned it yet.
            assert d["val_accuracy"] >= 0.9 or d["cut_short"], d
            assert d["trained"]["decisive_gradient"] > 100 * d["untrained"]["decisive_gradient"]
    summary = longrange.spread_summary(files[1:] or files[:1])
    assert summary.startswith("Of the ") and "what holds is its direction" in summary


def test_a_run_the_clock_stopped_is_marked_cut_short():
    settings = DEFAULTS
    assert longrange.cut_short(dict(seconds=63.3, val_accuracy=0.834, epochs=3), settings)
    assert not longrange.cut_short(dict(seconds=63.3, val_accuracy=0.995, epochs=3), settings)  # it got there
    assert not longrange.cut_short(dict(seconds=20.0, val_accuracy=0.5, epochs=10), settings)  # ran every epoch


def test_the_answer_quotes_the_file():
    results = longrange.load_results()
    answer = longrange.think_answer(results)
    simple = [d for d in results["diagnostics"] if d["arch"] == "SimpleRNN"]
    lstm = [d for d in results["diagnostics"] if d["arch"] == "LSTM"]
    assert longrange._span([d["untrained"]["decisive_gradient"] for d in simple]) in answer
    assert longrange._span([d["trained"]["recurrent_singular_value"] for d in simple], ".2f") in answer
    assert longrange._span([d["untrained"]["keep_gate"] for d in lstm], ".2f") in answer
    assert results["provenance"]["date"] in answer
    assert "0.26" not in longrange.think_answer({**results, "diagnostics": [
        {**d, "untrained": {**d["untrained"], "decisive_gradient": 0.5}} for d in results["diagnostics"]]})


@pytest.mark.parametrize("argv, message", [
    (["--lags", "abc"], "--lags, --seeds and --threads take comma-separated whole numbers"),
    (["--archs", "LSTM,Transformer"], "unknown architecture(s) Transformer; choose from SimpleRNN"),
    (["--lags", "2"], "lags start at 3"),
    (["--seeds", "-1"], "seeds at 0"),
    (["--threads", "1"], "--threads takes two whole numbers"),
    (["--learning-rate", "2"], "--learning-rate takes a number between 0 and 1"),
])
def test_cli_refuses_bad_arguments_with_the_reason(argv, message, capsys):
    with pytest.raises(SystemExit) as exit_info:
        longrange.main(argv)
    assert exit_info.value.code == 2
    assert message in capsys.readouterr().err


def test_cli_prints_json_and_writes_the_results_file_with_provenance(capsys, tmp_path):
    output = tmp_path / "table.json"
    argv = ["--json", "--archs", "LSTM", "--lags", "4", "--seeds", "1", "--output", str(output)]
    assert longrange.main(argv) == 0
    rows = json.loads(capsys.readouterr().out)
    assert len(rows) == 1 and set(rows[0]) == {"arch", "lag", "seed", "val_accuracy"}
    assert rows[0]["arch"] == "LSTM" and rows[0]["lag"] == 4 and rows[0]["seed"] == 1
    assert 0.4 <= rows[0]["val_accuracy"] <= 1.0
    written = longrange.load_results(output)
    assert written["rows"][0]["val_accuracy"] == rows[0]["val_accuracy"]
    assert written["provenance"]["command"] == "python -m rnnlab.longrange " + " ".join(argv)
    # In this test process TensorFlow may already run (then its thread settings are fixed, reported as 0).
    assert written["provenance"]["intra_op_threads"] >= 0 and written["diagnostics"] == []
    assert written["provenance"]["cpu_count"] >= 1


def test_the_question_and_answer_quote_the_slow_learning_rate_file():
    results, slow = longrange.load_results(), longrange.load_results(longrange.SLOW_RESULTS_PATH)
    assert slow is not None and slow["settings"]["learning_rate"] == 0.001
    assert "--learning-rate 0.001" in slow["provenance"]["command"]
    question, answer = longrange.think_question(results, slow), longrange.think_answer(results, slow)
    accuracies = [r["val_accuracy"] for r in slow["rows"]]
    assert f"it learns the task ({longrange._span(accuracies, '.3f')})" in question
    assert min(accuracies) >= 0.9  # what the question tells the class to try, measured
    singular = [d["trained"]["recurrent_singular_value"] for d in slow["diagnostics"]]
    assert f"the largest singular value {longrange._span(singular, '.2f')}" in answer
    assert "learns the task" not in longrange.think_question(results, None)  # unmeasured, it claims nothing
