"""The parameter ledger's charts (Parameters page): stacked bars per model and the treemap of where the parameters are."""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from rnnlab.charts.style import PART_COLORS, layout, legend_below


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
    layout(fig, title, barmode="stack")
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
    return layout(fig, title, margin=dict(l=10, r=10, t=70, b=10))
