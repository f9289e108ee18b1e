"""rnnlab.ui.figures: a chart of the same numbers is built once for every session and is the chart rnnlab.charts
draws; a run that has trained one more batch, or other probabilities, get a new one; presenter mode has its own."""

import json

import pandas as pd
import pytest
import streamlit as st

from rnnlab import charts
from rnnlab.ui import figures, presenter


@pytest.fixture(autouse=True)
def fresh():
    figures.clear()
    st.session_state.pop(presenter.STATE_KEY, None)
    yield
    st.session_state.pop(presenter.STATE_KEY, None)
    figures.clear()


def run(name, batches, epochs, job_id="job-1"):
    return dict(id=job_id, name=name, arch="LSTM", batches_per_epoch=10,
                batch_history=[dict(step=s, epoch=(s - 1) // 10 + 1, loss=1.0 / s, accuracy=0.5 + s / 100)
                               for s in range(1, batches + 1)],
                history=dict(loss=[0.6] * epochs, accuracy=[0.7] * epochs, val_loss=[0.5] * epochs,
                             val_accuracy=[0.75] * epochs))


def as_json(figure):
    return json.loads(figure.to_json())


REFERENCE = {"name": "Bag of words (final val.)", "value": 0.83}


def test_the_same_curves_are_one_figure_equal_to_the_charts_own():
    first = figures.training_curves([run("LSTM", 12, 1)], reference=REFERENCE)
    # Another session, with its own copies of the same numbers, gets the same figure.
    assert figures.training_curves([run("LSTM", 12, 1)], reference=REFERENCE) is first
    assert as_json(first) == as_json(charts.training_curves([run("LSTM", 12, 1)], reference=REFERENCE))


def test_one_more_batch_an_epoch_another_run_or_another_reference_draw_anew():
    first = figures.training_curves([run("LSTM", 12, 1)], reference=REFERENCE)
    later = figures.training_curves([run("LSTM", 13, 1)], reference=REFERENCE)
    assert later is not first and len(later.data[0].x) == 13
    assert figures.training_curves([run("LSTM", 12, 2)], reference=REFERENCE).data[5].y == (0.75, 0.75)
    assert figures.training_curves([run("LSTM", 12, 1, job_id="job-2")], reference=REFERENCE) is not first
    other = figures.training_curves([run("LSTM", 12, 1)], reference=dict(REFERENCE, value=0.8))
    assert other is not first and "0.800" in other.layout.annotations[-1].text


def test_presenter_mode_has_its_own_larger_figure_and_leaves_the_normal_one_alone():
    normal = figures.training_curves([run("LSTM", 12, 1)])
    st.session_state[presenter.STATE_KEY] = True
    large = figures.training_curves([run("LSTM", 12, 1)])
    assert large is not normal and large.layout.height > normal.layout.height
    assert normal.layout.height == charts.training_curves([run("LSTM", 12, 1)]).layout.height


def test_prediction_bars_and_prefix_lines_are_shared_for_the_same_numbers_only():
    table = pd.DataFrame({"LSTM": [0.1, 0.9], "GRU": [0.2, 0.8]},
                         index=pd.Index(["I hate this meal!", "I love this restaurant"], name="sentence"))
    bars = figures.prediction_bars(table)
    assert figures.prediction_bars(table.copy()) is bars
    assert bars.to_json() == charts.prediction_bars(table).to_json()
    changed = figures.prediction_bars(table.assign(GRU=[0.3, 0.8]))
    assert changed is not bars and list(changed.data[1].y) == [0.3, 0.8]
    prefixes = pd.DataFrame({"model": ["LSTM"] * 2, "position": [1, 2], "word": ["I", "hate"],
                             "token": ["i", "hate"], "probability": [0.5, 0.2]})
    lines = figures.prefix_lines(prefixes)
    assert figures.prefix_lines(prefixes.copy()) is lines
    assert lines.to_json() == charts.prefix_lines(prefixes).to_json()


def test_the_figures_kept_are_bounded():
    for batches in range(1, figures._figures.maxsize + 10):
        figures.training_curves([run("LSTM", batches, 0)])
    assert len(figures._figures) == figures._figures.maxsize


def test_the_assembled_curves_are_the_charts_own_as_json_and_reuse_an_unchanged_runs_traces(monkeypatch):
    stored, live = run("LSTM (stored)", 30, 3, job_id="stored:1"), run("LSTM", 5, 0)
    built = []
    real = charts.run_traces
    monkeypatch.setattr(charts, "run_traces", lambda r, name, style: built.append(name) or real(r, name, style))
    first = figures.training_curves([stored, live], reference=REFERENCE)
    later = figures.training_curves([stored, run("LSTM", 6, 0)], reference=REFERENCE)
    assert built == ["LSTM (stored)", "LSTM", "LSTM"]  # the stored run's traces were made once
    for figure, runs in ((first, [stored, live]), (later, [stored, run("LSTM", 6, 0)])):
        assert as_json(figure) == as_json(charts.training_curves(runs, reference=REFERENCE))
    assert [trace.name for trace in later.data][:3] == ["LSTM (stored) training (each batch)",
                                                        "LSTM (stored) training", "LSTM (stored)"]


def test_a_shared_figure_makes_its_dict_once_and_streamlit_sends_the_same_spec(monkeypatch):
    import plotly.basedatatypes
    import plotly.io as pio
    import plotly.tools

    made = []
    real = plotly.basedatatypes.BaseFigure.to_dict
    monkeypatch.setattr(plotly.basedatatypes.BaseFigure, "to_dict", lambda self: made.append(1) or real(self))
    curves = figures.training_curves([run("LSTM", 12, 1)], reference=REFERENCE)
    built = len(made)
    # What st.plotly_chart does at every redraw (streamlit/elements/plotly_chart.py): no new dict is made, and the
    # spec is the one of a figure that was never frozen.
    sent = [pio.to_json(plotly.tools.return_figure_from_figure_or_data(curves, validate_figure=True), validate=False)
            for _ in range(3)]
    assert len(made) == built and len(set(sent)) == 1
    fresh = charts.training_curves([run("LSTM", 12, 1)], reference=REFERENCE)
    assert json.loads(sent[0]) == json.loads(pio.to_json(fresh, validate=False))
    bars = figures.prediction_bars(pd.DataFrame({"LSTM": [0.2]}, index=["meh"]))
    assert bars.to_dict() is bars.to_dict() and bars.to_dict()["data"][0]["type"] == "bar"


def test_a_table_of_the_same_rows_is_one_arrow_table_with_the_frames_columns_and_values():
    rows = [dict(run="LSTM", status="finished", seconds=12.5, clip=None), dict(run="GRU", status="stopped",
                                                                             seconds=3.0, clip=1.5)]
    first = figures.table(rows)
    assert figures.table([dict(row) for row in rows]) is first  # another session's copy of the same rows
    assert first.column_names == ["run", "status", "seconds", "clip"] and first.num_rows == 2
    assert first.to_pandas().equals(pd.DataFrame(rows))
    assert figures.table([rows[0]]) is not first


def test_the_comparisons_csv_is_made_once_per_content_and_is_the_frames_csv():
    rows = [dict(run="LSTM", status="finished", seconds=12.5, clip=None), dict(run="GRU", status="stopped",
                                                                             seconds=3.0, clip=1.5)]
    text = figures.csv(rows)
    assert text.splitlines() == ["run,status,seconds,clip", "LSTM,finished,12.5,", "GRU,stopped,3.0,1.5"]
    assert figures.csv([dict(row) for row in rows]) is text  # another session's copy of the same rows
    assert figures.csv(rows[:1]) == "run,status,seconds,clip\nLSTM,finished,12.5,\n"
    assert figures.table(rows) is not text  # the Arrow table and the CSV of the same rows are kept apart


def _measured(column, scale=1.0):
    return pd.DataFrame([dict(model=model, arch=arch, trained=trained, distance=d,
                              **{column: scale * 0.5**d * (2 if trained else 1)})
                         for model, arch in (("LSTM", "LSTM"), ("GRU", "GRU")) for trained in (True, False)
                         for d in range(5)])


@pytest.mark.parametrize("name, column", [("gradient_by_step", "gradient_norm"), ("jacobian_chain", "jacobian_norm")])
def test_the_gradients_pages_charts_are_shared_for_the_same_measurements_only(name, column):
    shared, own = getattr(figures, name), getattr(charts, name)
    first = shared(_measured(column))
    assert shared(_measured(column)) is first  # another visitor, its own copy of the same numbers
    assert first.to_json() == own(_measured(column)).to_json()
    other = shared(_measured(column, scale=3.0))
    assert other is not first and max(other.data[0].y) == pytest.approx(6.0)
