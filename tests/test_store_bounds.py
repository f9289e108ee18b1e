"""The run store bounded in bytes: its size and each run's read from the disk (rnnlab.runs.store_bytes,
run_bytes), runs deleted only with the instructor's token (the lesson's four prepared ones only when confirmed),
uploads pruned oldest first (never one a stored run was trained on), and the server's caches of runs' histories
and of uploads bounded in MB (rnnlab.lru.LRU's byte budget)."""

import json
import os
import time
import tracemalloc

import pandas as pd
import pytest

from rnnlab import auth, run_schema, runs, uploads
from rnnlab.lru import LRU, megabytes_from_env
from rnnlab.models import LESSON_ARCHS
from tests.test_runs import fake_run, store, vectorizer  # noqa: F401  (fixtures)

TOKEN = "a-long-instructor-token"


@pytest.fixture
def instructor(monkeypatch):
    monkeypatch.setenv(auth.TOKEN_ENV, TOKEN)
    return TOKEN


def files_of(stored_run) -> int:
    """A run's bytes as its own run.json lists them (every data file's size), plus run.json itself."""
    listed = json.loads((stored_run.path / runs.RUN_FILE).read_text())["files"]
    return sum(entry["size"] for entry in listed.values()) + (stored_run.path / runs.RUN_FILE).stat().st_size


def upload_frame(tag: str, n: int = 12) -> pd.DataFrame:
    return pd.DataFrame({"text": [f"{tag} good {i}" for i in range(n)] + [f"{tag} bad {i}" for i in range(n)],
                         "label": [1] * n + [0] * n})


# ----------------------------------------------------------------------------------------------------------
# Sizes


def test_the_store_and_each_run_report_their_bytes_on_disk(store, vectorizer):
    assert runs.store_bytes() == 0  # no folder yet: an empty store
    stored = [runs.save(fake_run(arch, vectorizer), dict(arch=arch, units=8, embed_dim=8)) for arch in ("GRU", "LSTM")]
    name = uploads.register(upload_frame("mine"))
    for run in stored:
        assert runs.run_bytes(run.id) == files_of(run) > 50_000  # a .keras model of thousands of weights
    (stored[0].path / "measured-gradients.json").write_text("x" * 1000)  # measurements kept beside the model
    assert runs.run_bytes(stored[0].id) == files_of(stored[0]) + 1000
    upload_file = store / uploads.FOLDER / f"{name}.json"
    assert runs.store_bytes() == (sum(runs.run_bytes(run.id) for run in stored) + upload_file.stat().st_size
                                  + (store / ".lock").stat().st_size)
    assert runs.run_bytes("GRU-does-not-exist") == 0 and runs.run_bytes("../..") == 0


# ----------------------------------------------------------------------------------------------------------
# Deleting


def test_deleting_needs_the_instructors_token(store, vectorizer, monkeypatch):
    run = runs.save(fake_run("GRU", vectorizer), dict(arch="GRU", units=8, embed_dim=8))
    monkeypatch.delenv(auth.TOKEN_ENV, raising=False)
    with pytest.raises(PermissionError, match="There is no instructor on this server"):
        runs.delete(run.id, TOKEN)
    monkeypatch.setenv(auth.TOKEN_ENV, TOKEN)
    for wrong in ("not-it", "", None):
        with pytest.raises(PermissionError, match="not the instructor's token"):
            runs.delete(run.id, wrong)
    assert runs.read(run.id) is not None and run.path.is_dir()


