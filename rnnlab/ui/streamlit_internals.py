"""Streamlit's internals that RNN Lab relies on, each with no public API to do it, and each pinned by
tests/test_streamlit_internals.py, which fails on the Streamlit upgrade that moves or removes it:

- `keep_compiled_models()`: ScriptRunner's `_clean_problem_modules` calls `keras.backend.clear_session()` after
  every script run of every session once Keras is imported. The server here builds no model per rerun, and that
  call is a full garbage collection under the GIL that also drops the compiled prediction calls (each Predict run
  traced its models again: 0.8 s a run alone, 6.5 s for the last of ten sessions opening Predict at once).
- `pages_directory_mode()`: until app.py has called st.navigation once in the server process, Streamlit treats
  `pages/` as an old-style multipage folder, so a page opened by its own address on a fresh server would run
  without app.py's frame (rnnlab.ui.frame.require_app_frame runs app.py instead)."""

from __future__ import annotations


def pages_directory_mode() -> bool:
    """Is Streamlit still in its old `pages/` folder mode (no st.navigation seen yet in this server)?"""
    from streamlit.runtime.pages_manager import PagesManager

    return bool(PagesManager.uses_pages_directory)


def keep_compiled_models() -> None:
    """Called by app.py on every script run (idempotent): after it, Streamlit's clean-up after a script run only
    closes matplotlib's figures (see the module docstring)."""
    try:
        from streamlit.runtime.scriptrunner import script_runner
    except ImportError:  # another Streamlit: nothing to change
        return
    if getattr(script_runner._clean_problem_modules, "keeps_keras", False):
        return

    def clean_problem_modules() -> None:
        import sys

        if "matplotlib.pyplot" in sys.modules:
            sys.modules["matplotlib.pyplot"].close("all")

    clean_problem_modules.keeps_keras = True
    script_runner._clean_problem_modules = clean_problem_modules
