"""What one server keeps of ended runs' histories is bounded in bytes (issue 28, item 9): the engine's views of
runs that ended are forgotten oldest first past RNNLAB_JOB_CACHE_MB (their sessions read the run store), and a
run still queued or training is never forgotten. No Ray is needed: the views are made from registry entries."""

from types import MappingProxyType, SimpleNamespace

from rnnlab import jobs

BATCH = MappingProxyType(dict(step=1, epoch=1, batch=1, loss=0.5, accuracy=0.5, seconds=0.1, time=0.0))


def _view(engine, number: int, batches: int, ended: bool):
    job = engine._job(dict(run_id=f"run-{number}", owner="someone", key=f"key-{number}", config=dict(epochs=1)))
    job._batches.extend([BATCH] * batches)
    job._snapshot = SimpleNamespace(active=not ended)
    return job


def test_ended_views_go_oldest_first_past_the_byte_budget_and_active_ones_stay(monkeypatch):
    monkeypatch.setenv("RNNLAB_JOB_CACHE_MB", "1")  # 1 MiB: about two runs of 1000 batches
    engine = jobs.Engine(namespace="memory-test")
    active = _view(engine, 0, 1000, ended=False)
    for number in range(1, 5):
        _view(engine, number, 1000, ended=True)
    _view(engine, 5, 0, ended=True)  # the next view made is when the engine looks at its budget again
    kept = list(engine._jobs)
    held = sum(engine.JOB_BYTES + engine.BATCH_BYTES * job.batches_held for job in engine._jobs.values())
    assert active.id in kept  # training still: never forgotten, even as the oldest
    assert held <= 2**20
    # Each new view makes the engine weigh what it holds (a view's batches arrive after it is made): making run 4
    # dropped runs 1 and 2, making run 5 dropped run 3; the newest ended ones and the active one stay.
    assert kept == ["run-0", "run-4", "run-5"]


def test_the_count_limit_still_holds_for_small_views(monkeypatch):
    monkeypatch.setattr(jobs.Engine, "KEEP_JOBS", 3)
    engine = jobs.Engine(namespace="memory-test")
    for number in range(6):
        _view(engine, number, 1, ended=True)
    assert list(engine._jobs) == ["run-3", "run-4", "run-5"]
