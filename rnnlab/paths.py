"""Where RNN Lab keeps its files on disk: the run store's folder (trained runs and uploaded data sets live there).

The lowest layer of the engine: the run store (rnnlab.runs) and the uploads (rnnlab.uploads) both ask here, so
neither needs the other to find its folder.
"""

from __future__ import annotations

import os
from pathlib import Path

# The project's own runs/ folder (git-ignored); RNNLAB_RUNS_DIR points elsewhere (tests use a temporary folder).
RUNS_DIR = Path(__file__).resolve().parents[1] / "runs"


def store_dir(runs_dir=None) -> Path:
    """The store's folder: the argument, else RNNLAB_RUNS_DIR, else runs/ beside the rnnlab package."""
    if runs_dir is not None:
        return Path(runs_dir).expanduser()
    if os.environ.get("RNNLAB_RUNS_DIR"):
        return Path(os.environ["RNNLAB_RUNS_DIR"]).expanduser()
    return RUNS_DIR
