"""A class on one server: 10 browser sessions (Playwright contexts in Debian's Chromium) against `streamlit run
app.py` on 127.0.0.1, then a tab closed mid-training and a Stop pressed among several sessions sharing a job.

Run `python scripts/load_test.py` (about 3 minutes on 2 cores); it prints a JSON report and exits 1 when a check
fails. The server runs with an empty run store and logs every job it trains, so "exactly 3 trainings" is
measured on the server, not read off the pages; its peak memory (with its training processes) is sampled with
psutil.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import json
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "scripts")]  # rnnlab (run names) and the light client
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run"]

# Tiny settings (8 units, embedding 8, one epoch on the 2400 training sentences): seconds per training.
TINY = {"Units": "8", "Embedding size": "8", "Epochs": "1"}
SAME = dict(TINY)  # three sessions ask for exactly this
DIFFERENT = [dict(TINY, **{"Units": "12"}), dict(TINY, **{"Seed": "1"})]
CLOSED_TAB = dict(TINY, **{"Epochs": "3", "Seed": "2"})  # the tab closes while its worker starts or it trains
# Stopped before it would end: 30 epochs of 300 batches of 8 took 10.7 s alone on a quiet 2-core machine (7 December,
# train() calling TensorFlow once per 0.2 s of batches), more beside the sessions' pages.
SHARED_STOP = {"Units": "256", "Embedding size": "128", "Epochs": "30", "Batch size": "8", "Seed": "3"}

# The server process: rnnlab.jobs.Engine.claim (logged for every run this server actually queues on
# Ray; a shared or stored run starts none) wrapped to log it, then Streamlit's own command line. The embedded Ray
# (GCS, raylet, the training actors) runs in children of this process, so the memory sampler counts them apart.
COUNTING_SERVER = r"""
import gc, json, os, sys, threading, time
import rnnlab.jobs as jobs
# Every full (generation 2) garbage collection of the server: when, and how long its Python stood still.
_gc_started = {}
def _full_collections(phase, info):
    if info["generation"] != 2:
        return
    if phase == "start":
        _gc_started["at"] = time.perf_counter()
    elif "at" in _gc_started:
        with open(os.environ["RNNLAB_GC_LOG"], "a") as log:
            log.write(json.dumps(dict(at=time.time(), seconds=time.perf_counter() - _gc_started.pop("at"),
                                      collected=info["collected"])) + "\n")
gc.callbacks.append(_full_collections)
_real_claim, _log_lock = jobs.Engine.claim, threading.Lock()
def counted_claim(self, config, owner):
    job, started = _real_claim(self, config, owner)
    if started:
        with _log_lock, open(os.environ["RNNLAB_TRAININGS_LOG"], "a") as log:
            log.write(json.dumps(dict(job=job.id, key=job.key, arch=job.config["arch"], units=job.config["units"],
                                      seed=job.config["seed"], at=time.time())) + "\n")
    return job, started
