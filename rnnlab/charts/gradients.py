"""Gradients through time (Gradients page): the toy h_t = w^t h_0, and the gradient (or Jacobian norm) reaching each word of a sentence."""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from rnnlab.charts.style import (ARCH_COLORS, EXPLODING_FILL, VANISHING_FILL, arch_of, layout, legend_below, log_ticks,
                                 styles_for)
from rnnlab.gradients import EXPLODING_ABOVE, VANISHING_BELOW


TOY_DECADES = 24  # the toy chart's y axis: at most 1e-24 to 1e24


LOG_T_FROM = 200  # past this many steps the toy's t axis turns logarithmic (the page's help says so)


def toy_gradient(toy_df: pd.DataFrame, title: str | None = None, log_t: bool | None = None) -> go.Figure:
    """The lesson's toy h_t = w^t h_0: two traces over t, 'h_t' and 'dh_t/dw' (absolute values; zeros, which a
    log axis cannot show, as gaps), log y axis,
    with the vanishing (|dh/dw| < VANISHING_BELOW) and exploding (> EXPLODING_ABOVE) regions shaded.
    `toy_df` is rnnlab.gradients.toy() output (t, h, dh_dw; attrs 'w' and 'h0' name the title). The y axis shows at
    most TOY_DECADES decades either side of 1 (beyond, the lines leave the chart: 1.5^5000 overflows float64
    anyway); log_t (default: t past LOG_T_FROM) puts t on a log axis too, so that the first steps stay readable."""
    t = toy_df["t"].to_numpy()
    h = np.abs(toy_df["h"].to_numpy(dtype=float))
    dh = np.abs(toy_df["dh_dw"].to_numpy(dtype=float))
    # A log axis has no 0 (dh_0/dw = 0): leave those points out rather than draw a line down to the edge.
    h_shown = np.where((h > 0) & np.isfinite(h), h, np.nan)
    dh_shown = np.where((dh > 0) & np.isfinite(dh), dh, np.nan)
    fig = go.Figure()
    fig.add_trace(go.Scatter(x=t, y=h_shown, mode="lines", name="h_t = w^t h_0", line=dict(color="#0072B2", width=3)))
    fig.add_trace(
        go.Scatter(x=t, y=dh_shown, mode="lines", name="dh_t/dw = t w^(t-1) h_0", line=dict(color="#D55E00", width=3))
    )
    # The axis spans the data and both thresholds, so the shaded bands are always in view.
    shown = np.concatenate([h_shown[h_shown > 0], dh_shown[dh_shown > 0], [VANISHING_BELOW, EXPLODING_ABOVE]])
    low = float(max(np.floor(np.log10(shown.min())) - 1, -TOY_DECADES))
    high = float(min(np.ceil(np.log10(shown.max())) + 1, TOY_DECADES))
    fig.add_hrect(y0=10**low, y1=VANISHING_BELOW, fillcolor=VANISHING_FILL, line_width=0, layer="below")
    fig.add_hrect(y0=EXPLODING_ABOVE, y1=10**high, fillcolor=EXPLODING_FILL, line_width=0, layer="below")
    fig.add_annotation(
        x=0, xref="x domain", xanchor="left", y=np.log10(VANISHING_BELOW), yanchor="top", text="vanishing", showarrow=False,
        font=dict(color="#0072B2"),
    )
    fig.add_annotation(
        x=0, xref="x domain", xanchor="left", y=np.log10(EXPLODING_ABOVE), yanchor="bottom", text="exploding",
        showarrow=False, font=dict(color="#D55E00"),
    )
    if log_t is None:
        log_t = bool(len(t)) and t.max() > LOG_T_FROM
    fig.update_xaxes(title_text="t (steps, log scale)" if log_t else "t (steps)", type="log" if log_t else None)
    fig.update_yaxes(type="log", range=[low, high], title_text="value (log scale)", exponentformat="power")
    if title is None:
        w, h0 = toy_df.attrs.get("w"), toy_df.attrs.get("h0")
        title = "h_t = w^t h_0 and its gradient" + (f" (w = {w:g}, h_0 = {h0:g})" if w is not None else "")
    layout(fig, title)
    return legend_below(fig, len(fig.data))



# Home's picture of the lesson's question: one weight below 1, exactly 1 and above 1, in the toy chart's colours.
POWER_COLORS = {"below": "#0072B2", "one": "#555555", "above": "#D55E00"}


