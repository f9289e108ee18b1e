"""The classroom load test (scripts/load_test.py) as a test: 10 Chromium sessions against one `streamlit run`,
exactly 3 trainings for them, a tab closed mid-training, and Stop in one of two sessions sharing a run.

It takes 3 to 6 minutes on two cores, so it runs only when RNNLAB_LOAD_TEST=1 (the README gives measured
numbers); the report lands in tests/e2e/screenshots/load_test.json.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
REPORT = Path(__file__).resolve().parent / "screenshots" / "load_test.json"


@pytest.mark.skipif(os.environ.get("RNNLAB_LOAD_TEST") != "1",
                    reason="the 10-session load test takes minutes; set RNNLAB_LOAD_TEST=1 to run it")
@pytest.mark.skipif(not Path("/usr/bin/chromium").exists(), reason="/usr/bin/chromium is missing")
def test_ten_sessions_train_three_times_and_every_session_finishes():
    REPORT.parent.mkdir(parents=True, exist_ok=True)
    done = subprocess.run([sys.executable, "scripts/load_test.py", "--out", str(REPORT)], cwd=ROOT,
                          capture_output=True, text=True, timeout=1800)
    report = json.loads(REPORT.read_text())
    assert report["failures"] == [], report["failures"]
    assert done.returncode == 0, done.stderr[-2000:]
    ten = report["ten_sessions"]
    assert ten["trainings"] == 3 and len(ten["sessions"]) == 10
    assert all(not session.get("exceptions") and "error" not in session for session in ten["sessions"])
    assert report["closed_tab"]["trainings"] == 1 and report["shared_stop"]["watcher_stop_enabled"] is False
    assert 0 < report["server_peak_rss_mb"] < 8000
    print(f"10 sessions in {ten['seconds']} s; server peak {report['server_peak_rss_mb']} MB with its training "
          f"processes ({report['server_process_alone_peak_rss_mb']} MB alone)")


@pytest.mark.skipif(os.environ.get("RNNLAB_LOAD_TEST") != "1",
                    reason="the lecture load test takes many minutes; set RNNLAB_LOAD_TEST=1 to run it")
@pytest.mark.skipif(not Path("/usr/bin/chromium").exists(), reason="/usr/bin/chromium is missing")
def test_a_lecture_trains_each_setting_once_and_every_session_finishes():
    """`scripts/load_test.py --sessions N` (RNNLAB_LOAD_SESSIONS, default 6 here; 30 in the README's numbers)."""
    sessions = int(os.environ.get("RNNLAB_LOAD_SESSIONS", "6"))
    out = REPORT.with_name("load_test_lecture.json")
    out.parent.mkdir(parents=True, exist_ok=True)
    done = subprocess.run([sys.executable, "scripts/load_test.py", "--sessions", str(sessions), "--out", str(out)],
                          cwd=ROOT, capture_output=True, text=True, timeout=3600)
    report = json.loads(out.read_text())
    lecture = report["lecture"]
    assert report["failures"] == [], report["failures"]
    assert done.returncode == 0, done.stderr[-2000:]
    assert lecture["trainings"] == sessions // 3 + 1 and len(lecture["sessions"]) == sessions
    # The bar: Predict answers within 2 s while the class's trainings run (the cold first opening, with
    # TensorFlow's import, is the instructor's before class and reported apart). failures() checks it too. The
    # server's answer is timed for both kinds of client; a Chromium tab's click-to-idle time is reported beside it.
    assert lecture["predict_slowest_s"] is not None and lecture["predict_slowest_s"] <= 2.0, lecture["predict_slowest_s"]
    assert lecture["predict_slowest_by_client_s"]["chromium"] is not None and lecture["predict_drawn_slowest_s"] > 0
    print(f"{sessions} sessions in {lecture['seconds']} s, slowest Predict {lecture['predict_slowest_s']} s, longest queue wait {lecture['longest_queue_wait_s']} s, "
          f"server peak {report['server_process_alone_peak_rss_mb']} MB, Ray {report['ray_peak_rss_mb']} MB")
