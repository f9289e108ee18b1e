"""First paint of the Home page, against two bare Streamlit apps on the same machine.

The baselines: a one-line app (st.title), and an app with RNN Lab's frame but nothing else: wide layout,
st.navigation over 8 one-line pages with icons, a toggle in the sidebar.

Run `python scripts/first_paint.py` (about a minute). For each repetition and each app it starts `streamlit run` on
127.0.0.1, waits for the server's health check, opens a fresh Chromium context (cold cache, like a first visit)
and measures, from navigation: the browser's first contentful paint and the moment the page's title is visible;
then a second tab in the same context (warm cache, like a student reloading). It prints one line per run, the
medians, and RNN Lab's medians divided by each baseline's: what RNN Lab adds to Streamlit's own start.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from load_test import CHROMIUM, ROOT, free_port  # scripts/ is on the path when a script in it runs

HOME_TITLE = "RNN Lab: recurrent networks that read sentiment"
BASELINE_TITLE = "Hello"
ONE_LINE = "one-line Streamlit app"
NAVIGATION = "8-page navigation app"
NAVIGATION_APP = """import streamlit as st

st.set_page_config(page_title="Baseline", page_icon=":material/neurology:", layout="wide")
pages = [st.Page(f"pages/p{i}.py", title=f"Page {i}", icon=":material/home:", default=i == 1) for i in range(1, 9)]
page = st.navigation(pages)
with st.sidebar:
    st.toggle("Presenter mode")
page.run()
"""


def write_baselines(folder: Path) -> dict[str, Path]:
    """The two baseline apps in `folder`; each page of the navigation app is a one-line title."""
    one_line, navigation = folder / "one_line", folder / "navigation"
    (navigation / "pages").mkdir(parents=True)
    one_line.mkdir()
    title = f'import streamlit as st\n\nst.title("{BASELINE_TITLE}")\n'
    (one_line / "app.py").write_text(title)
    (navigation / "app.py").write_text(NAVIGATION_APP)
    for i in range(1, 9):
        (navigation / "pages" / f"p{i}.py").write_text(title)
    return {ONE_LINE: one_line, NAVIGATION: navigation}


def start_server(folder: Path, port: int) -> subprocess.Popen:
    command = [sys.executable, "-m", "streamlit", "run", "app.py", "--server.headless", "true",
               "--server.port", str(port), "--server.address", "127.0.0.1", "--browser.gatherUsageStats", "false"]
    server = subprocess.Popen(command, cwd=folder, env=dict(os.environ), stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=1)
            return server
        except OSError:
            time.sleep(0.05)
    server.kill()
    raise RuntimeError(f"streamlit run in {folder} did not answer within 60 s")


def measure(browser, folder: Path, title: str) -> dict:
    """One fresh server: cold first visit (paint and title) and a warm second tab (title)."""
    port = free_port()
    server = start_server(folder, port)
    try:
        context = browser.new_context(viewport={"width": 1600, "height": 1000})
        times = {}
        for visit in ("cold", "warm"):
            tab = context.new_page()
            started = time.perf_counter()
            tab.goto(f"http://127.0.0.1:{port}/")
            tab.get_by_role("heading", name=title).wait_for(timeout=60_000)
            times[f"{visit}_title_s"] = time.perf_counter() - started
            if visit == "cold":
                paint = "() => performance.getEntriesByName('first-contentful-paint')[0].startTime"
                times["cold_first_paint_s"] = tab.evaluate(paint) / 1000
        context.close()
        return times
    finally:
        server.terminate()
        server.wait(timeout=30)


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args(argv)
    from playwright.sync_api import sync_playwright

    results = {ONE_LINE: [], NAVIGATION: [], "RNN Lab": []}
    with tempfile.TemporaryDirectory() as scratch, sync_playwright() as playwright:
        apps = write_baselines(Path(scratch))
        apps = [(ONE_LINE, apps[ONE_LINE], BASELINE_TITLE), (NAVIGATION, apps[NAVIGATION], BASELINE_TITLE),
                ("RNN Lab", ROOT, HOME_TITLE)]
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        for repeat in range(args.repeats):
            for name, folder, title in apps:
                times = measure(browser, folder, title)
                results[name].append(times)
                print(f"{repeat + 1}. {name:<24} first paint {times['cold_first_paint_s']:.2f} s, title "
                      f"{times['cold_title_s']:.2f} s cold, {times['warm_title_s']:.2f} s in a second tab", flush=True)
        browser.close()
    keys = ("cold_first_paint_s", "cold_title_s", "warm_title_s")
    medians = {name: {key: statistics.median(run[key] for run in runs) for key in keys}
               for name, runs in results.items()}
    print()
    print(f"{'median':<30}{'first paint':>12}{'title cold':>12}{'title warm':>12}")
    for name, values in medians.items():
        print(f"{name:<30}" + "".join(f"{values[key]:>11.2f}s" for key in keys))
    ratios = {}
    for baseline in (ONE_LINE, NAVIGATION):
        ratios[baseline] = {key: medians["RNN Lab"][key] / medians[baseline][key] for key in keys}
        print(f"{'RNN Lab / ' + baseline:<30}" + "".join(f"{ratios[baseline][key]:>12.2f}" for key in keys))
    return {"medians": medians, "ratios": ratios}


if __name__ == "__main__":
    main()