jobs.Engine.claim = counted_claim
from streamlit.web import cli
sys.argv = ["streamlit", "run", "app.py", *sys.argv[1:]]
sys.exit(cli.main())
"""

SHOTS: Path | None = None  # --screenshots: every session's last page lands here
PROFILE: Path | None = None  # --profile: py-spy samples the server's busy threads in the lecture

GRADIENTS_TITLE = "Gradients: why long sentences are hard to learn from"
TITLES = {"Train": "Train: watch a recurrent network learn", "Predict": "Predict: how sure is each network?",
          "Gradients": GRADIENTS_TITLE}

STARTED_JS = """() => {
  const app = document.querySelector('[data-testid="stApp"]');
  return app && app.dataset.testScriptState !== 'notRunning';
}"""

IDLE_JS = """() => {
  const app = document.querySelector('[data-testid="stApp"]');
  return app && app.dataset.testScriptState === 'notRunning'
    && !document.querySelector('[data-testid="stElementContainer"][data-stale="true"]');
}"""


# Every Plotly chart of the page has drawn its plot (Streamlit loads the charting library on the first chart a tab
# meets: Home's, which a learner reads before going on).
CHARTS_DRAWN_JS = """() => [...document.querySelectorAll('[data-testid="stPlotlyChart"]')]
  .every(chart => chart.querySelector('.main-svg'))"""


# Where a tab's Predict time goes, recorded in the page itself (no round trips to Playwright): seconds from now to
# the first frame where the script run started, the heading showed, the lesson's sentence showed in the table, two
# charts had drawn after the heading (Home's one chart is the only one before), and the run ended; and the main
# thread's long tasks (over 50 ms) in that time, summed.
MILESTONES_JS = """() => {
  const t0 = performance.now(), seen = {}, m = window.__milestones = {seen, long_tasks_s: 0};
  new PerformanceObserver(list => { for (const e of list.getEntries()) m.long_tasks_s += e.duration / 1000; })
    .observe({type: 'longtask'});
  const tick = () => {
    const app = document.querySelector('[data-testid="stApp"]');
    const main = document.querySelector('[data-testid="stMain"]');
    const text = main ? main.innerText : '';
    const now = (performance.now() - t0) / 1000;
    const checks = {run_started: app && app.dataset.testScriptState === 'running',
      heading: text.includes('Predict: how sure'), sentence: text.includes('I hate this meal!'),
      charts: seen.heading !== undefined && main && [...main.querySelectorAll('[data-testid="stPlotlyChart"]')]
        .filter(chart => chart.querySelector('.main-svg')).length >= 2,
      run_ended: seen.run_started !== undefined && app && app.dataset.testScriptState === 'notRunning'};
    for (const [name, ok] of Object.entries(checks)) if (ok && seen[name] === undefined) seen[name] = +now.toFixed(2);
    if (Object.keys(seen).length < 5 && now < 60) requestAnimationFrame(tick);
  };
  requestAnimationFrame(tick);
}"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """`streamlit run app.py` with a fresh run store, the training counter, and a psutil memory sampler."""

    def __init__(self, workdir: Path):
        import psutil

        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.trainings_log = workdir / "trainings.jsonl"
        self.gc_log = workdir / "full_collections.jsonl"
        self.log_path = workdir / "server.log"
        env = dict(os.environ, RNNLAB_RUNS_DIR=str(workdir / "runs"), RNNLAB_TRAININGS_LOG=str(self.trainings_log),
                   RNNLAB_GC_LOG=str(self.gc_log),
                   TF_CPP_MIN_LOG_LEVEL="2", STREAMLIT_SERVER_FILE_WATCHER_TYPE="none")
        env.setdefault("RNNLAB_DATA_DIR", str(ROOT.parent / "shared" / "data" / "sentiment_labelled_sentences"))
        self.log = open(self.log_path, "w")
        self.process = subprocess.Popen(
            [sys.executable, "-c", COUNTING_SERVER, "--server.headless", "true", "--server.port", str(self.port),
             "--server.address", "127.0.0.1", "--browser.gatherUsageStats", "false"],
            cwd=ROOT, env=env, stdout=self.log, stderr=subprocess.STDOUT,
        )
        self.ps = psutil.Process(self.process.pid)
        self.peak_rss = 0  # the server with its training processes
        self.peak_server_rss = 0  # the Streamlit process alone
        self.peak_ray_rss = 0  # its embedded Ray: GCS, raylet, workers, the training actors
        self._sampling = True
        self._sampler = threading.Thread(target=self._sample, daemon=True)
        self._sampler.start()
        deadline = time.time() + 90
        while not self.healthy():
            if self.process.poll() is not None or time.time() > deadline:
                self.stop()
                raise RuntimeError(f"streamlit did not start:\n{self.log_path.read_text()}")
            time.sleep(0.1)
        self.ready_rss = self.ps.memory_info().rss

    def healthy(self) -> bool:
        try:
            with urllib.request.urlopen(f"{self.url}/_stcore/health", timeout=1) as response:
                return response.status == 200
        except OSError:
            return False

    def _sample(self) -> None:
        while self._sampling:
            try:
                own = self.ps.memory_info().rss
                children = 0
                for child in self.ps.children(recursive=True):
                    try:
                        children += child.memory_info().rss
                    except Exception:
                        pass  # a training process that just ended
            except Exception:
                break
            self.peak_server_rss = max(self.peak_server_rss, own)
            self.peak_rss = max(self.peak_rss, own + children)
            self.peak_ray_rss = max(self.peak_ray_rss, children)
            time.sleep(0.1)

    def full_collections(self, since: float = 0.0) -> dict:
        """The server's full garbage collections after `since` (time.time()): how many, the longest and the total
        seconds its Python stood still for them."""
        if not self.gc_log.exists():
            return dict(count=0, longest_s=0.0, total_s=0.0)
        done = [json.loads(line) for line in self.gc_log.read_text().splitlines() if line.strip()]
        seconds = [entry["seconds"] for entry in done if entry["at"] >= since]
        return dict(count=len(seconds), longest_s=round(max(seconds, default=0.0), 3), total_s=round(sum(seconds), 3))

    def trainings(self) -> list[dict]:
        if not self.trainings_log.exists():
            return []
        return [json.loads(line) for line in self.trainings_log.read_text().splitlines() if line.strip()]

    def stop(self) -> None:
        self._sampling = False
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                self.process.kill()
        self.log.close()


# ----------------------------------------------------------------------------------------------------------
# What one browser session does


class Session:
    def __init__(self, browser, url: str, name: str):
        self.browser, self.url, self.name = browser, url, name
        self.events: list[str] = []
        self.exceptions: list[str] = []
        self.started = time.perf_counter()

    async def open(self, path: str = ""):
        self.context = await self.browser.new_context(viewport={"width": 1400, "height": 1000})
        self.page = await self.context.new_page()
        self.page.set_default_timeout(120_000)
        await self.page.goto(f"{self.url}/{path}")
        await self.page.locator('[data-testid="stSidebarNav"]').wait_for()
        await self.idle()
        await self.page.wait_for_function(CHARTS_DRAWN_JS)  # opened = drawn, as a learner sees it: Home's chart too
        return self

    async def idle(self, timeout_s: float = 120, started: bool = False) -> None:
        """Wait for the script run an action caused to start (on a loaded server that can take seconds), then
        for it to end with no stale element left. `started`: the caller has seen the run draw (a page's heading),
        so it has begun; waiting for a start then would wait the full 5 s whenever the run had already ended."""
        if not started:
            try:
                await self.page.wait_for_function(STARTED_JS, timeout=5_000)
            except Exception:
                pass  # it was quick and has already ended, or nothing reran
        await self.page.wait_for_function(IDLE_JS, timeout=timeout_s * 1000)

    async def go(self, link: str) -> None:
        await self.page.locator('[data-testid="stSidebarNav"]').get_by_role("link", name=link, exact=True).click()
        await self.page.get_by_role("heading", name=TITLES[link]).wait_for()
        await self.idle(started=True)

    async def set_number(self, label: str, value: str) -> None:
        box = self.page.get_by_label(label, exact=True)
        await box.fill(value)
        await box.press("Enter")
        await self.idle()

    async def check_no_exception(self, where: str) -> None:
        shown = self.page.locator('[data-testid="stException"]')
        if await shown.count():
            self.exceptions.append(f"{where}: {(await shown.first.inner_text())[:300]}")

    async def settings(self, values: dict) -> None:
        await self.go("Train")
        for label, value in values.items():
            await self.set_number(label, value)

    def button(self, label: str):
        """The app's own button (Streamlit's header shows a 'Stop' of its own while a script runs)."""
        return self.page.locator('[data-testid="stMain"]').get_by_role("button", name=label, exact=True)

    async def main_text(self) -> str:
        return await self.page.locator('[data-testid="stMain"]').inner_text()

    async def press_train(self, double: bool = False) -> None:
        """Click Train and wait until the page shows it was heard (a progress bar, a notice, the runs table);
        a click lost on a loaded server is repeated once, as a user would (the server ignores a repeat)."""
        heard = self.page.locator('[data-testid="stMain"] [role="progressbar"]').or_(
            self.page.get_by_text("Compare the runs")).or_(self.page.get_by_text("with these settings"))
        for attempt in range(2):
            train = self.button("Train")
            await (train.dblclick() if double and attempt == 0 else train.click())
            self.events.append(f"{time.perf_counter() - self.started:.1f}s "
                               f"{'double-' if double and attempt == 0 else ''}clicked Train")
            try:
                await heard.first.wait_for(timeout=60_000)
                return
            except Exception:
                self.events.append(f"{time.perf_counter() - self.started:.1f}s no sign of the click")

    async def wait_for_runs_table(self, timeout_s: float = 300) -> None:
        """Wait until this session's training has ended: no progress bar on the page, and the sidebar lists the
        model (the comparison table itself is drawn on a canvas, so its cells are not text)."""
        await self.page.wait_for_function(
            """() => {
              const main = document.querySelector('[data-testid="stMain"]');
              const side = document.querySelector('[data-testid="stSidebar"]');
              return main && side && !main.querySelector('[role="progressbar"]')
                && /Models: .*SimpleRNN/.test(side.innerText);
            }""",
            timeout=timeout_s * 1000,
        )
        await self.idle()
        self.headings = await self.page.evaluate(
            """() => [...document.querySelectorAll('[data-testid="stMain"] h3')].map(h => h.innerText)""")

    async def predict(self) -> list[str]:
        """Open Predict, type a sentence, and return the probability table's model columns (none: no model)."""
        await self.go("Predict")
        box = self.page.get_by_label("Sentences, one a line")
        await box.or_(self.button("Quick train")).first.wait_for(timeout=180_000)  # loading models takes a while
        await self.idle()
        await self.check_no_exception("Predict")
        if not await box.count():
            return []
        await box.fill("The waiter was rude but the pasta was wonderful")
        await box.press("Control+Enter")
        await self.idle()
        table = self.page.locator('[data-testid="stTable"] table')
        await table.wait_for()
        headers = [h.strip() for h in await table.locator("thead th").all_inner_texts() if h.strip()]
        await self.check_no_exception("Predict after typing")
        return headers

    async def close(self) -> None:
        if SHOTS is not None:
            try:
                await asyncio.sleep(0.5)
                await self.page.set_viewport_size({"width": 1400, "height": 3000})
                await asyncio.sleep(0.5)
                await self.page.screenshot(path=str(SHOTS / f"{self.name}.png"))
            except Exception:
                pass  # a closed or crashed tab has nothing to show
        await self.context.close()


