"""The Streamlit internals RNN Lab relies on (rnnlab.ui.streamlit_internals), pinned: each test here fails on
the Streamlit upgrade that moves or changes what the module reaches into, and the two tweaks of the server
process do what they say."""

import inspect
import subprocess
import sys
from pathlib import Path

from rnnlab.ui import streamlit_internals


def test_scriptrunner_still_cleans_up_through_the_module_function_we_replace():
    """The replacement works only while ScriptRunner calls the module-level `_clean_problem_modules()` by name
    after a script run, and that function still clears Keras' session."""
    from streamlit.runtime.scriptrunner import script_runner

    source = inspect.getsource(script_runner.ScriptRunner)
    assert "_log_if_error(_clean_problem_modules)" in source  # looked up by name in the module at each call
    shipped = inspect.getsource(script_runner).split("def _clean_problem_modules", 1)[1].split("\ndef ", 1)[0]
    assert "clear_session" in shipped


def test_the_pages_folder_mode_is_still_a_class_flag_of_the_pages_manager():
    from streamlit.runtime.pages_manager import PagesManager

    assert isinstance(PagesManager.uses_pages_directory, (bool, type(None)))
    assert streamlit_internals.pages_directory_mode() is bool(PagesManager.uses_pages_directory)


def test_keep_compiled_models_stops_streamlit_clearing_keras_after_every_script_run(monkeypatch):
    """Streamlit's clean-up after each script run called keras.backend.clear_session() (a full garbage
    collection, and the compiled prediction calls lost); after keep_compiled_models() only matplotlib's part is left, and
    the project's Streamlit config turns the post-run gc.collect() off."""
    import tomllib
    from types import SimpleNamespace

    from streamlit.runtime.scriptrunner import script_runner

    calls = []
    monkeypatch.setitem(sys.modules, "keras", SimpleNamespace(backend=SimpleNamespace(
        clear_session=lambda: calls.append("clear_session"))))
    monkeypatch.setitem(sys.modules, "matplotlib.pyplot", SimpleNamespace(close=lambda which: calls.append(which)))
    monkeypatch.setattr(script_runner, "_clean_problem_modules", script_runner._clean_problem_modules)
    if not getattr(script_runner._clean_problem_modules, "keeps_keras", False):  # Streamlit's own, as shipped
        script_runner._clean_problem_modules()
        assert calls == ["clear_session", "all"]
        calls.clear()
    streamlit_internals.keep_compiled_models()
    streamlit_internals.keep_compiled_models()  # app.py calls it on every run: once is enough
    script_runner._clean_problem_modules()
    assert calls == ["all"]
    config = tomllib.loads((Path(__file__).resolve().parents[1] / ".streamlit" / "config.toml").read_text())
    assert config["runner"]["postScriptGC"] is False


def test_the_servers_heap_is_frozen_once_after_tensorflow_loads():
    """frame.freeze_heap (app.py calls it after every script run) does nothing before TensorFlow is loaded,
    then collects and freezes the heap once: Python's full collections skip TensorFlow's objects from then on."""
    code = """
import gc, sys
from rnnlab.ui import frame
assert frame.freeze_heap() is False and gc.get_freeze_count() == 0
import tensorflow
assert frame.freeze_heap() is True
frozen = gc.get_freeze_count()
assert frame.freeze_heap() is False and gc.get_freeze_count() == frozen
print(frozen)
"""
    done = subprocess.run([sys.executable, "-c", code], cwd=Path(__file__).resolve().parents[1], capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    assert int(done.stdout.split()[-1]) > 100_000  # TensorFlow's and Keras' objects, frozen
