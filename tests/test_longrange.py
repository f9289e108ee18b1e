"""rnnlab.longrange: training at lag 75 agrees with the results file `python -m rnnlab.longrange` wrote, and the
CLI prints and writes it (the task: tests/test_longrange_task.py; the file read back: test_longrange_results.py)."""

import json

import pytest

from rnnlab import longrange, longrange_results
from rnnlab.longrange_task import DEFAULTS


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
    results = longrange_results.load_results()
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
    written = longrange_results.load_results(output)
    assert written["rows"][0]["val_accuracy"] == rows[0]["val_accuracy"]
    assert written["provenance"]["command"] == "python -m rnnlab.longrange " + " ".join(argv)
    # In this test process TensorFlow may already run (then its thread settings are fixed, reported as 0).
    assert written["provenance"]["intra_op_threads"] >= 0 and written["diagnostics"] == []
    assert written["provenance"]["cpu_count"] >= 1
