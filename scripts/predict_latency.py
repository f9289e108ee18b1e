"""How fast Predict answers on one server, idle and while trainings run: `python scripts/predict_latency.py
--runs-dir DIR` (a run store holding the lesson's four models, as `python -m rnnlab.prepare --runs-dir DIR`
writes it; copied, never changed). It starts `streamlit run app.py` on 127.0.0.1, opens Predict once (the cold
opening: TensorFlow and the models load), then times Predict openings by light websocket clients
(scripts/light_client.py): one after another, ten at once, and ten at once while two trainings run. Prints a
JSON report; `--profile FILE` also records the server with py-spy during the last phase.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "scripts")]

from light_client import LightSession  # noqa: E402
from load_test import Server  # noqa: E402

# Two trainings long enough to outlast the measurement (each on its own CPU where Ray has two).
TRAININGS = [{"Units": 64, "Embedding size": 16, "Epochs": 3, "Seed": 900 + i} for i in range(2)]


async def open_predict(url: str, name: str) -> float:
    session = await LightSession(url, name).connect()
    try:
        started = time.perf_counter()
        await session.go("predict", timeout_s=600)
        assert "I hate this meal!" in session.text() or session.exceptions == [], session.text()[:500]
        return round(time.perf_counter() - started, 2)
    finally:
        await session.close()


async def press_train(url: str, values: dict) -> LightSession:
    session = await LightSession(url, "trainer").connect()
    await session.go("train")
    for label, value in values.items():
        await session.set_number(label, value)
    await session.press("Train")
    return session


async def measure(url: str, profile: Path | None, server_pid: int) -> dict:
    report = dict(cold_s=await open_predict(url, "cold"))
    report["one_after_another_s"] = [await open_predict(url, f"seq-{i}") for i in range(5)]
    report["ten_at_once_s"] = sorted(await asyncio.gather(*(open_predict(url, f"ten-{i}") for i in range(10))))
    trainers = [await press_train(url, values) for values in TRAININGS]
    await asyncio.sleep(12)  # the workers have started and train
    spy = None
    if profile:
        spy = subprocess.Popen(["py-spy", "record", "-o", str(profile), "-p", str(server_pid), "-d", "25",
                                "-f", "speedscope", "--nonblocking"], stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
    report["one_after_another_training_s"] = [await open_predict(url, f"tseq-{i}") for i in range(3)]
    report["ten_at_once_training_s"] = sorted(await asyncio.gather(*(open_predict(url, f"tten-{i}")
                                                                       for i in range(10))))
    if spy:
        spy.wait(60)
    for session in trainers:
        await session.close()
    return report


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs-dir", type=Path, required=True)
    parser.add_argument("--profile", type=Path)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="rnnlab-predict-") as workdir:
        shutil.copytree(args.runs_dir, Path(workdir) / "runs")
        server = Server(Path(workdir))
        try:
            report = asyncio.run(measure(server.url, args.profile, server.process.pid))
        finally:
            server.stop()
    report.update(load_after=os.getloadavg(), cores=os.cpu_count(),
                  ray_cpus=os.environ.get("RNNLAB_RAY_CPUS", "default"),
                  worker_nice=os.environ.get("RNNLAB_WORKER_NICE", "default"))
    print(json.dumps(report))
    return 0


if __name__ == "__main__":
    sys.exit(main())