def test_a_deleted_run_is_gone_from_the_store_its_caches_and_its_size(store, vectorizer, instructor):
    kept = runs.save(fake_run("LSTM", vectorizer), dict(arch="LSTM", units=8, embed_dim=8))
    doomed = runs.save(fake_run("GRU", vectorizer), dict(arch="GRU", units=8, embed_dim=8))
    runs.load_run(doomed.id)  # loaded (and cached) by this server
    assert runs.is_loaded(doomed.id)
    before, size = runs.store_bytes(), runs.run_bytes(doomed.id)

    assert runs.delete(doomed.id, instructor) == size
    assert runs.store_bytes() == before - size
    assert [run.id for run in runs.list_runs()[0]] == [kept.id] and runs.list_runs()[1] == []
    assert runs.read(doomed.id) is None and not runs.is_loaded(doomed.id)
    assert not any(path.name.startswith(".deleting-") for path in store.iterdir())
    with pytest.raises(runs.RunStoreError, match="no stored run"):
        runs.load_run(doomed.id)
    with pytest.raises(runs.RunStoreError, match="no stored run"):
        runs.delete(doomed.id, instructor)
    with pytest.raises(runs.RunStoreError, match="is not a run id"):
        runs.delete("../runs", instructor)


def test_the_lessons_four_prepared_runs_are_deleted_only_when_confirmed(store, vectorizer, instructor):
    from rnnlab.prepare import lesson_configs

    lesson = [runs.save(fake_run(arch, vectorizer, embed_dim=64, units=128, epochs=10, epochs_done=10),
                        dict(arch=arch)) for arch in LESSON_ARCHS]
    assert runs.prepared_ids() == {run.id for run in lesson} == {runs.run_id(c) for c in lesson_configs()}
    other = runs.save(fake_run("LSTM", vectorizer), dict(arch="LSTM", units=8, embed_dim=8))
    assert other.id not in runs.prepared_ids()

    with pytest.raises(runs.PreparedRunError, match="one of the lesson's four prepared runs.*confirm_prepared=True"):
        runs.delete(lesson[1].id, instructor)
    assert runs.read(lesson[1].id) is not None
    assert runs.delete(lesson[1].id, instructor, confirm_prepared=True) > 400_000  # 444,801 float32 weights
    assert runs.read(lesson[1].id) is None
    assert runs.delete(other.id, instructor) > 0  # an ordinary run needs no confirmation
    assert sorted(run.id for run in runs.list_runs()[0]) == sorted(run.id for run in lesson if run is not lesson[1])


# ----------------------------------------------------------------------------------------------------------
# Pruning uploads


def test_uploads_are_pruned_oldest_first_never_one_a_stored_run_was_trained_on(store, vectorizer, monkeypatch):
    monkeypatch.setenv("RNNLAB_MAX_UPLOADS", "3")

    def upload(tag, age):
        name = uploads.register(upload_frame(tag))
        then = time.time() - 1000 + age
        os.utime(store / uploads.FOLDER / f"{name}.json", (then, then))
        return name

    a, b, c = upload("a", 0), upload("b", 1), upload("c", 2)  # a is the oldest
    runs.save(fake_run("GRU", vectorizer), dict(arch="GRU", units=8, embed_dim=8, data=a))  # trained on a
    d = uploads.register(upload_frame("d"))
    assert [name for name, _, _ in uploads.stored()] == [a, c, d]  # b went: a is a stored run's data
    with pytest.raises(uploads.UploadError, match="not stored here any more"):
        uploads.load(b)  # from the disk and from the server's cache
    assert len(uploads.load(a)) == 24

    sizes = {name: size for name, size, _ in uploads.stored()}
    e = uploads.register(upload_frame("e"))  # three kept: 4 > 3, c (the oldest not trained on) goes
    assert [name for name, _, _ in uploads.stored()] == [a, d, e]
    monkeypatch.setenv("RNNLAB_MAX_UPLOADS_MB", str((sizes[a] + 2 * sizes[d] - 1) / 2**20))  # bytes for two
    assert uploads.prune(keep=e) == [d]
    assert [name for name, _, _ in uploads.stored()] == [a, e]
    assert uploads.prune(keep=e, max_count=1) == []  # a and e are never pruned, whatever the bound


# ----------------------------------------------------------------------------------------------------------
# Caches bounded in MB


