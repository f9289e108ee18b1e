"""rnnlab.charts_cell: the gate line, the coloured text and the long-range charts carry the numbers they are given."""

import numpy as np
import pandas as pd

from rnnlab import charts_cell


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
