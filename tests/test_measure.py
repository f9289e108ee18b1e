"""rnnlab.measure: per-model measurements as the Gradients page draws them (the measuring itself is covered by
tests/test_gradients.py and tests/pages/test_gradients.py)."""

from types import SimpleNamespace

import pandas as pd

from rnnlab import measure


def test_drawn_joins_the_measured_frames_in_the_jobs_order_with_their_names():
    jobs = {"GRU": SimpleNamespace(id="b"), "LSTM": SimpleNamespace(id="a"), "short": SimpleNamespace(id="c")}
    measured = {"a": pd.DataFrame({"distance": [0, 1], "gradient_norm": [1.0, 0.5]}),
                "b": pd.DataFrame({"distance": [0], "gradient_norm": [2.0]}),
                "c": pd.DataFrame({"distance": [], "gradient_norm": []})}
    frame = measure.drawn(jobs, measured)
    assert frame["model"].tolist() == ["GRU", "LSTM", "LSTM"]  # the empty one left out
    assert frame["gradient_norm"].tolist() == [2.0, 1.0, 0.5]
    assert measure.drawn({"short": jobs["short"]}, measured) is None
