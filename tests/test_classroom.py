"""Tests for rnnlab.classroom on Ray: sessions asking for one configuration share one run (also when they ask at
the same instant, and from two processes joined to one cluster), a stored run loads without training, every run
that ends with a model lands in the run store, and only the session that started a run may stop it.

A gated fake trainer (a real but untrained Keras model, batches until a file appears) stands in for training
inside the run's Ray actor, so a test takes seconds.
"""

import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from rnnlab import classroom, jobs, runs
from tests.test_jobs import wait_for as jobs_wait_for

CONFIG = dict(arch="SimpleRNN", units=8, embed_dim=8, epochs=2, subset=200)


@pytest.fixture
def store(tmp_path, monkeypatch):
    monkeypatch.setenv("RNNLAB_RUNS_DIR", str(tmp_path / "runs"))
    return tmp_path / "runs"


class GatedTrainer:
    """Inside the actor: reports batches until the file `release` exists (or the run is stopped), then returns
    an untrained TrainedModel that the actor stores."""

    def __init__(self, release: Path):
        self.release = str(release)

    def __call__(self, arch, train_df, val_df, *, epochs, on_batch, on_epoch, stop, seed, **settings):
        import os

        from rnnlab.data import make_vectorizer
        from tests.test_runs import fake_run

        step = 0
        while not (os.path.exists(self.release) or stop.is_set()):
            step += 1
            on_batch(step, dict(epoch=0, batch=step - 1, batches_per_epoch=1000, loss=0.69, accuracy=0.5,
                                seconds=0.01 * step))
            time.sleep(0.02)
        on_epoch(0, dict(loss=0.69, accuracy=0.5, val_loss=0.69, val_accuracy=0.5, seconds=0.01 * step))
        return fake_run(arch, make_vectorizer(list(train_df["text"])), stopped=stop.is_set(), seed=seed,
                        epochs_done=1)


def wait_for(condition, timeout=60.0):
    """tests/test_jobs.py's poll, with a minute for the real trainings here."""
    return jobs_wait_for(condition, timeout)


