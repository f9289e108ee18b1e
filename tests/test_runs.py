"""Tests for rnnlab.runs: save and load round trips, one stored run per configuration, problems reported (never
raised) for corrupt, truncated, foreign and half-written entries, and saves that a crash cannot half-do.

Most tests store untrained models built in a fraction of a second (their seeded random weights still give every
sentence its own probability); one test trains a tiny SimpleRNN for real.
"""

import json
import os
import threading
import time

import numpy as np
import pytest

from rnnlab import jobs, run_files, run_schema, runs
from rnnlab.data import make_vectorizer
from rnnlab.models import ARCHITECTURES, build_model
from rnnlab.training import TrainedModel, train

SENTENCES = ["I hate this meal!", "I love this restaurant", "", "😀🔥😀", "Mochen Yang zzqx"]
LONG = "good " * 20_000  # 100,000 characters: cut at MAX_TOKENS words when predicting
TINY = dict(subset=200, units=8, embed_dim=8, epochs=2, batch_size=32)


@pytest.fixture
def store(tmp_path, monkeypatch):
    folder = tmp_path / "runs"
    monkeypatch.setenv("RNNLAB_RUNS_DIR", str(folder))
    return folder


@pytest.fixture(scope="module")
def vectorizer(sentiment_df):
    return make_vectorizer(sentiment_df["text"].iloc[::10])


