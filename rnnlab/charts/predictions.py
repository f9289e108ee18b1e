"""Predictions' charts and tables (Predict page): P(positive) per model and sentence, and word by word."""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from rnnlab.charts.style import layout, legend_below, shorten, styles_for


def probability_color(p: float) -> str:
    """Background colour for a probability: red (0, negative) through pale yellow (0.5) to green (1, positive)."""
    if p is None or not np.isfinite(p):
        return ""
    p = float(min(1.0, max(0.0, p)))
    red, yellow, green = np.array([215, 48, 39]), np.array([255, 255, 191]), np.array([26, 152, 80])
    rgb = red + (yellow - red) * (p / 0.5) if p <= 0.5 else yellow + (green - yellow) * ((p - 0.5) / 0.5)
    return "background-color: rgb({}, {}, {}); color: black".format(*(int(round(c)) for c in rgb))


def probability_table_style(prob_df: pd.DataFrame, digits: int = 3):
    """A pandas Styler for probabilities() output: every cell coloured red (0) -> green (1), `digits` decimals."""
    return prob_df.style.map(probability_color).format(f"{{:.{digits}f}}")


def prediction_bars(prob_df: pd.DataFrame, title: str = "P(positive) by model") -> go.Figure:
    """Grouped bars: x = sentence (index of `prob_df`, shortened), one trace per model (column), y = P(positive)
    in [0, 1], with the 0.5 decision threshold drawn."""
    names = [str(c) for c in prob_df.columns]
    styles = styles_for(names)
    # Positions, not the texts, on the x axis: two identical sentences must stay two bars.
    x = list(range(len(prob_df)))
    fig = go.Figure()
    for column, name in zip(prob_df.columns, names):
        fig.add_trace(
            go.Bar(
                x=x,
                y=prob_df[column].to_numpy(dtype=float),
                name=name,
                marker=dict(color=styles[name]["color"], pattern_shape=styles[name]["pattern"],
                            pattern_fgcolor="white"),
                customdata=[str(s) for s in prob_df.index],
                hovertemplate=name + "<br>%{customdata}<br>P(positive) = %{y:.4f}<extra></extra>",
            )
        )
    fig.add_hline(y=0.5, line_dash="dash", line_color="#555555", annotation_text="0.5")
    fig.update_xaxes(tickvals=x, ticktext=[shorten(s, 30) for s in prob_df.index], title_text="sentence")
    fig.update_yaxes(title_text="P(positive)", range=[0, 1.05])
    layout(fig, title, barmode="group")
    return legend_below(fig, len(names))


def prefix_lines(prefix_df: pd.DataFrame, title: str = "How each model reads, word by word") -> go.Figure:
    """One line per model over the words of a sentence: P(positive) after reading words 1..position.
    `prefix_df` is rnnlab.predict.prefix_probabilities() output (model, position, word, probability)."""
    fig = go.Figure()
    names = [str(m) for m in pd.unique(prefix_df["model"])]
    styles = styles_for(names)
    for name in names:
        rows = prefix_df[prefix_df["model"].astype(str) == name].sort_values("position")
        fig.add_trace(
            go.Scatter(
                x=rows["position"].to_numpy(),
                y=rows["probability"].to_numpy(dtype=float),
                mode="lines+markers",
                name=name,
                line=dict(color=styles[name]["color"], width=3, dash=styles[name]["dash"]),
                marker=dict(size=9, symbol=styles[name]["symbol"]),
                customdata=rows["word"].to_numpy(),
                hovertemplate=name + "<br>after '%{customdata}': %{y:.4f}<extra></extra>",
            )
        )
    words = prefix_df.drop_duplicates("position").sort_values("position")
    fig.add_hline(y=0.5, line_dash="dash", line_color="#555555")
    fig.update_xaxes(
        tickvals=words["position"].to_numpy(), ticktext=[str(w) for w in words["word"]], title_text="after reading"
    )
    fig.update_yaxes(title_text="P(positive)", range=[-0.02, 1.02])
    layout(fig, title)
    return legend_below(fig, len(names))
