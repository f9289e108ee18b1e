"""Charts of issue 12: the embedding map, the gradient curve at an epoch, and the per-batch gradient norms."""

import numpy as np
import pandas as pd

from rnnlab.charts import embedding as charts_embedding


def test_embedding_map_colours_by_lean_symmetrically_and_sizes_by_count():
    frame = pd.DataFrame({"word": ["the", "great", "awful"], "x": [0.0, 1.0, -1.0], "y": [0.0, 0.5, -0.5],
                          "count": [100, 9, 1], "lean": [0.1, 2.0, -1.5]})
    trace = charts_embedding.embedding_map(frame, "GRU, trained").data[0]
    assert list(trace.text) == ["awful", "great", "the"]  # the most frequent drawn last, on top
    assert trace.marker.cmin == -2.0 and trace.marker.cmax == 2.0  # 0 (no lean) is the scale's middle
    # area by the square root of the count (diameter by its fourth root), capped (issue 31, item 6)
    np.testing.assert_allclose(trace.marker.size, [5.0, 5.0 * 9 ** 0.25, min(5.0 * 100 ** 0.25, 24.0)])


def test_gradient_by_epoch_draws_each_model_at_that_epoch_or_its_last():
    curves = {"LSTM": ("LSTM", [[1.0, 0.5], [2.0, 1.0], [3.0, 2.0]]), "GRU": ("GRU", [[0.4, 0.2]])}
    fig = charts_embedding.gradient_by_epoch(curves, 2)
    assert fig.layout.title.text == "Gradient reaching each word after epoch 2"
    lstm, gru = fig.data
    assert lstm.name == "LSTM" and list(lstm.y) == [2.0, 1.0]
    assert gru.name == "GRU (epoch 1, its last)" and list(gru.y) == [0.4, 0.2]
    # The same y range at every epoch: that of all epochs (log axis, a tenth of a decade of margin).
    assert fig.layout.yaxis.range == (np.log10(0.2) - 0.1, np.log10(3.0) + 0.1)


def test_max_gradient_norm_draws_every_batch_and_a_clipped_runs_threshold():
    plain = [dict(step=s, grad_norm=n) for s, n in enumerate([0.5, 3.0, 0.7], start=1)]
    clipped = [dict(step=s, grad_norm=n) for s, n in enumerate([0.5, 1.5, 0.6], start=1)]
    fig = charts_embedding.max_gradient_norm({"LSTM": ("LSTM", plain, None), "LSTM #2": ("LSTM", clipped, 1.0)})
    names = [t.name for t in fig.data]
    assert names == ["LSTM", "LSTM #2 (clipped at 1)", "LSTM #2: threshold 1"]
    assert list(fig.data[0].y) == [0.5, 3.0, 0.7] and list(fig.data[2].y) == [1.0, 1.0]
    assert fig.data[2].line.dash == "dot"
