"""Tests for rnnlab.jobs: config validation and keys, the queue, stop, failures, and real tiny trainings.

The queue tests use a fake trainer (no TensorFlow, milliseconds); the last tests train a real SimpleRNN with 8
units on 200 sentences, so a whole run takes a few seconds.
"""

import math
import os
import signal
import threading
import time
from types import SimpleNamespace

import pytest

from rnnlab import jobs

TINY = dict(arch="SimpleRNN", subset=200, units=8, embed_dim=8, epochs=2, batch_size=32)


# ----------------------------------------------------------------------------------------------------------
# Configs


def test_validate_config_fills_the_lessons_defaults():
    config = jobs.validate_config({"arch": "LSTM"})
    assert config == dict(arch="LSTM", epochs=10, batch_size=32, embed_dim=64, units=128, learning_rate=1e-3,
                          seed=0, val_fraction=0.2, split_seed=0, holdout_source=None, subset=None, data=None,
                          clip_norm=None, dropout=0.0, early_stopping=None)


@pytest.mark.parametrize(
    "change, message",
    [
        (dict(epochs=0), "epochs must be between 1 and 30, got 0"),
        (dict(epochs=31), "epochs must be between 1 and 30, got 31"),
        (dict(batch_size=4), "batch_size must be between 8 and 256"),
        (dict(embed_dim=129), "embed_dim must be between 8 and 128"),
        (dict(units=512), "units must be between 8 and 256"),
        (dict(learning_rate=0.5), "learning_rate must be between 0.0001 and 0.1"),
        (dict(seed=-1), "seed must be between 0 and 1e+06"),
        (dict(units=12.5), "units must be a whole number, got 12.5"),
        (dict(units="many"), "units must be a number between 8 and 256, got 'many'"),
        (dict(epochs=float("nan")), "epochs must be a number"),
        (dict(arch="Transformer"), "arch must be one of SimpleRNN, LSTM, GRU, BiLSTM"),
        (dict(holdout_source="twitter"), "holdout_source must be None or one of amazon, imdb, yelp"),
        (dict(epoch=3), "unknown setting 'epoch'"),
    ],
)
def test_validate_config_rejects_out_of_bounds_values_with_a_clear_message(change, message):
    with pytest.raises(ValueError, match="Invalid training config") as error:
        jobs.validate_config({"arch": "SimpleRNN", **change})
    assert message in str(error.value)


def test_config_key_is_stable_and_ignores_spelling_of_defaults():
    key = jobs.config_key({"arch": "GRU"})
    assert len(key) == 16 and int(key, 16) >= 0
    assert key == jobs.config_key({"arch": "GRU", "epochs": 10.0, "units": 128, "holdout_source": None})
    assert key == "356c0ee8b29e3616"  # the same in every process: run stores may keep it
    assert key != jobs.config_key({"arch": "GRU", "seed": 1})
    assert key != jobs.config_key({"arch": "LSTM"})


# ----------------------------------------------------------------------------------------------------------
# The queue, with a fake trainer


