"""Every chart of RNN Lab: functions that take plain data (lists, NumPy arrays, pandas frames) and return a plotly
Figure, one function per kind of chart.

Charts are made for a projector (large fonts, white background) and give each architecture the same colour
everywhere, so a learner who has seen LSTM in orange on one page finds it in orange on the next.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from rnnlab.gradients import EXPLODING_ABOVE, VANISHING_BELOW

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


def _shade(hex_color: str, amount: float) -> str:
    """`hex_color` mixed with white (amount > 0) or black (amount < 0), |amount| in [0, 1]."""
    rgb = np.array([int(hex_color[i : i + 2], 16) for i in (1, 3, 5)], dtype=float)
    target = 255.0 if amount > 0 else 0.0
    mixed = rgb + (target - rgb) * abs(amount)
    return "#" + "".join(f"{int(round(c)):02X}" for c in mixed)


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


def _layout(fig: go.Figure, title: str, **kwargs) -> go.Figure:
    """The projector look shared by every chart."""
    kwargs.setdefault("margin", dict(l=70, r=30, t=80, b=60))  # a chart may ask for its own margins
    fig.update_layout(
        template=TEMPLATE,
        title=dict(text=title, font=dict(size=TITLE_SIZE)),
        font=dict(size=FONT_SIZE),
        legend=dict(font=dict(size=FONT_SIZE - 2)),
        **kwargs,
    )
    return fig


def _short(text: str, limit: int = 40) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


# ----------------------------------------------------------------------------------------------------------
# Training


def _batches_per_epoch(run: dict) -> float:
    """The run's batches per epoch, or (for a run that did not say) the most batches seen in one epoch."""
    given = run.get("batches_per_epoch")
    if given:
        return float(given)
    counts = pd.Series([b["epoch"] for b in run.get("batch_history") or []]).value_counts()
    return float(counts.max()) if len(counts) else 1.0


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
    batches (a batch of 32 sentences is a noisy sample). Validation once per epoch at x = 1, 2, ... as markers
    and lines. Six traces per run, in order: training loss of each batch, training loss (mean), validation loss,
    then the same three for accuracy. One legend for both panels, below them: one entry per run (its validation
    line and marker), which switches all six of the run's traces on and off. `reference` ({"name", "value"}), if
    given, is drawn as a dashed horizontal line on the accuracy panel (a shape, not a trace), labelled with its name
    and value.
    """
    fig = make_subplots(rows=1, cols=2, subplot_titles=("Loss", "Accuracy"), horizontal_spacing=0.14)
    names = [str(run["name"]) for run in runs]
    styles = styles_for(names, [run.get("arch") for run in runs])
    for run, name in zip(runs, names):
        style = styles[name]
        color = style["color"]
        batches = pd.DataFrame(run.get("batch_history") or [], columns=["step", "epoch", "loss", "accuracy"])
        x_batch = batches["step"].to_numpy(dtype=float) / _batches_per_epoch(run)
        history = run.get("history") or {}
        window = smoothing_window(run)
        for col, metric in ((1, "loss"), (2, "accuracy")):
            first = col == 1
            raw = batches[metric].to_numpy(dtype=float)
            fig.add_trace(
                go.Scatter(
                    x=x_batch,
                    y=raw,
                    mode="lines",
                    name=f"{name} training (each batch)",
                    legendgroup=name,
                    showlegend=False,
                    line=dict(color=color, width=1),
                    opacity=0.3,
                    hoverinfo="skip",
                ),
                row=1,
                col=col,
            )
            mean = pd.Series(raw).rolling(window, min_periods=1).mean().to_numpy()
            fig.add_trace(
                go.Scatter(
                    x=x_batch,
                    y=mean,
                    customdata=raw,
                    mode="lines",
                    name=f"{name} training",
                    legendgroup=name,
                    showlegend=False,
                    line=dict(color=color, width=2.5, dash=style["dash"]),
                    hovertemplate=f"{name}<br>epoch %{{x:.2f}}<br>training {metric}: %{{y:.3f}} (mean of the last "
                                  f"{window} batches), this batch %{{customdata:.3f}}<extra></extra>",
                ),
                row=1,
                col=col,
            )
            val = [float(v) for v in history.get(f"val_{metric}", [])]
            fig.add_trace(
                go.Scatter(
                    x=np.arange(1, len(val) + 1, dtype=float),
                    y=val,
                    mode="markers+lines",
                    name=name,
                    legendgroup=name,
                    showlegend=first,
                    line=dict(color=color, width=3, dash=style["dash"]),
                    marker=dict(size=11, color=color, symbol=style["symbol"]),
                    hovertemplate=f"{name}<br>epoch %{{x}}<br>validation {metric} %{{y:.3f}}<extra></extra>",
                ),
                row=1,
                col=col,
            )
    fig.update_xaxes(title_text="epoch", rangemode="tozero")
    fig.update_yaxes(title_text="binary cross-entropy", rangemode="tozero", row=1, col=1)
    fig.update_yaxes(title_text="accuracy", range=[0, 1.02], row=1, col=2)
    fig.update_annotations(font_size=FONT_SIZE + 2)
    if reference is not None:
        fig.add_hline(y=float(reference["value"]), row=1, col=2, line=dict(color="#555555", width=2, dash="dash"),
                      annotation_text=f"{reference['name']}: {float(reference['value']):.3f}",
                      annotation_position="bottom right")
    # Room between the chart's title and the panels' titles ('Loss', 'Accuracy') above them.
    _layout(fig, title, hovermode="closest", height=480, margin=dict(l=80, r=30, t=110, b=60))
    return legend_below(fig, len(runs))


# ----------------------------------------------------------------------------------------------------------
# The data set


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
    return _layout(fig, title, barmode="group")


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
    return _layout(fig, title, barmode="stack")


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
    return _layout(fig, title or f"The {len(top)} most frequent tokens", height=max(400, 28 * len(top) + 160))


# ----------------------------------------------------------------------------------------------------------
# The parameter ledger


def _ledger_segments(ledger: pd.DataFrame) -> pd.DataFrame:
    """Rows of a ledger (rnnlab.params.breakdown) grouped into segments: the gate for recurrent rows, else the
    layer. Forward and backward readers of a bidirectional layer add up in the same gate's segment."""
    ledger = ledger.copy()
    if "arch" not in ledger.columns:
        ledger["arch"] = "model"
    gate = ledger["gate"] if "gate" in ledger.columns else pd.Series("", index=ledger.index)
    gate = gate.fillna("").astype(str)
    ledger["segment"] = np.where(gate != "", gate, ledger["layer"].astype(str))
    ledger["detail"] = ledger["layer"].astype(str) + " " + ledger["part"].astype(str) + ": " + ledger["formula"].astype(
        str
    ) + " = " + ledger["count"].map("{:,}".format)
    return ledger


