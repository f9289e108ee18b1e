"""Training curves: loss and accuracy of several runs over epochs, batch by batch and per epoch."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from rnnlab.charts.style import FONT_SIZE, layout, legend_below, styles_for


def _batches_per_epoch(run: dict) -> float:
    """The run's batches per epoch, or (for a run that did not say) the most batches seen in one epoch."""
    given = run.get("batches_per_epoch")
    if given:
        return float(given)
    counts = pd.Series([b["epoch"] for b in run.get("batch_history") or []]).value_counts()
    return float(counts.max()) if len(counts) else 1.0


MAX_POINTS = 200  # per batch trace: the live page redraws every run's curves every second


def drawn_points(count: int, limit: int = MAX_POINTS) -> np.ndarray:
    """Which of `count` batches a trace draws: all up to `limit`, else `limit` evenly spaced ones, the first and
    the latest always among them. A live chart of four 10-epoch runs is then 1,600 points per panel at most
    however long they train, not 6,000 re-sent (and redrawn by the browser) every second."""
    if count <= limit:
        return np.arange(count)
    return np.unique(np.linspace(0, count - 1, limit).round().astype(int))


def smoothing_window(run: dict) -> int:
    """How many batches the training line of `run` averages: an eighth of an epoch, at least 1."""
    return max(1, round(_batches_per_epoch(run) / 8))


def training_curves(runs: Sequence[dict], title: str = "Training curves", reference: dict | None = None) -> go.Figure:
    """Loss (left) and accuracy (right) of several runs overlaid, one style per run (styles_for: the
    architecture's colour, and a dash of its own for each further run of one architecture).

    Each run is a dict with name, arch, batch_history (list of dicts step, epoch, loss, accuracy; step counts
    batches from 1), history (per-epoch lists loss, accuracy, val_loss, val_accuracy; may be shorter while a run
    is still training) and batches_per_epoch. Training is drawn per batch at x = step / batches_per_epoch
    (fractional epochs): each batch's own value faint, and over it the mean of the last `smoothing_window(run)`
    batches (a batch of 32 sentences is a noisy sample); a long run draws MAX_POINTS evenly spaced batches of
    both lines (`drawn_points`), the mean still taken over every batch. Validation once per epoch at x = 1, 2, ... as markers
    and lines. Six traces per run, in order: training loss of each batch, training loss (mean), validation loss,
    then the same three for accuracy. One legend for both panels, below them: one entry per run (its validation
    line and marker), which switches all six of the run's traces on and off. `reference` ({"name", "value"}), if
    given, is drawn as a dashed horizontal line on the accuracy panel (a shape, not a trace), labelled with its name
    and value in the panel's bottom right corner, where no accuracy curve runs after the first batches.
    """
    fig = curves_frame(len(runs), title=title, reference=reference)
    names, styles = curve_styles(runs)
    for run, name in zip(runs, names):
        fig.add_traces(run_traces(run, name, styles[name]))
    return fig


def curve_styles(runs: Sequence[dict]) -> tuple[list[str], dict[str, dict]]:
    """The runs' names, in order, and each name's style (styles_for: colour by architecture, dash by rank)."""
    names = [str(run["name"]) for run in runs]
    return names, styles_for(names, [run.get("arch") for run in runs])


def run_traces(run: dict, name: str, style: dict) -> list[go.Scatter]:
    """The six traces of one run of training_curves (see there), on the loss (x, y) and accuracy (x2, y2) axes:
    they depend on this run and its style only, so a page may keep them while the run does not change."""
    color = style["color"]
    batches = pd.DataFrame(run.get("batch_history") or [], columns=["step", "epoch", "loss", "accuracy"])
    keep = drawn_points(len(batches))  # the mean is taken over every batch, then both lines are thinned
    x_batch = batches["step"].to_numpy(dtype=float)[keep] / _batches_per_epoch(run)
    history = run.get("history") or {}
    window = smoothing_window(run)
    traces = []
    for col, metric in ((1, "loss"), (2, "accuracy")):
        first = col == 1
        axes = dict(xaxis="x", yaxis="y") if first else dict(xaxis="x2", yaxis="y2")
        every = batches[metric].to_numpy(dtype=float)
        raw, mean = every[keep], pd.Series(every).rolling(window, min_periods=1).mean().to_numpy()[keep]
        traces.append(go.Scatter(
            x=x_batch, y=raw, mode="lines", name=f"{name} training (each batch)", legendgroup=name,
            showlegend=False, line=dict(color=color, width=1), opacity=0.3, hoverinfo="skip", **axes))
        traces.append(go.Scatter(
            x=x_batch, y=mean, customdata=raw, mode="lines", name=f"{name} training", legendgroup=name,
            showlegend=False, line=dict(color=color, width=2.5, dash=style["dash"]),
            hovertemplate=f"{name}<br>epoch %{{x:.2f}}<br>training {metric}: %{{y:.3f}} (mean of the last "
                          f"{window} batches), this batch %{{customdata:.3f}}<extra></extra>", **axes))
        val = [float(v) for v in history.get(f"val_{metric}", [])]
        traces.append(go.Scatter(
            x=np.arange(1, len(val) + 1, dtype=float), y=val, mode="markers+lines", name=name, legendgroup=name,
            showlegend=first, line=dict(color=color, width=3, dash=style["dash"]),
            marker=dict(size=11, color=color, symbol=style["symbol"]),
            hovertemplate=f"{name}<br>epoch %{{x}}<br>validation {metric} %{{y:.3f}}<extra></extra>", **axes))
    return traces


def curves_frame(runs: int, title: str = "Training curves", reference: dict | None = None) -> go.Figure:
    """training_curves without its traces: the two panels, their axes, the reference line, and a legend below
    sized for `runs` entries."""
    fig = make_subplots(rows=1, cols=2, subplot_titles=("Loss", "Accuracy"), horizontal_spacing=0.14)
    fig.update_xaxes(title_text="epoch", rangemode="tozero")
    fig.update_yaxes(title_text="binary cross-entropy", rangemode="tozero", row=1, col=1)
    fig.update_yaxes(title_text="accuracy", range=[0, 1.02], row=1, col=2)
    fig.update_annotations(font_size=FONT_SIZE + 2)
    if reference is not None:
        # Drawn on the accuracy panel before its traces are added (with no run at all, there is no panel to mark).
        fig.add_hline(y=float(reference["value"]), row=1, col=2, line=dict(color="#555555", width=2, dash="dash"),
                      exclude_empty_subplots=not runs)
        if runs:  # labelled in the panel's empty bottom right corner: beside the line it hid under the curves
            fig.add_annotation(xref="x2 domain", yref="y2", x=1, y=0.03, xanchor="right", yanchor="bottom",
                               showarrow=False, font=dict(color="#555555"),
                               text=f"dashed line: {float(reference['value']):.3f}<br>{reference['name']}")
    # Room between the chart's title and the panels' titles ('Loss', 'Accuracy') above them.
    layout(fig, title, hovermode="closest", height=480, margin=dict(l=80, r=30, t=110, b=60))
    return legend_below(fig, runs)
