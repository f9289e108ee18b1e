"""Charts for the "Inside the cell" and "Long-range dependencies" pages: data in, plotly figure (or HTML) out.

They extend rnnlab.charts with the same projector look and architecture colours; the units x words heatmap
itself is rnnlab.charts.heatmap.
"""

from __future__ import annotations

import html
from collections.abc import Sequence

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from rnnlab.charts.gradients import gradient_by_step
from rnnlab.charts.heatmap import heatmap
from rnnlab.charts.style import layout, styles_for

READER_COLORS = {"forward": "#0072B2", "backward": "#D55E00"}
GATE_TITLES = {"forget_gate": "forget gate f_t", "update_gate": "update gate z_t"}


def gate_by_word(gates: pd.DataFrame, title: str | None = None) -> go.Figure:
    """The mean over units of the gate that keeps the past (rnnlab.inspect.mean_gate_by_word), one line per
    reader over the words in sentence order, y from 0 (forget everything) to 1 (keep everything)."""
    fig = go.Figure()
    gate = str(gates["gate"].iloc[0]) if len(gates) else "forget_gate"
    for reader, rows in gates.groupby("reader", sort=False):
        rows = rows.sort_values("position")
        fig.add_trace(
            go.Scatter(
                x=rows["position"].to_numpy(),
                y=rows["value"].to_numpy(dtype=float),
                mode="lines+markers",
                name=f"{reader} reader",
                line=dict(color=READER_COLORS.get(reader, "#555555"), width=3),
                marker=dict(size=9),
                customdata=rows["word"].to_numpy(dtype=object),
                hovertemplate="%{customdata}: %{y:.3f}<extra>" + reader + "</extra>",
            )
        )
    if len(gates):
        words = gates[gates["reader"] == gates["reader"].iloc[0]].sort_values("position")
        fig.update_xaxes(tickvals=words["position"].tolist(), ticktext=words["word"].astype(str).tolist())
    fig.update_xaxes(title_text="word")
    fig.update_yaxes(range=[0, 1.02], title_text="mean over units")
    return layout(fig, title or f"Mean {GATE_TITLES.get(gate, gate)} per word: near 1 keeps the past")


MOST_ACTIVE_UNITS = 16  # rows a heatmap shows by default: enough to see patterns, few enough to read


def most_active_units(part: dict, k: int = MOST_ACTIVE_UNITS) -> np.ndarray:
    """The `k` units of one reader (an rnnlab.inspect.unroll dict) that are most active on this sentence: the
    largest mean |h_t| over its words, most active first. The same units are then shown in every heatmap of
    that reader, so a unit can be followed from gate to state. All units (in their order) when k >= units."""
    hidden = np.asarray(part["hidden"], dtype=float)
    units = hidden.shape[1]
    if k >= units:
        return np.arange(units)
    activity = np.abs(hidden).mean(axis=0) if len(hidden) else np.zeros(units)
    return np.argsort(-activity, kind="stable")[:k]


def unit_heatmap(part: dict, array: str, units, title: str = "") -> go.Figure:
    """One array ('hidden', a gate, ...) of one reader of rnnlab.inspect.unroll() as a heatmap of the chosen
    `units` x words, tall enough for its rows (16 units: 412 px; past 32, 2 px a row)."""
    fig = heatmap(part[array][:, units].T, list(part["tokens"]), title=title, row_labels=units)
    fig.update_layout(height=220 + (2 if len(units) > 32 else 12) * len(units))
    return fig


def gate_dip(gates: pd.DataFrame, margin: float = 0.05) -> list[dict]:
    """Per reader of rnnlab.inspect.mean_gate_by_word output: the word where the keep-the-past gate is lowest,
    its value, the median over the sentence's words, and whether it is a dip (at least `margin` below that
    median). One dict per reader: reader, gate, word, position, value, median, dip (bool)."""
    found = []
    for reader, rows in gates.groupby("reader", sort=False):
        values = rows["value"].to_numpy(dtype=float)
        lowest = int(np.argmin(values))
        median = float(np.median(values))
        found.append(dict(reader=str(reader), gate=str(rows["gate"].iloc[0]), word=str(rows["word"].iloc[lowest]),
                          position=int(rows["position"].iloc[lowest]), value=float(values[lowest]), median=median,
                          dip=len(values) > 1 and values[lowest] <= median - margin))
    return found


def gate_dip_caption(gates: pd.DataFrame, margin: float = 0.05) -> str:
    """What the gate line shows for the sentence actually read: the word where the cell forgets most, or that
    no word makes the gate dip (every word within `margin` of the median)."""
    parts = []
    for found in gate_dip(gates, margin):
        gate = GATE_TITLES.get(found["gate"], found["gate"]).split(" ")[0] + " gate"
        reader = f"{found['reader']} reader: " if gates["reader"].nunique() > 1 else ""
        if found["dip"]:
            parts.append(f"{reader}the {gate} dips most at '{found['word']}' (word {found['position']}): "
                         f"{found['value']:.2f}, against a median of {found['median']:.2f} over the sentence, so "
                         "the cell lets go of more of its memory there")
        else:
            parts.append(f"{reader}no word makes the {gate} dip: its lowest, {found['value']:.2f} at "
                         f"'{found['word']}', is within {margin:.2f} of the median {found['median']:.2f}, so the "
                         "cell keeps about as much of its memory through every word")
    return ("In this sentence, " + "; ".join(parts) + ".") if parts else ""


