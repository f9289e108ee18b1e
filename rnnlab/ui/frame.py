"""The app's frame, as every page needs it: run inside app.py even when a page's own address is opened first,
the exception a page's guard raises to end the page early (app.py catches it and still draws the sidebar), and
the server's heap frozen once TensorFlow has loaded (app.py calls freeze_heap after every script run)."""

from __future__ import annotations

import threading
from pathlib import Path

import streamlit as st


APP_SCRIPT = Path(__file__).resolve().parents[2] / "app.py"


def require_app_frame() -> None:
    """Make sure this page runs inside app.py's frame; call it first thing on every page.

    Until app.py has called st.navigation once in the server process, Streamlit still treats `pages/` as an old
    style multipage folder: a fresh server's first visitor who opens a page's own address (a bookmarked
    `/train?present=1`, a link a teacher shared) gets that page run bare, without app.py (no wide layout, no
    presenter mode, no sidebar status, no stored runs), and so does everyone after them until someone opens the
    root address. Here such a run runs app.py instead, whose st.navigation drops the old mode for good and runs
    this same page inside the frame; then this bare run stops. (No rerun: a click that came with it is kept.)
    """
    from rnnlab.ui.streamlit_internals import pages_directory_mode

    if pages_directory_mode():
        import runpy

        runpy.run_path(str(APP_SCRIPT), run_name="__main__")
        st.stop()


class PageStop(Exception):
    """Raised by a page's guard to end the page early; app.py catches it and still draws the sidebar's status
    (st.stop() would end app.py too, and the status box with it)."""


_heap_frozen = False
_freeze_lock = threading.Lock()


def freeze_heap() -> bool:
    """Called by app.py after every script run: the first time TensorFlow is found loaded in the server (by the
    first page that needed it), collect the garbage once and freeze what is left (gc.freeze), so that Python's
    full collections, which stop every session's Python, no longer walk the ~420,000 long-lived objects of
    TensorFlow, Keras, Ray and the loaded models. A full collection took 0.21 s quiet with them and 0.03 s
    without. The 30-session lecture ran 6 of them, the longest 0.63 s, before; 8 and 10, the longest 0.16 and
    0.27 s, after (scripts/load_test.py, server_full_collections). True when this call froze the heap."""
    global _heap_frozen
    import sys

    if _heap_frozen or "tensorflow" not in sys.modules:
        return False
    with _freeze_lock:
        if _heap_frozen:
            return False
        import gc

        gc.collect()  # garbage frozen now would never be collected
        gc.freeze()
        _heap_frozen = True
    return True