def test_three_sessions_asking_at_once_share_one_run_and_a_fourth_config_trains_apart(store, tmp_path):
    engine = jobs.Engine(train_fn=GatedTrainer(tmp_path / "release"))
    requests, barrier = {}, threading.Barrier(3)

    def ask(owner):
        barrier.wait()  # all three press Train in the same instant
        requests[owner] = classroom.request_training(CONFIG, owner, engine)

    threads = [threading.Thread(target=ask, args=(f"student-{i}",)) for i in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    other = classroom.request_training({**CONFIG, "seed": 1}, "student-3", engine)

    hows = sorted(request.how for request in requests.values())
    assert hows == [classroom.ATTACHED, classroom.ATTACHED, classroom.STARTED]
    assert len({request.job.id for request in requests.values()}) == 1
    assert other.how == classroom.STARTED and other.job.id != requests["student-0"].job.id
    starter = next(r for r in requests.values() if r.how == classroom.STARTED).job.owner
    assert "Another session is already training SimpleRNN, 2 epochs, embedding 8, 8 units, 200 sentences" in next(
        r.message for r in requests.values() if r.how == classroom.ATTACHED)
    # The same session asking again (a double click) gets its own run back, and is told where it is.
    again = classroom.request_training(CONFIG, starter, engine)
    assert again.how == classroom.OWN and "is already here" in again.message
    assert wait_for(lambda: all(job.snapshot().batches for job in (requests["student-0"].job, other.job)))
    (tmp_path / "release").touch()
    for job in (requests["student-0"].job, other.job):
        assert job.wait(120) and job.status == jobs.FINISHED, job.error
    assert sorted(run.config["seed"] for run in runs.list_runs()[0]) == [0, 1]  # two trainings for four sessions
    # Finished: the next asker loads it from the store.
    stored = classroom.request_training(CONFIG, "latecomer", engine)
    assert stored.how == classroom.STORED and stored.stored.id == runs.run_id(CONFIG)
    assert "loaded from the run store" in stored.message


def test_only_the_starting_session_may_stop_a_shared_run_and_the_stopped_run_is_stored(store, tmp_path):
    engine = jobs.Engine(train_fn=GatedTrainer(tmp_path / "release"))
    job = classroom.request_training(CONFIG, "teacher", engine).job
    watcher = classroom.request_training(CONFIG, "student", engine)
    assert watcher.how == classroom.ATTACHED and watcher.job is job
    assert wait_for(lambda: len(job.snapshot().batches) > 0)

    assert not classroom.may_stop(job, "student") and not classroom.stop(job, "student", engine)
    time.sleep(0.3)
    assert job.status == jobs.RUNNING and not job.snapshot().stopping
    assert classroom.may_stop(job.snapshot(), "teacher") and classroom.stop(job, "teacher", engine)
    assert job.wait(120) and job.status == jobs.STOPPED, job.error
    assert runs.find(CONFIG).status == "stopped" and job.has_model

    # A stopped run is not shared: asking again trains afresh, and the finished run replaces the stopped one.
    again = classroom.request_training(CONFIG, "student", engine)
    assert again.how == classroom.STARTED and again.job is not job
    assert wait_for(lambda: again.job.snapshot().batches)
    (tmp_path / "release").touch()
    assert again.job.wait(120) and again.job.status == jobs.FINISHED
    assert runs.find(CONFIG).status == "finished"


def test_a_failed_run_stores_nothing_and_is_not_shared(store, tmp_path):
    from tests.test_jobs import FakeTrainer

    engine = jobs.Engine(train_fn=FakeTrainer(fail=RuntimeError("out of memory")))
    job = classroom.request_training(CONFIG, "teacher", engine).job
    assert job.wait(60) and job.status == jobs.FAILED
    assert runs.list_runs() == ([], []) and not job.has_model
    assert classroom.request_training(CONFIG, "student", engine).how == classroom.STARTED


def test_an_invalid_config_is_refused_before_anything_is_queued(store):
    engine = jobs.Engine()
    with pytest.raises(ValueError, match="units must be between 8 and 256"):
        classroom.request_training({**CONFIG, "units": 10_000}, "student-with-a-typo", engine)
    assert [e for e in engine.ask("queue") if e["owner"] == "student-with-a-typo"] == []


# 2000 batches (about 2 s of training beside the worker's start): the second process asks while the run trains.
ASKED = dict(arch="GRU", units=8, embed_dim=8, epochs=10, batch_size=8, subset=2000, seed=42)
ASK = f"""
import sys, time
from rnnlab import classroom
request = classroom.request_training({ASKED!r}, sys.argv[1])
print("RESULT", request.how, request.job.id, flush=True)
request.job.wait(300)
print("STATUS", request.job.snapshot().status, flush=True)
"""


def test_two_processes_joined_to_one_cluster_share_one_run(store, tmp_path):
    """Two servers (here: two Python processes) joined to this test session's Ray by RAY_ADDRESS ask for the
    same settings at once: the same run id, exactly one of them started it, both see it finish."""
    import os

    import ray

    jobs.connect()
    address = ray.get_runtime_context().gcs_address
    env = dict(os.environ, RAY_ADDRESS=address, RNNLAB_RUNS_DIR=str(store))
    processes = [subprocess.Popen([sys.executable, "-c", ASK, f"server-{i}"], env=env, stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE, text=True, cwd=str(jobs.ROOT)) for i in range(2)]
    outputs = [process.communicate(timeout=300) for process in processes]
    results = [next(line.split() for line in out.splitlines() if line.startswith("RESULT")) for out, _ in outputs]
    assert sorted(r[1] for r in results) == ["attached", "started"], outputs
    assert results[0][2] == results[1][2]
    assert all("STATUS finished" in out for out, _ in outputs), outputs
    assert runs.find(ASKED).status == "finished"


def test_install_stops_streamlit_clearing_keras_after_every_script_run(monkeypatch):
    """Streamlit's clean-up after each script run called keras.backend.clear_session() (a full garbage
    collection, and the compiled prediction calls lost); after install() only matplotlib's part is left, and
    the project's Streamlit config turns the post-run gc.collect() off."""
    import tomllib
    from types import SimpleNamespace

    from streamlit.runtime.scriptrunner import script_runner

    calls = []
    monkeypatch.setitem(sys.modules, "keras", SimpleNamespace(backend=SimpleNamespace(
        clear_session=lambda: calls.append("clear_session"))))
    monkeypatch.setitem(sys.modules, "matplotlib.pyplot", SimpleNamespace(close=lambda which: calls.append(which)))
    monkeypatch.setattr(script_runner, "_clean_problem_modules", script_runner._clean_problem_modules)
    if not getattr(script_runner._clean_problem_modules, "keeps_keras", False):  # Streamlit's own, as shipped
        script_runner._clean_problem_modules()
        assert calls == ["clear_session", "all"]
        calls.clear()
    classroom.install()
    classroom.install()  # app.py calls it on every run: once is enough
    script_runner._clean_problem_modules()
    assert calls == ["all"]
    config = tomllib.loads((Path(__file__).resolve().parents[1] / ".streamlit" / "config.toml").read_text())
    assert config["runner"]["postScriptGC"] is False


def test_the_servers_heap_is_frozen_once_after_tensorflow_loads():
    """classroom.freeze_heap (app.py calls it after every script run) does nothing before TensorFlow is loaded,
    then collects and freezes the heap once: Python's full collections skip TensorFlow's objects from then on."""
    code = """
import gc, sys
from rnnlab import classroom
assert classroom.freeze_heap() is False and gc.get_freeze_count() == 0
import tensorflow
assert classroom.freeze_heap() is True
frozen = gc.get_freeze_count()
assert classroom.freeze_heap() is False and gc.get_freeze_count() == frozen
print(frozen)
"""
    done = subprocess.run([sys.executable, "-c", code], cwd=Path(__file__).resolve().parents[1], capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    assert int(done.stdout.split()[-1]) > 100_000  # TensorFlow's and Keras' objects, frozen
