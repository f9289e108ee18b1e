"""Faults of the engine with the real thing: a standing trainer SIGSTOPped mid-run (failed with "stopped
answering", its process SIGKILLed, the next queued run starts), and the registry actor killed mid-training while
two sessions watch (the new registry learns from the trainers what trains: nothing trains twice, the starter keeps
its Stop). Fake trainer (no TensorFlow), real Ray processes and signals."""

import os
import signal
import time

import pytest

from rnnlab import classroom
from tests.test_fair_queue import config, engine  # noqa: F401  (the fixture)
from tests.test_jobs import FakeTrainer, clean_cluster, fake_engine, gone, wait_for, worker_pid  # noqa: F401


def test_a_sigstopped_worker_is_failed_killed_and_the_next_run_starts(clean_cluster):
    hung = fake_engine(FakeTrainer(batches=10_000), heartbeat=4)
    other = fake_engine(FakeTrainer(batches=10_000))
    job = hung.claim(config(90), owner="a")[0]
    beside = other.claim(config(91), owner="b")[0]  # the other CPU
    assert wait_for(lambda: job.snapshot().status == "running" and beside.snapshot().status == "running")
    following = other.claim(config(92), owner="c")[0]  # waits for a CPU
    assert following.snapshot().status == "queued"
    pid = worker_pid(hung, job)
    os.kill(pid, signal.SIGSTOP)
    stopped_at = time.time()
    try:
        assert job.wait(60)
        failed_after = time.time() - stopped_at
        assert job.status == "failed"
        assert f"The training worker (pid {pid}) stopped answering" in job.error, job.error
        assert "RNNLAB_HEARTBEAT_S=4" in job.error
        assert wait_for(lambda: gone(pid), 30)  # SIGKILLed, not left stopped on its CPU
        assert wait_for(lambda: following.snapshot().status == "running", 120), following.snapshot()
        print(f"failed {failed_after:.1f} s after SIGSTOP (heartbeat 4 s); next run running "
              f"{time.time() - stopped_at:.1f} s after it")
    finally:
        if not gone(pid):
            os.kill(pid, signal.SIGKILL)
        for run in (beside, following):
            run.stop()
        assert beside.wait(60) and following.wait(60)


def test_the_registry_killed_mid_training_comes_back_from_the_trainers(engine):
    import ray

    engine, started = engine
    starter = classroom.request_training(config(95), "starter", manager=engine)
    started.append(starter.job)
    watcher = classroom.request_training(config(95), "watcher", manager=engine)
    assert starter.how == "started" and watcher.how == "attached" and watcher.job is starter.job
    job = starter.job
    assert wait_for(lambda: len(job.snapshot().batches) >= 3)
    pid = worker_pid(engine, job)
    ray.kill(engine.registry())
    # Both sessions go on: the next request makes the registry again, and it finds the run on its trainer.
    again = classroom.request_training(config(95), "watcher", manager=engine)
    assert again.how == "attached" and again.job.id == job.id
    entry = engine.ask("status", job.id)
    assert entry["state"] == "running" and entry["pid"] == pid and entry["owner"] == "starter"
    assert [e["run_id"] for e in engine.ask("queue")] == [job.id]  # trained once
    seen_before = len(job.snapshot().batches)
    assert wait_for(lambda: len(job.snapshot().batches) > seen_before + 5)  # still training, still read
    assert not classroom.may_stop(job, "watcher") and classroom.stop(job, "watcher") is False
    assert classroom.stop(job, "starter")
    assert job.wait(30) and job.status == "stopped"
    assert engine.ask("status", job.id)["state"] == "stopped"