def param_stacked_bars(
    ledger: pd.DataFrame, include_embedding: bool = True, title: str = "Parameters by layer and gate"
) -> go.Figure:
    """Stacked bars: x = architecture (the ledger's 'arch' column; one bar 'model' without it), one trace per
    segment (embedding, each gate in PART_COLORS order, classifier), y = parameter count. Leave the embedding out
    (include_embedding=False) to see the recurrent layers, which the 5404 x 64 embedding otherwise dwarfs."""
    ledger = _ledger_segments(ledger)
    if not include_embedding:
        ledger = ledger[ledger["layer"] != "embedding"]
    archs = list(pd.unique(ledger["arch"]))
    # Stacked bottom to top: embedding, the gates in PART_COLORS order, anything unknown, the classifier.
    rank = {part: i for i, part in enumerate(PART_COLORS)}
    segments = sorted(pd.unique(ledger["segment"]), key=lambda s: rank.get(s, rank["classifier"] - 0.5))
    fig = go.Figure()
    for segment in segments:
        rows = ledger[ledger["segment"] == segment]
        per_arch = rows.groupby("arch", sort=False)["count"].sum().reindex(archs, fill_value=0)
        details = rows.groupby("arch", sort=False)["detail"].agg("<br>".join).reindex(archs, fill_value="")
        fig.add_trace(
            go.Bar(
                x=archs,
                y=per_arch.to_numpy(),
                name=segment,
                marker_color=PART_COLORS.get(segment),
                customdata=details.to_numpy(),
                hovertemplate="%{x}: " + segment + " %{y:,}<br>%{customdata}<extra></extra>",
            )
        )
    totals = ledger.groupby("arch", sort=False)["count"].sum().reindex(archs)
    for arch, total in totals.items():  # the total above each bar, where the eye compares them
        fig.add_annotation(x=arch, y=total, text=f"{total:,}", showarrow=False, yshift=14)
    fig.update_xaxes(title_text="architecture")
    fig.update_yaxes(title_text="parameters", separatethousands=True)
    _layout(fig, title, barmode="stack")
    return legend_below(fig, len(segments))