# ----------------------------------------------------------------------------------------------------------
# The scenarios


async def trainer(browser, url, name, values, delay_s=0.0, double=False) -> dict:
    session = Session(browser, url, name)
    try:
        return await _trainer(session, values, delay_s, double)
    except Exception as error:
        text = ""
        try:
            text = (await session.main_text())[-1200:]
        except Exception:
            pass
        raise RuntimeError(f"{name}: {type(error).__name__}: {str(error)[:300]}; events {session.events}; "
                           f"the page ends with: {text!r}") from None


async def _trainer(session, values, delay_s, double) -> dict:
    name = session.name
    try:
        await session.open()
        await session.settings(values)
        await asyncio.sleep(delay_s)
        await session.press_train(double)
        try:  # the click's own run; the live fragments may then keep the page busy while the run trains
            await session.idle(30)
        except Exception:
            session.events.append(f"{time.perf_counter() - session.started:.1f}s the page kept redrawing its live "
                                  "curves (never idle for 30 s); waiting for the run to end")
        notice = await session.page.locator('[data-testid="stAlert"]').all_inner_texts()
        await session.wait_for_runs_table()
        await session.check_no_exception("Train")
        columns = await session.predict()
    finally:
        if hasattr(session, "context"):
            await session.close()
    return dict(session=name, role="trainer", settings=values, notices=[n[:160] for n in notice if "No runs" not in n],
                headings=getattr(session, "headings", None),
                predict_columns=columns, exceptions=session.exceptions, events=session.events,
                seconds=round(time.perf_counter() - session.started, 1))


