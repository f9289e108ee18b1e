"""What the live Train page costs: from one Train click for the lesson's four architectures (their defaults) to
all four stored in the run store, once with the tab closed right after the click and once with the tab left
open drawing its live curves, and the four clicked one at a time (each alone, the tab closed) for comparison.

Run `python scripts/live_page.py` (about 4 minutes on 2 cores). Each phase has its own `streamlit run app.py` on
127.0.0.1 with an empty run store (so each starts its own local Ray on the first click, as a fresh server does)
and Debian's Chromium beside it, as a learner runs it on a laptop. "Stored" is read from the run store on disk.
With the tab open, the script samples the live chart every 0.2 s (how far its traces have got) and reports how
long the drawn curves went without news (gaps between changes; the waits between one run's end and the next's
first batch are among them). It prints a JSON report: the three times, the ratios open/closed and closed/alone, the
redraw gaps, and the CPU seconds of the server (with its Ray) and of this script with its Chromium per phase.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "scripts")]

from load_test import CHROMIUM, CHROMIUM_ARGS, IDLE_JS, Server, cpu_seconds  # noqa: E402

from rnnlab.models import LESSON_ARCHS  # noqa: E402

# How far the drawn curves have got: the sum over the chart's traces of their last x (fractional epochs). It grows
# whenever a redraw brings a new batch of any run, so the time between its changes is how stale the chart is.
LATEST_JS = """() => {
  // The live curves are drawn inside their component's iframe (rnnlab.ui.live_chart; same origin as the page).
  const frame = document.querySelector('[data-testid="stMain"] iframe[src*="live_chart"]');
  const inner = frame && frame.contentDocument;
  const plot = inner && inner.querySelector('.js-plotly-plot');
  const traces = plot && (plot._fullData || plot.data);  // _fullData: Plotly's decoded arrays (plot.data may hold base64)
  if (!traces) return null;
  return traces.reduce((sum, t) => sum + (t.x && t.x.length ? Number(t.x[t.x.length - 1]) : 0), 0);
}"""


def stored(store: Path) -> int:
    from rnnlab import runs

    return sum(1 for run in runs.list_runs(store)[0] if run.status == runs.FINISHED)


def click_train(browser, url: str, archs) -> tuple:
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    page.set_default_timeout(180_000)
    page.goto(f"{url}/train?archs={','.join(archs)}")
    page.get_by_role("heading", name="Train: watch a recurrent network learn").wait_for()
    page.wait_for_function(IDLE_JS)
    train = page.locator('[data-testid="stMain"]').get_by_role("button", name="Train", exact=True)
    train.wait_for()
    clicked = time.perf_counter()
    train.click()
    page.locator('[data-testid="stMain"] [role="progressbar"]').first.wait_for()  # the server heard it
    return context, page, clicked


def phase(browser, groups: list[list[str]], keep_open: bool) -> dict:
    import psutil

    me = psutil.Process()
    with tempfile.TemporaryDirectory(prefix="rnnlab-live-") as workdir:
        server = Server(Path(workdir))
        store = Path(workdir) / "runs"
        try:
            cpu_before = cpu_seconds(server.ps), cpu_seconds(me)
            seconds, redraws = [], []
            for group in groups:
                before = stored(store)
                context, page, clicked = click_train(browser, server.url, group)
                if not keep_open:
                    context.close()
                latest, deadline = None, time.time() + 900
                while stored(store) < before + len(group):
                    if time.time() > deadline:
                        raise TimeoutError(f"{group} not stored in 15 minutes")
                    if keep_open:
                        drawn = page.evaluate(LATEST_JS)
                        if drawn is not None and drawn != latest:
                            redraws.append(time.perf_counter())
                            latest = drawn
                    time.sleep(0.2)
                seconds.append(round(time.perf_counter() - clicked, 1))
                if keep_open:
                    context.close()
            cpu = dict(server_and_ray=round(cpu_seconds(server.ps) - cpu_before[0], 1),
                       script_and_chromium=round(cpu_seconds(me) - cpu_before[1], 1))
        finally:
            server.stop()
    result = dict(seconds=round(sum(seconds), 1), each=seconds, cpu_seconds=cpu)
    if keep_open:
        gaps = [b - a for a, b in zip(redraws, redraws[1:])]
        result["updates"] = len(redraws)
        result["update_gap_s"] = dict(median=round(statistics.median(gaps), 2), max=round(max(gaps), 2),
                                      share_over_1s=round(sum(g > 1.0 for g in gaps) / len(gaps), 3)) if gaps else None
    return result


def main(argv=None) -> int:
    from playwright.sync_api import sync_playwright

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--phases", nargs="+", default=["closed", "open", "alone"], choices=["closed", "open", "alone"])
    parser.add_argument("--out", type=Path)
    args = parser.parse_args(argv)
    archs = list(LESSON_ARCHS)
    report: dict = dict(archs=archs, cores=os.cpu_count(), ray_cpus=os.environ.get("RNNLAB_RAY_CPUS", "default"),
                        load_before=[round(x, 2) for x in os.getloadavg()])
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        for name in args.phases:
            groups = [[arch] for arch in archs] if name == "alone" else [archs]
            report[f"tab_{name}" if name != "alone" else "four_alone_in_sequence"] = phase(
                browser, groups, keep_open=name == "open")
        browser.close()
    closed, opened = report.get("tab_closed"), report.get("tab_open")
    alone = report.get("four_alone_in_sequence")
    if closed and opened:
        report["open_over_closed"] = round(opened["seconds"] / closed["seconds"], 3)
    if closed and alone:
        report["closed_over_alone"] = round(closed["seconds"] / alone["seconds"], 3)
    report["load_after"] = [round(x, 2) for x in os.getloadavg()]
    text = json.dumps(report, indent=1)
    print(text)
    if args.out:
        args.out.write_text(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
