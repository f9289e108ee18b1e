"""rnnlab.measure: per-model measurements as the Gradients page draws them (the measuring itself is covered by
tests/test_gradients.py and tests/pages/test_gradients.py)."""

from types import SimpleNamespace

import pandas as pd

from rnnlab import measure


def test_drawn_joins_the_measured_frames_in_the_jobs_order_with_their_names():
    jobs = {"GRU": SimpleNamespace(id="b"), "LSTM": SimpleNamespace(id="a"), "short": SimpleNamespace(id="c")}
    measured = {"a": pd.DataFrame({"distance": [0, 1], "gradient_norm": [1.0, 0.5]}),
                "b": pd.DataFrame({"distance": [0], "gradient_norm": [2.0]}),
                "c": pd.DataFrame({"distance": [], "gradient_norm": []})}
    frame = measure.drawn(jobs, measured)
    assert frame["model"].tolist() == ["GRU", "LSTM", "LSTM"]  # the empty one left out
    assert frame["gradient_norm"].tolist() == [2.0, 1.0, 0.5]
    assert measure.drawn({"short": jobs["short"]}, measured) is None


def _frame(scale=1.0):
    return pd.DataFrame({"model": ["LSTM"] * 3, "arch": ["LSTM"] * 3, "trained": [True, True, False],
                         "distance": [0, 1, 0], "gradient_norm": [0.25 * scale, 1 / 3 * scale, 1e-12]})


def _counting(frame):
    calls = []

    def compute():
        calls.append(1)
        return frame
    return compute, calls


def test_a_stored_runs_measurement_is_written_beside_its_model_and_read_back_by_the_next_server(tmp_path):
    run = SimpleNamespace(folder=tmp_path, model_sha256="abc")
    compute, calls = _counting(_frame())
    first = measure.stored_or_measured(run, "gradients", compute)
    assert len(calls) == 1 and (tmp_path / "measured-gradients.json").is_file()
    assert [p.name for p in tmp_path.iterdir()] == ["measured-gradients.json"]  # no temporary file left

    # Another process (a fresh object for the same model): read, not measured, the same frame to the last bit.
    again, calls_again = _counting(_frame(2.0))
    read = measure.stored_or_measured(SimpleNamespace(folder=tmp_path, model_sha256="abc"), "gradients", again)
    assert calls_again == []
    pd.testing.assert_frame_equal(read, first)
    assert read["trained"].dtype == bool and read["distance"].dtype.kind == "i"


def test_a_measurement_of_another_model_or_other_settings_or_a_broken_file_is_measured_again(tmp_path, monkeypatch):
    compute, calls = _counting(_frame())
    measure.stored_or_measured(SimpleNamespace(folder=tmp_path, model_sha256="old"), "gradients", compute)
    newer, calls_newer = _counting(_frame(2.0))
    replaced = measure.stored_or_measured(SimpleNamespace(folder=tmp_path, model_sha256="new"), "gradients", newer)
    assert calls_newer == [1] and replaced["gradient_norm"].iloc[0] == 0.5

    monkeypatch.setitem(measure.SETTINGS, "gradients", dict(measure.SETTINGS["gradients"], max_sentences=7))
    other, calls_other = _counting(_frame(3.0))
    measure.stored_or_measured(SimpleNamespace(folder=tmp_path, model_sha256="new"), "gradients", other)
    assert calls_other == [1]

    (tmp_path / "measured-gradients.json").write_text('{"format": "rnnlab-measurement/1", "kind": "gradi')
    broken, calls_broken = _counting(_frame(4.0))
    frame = measure.stored_or_measured(SimpleNamespace(folder=tmp_path, model_sha256="new"), "gradients", broken)
    assert calls_broken == [1] and frame["gradient_norm"].iloc[0] == 1.0


def test_runs_that_are_not_stored_or_cannot_be_written_are_only_measured(tmp_path):
    compute, calls = _counting(_frame())
    assert measure.stored_or_measured(SimpleNamespace(), "jacobians", compute)["distance"].tolist() == [0, 1, 0]
    gone = SimpleNamespace(folder=tmp_path / "deleted-run", model_sha256="abc")  # the folder is not there
    frame = measure.stored_or_measured(gone, "jacobians", compute)
    assert len(calls) == 2 and frame["gradient_norm"].iloc[1] == 1 / 3
    assert not (tmp_path / "deleted-run").exists()
