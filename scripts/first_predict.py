"""Where a fresh Chromium tab's first Predict spends its time, against a running server with stored models.

Start a server on a prepared store (`python -m rnnlab.prepare --runs-dir DIR`, then `RNNLAB_RUNS_DIR=DIR streamlit
run app.py --server.address 127.0.0.1`) and run `python scripts/first_predict.py http://127.0.0.1:8501`. For each
visit it opens a new browser context (a cold cache), loads Home until its chart is drawn (as a learner reads it),
clicks Predict, and prints one JSON line: seconds from the click until the lesson's sentences are answered with the
page idle (as the lecture's Chromium viewer times it); from the same in-page recorder (scripts/load_test.py's
MILESTONES_JS), the seconds to the run's start, the heading, the sentence in the table, the charts drawn and the
run's end, and the main thread's long tasks summed; and the JS files fetched after the click (name, start and end
in ms, bytes). The first visit to a fresh server also loads TensorFlow and the models there. `--block REGEX` aborts
the requests whose URL matches (`PlotlyChart` shows what the charting bundle costs), `--via-gradients` opens
Gradients instead of Home first.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import re
import time

# scripts/ is on the path when a script in it runs
from load_test import CHARTS_DRAWN_JS, CHROMIUM, CHROMIUM_ARGS, IDLE_JS, MILESTONES_JS, TITLES

PREDICT_TITLE = TITLES["Predict"]

RESOURCES_JS = """since => performance.getEntriesByType('resource')
  .filter(e => e.startTime > since && e.name.endsWith('.js'))
  .map(e => [e.name.split('/').pop(), Math.round(e.startTime - since), Math.round(e.responseEnd - since),
             e.encodedBodySize])"""


async def visit(browser, url: str, block: str | None, via_gradients: bool, throttle: float = 1.0) -> dict:
    context = await browser.new_context(viewport={"width": 1400, "height": 1000})
    page = await context.new_page()
    if throttle > 1:  # Chromium's own CPU slowdown for this tab, as a tab beside busy neighbours gets
        cdp = await context.new_cdp_session(page)
        await cdp.send("Emulation.setCPUThrottlingRate", {"rate": throttle})
    if block:
        await page.route(re.compile(block), lambda route: route.abort())
    await page.goto(url + ("/gradients" if via_gradients else ""))
    await page.locator('[data-testid="stSidebarNav"]').wait_for()
    await page.wait_for_function(IDLE_JS, timeout=600_000)
    if not block:  # Home's chart drawn, as a learner reads Home first (a blocked bundle never draws it)
        await page.wait_for_function(CHARTS_DRAWN_JS, timeout=60_000)
    since = await page.evaluate("() => performance.now()")
    await page.evaluate(MILESTONES_JS)  # the lecture's in-page recorder: milestones and long tasks from now
    started = time.perf_counter()
    await page.locator('[data-testid="stSidebarNav"]').get_by_role("link", name="Predict", exact=True).click()
    await page.get_by_role("heading", name=PREDICT_TITLE).wait_for(timeout=600_000)
    await page.locator('[data-testid="stMain"]').get_by_text("I hate this meal!").first.wait_for(timeout=600_000)
    await page.wait_for_function(IDLE_JS, timeout=600_000)
    total_s = round(time.perf_counter() - started, 2)
    report = dict(total_s=total_s, **await page.evaluate("() => window.__milestones"),
                  resources=await page.evaluate(RESOURCES_JS, since))
    await context.close()
    return report


async def main(args) -> None:
    from playwright.async_api import async_playwright

    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        for number in range(args.visits):
            report = await visit(browser, args.url, args.block, args.via_gradients, args.throttle)
            print(json.dumps(dict(visit=number, **report)), flush=True)
        await browser.close()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("url", help="the server, e.g. http://127.0.0.1:8501")
    parser.add_argument("--visits", type=int, default=3, help="fresh browser contexts, one after another")
    parser.add_argument("--block", metavar="REGEX", help="abort requests whose URL matches")
    parser.add_argument("--via-gradients", action="store_true", help="open Gradients first instead of Home")
    parser.add_argument("--throttle", type=float, default=1.0, metavar="RATE",
                        help="slow the tab's CPU RATE times (Chromium's DevTools throttling; 1: off)")
    asyncio.run(main(parser.parse_args()))