def powers_of_w(ws=(0.9, 1.0, 1.1), steps: int = 50) -> go.Figure:
    """h_t = w^t (h_0 = 1) for t = 0..steps, one line per w, log y axis: what multiplying by the same weight at
    every step does to a state (and, in the same way, to a gradient). Values from rnnlab.gradients.toy."""
    from rnnlab.gradients import toy

    fig = go.Figure()
    for w in ws:
        frame = toy(w, steps)
        color = POWER_COLORS["below" if w < 1 else "one" if w == 1 else "above"]
        fig.add_trace(go.Scatter(x=frame["t"], y=frame["h"], mode="lines", name=f"w = {w:g}",
                                 line=dict(color=color, width=3, dash="dot" if w == 1 else None)))
    fig.update_xaxes(title_text="t (steps)")
    fig.update_yaxes(type="log", title_text="h_t (log scale)", exponentformat="power")
    layout(fig, f"h_t = w^t h_0 over {steps} steps (h_0 = 1)", height=340)
    return legend_below(fig, len(fig.data))


def _by_distance_lines(df: pd.DataFrame, value: str, y_title: str, title: str) -> go.Figure:
    """Trained models in their run styles, then one untrained reference per architecture (the first model's
    untrained twin: untrained weights of one architecture behave alike), faint, dotted, open markers."""
    fig = go.Figure()
    archs = df["arch"] if "arch" in df.columns else pd.Series([None] * len(df), index=df.index)
    order = list(dict.fromkeys(zip(df["model"].astype(str), archs)))
    styles = styles_for([m for m, _ in order], [a for _, a in order])
    trained = (df["trained"] if "trained" in df.columns else pd.Series(True, index=df.index)).astype(bool)
    models = df["model"].astype(str)
    lines = [(name, True, name) for name, _ in order]
    references: dict[str, str] = {}  # architecture (or the model's own name) -> the model whose twin is drawn
    for name, arch in order:
        group = arch if arch in ARCH_COLORS else (arch_of(name) or name)
        if group not in references and ((models == name) & ~trained).any():
            references[group] = name
    lines += [(name, False, f"{group} untrained" if group in ARCH_COLORS else f"{name} (untrained)")
              for group, name in references.items()]
    for name, is_trained, label in lines:
        rows = df[(models == name) & (trained == is_trained)]
        if rows.empty:
            continue
        rows = rows.sort_values("distance")
        style = styles[name]
        fig.add_trace(
            go.Scatter(
                x=rows["distance"].to_numpy(),
                y=rows[value].to_numpy(dtype=float),
                mode="lines+markers",
                name=label,
                line=dict(color=style["color"], width=3 if is_trained else 2,
                          dash=style["dash"] if is_trained else "dot"),
                marker=dict(size=7, symbol=style["symbol"] if is_trained else "circle-open"),
                opacity=1.0 if is_trained else 0.6,
                hovertemplate=label + "<br>%{x} words before the end: %{y:.3g}<extra></extra>",
            )
        )
    fig.update_xaxes(title_text="distance from the last word (0 = last word)")
    tickvals, ticktext = log_ticks(df[value]) if len(df) else ([], [])
    fig.update_yaxes(type="log", title_text=y_title, exponentformat="power", tickvals=tickvals or None,
                     ticktext=ticktext or None)
    layout(fig, title)
    return legend_below(fig, len(fig.data))


def gradient_by_step(df: pd.DataFrame, title: str = "Gradient reaching each word") -> go.Figure:
    """One line per trained model over the distance from the last word, log y axis, and one faint dotted line
    per architecture for an untrained model of it (named '<architecture> untrained'; '<model> (untrained)' for a
    model of no known architecture).
    `df` is rnnlab.gradients.measured_gradients() output: model, [arch,] trained, distance, gradient_norm."""
    return _by_distance_lines(df, "gradient_norm", "‖∂loss/∂x_t‖ (log scale)", title)


def jacobian_chain(df: pd.DataFrame, title: str = "How much of h_t survives to h_T") -> go.Figure:
    """One line per model of ‖∂h_T/∂h_t‖ over the distance T - t from the last word, log y axis: the measured
    counterpart of the toy's w^(T-t). `df` is rnnlab.jacobians.jacobian_chains() output: model, [arch,]
    [trained,] distance, jacobian_norm."""
    return _by_distance_lines(df, "jacobian_norm", "‖∂h_T/∂h_t‖ (log scale)", title)
