"""Tests for rnnlab.classroom: sessions asking for one configuration share one training (also when they ask at
the same instant), a stored run loads without training, every ended job lands in the run store, and only the
session that started a job may stop it.

A fake trainer (a real but untrained Keras model, a few batches) stands in for training, so each test runs in
about a second.
"""

import threading
import time

import pytest

from rnnlab import classroom, jobs, runs
from rnnlab.data import make_vectorizer
from tests.test_runs import fake_run

CONFIG = dict(arch="SimpleRNN", units=8, embed_dim=8, epochs=2, subset=200)


@pytest.fixture(scope="module")
def vectorizer(sentiment_df):
    return make_vectorizer(sentiment_df["text"].iloc[::10])


@pytest.fixture
def store(tmp_path, monkeypatch):
    monkeypatch.setenv("RNNLAB_RUNS_DIR", str(tmp_path / "runs"))
    return tmp_path / "runs"


class GatedTrainer:
    """Reports batches until `release` is set (or the job is stopped), then returns an untrained TrainedModel."""

    def __init__(self, vectorizer):
        self.vectorizer, self.calls, self.release = vectorizer, [], threading.Event()

    def __call__(self, arch, train_df, val_df, *, epochs, on_batch, on_epoch, stop, seed, **settings):
        self.calls.append((arch, seed))
        step = 0
        while not (self.release.is_set() or stop.is_set()):
            step += 1
            on_batch(step, dict(epoch=0, batch=step - 1, batches_per_epoch=1000, loss=0.69, accuracy=0.5,
                                seconds=0.01 * step))
            time.sleep(0.01)
        on_epoch(0, dict(loss=0.69, accuracy=0.5, val_loss=0.69, val_accuracy=0.5, seconds=0.01 * step))
        return fake_run(arch, self.vectorizer, stopped=stop.is_set(), seed=seed, epochs_done=1)


def manager_with(trainer):
    manager = jobs.JobManager(max_concurrent=2, train_fn=trainer, load_data=lambda config: (None, None))
    classroom.install(manager)
    return manager


