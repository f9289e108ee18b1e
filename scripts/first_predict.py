"""Where a fresh Chromium tab's first Predict spends its time, against a running server with stored models.

Start a server on a prepared store (`python -m rnnlab.prepare --runs-dir DIR`, then `RNNLAB_RUNS_DIR=DIR streamlit
run app.py --server.address 127.0.0.1`) and run `python scripts/first_predict.py http://127.0.0.1:8501`. For each
visit it opens a new browser context (a cold cache), loads Home until its chart is drawn (as a learner reads it),
clicks Predict, and prints one JSON line: seconds from the click to the heading, the lesson's sentence in the table,
the charts drawn and the script run ended; the JS files fetched after the click (name, start and end in ms, bytes);
and the main thread's long tasks (start and duration in ms). The first visit to a fresh server also loads
TensorFlow and the models there. `--block REGEX` aborts the requests whose URL matches (`PlotlyChart` shows what
the charting bundle costs), `--via-gradients` opens Gradients instead of Home first.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import re
import time

from load_test import CHROMIUM, CHROMIUM_ARGS, IDLE_JS  # scripts/ is on the path when a script in it runs

MILESTONES_JS = """() => {
  const main = document.querySelector('[data-testid="stMain"]');
  if (!main) return {};
  const text = main.innerText || '';
  const app = document.querySelector('[data-testid="stApp"]');
  return {
    heading: text.includes('Predict: how sure'),
    sentence: text.includes('I hate this meal!'),
    charts: text.includes('Predict: how sure') && [...main.querySelectorAll('[data-testid="stPlotlyChart"]')]
      .filter(chart => chart.querySelector('.main-svg')).length >= 2,
    idle: text.includes('Predict: how sure') && !!app && app.dataset.testScriptState === 'notRunning'
      && !document.querySelector('[data-testid="stElementContainer"][data-stale="true"]'),
  };
}"""

WATCH_JS = """() => {
  window.__longTasks = [];
  new PerformanceObserver(list => { for (const e of list.getEntries())
    window.__longTasks.push([Math.round(e.startTime), Math.round(e.duration)]); }).observe({type: 'longtask'});
  window.__t0 = performance.now();
}"""

REPORT_JS = """() => ({
  resources: performance.getEntriesByType('resource').filter(e => e.startTime > window.__t0 && e.name.endsWith('.js'))
    .map(e => [e.name.split('/').pop(), Math.round(e.startTime - window.__t0), Math.round(e.responseEnd - window.__t0),
               e.encodedBodySize]),
  long_tasks: window.__longTasks.map(([start, duration]) => [Math.round(start - window.__t0), duration]),
})"""


async def visit(browser, url: str, block: str | None, via_gradients: bool) -> dict:
    context = await browser.new_context(viewport={"width": 1400, "height": 1000})
    page = await context.new_page()
    if block:
        await page.route(re.compile(block), lambda route: route.abort())
    await page.goto(url + ("/gradients" if via_gradients else ""))
    await page.locator('[data-testid="stSidebarNav"]').wait_for()
    await page.wait_for_function(IDLE_JS, timeout=600_000)
    if not via_gradients and not block:
        await page.locator('[data-testid="stPlotlyChart"] .main-svg').first.wait_for(timeout=60_000)
    await page.evaluate(WATCH_JS)
    started = time.perf_counter()
    await page.locator('[data-testid="stSidebarNav"]').get_by_role("link", name="Predict", exact=True).click()
    seen: dict[str, float] = {}
    while True:
        now = round(time.perf_counter() - started, 2)
        for name, ok in (await page.evaluate(MILESTONES_JS)).items():
            if ok and name not in seen:
                seen[name] = now
        if ("idle" in seen and "sentence" in seen and ("charts" in seen or block)) or now > 60:
            break
        await asyncio.sleep(0.03)
    report = dict(total_s=round(time.perf_counter() - started, 2), milestones_s=seen, **await page.evaluate(REPORT_JS))
    await context.close()
    return report


async def main(args) -> None:
    from playwright.async_api import async_playwright

    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        for number in range(args.visits):
            print(json.dumps(dict(visit=number, **await visit(browser, args.url, args.block, args.via_gradients))),
                  flush=True)
        await browser.close()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("url", help="the server, e.g. http://127.0.0.1:8501")
    parser.add_argument("--visits", type=int, default=3, help="fresh browser contexts, one after another")
    parser.add_argument("--block", metavar="REGEX", help="abort requests whose URL matches")
    parser.add_argument("--via-gradients", action="store_true", help="open Gradients first instead of Home")
    asyncio.run(main(parser.parse_args()))
