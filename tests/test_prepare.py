"""Tests for `python -m rnnlab.prepare`: it stores the requested models under RNNLAB_RUNS_DIR with a progress bar,
under the keys the Train page's settings map to, skips those already stored, and refuses bad settings.

Tiny settings (1 epoch, 200 sentences, 8 units) keep a real training to a few seconds.
"""

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from rnnlab import jobs, measure, prepare, runs

ROOT = Path(__file__).resolve().parents[1]
TINY_ARGS = ["--epochs", "1", "--subset", "200", "--units", "8", "--embed-dim", "8"]
TINY = dict(epochs=1, subset=200, units=8, embed_dim=8)


def test_the_module_trains_into_rnnlab_runs_dir_with_a_progress_bar(tmp_path):
    env = {**os.environ, "RNNLAB_RUNS_DIR": str(tmp_path / "store"), "TF_CPP_MIN_LOG_LEVEL": "2"}
    done = subprocess.run([sys.executable, "-m", "rnnlab.prepare", "--archs", "SimpleRNN", *TINY_ARGS],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)

    assert done.returncode == 0, done.stderr
    config = dict(arch="SimpleRNN", **TINY)
    expected_id = f"SimpleRNN-{jobs.config_key(config)}"
    assert f"Preparing 1 model(s) in {tmp_path / 'store'}" in done.stderr
    assert "[1/1] SimpleRNN [##############################] 100%  validation accuracy" in done.stderr
    assert done.stdout.startswith(f"{expected_id}\ttrained\tbest validation accuracy 0.")
    listed, problems = runs.list_runs(tmp_path / "store")
    assert [run.id for run in listed] == [expected_id] and problems == []
    assert listed[0].config == jobs.validate_config(config) and listed[0].metrics["epochs_done"] == 1
    # The Gradients page's measurements are stored beside the model, for this very model and today's settings.
    assert "[1/1] SimpleRNN [##############################] 100%  gradients measured" in done.stderr
    for kind in ("gradients", "jacobians"):
        saved = json.loads((tmp_path / "store" / expected_id / f"measured-{kind}.json").read_text())
        assert saved["kind"] == kind and saved["settings"] == measure.SETTINGS[kind]
        assert saved["model_sha256"] == runs.load_run(expected_id, tmp_path / "store").model_sha256
        assert saved["order"] == ["model", "arch", "trained", "distance", f"{kind[:-1]}_norm"]


def test_models_already_stored_are_skipped_and_the_rest_trained(tmp_path, monkeypatch):
    monkeypatch.setenv("RNNLAB_RUNS_DIR", str(tmp_path))
    bar = io.StringIO()
    first = prepare.prepare(prepare.lesson_configs(["SimpleRNN"], **TINY), stream=bar)
    assert [(stored.arch, trained) for _, stored, trained in first] == [("SimpleRNN", True)]

    second = prepare.prepare(prepare.lesson_configs(["SimpleRNN", "GRU"], **TINY), stream=bar)

    # The SimpleRNN was not trained again (its stored copy is the same save); the GRU trained on Ray.
    assert [(stored.arch, trained) for _, stored, trained in second] == [("SimpleRNN", False), ("GRU", True)]
    assert second[0][1].saved_at == first[0][1].saved_at
    assert f"[1/2] SimpleRNN [{'#' * 30}] 100%  already stored ({first[0][1].id})" in bar.getvalue()
    assert len(runs.list_runs()[0]) == 2


def test_the_defaults_are_the_lessons_four_models_with_the_train_pages_keys():
    configs = prepare.lesson_configs()
    assert [c["arch"] for c in configs] == ["SimpleRNN", "LSTM", "GRU", "BiLSTM"]
    assert all((c["epochs"], c["batch_size"], c["embed_dim"], c["units"], c["seed"], c["val_fraction"])
               == (10, 32, 64, 128, 0, 0.2) for c in configs)
    # What the Train page starts with its default widgets: the same key, so these runs load at once there.
    train_page = dict(arch="LSTM", embed_dim=64, units=128, epochs=10, batch_size=32, learning_rate=1e-3, seed=0,
                      val_fraction=0.2, holdout_source=None)
    assert runs.run_id(configs[1]) == runs.run_id(train_page)
    args = prepare.parse_args([])
    assert args.archs == ["SimpleRNN", "LSTM", "GRU", "BiLSTM"] and args.epochs == 10 and args.subset is None


@pytest.mark.parametrize("argv, code, message", [
    (["--epochs", "0"], 2, "epochs must be between 1 and 30, got 0"),
    (["--units", "100000"], 2, "units must be between 8 and 256"),
])
def test_bad_settings_are_refused_before_anything_trains(tmp_path, capsys, argv, code, message):
    assert prepare.main([*argv, "--runs-dir", str(tmp_path)]) == code
    assert message in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []


def test_a_missing_data_set_is_reported_with_how_to_fix_it(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("RNNLAB_DATA_DIR", str(tmp_path / "no-data-here"))
    assert prepare.main(["--archs", "GRU", *TINY_ARGS, "--runs-dir", str(tmp_path / "store")]) == 1
    err = capsys.readouterr().err
    assert "error: RNNLAB_DATA_DIR points to" in err and "does not exist" in err
    assert runs.list_runs(tmp_path / "store") == ([], [])
