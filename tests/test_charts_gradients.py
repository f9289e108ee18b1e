"""rnnlab.charts.gradients: log axes, shaded regions, untrained twins.
(Figures come from `rnnlab.charts`, which re-exports every chart module.)"""

import numpy as np
import pandas as pd
import pytest

from rnnlab import charts, gradients


def names(fig):
    return [trace.name for trace in fig.data]


def test_toy_gradient_log_axis_and_shaded_regions():
    toy = gradients.toy(0.9, 200)
    fig = charts.toy_gradient(toy)
    assert names(fig) == ["h_t = w^t h_0", "dh_t/dw = t w^(t-1) h_0"]
    assert all(len(t.x) == len(t.y) == 201 for t in fig.data)
    assert fig.layout.yaxis.type == "log"
    assert fig.data[0].y[50] == pytest.approx(0.9**50)
    assert np.isnan(fig.data[1].y[0]) and fig.data[1].y[1] == 1.0  # dh_0/dw = 0 has no place on a log axis
    vanishing, exploding = fig.layout.shapes
    assert vanishing.y1 == gradients.VANISHING_BELOW and exploding.y0 == gradients.EXPLODING_ABOVE
    low, high = fig.layout.yaxis.range  # log10 units; the bands and every positive value are in view
    assert low < np.log10(vanishing.y0) + 1e-9 and high > np.log10(exploding.y1) - 1e-9
    assert 10**low <= np.nanmin(fig.data[1].y) and np.nanmax(fig.data[1].y) <= 10**high
    assert "w = 0.9" in fig.layout.title.text
    assert [a.text for a in fig.layout.annotations] == ["vanishing", "exploding"]


def test_powers_of_w_one_line_per_weight_fading_flat_and_growing():
    fig = charts.powers_of_w((0.9, 1.0, 1.1), steps=50)
    assert names(fig) == ["w = 0.9", "w = 1", "w = 1.1"]
    assert all(list(t.x) == list(range(51)) for t in fig.data)
    assert [t.y[-1] for t in fig.data] == pytest.approx([0.9**50, 1.0, 1.1**50])
    assert fig.data[0].y[-1] < 0.01 and fig.data[2].y[-1] > 100
    assert [t.line.color for t in fig.data] == ["#0072B2", "#555555", "#D55E00"] and fig.data[1].line.dash == "dot"
    assert fig.layout.yaxis.type == "log" and "50 steps" in fig.layout.title.text


@pytest.mark.parametrize("w", [0.5, 0.99, 1.0, 1.01, 1.5])
def test_toy_gradient_is_drawable_at_every_w_up_to_the_last_step(w):
    """t up to T_MAX: 1.5^5000 overflows and 0.5^5000 underflows float64; the chart still serialises, keeps its
    y axis within TOY_DECADES decades and puts t on a log axis."""
    import json

    import plotly.io as pio

    fig = charts.toy_gradient(gradients.toy(w, gradients.T_MAX))
    json.loads(pio.to_json(fig, engine="orjson"))  # what Streamlit uses: no integer beyond 64 bits
    low, high = fig.layout.yaxis.range
    assert -charts.TOY_DECADES <= low < np.log10(gradients.VANISHING_BELOW)
    assert np.log10(gradients.EXPLODING_ABOVE) < high <= charts.TOY_DECADES
    assert fig.layout.xaxis.type == "log"


def _tidy(value_column):
    rows = []
    for model, arch in (("LSTM", "LSTM"), ("my GRU", "GRU")):
        for trained in (True, False):
            for d in range(5):
                rows.append(dict(model=model, arch=arch, trained=trained, distance=d,
                                 **{value_column: 0.5**d * (2 if trained else 1)}))
    return pd.DataFrame(rows)


def test_gradient_by_step_one_untrained_reference_per_architecture_log_axis():
    fig = charts.gradient_by_step(_tidy("gradient_norm"))
    assert names(fig) == ["LSTM", "my GRU", "LSTM untrained", "GRU untrained"]
    assert [t.line.dash for t in fig.data] == ["solid", "solid", "dot", "dot"]
    assert [t.opacity for t in fig.data] == [1.0, 1.0, 0.6, 0.6]
    assert fig.layout.yaxis.type == "log"
    assert all(list(t.x) == [0, 1, 2, 3, 4] for t in fig.data)
    assert fig.data[0].y[0] == 2.0 and fig.data[2].y[0] == 1.0
    # A twin keeps its model's colour; 'my GRU' is coloured by its arch column.
    assert fig.data[0].line.color == fig.data[2].line.color == charts.ARCH_COLORS["LSTM"]
    assert fig.data[1].line.color == charts.ARCH_COLORS["GRU"]
    assert fig.layout.xaxis.title.text == "distance from the last word (0 = last word)"
    assert fig.layout.legend.orientation == "h"  # below the plot, not beside it


def test_gradient_by_step_with_many_runs_draws_each_architectures_twin_once():
    seven = pd.concat([_tidy("gradient_norm").assign(model=lambda d, i=i: d["model"] + f" #{i}") for i in range(4)])
    fig = charts.gradient_by_step(seven)
    assert names(fig) == ["LSTM #0", "my GRU #0", "LSTM #1", "my GRU #1", "LSTM #2", "my GRU #2", "LSTM #3",
                          "my GRU #3", "LSTM untrained", "GRU untrained"]
    # Runs of one architecture: one colour, a dash each.
    lstm = [t for t in fig.data[:8] if t.name.startswith("LSTM")]
    assert {t.line.color for t in lstm} == {charts.ARCH_COLORS["LSTM"]}
    assert [t.line.dash for t in lstm] == ["solid", "dash", "dot", "dashdot"]


def test_jacobian_chain_chart_with_and_without_twins():
    fig = charts.jacobian_chain(_tidy("jacobian_norm"))
    assert len(fig.data) == 4 and fig.layout.yaxis.type == "log"
    trained_only = _tidy("jacobian_norm").query("trained").drop(columns=["trained", "arch"])
    fig = charts.jacobian_chain(trained_only, title="Chains")
    assert names(fig) == ["LSTM", "my GRU"] and fig.layout.title.text == "Chains"




def test_by_distance_charts_put_log_ticks_on_their_data():
    df = _tidy("jacobian_norm")
    fig = charts.jacobian_chain(df)
    assert list(fig.layout.yaxis.tickvals) == charts.log_ticks(df["jacobian_norm"])[0]
    assert list(fig.layout.yaxis.ticktext) == charts.log_ticks(df["jacobian_norm"])[1]
