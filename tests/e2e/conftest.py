"""Fixtures for the real-browser tests: one `streamlit run app.py` server on 127.0.0.1 for the whole session,
and Debian's Chromium driven by Playwright. Every test here is marked `e2e` (deselect with -m "not e2e").

The tests are skipped, with the reason, when /usr/bin/chromium or Playwright is missing, except in CI (the
environment variable CI set to true, as .ci/run and most CI services do): there a missing browser FAILS the tests,
because a skipped browser suite would pass silently.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = Path(__file__).resolve().parent / "screenshots"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
SERVER_START_TIMEOUT_S = 60


def pytest_configure(config):
    config.addinivalue_line("markers", "e2e: drives a real browser against `streamlit run app.py`")


def pytest_collection_modifyitems(items):
    for item in items:
        if "/e2e/" in str(item.fspath).replace(os.sep, "/"):
            item.add_marker(pytest.mark.e2e)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/_stcore/health", timeout=1) as response:
            return response.status == 200
    except OSError:
        return False


class Server:
    """A `streamlit run app.py` process: its url, and when it was started and first answered its health check."""

    def __init__(self, env: dict, log_name: str = "server.log"):
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = SCREENSHOTS / log_name
        self.log = open(self.log_path, "w")
        self.started_at = time.perf_counter()
        self.process = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", "app.py", "--server.headless", "true",
             "--server.port", str(self.port), "--server.address", "127.0.0.1",
             "--browser.gatherUsageStats", "false"],
            cwd=ROOT, env=env, stdout=self.log, stderr=subprocess.STDOUT,
        )
        deadline = time.time() + SERVER_START_TIMEOUT_S
        while not _healthy(self.url):
            if self.process.poll() is not None or time.time() > deadline:
                self.stop()
                raise RuntimeError(f"streamlit did not start; see {self.log_path}:\n{self.log_path.read_text()}")
            time.sleep(0.05)
        self.ready_at = time.perf_counter()

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
        self.log.close()


def in_ci() -> bool:
    """CI=true (or 1, yes): .ci/run exports it; GitHub Actions, GitLab and others set it."""
    return os.environ.get("CI", "").strip().lower() in ("true", "1", "yes")


def missing(reason: str):
    """Skip with the reason on a developer's machine; fail in CI, where the browser tests must run."""
    if in_ci():
        pytest.fail(f"{reason} (CI=true: the browser tests must run in CI, so this is a failure, not a skip)",
                    pytrace=False)
    pytest.skip(reason)


def sync_api():
    """playwright.sync_api, or missing() when Python Playwright is not installed: every browser test imports
    Playwright through here (inside a test or fixture, never at module level), so the one rule applies."""
    try:
        import playwright.sync_api as sync_api
    except ImportError:
        missing("Python Playwright is not installed (pip install -r requirements-dev.txt)")
    return sync_api


def chromium_path() -> str:
    """CHROMIUM, or missing() when Debian's browser is not there."""
    if not Path(CHROMIUM).exists():
        missing(f"{CHROMIUM} is missing: install Debian's chromium (apt-get install chromium) to run e2e tests")
    return CHROMIUM


@pytest.fixture(scope="session")
def chromium():
    """Playwright's Chromium API bound to Debian's browser, launched once per test session."""
    chromium_path()
    playwright = sync_api().sync_playwright().start()
    browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
    yield browser
    browser.close()
    playwright.stop()


