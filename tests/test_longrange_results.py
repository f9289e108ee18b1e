"""rnnlab.longrange_results: the Long-range page's text says what its results files hold.

Two kinds of check. On made-up files with hand-picked numbers, each text is compared with a sentence written out
here by hand (not built with the module's own formatting), so a wrong figure, a wrong range or a claim the
numbers do not support fails. On the committed files, the grid is complete and the page quotes their figures
(formatted here); what ties those files to today's code is tests/test_longrange.py's re-measure.
"""

import copy

from rnnlab import longrange_results, longrange_task
from rnnlab.longrange_task import DEFAULTS


def diagnosis(arch, seed, accuracy, trained_gradient, untrained_gradient, singular=(1.0, 1.0), saturated=0.0,
              keep=None):
    """One lag-75 diagnosis; `singular` and `keep`: (trained, untrained)."""
    keep = keep or (None, None)
    return dict(arch=arch, lag=75, seed=seed, val_accuracy=accuracy,
                trained=dict(decisive_gradient=trained_gradient, recurrent_singular_value=singular[0],
                             saturated_share=saturated, keep_gate=keep[0]),
                untrained=dict(decisive_gradient=untrained_gradient, recurrent_singular_value=singular[1],
                               saturated_share=0.0, keep_gate=keep[1]))


def made_up(simple=(0.49, 0.53), gated=(0.995, 1.0), simple_gradients=((0.0, 0.25), (0.001, 0.2))) -> dict:
    """A results file of two seeds per architecture at lag 75, with numbers chosen by hand."""
    rows, diagnostics = [], []
    for seed in (0, 1):
        for arch, accuracy in (("SimpleRNN", simple[seed]), ("LSTM", gated[seed]), ("GRU", gated[seed])):
            rows.append(dict(arch=arch, lag=75, seed=seed, val_accuracy=accuracy, seconds=10.0, epochs=10))
        trained, untrained = simple_gradients[seed]
        diagnostics.append(diagnosis("SimpleRNN", seed, simple[seed], trained, untrained, singular=(4.5, 1.0),
                                     saturated=0.8))
        diagnostics.append(diagnosis("LSTM", seed, gated[seed], 0.01, 1e-7, singular=(10.0, 1.2), keep=(0.9, 0.5)))
        diagnostics.append(diagnosis("GRU", seed, gated[seed], 0.002, 1e-16, singular=(8.0, 1.1), keep=(0.8, 0.5)))
    provenance = dict(command="python -m rnnlab.longrange", commit="0" * 40, date="2026-12-08 03:18 UTC",
                      cpu_count=2, load_average=[1.5, 1.0, 0.5], intra_op_threads=1, inter_op_threads=2,
                      tensorflow="2.21.0", keras="3.15.1", wall_seconds=300.0)
    return dict(provenance=provenance, settings=dict(DEFAULTS), rows=rows, diagnostics=diagnostics)


# ----------------------------------------------------------------------------------------------------------
# The text against sentences written by hand


def test_the_question_quotes_the_measured_ranges_and_claims_only_what_they_show():
    question = longrange_results.think_question(made_up())
    assert question.startswith("At a learning rate of 0.01 the SimpleRNN stays at chance at lag 75 while the LSTM "
                               "and GRU learn it (measured: 0.49 to 0.53 against 0.995 to 1.000). Now set the "
                               "learning rate to 0.001")
    # A SimpleRNN that learned it: the question no longer says it stays at chance.
    learned = longrange_results.think_question(made_up(simple=(0.97, 0.99)))
    assert "stays at chance" not in learned
    assert learned.startswith("At a learning rate of 0.01 and lag 75, compare the SimpleRNN with the LSTM and GRU "
                              "(measured: 0.97 to 0.99 against 0.995 to 1.000)")
    # No file: no measured claim at all.
    assert longrange_results.think_question(None).startswith("Compare the SimpleRNN with the LSTM and GRU at lag 75. ")


