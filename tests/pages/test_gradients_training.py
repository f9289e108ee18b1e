"""The Gradients page's curves from training (issue 12): an epoch slider over every trained model's
gradient_by_step on one chart, and the largest gradient norm per batch with and without clipping."""

import numpy as np

from rnnlab import jobs
from rnnlab.ui.state import StateKeys
from tests.pages.conftest import figures, open_page


def chart_titled(at, start):
    (chart,) = [f for f in figures(at) if f["layout"]["title"]["text"].startswith(start)]
    return chart


def test_the_epoch_slider_shows_every_models_curve_at_that_epoch(trained_session):
    at = open_page("gradients", trained_session)
    slider = at.slider(key=StateKeys.GRADIENTS_EPOCH)
    assert (slider.min, slider.max, slider.value) == (1, 2, 2)  # the tiny models train 2 epochs
    history = {job.config["arch"]: job.result.history["gradient_by_step"]
               for job in map(jobs.get, trained_session[StateKeys.JOB_IDS])}
    for epoch in (2, 1):
        at.slider(key=StateKeys.GRADIENTS_EPOCH).set_value(epoch).run()
        assert not at.exception
        chart = chart_titled(at, f"Gradient reaching each word after epoch {epoch}")
        assert [trace["name"] for trace in chart["data"]] == ["SimpleRNN", "GRU"]
        for trace in chart["data"]:
            np.testing.assert_allclose(trace["y"], history[trace["name"]][epoch - 1])
    assert history["GRU"][0] != history["GRU"][1]
