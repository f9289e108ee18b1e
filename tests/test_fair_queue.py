"""The fair queue (rnnlab.classroom.request_training on the standing trainers): at most
RNNLAB_MAX_RUNS_PER_SESSION runs queued or training per session, refused past it with a message; sessions served
in turn (round robin over owners, oldest first within an owner), the place in the queue following that order;
queued runs of a session that went away cancelled after RNNLAB_ABANDON_S unless another session watches them.

The local Ray of the test session has two CPUs (tests/conftest.py), so two standing trainers: two "blocker" runs
of a fake trainer keep both busy while the queue is built. The fake trainer needs no TensorFlow."""

import time

import pytest

from rnnlab import classroom, jobs
from tests.test_jobs import FakeTrainer, clean_cluster, fake_engine, wait_for  # noqa: F401  (the fixture)

LONG = FakeTrainer(batches=10_000)  # 200 s unless stopped


def config(units: int, **more) -> dict:
    return dict(arch="SimpleRNN", units=units, **more)


@pytest.fixture
def engine(clean_cluster):
    engine = fake_engine(LONG)
    started = []
    yield engine, started
    for job in started:
        job.stop()
    assert all(job.wait(60) for job in started)


def busy_cpus(engine, started):
    """Two runs of another session training, so that everything asked next waits in the queue."""
    blockers = [engine.claim(config(200 + i), owner="blocker")[0] for i in range(2)]
    started.extend(blockers)
    assert wait_for(lambda: all(job.snapshot().status == "running" for job in blockers))
    return blockers


def test_a_session_past_its_limit_is_refused_with_a_message_and_others_still_queue(engine, monkeypatch):
    engine, started = engine
    monkeypatch.setenv("RNNLAB_MAX_RUNS_PER_SESSION", "3")
    requests = [classroom.request_training(config(20 + i), "student", manager=engine) for i in range(3)]
    started.extend(r.job for r in requests)
    assert [r.how for r in requests] == ["started"] * 3
    refused = classroom.request_training(config(30), "student", manager=engine)
    assert refused.how == "refused" and refused.job is None and refused.stored is None
    waiting = sum(1 for r in requests if r.job.snapshot().status == "queued")
    assert "this session already has 3 runs waiting or training" in refused.message
    assert f"({waiting} in the queue, {3 - waiting} training; at most 3 per session" in refused.message
    assert "stop one, then press Train again" in refused.message
    # Asking again for one of its own runs is no new run: still answered with it.
    again = classroom.request_training(config(20), "student", manager=engine)
    assert again.how == "own" and again.job is requests[0].job
    other = classroom.request_training(config(30), "other", manager=engine)
    assert other.how == "started"
    started.append(other.job)
    # Once one of the three ends, the session may queue again.
    assert requests[0].job.stop() and requests[0].job.wait(30)
    after = classroom.request_training(config(31), "student", manager=engine)
    assert after.how == "started"
    started.append(after.job)


def test_sessions_are_served_in_turn_and_the_place_in_the_queue_follows_that_order(engine):
    engine, started = engine
    blockers = busy_cpus(engine, started)
    first = [engine.claim(config(40 + i), owner="eager")[0] for i in range(3)]  # one session asks for three
    second = [engine.claim(config(50 + i), owner="late")[0] for i in range(2)]  # another asks for two, afterwards
    started.extend(first + second)
    expected = [first[0], second[0], first[1], second[1], first[2]]
    assert wait_for(lambda: [job.snapshot().queue_position for job in expected] == [1, 2, 3, 4, 5]), \
        [(job.owner, job.snapshot().queue_position) for job in expected]
    assert [entry["run_id"] for entry in engine.ask("queue") if entry["state"] == "queued"] == \
        [job.id for job in expected]
    # A CPU comes free: the first session's oldest run starts; next is the other session's, then back again.
    assert blockers[0].stop() and blockers[0].wait(30)
    assert wait_for(lambda: first[0].snapshot().status == "running")
    rest = [second[0], first[1], second[1], first[2]]
    assert wait_for(lambda: [job.snapshot().queue_position for job in rest] == [1, 2, 3, 4])
    assert first[0].stop() and first[0].wait(30)
    assert wait_for(lambda: second[0].snapshot().status == "running")
    assert wait_for(lambda: [job.snapshot().queue_position for job in rest[1:]] == [1, 2, 3])


def test_queued_runs_of_a_session_that_left_are_cancelled_unless_another_session_watches(engine, monkeypatch):
    engine, started = engine
    monkeypatch.setenv("RNNLAB_ABANDON_S", "3")
    busy_cpus(engine, started)
    left_alone = engine.claim(config(60), owner="gone")[0]
    shared = engine.claim(config(61), owner="gone")[0]
    started.extend([left_alone, shared])
    watched, created = engine.claim(config(61), owner="watcher")  # another session asks for the same settings
    assert watched is shared and not created
    deadline = time.time() + 60
    while left_alone.snapshot().status == "queued" and time.time() < deadline:
        engine.seen("watcher", [shared.id])  # the watcher's page polls; the starter's tab is closed
        time.sleep(0.3)
    snapshot = left_alone.snapshot()
    assert snapshot.status == "stopped" and snapshot.batches == ()
    assert "the session that asked for it had not been seen" in snapshot.error
    assert "RNNLAB_ABANDON_S=3" in snapshot.error
    assert shared.snapshot().status == "queued"
    # Its starter comes back (polls again): its run keeps its place once the watcher has gone too.
    for _ in range(20):
        engine.seen("gone", [shared.id])
        time.sleep(0.3)
    assert shared.snapshot().status == "queued"


def hold_until_stopped(report, stop):
    for batch in range(1, 10_000):
        report(epoch=0, batch=batch, batches=10_000)
        if stop.wait(0.02):
            return "stopped"
    return "done"


def test_a_work_run_waits_in_the_same_queue_with_its_place_and_its_starter_or_the_instructor_stops_it(engine):
    """The long-range page's trainings are ordinary runs: queued behind the class's with a place, named, and
    stopped like any other (a stopped one raises RunFailed for the page, with what happened)."""
    import threading

    engine, started = engine
    busy_cpus(engine, started)
    work = engine.start_work(hold_until_stopped, owner="longrange-session", name="Long-range LSTM, lag 20, seed 0")
    started.append(work)
    snapshot = work.snapshot()
    assert snapshot.status == "queued" and snapshot.queue_position == 1
    assert snapshot.label == "Long-range LSTM, lag 20, seed 0"
    assert [e["run_id"] for e in engine.ask("queue")][-1] == work.id
    assert work.stop() and work.wait(30) and work.status == "stopped"
    # Through run_work, as the page calls it: progress says its place while it waits, and Stop ends it.
    stop, seen = threading.Event(), []

    def on_progress(progress):
        seen.append(progress)
        if len(seen) >= 3:
            stop.set()

    with pytest.raises(jobs.RunFailed, match="was stopped before it ended"):
        jobs.run_work(hold_until_stopped, on_progress, poll_s=0.05, stop=stop, owner="longrange-session",
                      name="Long-range GRU", engine=engine)
    assert seen[0]["status"] == "queued" and seen[0]["position"] == 1
    assert [e for e in engine.ask("queue") if e["owner"] == "longrange-session"] == []