def test_the_question_quotes_the_slow_learning_rate_file():
    slow = dict(rows=[dict(arch="SimpleRNN", lag=75, seed=s, val_accuracy=a, seconds=2.0, epochs=e)
                      for s, a, e in ((0, 1.0, 1), (1, 0.991, 2))])
    question = longrange_results.think_question(made_up(), slow)
    assert ("Now set the learning rate to 0.001 and train the SimpleRNN again: measured, it learns the task "
            "(0.991 to 1.000) in 1 to 2 epochs. What went wrong") in question
    assert "learns the task" not in longrange_results.think_question(made_up(), None)  # unmeasured: no claim


def test_the_gradient_sentence_counts_what_training_did_per_architecture():
    text = longrange_results.measured_gradient_direction(made_up())
    assert text == ("Measured at the decisive word in results/longrange.json (lag 75, learning rate 0.01), training "
                    "lowered the SimpleRNN's for 2 of 2 seeds, raised the LSTM's for 2 of 2 seeds, raised the GRU's "
                    "for 2 of 2 seeds.")
    # One SimpleRNN seed whose gradient training raised: counted, not hidden behind "collapses".
    mixed = longrange_results.measured_gradient_direction(made_up(simple_gradients=((0.0, 0.25), (0.3, 0.2))))
    assert "raised the SimpleRNN's for 1 of 2 seeds" in mixed
    assert longrange_results.measured_gradient_direction(None).startswith("Run `python -m rnnlab.longrange`")


def test_the_spread_summary_states_the_direction_only_when_every_run_shows_it():
    results = made_up()
    assert longrange_results.spread_summary([results]).endswith(
        "what holds is its direction: training raised it for every LSTM and GRU and lowered it for every SimpleRNN.")
    assert longrange_results.spread_summary([results]).startswith(
        "Of the 6 runs, the 6 that trained until the target or the last epoch kept to their side of chance: "
        "SimpleRNN at most 0.530, LSTM and GRU at least 0.995. ")
    broken = copy.deepcopy(results)
    lstm = next(d for d in broken["diagnostics"] if d["arch"] == "LSTM")
    lstm["trained"]["decisive_gradient"] = 1e-9  # below its untrained 1e-7
    summary = longrange_results.spread_summary([broken])
    assert "what holds" not in summary
    assert summary.endswith("training raised it for 3 of 4 LSTM and GRU runs and lowered it for 2 of 2 SimpleRNN runs.")


def test_the_answer_quotes_the_diagnostics_of_the_file():
    answer = longrange_results.think_answer(made_up())
    assert answer.startswith("Figures from `results/longrange.json` (lag 75, seeds 0, 1, `python -m "
                             "rnnlab.longrange`, 2026-12-08 03:18 UTC).")
    assert "untrained, 0.2 to 0.25 reaches the decisive word" in answer
    assert "At 0.01 the large steps changed those weights (largest singular value 4.50)" in answer
    assert "pushed 80% of the hidden values into the flat ends of tanh" in answer
    assert "factors fell to 0 to 0.001: the lesson's w^t" in answer
    assert "that the SimpleRNN stays at chance does not." in answer
    assert "its forget gates near 0.50 on average (an untrained GRU: 1e-16, update gates 0.50)" in answer
    assert "(after training 0.01 for the LSTM, 0.002 for the GRU)" in answer
    # A SimpleRNN whose gradient did not fall: the answer does not say it fell.
    rose = longrange_results.think_answer(made_up(simple=(0.97, 0.99), simple_gradients=((0.3, 0.25), (0.4, 0.2))))
    assert "fell to" not in rose and "factors came to 0.3 to 0.4" in rose and "stays at chance" not in rose


def test_the_provenance_line_says_command_date_machine_and_size():
    assert longrange_results.describe_provenance(made_up()) == (
        "Measured by `python -m rnnlab.longrange` on 2026-12-08 03:18 UTC: 2 CPUs (1 intra-op / 2 inter-op "
        "threads, load 1.5 at the start), TensorFlow 2.21.0, Keras 3.15.1, 6 models in 5.0 minutes.")


