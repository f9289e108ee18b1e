"""rnnlab.classroom.Instructor: the whole queue (place, anonymous owner, settings, elapsed), stopping any run,
pausing and resuming training for the class (kept in the run store, so a new registry still has it); refused
without the right token and always without RNNLAB_INSTRUCTOR_TOKEN on the server. Fake trainer, real Ray."""

import hashlib

import pytest

from rnnlab import classroom
from tests.test_fair_queue import busy_cpus, config, engine  # noqa: F401  (the fixture)
from tests.test_jobs import clean_cluster, wait_for  # noqa: F401

TOKEN = "correct horse battery staple"


def test_without_the_variable_every_call_raises(monkeypatch):
    monkeypatch.delenv("RNNLAB_INSTRUCTOR_TOKEN", raising=False)
    with pytest.raises(PermissionError, match="RNNLAB_INSTRUCTOR_TOKEN is not set"):
        classroom.Instructor(TOKEN)
    monkeypatch.setenv("RNNLAB_INSTRUCTOR_TOKEN", TOKEN)
    instructor = classroom.Instructor(TOKEN)
    monkeypatch.delenv("RNNLAB_INSTRUCTOR_TOKEN")  # the role is gone: every call is refused, not just the first
    for call in (instructor.queue, instructor.pause, instructor.resume, lambda: instructor.paused,
                 lambda: instructor.stop("x")):
        with pytest.raises(PermissionError):
            call()


def test_a_wrong_token_raises(monkeypatch):
    monkeypatch.setenv("RNNLAB_INSTRUCTOR_TOKEN", TOKEN)
    with pytest.raises(PermissionError, match="not the instructor's token"):
        classroom.Instructor("guess")


def test_the_instructor_sees_the_queue_and_stops_another_sessions_run(engine, monkeypatch):
    engine, started = engine
    monkeypatch.setenv("RNNLAB_INSTRUCTOR_TOKEN", TOKEN)
    blockers = busy_cpus(engine, started)
    waiting = [engine.claim(config(70), owner="alice")[0], engine.claim(config(71, epochs=3), owner="bob")[0]]
    started.extend(waiting)
    instructor = classroom.Instructor(TOKEN, manager=engine)
    queue = instructor.queue()
    assert [row["run_id"] for row in queue] == [job.id for job in blockers + waiting]
    assert [row["place"] for row in queue] == [None, None, 1, 2]
    assert [row["status"] for row in queue] == ["running", "running", "queued", "queued"]
    assert [row["owner"] for row in queue[2:]] == [hashlib.sha256(b"alice").hexdigest()[:6],
                                                   hashlib.sha256(b"bob").hexdigest()[:6]]
    assert "alice" not in str(queue) and "blocker" not in str(queue)
    assert queue[3]["settings"] == "SimpleRNN, 3 epochs, 71 units"
    assert all(row["elapsed_s"] >= 0 for row in queue)
    # A student may not stop another's run; the instructor may, queued or training.
    assert not classroom.stop(waiting[0], "bob")
    assert instructor.stop(waiting[0].id) and waiting[0].wait(30) and waiting[0].status == "stopped"
    assert instructor.stop(blockers[0].id) and blockers[0].wait(30) and blockers[0].status == "stopped"
    assert wait_for(lambda: waiting[1].snapshot().status == "running")
    assert instructor.stop("no-such-run") is False


def test_pause_refuses_new_trainings_holds_the_queue_and_survives_a_new_registry(engine, monkeypatch):
    import ray

    engine, started = engine
    monkeypatch.setenv("RNNLAB_INSTRUCTOR_TOKEN", TOKEN)
    instructor = classroom.Instructor(TOKEN, manager=engine)
    blockers = busy_cpus(engine, started)
    held = engine.claim(config(80), owner="carol")[0]
    started.append(held)
    try:
        instructor.pause()
        assert instructor.paused
        refused = classroom.request_training(config(81), "dave", manager=engine)
        assert refused.how == "paused" and refused.job is None
        assert "the instructor paused training" in refused.message
        assert "Stored models still work" in refused.message
        ray.kill(engine.registry())  # the registry dies: the new one reads the pause from the run store
        assert wait_for(lambda: instructor.paused, 30)
        assert classroom.request_training(config(81), "dave", manager=engine).how == "paused"
        # While paused, a CPU that comes free takes nothing from the queue.
        assert blockers[0].stop() and blockers[0].wait(30)
        assert held.snapshot().status == "queued" and held.snapshot().queue_position == 1, held.snapshot().error
    finally:
        instructor.resume()
    assert not instructor.paused
    assert wait_for(lambda: held.snapshot().status == "running")
    after = classroom.request_training(config(81), "dave", manager=engine)
    assert after.how == "started"
    started.append(after.job)
