"""What the server holds stays bounded and is computed once: rnnlab.lru.LRU, the run store's loaded models, and
measurements shared by every session (rnnlab.gradients.measured_once)."""

import threading
import time

from rnnlab import gradients, runs
from rnnlab.lru import LRU
from tests.test_runs import fake_run, job_config, store, vectorizer  # noqa: F401  (fixtures)


def test_an_lru_keeps_the_most_recently_used_and_computes_a_missing_value_once():
    cache, calls = LRU(2), []

    def slow(value):
        calls.append(value)
        time.sleep(0.2)
        return value * 10

    threads = [threading.Thread(target=cache.get, args=("a", lambda: slow(1))) for _ in range(5)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert calls == [1] and cache.get("a", lambda: slow(99)) == 10  # five sessions, one computation
    cache.get("b", lambda: 20)
    cache.get("a", lambda: 0)  # 'a' used again: 'b' is now the oldest
    cache.get("c", lambda: 30)
    assert cache.keys() == ["a", "c"] and len(cache) == 2


def test_loaded_models_are_bounded_and_a_dropped_one_loads_again(store, vectorizer, monkeypatch):  # noqa: F811
    monkeypatch.setattr(runs, "_loaded", LRU(2))
    ids = [runs.save(fake_run("SimpleRNN", vectorizer, seed=seed), job_config("SimpleRNN", seed)).id
           for seed in range(3)]
    first = runs.load_run(ids[0])
    assert runs.load_run(ids[0]) is first  # shared while cached
    for run_id in ids[1:]:
        runs.load_run(run_id)
    assert len(runs._loaded) == 2 and not runs.is_loaded(ids[0]) and runs.is_loaded(ids[2])
    again = runs.load_run(ids[0])
    assert again is not first and again.predict(["I love it"]).shape == (1,)


def test_a_measurement_of_a_stored_model_is_computed_once_for_every_session(store, vectorizer):  # noqa: F811
    run_id = runs.save(fake_run("GRU", vectorizer), job_config("GRU")).id
    calls = []

    def measure():
        calls.append(1)
        return len(calls)

    results = []
    sessions = [threading.Thread(target=lambda: results.append(
        gradients.measured_once(runs.load_run(run_id), "gradients", measure))) for _ in range(10)]
    for session in sessions:
        session.start()
    for session in sessions:
        session.join()
    assert results == [1] * 10 and calls == [1]
    assert gradients.measured_once(runs.load_run(run_id), "jacobians", measure) == 2  # another measurement
