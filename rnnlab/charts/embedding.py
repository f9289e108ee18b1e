"""Charts for "What the embedding learned" and for training as it goes (gradients by epoch, the largest gradient
norm per batch): data in, plotly figure out, in rnnlab.charts' projector look and architecture colours."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from rnnlab.charts.style import CLASS_COLORS, colors_for, layout, log_ticks

# Negative lean vermilion, none light grey, positive green: the classes' colours everywhere in RNN Lab.
LEAN_SCALE = [[0.0, CLASS_COLORS["negative"]], [0.5, "#E8E8E8"], [1.0, CLASS_COLORS["positive"]]]


# Bubble sizes: the area grows with the square root of the count (the diameter with its fourth root), from
# MIN_BUBBLE_PX for a word seen once, capped at MAX_BUBBLE_PX. Sized by count itself, the few most frequent words
# (the, and, was: over a thousand times each) covered the map; now the largest covers well under 1% of the plot.
MIN_BUBBLE_PX, MAX_BUBBLE_PX = 5.0, 24.0
NAMED_WORDS = 5  # the words leaning most each way are named on the map
NAMED_MIN_COUNT = 5  # among words seen at least this often (a word seen twice leans by chance)


def bubble_sizes(counts) -> np.ndarray:
    """Marker diameters in px for these counts: MIN_BUBBLE_PX x count^(1/4), at most MAX_BUBBLE_PX."""
    counts = np.maximum(np.asarray(counts, dtype=float), 1.0)
    return np.minimum(MIN_BUBBLE_PX * counts ** 0.25, MAX_BUBBLE_PX)


def leaning_words(projected: pd.DataFrame, n: int = NAMED_WORDS, min_count: int = NAMED_MIN_COUNT) -> pd.DataFrame:
    """The `n` most positive and `n` most negative words seen at least `min_count` times (rows of `projected`)."""
    frequent = projected[projected["count"] >= min_count]
    positive = frequent[frequent["lean"] > 0].nlargest(n, "lean")
    negative = frequent[frequent["lean"] < 0].nsmallest(n, "lean")
    return pd.concat([positive, negative])


def embedding_map(projected: pd.DataFrame, title: str = "Embedding, projected to 2D") -> go.Figure:
    """One point per word of rnnlab.embeddings.projection(): at (x, y), coloured by its lean (vermilion
    negative, green positive, the scale symmetric around 0), sized by how often it occurs (bubble_sizes: area by
    the square root of the count, capped); the word, its count and lean on hover. The most frequent words are
    drawn last, on top; the words leaning most each way (leaning_words) are named on the map, a second trace."""
    rows = projected.iloc[::-1]
    limit = float(np.nanmax(np.abs(projected["lean"]))) if len(projected) else 1.0
    counts = rows["count"].to_numpy(dtype=float)
    fig = go.Figure(
        go.Scatter(
            x=rows["x"].to_numpy(), y=rows["y"].to_numpy(), mode="markers", text=rows["word"].tolist(),
            customdata=np.stack([counts, rows["lean"].to_numpy()], axis=1) if len(rows) else None,
            marker=dict(
                size=bubble_sizes(counts), sizemode="diameter", color=rows["lean"].to_numpy(),
                colorscale=LEAN_SCALE, cmin=-limit, cmax=limit, line=dict(width=0.5, color="#666666"),
                opacity=0.8, colorbar=dict(title="lean", thickness=14),
            ),
            hovertemplate="%{text}<br>%{customdata[0]:.0f} times, lean %{customdata[1]:+.2f}<extra></extra>",
            showlegend=False,
        )
    )
    named = leaning_words(projected)
    if len(named):
        fig.add_trace(go.Scatter(
            x=named["x"].to_numpy(), y=named["y"].to_numpy(), mode="text", text=named["word"].tolist(),
            textposition="top center", textfont=dict(size=15, color="#222222"), hoverinfo="skip",
            showlegend=False, name="leaning most"))
    fig.update_xaxes(title_text="first principal component", zeroline=False)
    fig.update_yaxes(title_text="second principal component", zeroline=False)
    return layout(fig, title, height=520)


def gradient_by_epoch(curves: Mapping[str, tuple[str, list]], epoch: int,
                      title: str | None = None) -> go.Figure:
    """For each model (name -> (arch, history['gradient_by_step'])) its gradient norm by distance from the last
    word after epoch `epoch` (1 = the first), on one log chart. A model with fewer epochs shows its last one.
    The same axes at every epoch (the range of all epochs), so moving the slider shows the change."""
    fig = go.Figure()
    names = list(curves)
    colors = colors_for(names, [curves[n][0] for n in names])
    every = [v for _, per_epoch in curves.values() for norms in per_epoch for v in norms]
    for name in names:
        _, per_epoch = curves[name]
        if not per_epoch:
            continue
        shown = min(epoch, len(per_epoch))
        norms = np.asarray(per_epoch[shown - 1], dtype=float)
        label = name if shown == epoch else f"{name} (epoch {shown}, its last)"
        fig.add_trace(go.Scatter(
            x=np.arange(len(norms)), y=norms, mode="lines+markers", name=label,
            line=dict(color=colors[name], width=3), marker=dict(size=6),
            hovertemplate=label + "<br>%{x} words before the end: %{y:.3g}<extra></extra>",
        ))
    fig.update_xaxes(title_text="distance from the last word (0 = last word)")
    tickvals, ticktext = log_ticks(every)
    positive = [v for v in every if v > 0]
    yrange = [np.log10(min(positive)) - 0.1, np.log10(max(positive)) + 0.1] if positive else None
    fig.update_yaxes(type="log", title_text="‖∂loss/∂x_t‖ (log scale)", tickvals=tickvals or None,
                     ticktext=ticktext or None, range=yrange)
    return layout(fig, title or f"Gradient reaching each word after epoch {epoch}")


def max_gradient_norm(runs: Mapping[str, tuple[str, list[dict], float | None]],
                      title: str = "Gradient norm of every batch") -> go.Figure:
    """The global norm of each batch's whole gradient before clipping (batch history's 'grad_norm'), one line
    per run (name -> (arch, batch_history, clip_norm or None)) over the batches, log y; a run trained with
    clipping draws its threshold as a dotted line of its colour (every update it applied is at most that long)."""
    fig = go.Figure()
    names = list(runs)
    colors = colors_for(names, [runs[n][0] for n in names])
    values = []
    for name in names:
        _, history, clip = runs[name]
        batches = [b for b in history if b.get("grad_norm") is not None]
        if not batches:
            continue
        norms = [float(b["grad_norm"]) for b in batches]
        values += norms
        label = f"{name} (clipped at {clip:g})" if clip else name
        fig.add_trace(go.Scatter(
            x=[int(b["step"]) for b in batches], y=norms, mode="lines", name=label,
            line=dict(color=colors[name], width=1.5),
            hovertemplate=label + "<br>batch %{x}: ‖g‖ = %{y:.3g}<extra></extra>",
        ))
        if clip:
            values.append(float(clip))
            fig.add_trace(go.Scatter(
                x=[batches[0]["step"], batches[-1]["step"]], y=[clip, clip], mode="lines",
                name=f"{name}: threshold {clip:g}", line=dict(color=colors[name], width=2, dash="dot"),
                hoverinfo="skip",
            ))
    tickvals, ticktext = log_ticks(values)
    fig.update_xaxes(title_text="batch")
    fig.update_yaxes(type="log", title_text="global gradient norm ‖g‖ (log scale)", tickvals=tickvals or None,
                     ticktext=ticktext or None)
    return layout(fig, title)
