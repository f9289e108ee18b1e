"""A server that outlives its Ray, and warms itself (issue 28, items 4 and 3), with the real things: a `streamlit run
app.py` on 127.0.0.1, Chromium, the server's own embedded Ray (`ray start --head --block`, a child of the server),
and a real SIGKILL of that Ray's GCS.

Before: the server's Ray core worker ended the whole web server 60 s after its GCS died (measured: 61 s; Ray's
gcs_rpc_server_reconnect_timeout_s). Now the server keeps answering, the run that was training ends failed with
the reason, and the engine starts a new Ray by itself.

The run store is prepared here with the lesson's SimpleRNN (trained without Ray, a few seconds), so Predict has a
stored model that the warm-up loads and the fault leaves usable.
"""

from __future__ import annotations

import re
import subprocess
import sys
import time

import psutil
import pytest

from tests.e2e.conftest import ROOT, Server, server_env
from tests.e2e.test_browser import (
    TITLES, assert_no_exception, main_button, screenshot, set_number, tensorflow_loaded, wait_until_idle,
)

OLD_EXIT_S = 60  # Ray's default gcs_rpc_server_reconnect_timeout_s: the server used to exit this long after
LONG = {"Units": "256", "Epochs": "30", "Batch size": "8"}  # 9000 batches: in flight when the GCS is killed
AFTER = {"Units": "8", "Embedding size": "8", "Epochs": "2", "Batch size": "32"}  # the training after recovery
PREPARE = """
from rnnlab import runs
from rnnlab.config import train_from_config, validate_config
config = validate_config({"arch": "SimpleRNN"})
print("STORED", runs.save(train_from_config(config), config).id)
"""


def name_of(settings: dict) -> str:
    from rnnlab.config import validate_config
    from rnnlab.run_names import run_name

    keys = {"Units": "units", "Embedding size": "embed_dim", "Epochs": "epochs", "Batch size": "batch_size"}
    return run_name(validate_config({"arch": "SimpleRNN", **{keys[k]: int(v) for k, v in settings.items()}}))


def ray_processes(server: Server, name: str) -> list[psutil.Process]:
    """This server's own Ray processes called `name` (its embedded Ray is a child of the server process)."""
    found = []
    for child in psutil.Process(server.process.pid).children(recursive=True):
        try:
            if child.name() == name:
                found.append(child)
        except psutil.Error:
            pass
    return found


def wait_for_log(server: Server, pattern: str, timeout_s: float) -> re.Match:
    deadline = time.time() + timeout_s
    while time.time() < deadline:
        server.log.flush()
        found = re.search(pattern, server.log_path.read_text(errors="replace"))
        if found:
            return found
        assert server.process.poll() is None, f"the server exited ({server.process.returncode})"
        time.sleep(0.5)
    raise AssertionError(f"no {pattern!r} in the server's log within {timeout_s} s:\n"
                         + server.log_path.read_text(errors="replace")[-3000:])


@pytest.fixture(scope="module")
def warm_server(chromium, tmp_path_factory):
    env = server_env()
    env["RNNLAB_RUNS_DIR"] = str(tmp_path_factory.mktemp("faults-store"))
    env["RNNLAB_RAY_CPUS"] = "1"
    env["RNNLAB_WARMUP"] = "1"  # the warm-up is one of the things checked here
    env.pop("RAY_ADDRESS", None)  # its own embedded Ray, whatever the caller's environment
    done = subprocess.run([sys.executable, "-c", PREPARE], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=600)
    assert "STORED" in done.stdout, done.stdout + done.stderr[-3000:]
    server = Server(env, log_name="server-ray-faults.log")
    server.stored_id = done.stdout.split("STORED", 1)[1].strip()
    yield server
    server.stop()


def open_tab(chromium, server: Server, path: str = ""):
    context = chromium.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    page.set_default_timeout(120_000)
    page.goto(f"{server.url}/{path}")
    page.locator('[data-testid="stSidebarNav"]').wait_for()
    wait_until_idle(page, 180)
    return page


def goto(page, name: str, shows: str) -> None:
    """Open a page by the sidebar's link and wait until its main part shows `shows` (drawn with the page's own
    numbers; a page drawn in steps may still be adding them when its script run is reported done)."""
    page.locator('[data-testid="stSidebarNav"]').get_by_role("link", name=name, exact=True).click()
    page.get_by_role("heading", name=TITLES[name]).wait_for(timeout=120_000)
    page.wait_for_function("(text) => document.querySelector('[data-testid=\"stMain\"]').innerText.includes(text)",
                           arg=shows, timeout=120_000)
    wait_until_idle(page, 180)
    assert_no_exception(page)