def fake_run(arch, vectorizer, *, stopped=False, seed=0, epochs_done=2, embed_dim=8, units=8, epochs=2):
    """A TrainedModel with an untrained (seeded) model and a made-up history: fast to build, real to save."""
    vocabulary = [str(token) for token in vectorizer.get_vocabulary()]
    history = {name: [0.5 + 0.04 * i + 0.01 * k for i in range(epochs_done)]
               for k, name in enumerate(run_schema.METRIC_NAMES)}
    batches = [dict(step=s + 1, epoch=s // 3, loss=0.7 - 0.01 * s, accuracy=0.5 + 0.01 * s)
               for s in range(3 * epochs_done)]
    config = dict(arch=arch, epochs=epochs, batch_size=32, embed_dim=embed_dim, units=units, learning_rate=1e-3,
                  seed=seed, train_size=160, val_size=40)
    model = build_model(arch, len(vocabulary), embed_dim, units, seed=seed)
    return TrainedModel(arch, config, model, vocabulary,
                        history=history, batch_history=batches, seconds=1.25, stopped=stopped, batches_per_epoch=3)


def job_config(arch, seed=0):
    return dict(arch=arch, seed=seed, **TINY)


# ----------------------------------------------------------------------------------------------------------
# Round trips


def test_a_trained_run_round_trips_predictions_history_and_vocabulary(store):
    config = dict(arch="SimpleRNN", **TINY)
    train_df, val_df = jobs.load_split(config)
    original = train("SimpleRNN", train_df, val_df, epochs=2, batch_size=32, embed_dim=8, units=8)

    stored = runs.save(original, config)

    assert stored.id == runs.run_id(config) == f"SimpleRNN-{jobs.config_key(config)}"
    assert stored.status == "finished" and stored.seconds == pytest.approx(original.seconds)
    listed, problems = runs.list_runs()
    assert problems == [] and [run.id for run in listed] == [stored.id]
    assert listed[0].config == jobs.validate_config(config) and listed[0].arch == "SimpleRNN"
    assert listed[0].history == original.history
    assert listed[0].metrics["best_val_accuracy"] == max(original.history["val_accuracy"])
    assert listed[0].metrics["parameters"] == original.model.count_params()

    loaded = runs.load_run(stored.id, cached=False)
    assert isinstance(loaded, TrainedModel) and loaded is not original
    np.testing.assert_allclose(loaded.predict(SENTENCES + [LONG]), original.predict(SENTENCES + [LONG]), atol=1e-6)
    assert loaded.history == original.history and loaded.batch_history == original.batch_history
    assert loaded.vocabulary == original.vocabulary and loaded.epochs_done == 2
    assert loaded.batches_per_epoch == original.batches_per_epoch == 5
    assert loaded.vectorizer(["very good movie"]).numpy().tolist() == \
        original.vectorizer(["very good movie"]).numpy().tolist()
    assert loaded.run_id == stored.id and loaded.job_config["subset"] == 200


@pytest.mark.parametrize("arch", ARCHITECTURES)
def test_every_architecture_survives_a_save_and_a_safe_mode_load(store, vectorizer, arch):
    original = fake_run(arch, vectorizer)
    stored = runs.save(original, job_config(arch))
    loaded = runs.load_run(stored.id, cached=False)
    expected = original.predict(SENTENCES)
    assert len(set(np.round(expected, 6))) > 1  # the random weights still tell the sentences apart
    np.testing.assert_allclose(loaded.predict(SENTENCES), expected, atol=1e-6)
    assert [layer.name for layer in loaded.model.layers] == ["embedding", "recurrent", "classifier"]
    assert loaded.model.count_params() == original.model.count_params()


def test_load_run_shares_one_model_between_callers_until_the_run_is_replaced(store, vectorizer):
    stored = runs.save(fake_run("GRU", vectorizer, stopped=True, epochs_done=1), job_config("GRU"))
    first, second = runs.load_run(stored.id), runs.load_run(stored.id)
    assert first is second and first.stopped
    runs.save(fake_run("GRU", vectorizer), job_config("GRU"))  # finished: replaces the stopped copy
    third = runs.load_run(stored.id)
    assert third is not first and not third.stopped and third.epochs_done == 2


def test_an_unchanged_run_is_read_from_disk_once_and_a_changed_or_replaced_one_again(store, vectorizer, monkeypatch):
    stored = runs.save(fake_run("GRU", vectorizer, stopped=True, epochs_done=1), job_config("GRU"))
    reads = []
    real = run_schema.read_run
    monkeypatch.setattr(run_schema, "read_run", lambda folder: reads.append(folder.name) or real(folder))
    first = runs.read(stored.id)
    assert runs.read(stored.id) is first and runs.find(job_config("GRU")) is first and len(reads) == 1
    assert runs.load_run(stored.id).stopped and len(reads) == 1
    runs.save(fake_run("GRU", vectorizer), job_config("GRU"))  # finished: replaces the stopped copy
    reads.clear()  # (saving reads the store itself)
    replaced = runs.read(stored.id)
    assert runs.read(stored.id) is replaced and len(reads) == 1
    assert not replaced.stopped and replaced.metrics["epochs_done"] == 2
    history = stored.path / run_files.HISTORY_FILE
    history.write_text(history.read_text() + " ")  # changed on disk: read again, and its checksum no longer holds
    assert runs.read(stored.id) is None and len(reads) == 2


def test_a_notebook_run_without_a_job_config_is_stored_under_its_own_key(store, vectorizer):
    stored = runs.save(fake_run("LSTM", vectorizer))
    assert not stored.is_job_config and stored.config["train_size"] == 160
    assert stored.key != jobs.config_key(job_config("LSTM"))
    assert runs.find(job_config("LSTM")) is None
    assert runs.load_run(stored.id).arch == "LSTM"


def test_a_config_that_does_not_describe_the_run_is_refused(store, vectorizer):
    with pytest.raises(ValueError, match="units: run 8 vs config 128"):
        runs.save(fake_run("LSTM", vectorizer), dict(arch="LSTM"))
    assert not store.exists()


# ----------------------------------------------------------------------------------------------------------
# One stored run per configuration


def test_identical_configurations_map_to_one_stored_run(store, vectorizer):
    first = runs.save(fake_run("SimpleRNN", vectorizer), job_config("SimpleRNN"))
    # The same configuration again, spelled differently (defaults written out, floats for ints): no new run.
    again = runs.save(fake_run("SimpleRNN", vectorizer), {**job_config("SimpleRNN"), "epochs": 2.0, "seed": 0})
    other_seed = runs.save(fake_run("SimpleRNN", vectorizer, seed=1), job_config("SimpleRNN", seed=1))

    assert again.id == first.id and again.saved_at == first.saved_at  # kept, not rewritten
    assert other_seed.id != first.id
    assert sorted(p.name for p in store.iterdir() if not p.name.startswith(".")) == sorted([first.id, other_seed.id])
    assert runs.find(job_config("SimpleRNN")).id == first.id
    assert runs.find(job_config("SimpleRNN", seed=2)) is None


def test_a_stopped_run_gives_way_to_a_finished_one_but_never_the_reverse(store, vectorizer):
    config = job_config("LSTM")
    stopped = runs.save(fake_run("LSTM", vectorizer, stopped=True, epochs_done=1), config)
    assert stopped.status == "stopped" and stopped.metrics["epochs_done"] == 1
    finished = runs.save(fake_run("LSTM", vectorizer), config)
    assert finished.id == stopped.id and finished.status == "finished" and finished.metrics["epochs_done"] == 2
    kept = runs.save(fake_run("LSTM", vectorizer, stopped=True, epochs_done=1), config)
    assert kept.status == "finished" and kept.saved_at == finished.saved_at
    listed, problems = runs.list_runs()
    assert [(run.id, run.status) for run in listed] == [(finished.id, "finished")] and problems == []


def test_concurrent_saves_of_one_configuration_leave_one_complete_run(store, vectorizer):
    models = [fake_run("SimpleRNN", vectorizer) for _ in range(4)]
    results, errors = [], []

    def save(run):
        try:
            results.append(runs.save(run, job_config("SimpleRNN")))
        except Exception as error:  # pragma: no cover - reported below
            errors.append(error)

    threads = [threading.Thread(target=save, args=(run,)) for run in models]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == [] and len({result.saved_at for result in results}) == 1
    listed, problems = runs.list_runs()
    assert len(listed) == 1 and problems == []


# ----------------------------------------------------------------------------------------------------------
# Problems are reported, never raised


def _problem(problems, name):
    found = [problem for problem in problems if problem.name == name]
    assert len(found) == 1, f"{name} not reported once in {problems}"
    return found[0].reason


def test_corrupt_truncated_foreign_and_half_written_entries_are_reported_and_skipped(store, vectorizer):
    good = runs.save(fake_run("SimpleRNN", vectorizer), job_config("SimpleRNN"))
    corrupt = runs.save(fake_run("LSTM", vectorizer), job_config("LSTM"))
    truncated = runs.save(fake_run("GRU", vectorizer), job_config("GRU"))
    short_model = runs.save(fake_run("BiLSTM", vectorizer), job_config("BiLSTM"))

    model_path = corrupt.path / runs.MODEL_FILE
    data = bytearray(model_path.read_bytes())
    data[len(data) // 2: len(data) // 2 + 64] = b"\0" * 64  # same size, damaged in the middle
    model_path.write_bytes(bytes(data))
    run_json = truncated.path / runs.RUN_FILE
    run_json.write_text(run_json.read_text()[:100])
    short_path = short_model.path / runs.MODEL_FILE
    short_path.write_bytes(short_path.read_bytes()[:1000])
    (store / "holiday photos").mkdir()
    (store / "holiday photos" / "beach.jpg").write_bytes(b"\xff\xd8\xff")
    (store / "notes.txt").write_text("not a run")
    half = store / f"{runs.TEMP_PREFIX}BiGRU-0123456789abcdef-deadbeef"
    half.mkdir()
    (half / runs.MODEL_FILE).write_bytes(b"PK\x03\x04")
    in_progress = store / f"{runs.TEMP_PREFIX}GRU-0123456789abcdef-cafebabe"  # another process saving now
    in_progress.mkdir()
    crashed_at = time.time() - runs.SAVE_GRACE_S - 60
    os.utime(half, (crashed_at, crashed_at))
    (store / ".DS_Store").write_bytes(b"\0")  # hidden files are nobody's business

    listed, problems = runs.list_runs()

    assert [run.id for run in listed] == [good.id]
    assert "model.keras is corrupt" in _problem(problems, corrupt.id)
    assert "run.json is truncated or not JSON" in _problem(problems, truncated.id)
    assert "model.keras is truncated or changed: 1000 bytes" in _problem(problems, short_model.id)
    assert "not an RNN Lab run: no run.json" in _problem(problems, "holiday photos")
    assert "not a run folder" in _problem(problems, "notes.txt")
    assert "half-written: a save was interrupted" in _problem(problems, half.name)
    assert in_progress.name not in [problem.name for problem in problems]  # too young to call it broken
    assert len(problems) == 6
    for broken in (corrupt, truncated, short_model):
        with pytest.raises(runs.RunStoreError):
            runs.load_run(broken.id, cached=False)
    np.testing.assert_allclose(runs.load_run(good.id).predict(SENTENCES[:2]).shape, (2,))


def test_a_foreign_or_renamed_run_json_is_reported(store, vectorizer):
    stored = runs.save(fake_run("SimpleRNN", vectorizer), job_config("SimpleRNN"))
    os.rename(stored.path, store / "SimpleRNN-copy")
    other = store / "someone-else"
    other.mkdir()
    (other / runs.RUN_FILE).write_text(json.dumps({"format": "mlflow/2", "id": "x"}))
    _, problems = runs.list_runs()
    assert "holds run 'SimpleRNN-" in _problem(problems, "SimpleRNN-copy")
    assert "not an RNN Lab run of format rnnlab-run/1" in _problem(problems, "someone-else")


def test_a_model_with_code_in_it_is_refused_by_safe_mode(store, vectorizer):
    import keras

    stored = runs.save(fake_run("SimpleRNN", vectorizer), job_config("SimpleRNN"))
    # Swap in a model with a Lambda layer (arbitrary Python) and fix the checksums, as an attacker would.
    hostile = keras.Sequential([keras.Input((None,), dtype="int32"), keras.layers.Lambda(lambda x: x * 0)])
    model_path = stored.path / runs.MODEL_FILE
    hostile.save(model_path)
    record = json.loads((stored.path / runs.RUN_FILE).read_text())
    record["files"][runs.MODEL_FILE] = dict(size=model_path.stat().st_size, sha256=run_files.sha256(model_path))
    (stored.path / runs.RUN_FILE).write_text(json.dumps(record))
    with pytest.raises(runs.RunStoreError, match="cannot be loaded.*(unsafe|safe_mode|lambda)"):
        runs.load_run(stored.id, cached=False)


def test_listing_never_raises_and_bad_ids_are_refused(tmp_path):
    assert runs.list_runs(tmp_path / "nothing yet") == ([], [])
    a_file = tmp_path / "runs-is-a-file"
    a_file.write_text("x")
    listed, problems = runs.list_runs(a_file)
    assert listed == [] and "cannot be read" in problems[0].reason
    for bad in ("../etc", ".tmp-x", "", "a/b"):
        with pytest.raises(runs.RunStoreError, match="not a run id"):
            runs.load_run(bad, tmp_path)
    with pytest.raises(runs.RunStoreError, match="no stored run 'LSTM-0'"):
        runs.load_run("LSTM-0", tmp_path)


# ----------------------------------------------------------------------------------------------------------
# Atomic saves


def test_a_crash_while_saving_the_model_leaves_earlier_runs_intact(store, vectorizer, monkeypatch):
    earlier = runs.save(fake_run("SimpleRNN", vectorizer), job_config("SimpleRNN"))
    before = {p.name: p.read_bytes() for p in earlier.path.iterdir()}
    victim = fake_run("GRU", vectorizer)

    def crash(path, *args, **kwargs):
        with open(path, "wb") as handle:
            handle.write(b"PK\x03\x04 half a zip")  # the disk fills up half-way through the model
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(victim.model, "save", crash)
    with pytest.raises(OSError, match="No space left"):
        runs.save(victim, job_config("GRU"))

    listed, problems = runs.list_runs()
    assert [run.id for run in listed] == [earlier.id] and problems == []
    assert sorted(p.name for p in store.iterdir()) == [run_files.LOCK_FILE, earlier.id]  # no temp folder left
    assert {p.name: p.read_bytes() for p in earlier.path.iterdir()} == before
    np.testing.assert_allclose(runs.load_run(earlier.id, cached=False).predict(SENTENCES),
                               fake_run("SimpleRNN", vectorizer).predict(SENTENCES), atol=1e-6)


def test_a_crash_while_replacing_a_stopped_run_puts_the_stopped_one_back(store, vectorizer, monkeypatch):
    config = job_config("LSTM")
    stopped = runs.save(fake_run("LSTM", vectorizer, stopped=True, epochs_done=1), config)
    real_rename = os.rename

    def rename(source, destination):
        if os.path.basename(str(source)).startswith(runs.TEMP_PREFIX):
            raise OSError(5, "Input/output error")  # the new copy cannot be moved into place
        return real_rename(source, destination)

    monkeypatch.setattr(runs.os, "rename", rename)
    with pytest.raises(OSError, match="Input/output"):
        runs.save(fake_run("LSTM", vectorizer), config)
    monkeypatch.setattr(runs.os, "rename", real_rename)

    listed, problems = runs.list_runs()
    assert [(run.id, run.status) for run in listed] == [(stopped.id, "stopped")] and problems == []
    assert runs.load_run(stopped.id, cached=False).epochs_done == 1


def test_a_runs_name_says_what_differs_from_the_lesson_and_is_kept_per_configuration(monkeypatch):
    from rnnlab import run_names

    assert runs.run_name(dict(arch="LSTM")) == "LSTM"
    calls = []
    real = run_names._run_name
    monkeypatch.setattr(run_names, "_run_name", lambda config: calls.append(1) or real(config))
    run_names._names.clear()
    config = dict(arch="GRU", units=64, seed=7)
    name = runs.run_name(config)
    assert runs.run_name(dict(config)) == name and calls == [1]  # named once
    assert "GRU" in name and "64 units" in name and "seed 7" in name
    assert runs.run_name(dict(arch="GRU", units=64, seed=7, odd=[1])).startswith("GRU")  # not a key: still named
