"""The data set's charts (Data page): sentences per source and class, sentence lengths, the most frequent tokens."""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from rnnlab.charts.style import ARCH_COLORS, CLASS_COLORS, CLASS_NAMES, GROUP_COLORS, layout


def class_balance(df: pd.DataFrame, title: str = "Sentences per source and class") -> go.Figure:
    """Grouped bars: x = source, one trace per class ('negative', 'positive'), y = number of sentences.
    `df` has columns label (0/1) and source."""
    counts = df.groupby(["source", "label"]).size().unstack("label", fill_value=0)
    fig = go.Figure()
    for label in (0, 1):
        name = CLASS_NAMES[label]
        values = counts[label] if label in counts.columns else pd.Series(0, index=counts.index)
        fig.add_trace(
            go.Bar(
                x=list(counts.index),
                y=values.to_numpy(),
                name=name,
                marker_color=CLASS_COLORS[name],
                text=values.to_numpy(),
                textposition="outside",
                cliponaxis=False,
            )
        )
    fig.update_xaxes(title_text="source")
    # Headroom above the tallest bar, so its count printed above it is not cut off by the plot's top edge.
    fig.update_yaxes(title_text="sentences", range=[0, 1.15 * max(1, int(counts.to_numpy().max(initial=0)))])
    return layout(fig, title, barmode="group")


def length_histogram(lengths, by=None, title: str = "Sentence length in words") -> go.Figure:
    """Histogram of sentence lengths (words per sentence). With `by` (a sequence as long as `lengths`, e.g. the
    source of each sentence) one histogram per group, named after it, stacked (overlaid, three translucent colours
    mixed into mud); else one trace named 'all'."""
    lengths = np.asarray(lengths)
    fig = go.Figure()
    if by is None:
        groups = [("all", lengths)]
    else:
        by = np.asarray(by)
        groups = [(str(g), lengths[by == g]) for g in pd.unique(by)]
    for i, (name, values) in enumerate(groups):
        fig.add_trace(
            go.Histogram(
                x=values,
                name=name,
                xbins=dict(start=-0.5, size=1),  # one bar per length in words
                marker_color=GROUP_COLORS[i % len(GROUP_COLORS)] if by is not None else ARCH_COLORS["SimpleRNN"],
                opacity=0.9,
            )
        )
    fig.update_xaxes(title_text="words in the sentence")
    fig.update_yaxes(title_text="sentences")
    return layout(fig, title, barmode="stack")


def top_tokens(counts: pd.Series, n: int = 20, title: str | None = None) -> go.Figure:
    """Horizontal bars of the `n` most frequent tokens, the most frequent at the top. `counts` is a Series of
    counts indexed by token (e.g. rnnlab.data.token_counts(texts)); one trace, n bars."""
    top = counts.sort_values(ascending=False, kind="stable").head(n)
    fig = go.Figure(
        go.Bar(
            x=top.to_numpy()[::-1],
            y=[repr(t) if t in ("", "[UNK]") else str(t) for t in top.index][::-1],
            orientation="h",
            name="count",
            marker_color=ARCH_COLORS["SimpleRNN"],
        )
    )
    fig.update_xaxes(title_text="occurrences")
    fig.update_yaxes(title_text="token", type="category")
    return layout(fig, title or f"The {len(top)} most frequent tokens", height=max(400, 28 * len(top) + 160))
