"""The Long-range dependencies page: the example sentence and the measured table without training; Train with
small settings adds one result per architecture and the gradient-by-step chart for the chosen lag."""

import numpy as np

from rnnlab import longrange_results, longrange_task
from tests.pages.conftest import ROOT, button, figures, texts

PAGE = "pages/long_range.py"
LAG, ARCHS, SEED = "longrange.lag", "longrange.archs", "longrange.seed"
RESULTS, OVERRIDES = "rnnlab.longrange_results", "rnnlab.longrange_overrides"
QUEUE, NOTICE = "rnnlab.longrange_queue", "rnnlab.longrange_notice"
SMALL = dict(train_size=600, val_size=200, max_epochs=2)


def open_alone(state=None):
    """The page by itself (its place in app.py's navigation is tested in the browser)."""
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(ROOT / PAGE), default_timeout=300)
    for key, value in (state or {}).items():
        at.session_state[key] = value
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def test_before_training_the_page_explains_and_shows_the_measured_table():
    at = open_alone()
    assert texts(at.title) == ["Long-range dependencies: when the answer is far back"]
    example = at.get("html")[0].proto.body
    assert example.count("<b ") == 1 and example.count("<u ") == 3  # the decisive word and 3 distractors
    (measured,) = figures(at)
    shown = {trace["name"] for trace in measured["data"] if trace.get("showlegend", True) is not False}
    results = longrange_results.load_results()
    assert shown == {row["arch"] for row in results["rows"]}
    assert longrange_results.describe_provenance(results) in [c.value for c in at.caption]
    # Counting is at chance on this task, computed now.
    from rnnlab import baseline

    assert any(f"scores **{baseline.longrange_accuracy(lag=75, seed=0):.1%}**" in m.value for m in at.markdown)
    answer = next(e for e in at.expander if e.label == "Show the answer").markdown[0].value
    assert answer.startswith("Figures from `results/longrange.json`") and results["provenance"]["date"] in answer
    assert at.slider(key=LAG).value == 75
    assert at.multiselect(key=ARCHS).value == ["SimpleRNN", "LSTM", "GRU"]
    assert "press Train" in at.info[0].body
    button(at, "Train")


def test_train_adds_one_result_per_architecture_and_the_gradient_chart():
    at = open_alone({OVERRIDES: SMALL})
    at.slider(key=LAG).set_value(4)
    at.multiselect(key=ARCHS).set_value(["SimpleRNN", "GRU"])
    button(at, "Train").click().run()
    assert not at.exception, [e.message for e in at.exception]
    results = at.session_state[RESULTS]
    assert [(r["arch"], r["lag"], r["seed"]) for r in results] == [("SimpleRNN", 4, 0), ("GRU", 4, 0)]
    assert all(0.3 <= r["val_accuracy"] <= 1.0 and 1 <= r["epochs"] <= 2 for r in results)
    table = at.dataframe[-1].value  # "Your runs" (the spread table, in its expander, comes first)
    assert list(table["arch"]) == ["GRU", "SimpleRNN"] and set(table["lag"]) == {4}
    charts = figures(at)
    yours = next(c for c in charts if c["layout"]["title"]["text"] == "Your runs")
    assert [t["name"] for t in yours["data"] if t.get("showlegend", True) is not False] == ["SimpleRNN", "GRU"]
    gradient = next(c for c in charts if "Gradient reaching each word" in c["layout"]["title"]["text"])
    names = [t["name"] for t in gradient["data"]]
    assert names == ["SimpleRNN", "GRU", "SimpleRNN untrained", "GRU untrained"]  # one reference per architecture
    steps = longrange_task.DEFAULTS["prefix_length"] + 1 + 4
    assert all(len(t["x"]) == steps for t in gradient["data"])
    assert all(np.all(np.array(t["y"]) > 0) for t in gradient["data"])
    assert gradient["layout"]["shapes"][0]["x0"] == 4  # the decisive word is marked


