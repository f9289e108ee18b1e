"""Holding a real training at a known point (rnnlab.training.HOLD_FILE_ENV, set for the test session by
tests/conftest.py): inside `with holding():` every train() of this machine stops after its first call's batches
have been reported, until Stop or the end of the block. A Stop test presses Stop on a run that is certainly still
running; a live-redraw test counts redraws while the run certainly has not ended. No test sizes a workload to
outlast its own steps."""

from __future__ import annotations

import os
import time
from contextlib import contextmanager
from pathlib import Path


def hold_file() -> Path:
    return Path(os.environ["RNNLAB_HOLD_FILE"])


@contextmanager
def holding():
    path = hold_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.touch()
    try:
        yield path
    finally:
        path.unlink(missing_ok=True)


def wait_for(condition, timeout: float = 180.0, every: float = 0.05):
    """condition()'s first true value within `timeout` seconds, else AssertionError."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(every)
    raise AssertionError(f"not within {timeout} s: {getattr(condition, '__name__', condition)}")
