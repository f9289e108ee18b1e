"""What the Lesson and phone browser tests share: a `streamlit run app.py` on 127.0.0.1 over a prepared run store
(the lesson's four architectures, tiny: tests.lesson_store) with an instructor's token set, and the phone's
layout checks (390 x 844, Chromium's phone emulation)."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from tests.e2e.conftest import Server, server_env

TOKEN = "e2e-instructor-token"
PHONE = dict(viewport={"width": 390, "height": 844}, device_scale_factor=2, is_mobile=True, has_touch=True,
             user_agent="Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
                        "Chrome/126.0 Mobile Safari/537.36")
FIRST_SCREEN_PX = 844


def start(log_name: str) -> tuple[Server, Path]:
    """The server and its run store (RNNLAB_LESSON_TEST_RUNS reuses one across test sessions)."""
    from tests.lesson_store import prepare_store

    runs_dir = Path(os.environ.get("RNNLAB_LESSON_TEST_RUNS") or tempfile.mkdtemp(prefix="rnnlab-e2e-lesson-"))
    prepare_store(runs_dir)
    env = server_env()
    env.update(RNNLAB_RUNS_DIR=str(runs_dir), RNNLAB_INSTRUCTOR_TOKEN=TOKEN)
    return Server(env, log_name=log_name), runs_dir


# At a phone's width: does the page scroll sideways, is any control narrower than its label (the label cut or
# spilling out)?
PHONE_CHECKS_JS = """() => {
  const main = document.querySelector('[data-testid="stMain"]');
  const block = document.querySelector('[data-testid="stMainBlockContainer"]');
  const problems = [];
  let checked = 0;
  const doc = document.documentElement;
  if (doc.scrollWidth > doc.clientWidth + 1)
    problems.push(`the page scrolls sideways: ${doc.scrollWidth} > ${doc.clientWidth}`);
  for (const el of [main, block]) {
    if (el && el.scrollWidth > el.clientWidth + 1)
      problems.push(`${el.getAttribute('data-testid')} scrolls sideways: ${el.scrollWidth} > ${el.clientWidth}`);
  }
  const visible = (el) => { const b = el.getBoundingClientRect(); return b.width > 0 && b.height > 0; };
  for (const button of main.querySelectorAll('button')) {
    if (!visible(button)) continue;
    const label = button.querySelector('p') || button;
    checked += 1;
    const b = button.getBoundingClientRect(), l = label.getBoundingClientRect();
    if (label.scrollWidth > label.clientWidth + 2 || l.right > b.right + 1 || l.left < b.left - 1)
      problems.push(`button narrower than its label: "${button.innerText.trim().slice(0, 40)}"`);
  }
  for (const widget of main.querySelectorAll('[data-testid="stWidgetLabel"]')) {
    if (!visible(widget)) continue;
    checked += 1;
    const holder = widget.parentElement.getBoundingClientRect(), label = widget.getBoundingClientRect();
    const text = widget.querySelector('p');
    if (label.right > holder.right + 2 || (text && text.scrollWidth > text.clientWidth + 2))
      problems.push(`control narrower than its label: "${widget.innerText.trim().slice(0, 40)}"`);
  }
  return {checked, problems};
}"""
