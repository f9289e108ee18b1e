"""Run archives: one zip per run (model, vocabulary, configuration, history as CSV) that rnnlab.runs.load_archive
loads in safe mode and that predicts exactly what the run predicted; anything else is refused with the reason."""

import csv
import io
import json
import zipfile

import numpy as np
import pytest

from rnnlab import archive, runs
from rnnlab.config import train_from_config

CONFIG = dict(arch="LSTM", subset=300, epochs=2, units=8, embed_dim=8)
SENTENCES = ["I hate this meal!", "I love this restaurant", "", "zzqx unknown words only", "not bad at all " * 30]


@pytest.fixture(scope="module")
def run():
    return train_from_config(CONFIG)


@pytest.fixture(scope="module")
def zipped(run):
    return archive.to_zip(run, CONFIG)


def test_the_zip_holds_model_vocabulary_configuration_and_history(run, zipped):
    with zipfile.ZipFile(io.BytesIO(zipped)) as z:
        assert set(archive.REQUIRED) <= set(z.namelist())
        record = json.loads(z.read("config.json"))
        assert record["format"] == "rnnlab-archive/1" and record["arch"] == "LSTM"
        assert record["config"] == CONFIG and record["train_config"]["train_size"] == 240
        assert json.loads(z.read("vocabulary.json")) == run.vocabulary
        epochs = list(csv.DictReader(io.StringIO(z.read("history_epochs.csv").decode())))
        batches = list(csv.DictReader(io.StringIO(z.read("history_batches.csv").decode())))
    assert [int(r["epoch"]) for r in epochs] == [1, 2]
    assert [float(r["val_accuracy"]) for r in epochs] == run.history["val_accuracy"]
    assert len(batches) == len(run.batch_history) == 2 * 8  # 240 sentences / 32, twice
    assert float(batches[-1]["loss"]) == run.batch_history[-1]["loss"]


def test_load_archive_predicts_exactly_the_runs_numbers(run, zipped, tmp_path):
    path = tmp_path / archive.file_name("LSTM #2", CONFIG)
    assert path.name.startswith("rnnlab-LSTM__2-") and path.suffix == ".zip"
    path.write_bytes(zipped)
    loaded = runs.load_archive(path)
    np.testing.assert_array_equal(loaded.predict(SENTENCES), run.predict(SENTENCES))
    assert loaded.arch == "LSTM" and loaded.vocabulary == run.vocabulary
    assert loaded.history["val_loss"] == run.history["val_loss"]
    assert [b["step"] for b in loaded.batch_history] == list(range(1, 17))
    assert loaded.job_config == CONFIG and loaded.model.count_params() == run.model.count_params()


def _rezip(zipped, drop=(), replace=None):
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(zipped)) as source, zipfile.ZipFile(out, "w") as target:
        for name in source.namelist():
            if name not in drop:
                target.writestr(name, (replace or {}).get(name, source.read(name)))
    return out.getvalue()


@pytest.mark.parametrize("make, reason", [
    (lambda z: b"just some text", "not a zip file"),
    (lambda z: z[: len(z) // 2], "not a zip file"),
    (lambda z: _rezip(z, drop={"model.keras"}), "not an RNN Lab run archive: model.keras missing"),
    (lambda z: _rezip(z, replace={"config.json": json.dumps({"format": "other/9"})}), "config.json says 'other/9'"),
    (lambda z: _rezip(z, replace={"model.keras": b"not a keras file"}), "model.keras cannot be loaded"),
    (lambda z: _rezip(z, replace={"vocabulary.json": "[1, 2]"}), "vocabulary.json is not a list of tokens"),
])
def test_a_zip_that_is_not_a_run_archive_is_refused_with_the_reason(zipped, tmp_path, make, reason):
    path = tmp_path / "upload.zip"
    path.write_bytes(make(zipped))
    with pytest.raises(archive.ArchiveError, match=reason):
        runs.load_archive(path)
    with pytest.raises(ValueError):  # ArchiveError is a ValueError: a page's one `except ValueError` catches it
        runs.load_archive(make(zipped))
