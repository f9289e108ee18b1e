"""Tests for presenter mode's figure scaling (rnnlab.ui.presenter.scale_figure): every font and the height of
a chart from rnnlab.charts grow by the presenter factors; the page-level behaviour is tested in tests/pages."""

import pandas as pd

from rnnlab import charts, gradients
from rnnlab.ui import presenter


def test_scale_figure_enlarges_height_title_legend_and_annotation_fonts():
    fig = charts.toy_gradient(gradients.toy(0.9, 50, h0=1.0))
    fig.add_annotation(text="sized", x=1, y=1, font_size=10)
    before = fig.layout.font.size, fig.layout.title.font.size, fig.layout.legend.font.size
    height, bottom = fig.layout.height, fig.layout.margin.b  # the legend below the plot adds to both
    presenter.scale_figure(fig, font_scale=1.5, height_scale=2.0)
    assert fig.layout.height == 2 * height
    assert fig.layout.margin.b == round(1.5 * bottom)  # margins hold text, and grow with it
    assert (fig.layout.font.size, fig.layout.title.font.size, fig.layout.legend.font.size) == \
        tuple(round(1.5 * size) for size in before)
    assert fig.layout.annotations[-1].font.size == 15
    fig = presenter.scale_figure(charts.class_balance(pd.DataFrame({"label": [0, 1], "source": ["imdb", "yelp"]})))
    assert fig.layout.height == round(presenter.DEFAULT_CHART_HEIGHT * presenter.CHART_SCALE)  # no height of its own


def test_a_figure_with_its_own_height_and_axis_fonts_keeps_their_proportions():
    fig = charts.toy_gradient(gradients.toy(1.1, 20, h0=1.0))
    fig.update_layout(height=300, xaxis_tickfont_size=10, yaxis_title_font_size=20)
    presenter.scale_figure(fig)
    assert fig.layout.height == round(300 * presenter.CHART_SCALE)
    assert fig.layout.xaxis.tickfont.size == round(10 * presenter.FONT_SCALE)
    assert fig.layout.yaxis.title.font.size == round(20 * presenter.FONT_SCALE)
    assert presenter.FONT_SCALE >= 1.3 and presenter.CHART_SCALE >= 1.3
