"""Two RNN Lab servers on one Ray cluster, started with README's own commands ("Several machines or servers": read
from its bash block, with 127.0.0.1 for the addresses, free ports, 2 cores, a temporary HOME for the cluster's
token and a temporary run store): the token made with `ray get-auth-token --generate`, `ray start --head` with
RAY_AUTH_MODE=token on 127.0.0.1, two `streamlit run` servers joined to it, and a Chromium session on each asking
for the same settings at once. Checks that exactly one training runs (the cluster's registry counts runs
started), both sessions watch it finish (each page's sidebar lists the model), only the starter's Stop button is
enabled, the head refuses a driver without the token, and nothing of the head or the servers listens beyond
127.0.0.1. The head is the servers' node here, so README's join line (for other machines) is not run.

Run `python scripts/two_servers.py` (about a minute on 2 cores); it prints a JSON report and exits 1 if a check
fails. The Ray head and both servers are stopped at the end.
"""

from __future__ import annotations

import json
import os
import re
import shlex
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


README = ROOT / "README.md"


def recipe(readme: Path = README) -> dict[str, str]:
    """README's cluster commands, by role: token, head, join, server (the bash block under "Several machines")."""
    text = readme.read_text()
    block = re.search(r"\*\*Several machines or servers:\*\*.*?```bash\n(.*?)```", text, re.S)
    if block is None:
        raise SystemExit("README.md has no bash block under 'Several machines or servers'")
    lines = [line.split("  #")[0].strip() for line in block.group(1).splitlines()]
    lines = [line for line in lines if line and not line.startswith("#")]
    roles = {"token": "ray get-auth-token", "head": "ray start --head", "join": "ray start --address",
             "server": "streamlit run"}
    found = {role: [line for line in lines if mark in line] for role, mark in roles.items()}
    if any(len(matches) != 1 for matches in found.values()):
        raise SystemExit(f"README's cluster block should have one line for each of {list(roles)}: {lines}")
    return {role: matches[0] for role, matches in found.items()}


def command(line: str, values: dict, env: dict) -> tuple[list[str], dict]:
    """A README line with its placeholders filled in: (argv, environment). Leading NAME=value words set the
    environment, as in a shell; `ray` and `streamlit` are this Python's."""
    for placeholder, value in values.items():
        line = line.replace(placeholder, value)
    words, env = shlex.split(line), dict(env)
    while words and re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*=.*", words[0]):
        name, _, value = words.pop(0).partition("=")
        env[name] = value
    programs = {"ray": [str(Path(sys.executable).with_name("ray"))], "streamlit": [sys.executable, "-m", "streamlit"]}
    return programs.get(words[0], [words[0]]) + words[1:], env


def head_processes(port: int) -> list:
    """This head's processes: each names its GCS port (`ray stop` would end every Ray of this user)."""
    import psutil

    marks = (f"127.0.0.1:{port}", f"--gcs_server_port={port}", f"--port={port}")
    ours = []
    for process in psutil.process_iter(["cmdline"]):
        try:
            line = " ".join(process.info["cmdline"] or [])
            if any(mark in line for mark in marks) and "two_servers" not in line:
                ours.append(process)
        except psutil.Error:
            pass
    return ours


def stop_head(port: int) -> None:
    import psutil

    ours = head_processes(port)
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


def listeners(pids: set[int]) -> list[tuple[str, int, int]]:
    import psutil

    return [(c.laddr.ip, c.laddr.port, c.pid) for c in psutil.net_connections("inet")
            if c.status == psutil.CONN_LISTEN and c.pid in pids]


def family(pids: list[int]) -> set[int]:
    import psutil

    found = set()
    for pid in pids:
        try:
            process = psutil.Process(pid)
            found |= {pid} | {child.pid for child in process.children(recursive=True)}
        except psutil.Error:
            pass
    return found


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


def without_token(address: str, env: dict) -> str:
    """What the head says to a driver without RAY_AUTH_MODE=token (so without the token): 'refused (...)', 'not
    joined in 120 s' (Ray's client keeps retrying), or 'joined' (a failure)."""
    env = {k: v for k, v in env.items() if not k.startswith("RAY_AUTH")}
    code = f"import ray\ntry:\n    ray.init(address={address!r})\n    print('JOINED')\nexcept Exception as e:\n" \
           f"    print('REFUSED', type(e).__name__)"
    try:
        done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True,
                              timeout=120)
    except subprocess.TimeoutExpired:
        return "not joined in 120 s"
    if "JOINED" in done.stdout:
        return "joined"
    return "refused (" + done.stdout.split("REFUSED", 1)[-1].strip() + ")" if "REFUSED" in done.stdout else \
        f"ended without joining (exit {done.returncode})"