def test_an_lru_with_a_byte_budget_drops_the_least_recently_used_beyond_it():
    cache = LRU(100, max_bytes=1000, weigh=len)
    for key in "abc":
        cache.put(key, "x" * 400)
    assert cache.keys() == ["b", "c"] and cache.bytes == 800  # a third would weigh 1,200
    cache.get("b", lambda: "")  # b used again: c is now the oldest
    cache.put("d", "y" * 300)
    assert cache.keys() == ["b", "d"] and cache.bytes == 700
    assert cache.get("huge", lambda: "z" * 1001) == "z" * 1001  # returned, but heavier than the whole budget
    assert "huge" not in cache and cache.bytes == 700
    cache.discard(lambda key: key == "b")
    assert cache.bytes == 300
    with pytest.raises(ValueError, match="needs both"):
        LRU(4, max_bytes=10)


def test_megabytes_from_env(monkeypatch):
    monkeypatch.setenv("RNNLAB_TEST_MB", "1.5")
    assert megabytes_from_env("RNNLAB_TEST_MB", 64) == 1_572_864
    for bad in ("lots", "0", "-3"):
        monkeypatch.setenv("RNNLAB_TEST_MB", bad)
        assert megabytes_from_env("RNNLAB_TEST_MB", 64) == 64 * 2**20


def long_history_run(store, vectorizer, seed, batches=6250):
    """A stored run with the history of 10 epochs on a 20,000-line upload: 6,250 batch records."""
    run = fake_run("GRU", vectorizer, seed=seed, epochs_done=10, epochs=10)
    run.batch_history = [dict(step=s + 1, epoch=s // 625, loss=0.7 - s * 1e-5, accuracy=0.5 + s * 1e-5,
                              grad_norm=1.0 + s * 1e-4) for s in range(batches)]
    return runs.save(run, dict(arch="GRU", units=8, embed_dim=8, seed=seed, epochs=10))


def test_the_read_cache_weighs_a_run_by_its_history_as_memory_measures_it(store, vectorizer):
    stored = long_history_run(store, vectorizer, seed=1)
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        again = run_schema.read_run(stored.path)
        in_memory = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    assert len(again.batch_history) == 6250
    assert in_memory <= runs.read_weight(again) <= 2 * in_memory, (in_memory, runs.read_weight(again))
    assert 1.5 * 2**20 < runs.read_weight(again) < 2.5 * 2**20  # about 1.9 MB for 6,250 batches


def test_the_read_cache_of_runs_histories_stays_within_its_megabytes(store, vectorizer, monkeypatch):
    assert runs._read.max_bytes == 64 * 2**20  # RNNLAB_RUN_READ_CACHE_MB's default
    stored = [long_history_run(store, vectorizer, seed) for seed in range(1, 6)]
    one = runs.read_weight(stored[0])
    runs._read.clear()
    monkeypatch.setattr(runs._read, "max_bytes", int(2.5 * one))  # room for two runs' histories
    for run in stored:
        assert len(runs.read(run.id).batch_history) == 6250
        assert runs._read.bytes <= runs._read.max_bytes
    held = [key[0][0] for key in runs._read.keys() if key[1] == "run"]
    assert held == [str(run.path) for run in stored[-2:]]  # the two read last
    assert runs.read(stored[0].id).batch_history == stored[0].batch_history  # the others are read again


def test_the_upload_cache_stays_within_its_megabytes(store, monkeypatch):
    assert uploads._cache.max_bytes == 64 * 2**20  # RNNLAB_UPLOAD_CACHE_MB's default
    frames = [upload_frame(tag * 50, n=2000) for tag in "pqrs"]
    weight = int(pd.DataFrame({**frames[0], "source": "upload"}).memory_usage(deep=True).sum())
    uploads._cache.clear()
    monkeypatch.setattr(uploads._cache, "max_bytes", int(2.5 * weight))
    names = [uploads.register(frame) for frame in frames]
    assert len(uploads._cache) == 2 and uploads._cache.bytes <= uploads._cache.max_bytes
    assert uploads._cache.keys() == names[-2:]
    assert len(uploads.load(names[0])) == 4000  # read from the disk again