def test_a_run_the_clock_stopped_is_marked_cut_short():
    settings = DEFAULTS
    assert longrange_results.cut_short(dict(seconds=63.3, val_accuracy=0.834, epochs=3), settings)
    assert not longrange_results.cut_short(dict(seconds=63.3, val_accuracy=0.995, epochs=3), settings)  # it got there
    assert not longrange_results.cut_short(dict(seconds=20.0, val_accuracy=0.5, epochs=10), settings)  # ran every epoch


# ----------------------------------------------------------------------------------------------------------
# The committed files


def test_the_results_file_has_the_whole_grid_and_its_provenance():
    results = longrange_results.load_results()
    assert results is not None, "run python -m rnnlab.longrange"
    assert results["provenance"]["command"] == "python -m rnnlab.longrange"  # the full grid, as documented
    assert results["settings"] == dict(DEFAULTS)
    cells = {(r["arch"], r["lag"], r["seed"]) for r in results["rows"]}
    assert cells == {(a, lag, s) for a in ("SimpleRNN", "LSTM", "GRU") for lag in longrange_task.FULL_LAGS
                     for s in (0, 1, 2)}
    assert len(results["rows"]) == 54
    diagnosed = {(d["arch"], d["lag"], d["seed"]) for d in results["diagnostics"]}
    assert diagnosed == {(a, longrange_task.DIAGNOSTIC_LAG, s) for a in ("SimpleRNN", "LSTM", "GRU") for s in (0, 1, 2)}


def test_the_page_quotes_the_committed_files_figures():
    results = longrange_results.load_results()
    slow = longrange_results.load_results(longrange_task.SLOW_RESULTS_PATH)
    at_75 = [r for r in results["rows"] if r["lag"] == 75]
    simple = sorted(r["val_accuracy"] for r in at_75 if r["arch"] == "SimpleRNN")
    gated = sorted(r["val_accuracy"] for r in at_75 if r["arch"] != "SimpleRNN")
    question = longrange_results.think_question(results, slow)
    assert f"(measured: {simple[0]:.2f} to {simple[-1]:.2f} against {gated[0]:.3f} to {gated[-1]:.3f})" in question
    assert ("stays at chance" in question) == (simple[-1] <= 0.6 and gated[0] >= 0.9)
    answer = longrange_results.think_answer(results, slow)
    p = results["provenance"]
    assert f"`{p['command']}`, {p['date']})" in answer and f"`{slow['provenance']['command']}`" in answer
    singular = sorted(d["trained"]["recurrent_singular_value"] for d in results["diagnostics"] if d["arch"] == "SimpleRNN")
    assert f"largest singular value {singular[0]:.2f} to {singular[-1]:.2f})" in answer
    text = longrange_results.describe_provenance(results)
    assert p["command"] in text and p["date"] in text and f"{len(results['rows'])} models" in text


def test_every_lag_75_measurement_keeps_to_its_side_of_chance():
    """Over every file measured (the table's three seeds, and six seeds under three thread settings), the claims
    the lesson makes at lag 75 hold for every run the clock did not cut short; the files say by how much."""
    files = [longrange_results.load_results()] + [longrange_results.load_results(p)
                                                  for p in longrange_results.spread_files()]
    diagnostics = [d for results in files for d in longrange_results.diagnosed_rows(results)]
    assert len(diagnostics) == 9 + 3 * 18
    for d in diagnostics:
        if d["arch"] == "SimpleRNN":
            assert d["val_accuracy"] <= 0.6 and d["trained"]["decisive_gradient"] < d["untrained"]["decisive_gradient"]
        elif not d["cut_short"]:  # a run the 50 s clock stopped early (one thread, a busy machine) may not have
            assert d["val_accuracy"] >= 0.9, d
            assert d["trained"]["decisive_gradient"] > 100 * d["untrained"]["decisive_gradient"], d
