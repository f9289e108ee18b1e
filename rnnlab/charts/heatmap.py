"""The units x words heatmap (Inside the cell page): one row per unit, one column per word."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np
import plotly.graph_objects as go

from rnnlab.charts.style import FONT_SIZE, layout


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
        # in a smaller font than other axes: unit_heatmap gives a row 12 px, presenter mode 1.35 times that
        fig.update_yaxes(tickvals=list(range(z.shape[0])) if z.shape[0] <= 32 else None,
                         ticktext=rows if z.shape[0] <= 32 else None, tickfont_size=FONT_SIZE - 6)
    return layout(fig, title)
