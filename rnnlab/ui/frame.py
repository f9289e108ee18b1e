"""The app's frame, as every page needs it: run inside app.py even when a page's own address is opened first,
and the exception a page's guard raises to end the page early (app.py catches it and still draws the sidebar)."""

from __future__ import annotations

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
    from streamlit.runtime.pages_manager import PagesManager

    if PagesManager.uses_pages_directory:
        import runpy

        runpy.run_path(str(APP_SCRIPT), run_name="__main__")
        st.stop()


class PageStop(Exception):
    """Raised by a page's guard to end the page early; app.py catches it and still draws the sidebar's status
    (st.stop() would end app.py too, and the status box with it)."""