def test_a_training_cut_short_is_resumed_and_the_controls_show_what_it_trains():
    """A click while the page trains ends that script run: the interrupted model stays first in the queue, and the
    next drawing of the page trains it again from its start, with the settings it was queued with."""
    widgets = {LAG: 5, ARCHS: ["LSTM", "GRU"], "longrange.learning_rate": 0.003, SEED: 2}
    queue = [dict(arch="GRU", lag=5, seed=2, learning_rate=0.003, number=1, of=2, widgets=widgets, started=True)]
    done = dict(arch="LSTM, lr 0.003", lag=5, seed=2, val_accuracy=0.75, epochs=2, seconds=3.0)
    at = open_alone({OVERRIDES: SMALL, QUEUE: queue, RESULTS: [done], LAG: 40})
    assert at.session_state[QUEUE] == []
    results = at.session_state[RESULTS]
    assert [(r["arch"], r["lag"], r["seed"]) for r in results] == [("LSTM, lr 0.003", 5, 2), ("GRU, lr 0.003", 5, 2)]
    assert results[0] == done and 0.3 <= results[1]["val_accuracy"] <= 1.0
    assert at.success[0].body == "Trained 2 model(s) at lag 5."
    # The widgets show the queued settings, not the value a disabled slider was sent, and are enabled again.
    assert at.slider(key=LAG).value == 5 and not at.slider(key=LAG).disabled
    assert at.multiselect(key=ARCHS).value == ["LSTM", "GRU"] and at.number_input(key=SEED).value == 2
    assert [(b.label, b.disabled) for b in at.button] == [("Train", False), ("Stop", True)]


def test_train_queues_one_model_per_architecture_once_and_stop_empties_the_queue():
    from rnnlab.ui import longrange_queue

    state = {LAG: 30, ARCHS: ["SimpleRNN", "BiGRU"], "longrange.learning_rate": 0.003, SEED: 7, NOTICE: ("x", "y")}
    longrange_queue.enqueue(state)
    widgets = {LAG: 30, ARCHS: ["SimpleRNN", "BiGRU"], "longrange.learning_rate": 0.003, SEED: 7}
    assert state[QUEUE] == [
        dict(arch="SimpleRNN", lag=30, seed=7, learning_rate=0.003, number=0, of=2, widgets=widgets),
        dict(arch="BiGRU", lag=30, seed=7, learning_rate=0.003, number=1, of=2, widgets=widgets)]
    assert state[NOTICE] is None
    state[QUEUE][0]["started"] = True
    state[LAG] = 90
    longrange_queue.enqueue(state)  # a second click while it trains changes nothing
    assert len(state[QUEUE]) == 2 and state[QUEUE][0]["started"] and state[QUEUE][0]["lag"] == 30
    longrange_queue.stop(state)
    assert QUEUE not in state
    assert state[NOTICE] == ("warning", "Stopped: SimpleRNN, BiGRU not trained. Models trained before the click "
                                        "are kept.")
    longrange_queue.stop(state)  # a late second Stop: nothing to say
    assert state[NOTICE][1].startswith("Stopped: SimpleRNN, BiGRU")


def test_a_training_that_fails_says_why_on_the_page_without_a_traceback():
    """The long-range trainings are ordinary runs of the engine: one that fails in its trainer (here a setting
    cannot build: no units) ends the queue with the run's reason as an error, not an exception."""
    widgets = {LAG: 5, ARCHS: ["GRU"], "longrange.learning_rate": 0.003, SEED: 2}
    queue = [dict(arch="GRU", lag=5, seed=2, learning_rate=0.003, number=0, of=1, widgets=widgets)]
    at = open_alone({OVERRIDES: dict(SMALL, units=0), QUEUE: queue})
    assert at.session_state[QUEUE] == []
    assert len(at.error) == 1 and at.error[0].body.startswith("GRU did not train: ValueError: "), \
        [e.body for e in at.error]
    assert "units" in at.error[0].body
    assert not at.success
