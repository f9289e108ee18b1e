"""The Long-range dependencies page: the example sentence and the measured table without training; Train with
small settings adds one result per architecture and the gradient-by-step chart for the chosen lag."""

import numpy as np

from rnnlab import longrange
from tests.pages.conftest import ROOT, button, figures, texts

PAGE = "pages/long_range.py"
LAG, ARCHS, SEED = "longrange.lag", "longrange.archs", "longrange.seed"
RESULTS, OVERRIDES = "rnnlab.longrange_results", "rnnlab.longrange_overrides"
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
    assert shown == {row["arch"] for row in longrange.MEASURED}
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
    table = at.dataframe[0].value
    assert list(table["arch"]) == ["GRU", "SimpleRNN"] and set(table["lag"]) == {4}
    charts = figures(at)
    yours = next(c for c in charts if c["layout"]["title"]["text"] == "Your runs")
    assert [t["name"] for t in yours["data"] if t.get("showlegend", True) is not False] == ["SimpleRNN", "GRU"]
    gradient = next(c for c in charts if "Gradient reaching each word" in c["layout"]["title"]["text"])
    names = [t["name"] for t in gradient["data"]]
    assert names == ["SimpleRNN", "GRU", "SimpleRNN (untrained)", "GRU (untrained)"]
    steps = longrange.DEFAULTS["prefix_length"] + 1 + 4
    assert all(len(t["x"]) == steps for t in gradient["data"])
    assert all(np.all(np.array(t["y"]) > 0) for t in gradient["data"])
    assert gradient["layout"]["shapes"][0]["x0"] == 4  # the decisive word is marked