async def viewer(browser, url, name) -> dict:
    session = await Session(browser, url, name).open("predict")
    await session.page.get_by_role("heading", name=TITLES["Predict"]).wait_for()
    await session.page.get_by_label("Sentences, one a line").or_(session.button("Quick train")).first.wait_for()
    await session.idle()
    await session.check_no_exception("Predict")
    text = await session.main_text()
    await session.close()
    return dict(session=name, role="viewer", saw_quick_train="Quick train" in text, exceptions=session.exceptions,
                seconds=round(time.perf_counter() - session.started, 1))


async def ten_sessions(browser, url) -> list[dict]:
    # Three press Train on the same settings within half a second (the last one double-clicks).
    tasks = [trainer(browser, url, f"same-{i}", SAME, delay_s=0.2 * i, double=i == 2) for i in range(3)]
    tasks += [trainer(browser, url, f"different-{i}", values) for i, values in enumerate(DIFFERENT)]
    tasks += [viewer(browser, url, f"viewer-{i}") for i in range(5)]
    return await asyncio.gather(*tasks, return_exceptions=True)


async def closed_tab(browser, url) -> dict:
    """A session starts a training and its tab closes; the training goes on, is stored, and a later session
    asking for the same settings shares it instead of training again."""
    leaver = await Session(browser, url, "leaver").open()
    await leaver.settings(CLOSED_TAB)
    await leaver.press_train()
    await leaver.page.locator('[data-testid="stMain"] [role="progressbar"]').first.wait_for()
    await leaver.close()
    later = await Session(browser, url, "later").open()
    await later.settings(CLOSED_TAB)
    await later.press_train()
    await later.idle()
    notices = await later.page.locator('[data-testid="stAlert"]').all_inner_texts()
    await later.wait_for_runs_table()
    await later.check_no_exception("Train")
    columns = await later.predict()
    await later.close()
    return dict(notices=[n[:160] for n in notices], predict_columns=columns, exceptions=later.exceptions)


async def shared_stop(browser, url) -> dict:
    """Two sessions share one long training: the watcher cannot stop it, the starter can, and both see it stop."""
    from playwright.async_api import expect

    starter = await Session(browser, url, "starter").open()
    await starter.settings(SHARED_STOP)
    await starter.press_train()
    await starter.page.locator('[data-testid="stMain"] [role="progressbar"]').first.wait_for()
    watcher = await Session(browser, url, "watcher").open()
    await watcher.settings(SHARED_STOP)
    await watcher.press_train()
    await watcher.idle()
    watcher_text = await watcher.main_text()
    watcher_stop_enabled = await watcher.button("Stop").is_enabled()
    await starter.page.wait_for_function(IDLE_JS)
    starter_stop = starter.button("Stop")
    await expect(starter_stop).to_be_enabled(timeout=60_000)
    await starter_stop.click()
    await starter.wait_for_runs_table(120)
    await watcher.wait_for_runs_table(120)
    starter_table = await starter.main_text()
    watcher_table = await watcher.main_text()
    for session in (starter, watcher):
        await session.check_no_exception("Train")
        await session.close()
    return dict(
        watcher_sees_other_owner="started by another session" in watcher_text,
        watcher_stop_enabled=watcher_stop_enabled,
        starter_sees_stopped="stopped" in starter_table, watcher_sees_stopped="stopped" in watcher_table,
        exceptions=starter.exceptions + watcher.exceptions,
    )