def param_treemap(ledger: pd.DataFrame, title: str = "Where the parameters are") -> go.Figure:
    """A treemap: architecture -> layer -> gate -> part (input kernel, recurrent kernel, bias, ...), areas
    proportional to parameter counts. One trace; its root labels are the architectures (or 'model')."""
    ledger = _ledger_segments(ledger)
    ids, labels, parents, values = [], [], [], []

    def add(node_id, label, parent, value):
        ids.append(node_id)
        labels.append(label)
        parents.append(parent)
        values.append(int(value))

    for arch, arch_rows in ledger.groupby("arch", sort=False):
        add(arch, arch, "", arch_rows["count"].sum())
        for layer, layer_rows in arch_rows.groupby("layer", sort=False):
            layer_id = f"{arch}/{layer}"
            add(layer_id, layer, arch, layer_rows["count"].sum())
            gate = layer_rows["gate"].fillna("").astype(str) if "gate" in layer_rows else pd.Series("", index=layer_rows.index)
            for gate_name, gate_rows in layer_rows.groupby(gate, sort=False):
                parent = layer_id
                if gate_name:
                    parent = f"{layer_id}/{gate_name}"
                    add(parent, gate_name, layer_id, gate_rows["count"].sum())
                for _, row in gate_rows.iterrows():
                    add(f"{parent}/{row['part']}", f"{row['part']}<br>{row['formula']}", parent, row["count"])
    fig = go.Figure(
        go.Treemap(
            ids=ids,
            labels=labels,
            parents=parents,
            values=values,
            branchvalues="total",
            texttemplate="%{label}<br>%{value:,}",
            hovertemplate="%{label}<br>%{value:,} parameters<br>%{percentRoot:.1%} of the model<extra></extra>",
        )
    )
    return _layout(fig, title, margin=dict(l=10, r=10, t=70, b=10))


# ----------------------------------------------------------------------------------------------------------
# Predictions


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
    fig.update_xaxes(tickvals=x, ticktext=[_short(s, 30) for s in prob_df.index], title_text="sentence")
    fig.update_yaxes(title_text="P(positive)", range=[0, 1.05])
    _layout(fig, title, barmode="group")
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
    _layout(fig, title)
    return legend_below(fig, len(names))


# ----------------------------------------------------------------------------------------------------------
# Gradients through time


TOY_DECADES = 24  # the toy chart's y axis: at most 1e-24 to 1e24


def toy_gradient(toy_df: pd.DataFrame, title: str | None = None, log_t: bool | None = None) -> go.Figure:
    """The lesson's toy h_t = w^t h_0: two traces over t, 'h_t' and 'dh_t/dw' (absolute values; zeros, which a
    log axis cannot show, as gaps), log y axis,
    with the vanishing (|dh/dw| < VANISHING_BELOW) and exploding (> EXPLODING_ABOVE) regions shaded.
    `toy_df` is rnnlab.gradients.toy() output (t, h, dh_dw; attrs 'w' and 'h0' name the title). The y axis shows at
    most TOY_DECADES decades either side of 1 (beyond, the lines leave the chart: 1.5^5000 overflows float64
    anyway); log_t (default: t past 200) puts t on a log axis too, so that the first steps stay readable."""
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
        log_t = bool(len(t)) and t.max() > 200
    fig.update_xaxes(title_text="t (steps, log scale)" if log_t else "t (steps)", type="log" if log_t else None)
    fig.update_yaxes(type="log", range=[low, high], title_text="value (log scale)", exponentformat="power")
    if title is None:
        w, h0 = toy_df.attrs.get("w"), toy_df.attrs.get("h0")
        title = "h_t = w^t h_0 and its gradient" + (f" (w = {w:g}, h_0 = {h0:g})" if w is not None else "")
    _layout(fig, title)
    return legend_below(fig, len(fig.data))


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
    _layout(fig, title)
    return legend_below(fig, len(fig.data))