def test_three_sessions_asking_at_once_share_one_training_and_a_fourth_config_trains_apart(store, vectorizer):
    trainer = GatedTrainer(vectorizer)
    manager = manager_with(trainer)
    requests, barrier = {}, threading.Barrier(3)

    def ask(owner):
        barrier.wait()  # all three press Train in the same instant
        requests[owner] = classroom.request_training(CONFIG, owner, manager)

    threads = [threading.Thread(target=ask, args=(f"student-{i}",)) for i in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    other = classroom.request_training({**CONFIG, "seed": 1}, "student-3", manager)

    hows = sorted(request.how for request in requests.values())
    assert hows == [classroom.ATTACHED, classroom.ATTACHED, classroom.STARTED]
    assert len({request.job.id for request in requests.values()}) == 1
    assert other.how == classroom.STARTED and other.job.id != requests["student-0"].job.id
    starter = next(r for r in requests.values() if r.how == classroom.STARTED).job.owner
    assert "Another session is training SimpleRNN" in next(
        r.message for r in requests.values() if r.how == classroom.ATTACHED)
    # The same session asking again (a double click) gets its own job back.
    assert classroom.request_training(CONFIG, starter, manager).how == classroom.OWN
    trainer.release.set()
    assert all(job.wait(10) for job in manager.find_by_key(jobs.config_key(CONFIG)))
    assert wait_for(lambda: len(runs.list_runs()[0]) == 2)
    assert sorted(trainer.calls) == [("SimpleRNN", 0), ("SimpleRNN", 1)]  # two trainings for four sessions


def wait_for(condition, timeout=10.0):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if condition():
            return True
        time.sleep(0.02)
    return False


def test_every_ended_job_is_stored_and_a_restarted_server_loads_it_without_training(store, vectorizer):
    trainer = GatedTrainer(vectorizer)
    trainer.release.set()
    manager = manager_with(trainer)
    classroom.install(manager)  # twice: still one listener, one save per job
    job = classroom.request_training(CONFIG, "teacher", manager).job
    assert job.wait(10) and job.status == jobs.FINISHED
    assert wait_for(lambda: runs.find(CONFIG) is not None)
    stored = runs.find(CONFIG)
    assert stored.status == "finished" and stored.id == runs.run_id(CONFIG)
    # A finished job still in memory is shared directly.
    assert classroom.request_training(CONFIG, "student", manager).how == classroom.ATTACHED

    restarted = manager_with(GatedTrainer(vectorizer))  # a new process: no jobs in memory
    request = classroom.request_training({**CONFIG, "epochs": 2.0}, "student", restarted)
    assert request.how == classroom.STORED and request.stored.id == stored.id
    assert "loaded from the run store" in request.message
    assert restarted.find_by_key(request.key) == []  # nothing was queued


def test_only_the_starting_session_may_stop_a_shared_job_and_the_stopped_run_is_stored(store, vectorizer):
    trainer = GatedTrainer(vectorizer)
    manager = manager_with(trainer)
    job = classroom.request_training(CONFIG, "teacher", manager).job
    watcher = classroom.request_training(CONFIG, "student", manager)
    assert watcher.how == classroom.ATTACHED and watcher.job is job
    assert wait_for(lambda: job.status == jobs.RUNNING)

    assert not classroom.may_stop(job, "student") and not classroom.stop(job, "student", manager)
    time.sleep(0.1)
    assert job.status == jobs.RUNNING and not job.stop_event.is_set()
    assert classroom.may_stop(job.snapshot(), "teacher") and classroom.stop(job, "teacher", manager)
    assert job.wait(10) and job.status == jobs.STOPPED
    assert wait_for(lambda: runs.find(CONFIG) is not None)
    assert runs.find(CONFIG).status == "stopped"

    # A stopped run is not shared: asking again trains afresh, and the finished run replaces the stopped one.
    again = classroom.request_training(CONFIG, "student", manager)
    assert again.how == classroom.STARTED and again.job is not job
    trainer.release.set()
    assert again.job.wait(10)
    assert wait_for(lambda: runs.find(CONFIG).status == "finished")


def test_a_failed_job_stores_nothing_and_is_not_shared(store):
    def failing(arch, *args, **kwargs):
        raise RuntimeError("out of memory")

    manager = manager_with(failing)
    job = classroom.request_training(CONFIG, "teacher", manager).job
    assert job.wait(10) and job.status == jobs.FAILED
    assert classroom.save_ended_job(job) is None and runs.list_runs() == ([], [])
    assert classroom.request_training(CONFIG, "student", manager).how == classroom.STARTED


def test_an_invalid_config_is_refused_before_anything_is_queued(store):
    manager = manager_with(lambda *a, **k: None)
    with pytest.raises(ValueError, match="units must be between 8 and 256"):
        classroom.request_training({**CONFIG, "units": 10_000}, "student", manager)
    assert manager.find_by_key(jobs.config_key(CONFIG)) == []


def test_a_training_process_stores_its_own_model_so_the_server_never_builds_it(store):
    manager = jobs.JobManager(max_concurrent=1, isolation="process")
    classroom.install(manager)
    try:
        request = classroom.request_training(CONFIG, "teacher", manager)
        assert request.how == classroom.STARTED and request.job.wait(300)
        job = request.job
        assert job.status == jobs.FINISHED and job.stored_run_id == runs.run_id(CONFIG)
        assert not job.result_ready  # the weights were never rebuilt into a Keras model in this process
        stored = runs.find(CONFIG)
        assert stored.metrics["epochs_done"] == 2 and stored.history["val_accuracy"] == [
            e["val_accuracy"] for e in job.snapshot().epochs]
        loaded = runs.load_run(stored.id, cached=False)
        assert loaded.predict(["I love this restaurant", ""]).shape == (2,)
    finally:
        for process in manager._idle_processes:
            process.close()