async def run_all(server: Server, scenarios: list[str]) -> dict:
    from playwright.async_api import async_playwright

    report: dict = {}
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        if "ten" in scenarios:
            started = time.perf_counter()
            results = await ten_sessions(browser, server.url)
            report["ten_sessions"] = dict(
                seconds=round(time.perf_counter() - started, 1),
                trainings=len(server.trainings()),
                sessions=[r if isinstance(r, dict) else dict(error=f"{type(r).__name__}: {r}"[:600]) for r in results],
            )
        for name, scenario in (("closed-tab", closed_tab), ("shared-stop", shared_stop)):
            if name not in scenarios:
                continue
            before = len(server.trainings())
            started = time.perf_counter()
            try:
                result = await scenario(browser, server.url)
            except Exception as error:  # reported as a failure, the other scenarios still run
                result = dict(error=f"{type(error).__name__}: {error}"[:600], exceptions=[])
            result.update(trainings=len(server.trainings()) - before, seconds=round(time.perf_counter() - started, 1))
            report[name.replace("-", "_")] = result
        await browser.close()
    return report


# ----------------------------------------------------------------------------------------------------------
# A lecture: --sessions N (30 in the issue), a third each training the same settings, training ten different
# ones, and only opening Predict and Gradients on the lesson's prepared models. Three are real Chromium tabs
# (one of each kind), the rest light clients speaking Streamlit's websocket protocol (scripts/light_client.py):
# a lecture's browsers run on the students' machines, not on the server.

LECTURE_SAME = {"Units": 8, "Embedding size": 8, "Epochs": 2, "Seed": 100}


def lecture_settings(kind: str, number: int) -> dict:
    return dict(LECTURE_SAME) if kind == "same" else dict(LECTURE_SAME, Seed=101 + number)


async def light_trainer(url: str, name: str, values: dict) -> dict:
    from light_client import LightSession

    session = await LightSession(url, name).connect()
    try:
        await session.go("train")
        for label, value in values.items():
            await session.set_number(label, value)
        pressed = time.perf_counter()
        await session.press("Train")
        from rnnlab.runs import run_name

        run = run_name(dict(arch="SimpleRNN", units=values["Units"], embed_dim=values["Embedding size"],
                            epochs=values["Epochs"], seed=values["Seed"]))
        # Like a student's tab: nothing is asked of the server but what the page's own run_every fragments ask
        # for (the live curves and the sidebar's status, LightSession reruns them on their timers) and the full
        # rerun the page makes itself once a watched run ends (rnnlab.ui.session.rerun_when_jobs_end); this
        # session only reads what they redraw.
        queued_s = 0.0

        def ended() -> bool:
            nonlocal queued_s
            text = session.text()
            if "waiting for a free CPU" in text:
                queued_s = time.perf_counter() - pressed
            return any(line.startswith("Models:") and run in line for line in text.splitlines())

        await session.wait_for(ended, 900, "the run to end")
        return dict(session=name, client="light", role="trainer", settings=values, queued_s=round(queued_s, 1),
                    exceptions=session.exceptions, runs=dict(session.counts),
                    seconds=round(time.perf_counter() - session.started, 1))
    finally:
        await session.close()


async def light_viewer(url: str, name: str, rounds: int = 5) -> dict:
    """Opens Predict (timed: it must answer within 2 s while the class trains), then Gradients, then Predict
    again a few times."""
    from light_client import LightSession

    session = await LightSession(url, name).connect()
    predict_s = []
    try:
        for round_ in range(rounds):
            started = time.perf_counter()
            await session.go("predict")
            predict_s.append(round(time.perf_counter() - started, 2))
            columns = "I hate this meal!" in session.text()
            if round_ == 0:
                started = time.perf_counter()
                await session.go("gradients", timeout_s=900)
                gradients_s = round(time.perf_counter() - started, 1)
            await asyncio.sleep(2)
        return dict(session=name, client="light", role="viewer", predict_s=predict_s, gradients_s=gradients_s,
                    predict_answered=columns, exceptions=session.exceptions,
                    seconds=round(time.perf_counter() - session.started, 1))
    finally:
        await session.close()


