"""rnnlab.charts.cell: the gate line, the coloured text and the long-range charts carry the numbers they are given."""

import numpy as np
import pandas as pd
import pytest

from rnnlab.charts import cell as charts_cell


def test_gate_by_word_has_one_line_per_reader_in_sentence_order():
    gates = pd.DataFrame({
        "reader": ["forward"] * 3 + ["backward"] * 3,
        "position": [1, 2, 3, 3, 2, 1],
        "word": ["i", "love", "it", "it", "love", "i"],
        "gate": "forget_gate",
        "value": [0.9, 0.5, 0.7, 0.2, 0.3, 0.4],
    })
    fig = charts_cell.gate_by_word(gates)
    assert [t.name for t in fig.data] == ["forward reader", "backward reader"]
    assert list(fig.data[1].x) == [1, 2, 3] and list(fig.data[1].y) == [0.4, 0.3, 0.2]
    assert list(fig.layout.xaxis.ticktext) == ["i", "love", "it"]
    assert "forget gate" in fig.layout.title.text


def test_contribution_html_colours_by_sign_and_escapes():
    html = charts_cell.contribution_html(["good", "<bad>"], [0.4, -0.2])
    assert "rgba(0, 158, 115, 0.90)" in html  # the strongest positive word: full green
    assert "rgba(213, 94, 0, 0.50)" in html  # half as strong, negative: half-strength red
    assert "&lt;bad&gt;" in html and "<bad>" not in html
    assert 'title="+0.4000"' in html


def test_accuracy_by_lag_means_over_seeds():
    rows = [dict(arch="GRU", lag=lag, seed=seed, val_accuracy=acc)
            for lag, accs in ((15, (1.0, 0.98)), (75, (0.96, 1.0))) for seed, acc in enumerate(accs)]
    fig = charts_cell.accuracy_by_lag(rows)
    mean, seeds = fig.data[0], fig.data[1]
    assert mean.name == "GRU" and list(mean.x) == [15, 75]
    np.testing.assert_allclose(mean.y, [0.99, 0.98])
    assert len(seeds.x) == 4
    assert list(fig.layout.xaxis.tickvals) == [15, 75]  # ticks at whole lags, only those trained
    single = charts_cell.accuracy_by_lag([dict(arch="LSTM", lag=15, seed=0, val_accuracy=1.0)])
    assert list(single.layout.xaxis.tickvals) == [15] and single.layout.xaxis.tickformat == "d"
    many = charts_cell.accuracy_by_lag([dict(arch="LSTM", lag=lag, seed=0, val_accuracy=1.0) for lag in range(3, 40)])
    assert many.layout.xaxis.tickvals is None


def test_task_gradient_marks_the_decisive_word():
    df = pd.DataFrame({"model": "LSTM", "arch": "LSTM", "trained": True, "distance": [0, 1, 2],
                       "gradient_norm": [1.0, 0.5, 0.1]})
    fig = charts_cell.task_gradient(df, lag=2)
    assert fig.layout.shapes[0].x0 == 2
    assert list(fig.data[0].y) == [1.0, 0.5, 0.1]


def test_task_sentence_marks_decisive_word_and_distractors():
    html = charts_cell.task_sentence_html(["the", "good", "lamp", "bad"], 1, ["good", "bad"])
    assert html.count("<b ") == 1 and ">good</b>" in html
    assert ">bad</u>" in html and ">the</span>" in html


def test_most_active_units_are_those_with_the_largest_mean_absolute_hidden_state():
    hidden = np.array([[0.1, -0.9, 0.0, 0.5], [0.1, -0.7, 0.3, -0.5]])  # 2 words x 4 units
    part = {"hidden": hidden, "forget_gate": np.ones((2, 4))}
    assert list(charts_cell.most_active_units(part, 2)) == [1, 3]  # 0.8 and 0.5 mean |h|
    assert list(charts_cell.most_active_units(part, 3)) == [1, 3, 2]
    assert list(charts_cell.most_active_units(part, 10)) == [0, 1, 2, 3]  # all, in their own order


def _gates(values, reader="forward"):
    return pd.DataFrame({"reader": reader, "position": range(1, len(values) + 1),
                         "word": [f"w{i}" for i in range(1, len(values) + 1)], "gate": "forget_gate",
                         "value": values})


def test_the_gate_caption_names_the_dip_of_the_sentence_shown_or_says_there_is_none():
    dipping = _gates([0.8, 0.82, 0.41, 0.79])
    (found,) = charts_cell.gate_dip(dipping)
    assert found["word"] == "w3" and found["position"] == 3 and found["dip"]
    assert found["median"] == pytest.approx(0.795)
    caption = charts_cell.gate_dip_caption(dipping)
    assert "dips most at 'w3' (word 3): 0.41, against a median of 0.80" in caption
    flat = _gates([0.80, 0.78, 0.79, 0.81])
    assert not charts_cell.gate_dip(flat)[0]["dip"]
    assert "no word makes the forget gate dip: its lowest, 0.78 at 'w2'" in charts_cell.gate_dip_caption(flat)
    both = pd.concat([dipping, _gates([0.5, 0.5, 0.5, 0.5], reader="backward")])
    caption = charts_cell.gate_dip_caption(both)
    assert "forward reader: the forget gate dips" in caption and "backward reader: no word" in caption


def test_accuracy_by_lag_tells_runs_of_one_architecture_apart_by_dash():
    rows = [dict(arch=arch, lag=15, seed=0, val_accuracy=0.9) for arch in ("SimpleRNN", "SimpleRNN, lr 0.001", "GRU")]
    fig = charts_cell.accuracy_by_lag(rows)
    means = [t for t in fig.data if t.showlegend is not False]
    assert [t.name for t in means] == ["SimpleRNN", "SimpleRNN, lr 0.001", "GRU"]
    assert means[0].line.color == means[1].line.color != means[2].line.color
    assert [t.line.dash for t in means] == ["solid", "dash", "solid"]


def test_unit_heatmap_shows_the_chosen_units_and_grows_with_them():
    part = {"tokens": np.array(["good", "bad", "good"]), "hidden": np.arange(3 * 40, dtype=float).reshape(3, 40)}
    fig = charts_cell.unit_heatmap(part, "hidden", np.array([5, 2]), title="h_t")
    (trace,) = fig.data
    np.testing.assert_array_equal(np.asarray(trace.z), part["hidden"][:, [5, 2]].T)  # units x words
    assert fig.layout.height == 220 + 12 * 2 and fig.layout.title.text == "h_t"
    assert charts_cell.unit_heatmap(part, "hidden", np.arange(16)).layout.height == 412
    assert charts_cell.unit_heatmap(part, "hidden", np.arange(40)).layout.height == 220 + 2 * 40