def main() -> int:
    workdir = Path(tempfile.mkdtemp(prefix="rnnlab-two-servers-"))
    (workdir / "home").mkdir()
    ray_port = free_port()
    address = f"127.0.0.1:{ray_port}"
    commands = recipe()
    # Only what README's lines set: nothing of this process's own Ray settings (rnnlab.engine.connection, imported
    # here through load_test, sets some for itself).
    base = {k: v for k, v in os.environ.items() if not k.startswith(("RAY_AUTH", "RAY_ADDRESS", "RAY_gcs"))}
    base.update(HOME=str(workdir / "home"), TF_CPP_MIN_LOG_LEVEL="2", STREAMLIT_SERVER_FILE_WATCHER_TYPE="none")
    base.setdefault("RNNLAB_DATA_DIR", str(ROOT.parent / "shared" / "data" / "sentiment_labelled_sentences"))
    values = {"<head address>": "127.0.0.1", "6379": str(ray_port), "<cores>": "2",
              "/shared/rnnlab-runs": str(workdir / "runs")}
    started = time.perf_counter()
    servers = []
    report: dict = dict(ray_address=address, readme_commands=commands)
    try:
        for role in ("token", "head"):
            argv, env = command(commands[role], values, base)
            subprocess.run(argv, env=env, check=True, capture_output=True, text=True, timeout=180, cwd=ROOT)
        report["token_file"] = (workdir / "home" / ".ray" / "auth_token").exists()
        ports = [free_port(), free_port()]
        for i, port in enumerate(ports):
            argv, env = command(commands["server"], {**values, "8501": str(port)}, base)
            server_env = env
            servers.append(subprocess.Popen(argv, cwd=ROOT, env=env, stdout=open(workdir / f"server-{i}.log", "w"),
                                            stderr=subprocess.STDOUT))
        time.sleep(8)
        sessions = drive([f"http://127.0.0.1:{port}" for port in ports])
        counts = registry_counts(address, server_env)
        ours = listeners(family([p.pid for p in head_processes(ray_port)] + [s.pid for s in servers]))
        stored = sorted(path.name for path in (workdir / "runs").iterdir() if not path.name.startswith("."))
        report.update(sessions=sessions, runs_started_in_cluster=sum(counts.values()), registry=counts,
                      stored_runs=stored, without_token=without_token(address, base),
                      seconds=round(time.perf_counter() - started, 1),
                      non_loopback_listeners=[entry for entry in ours
                                              if entry[0] not in ("127.0.0.1", "::ffff:127.0.0.1", "::1")],
                      listeners_checked=len(ours))
        failures = []
        if not report["token_file"]:
            failures.append("README's token command wrote no ~/.ray/auth_token")
        if report["runs_started_in_cluster"] != 1 or counts.get("finished") != 1:
            failures.append(f"expected exactly one run, finished: {counts}")
        if sorted(s["stop_enabled"] for s in sessions) != [False, True]:
            failures.append(f"exactly one session (the starter) may stop it: {sessions}")
        if not all(s.get("finished_on_page") and not s.get("exception") for s in sessions):
            failures.append("a session did not see the run finish, or showed an exception")
        if report["non_loopback_listeners"] or not ours:
            failures.append(f"something listens beyond 127.0.0.1: {report['non_loopback_listeners']}")
        if report["without_token"] == "joined":
            failures.append("a driver without the token joined the head")
        if len(stored) != 1:
            failures.append(f"one stored run expected in the shared store, found {stored}")
        report["failures"] = failures
    finally:
        for server in servers:
            server.terminate()
            server.wait(20)
        if report.get("failures", ["did not finish"]):  # what the servers said, before their folder goes
            for log in sorted(workdir.glob("server-*.log")):
                print(f"--- {log.name}, last lines:\n" + "\n".join(log.read_text().splitlines()[-40:]), file=sys.stderr)
        stop_head(ray_port)
        shutil.rmtree(workdir, ignore_errors=True)
    print(json.dumps(report, indent=2))
    return 1 if report.get("failures", ["did not finish"]) else 0


if __name__ == "__main__":
    sys.exit(main())
