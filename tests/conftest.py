import os
import tempfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = ROOT.parent / "shared" / "data" / "sentiment_labelled_sentences"

# Tests read the real data set through the documented environment variable (CI sets it too). Without the shared
# copy, load_sentiment() falls back to data/ and then to the official download, as it does for users.
if SHARED_DATA.is_dir():
    os.environ.setdefault("RNNLAB_DATA_DIR", str(SHARED_DATA))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
# Every run a test trains through the app is saved in the run store: a fresh one per test session, never runs/
# (a stored run would otherwise turn a later test's training into an instant load).
os.environ.setdefault("RNNLAB_RUNS_DIR", tempfile.mkdtemp(prefix="rnnlab-test-runs-"))

# The engine's local Ray (one per test session, started on first need): two CPUs whatever the machine, so the
# queue tests see two runs train and the rest wait; a short idle time before runs count as silent is not set here
# (tests pass their own heartbeat).
os.environ.setdefault("RNNLAB_RAY_CPUS", "2")
# The test-only hold of rnnlab.training (HOLD_FILE_ENV): set for the whole test session, so the embedded Ray's
# workers and every test server inherit it; it does nothing until a test creates the file (tests/hold.py).
os.environ.setdefault("RNNLAB_HOLD_FILE", str(Path(tempfile.mkdtemp(prefix="rnnlab-test-hold-")) / "hold"))


@pytest.fixture(scope="session")
def sentiment_df():
    from rnnlab.data import load_sentiment

    return load_sentiment()