def test_a_fresh_server_warms_itself_after_home_only(chromium, warm_server):
    """Home opened once, no other page: the server imports TensorFlow, loads and calls the stored model Predict
    will show, and starts its Ray, all by itself (its log says so step by step; the process has TensorFlow's
    library mapped and a GCS of its own)."""
    assert not tensorflow_loaded(warm_server.process.pid)  # nothing before the first page
    page = open_tab(chromium, warm_server)
    assert page.get_by_role("heading", name=TITLES["Home"]).is_visible()
    wait_for_log(warm_server, r"rnnlab warm-up: done in", 300)
    log = warm_server.log_path.read_text()
    assert "rnnlab warm-up: TensorFlow imported" in log
    assert f"rnnlab warm-up: stored models loaded and called once: {warm_server.stored_id}" in log, log[-2000:]
    assert re.search(r"rnnlab warm-up: Ray connected at 127\.0\.0\.1:\d+", log), log[-2000:]
    assert "Traceback" not in log, log[-3000:]
    assert tensorflow_loaded(warm_server.process.pid)
    assert len(ray_processes(warm_server, "gcs_server")) == 1
    page.context.close()


def test_killing_the_gcs_leaves_the_server_answering_fails_the_run_and_ray_comes_back(chromium, warm_server):
    server = warm_server
    started = time.perf_counter()
    train = open_tab(chromium, server, "train")  # a first page warms the server, if the test above did not
    wait_for_log(server, r"joined Ray at 127\.0\.0\.1:\d+ \(generation 1\)", 300)
    for label, value in LONG.items():
        set_number(train, label, value)
    main_button(train, "Train").click()
    long_name = name_of(LONG)
    main = train.locator('[data-testid="stMain"]')
    main.get_by_text(re.compile(re.escape(long_name) + r": epoch \d+/30, batch")).wait_for(timeout=240_000)

    (gcs,) = ray_processes(server, "gcs_server")
    gcs.kill()  # SIGKILL: the GCS of this server's Ray, nothing else's
    killed_at = time.time()

    # The pages that need no training answer, in a new session, while Ray is gone and while it comes back.
    other = open_tab(chromium, server)
    assert "RNN Lab" in other.locator('[data-testid="stMain"]').inner_text()
    goto(other, "Data", "5,404")  # the vocabulary the lesson adapts: 5,404 tokens
    goto(other, "Parameters", "370,689")  # the lesson's SimpleRNN total (vocabulary 5404, d 64, h 128)
    from rnnlab import gradients

    verdict = gradients.toy_verdict(0.9, 150)["message"].replace("**", "")  # the toy's defaults: w 0.9, t 150
    goto(other, "Gradients", verdict)
    goto(other, "Predict", "I hate this meal!")
    table = other.locator('[data-testid="stTable"] table')
    table.wait_for()
    cells = table.locator("tbody tr").first.locator("td").all_inner_texts()
    assert cells and all(0.0 <= float(c) <= 1.0 for c in cells), cells
    assert "I hate this meal!" in table.inner_text()

    # The run that was training ends failed, with the reason, on the page that started it.
    failed = main.get_by_text(re.compile(re.escape(long_name) + r" failed: .*(Ray|Training is unavailable)"))
    failed.first.wait_for(timeout=180_000)
    reason = failed.first.inner_text()
    screenshot(train, "ray-faults-1-run-failed")

    # The server outlives the moment its Ray's core worker used to end it.
    while time.time() < killed_at + OLD_EXIT_S + 10:
        assert server.process.poll() is None, f"the server exited {time.time() - killed_at:.0f} s after the kill"
        time.sleep(1)
    assert "RNN Lab" in open_tab(chromium, server).locator('[data-testid="stMain"]').inner_text()

    # Ray came back by itself: a new GCS, the engine joined it (generation 2), and a new training finishes.
    wait_for_log(server, r"joined Ray at 127\.0\.0\.1:\d+ \(generation 2\)", 240)
    (new_gcs,) = ray_processes(server, "gcs_server")
    assert new_gcs.pid != gcs.pid
    train.reload()
    wait_until_idle(train, 180)
    for label, value in AFTER.items():
        set_number(train, label, value)
    main_button(train, "Train").click()
    after_name = name_of(AFTER)
    train.wait_for_function(
        """(name) => { const side = document.querySelector('[data-testid="stSidebar"]');
          const main = document.querySelector('[data-testid="stMain"]');
          return side && main && side.innerText.includes(name) && !main.querySelector('[role="progressbar"]'); }""",
        arg=after_name, timeout=300_000)
    assert f"{after_name} failed" not in train.locator('[data-testid="stMain"]').inner_text()
    assert_no_exception(train)
    screenshot(train, "ray-faults-2-trained-after")
    print(f"fault test: {time.perf_counter() - started:.0f} s; the failed run's line: {reason}")
