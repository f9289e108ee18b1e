import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = ROOT.parent / "shared" / "data" / "sentiment_labelled_sentences"

# Tests read the real data set through the documented environment variable (CI sets it too). Without the shared
# copy, load_sentiment() falls back to data/ and then to the official download, as it does for users.
if SHARED_DATA.is_dir():
    os.environ.setdefault("RNNLAB_DATA_DIR", str(SHARED_DATA))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")


@pytest.fixture(scope="session")
def sentiment_df():
    from rnnlab.data import load_sentiment

    return load_sentiment()
