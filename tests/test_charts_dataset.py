"""rnnlab.charts.dataset: the Data page's charts count what they are given.
(Figures come from `rnnlab.charts`, which re-exports every chart module.)"""

import numpy as np
import pandas as pd

from rnnlab import charts


def names(fig):
    return [trace.name for trace in fig.data]


def test_class_balance_counts_each_source_and_class(sentiment_df):
    fig = charts.class_balance(sentiment_df)
    assert names(fig) == ["negative", "positive"]
    assert [list(t.x) for t in fig.data] == [["amazon", "imdb", "yelp"]] * 2
    assert [list(t.y) for t in fig.data] == [[500, 500, 500]] * 2
    assert fig.layout.barmode == "group"
    # The counts printed above the bars fit inside the plot: the axis reaches 15% above the tallest bar.
    assert tuple(fig.layout.yaxis.range) == (0, 575)
    assert all(t.cliponaxis is False and t.textposition == "outside" for t in fig.data)


def test_length_histogram_one_trace_or_one_per_source():
    lengths = np.array([3, 5, 5, 9, 12])
    fig = charts.length_histogram(lengths)
    assert names(fig) == ["all"] and list(fig.data[0].x) == [3, 5, 5, 9, 12]
    fig = charts.length_histogram(lengths, by=["imdb", "yelp", "imdb", "amazon", "yelp"])
    assert names(fig) == ["imdb", "yelp", "amazon"]
    assert [list(t.x) for t in fig.data] == [[3, 5], [5, 12], [9]]
    assert fig.layout.barmode == "stack" and len({t.marker.color for t in fig.data}) == 3
    assert fig.layout.xaxis.title.text == "words in the sentence"


def test_top_tokens_puts_the_most_frequent_on_top():
    counts = pd.Series({"the": 50, "[UNK]": 40, "good": 30, "bad": 20, "": 10})
    fig = charts.top_tokens(counts, n=3)
    (bars,) = fig.data
    assert list(bars.y) == ["good", "'[UNK]'", "the"]  # plotly draws the last category at the top
    assert list(bars.x) == [30, 40, 50]
    assert fig.layout.title.text == "The 3 most frequent tokens"
