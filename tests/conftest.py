import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = ROOT.parent / "shared" / "data" / "sentiment_labelled_sentences"

# Tests read the real data set through the documented environment variable.
os.environ.setdefault("RNNLAB_DATA_DIR", str(SHARED_DATA))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")


@pytest.fixture(scope="session")
def sentiment_df():
    from rnnlab.data import load_sentiment

    return load_sentiment()
