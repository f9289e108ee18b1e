"""Where a results file was measured: the commit of the code (with "-dirty" when the working tree differs from
it), the UTC date and the machine (cores, load). Every writer of results/*.json records these, so a figure can be
traced to the code that produced it and re-measured (tests/test_results_provenance.py)."""

from __future__ import annotations

import os
import platform
import subprocess
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def commit(root: Path = ROOT) -> str:
    """`git rev-parse HEAD` of `root`, with "-dirty" appended when tracked files outside results/ differ from it
    (git status --porcelain --untracked-files=no: the code measured is not the commit's); "unknown" outside a git
    checkout. results/ is left out: a measurement that writes one results file after another must not mark the
    next one dirty for its predecessor's output."""
    try:
        head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=root, capture_output=True, text=True, timeout=30)
        if head.returncode != 0:
            return "unknown"
        status = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no", "--", ".",
                                 ":(exclude)results"], cwd=root,
                                capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    dirty = status.returncode != 0 or bool(status.stdout.strip())
    return head.stdout.strip() + ("-dirty" if dirty else "")


def date() -> str:
    """Now, in UTC, to the second: '2026-12-08T03:20:00+00:00'."""
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def machine() -> dict:
    """{"cores", "load_average" (1, 5, 15 min), "platform", "python"} of this machine, now."""
    load = [round(x, 2) for x in os.getloadavg()] if hasattr(os, "getloadavg") else None
    return dict(cores=os.cpu_count(), load_average=load, platform=platform.platform(),
                python=platform.python_version())


def record(command: str) -> dict:
    """{"command", "commit", "date", "machine"}: the provenance every results file starts with."""
    return dict(command=command, commit=commit(), date=date(), machine=machine())
