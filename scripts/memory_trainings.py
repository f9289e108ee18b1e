"""The server's memory over many distinct small trainings: this process plays the server (it asks for each run
through rnnlab.classroom.request_training, as the Train page does, then loads the model and predicts with it, as
Predict does), and prints its own resident memory after every run, apart from Ray's processes.

Run `python scripts/memory_trainings.py --runs 50` (a few minutes on 2 cores). With RNNLAB_MODEL_CACHE models
kept (default 8), the memory should stop growing once the cache is full.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def main(argv=None) -> int:
    import psutil

    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=50)
    args = parser.parse_args(argv)
    os.environ.setdefault("RNNLAB_RUNS_DIR", tempfile.mkdtemp(prefix="rnnlab-memory-"))
    from rnnlab import classroom, runs

    me = psutil.Process()
    started = time.perf_counter()
    requests = [classroom.request_training(dict(arch=("SimpleRNN", "GRU")[i % 2], subset=100, epochs=1, units=8,
                                                embed_dim=8, seed=i), "memory-test") for i in range(args.runs)]
    rows = []
    for i, request in enumerate(requests, start=1):
        request.job.wait()
        snapshot = request.job.snapshot()
        model = request.job.result
        model.predict(["I love this restaurant", "I hate this meal!"])
        rows.append(dict(run=i, status=snapshot.status, server_rss_mb=round(me.memory_info().rss / 2**20),
                         models_cached=len(runs.model_cache()), seconds=round(time.perf_counter() - started)))
        print(json.dumps(rows[-1]), flush=True)
    import ray

    registry = requests[0].job.engine.registry()
    entries = [ray.get(registry.status.remote(r.job.id)) for r in requests]
    waits = [e["started"] - e["created"] for e in entries if e and e.get("started")]
    first_full = next((r for r in rows if r["models_cached"] >= runs.model_cache().maxsize), rows[-1])
    print(json.dumps(dict(runs=len(rows), finished=sum(r["status"] == "finished" for r in rows),
                          rss_when_cache_full_mb=first_full["server_rss_mb"], rss_at_end_mb=rows[-1]["server_rss_mb"],
                          growth_after_full_mb=rows[-1]["server_rss_mb"] - first_full["server_rss_mb"],
                          cache_size=runs.model_cache().maxsize, seconds=rows[-1]["seconds"],
                          longest_queue_wait_s=round(max(waits), 1) if waits else None,
                          cpus=ray.cluster_resources().get("CPU"))))
    return 0


if __name__ == "__main__":
    sys.exit(main())