class ServerAnswers:
    """When a tab's websocket frames crossed the network, read through the DevTools protocol: the moment the
    frontend sent a full rerun (BackMsg rerun_script, no fragment) and the moment the server's script_finished for
    a full run arrived. Those timestamps come from Chromium's network service, so they do not wait for the tab's
    main thread (which draws the page) or for this harness's event loop."""

    def __init__(self, cdp):
        self.sent: list[float] = []
        self.finished: list[float] = []
        cdp.on("Network.webSocketFrameSent", self._sent)
        cdp.on("Network.webSocketFrameReceived", self._received)

    @classmethod
    async def watch(cls, page) -> "ServerAnswers":
        cdp = await page.context.new_cdp_session(page)
        answers = cls(cdp)
        await cdp.send("Network.enable")
        return answers

    @staticmethod
    def _message(event: dict, kind):
        """The frame's Streamlit message as a `kind` (BackMsg or ForwardMsg), None for a text frame."""
        response = event["response"]
        if response.get("opcode") != 2:
            return None
        message = kind()
        message.ParseFromString(base64.b64decode(response["payloadData"]))
        return message

    def _sent(self, event: dict) -> None:
        from streamlit.proto.BackMsg_pb2 import BackMsg

        message = self._message(event, BackMsg)
        rerun = message is not None and message.WhichOneof("type") == "rerun_script"
        if rerun and not message.rerun_script.fragment_id:  # a full run, not a fragment's
            self.sent.append(event["timestamp"])

    def _received(self, event: dict) -> None:
        from light_client import FINISHED  # a full run's end (fragment runs end with another status)
        from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

        message = self._message(event, ForwardMsg)
        ended = message is not None and message.WhichOneof("type") == "script_finished"
        if ended and message.script_finished == FINISHED:
            self.finished.append(event["timestamp"])

    def last_answer_s(self, since: int) -> float | None:
        """Seconds from the full rerun the tab sent after its first `since` ones to the first full run's end
        received after it; None when either is missing."""
        if len(self.sent) <= since:
            return None
        asked = self.sent[since]
        ended = [at for at in self.finished if at >= asked]
        return round(ended[0] - asked, 2) if ended else None


async def chromium_viewer(browser, url: str, name: str) -> dict:
    """As a student's tab: opens the app, clicks Predict, then Gradients, then Predict again. Each Predict is timed
    twice: from the click to the lesson's sentences answered with the page idle in the tab (`predict_drawn_s`:
    the server's answer and the tab's own drawing, which here shares the server's two cores with two more tabs),
    and from the rerun request leaving the tab to the server's last message of that run arriving there
    (`predict_s`, read from Chromium's network events: the server's answer, as light_viewer times it)."""
    session = await Session(browser, url, name).open()
    answers = await ServerAnswers.watch(session.page)
    predict_s, drawn_s, breakdown, clicked_at_s = [], [], [], []

    async def predict() -> None:
        await session.page.evaluate(MILESTONES_JS)
        asked_before = len(answers.sent)
        started = time.perf_counter()
        clicked_at_s.append(round(started - session.started, 1))  # seconds into the lecture
        await session.go("Predict")
        await session.page.locator('[data-testid="stMain"]').get_by_text("I hate this meal!").first.wait_for()
        await session.page.wait_for_function(IDLE_JS)
        drawn_s.append(round(time.perf_counter() - started, 2))
        predict_s.append(answers.last_answer_s(asked_before))
        breakdown.append(await session.page.evaluate("() => window.__milestones"))
        await session.check_no_exception("Predict")

    await predict()
    await session.page.locator('[data-testid="stSidebarNav"]').get_by_role("link", name="Gradients", exact=True).click()
    await session.page.get_by_role("heading", name=GRADIENTS_TITLE).wait_for()
    await session.idle(900, started=True)  # the first visitor waits for the measurements; everyone after shares them
    await session.check_no_exception("Gradients")
    await predict()
    await session.close()
    return dict(session=name, client="chromium", role="viewer", predict_s=predict_s, predict_drawn_s=drawn_s,
                predict_breakdown=breakdown, clicked_at_s=clicked_at_s, exceptions=session.exceptions,
                seconds=round(time.perf_counter() - session.started, 1))