def server_env() -> dict:
    """The environment of a test server: the shared data, a fresh run store, one training at a time."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ)
    env.setdefault("RNNLAB_DATA_DIR", str(ROOT.parent / "shared" / "data" / "sentiment_labelled_sentences"))
    env.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    # One training at a time, so the run the Stop test starts is predictable on a 2-core machine.
    env.setdefault("RNNLAB_MAX_CONCURRENT_JOBS", "1")
    # A fresh run store: a run stored earlier would turn the live-training test into an instant load.
    env["RNNLAB_RUNS_DIR"] = tempfile.mkdtemp(prefix="rnnlab-e2e-runs-")
    # No source watching: an edit in the checkout mid-run must not rerun the app under the test, and watching
    # costs the server a scan of every imported module (thousands once TensorFlow is loaded) after each run.
    env.setdefault("STREAMLIT_SERVER_FILE_WATCHER_TYPE", "none")
    # No warm-up (Ray, TensorFlow and the models loaded at start): most tests here never train, and each warm-up
    # costs a 2-core CI machine seconds of CPU per server. tests/e2e/test_ray_faults.py turns it on and checks it;
    # scripts/load_test.py's lecture servers warm themselves as a real server does.
    env.setdefault("RNNLAB_WARMUP", "0")
    return env


def start_server(log_name: str = "server.log") -> Server:
    """A fresh `streamlit run app.py` with server_env() (skips the test when Streamlit is missing)."""
    if not shutil.which("streamlit") and not (Path(sys.executable).parent / "streamlit").exists():
        missing("streamlit is not installed")
    return Server(server_env(), log_name=log_name)


CHARTS_DRAWN_JS = """() => !document.querySelector('[data-testid="stSkeleton"]')
     && [...document.querySelectorAll('[data-testid="stPlotlyChart"]')].every(chart => chart.querySelector('.main-svg'))"""
UNDRAWN_JS = """() => ({skeletons: document.querySelectorAll('[data-testid="stSkeleton"]').length,
  charts: document.querySelectorAll('[data-testid="stPlotlyChart"]').length,
  undrawn: [...document.querySelectorAll('[data-testid="stPlotlyChart"]')].filter(c => !c.querySelector('.main-svg')).length})"""


def charts_drawn(page, timeout_s: float = 30) -> None:
    """Wait until no element is still loading (a skeleton) and every Plotly chart of the page has drawn its plot;
    a chart that does not draw in `timeout_s` fails the test, saying how many did not."""
    try:
        page.wait_for_function(CHARTS_DRAWN_JS, timeout=timeout_s * 1000)
    except Exception as error:  # Playwright's TimeoutError: say what is missing instead
        state = page.evaluate(UNDRAWN_JS)
        raise AssertionError(f"charts did not draw within {timeout_s} s: {state['undrawn']} of {state['charts']} "
                             f"charts undrawn, {state['skeletons']} elements still loading") from error


LESSON_ARCHS = ("SimpleRNN", "LSTM", "GRU", "BiLSTM")


@pytest.fixture(scope="session")
def lesson_store_template(tmp_path_factory):
    """A run store as `python -m rnnlab.prepare` leaves it (the lesson's four architectures under the lesson's
    settings), made of untrained seeded stand-ins (tests.test_runs.fake_run): built once, in seconds, and
    copied by every test that needs stored models (prepared_store), so none depends on another's trainings."""
    from rnnlab import runs
    from rnnlab.data import load_sentiment, make_vectorizer
    from tests.test_runs import fake_run

    folder = tmp_path_factory.mktemp("lesson-store")
    vectorizer = make_vectorizer(load_sentiment()["text"].iloc[::10])
    for arch in LESSON_ARCHS:
        runs.save(fake_run(arch, vectorizer, embed_dim=64, units=128, epochs=10, epochs_done=10), dict(arch=arch),
                  runs_dir=folder)
    return folder


def prepared_store(template: Path) -> Path:
    """A fresh copy of a prepared run store, for one server to own."""
    copy = Path(tempfile.mkdtemp(prefix="rnnlab-e2e-store-")) / "runs"
    shutil.copytree(template, copy)
    return copy


@pytest.fixture(scope="module")
def lesson_server(chromium, lesson_store_template):
    """A server of its own on a copy of the prepared lesson store: a new session there predicts at once."""
    env = server_env()
    env["RNNLAB_RUNS_DIR"] = str(prepared_store(lesson_store_template))
    server = Server(env, log_name="lesson-server.log")
    server.runs_dir = Path(env["RNNLAB_RUNS_DIR"])
    yield server
    server.stop()


def new_tab(chromium, url: str, timeout_ms: int = 30_000):
    """A new browser context (a new Streamlit session) on `url`, the sidebar shown: (context, page)."""
    context = chromium.new_context(viewport={"width": 1600, "height": 1000})
    tab = context.new_page()
    tab.set_default_timeout(timeout_ms)
    tab.goto(url)
    tab.locator('[data-testid="stSidebarNav"]').wait_for()
    return context, tab


@pytest.fixture(scope="session")
def expect(chromium):
    """Playwright's expect(), under the same rule as the browser."""
    return sync_api().expect


@pytest.fixture(scope="session")
def server(chromium):
    """The app, started after the browser so the first-paint measurement does not include Chromium's start."""
    server = start_server()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def page(chromium, server):
    """One browser tab (one Streamlit session) for a module's tests that only open pages (a test that needs a
    model sets it up itself: `tab` below, lesson_server)."""
    context, tab = new_tab(chromium, server.url)
    yield tab
    context.close()


@pytest.fixture
def tab(chromium, server):
    """A browser tab (a new Streamlit session) of its own on the session's server, for one test."""
    context, tab = new_tab(chromium, server.url)
    yield tab
    context.close()
