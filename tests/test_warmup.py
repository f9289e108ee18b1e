"""RNNLAB_WARMUP=0 keeps a server from warming itself (nothing started, nothing imported); the warm-up itself,
on a real server, is checked in tests/e2e/test_ray_faults.py."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CODE = ("import sys; from rnnlab import warmup; began = warmup.begin(); "
        "print('BEGAN', began, 'STARTED', warmup.status()['started'], 'RAY', 'ray' in sys.modules)")


def _run(value: str) -> str:
    env = dict(os.environ, RNNLAB_WARMUP=value, RNNLAB_RUNS_DIR=str(ROOT / "tests" / "no-such-store"))
    return subprocess.run([sys.executable, "-c", CODE], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=120).stdout


def test_off_starts_nothing():
    assert "BEGAN False STARTED False RAY False" in _run("0")


def test_on_begins_once():
    assert "BEGAN True STARTED True" in _run("1")
