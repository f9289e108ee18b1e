"""rnnlab.charts.style: every architecture keeps its colour, runs of one get dashes, log axes get round ticks.
(Figures come from `rnnlab.charts`, which re-exports every chart module.)"""

import numpy as np
import pytest

from rnnlab import charts
from rnnlab.models import ARCHITECTURES


def test_every_architecture_has_its_own_colour_and_repeats_get_dashes():
    assert set(charts.ARCH_COLORS) == set(ARCHITECTURES)
    assert len(set(charts.ARCH_COLORS.values())) == len(ARCHITECTURES)
    # Okabe-Ito's eight colours only; LSTM and BiLSTM no longer two oranges.
    okabe_ito = {"#000000", "#E69F00", "#56B4E9", "#009E73", "#F0E442", "#0072B2", "#D55E00", "#CC79A7"}
    assert set(charts.ARCH_COLORS.values()) <= okabe_ito and set(charts.EXTRA_COLORS) - {"#999999"} <= okabe_ito
    assert not set(charts.EXTRA_COLORS) & set(charts.ARCH_COLORS.values())
    colors = charts.colors_for(["LSTM", "LSTM #2", "BiLSTM (64 units)", "GRU", "my model"])
    assert colors["LSTM"] == colors["LSTM #2"] == charts.ARCH_COLORS["LSTM"]
    assert colors["BiLSTM (64 units)"] == charts.ARCH_COLORS["BiLSTM"]  # not LSTM's: longest name wins
    assert colors["GRU"] == charts.ARCH_COLORS["GRU"]
    assert colors["my model"] == charts.EXTRA_COLORS[0]
    # An explicit arch wins over the name.
    assert charts.colors_for(["run 1"], ["GRU"]) == {"run 1": charts.ARCH_COLORS["GRU"]}
    styles = charts.styles_for(["LSTM", "GRU", "LSTM #2", "LSTM #3"])
    assert [styles[n]["dash"] for n in ("LSTM", "LSTM #2", "LSTM #3")] == ["solid", "dash", "dot"]
    assert styles["GRU"]["dash"] == "solid"
    assert len({styles[n]["symbol"] for n in ("LSTM", "LSTM #2", "LSTM #3")}) == 3
    assert len({styles[n]["pattern"] for n in ("LSTM", "LSTM #2", "LSTM #3")}) == 3




@pytest.mark.parametrize("values, ticks, labels", [
    ([1.0, 18.0], [1, 2, 5, 10, 20], ["1", "2", "5", "10", "20"]),  # Plotly alone labelled 20 as '2' above '10'
    ([0.35, 2.4], [0.5, 1, 2], ["0.5", "1", "2"]),
    ([2e-5, 3e-4], [2e-5, 5e-5, 1e-4, 2e-4], ["2·10<sup>-5</sup>", "5·10<sup>-5</sup>", "10<sup>-4</sup>",
                                             "2·10<sup>-4</sup>"]),
    ([1e-7, 0.3], [10.0**e for e in range(-7, 1)], [f"10<sup>{e}</sup>" for e in range(-7, 1)]),
    ([1e-12, 1.0], [10.0**e for e in range(-12, 1, 2)], [f"10<sup>{e}</sup>" for e in range(-12, 1, 2)]),
    ([0.0, float("nan"), -1.0], [], []),
])
def test_log_ticks_are_round_numbers_labelled_plainly(values, ticks, labels):
    got_ticks, got_labels = charts.log_ticks(values)
    np.testing.assert_allclose(got_ticks, ticks, rtol=1e-12)
    assert got_labels == labels
