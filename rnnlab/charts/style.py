"""The projector look every chart of RNN Lab shares: theme and font sizes, the Okabe-Ito colours (one per
architecture, used everywhere), a style per run (colour, dash, marker, bar pattern), the legend below the plot,
the shared layout and log-axis ticks.

Charts are made for a projector (large fonts, white background) and give each architecture the same colour
everywhere, so a learner who has seen LSTM in orange on one page finds it in orange on the next.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go

TEMPLATE = "plotly_white"
FONT_SIZE = 18
TITLE_SIZE = 22

# Okabe-Ito colours (Okabe and Ito, 2008): distinguishable by colour-blind viewers and on a washed-out projector.
# Each architecture has its own, used by no other: LSTM orange and BiLSTM reddish purple, not two oranges.
ARCH_COLORS = {
    "SimpleRNN": "#0072B2",  # blue
    "LSTM": "#E69F00",  # orange
    "GRU": "#009E73",  # bluish green
    "BiLSTM": "#CC79A7",  # reddish purple
    "BiGRU": "#000000",  # black
}
# Runs of one architecture share its colour and differ in dash (lines) or pattern (bars), in this order.
RUN_DASHES = ("solid", "dash", "dot", "dashdot", "longdash", "longdashdot")
RUN_SYMBOLS = ("diamond", "square", "circle", "triangle-up", "x", "star")
RUN_PATTERNS = ("", "/", ".", "x", "-", "+")
# Groups that are not architectures (the data's sources): three Okabe-Ito colours far apart.
GROUP_COLORS = ("#56B4E9", "#E69F00", "#CC79A7", "#009E73", "#999999")
# For names that are not architectures (an uploaded model, ...): the Okabe-Ito colours no architecture uses.
EXTRA_COLORS = ("#56B4E9", "#D55E00", "#F0E442", "#999999")
# Below the plot, left-aligned, horizontal: a legend there never takes the plot's width, however many runs.
# (In the figure's own coordinates: its bottom edge, under the x axis' title, whatever the plot's height.)
LEGEND_BELOW = dict(orientation="h", yref="container", yanchor="bottom", y=0.01, xanchor="left", x=0)
LEGEND_ROW_PX = 30  # the height one row of a horizontal legend takes at FONT_SIZE - 2

# One colour per part of a model in the parameter ledger; gates keep their colour across architectures.
PART_COLORS = {
    "embedding": "#BBBBBB",
    "hidden state": "#0072B2",
    "input gate": "#56B4E9",
    "forget gate": "#E69F00",
    "cell candidate": "#F0E442",
    "output gate": "#D55E00",
    "update gate": "#009E73",
    "reset gate": "#CC79A7",
    "candidate": "#44AA99",
    "classifier": "#555555",
}

# Shading of the toy's regions (see rnnlab.gradients: VANISHING_BELOW and EXPLODING_ABOVE).
VANISHING_FILL = "rgba(0, 114, 178, 0.12)"
EXPLODING_FILL = "rgba(213, 94, 0, 0.12)"

CLASS_NAMES = {0: "negative", 1: "positive"}
CLASS_COLORS = {"negative": "#D55E00", "positive": "#009E73"}



# ----------------------------------------------------------------------------------------------------------
# Colours and shared layout


def arch_of(name: str) -> str | None:
    """The architecture a model name starts with ('BiLSTM #2' -> 'BiLSTM', 'LSTM (64 units)' -> 'LSTM'), else
    None. Longer architecture names are tried first, so the longest match wins."""
    for arch in sorted(ARCH_COLORS, key=len, reverse=True):
        if str(name).startswith(arch):
            return arch
    return None


def _arch_rank(names: Sequence[str], archs: Sequence[str | None] | None) -> list[tuple[str, str | None, int]]:
    """(name, architecture or None, k): k counts the earlier names of the same architecture (0 for the first)."""
    archs = list(archs) if archs is not None else [None] * len(names)
    seen: dict[str, int] = {}
    done: dict[str, tuple[str, str | None, int]] = {}
    for name, arch in zip(names, archs):
        if name in done:
            continue
        arch = arch if arch in ARCH_COLORS else arch_of(name)
        k = seen.get(arch or "", 0)
        seen[arch or ""] = k + 1
        done[name] = (name, arch, k)
    return list(done.values())


def colors_for(names: Sequence[str], archs: Sequence[str | None] | None = None) -> dict[str, str]:
    """A colour per name: its architecture's (every run of one architecture the same: styles_for tells them
    apart); names of no known architecture get EXTRA_COLORS in turn."""
    return {name: ARCH_COLORS[arch] if arch else EXTRA_COLORS[k % len(EXTRA_COLORS)]
            for name, arch, k in _arch_rank(names, archs)}


def styles_for(names: Sequence[str], archs: Sequence[str | None] | None = None) -> dict[str, dict]:
    """name -> dict(color, dash, symbol, pattern): the architecture's colour, and for the k-th run of one
    architecture the k-th dash, marker symbol and bar pattern, so runs of one architecture stay apart."""
    styles = {}
    for name, arch, k in _arch_rank(names, archs):
        styles[name] = dict(
            color=ARCH_COLORS[arch] if arch else EXTRA_COLORS[k % len(EXTRA_COLORS)],
            dash=RUN_DASHES[k % len(RUN_DASHES)] if arch else "solid",
            symbol=RUN_SYMBOLS[k % len(RUN_SYMBOLS)] if arch else RUN_SYMBOLS[0],
            pattern=RUN_PATTERNS[k % len(RUN_PATTERNS)] if arch else "",
        )
    return styles


def legend_below(fig: go.Figure, entries: int, width_px: int = 900) -> go.Figure:
    """Put the legend under the plot, and give the figure the height its rows take (about four entries a row
    at `width_px`), so the plot keeps its own size however many entries there are."""
    per_row = max(1, width_px // 230)
    rows = max(1, -(-entries // per_row))
    height = (fig.layout.height or 450) + LEGEND_ROW_PX * rows
    fig.update_layout(legend=LEGEND_BELOW, height=height)
    fig.update_layout(margin=dict(b=(fig.layout.margin.b or 60) + LEGEND_ROW_PX * rows + 20))
    return fig


def layout(fig: go.Figure, title: str, **kwargs) -> go.Figure:
    """The projector look shared by every chart."""
    kwargs.setdefault("margin", dict(l=70, r=30, t=80, b=60))  # a chart may ask for its own margins
    fig.update_layout(
        template=TEMPLATE,
        title=dict(text=title, font=dict(size=TITLE_SIZE)),
        font=dict(size=FONT_SIZE),
        legend=dict(font=dict(size=FONT_SIZE - 2)),
        **kwargs,
    )
    return axis_fonts(fig)


def axis_fonts(fig: go.Figure) -> go.Figure:
    """Every axis of `fig` with its tick labels and title at the chart's sizes (where the chart set none).

    They must be the axes' own: st.plotly_chart's theme gives every axis its small tick and title fonts, and an
    axis' own setting beats the figure's font: without these, ticks and axis titles were drawn at 12 and 14 px
    beside 16 px legends (measured in Chromium), whatever FONT_SIZE said."""
    def sized(axis):
        if not axis.tickfont.size:
            axis.tickfont.size = FONT_SIZE - 2
        if not axis.title.font.size:
            axis.title.font.size = FONT_SIZE
    fig.for_each_xaxis(sized)
    fig.for_each_yaxis(sized)
    return fig


def shorten(text: str, limit: int = 40) -> str:
    """`text` on one line, cut to `limit` characters with an ellipsis."""
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"



def log_ticks(values) -> tuple[list[float], list[str]]:
    """Tick positions and labels for a log axis over `values`: 1, 2, 5 in every decade when the data spans at most
    three decades (plain numbers from 0.001 to 9999, else m·10^k), else powers of ten only, every k-th so that at
    most about eight are labelled. (Plotly's own minor labels read '2' for 20 right above '10'.)"""
    v = np.asarray(values, dtype=float)
    v = v[np.isfinite(v) & (v > 0)]
    if not len(v):
        return [], []
    low, high = int(np.floor(np.log10(v.min()))), int(np.ceil(np.log10(v.max())))
    high = max(high, low + 1)
    if high - low > 3:
        step = max(1, -(-(high - low) // 8))
        ticks = [10.0**e for e in range(low, high + 1, step)]
        return ticks, [f"10<sup>{e}</sup>" for e in range(low, high + 1, step)]
    candidates = [m * 10.0**e for e in range(low - 1, high + 1) for m in (1, 2, 5)]
    ticks = [t for t in candidates if v.min() / 1.25 <= t <= v.max() * 1.25]
    if len(ticks) < 2:  # a narrow range: the nearest ticks on either side as well
        ticks = sorted(set(ticks) | {max(t for t in candidates if t <= v.min()), min(t for t in candidates
                                                                                   if t >= v.max())})

    def label(t: float) -> str:
        if 1e-3 <= t < 1e4:
            return f"{t:.4g}"
        exponent = int(np.floor(np.log10(t) + 1e-9))
        mantissa = round(t / 10.0**exponent)
        return (f"{mantissa}·" if mantissa != 1 else "") + f"10<sup>{exponent}</sup>"

    return ticks, [label(t) for t in ticks]
