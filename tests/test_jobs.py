"""Tests for rnnlab.jobs, the engine on Ray: config validation and keys, the queue, stop, faults (a killed worker,
a silent one, an exception while saving), no actor or process left after a run, real tiny trainings, and the
embedded Ray listening on 127.0.0.1 only.

Every test shares the one local Ray of the test session (rnnlab.jobs.connect starts it on first need, with two
CPUs: tests/conftest.py sets RNNLAB_RAY_CPUS=2). The queue tests use a fake trainer (no TensorFlow: each batch
takes 20 ms, each run a Ray worker process); the real ones train a SimpleRNN with 8 units on 200 sentences.
"""

import math
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from types import SimpleNamespace

import pytest

from rnnlab import jobs, runs

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
# The queue, with a fake trainer (it runs inside the Ray actor, so it must pickle: a module-level class)


class FakeTrainer:
    """Emits one batch every 20 ms for `batches` batches (5 per epoch) or until stopped; `fail` raises instead,
    `hang_after` stops reporting (sleeps for ever) after that many batches, `jam_after` jams its actor then (the
    batch's logs block while the actor holds its lock, so the actor answers no call any more)."""

    def __init__(self, batches=1000, fail=None, hang_after=None, jam_after=None):
        self.batches, self.fail, self.hang_after, self.jam_after = batches, fail, hang_after, jam_after

    def __call__(self, arch, train_df, val_df, *, epochs, on_batch, on_epoch, stop, **settings):
        if self.fail:
            raise self.fail
        done = 0
        for step in range(1, self.batches + 1):
            # Counted from 0, as rnnlab.training does.
            on_batch(step, (JammingLogs if step == self.jam_after else dict)(epoch=(step - 1) // 5, batch=(step - 1) % 5, batches_per_epoch=5,
                                loss=1.0 / step, accuracy=0.5, seconds=0.02 * step))
            done = step
            if step % 5 == 0:
                on_epoch(step // 5 - 1, dict(loss=0.5, accuracy=0.6, val_loss=0.6, val_accuracy=0.7, seconds=0.0))
            if self.hang_after is not None and step >= self.hang_after:
                time.sleep(3600)
            if stop.is_set():
                break
            time.sleep(0.02)
        history = dict(val_accuracy=[0.7] * (done // 5))
        model = SimpleNamespace(count_params=lambda: 1234)
        return SimpleNamespace(stopped=stop.is_set(), history=history, seconds=0.02 * done, model=model,
                               epochs_done=done // 5)


class JammingLogs(dict):
    """A batch's logs whose batches_per_epoch never comes (the trainer reads it under its lock)."""

    def get(self, key, default=None):
        if key == "batches_per_epoch":
            time.sleep(3600)
        return super().get(key, default)


def fake_engine(trainer, **options):
    return jobs.Engine(train_fn=trainer, save_runs=False, **options)


def wait_for(condition, timeout=30.0):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return False


def active_runs() -> list[str]:
    """The ids of the cluster's queued and running runs, as its registry says."""
    return [entry["run_id"] for entry in jobs.manager().ask("queue")]


def gone(pid: int) -> bool:
    import psutil

    try:
        return psutil.Process(pid).status() == psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return True


@pytest.fixture
def clean_cluster():
    """Every test starts and must end with no run queued or training (a run leaves nothing behind)."""
    jobs.connect()
    assert wait_for(lambda: active_runs() == [], 60), active_runs()
    yield
    assert wait_for(lambda: active_runs() == [], 60), active_runs()


def test_two_cpus_run_two_runs_and_the_third_waits_with_its_place_in_the_queue(clean_cluster):
    engine = fake_engine(FakeTrainer(batches=10_000))
    started = [engine.claim({"arch": arch, "units": 9}, owner="a")[0]
               for arch in ("SimpleRNN", "LSTM", "GRU", "BiLSTM")]
    assert wait_for(lambda: [j.snapshot().status for j in started].count("running") == 2)
    waiting = [job for job in started if job.snapshot().status == "queued"]
    # Each Job caches its snapshot for a moment (Job.CACHE_S): a waiting run's place is fresh within that.
    assert wait_for(lambda: sorted(job.snapshot().queue_position for job in waiting) == [1, 2]), \
        [job.snapshot().queue_position for job in waiting]
    first_waiting = min(waiting, key=lambda job: job.snapshot().queue_position)
    running = [job for job in started if job.snapshot().status == "running"]
    assert running[0].stop()
    assert running[0].wait(30) and running[0].status == "stopped"
    assert wait_for(lambda: first_waiting.snapshot().status == "running")
    last = next(job for job in waiting if job is not first_waiting)
    assert last.snapshot().queue_position == 1
    # Stopping a queued run cancels it at once: nothing learned, no actor left waiting for a CPU.
    assert last.stop()
    snapshot = last.snapshot()
    assert snapshot.status == "stopped" and snapshot.batches == () and snapshot.queue_position is None
    assert not last.has_model and last.result is None
    for job in started:
        job.stop()
    assert all(job.wait(30) for job in started)
    assert started[0].stop() is False  # already ended


def test_the_same_config_twice_is_one_run_whoever_asks(clean_cluster):
    engine = fake_engine(FakeTrainer(batches=10_000))
    first = engine.claim({"arch": "SimpleRNN", "units": 16}, owner="a")[0]
    again = engine.claim({"arch": "SimpleRNN", "units": 16.0}, owner="a")[0]  # a double-clicked Train
    other_owner, started = engine.claim({"arch": "SimpleRNN", "units": 16}, owner="b")
    assert again is first and other_owner is first and not started and first.owner == "a"
    assert first.id.startswith(f"SimpleRNN-{first.key}-")
    first.stop()
    assert first.wait(30)
    rerun = engine.claim({"arch": "SimpleRNN", "units": 16}, owner="a")[0]  # an ended run does not block a rerun
    assert rerun is not first and rerun.id != first.id
    rerun.stop()
    assert rerun.wait(30)


def test_a_finished_run_keeps_history_progress_and_summary_and_leaves_no_actor(clean_cluster):
    engine = fake_engine(FakeTrainer(batches=10))
    job = engine.claim({"arch": "GRU", "epochs": 2, "units": 10}, owner="a")[0]
    assert job.wait(60)
    snapshot = job.snapshot()
    assert snapshot.status == "finished" and snapshot.fraction == 1.0, snapshot.error
    assert [b["step"] for b in snapshot.batches] == list(range(1, 11))
    assert [e["epoch"] for e in snapshot.epochs] == [1, 2]
    assert (snapshot.epoch, snapshot.batch, snapshot.batches_per_epoch) == (2, 5, 5)
    assert snapshot.summary == {"seconds": pytest.approx(0.2), "parameters": 1234, "best_val_accuracy": 0.7,
                                "epochs_done": 2, "batches_done": 10}
    assert snapshot.label == "GRU, 2 epochs, 10 units"
    with pytest.raises(TypeError):
        snapshot.batches[0]["loss"] = 0.0  # snapshots are read-only
    # A second server (here: a fresh engine) sees the same ended run from the registry alone.
    seen_elsewhere = fake_engine(FakeTrainer()).get(job.id).snapshot()
    assert seen_elsewhere.status == "finished" and len(seen_elsewhere.batches) == 10


def test_an_exception_in_training_becomes_a_failed_run_with_its_message(clean_cluster):
    engine = fake_engine(FakeTrainer(fail=RuntimeError("out of memory in the recurrent layer")))
    job = engine.claim({"arch": "LSTM", "units": 11}, owner="a")[0]
    assert job.wait(60)
    assert job.status == "failed"
    assert job.error == "RuntimeError: out of memory in the recurrent layer"
    after = fake_engine(FakeTrainer(batches=5)).claim({"arch": "GRU", "epochs": 1, "units": 11}, owner="a")[0]
    assert after.wait(60) and after.status == "finished"


def test_an_exception_while_saving_fails_the_run_instead_of_leaving_it_running(clean_cluster):
    # The fake trainer's result has no Keras model: runs.save raises inside the actor, after training.
    engine = jobs.Engine(train_fn=FakeTrainer(batches=5), save_runs=True)
    job = engine.claim({"arch": "GRU", "epochs": 1, "units": 12}, owner="a")[0]
    assert job.wait(60)
    assert job.status == "failed" and job.error.startswith("AttributeError") and not job.has_model


def test_a_bad_config_is_rejected_before_anything_is_queued():
    engine = fake_engine(FakeTrainer())
    with pytest.raises(ValueError, match="units must be between 8 and 256"):
        engine.claim({"arch": "LSTM", "units": 4096}, owner="a")[0]
    assert [e for e in engine.ask("queue") if e["owner"] == "a"] == []


# ----------------------------------------------------------------------------------------------------------
# Faults


def worker_pid(engine, job) -> int:
    """The process id of the standing trainer that trains `job`, as the registry knows it."""
    return engine.ask("status", job.id)["pid"]


def test_a_worker_killed_with_sigkill_fails_its_run_with_the_reason_and_the_next_run_works(clean_cluster):
    engine = fake_engine(FakeTrainer(batches=10_000))
    job = engine.claim({"arch": "SimpleRNN", "units": 13}, owner="a")[0]
    assert wait_for(lambda: len(job.snapshot().batches) >= 1)
    pid = job.engine_pid = worker_pid(engine, job)
    os.kill(pid, signal.SIGKILL)
    assert job.wait(60)
    assert job.status == "failed"
    assert f"The training worker (pid {pid}) ended unexpectedly" in job.error
    # Another server watching the same run reads the same reason from the registry.
    assert fake_engine(FakeTrainer()).get(job.id).snapshot().error == job.error
    after = fake_engine(FakeTrainer(batches=5)).claim({"arch": "SimpleRNN", "units": 13, "epochs": 1}, owner="a")[0]
    assert after.wait(60) and after.status == "finished", after.error


def test_a_training_worker_runs_at_the_lowest_priority_so_the_pages_answer_first(clean_cluster):
    import psutil

    from rnnlab.engine import connection

    engine = fake_engine(FakeTrainer(batches=10_000))
    job = engine.claim({"arch": "SimpleRNN", "units": 14}, owner="a")[0]
    assert wait_for(lambda: len(job.snapshot().batches) >= 1)
    pid = worker_pid(engine, job)
    assert connection.WORKER_NICE == 19 and "RNNLAB_WORKER_NICE" not in os.environ
    # Linux nices a thread, not a process: the trainer's training thread (it names itself) and the threads it
    # starts are at 19; the worker's own threads keep Ray's niceness (0 and 15).
    niceness = {}
    for task in Path(f"/proc/{pid}/task").iterdir():
        name = (task / "comm").read_text().strip()
        niceness.setdefault(name, set()).add(int((task / "stat").read_text().rpartition(")")[2].split()[16]))
    assert niceness["rnnlab-trainer"] == {19}, niceness
    assert min(min(values) for name, values in niceness.items() if name != "rnnlab-trainer") < 19, niceness
    assert psutil.Process().nice() < 19
    assert job.stop() and job.wait(60)


def test_a_worker_that_stops_reporting_is_failed_and_its_cpu_freed(clean_cluster):
    engine = fake_engine(FakeTrainer(batches=100, hang_after=2), heartbeat=2)
    job = engine.claim({"arch": "GRU", "units": 14}, owner="a")[0]
    assert wait_for(lambda: len(job.snapshot().batches) == 2)
    pid = worker_pid(engine, job)
    assert job.wait(60)
    assert job.status == "failed"
    assert "reported nothing for" in job.error and "RNNLAB_HEARTBEAT_S=2" in job.error
    assert wait_for(lambda: gone(pid))  # killed: its CPU is free again (Ray starts the trainer anew)


def test_a_jammed_worker_does_not_hold_up_the_watchdog_for_the_others(clean_cluster):
    """The watchdog asks every running run at once: one that never answers is failed after the heartbeat time,
    while another run's death is seen within seconds (not after the jammed one's heartbeat)."""
    import ray

    jammed = fake_engine(FakeTrainer(batches=10_000, jam_after=2), heartbeat=12).claim(
        {"arch": "LSTM", "units": 15}, owner="a")[0]
    killed = fake_engine(FakeTrainer(batches=10_000), heartbeat=12).claim({"arch": "GRU", "units": 15}, owner="a")[0]
    registry = killed.engine.registry()
    assert wait_for(lambda: len(killed.snapshot().batches) >= 3
                    and ray.get(registry.status.remote(jammed.id))["state"] == "running")
    time.sleep(3)  # the watchdog has asked the jammed run by now, and waits for its answer
    pid = worker_pid(killed.engine, killed)
    os.kill(pid, signal.SIGKILL)
    killed_at = time.time()
    assert wait_for(lambda: ray.get(registry.status.remote(killed.id))["state"] == "failed", 30)
    assert time.time() - killed_at < 6  # seen by the watchdog (no page asked) while the jammed run stays silent
    assert "ended unexpectedly" in ray.get(registry.status.remote(killed.id))["error"]
    assert jammed.wait(60) and jammed.status == "failed"
    assert "stopped answering" in jammed.error and "RNNLAB_HEARTBEAT_S=12" in jammed.error
    assert wait_for(lambda: gone(worker_pid(jammed.engine, jammed)))


def test_when_ray_cannot_start_training_says_what_to_check_and_nothing_else_breaks(tmp_path):
    # In a fresh process (this one's Ray is up): a RAY_ADDRESS where no cluster listens.
    script = (
        "from rnnlab import jobs, classroom\n"
        "try:\n"
        "    classroom.request_training(dict(arch='GRU'), 'x')\n"
        "except jobs.EngineUnavailable as error:\n"
        "    print('UNAVAILABLE', error)\n"
        "from rnnlab import gradients\n"
        "print('TOY', len(gradients.toy(0.9, 20)))\n"
    )
    env = dict(os.environ, RAY_ADDRESS="127.0.0.1:9", RNNLAB_RUNS_DIR=str(tmp_path))
    done = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=180,
                          cwd=str(jobs.ROOT))
    assert "UNAVAILABLE Training is unavailable: the Ray cluster at RAY_ADDRESS=127.0.0.1:9 could not be " \
           "started" in done.stdout, done.stdout + done.stderr[-2000:]
    assert "RAY_AUTH_MODE=token" in done.stdout and "TOY 21" in done.stdout  # t = 0..20


# ----------------------------------------------------------------------------------------------------------
# Security: the embedded Ray listens on 127.0.0.1 only


def test_the_embedded_ray_listens_on_loopback_only():
    import psutil

    jobs.connect()
    ours = {os.getpid()} | {p.pid for p in psutil.Process().children(recursive=True)}
    listening = [(c.laddr.ip, c.laddr.port, c.pid) for c in psutil.net_connections("inet")
                 if c.status == psutil.CONN_LISTEN and c.pid in ours]
    assert len(listening) >= 3  # the GCS, the raylet, workers: they were found
    outward = [entry for entry in listening if entry[0] not in ("127.0.0.1", "::ffff:127.0.0.1", "::1")]
    assert outward == [], outward


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


def test_a_tiny_real_training_finishes_is_stored_and_the_server_never_trains(clean_cluster, tmp_path, monkeypatch):
    monkeypatch.setenv("RNNLAB_RUNS_DIR", str(tmp_path))
    job = jobs.Engine().claim(TINY, owner="test")[0]
    assert job.wait(180), "the tiny training did not finish in three minutes"
    snapshot = job.snapshot()
    assert snapshot.status == "finished", snapshot.error
    train_df, _ = jobs.load_split(TINY)
    per_epoch = snapshot.batches_per_epoch
    assert per_epoch >= math.ceil(len(train_df) / TINY["batch_size"])
    assert len(snapshot.batches) == TINY["epochs"] * per_epoch
    assert len(snapshot.epochs) == TINY["epochs"]
    assert all(0 <= e["val_accuracy"] <= 1 for e in snapshot.epochs)
    assert snapshot.stored_run_id == runs.run_id(TINY)  # the actor saved it
    run = job.result
    assert run.history["val_accuracy"] == [e["val_accuracy"] for e in snapshot.epochs]
    assert snapshot.summary["parameters"] == run.model.count_params()
    probabilities = run.predict(["I hate this meal!", "I love this restaurant"])
    assert probabilities.shape == (2,) and ((probabilities >= 0) & (probabilities <= 1)).all()


def test_stop_ends_a_real_training_within_one_call_and_keeps_a_usable_model(clean_cluster, tmp_path, monkeypatch):
    monkeypatch.setenv("RNNLAB_RUNS_DIR", str(tmp_path))
    # Long enough that the Stop always lands mid-run: 9000 batches, about 10 s of training on a 2-core machine
    # (TINY's 150 batches take 0.3 s now that a call trains several batches, less than one poll and the Stop).
    long_run = {**TINY, "arch": "LSTM", "units": 64, "subset": None, "batch_size": 8, "epochs": 30}
    job = jobs.Engine().claim(long_run, owner="test")[0]
    assert wait_for(lambda: len(job.snapshot().batches) >= 3, timeout=180)
    assert job.stop()  # returns once the actor has the stop
    stopped_at = time.time()
    assert job.wait(60)
    snapshot = job.snapshot()
    assert snapshot.status == "stopped" and job.result.stopped
    # The trainer checks the stop between its calls into TensorFlow (rnnlab.steps.CALL_SECONDS of batches each):
    # only the call it was in ends after the Stop. A call's batches share the time it returned (`seconds`).
    late = [b for b in snapshot.batches if b["time"] > stopped_at]
    assert len({b["seconds"] for b in late}) <= 1
    assert len(snapshot.batches) < 30 * snapshot.batches_per_epoch
    assert job.result.batch_history[-1]["step"] == len(snapshot.batches)
    assert job.result.predict(["I love this restaurant"]).shape == (1,)


def report_and_return_pid(report, stop):
    report(batch=1)
    time.sleep(0.5)
    return os.getpid()


def test_other_work_is_an_ordinary_run_reports_progress_and_fails_with_its_reason(clean_cluster):
    """What the long-range page trains goes through jobs.run_work: a run on a standing trainer (another process),
    its progress polled here, its failure a RunFailed with the reason (never a traceback of Ray's)."""
    seen = []
    pid = jobs.run_work(report_and_return_pid, seen.append, poll_s=0.05, owner="page", name="Long-range test")
    assert pid != os.getpid()
    assert any(p.get("batch") == 1 and p["status"] == "running" for p in seen), seen
    with pytest.raises(jobs.RunFailed, match="ZeroDivisionError"):
        jobs.run_work(lambda report, stop: 1 / 0, owner="page")