def gradient_by_step(df: pd.DataFrame, title: str = "Gradient reaching each word") -> go.Figure:
    """One line per trained model over the distance from the last word, log y axis, and one faint dotted line
    per architecture for an untrained model of it (named '<architecture> untrained'; '<model> (untrained)' for a
    model of no known architecture).
    `df` is rnnlab.gradients.measured_gradients() output: model, [arch,] trained, distance, gradient_norm."""
    return _by_distance_lines(df, "gradient_norm", "‖∂loss/∂x_t‖ (log scale)", title)


def jacobian_chain(df: pd.DataFrame, title: str = "How much of h_t survives to h_T") -> go.Figure:
    """One line per model of ‖∂h_T/∂h_t‖ over the distance T - t from the last word, log y axis: the measured
    counterpart of the toy's w^(T-t). `df` is rnnlab.gradients.jacobian_chains() output: model, [arch,]
    [trained,] distance, jacobian_norm."""
    return _by_distance_lines(df, "jacobian_norm", "‖∂h_T/∂h_t‖ (log scale)", title)


# ----------------------------------------------------------------------------------------------------------
# Inside the cell (issue 4)


def heatmap(
    matrix,
    x_labels: Iterable[str],
    y_label: str = "unit",
    title: str = "",
    zmin: float | None = None,
    zmax: float | None = None,
    colorscale: str | None = None,
    row_labels: Sequence[int | str] | None = None,
) -> go.Figure:
    """A units x words heatmap (rows = units, columns = words), one trace. Columns are placed by position and
    labelled with the words, so a word that occurs twice keeps two columns. Values in [-1, 1] (hidden states)
    get a diverging red-blue scale centred on 0; values in [0, 1] (gates) a sequential one. `row_labels` names
    the rows (e.g. the unit numbers of a selection of units); by default rows are numbered from 0."""
    z = np.asarray(matrix, dtype=float)
    if z.ndim != 2:
        raise ValueError(f"heatmap needs a 2-D matrix (units x words), got shape {z.shape}")
    x_labels = [str(w) for w in x_labels]
    if len(x_labels) != z.shape[1]:
        raise ValueError(f"{len(x_labels)} labels for {z.shape[1]} columns")
    finite = z[np.isfinite(z)]
    is_gate = finite.size > 0 and finite.min() >= 0 and finite.max() <= 1
    if colorscale is None:
        colorscale = "Viridis" if is_gate else "RdBu"
    if zmin is None and zmax is None:
        # Fixed ranges (gates 0..1, tanh states -1..1) keep colours comparable between words and sentences.
        largest = float(np.abs(finite).max()) if finite.size else 1.0
        zmin, zmax = (0.0, 1.0) if is_gate else (-max(1.0, largest), max(1.0, largest))
    positions = list(range(z.shape[1]))
    rows = [str(r) for r in row_labels] if row_labels is not None else [str(r) for r in range(z.shape[0])]
    if len(rows) != z.shape[0]:
        raise ValueError(f"{len(rows)} row labels for {z.shape[0]} rows")
    fig = go.Figure(
        go.Heatmap(
            z=z,
            x=positions,
            y=list(range(z.shape[0])),
            colorscale=colorscale,
            zmin=zmin,
            zmax=zmax,
            zmid=None if is_gate else 0.0,
            customdata=np.dstack([np.tile(np.array(x_labels, dtype=object), (z.shape[0], 1)),
                                  np.tile(np.array(rows, dtype=object)[:, None], (1, z.shape[1]))]),
            hovertemplate="%{customdata[0]}<br>" + y_label + " %{customdata[1]}: %{z:.3f}<extra></extra>",
        )
    )
    fig.update_xaxes(tickvals=positions, ticktext=x_labels, title_text="word", tickangle=-45 if len(x_labels) > 12 else 0)
    fig.update_yaxes(title_text=y_label, autorange="reversed")
    if row_labels is not None:  # every row named, as long as there are few enough to read
        fig.update_yaxes(tickvals=list(range(z.shape[0])) if z.shape[0] <= 32 else None,
                         ticktext=rows if z.shape[0] <= 32 else None)
    return _layout(fig, title)
