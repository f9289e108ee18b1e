"""Figures shared by every session of a server: a chart of the same numbers is built once, not once per session
and per redraw. Building a plotly figure takes a tenth to a fifth of a second (the Train page's curves of four
runs: 24 traces), and in a lecture twenty tabs redraw their curves every LIVE_UPDATE_S while they train, most of
them the same runs (a shared run, the lesson's stored runs), and every Predict visitor draws the same bars.

Each figure is keyed by what it shows (and by presenter mode, whose scaling changes it), in a bounded LRU
(RNNLAB_FIGURE_CACHE entries). A cached figure is never changed afterwards: st.plotly_chart only reads it, and
its dict is made once (`frozen`).
"""

from __future__ import annotations

import copy

import pandas as pd

from rnnlab import charts
from rnnlab.lru import LRU, size_from_env
from rnnlab.ui import presenter

_figures = LRU(size_from_env("RNNLAB_FIGURE_CACHE", 64))


def shared(key, build):
    """The figure build() makes, built once per key and presenter mode for every session (presenter.chart
    applied)."""
    on = presenter.is_on()
    return _figures.get((key, on), lambda: frozen(presenter.chart(build())))


def frozen(figure):
    """`figure`, its to_dict() answered from one copy made now. st.plotly_chart asks for that dict at every
    redraw of every session and only reads it (plotly.io.to_json makes new objects); making it is most of the
    chart's cost there: about 10 ms for the Train page's curves of four stored runs, against 0.5 ms for the
    JSON itself. Only for figures nobody changes afterwards, as every figure here."""
    as_dict = figure.to_dict()
    object.__setattr__(figure, "to_dict", lambda: as_dict)  # plotly's own __setattr__ only takes its properties
    return figure


def curve_key(run: dict) -> tuple:
    """What one run of training_curves draws, in a few numbers: its histories only grow while it trains, so
    its source id, name, style inputs, how many batches and epochs it has and the latest values identify it."""
    batches = run.get("batch_history") or []
    last = batches[-1] if batches else {}
    history = run.get("history") or {}
    return (run.get("id"), str(run["name"]), run.get("arch"), run.get("batches_per_epoch"), len(batches),
            tuple(last.get(field) for field in ("step", "epoch", "loss", "accuracy")),
            tuple(tuple(history.get(metric) or ()) for metric in ("loss", "accuracy", "val_loss", "val_accuracy")))


def training_curves(runs: list[dict], reference: dict | None = None):
    """rnnlab.charts.training_curves(runs, reference=...), shared, and assembled from parts kept apart: each run's
    six traces (a stored run's never change; a training run's change with each snapshot) and the two panels
    around them. The parts were checked by plotly when made, so the whole is not checked again (that check
    costs ten times the assembly); it is the same figure, as JSON, as charts.training_curves draws."""
    line = None if reference is None else (reference["name"], float(reference["value"]))
    key = ("training_curves", tuple(curve_key(run) for run in runs), line)
    return shared(key, lambda: _assembled(runs, reference, line))


_parts = LRU(size_from_env("RNNLAB_FIGURE_CACHE", 64) * 4)


def _assembled(runs: list[dict], reference: dict | None, line):
    import plotly.graph_objects as go

    names, styles = charts.curve_styles(runs)
    data = []
    for run, name in zip(runs, names):
        style = styles[name]
        traces = _parts.get(("traces", curve_key(run), name, tuple(sorted(style.items()))),
                            lambda: [trace.to_plotly_json() for trace in charts.run_traces(run, name, style)])
        data += [dict(trace) for trace in traces]  # the figure takes each trace's type out and puts it back
    frame = _parts.get(("frame", len(runs), line),
                       lambda: charts.curves_frame(len(runs), reference=reference).to_plotly_json()["layout"])
    return go.Figure(dict(data=data, layout=copy.deepcopy(frame)), _validate=False)


def frame_key(frame: pd.DataFrame) -> tuple:
    """What a frame shows, hashable: its column and index labels and its rows."""
    return (tuple(map(str, frame.columns)), tuple(map(str, frame.index)),
            tuple(tuple(row) for row in frame.itertuples(index=False)))


def powers_of_w(ws=(0.9, 1.0, 1.1), steps: int = 50):
    """rnnlab.charts.powers_of_w(ws, steps), shared: Home draws the same picture for every session."""
    return shared(("powers_of_w", tuple(ws), steps), lambda: charts.powers_of_w(ws, steps))


def prediction_bars(table: pd.DataFrame):
    """rnnlab.charts.prediction_bars(table), shared: the same sentences and models give the same bars."""
    return shared(("prediction_bars", frame_key(table)), lambda: charts.prediction_bars(table))


def prefix_lines(prefixes: pd.DataFrame):
    """rnnlab.charts.prefix_lines(prefixes), shared."""
    return shared(("prefix_lines", frame_key(prefixes)), lambda: charts.prefix_lines(prefixes))


def gradient_by_step(drawn: pd.DataFrame):
    """rnnlab.charts.gradient_by_step(drawn), shared: the Gradients page draws the same stored measurements for
    every visitor (its build was 40 of the lecture server's py-spy samples, one build per visit)."""
    return shared(("gradient_by_step", frame_key(drawn)), lambda: charts.gradient_by_step(drawn))


def jacobian_chain(drawn: pd.DataFrame):
    """rnnlab.charts.jacobian_chain(drawn), shared."""
    return shared(("jacobian_chain", frame_key(drawn)), lambda: charts.jacobian_chain(drawn))


def table(rows: list[dict]):
    """The rows (dicts of plain values) as the Arrow table st.dataframe makes of their DataFrame, made once per
    content for every session: building the frame and converting its strings to Arrow at every full run was a
    quarter of the Train page's script time (py-spy), for the same two tables in every tab. st.dataframe sends an
    Arrow table as it is; column_config applies alike."""
    import pyarrow as pa

    return _tables.get(("table", _rows_key(rows)),
                       lambda: pa.Table.from_pandas(pd.DataFrame(rows), preserve_index=False))


def csv(rows: list[dict]) -> str:
    """The rows as the CSV text of their DataFrame (no index), made once per content for every session: the Train
    page offers its comparison as a download at every full run, and building the frame and its CSV there was 7%
    of the page's script time (py-spy, 150 reruns with the lesson's four stored runs)."""
    return _tables.get(("csv", _rows_key(rows)), lambda: pd.DataFrame(rows).to_csv(index=False))


def _rows_key(rows: list[dict]) -> tuple:
    return tuple(tuple(row.items()) for row in rows)


_tables = LRU(size_from_env("RNNLAB_FIGURE_CACHE", 64))


def clear() -> None:
    _figures.clear()
    _parts.clear()
    _tables.clear()


def as_json(figure) -> str:
    """plotly.io.to_json(figure, validate=False), made once per figure and kept on it: the live chart
    (rnnlab.ui.live_chart) sends a figure as this string at every redraw of every session, and a shared figure
    never changes."""
    cached = figure.__dict__.get("_rnnlab_json")
    if cached is None:
        import plotly.io

        cached = plotly.io.to_json(figure, validate=False)
        object.__setattr__(figure, "_rnnlab_json", cached)
    return cached


def training_curves_json(runs: list[dict], reference: dict | None = None) -> str:
    """training_curves(runs, reference) as Plotly's JSON, serialised once for every session."""
    return as_json(training_curves(runs, reference))
