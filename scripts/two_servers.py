"""Two RNN Lab servers on one Ray cluster: `ray start --head` on 127.0.0.1, two `streamlit run` servers joined to
it (RAY_ADDRESS, token authentication) with one shared run store, and a Chromium session on each asking for the
same settings at once. Checks that exactly one training runs (the cluster's registry counts runs started), both
sessions watch it finish (each page's sidebar lists the model), and only the starter's Stop button is enabled.

Run `python scripts/two_servers.py` (about a minute on 2 cores); it prints a JSON report and exits 1 if a check
fails. Everything listens on 127.0.0.1; the Ray head and both servers are stopped at the end.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from load_test import CHROMIUM, CHROMIUM_ARGS, IDLE_JS, ROOT, free_port  # noqa: E402

SETTINGS = {"Units": "8", "Embedding size": "8", "Epochs": "3", "Seed": "21"}
NAME = "SimpleRNN, 3 epochs, embedding 8, 8 units, seed 21"


def start_head(workdir: Path, port: int, env: dict) -> None:
    subprocess.run(["ray", "start", "--head", "--node-ip-address=127.0.0.1", f"--port={port}", "--num-cpus=2",
                    "--include-dashboard=false", f"--temp-dir={workdir / 'ray'}", "--disable-usage-stats"],
                   env=env, check=True, capture_output=True, text=True, timeout=180)


def stop_head(workdir: Path) -> None:
    """End this head's processes only (they name its temporary folder): `ray stop` would end every Ray of this
    user on the machine."""
    import psutil

    ours = []
    for process in psutil.process_iter(["cmdline"]):
        try:
            if str(workdir) in " ".join(process.info["cmdline"] or []):
                ours.append(process)
        except psutil.Error:
            pass
    for process in ours:
        try:
            process.terminate()
        except psutil.Error:
            pass
    _, alive = psutil.wait_procs(ours, timeout=15)
    for process in alive:
        try:
            process.kill()
        except psutil.Error:
            pass


def start_server(port: int, env: dict, log: Path) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "streamlit", "run", "app.py", "--server.address", "127.0.0.1",
                             "--server.port", str(port), "--server.headless", "true",
                             "--browser.gatherUsageStats", "false"], cwd=ROOT, env=env,
                            stdout=open(log, "w"), stderr=subprocess.STDOUT)


def drive(urls: list[str]) -> list[dict]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        pages = []
        for url in urls:
            page = browser.new_context(viewport={"width": 1400, "height": 1000}).new_page()
            page.set_default_timeout(120_000)
            page.goto(f"{url}/train")
            page.wait_for_function(IDLE_JS)
            for label, value in SETTINGS.items():
                box = page.get_by_label(label, exact=True)
                box.fill(value)
                box.press("Enter")
                page.wait_for_timeout(300)
                page.wait_for_function(IDLE_JS)
            pages.append(page)
        for page in pages:  # as close together as one client can
            page.locator('[data-testid="stMain"]').get_by_role("button", name="Train", exact=True).click()
        time.sleep(4)
        seen = []
        for page in pages:
            page.wait_for_function(IDLE_JS)
            stop = page.locator('[data-testid="stMain"]').get_by_role("button", name="Stop", exact=True)
            seen.append(dict(stop_enabled=stop.is_enabled(),
                             shared_note="started by another session" in page.inner_text('[data-testid="stMain"]')))
        for page, info in zip(pages, seen):
            page.wait_for_function(
                """(name) => { const side = document.querySelector('[data-testid="stSidebar"]');
                  const main = document.querySelector('[data-testid="stMain"]');
                  return side && main && side.innerText.includes(name) && !main.querySelector('[role="progressbar"]'); }""",
                arg=NAME, timeout=300_000)
            info["finished_on_page"] = True
            info["exception"] = page.locator('[data-testid="stException"]').count() > 0
        browser.close()
    return seen


def registry_counts(address: str, env: dict) -> dict:
    code = ("import ray, json; from rnnlab import jobs; jobs.connect(); "
            "print(json.dumps(ray.get(jobs.Engine().registry().counts.remote())))")
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=dict(env, RAY_ADDRESS=address),
                          capture_output=True, text=True, timeout=120)
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> int:
    workdir = Path(tempfile.mkdtemp(prefix="rnnlab-two-servers-"))
    ray_port = free_port()
    address = f"127.0.0.1:{ray_port}"
    env = dict(os.environ, RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER="0", RAY_AUTH_MODE="token", TF_CPP_MIN_LOG_LEVEL="2",
               RNNLAB_RUNS_DIR=str(workdir / "runs"), STREAMLIT_SERVER_FILE_WATCHER_TYPE="none")
    env.setdefault("RNNLAB_DATA_DIR", str(ROOT.parent / "shared" / "data" / "sentiment_labelled_sentences"))
    started = time.perf_counter()
    servers = []
    report: dict = dict(ray_address=address)
    try:
        start_head(workdir, ray_port, env)
        ports = [free_port(), free_port()]
        servers = [start_server(port, dict(env, RAY_ADDRESS=address), workdir / f"server-{i}.log")
                   for i, port in enumerate(ports)]
        time.sleep(8)
        sessions = drive([f"http://127.0.0.1:{port}" for port in ports])
        counts = registry_counts(address, env)
        listening = subprocess.run(["ss", "-ltnp"], capture_output=True, text=True).stdout.splitlines()
        ours = [line for line in listening if any(f"pid={s.pid}," in line for s in servers) or "gcs_server" in line
                or "raylet" in line]
        stored = sorted(path.name for path in (workdir / "runs").iterdir() if not path.name.startswith("."))
        report.update(sessions=sessions, runs_started_in_cluster=sum(counts.values()), registry=counts,
                      stored_runs=stored, seconds=round(time.perf_counter() - started, 1),
                      non_loopback_listeners=[line for line in ours if line.split()[3].rsplit(":", 1)[0]
                                              not in ("127.0.0.1", "[::ffff:127.0.0.1]", "[::1]")],
                      listeners_checked=len(ours))
        failures = []
        if report["runs_started_in_cluster"] != 1 or counts.get("finished") != 1:
            failures.append(f"expected exactly one run, finished: {counts}")
        if sorted(s["stop_enabled"] for s in sessions) != [False, True]:
            failures.append(f"exactly one session (the starter) may stop it: {sessions}")
        if not all(s.get("finished_on_page") and not s.get("exception") for s in sessions):
            failures.append("a session did not see the run finish, or showed an exception")
        if report["non_loopback_listeners"] or not ours:
            failures.append(f"something listens beyond 127.0.0.1: {report['non_loopback_listeners']}")
        if len(stored) != 1:
            failures.append(f"one stored run expected in the shared store, found {stored}")
        report["failures"] = failures
    finally:
        for server in servers:
            server.terminate()
            server.wait(20)
        stop_head(workdir)
        shutil.rmtree(workdir, ignore_errors=True)
    print(json.dumps(report, indent=2))
    return 1 if report.get("failures", ["did not finish"]) else 0


if __name__ == "__main__":
    sys.exit(main())
