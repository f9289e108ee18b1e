"""The Train page's live training curves as a chart that stays mounted and is updated in place.

Why not st.plotly_chart: Streamlit 1.67 computes a Plotly chart's element id with key_as_main_identity=False
from the whole figure (streamlit/elements/plotly_chart.py, compute_and_register_element_id("plotly_chart",
..., plotly_spec=...), about line 913), so every redraw with new batches is a new element and the browser
remounts the chart (Plotly.newPlot, the whole DOM) once a second while a run trains. With the tab open that cost
Chromium about 0.6 of a core on a 2-core machine and slowed the trainings themselves by 1.3x-1.55x (issue 13,
item 3); the server also hashed the whole figure at every redraw.

A components-v1 element with a key takes its id from key, name and url only (key_as_main_identity={"name",
"url"} in streamlit/components/v1/custom_component.py), so new arguments are posted to the same iframe. Its
page (live_chart.html, ours) hands the figure to Plotly.react, which changes the chart in place. The component's
folder is made at runtime: that page and plotly.min.js copied from the installed plotly package (never
committed), in a temporary folder named after plotly's version and the page's content.
"""

from __future__ import annotations

import functools
import hashlib
import importlib.metadata
import importlib.util
import os
import shutil
import tempfile
import threading
from pathlib import Path

NAME = "live_chart"
PAGE = Path(__file__).with_name("live_chart.html")


def plotly_js() -> Path:
    """The plotly.js bundle the installed plotly package ships (found without importing plotly)."""
    spec = importlib.util.find_spec("plotly")
    if spec is None or not spec.origin:
        raise RuntimeError("the plotly package is not installed; the live chart needs its plotly.min.js")
    path = Path(spec.origin).parent / "package_data" / "plotly.min.js"
    if not path.is_file():
        raise RuntimeError(f"the plotly package has no {path}; the live chart needs it")
    return path


@functools.cache
def folder() -> Path:
    """The component's folder (index.html and plotly.min.js), made once per plotly version and page content."""
    page = PAGE.read_bytes()
    version = importlib.metadata.version("plotly")
    digest = hashlib.sha1(page).hexdigest()[:10]
    target = Path(tempfile.gettempdir()) / f"rnnlab-live-chart-{os.getuid()}-{version}-{digest}"
    if not ((target / "index.html").is_file() and (target / "plotly.min.js").is_file()):
        staging = Path(tempfile.mkdtemp(prefix="rnnlab-live-chart-", dir=target.parent))
        (staging / "index.html").write_bytes(page)
        shutil.copyfile(plotly_js(), staging / "plotly.min.js")
        try:
            staging.rename(target)  # atomic: another process making it at the same time wins, which is as good
        except OSError:
            shutil.rmtree(staging, ignore_errors=True)
    return target


_declared = None
_declare_lock = threading.Lock()


def _component():
    """The component, declared once per process. declare_component finds its caller's module with
    inspect.getmodule, which resolves the path of every module loaded (0.18 s with TensorFlow's 4,700, quiet):
    unguarded, the twenty tabs that open Train at a lecture's start each did it at once, 3.6 s of the server's
    Python under the GIL while other pages waited (py-spy, scripts/load_test.py --sessions 30 --profile)."""
    global _declared
    if _declared is None:
        with _declare_lock:
            if _declared is None:
                import streamlit.components.v1 as components

                _declared = components.declare_component(NAME, path=str(folder()))
    return _declared


def declare() -> None:
    """Declare the component now (once per process): app.py calls this after a server's first page is drawn,
    usually before TensorFlow is loaded, when inspect.getmodule has 800 modules to resolve (0.05 s) instead of
    4,700 (0.2 s quiet). Declared first inside a lecture, by its first Train tab, it took 35 py-spy samples
    (1.75 s) of the server's Python under the GIL while every other page waited (scripts/load_test.py
    --sessions 30 --profile, 7 December 2026)."""
    _component()


def plotly_chart(spec: str, key: str) -> None:
    """Draw the figure whose Plotly JSON is `spec` (plotly.io.to_json of it), kept mounted under `key`."""
    _component()(spec=spec, key=key, default=None)
