"""A server warms itself once per process, in the background, after its first page is drawn: Ray's start begun
and its standing trainers created (the first Train click pays neither), TensorFlow imported, and the stored models Predict shows (the lesson's
prepared four) loaded and called once on the lesson's two sentences, so no student pays a cold start.

`begin()` is app.py's one call (every script run; it starts the work the first time only); `status()` says what
is done, and each step is logged on the server's stderr as it ends ("rnnlab warm-up: ...").
"""

from __future__ import annotations

import logging
import os
import sys
import threading
import time

log = logging.getLogger(__name__)
if not log.handlers:  # Streamlit configures its own loggers only: these lines would otherwise be dropped
    _handler = logging.StreamHandler(sys.stderr)
    _handler.setFormatter(logging.Formatter("%(asctime)s rnnlab warm-up: %(message)s"))
    log.addHandler(_handler)
    log.setLevel(logging.INFO)
    log.propagate = False

LESSON_SENTENCES = ["I hate this meal!", "I love this restaurant"]  # the Predict page's first text
_lock = threading.Lock()
_thread: threading.Thread | None = None
# Set while no warm-up is importing TensorFlow. TensorFlow's import is not safe from two threads at once: a page
# importing Keras while the warm-up imported TensorFlow registered its gradients twice ("Registering two gradient
# with name 'ReduceDataset'", seen in CI's short lecture), so page runs wait for the warm-up's import instead.
_no_import_under_way = threading.Event()
_no_import_under_way.set()
_status: dict = dict(started=False, done=False, ray=None, tensorflow=False, models=[], error=None, seconds=None)


def enabled() -> bool:
    """RNNLAB_WARMUP=0 turns the warm-up off (a server that should start nothing before it is asked: a notebook's
    AppTest, a test of what a page alone imports); anything else, or unset, leaves it on."""
    return os.environ.get("RNNLAB_WARMUP", "1").strip() != "0"


def begin() -> bool:
    """Start the warm-up in a background thread, once per process; True when this call started it."""
    global _thread
    with _lock:
        if _thread is not None or not enabled():
            return False
        _status["started"] = True
        if "tensorflow" not in sys.modules:
            _no_import_under_way.clear()  # before the thread starts: no page run slips in between
        _thread = threading.Thread(target=_warm, name="rnnlab-warm-up", daemon=True)
        _thread.start()
        return True


def wait_for_tensorflow(timeout: float = 120.0) -> bool:
    """app.py calls it before every page: while the warm-up imports TensorFlow (the first seconds of a server's
    life), a page run waits for that import rather than start a second one beside it. False on a timeout."""
    return _no_import_under_way.wait(timeout)


def status() -> dict:
    """A copy of what the warm-up has done: ray ('starting', 'connected' or the reason it is unavailable),
    tensorflow (imported), models (the run ids loaded and called), done, error (a step that failed), seconds."""
    with _lock:
        return {key: list(value) if isinstance(value, list) else value for key, value in _status.items()}


def wait(timeout: float | None = None) -> bool:
    """Block until the warm-up has ended (for scripts and tests); False if it was never begun or is still going."""
    thread = _thread
    if thread is None:
        return False
    thread.join(timeout)
    return not thread.is_alive()


def _set(**changes) -> None:
    with _lock:
        _status.update(changes)


def _warm() -> None:
    started = time.perf_counter()
    try:
        from rnnlab.engine import connection

        connection.start_in_background()  # the keeper starts (or joins) Ray meanwhile, in its own thread
        _set(ray="starting")
        try:
            import tensorflow  # noqa: F401  the import every first Predict or Gradients page paid (seconds)
        finally:
            _no_import_under_way.set()
        _set(tensorflow=True)
        log.info("TensorFlow imported")
        loaded = _load_stored_models()
        _set(models=loaded)
        log.info("stored models loaded and called once: %s", ", ".join(loaded) or "none in the run store")
        try:
            connection.connect()
            from rnnlab.engine.client import manager

            manager().registry()  # the registry and one standing trainer per CPU, TensorFlow imported in each
            _set(ray="connected")
            log.info("Ray connected at %s, trainers started", connection.state()["address"])
        except connection.EngineUnavailable as error:
            _set(ray=str(error))
            log.info("Ray unavailable: %s", error)
    except Exception as error:  # a warm-up never takes the server down: pages load what they need themselves
        _set(error=f"{type(error).__name__}: {error}")
        log.exception("failed")
    finally:
        _set(done=True, seconds=round(time.perf_counter() - started, 2))
        log.info("done in %.1f s", time.perf_counter() - started)


def _load_stored_models() -> list[str]:
    """Load (into the run store's shared cache) every stored model a new session's Predict shows, and call each
    once on the lesson's sentences, so the compiled prediction call and the first answers are there; also fit
    the order-blind baseline the page shows beside them. Returns the run ids loaded."""
    from rnnlab import baseline, predict, runs
    from rnnlab.prepare import lesson_configs

    loaded = []
    for config in lesson_configs():
        stored = runs.find(config)
        if stored is None or stored.stopped:
            continue
        try:
            model = runs.load_run(stored.id)
            predict.probabilities({stored.id: model}, LESSON_SENTENCES)
        except runs.RunStoreError as error:
            log.info("stored run %s not loaded: %s", stored.id, error)
            continue
        loaded.append(stored.id)
    baseline.for_config({})
    return loaded