def contribution_html(words: Sequence[str], values: Sequence[float], scale: float | None = None) -> str:
    """The sentence as coloured text: each word's background green when it pushes P(positive) up, vermilion (orange) when it
    pushes it down, stronger the larger |value| (relative to `scale`, default the largest |value|). The value
    is shown on hover. Words are HTML-escaped."""
    values = np.asarray(values, dtype=float)
    scale = float(scale) if scale else float(np.max(np.abs(values), initial=0.0)) or 1.0
    spans = []
    for word, value in zip(words, values):
        strength = min(1.0, abs(value) / scale) if np.isfinite(value) else 0.0
        rgb = "0, 158, 115" if value >= 0 else "213, 94, 0"  # the charts' positive green and negative vermilion
        spans.append(
            f'<span title="{value:+.4f}" style="background: rgba({rgb}, {0.1 + 0.8 * strength:.2f}); '
            f'padding: 0.15em 0.3em; margin: 0 0.1em; border-radius: 0.3em">{html.escape(str(word))}</span>'
        )
    return '<div style="font-size: 1.5rem; line-height: 2.4">' + " ".join(spans) + "</div>"


def accuracy_by_lag(rows, title: str = "Validation accuracy against the lag") -> go.Figure:
    """rnnlab.longrange results (dicts or a DataFrame with arch, lag, seed, val_accuracy; 'arch' may be a run
    name such as 'SimpleRNN, lr 0.001'): one line per name through the mean over seeds, each seed a dot;
    chance (0.5) dashed."""
    df = pd.DataFrame(rows, columns=["arch", "lag", "seed", "val_accuracy"])
    fig = go.Figure()
    # 'SimpleRNN, lr 0.001' keeps SimpleRNN's colour with a dash of its own.
    styles = styles_for(list(dict.fromkeys(df["arch"])))
    for arch, group in df.groupby("arch", sort=False):
        color, dash = styles[arch]["color"], styles[arch]["dash"]
        mean = group.groupby("lag")["val_accuracy"].mean()
        fig.add_trace(go.Scatter(x=mean.index.to_numpy(), y=mean.to_numpy(), mode="lines+markers", name=arch,
                                 line=dict(color=color, width=3, dash=dash), marker=dict(size=10),
                                 hovertemplate=arch + ", lag %{x}: mean %{y:.3f}<extra></extra>"))
        fig.add_trace(go.Scatter(x=group["lag"].to_numpy(), y=group["val_accuracy"].to_numpy(dtype=float),
                                 mode="markers", name=f"{arch} (each seed)", showlegend=False,
                                 marker=dict(color=color, size=7, opacity=0.5, symbol="circle-open"),
                                 hovertemplate=arch + ", lag %{x}: %{y:.3f}<extra></extra>"))
    fig.add_hline(y=0.5, line=dict(color="#999999", dash="dash"), annotation_text="chance",
                  annotation_position="bottom right")
    lags = sorted(int(lag) for lag in df["lag"].unique())
    # Lags are whole numbers: ticks at the lags trained (a single lag would otherwise get ticks at 14.5, 15.5).
    fig.update_xaxes(title_text="lag k (words after the decisive word)", tickformat="d",
                     tickvals=lags if len(lags) <= 12 else None)
    fig.update_yaxes(range=[0.4, 1.02], title_text="validation accuracy", tickformat=".0%")
    return layout(fig, title)


def task_gradient(df: pd.DataFrame, lag: int, title: str = "Gradient reaching each word of the task") -> go.Figure:
    """rnnlab.charts.gradient_by_step with the decisive word's distance from the end marked."""
    fig = gradient_by_step(df, title=title)
    fig.add_vline(x=int(lag), line=dict(color="#555555", dash="dot", width=2), annotation_text="decisive word",
                  annotation_position="top")
    return fig


def task_sentence_html(words: Sequence[str], decisive_position: int, signal_words: Sequence[str]) -> str:
    """One sentence of the long-range task as HTML: the decisive word boxed in bold, the distractors (signal
    words elsewhere) underlined, the fillers plain and grey."""
    signals = set(signal_words)
    parts = []
    for i, word in enumerate(words):
        text = html.escape(str(word))
        if i == decisive_position:
            parts.append(f'<b style="border: 2px solid #000; border-radius: 0.3em; padding: 0 0.25em">{text}</b>')
        elif word in signals:
            parts.append(f'<u style="text-decoration-thickness: 2px">{text}</u>')
        else:
            parts.append(f'<span style="color: #777">{text}</span>')
    return '<div style="font-size: 1.2rem; line-height: 2">' + " ".join(parts) + "</div>"
