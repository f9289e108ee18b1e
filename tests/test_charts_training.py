"""rnnlab.charts.training: the training curves' traces, epochs and smoothing.
(Figures come from `rnnlab.charts`, which re-exports every chart module.)"""

import json

import numpy as np
import plotly.io as pio

from rnnlab import charts


def names(fig):
    return [trace.name for trace in fig.data]


def _run(name, arch, epochs, batches_per_epoch, finished_epochs):
    steps = epochs * batches_per_epoch
    batch_history = [
        dict(step=s, epoch=(s - 1) // batches_per_epoch, loss=1.0 / s, accuracy=0.5 + 0.4 * s / steps)
        for s in range(1, steps + 1)
    ]
    history = dict(
        loss=[0.6] * finished_epochs,
        accuracy=[0.7] * finished_epochs,
        val_loss=[0.5 - 0.1 * e for e in range(finished_epochs)],
        val_accuracy=[0.75 + 0.05 * e for e in range(finished_epochs)],
    )
    return dict(name=name, arch=arch, batch_history=batch_history, history=history,
                batches_per_epoch=batches_per_epoch)


def test_training_curves_draw_batches_in_fractional_epochs_and_validation_per_epoch():
    runs = [_run("SimpleRNN", "SimpleRNN", 2, 5, 2), _run("GRU", "GRU", 1, 4, 1)]
    fig = charts.training_curves(runs, title="Two runs")
    assert fig.layout.title.text == "Two runs"
    assert fig.layout.template == pio.templates["plotly_white"]
    assert [a.text for a in fig.layout.annotations] == ["Loss", "Accuracy"]
    each = "training (each batch)"
    assert names(fig) == [
        f"SimpleRNN {each}", "SimpleRNN training", "SimpleRNN",
        f"SimpleRNN {each}", "SimpleRNN training", "SimpleRNN",
        f"GRU {each}", "GRU training", "GRU", f"GRU {each}", "GRU training", "GRU",
    ]
    simple_raw, simple_loss, simple_val_loss, simple_raw_acc, simple_acc, simple_val_acc = fig.data[:6]
    np.testing.assert_allclose(simple_raw.x, np.arange(1, 11) / 5)  # step / batches_per_epoch
    np.testing.assert_allclose(simple_loss.x, simple_raw.x)
    np.testing.assert_allclose(simple_raw.y, 1.0 / np.arange(1, 11))
    # The solid line: the mean of the last round(5 / 8) = 1 batch here, so each batch's own value.
    assert charts.smoothing_window(runs[0]) == 1
    np.testing.assert_allclose(simple_loss.y, 1.0 / np.arange(1, 11))
    np.testing.assert_allclose(simple_loss.customdata, simple_raw.y)  # hover shows the batch's own value
    assert simple_raw.opacity == 0.3 and simple_loss.opacity is None
    assert list(simple_val_loss.x) == [1.0, 2.0] and list(simple_val_loss.y) == [0.5, 0.4]
    assert simple_val_acc.mode == "markers+lines" and simple_loss.mode == "lines"
    assert list(simple_val_acc.y) == [0.75, 0.8]
    assert simple_loss.xaxis == "x" and simple_acc.xaxis == "x2" and simple_raw_acc.xaxis == "x2"
    assert len(fig.data[7].x) == 4 and len(fig.data[8].x) == 1
    # Colour per run, the architecture's; one legend entry per run (its validation line), below the plot; every
    # trace of a run switches with it (same legend group).
    assert {t.line.color for t in fig.data[:6]} == {charts.ARCH_COLORS["SimpleRNN"]}
    assert {t.line.color for t in fig.data[6:]} == {charts.ARCH_COLORS["GRU"]}
    assert [t.showlegend for t in fig.data] == [False, False, True, False, False, False] * 2
    assert len({t.legendgroup for t in fig.data[:6]}) == 1 and simple_raw.legendgroup == "SimpleRNN"
    assert fig.layout.legend.orientation == "h" and fig.layout.legend.yanchor == "bottom"


def test_training_curves_average_the_last_eighth_of_an_epoch():
    run = _run("LSTM", "LSTM", 1, 40, 1)  # 40 batches: a window of 5
    assert charts.smoothing_window(run) == 5
    fig = charts.training_curves([run])
    raw, mean = np.asarray(fig.data[0].y), np.asarray(fig.data[1].y)
    np.testing.assert_allclose(mean[:3], [raw[0], raw[:2].mean(), raw[:3].mean()])  # a short start averages less
    np.testing.assert_allclose(mean[10], raw[6:11].mean())
    assert np.std(np.diff(mean)) < np.std(np.diff(raw))


def test_training_curves_of_a_run_just_started_and_one_without_batches_per_epoch():
    empty = dict(name="LSTM", arch="LSTM", batch_history=[], history={}, batches_per_epoch=10)
    fig = charts.training_curves([empty])
    assert len(fig.data) == 6 and all(len(t.x) == 0 for t in fig.data)
    run = _run("GRU", "GRU", 2, 3, 1)
    run["batches_per_epoch"] = None  # inferred: the most batches seen in one epoch
    fig = charts.training_curves([run])
    np.testing.assert_allclose(fig.data[0].x, np.arange(1, 7) / 3)
    np.testing.assert_allclose(fig.data[1].x, np.arange(1, 7) / 3)


def test_a_long_run_draws_a_bounded_number_of_points_with_the_mean_over_every_batch():
    """10 epochs of 75 batches (the lesson's recipe): 750 batches, drawn as MAX_POINTS evenly spaced ones, the
    first and the latest among them; the solid line is still the mean over every batch, not over the drawn ones."""
    from rnnlab.charts.training import MAX_POINTS, drawn_points

    run = _run("LSTM", "LSTM", 10, 75, 10)
    rng = np.random.default_rng(0)
    for record in run["batch_history"]:
        record["loss"] = float(rng.uniform(0.2, 0.8))
    fig = charts.training_curves([run])
    raw, mean = fig.data[0], fig.data[1]
    assert MAX_POINTS == 200 and len(raw.x) == len(mean.x) == 200
    assert raw.x[0] == 1 / 75 and raw.x[-1] == 10.0  # the first batch and the latest
    kept = drawn_points(750)
    every = np.array([r["loss"] for r in run["batch_history"]])
    window = charts.smoothing_window(run)  # round(75 / 8) = 9
    full_mean = np.array([every[max(0, i - window + 1):i + 1].mean() for i in range(750)])
    np.testing.assert_allclose(mean.y, full_mean[kept])
    np.testing.assert_allclose(raw.y, every[kept])
    assert not np.allclose(mean.y[1:], raw.y[1:])  # the mean is of all batches: it differs from the drawn ones
    # A short run keeps every batch; the live page's four runs stay bounded however long they train.
    assert list(drawn_points(5)) == [0, 1, 2, 3, 4]
    assert len(drawn_points(10**5)) == 200
    four = charts.training_curves([_run(a, a, 10, 75, 3) for a in ("SimpleRNN", "LSTM", "GRU", "BiLSTM")])
    assert sum(len(t.x) for t in four.data) == 4 * (4 * 200 + 2 * 3)


def test_the_figure_built_from_plain_dicts_is_what_plotly_checks_it_to_be():
    # training_curves builds its traces as dicts and its layout once (the live page redraws every second);
    # plotly's own checked copy of the figure must say exactly the same, presenter scaling included.
    from plotly import graph_objects as go

    from rnnlab.ui import presenter

    runs = [_run("SimpleRNN", "SimpleRNN", 2, 5, 2), _run("GRU", "GRU", 1, 4, 1), _run("GRU 2", "GRU", 1, 4, 0)]
    reference = {"name": "Bag of words (final val.)", "value": 0.8273}
    for fig in (charts.training_curves(runs, reference=reference), charts.training_curves(runs[:1]),
                presenter.scale_figure(charts.training_curves(runs, reference=reference))):
        checked = go.Figure(fig.to_dict())  # validated property by property
        assert json.loads(pio.to_json(fig, validate=False)) == json.loads(pio.to_json(checked, validate=False))
    fig = charts.training_curves(runs, reference=reference)
    assert [s.y0 for s in fig.layout.shapes] == [0.8273] and fig.layout.shapes[0].yref == "y2"
    assert [a.text for a in fig.layout.annotations] == ["Loss", "Accuracy",
                                                        "dashed line: 0.827<br>Bag of words (final val.)"]
    label = fig.layout.annotations[-1]  # below every accuracy curve (the runs here stay above 0.5), at the right
    assert (label.xref, label.yref, label.x, label.xanchor) == ("x2 domain", "y2", 1, "right") and label.y < 0.1
    assert fig.data[3].xaxis == "x2" and fig.data[3].yaxis == "y2" and fig.data[0].yaxis == "y"
    # Frames are shared between calls, figures are not: scaling one leaves the next as it was.
    assert charts.training_curves(runs, reference=reference).layout.height == fig.layout.height
    assert charts.training_curves([], reference=reference).layout.shapes == ()  # no run: no panel draws the line
