"""Issue 31, item 6: on the embedding map no bubble hides the structure (area by the square root of the count,
capped: the largest bubble's share of the plot area, measured at the map's own size), and the words leaning most
are named on the chart."""

import math

import numpy as np
import pandas as pd

from rnnlab.charts import embedding as charts_embedding

PLOT_WIDTH_PX = 700  # half of a 1600 px window, as the page draws the two maps side by side


def plot_area_px(fig, width_px=PLOT_WIDTH_PX) -> float:
    margin = fig.layout.margin
    return (width_px - margin.l - margin.r) * (fig.layout.height - margin.t - margin.b)


def largest_share(fig) -> float:
    diameter = float(np.max(fig.data[0].marker.size))
    return math.pi * (diameter / 2) ** 2 / plot_area_px(fig)


def test_the_largest_bubble_covers_under_one_percent_of_the_plot(sentiment_df):
    from rnnlab.text import token_counts

    counts = token_counts(sentiment_df["text"])  # the real counts: 'the' over a thousand times
    counts = counts[counts >= 2]
    rng = np.random.default_rng(0)
    frame = pd.DataFrame({"word": counts.index, "count": counts.to_numpy(), "x": rng.normal(size=len(counts)),
                          "y": rng.normal(size=len(counts)), "lean": rng.normal(size=len(counts))})
    fig = charts_embedding.embedding_map(frame)
    assert counts.max() > 1000
    assert largest_share(fig) < 0.01
    # Sized as before (diameter 4 + 3 sqrt(count): area by the count), 'the' alone covered several percent.
    before = 4 + 3 * math.sqrt(counts.max())
    assert math.pi * (before / 2) ** 2 / plot_area_px(fig) > 0.05
    # and every bubble still says how frequent its word is: sizes grow with the count up to the cap
    sizes = charts_embedding.bubble_sizes([1, 16, 81, 10_000])
    assert list(sizes) == [5.0, 10.0, 15.0, charts_embedding.MAX_BUBBLE_PX]


def test_the_most_leaning_words_are_named_on_the_map():
    frame = pd.DataFrame({"word": ["great", "love", "awful", "worst", "the", "rare"], "x": range(6), "y": range(6),
                          "count": [40, 30, 20, 25, 900, 2], "lean": [2.0, 1.5, -1.8, -2.5, 0.01, 3.0]})
    fig = charts_embedding.embedding_map(frame)
    names = fig.data[1]
    assert names.mode == "text"
    # 'rare' leans most but is seen twice: not named; 'the' leans a little either way: named only if few words do
    assert set(names.text) == {"great", "love", "the", "awful", "worst"}
    assert charts_embedding.leaning_words(frame, n=1)["word"].tolist() == ["great", "worst"]
