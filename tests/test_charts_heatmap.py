"""rnnlab.charts.heatmap: units by words, repeated words kept apart.
(Figures come from `rnnlab.charts`, which re-exports every chart module.)"""

import numpy as np
import pytest

from rnnlab import charts


def test_heatmap_units_by_words_keeps_repeated_words_apart():
    hidden = np.tanh(np.linspace(-3, 3, 24)).reshape(6, 4)  # 6 units x 4 words
    words = ["good", "not", "good", "!"]
    fig = charts.heatmap(hidden, words, y_label="unit", title="Hidden state")
    (heat,) = fig.data
    assert np.asarray(heat.z).shape == (6, 4)
    assert list(heat.x) == [0, 1, 2, 3] and list(fig.layout.xaxis.ticktext) == words
    assert (heat.zmin, heat.zmax, heat.zmid) == (-1.0, 1.0, 0.0)
    assert fig.layout.title.text == "Hidden state" and fig.layout.yaxis.title.text == "unit"
    gate = charts.heatmap(np.full((3, 2), 0.25), ["a", "b"], title="Forget gate")
    assert (gate.data[0].zmin, gate.data[0].zmax) == (0.0, 1.0)
    with pytest.raises(ValueError):
        charts.heatmap(hidden, ["too", "few"])
