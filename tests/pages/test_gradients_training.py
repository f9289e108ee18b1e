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
    history = {job.snapshot().label: job.result.history["gradient_by_step"]
               for job in map(jobs.get, trained_session[StateKeys.JOB_IDS])}
    for epoch in (2, 1):
        at.slider(key=StateKeys.GRADIENTS_EPOCH).set_value(epoch).run()
        assert not at.exception
        chart = chart_titled(at, f"Gradient reaching each word after epoch {epoch}")
        assert [trace["name"] for trace in chart["data"]] == [job.snapshot().label for job in map(jobs.get, trained_session[StateKeys.JOB_IDS])]
        for trace in chart["data"]:
            np.testing.assert_allclose(trace["y"], history[trace["name"]][epoch - 1])
    gru = next(job.snapshot().label for job in map(jobs.get, trained_session[StateKeys.JOB_IDS]) if job.config["arch"] == "GRU")
    assert history[gru][0] != history[gru][1]


def test_largest_gradient_norm_per_batch_with_and_without_clipping(trained_session):
    from tests.pages.conftest import TINY, TRAINED_OWNER

    clipped = jobs.manager().claim(dict(arch="GRU", clip_norm=0.05, **TINY), TRAINED_OWNER)[0]
    assert clipped.wait(300) and clipped.status == "finished", clipped.error
    state = dict(trained_session, **{StateKeys.JOB_IDS: trained_session[StateKeys.JOB_IDS] + [clipped.id]})
    at = open_page("gradients", state)
    chart = chart_titled(at, "Gradient norm of every batch")
    traces = {trace["name"]: trace for trace in chart["data"]}
    plain_gru = next(j for j in map(jobs.get, trained_session[StateKeys.JOB_IDS]) if j.config["arch"] == "GRU")
    gru_names = [name for name in traces if name.startswith("GRU")]
    assert len(traces) == 4 and any("clipped at 0.05" in name for name in gru_names)
    clipped_name = next(name for name in gru_names if "clipped at 0.05" in name)
    assert traces[clipped_name]["y"] == [b["grad_norm"] for b in clipped.result.batch_history]
    threshold = next(t for name, t in traces.items() if "threshold 0.05" in name)
    assert threshold["y"] == [0.05, 0.05]
    # The same start and the same first batch: the same first gradient; clipping changes what follows.
    assert clipped.result.batch_history[0]["grad_norm"] == plain_gru.result.batch_history[0]["grad_norm"]
    largest = max(b["grad_norm"] for b in clipped.result.batch_history)
    assert largest > 0.05
    assert f"{largest:.3g} (applied at most 0.05)" in " ".join(m.value for m in at.markdown)