class FakeTrainer:
    """Emits one batch every 10 ms for `batches` batches (5 per epoch) or until stopped; `fail` raises instead."""

    def __init__(self, batches=1000, fail=None):
        self.batches, self.fail, self.calls = batches, fail, []

    def __call__(self, arch, train_df, val_df, *, epochs, on_batch, on_epoch, stop, **settings):
        self.calls.append(arch)
        if self.fail:
            raise self.fail
        done = 0
        for step in range(1, self.batches + 1):
            # Counted from 0, as rnnlab.training does.
            on_batch(step, dict(epoch=(step - 1) // 5, batch=(step - 1) % 5, batches_per_epoch=5,
                                loss=1.0 / step, accuracy=0.5, seconds=0.01 * step))
            done = step
            if step % 5 == 0:
                on_epoch(step // 5 - 1, dict(loss=0.5, accuracy=0.6, val_loss=0.6, val_accuracy=0.7, seconds=0.0))
            if stop.is_set():
                break
            time.sleep(0.01)
        history = dict(val_accuracy=[0.7] * (done // 5))
        model = SimpleNamespace(count_params=lambda: 1234)
        return SimpleNamespace(stopped=stop.is_set(), history=history, seconds=0.01 * done, model=model,
                               epochs_done=done // 5)


def fake_manager(trainer, max_concurrent=1):
    return jobs.JobManager(max_concurrent=max_concurrent, train_fn=trainer, load_data=lambda config: (None, None))


def wait_for(condition, timeout=10.0):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if condition():
            return True
        time.sleep(0.01)
    return False


def test_one_worker_runs_jobs_first_in_first_out_with_queue_positions():
    manager = fake_manager(FakeTrainer(batches=1000))
    first = manager.start({"arch": "SimpleRNN"}, owner="a")
    second = manager.start({"arch": "LSTM"}, owner="a")
    third = manager.start({"arch": "GRU"}, owner="b")
    assert wait_for(lambda: first.snapshot().status == "running")
    assert [j.snapshot().queue_position for j in (first, second, third)] == [None, 1, 2]
    assert (second.status, third.status) == ("queued", "queued")
    assert [job.id for job in manager.jobs_for("a")] == [first.id, second.id]
    assert manager.stop(first.id)
    assert first.wait(5) and first.status == "stopped"
    assert wait_for(lambda: second.status == "running")
    assert third.snapshot().queue_position == 1
    # Stopping a queued job takes it out of the queue at once, with nothing learned.
    assert manager.stop(third.id)
    assert third.status == "stopped" and third.result is None and third.snapshot().queue_position is None
    manager.stop(second.id)
    assert second.wait(5)
    assert manager.stop(second.id) is False  # already ended


def test_two_workers_run_two_jobs_at_once():
    trainer = FakeTrainer(batches=1000)
    manager = fake_manager(trainer, max_concurrent=2)
    started = [manager.start({"arch": arch}, owner="a") for arch in ("SimpleRNN", "LSTM", "GRU")]
    assert wait_for(lambda: sum(job.status == "running" for job in started) == 2)
    assert started[2].snapshot().queue_position == 1
    for job in started:
        manager.stop(job.id)
    assert all(job.wait(5) for job in started)


def test_the_same_config_twice_from_one_owner_is_one_job():
    manager = fake_manager(FakeTrainer(batches=1000))
    first = manager.start({"arch": "SimpleRNN", "units": 16}, owner="a")
    again = manager.start({"arch": "SimpleRNN", "units": 16.0}, owner="a")  # a double-clicked Train
    other_owner = manager.start({"arch": "SimpleRNN", "units": 16}, owner="b")
    assert again is first and other_owner is not first
    assert manager.find_active(first.key) is first
    for job in (first, other_owner):
        manager.stop(job.id)
        job.wait(5)
    rerun = manager.start({"arch": "SimpleRNN", "units": 16}, owner="a")  # ended jobs do not block a rerun
    assert rerun is not first
    manager.stop(rerun.id)
    rerun.wait(5)


def test_a_finished_job_keeps_history_progress_and_summary():
    manager = fake_manager(FakeTrainer(batches=10))
    ended = []
    manager.add_listener(ended.append)
    job = manager.start({"arch": "GRU", "epochs": 2}, owner="a")
    assert job.wait(10)
    snapshot = job.snapshot()
    assert snapshot.status == "finished" and snapshot.fraction == 1.0
    assert [b["step"] for b in snapshot.batches] == list(range(1, 11))
    assert [e["epoch"] for e in snapshot.epochs] == [1, 2]
    assert (snapshot.epoch, snapshot.batch, snapshot.batches_per_epoch) == (2, 5, 5)
    assert snapshot.summary == {"seconds": pytest.approx(0.1), "parameters": 1234, "best_val_accuracy": 0.7,
                                "epochs_done": 2}
    assert snapshot.label == f"GRU #{job.id}"
    assert wait_for(lambda: ended == [job])
    with pytest.raises(TypeError):
        snapshot.batches[0]["loss"] = 0.0  # snapshots are read-only


def test_an_exception_in_training_becomes_a_failed_job_with_its_message():
    manager = fake_manager(FakeTrainer(fail=RuntimeError("out of memory in the recurrent layer")))
    job = manager.start({"arch": "LSTM"}, owner="a")
    assert job.wait(10)
    assert job.status == "failed"
    assert job.error == "RuntimeError: out of memory in the recurrent layer"
    assert "RuntimeError" in job.traceback
    # The worker survives a failure and takes the next job.
    manager._train_fn = FakeTrainer(batches=5)
    after = manager.start({"arch": "GRU", "epochs": 1}, owner="a")
    assert after.wait(10) and after.status == "finished"


def test_a_bad_config_is_rejected_before_anything_is_queued():
    manager = fake_manager(FakeTrainer())
    with pytest.raises(ValueError, match="units must be between 8 and 256"):
        manager.start({"arch": "LSTM", "units": 4096}, owner="a")
    assert manager.jobs_for("a") == []


def test_default_concurrency_is_one_per_core_and_the_environment_can_lower_it(monkeypatch):
    cores = os.cpu_count() or 1
    monkeypatch.delenv("RNNLAB_MAX_CONCURRENT_JOBS", raising=False)
    assert jobs.default_max_concurrent() == cores
    monkeypatch.setenv("RNNLAB_MAX_CONCURRENT_JOBS", "1")
    assert jobs.default_max_concurrent() == 1
    monkeypatch.setenv("RNNLAB_MAX_CONCURRENT_JOBS", str(cores + 5))
    assert jobs.default_max_concurrent() == cores  # never more than one per core


# ----------------------------------------------------------------------------------------------------------
# Real trainings on a 200-sentence subset


def test_load_split_takes_a_seeded_subset_and_splits_it():
    train_df, val_df = jobs.load_split(dict(arch="SimpleRNN", subset=200))
    assert len(train_df) + len(val_df) == 200
    assert 30 <= len(val_df) <= 50
    again = jobs.load_split(dict(arch="LSTM", subset=200))
    assert again[0] is train_df  # one cached split per data selection
    held_out = jobs.load_split(dict(arch="LSTM", holdout_source="imdb"))
    assert set(held_out[1]["source"]) == {"imdb"} and len(held_out[1]) == 1000


def test_a_tiny_real_training_finishes_with_every_batch_in_its_history():
    manager = jobs.JobManager(max_concurrent=1)
    job = manager.start(TINY, owner="test")
    assert job.wait(120), "the tiny training did not finish in two minutes"
    snapshot = job.snapshot()
    assert snapshot.status == "finished", snapshot.error
    train_df, _ = jobs.load_split(TINY)
    per_epoch = snapshot.batches_per_epoch
    assert per_epoch >= math.ceil(len(train_df) / TINY["batch_size"])
    assert len(snapshot.batches) == TINY["epochs"] * per_epoch
    assert len(snapshot.epochs) == TINY["epochs"]
    assert all(0 <= e["val_accuracy"] <= 1 for e in snapshot.epochs)
    assert len(job.result.history["val_accuracy"]) == TINY["epochs"]
    assert snapshot.summary["parameters"] == job.result.model.count_params()
    probabilities = job.result.predict(["I hate this meal!", "I love this restaurant"])
    assert probabilities.shape == (2,) and ((probabilities >= 0) & (probabilities <= 1)).all()


def test_stop_ends_a_real_training_within_one_batch_and_keeps_a_usable_model():
    manager = jobs.JobManager(max_concurrent=1)
    job = manager.start({**TINY, "epochs": 30}, owner="test")
    assert wait_for(lambda: len(job.snapshot().batches) >= 3, timeout=120)
    stopped_at = time.time()
    manager.stop(job.id)
    assert job.wait(30)
    snapshot = job.snapshot()
    assert snapshot.status == "stopped" and job.result.stopped
    # The trainer checks the stop after every batch: at most the batch it was on ends after the Stop.
    assert len([b for b in snapshot.batches if b["time"] > stopped_at]) <= 1
    assert len(snapshot.batches) < 30 * snapshot.batches_per_epoch
    assert job.result.batch_history[-1]["step"] == len(snapshot.batches)
    assert job.result.predict(["I love this restaurant"]).shape == (1,)


def test_an_error_inside_the_training_process_becomes_a_failed_job_with_its_message(tmp_path, monkeypatch):
    monkeypatch.setenv("RNNLAB_DATA_DIR", str(tmp_path))  # the child process finds no data set there
    manager = jobs.JobManager(max_concurrent=1)
    assert manager.isolation == "process"
    job = manager.start(dict(arch="SimpleRNN", units=8), owner="test")
    assert job.wait(120)
    assert job.status == "failed"
    assert job.error.startswith("DataError: ") and str(tmp_path) in job.error
    assert "Traceback" in job.traceback and job.worker_pid != os.getpid()


def test_a_killed_training_process_fails_its_job_and_the_next_job_gets_a_fresh_one():
    manager = jobs.JobManager(max_concurrent=1)
    job = manager.start({**TINY, "epochs": 30}, owner="test")
    assert wait_for(lambda: len(job.snapshot().batches) >= 1, timeout=120)
    os.kill(job.worker_pid, signal.SIGKILL)
    assert job.wait(30)
    assert job.status == "failed" and "training process ended unexpectedly (exit code -9)" in job.error
    after = manager.start(TINY, owner="test")
    assert after.wait(120) and after.status == "finished", after.error
    assert after.worker_pid != job.worker_pid
