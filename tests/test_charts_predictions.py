"""rnnlab.charts.predictions: one trace per model, one bar per sentence, colours red to green.
(Figures come from `rnnlab.charts`, which re-exports every chart module.)"""

import pandas as pd

from rnnlab import charts


def names(fig):
    return [trace.name for trace in fig.data]


def test_probability_style_colours_red_to_green():
    table = pd.DataFrame({"LSTM": [0.0, 0.5, 1.0]}, index=["bad", "meh", "good"])
    html = charts.probability_table_style(table).to_html()
    assert "rgb(215, 48, 39)" in html and "rgb(255, 255, 191)" in html and "rgb(26, 152, 80)" in html
    assert "0.500" in html


def test_prediction_bars_one_trace_per_model_one_bar_per_sentence():
    table = pd.DataFrame(
        {"SimpleRNN": [0.1, 0.9, 0.4], "BiLSTM": [0.02, 0.99, 0.6]},
        index=pd.Index(["I hate this meal!", "I love this restaurant", "I hate this meal!"], name="sentence"),
    )
    fig = charts.prediction_bars(table)
    assert names(fig) == ["SimpleRNN", "BiLSTM"]
    assert [list(t.y) for t in fig.data] == [[0.1, 0.9, 0.4], [0.02, 0.99, 0.6]]
    assert list(fig.data[0].x) == [0, 1, 2]  # a repeated sentence keeps its own bar
    assert list(fig.layout.xaxis.ticktext) == ["I hate this meal!", "I love this restaurant", "I hate this meal!"]
    assert tuple(fig.layout.yaxis.range) == (0, 1.05)
    assert fig.data[1].marker.color == charts.ARCH_COLORS["BiLSTM"]


def test_prefix_lines_one_line_per_model_over_the_words():
    words = ["I", "love", "this", "restaurant"]
    df = pd.DataFrame(
        [dict(model=m, position=i + 1, word=w, token=w.lower(), probability=p)
         for m, ps in (("LSTM", [0.5, 0.8, 0.85, 0.97]), ("GRU", [0.5, 0.7, 0.7, 0.9]))
         for i, (w, p) in enumerate(zip(words, ps))]
    )
    fig = charts.prefix_lines(df)
    assert names(fig) == ["LSTM", "GRU"]
    assert [list(t.x) for t in fig.data] == [[1, 2, 3, 4]] * 2
    assert list(fig.data[0].y) == [0.5, 0.8, 0.85, 0.97]
    assert list(fig.layout.xaxis.ticktext) == words