async def lecture(server: "Server", sessions: int) -> dict:
    import psutil
    from playwright.async_api import async_playwright

    third = max(1, sessions // 3)
    me = psutil.Process()
    # The instructor opened Predict before class: the server has loaded TensorFlow and the prepared models (the
    # first, cold opening is reported apart; the limit of 2 s is for the class's, while trainings run).
    from light_client import LightSession

    warm = await LightSession(server.url, "instructor").connect()
    cold = time.perf_counter()
    await warm.go("predict", timeout_s=600)
    cold_predict_s = round(time.perf_counter() - cold, 1)
    await warm.close()
    cpu_before = _cpu_seconds(me), _cpu_seconds(server.ps), _cpu_seconds(me, children=False)
    lecture_began = time.time()
    spy = None
    if PROFILE is not None:  # 20 samples a second of its busy threads, until the lecture ends
        spy = subprocess.Popen(["py-spy", "record", "-p", str(server.process.pid), "-r", "20", "-f", "raw",
                                "--threads", "--nonblocking", "-o", str(PROFILE)],
                               stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
    started = time.perf_counter()
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        tasks = [trainer(browser, server.url, "same-0", {k: str(v) for k, v in lecture_settings("same", 0).items()}),
                 trainer(browser, server.url, "different-0",
                         {k: str(v) for k, v in lecture_settings("different", 0).items()}),
                 chromium_viewer(browser, server.url, "viewer-0")]
        tasks += [light_trainer(server.url, f"same-{i}", lecture_settings("same", i)) for i in range(1, third)]
        tasks += [light_trainer(server.url, f"different-{i}", lecture_settings("different", i))
                  for i in range(1, third)]
        tasks += [light_viewer(server.url, f"viewer-{i}") for i in range(1, sessions - 2 * third)]
        results = await asyncio.gather(*tasks, return_exceptions=True)
        # The server (with its Ray) is this process's child too: its CPU is taken out of this process's tree, what
        # is left is the light clients, Playwright's driver and Chromium's processes.
        cpu_server = _cpu_seconds(server.ps) - cpu_before[1]
        cpu_spy = _cpu_seconds(psutil.Process(spy.pid), children=False) if spy is not None else 0.0  # --profile's
        cpu_clients = _cpu_seconds(me) - cpu_before[0] - cpu_server - cpu_spy
        cpu_light = _cpu_seconds(me, children=False) - cpu_before[2]  # the light clients (and Playwright's driver)
        await browser.close()
    if spy is not None:
        spy.send_signal(2)  # py-spy writes its samples on SIGINT
        spy.wait(60)
    seconds = time.perf_counter() - started
    results = [r if isinstance(r, dict) else dict(error=f"{type(r).__name__}: {r}"[:600]) for r in results]
    predict = [t for r in results for t in r.get("predict_s", [])]
    return dict(
        sessions=results, seconds=round(seconds, 1), trainings=len(server.trainings()),
        cold_predict_s=cold_predict_s,
        server_full_collections=server.full_collections(since=lecture_began),
        longest_queue_wait_s=max((r.get("queued_s", 0) for r in results), default=0),
        # The server's answer to every Predict of the class (a light client's time from its request to the run's
        # end; a Chromium tab's from its network events); None when one was not measured: the check fails then.
        predict_slowest_s=None if None in predict else max(predict, default=None),
        predict_slowest_by_client_s={client: max((t for r in results if r.get("client") == client
                                                  for t in r.get("predict_s", []) if t is not None), default=None)
                                     for client in ("light", "chromium")},
        # A Chromium tab's click to its page drawn and idle: the answer and the tab's own drawing, here on the
        # server's two cores at clients_nice beside two more tabs and two training workers (in a lecture each tab
        # draws on its student's machine).
        predict_drawn_slowest_s=max((t for r in results for t in r.get("predict_drawn_s", [])), default=None),
        cpu_share_clients=round(cpu_clients / (cpu_clients + cpu_server), 3) if cpu_server else None,
        cpu_share_server_and_ray=round(cpu_server / (cpu_clients + cpu_server), 3) if cpu_server else None,
        cpu_seconds=dict(clients=round(cpu_clients, 1), light_clients=round(cpu_light, 1),
                         chromium=round(cpu_clients - cpu_light, 1), server_and_ray=round(cpu_server, 1)),
    )


def _cpu_seconds(process, children: bool = True) -> float:
    """CPU seconds of a process and its children (Chromium's for this one; Ray's for the server)."""
    import psutil

    total = 0.0
    for each in [process, *(process.children(recursive=True) if children else [])]:
        try:  # with the children each has reaped: Ray's training workers end with their runs
            times = each.cpu_times()
            total += times.user + times.system
            if children:
                total += times.children_user + times.children_system
        except psutil.Error:
            pass
    return total


def failures(report: dict) -> list[str]:
    """Every check the report fails, in words."""
    found = []
    if report.get("server_tracebacks", {}).get("app"):
        found.append(f"the server logged {report['server_tracebacks']['app']} traceback(s) through RNN Lab's code")
    lecture_ = report.get("lecture")
    if lecture_:
        expected = max(1, lecture_["planned_sessions"] // 3) + 1
        if lecture_["trainings"] != expected:
            found.append(f"{lecture_['trainings']} trainings ran in the lecture, not {expected}")
        bad = [s for s in lecture_["sessions"] if "error" in s or s.get("exceptions")]
        if bad:
            found.append(f"{len(bad)} lecture sessions failed or showed an exception: {bad[:3]}")
        if lecture_["predict_slowest_s"] is None or lecture_["predict_slowest_s"] > 2.0:
            found.append(f"Predict took {lecture_['predict_slowest_s']} s at worst while trainings ran (limit 2 s)")
    ten = report.get("ten_sessions")
    if ten:
        if ten["trainings"] != 3:
            found.append(f"{ten['trainings']} trainings ran for the ten sessions, not 3")
        for result in ten["sessions"]:
            if "error" in result:
                found.append(f"a session did not finish: {result['error']}")
            elif result["exceptions"]:
                found.append(f"{result['session']} showed an exception: {result['exceptions']}")
            elif result["role"] == "trainer" and not result["predict_columns"]:
                found.append(f"{result['session']} saw no model on Predict")
    for name in ("closed_tab", "shared_stop"):
        if "error" in report.get(name, {}):
            found.append(f"{name} did not finish: {report[name]['error']}")
    closed = report.get("closed_tab")
    if closed and "error" not in closed:
        if closed["trainings"] != 1:
            found.append(f"the closed tab's settings were trained {closed['trainings']} times, not once")
        if closed["exceptions"] or not closed["predict_columns"]:
            found.append(f"the session after the closed tab: {closed}")
    stop = report.get("shared_stop")
    if stop and "error" not in stop:
        if stop["trainings"] != 1 or stop["watcher_stop_enabled"] or not stop["watcher_sees_other_owner"]:
            found.append(f"shared stop: {stop}")
        if not (stop["starter_sees_stopped"] and stop["watcher_sees_stopped"]) or stop["exceptions"]:
            found.append(f"shared stop did not show as stopped everywhere: {stop}")
    return found


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scenarios", nargs="+", default=["ten", "closed-tab", "shared-stop"],
                        choices=["ten", "closed-tab", "shared-stop"])
    parser.add_argument("--sessions", type=int, help="run the lecture instead: this many sessions (a third train "
                        "the same settings, a third ten different ones, a third open Predict and Gradients on the "
                        "models `python -m rnnlab.prepare` stores first)")
    parser.add_argument("--clients-nice", type=int, default=10, help="the lecture only: the niceness of this "
                        "script's clients (its light clients and Chromium), set once the server runs. A lecture's "
                        "browsers run on the students' machines; here they share the server's two cores, and at "
                        "the server's own priority they took 60-75%% of the CPU. 10 puts them below the server and "
                        "above the training threads (RNNLAB_WORKER_NICE, 19); 0 measures them level with the server")
    parser.add_argument("--out", type=Path, help="also write the JSON report here")
    parser.add_argument("--screenshots", type=Path, help="save each session's last page here")
    parser.add_argument("--profile", type=Path, help="the lecture only: record the server with py-spy (raw "
                        "stacks of its busy threads, 20 a second) into this file")
    args = parser.parse_args(argv)
    if args.profile:
        import shutil

        if shutil.which("py-spy") is None:
            print("--profile needs py-spy: pip install py-spy (a measuring tool, not a dependency of RNN Lab)",
                  file=sys.stderr)
            return 2
        global PROFILE
        PROFILE = args.profile
    if args.screenshots:
        global SHOTS
        SHOTS = args.screenshots
        SHOTS.mkdir(parents=True, exist_ok=True)
    if not Path(CHROMIUM).exists():
        print(f"{CHROMIUM} is missing: apt-get install chromium", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory(prefix="rnnlab-load-") as workdir:
        started = time.perf_counter()
        if args.sessions:
            prepared = subprocess.run([sys.executable, "-m", "rnnlab.prepare", "--runs-dir", str(Path(workdir) / "runs")],
                                      cwd=ROOT, capture_output=True, text=True, timeout=1800)
            if prepared.returncode:
                print(prepared.stderr[-3000:], file=sys.stderr)
                return 1
        prepared_s = time.perf_counter() - started
        server = Server(Path(workdir))
        try:
            if args.sessions:
                os.nice(max(0, args.clients_nice))  # this process and what it starts from now on; not the server
                report = dict(lecture=asyncio.run(lecture(server, args.sessions)), prepare_seconds=round(prepared_s, 1))
                report["lecture"].update(planned_sessions=args.sessions, clients_nice=os.nice(0))
            else:
                report = asyncio.run(run_all(server, args.scenarios))
        finally:
            server.stop()
        report.update(
            seconds=round(time.perf_counter() - started, 1),
            server_rss_after_start_mb=round(server.ready_rss / 2**20),
            server_peak_rss_mb=round(server.peak_rss / 2**20),
            server_process_alone_peak_rss_mb=round(server.peak_server_rss / 2**20),
            ray_peak_rss_mb=round(server.peak_ray_rss / 2**20),
            trainings_on_server=server.trainings(),
            cores=os.cpu_count(),
        )
        # Streamlit's own websocket noise when a tab closes is not the app's error; a traceback through the
        # project's code is.
        blocks = server.log_path.read_text().split("Traceback (most recent call last):")[1:]
        app_errors = [block for block in blocks if str(ROOT) in block]
        report["server_tracebacks"] = dict(app=len(app_errors), streamlit=len(blocks) - len(app_errors))
        if app_errors:
            report["server_app_tracebacks"] = [block[-1500:] for block in app_errors[:3]]
    report["failures"] = failures(report)
    text = json.dumps(report, indent=2)
    print(text)
    if args.out:
        args.out.write_text(text)
    return 1 if report["failures"] else 0


if __name__ == "__main__":
    sys.exit(main())
