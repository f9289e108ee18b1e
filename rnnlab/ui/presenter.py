"""Presenter mode: larger text and charts for a projector, and the controls folded away until needed.

Turned on by the sidebar's toggle or by `?present=1` in the address (so a bookmark opens the lecture view);
`apply()` injects the CSS, `chart(fig)` scales a plotly figure, `controls()` folds a page's settings into an
expander. The flag lives in session state, so it survives page switches.
"""

from __future__ import annotations

import contextlib

import streamlit as st

from rnnlab.ui.state import StateKeys

QUERY_PARAM = "present"
STATE_KEY = StateKeys.PRESENTER  # whether the mode is on (plain state: survives pages that skip the sidebar)
TOGGLE_KEY = StateKeys.PRESENTER_TOGGLE  # the sidebar toggle's widget key
FONT_SCALE = 1.4  # text and chart fonts: legible from the back of a lecture hall
CHART_SCALE = 1.35  # chart heights
DEFAULT_CHART_HEIGHT = 450  # what st.plotly_chart draws when a figure sets no height

# Streamlit's text inherits the root font size (rem), so scaling the root scales body, headings and widgets
# alike. The sidebar keeps its normal size so the page gets the room: its sizes are rem too, so it is zoomed
# back by the same factor (a font-size there would leave rem-sized labels such as the page names cut off).
# Labels that Streamlit cuts with an ellipsis (metrics, page links) wrap instead: larger type needs more lines.
# A heading's hover link (its anchor icon) is hidden: when the larger title nearly fills its line, the icon wrapped
# onto a line of its own, a blank band of about 100 px under Predict's title, and a projector needs no anchors.
CSS = f"""
<style>
html {{ font-size: {FONT_SCALE * 100:.0f}%; }}
section[data-testid="stSidebar"] > div {{ zoom: {1 / FONT_SCALE:.4f}; }}
[data-testid="stSidebarNav"] a span {{ white-space: normal; overflow: visible; text-overflow: clip; }}
div[data-testid="stMainBlockContainer"] {{ padding-top: 2rem; padding-left: 3rem; padding-right: 3rem;
  max-width: 100%; }}
div[data-testid="stMarkdownContainer"] p, div[data-testid="stMarkdownContainer"] li {{ line-height: 1.45; }}
div[data-testid="stMetricValue"] {{ font-size: 2.2rem; }}
[data-testid="stMetricValue"] > div, [data-testid="stMetricLabel"] *,
[data-testid="stPageLink"] * {{ white-space: normal !important; overflow: visible !important;
  text-overflow: clip !important; }}
[data-testid="stMain"] [data-testid="stHeaderActionElements"] {{ display: none; }}
</style>
"""


def _wanted_by_url() -> bool:
    return str(st.query_params.get(QUERY_PARAM, "")).lower() in ("1", "true", "yes", "on")


def init() -> None:
    """Call once per run, before the page: `?present=1` turns the mode on for a fresh session, and the address
    keeps saying so while it is on (page switches drop query parameters)."""
    if STATE_KEY not in st.session_state:
        st.session_state[STATE_KEY] = _wanted_by_url()
    st.session_state[TOGGLE_KEY] = st.session_state[STATE_KEY]  # the toggle shows the mode, however it was set
    if is_on() and not _wanted_by_url():
        st.query_params[QUERY_PARAM] = "1"
    elif not is_on() and QUERY_PARAM in st.query_params:
        del st.query_params[QUERY_PARAM]


def is_on() -> bool:
    return bool(st.session_state.get(STATE_KEY, False))


def _toggled() -> None:
    st.session_state[STATE_KEY] = bool(st.session_state[TOGGLE_KEY])


def toggle() -> None:
    """The sidebar switch."""
    st.toggle("Presenter mode", key=TOGGLE_KEY, on_change=_toggled, help="Large text and charts for a "
              "projector; controls folded away. Also: add ?present=1 to the address.")


def apply() -> None:
    """Inject the presenter CSS when the mode is on (it takes no space on the page)."""
    if is_on():
        st.html(CSS)


def scale_figure(fig, font_scale: float = FONT_SCALE, height_scale: float = CHART_SCALE):
    """`fig` with every font size and its height multiplied (returns the same figure); no Streamlit needed."""
    layout = fig.layout
    fig.update_layout(
        height=round((layout.height or DEFAULT_CHART_HEIGHT) * height_scale),
        font_size=round((layout.font.size or 12) * font_scale),
    )
    # The margins hold titles, tick labels and a legend below the plot: they grow with the text.
    margin = layout.margin
    fig.update_layout(margin={side: round(getattr(margin, side) * font_scale) for side in ("l", "r", "t", "b")
                              if getattr(margin, side) is not None})
    if layout.title.font.size:
        fig.update_layout(title_font_size=round(layout.title.font.size * font_scale))
    if layout.legend.font.size:
        fig.update_layout(legend_font_size=round(layout.legend.font.size * font_scale))
    fig.for_each_annotation(
        lambda note: note.update(font_size=round(note.font.size * font_scale)) if note.font.size else None
    )
    for axis in [name for name in layout if name.startswith(("xaxis", "yaxis"))]:
        for part in ("tickfont", "title.font"):
            holder = layout[axis]
            for step in part.split("."):
                holder = holder[step]
            if holder.size:
                holder.size = round(holder.size * font_scale)
    return fig


def chart(fig):
    """The figure as the current mode wants it: scaled up in presenter mode, untouched otherwise."""
    return scale_figure(fig) if is_on() else fig


LATEST_RUNS = 4  # how many runs a chart draws until the presenter picks others


def choose_runs(names, page: str, label: str = "Runs drawn", latest: int = LATEST_RUNS) -> list[str]:
    """The names a page's charts draw: the latest `latest` unless the presenter picks others in a multiselect
    (shown once there are two or more). The widget is keyed by the names it offers, so a new run brings the
    latest four back into view rather than staying hidden behind an old choice."""
    import hashlib

    names = list(dict.fromkeys(str(n) for n in names))
    if len(names) < 2:
        return names
    digest = hashlib.sha1("\0".join(names).encode()).hexdigest()[:10]
    chosen = st.multiselect(label, names, default=names[-latest:], key=f"{StateKeys.DRAWN_RUNS}.{page}.{digest}",
                            help=f"The latest {latest} by default; more lines make each one harder to read.")
    return [name for name in names if name in chosen]


def columns(spec, **kwargs) -> list:
    """st.columns(spec) normally; in presenter mode one full-width container per column, one under the other,
    so each chart gets the whole width its larger type needs (two side by side cut titles and axis labels)."""
    if is_on():
        count = spec if isinstance(spec, int) else len(spec)
        return [st.container() for _ in range(count)]
    return st.columns(spec, **kwargs)


@contextlib.contextmanager
def controls(label: str = "Settings"):
    """A page's controls: in presenter mode folded into an expander (the charts get the screen), else in place."""
    if is_on():
        with st.expander(label, expanded=False, icon=":material/tune:"):
            yield
    else:
        with st.container():
            yield


def _number_format(config) -> str | None:
    """A str.format pattern for a st.column_config.NumberColumn's format ('%.3f', 'localized'), else None."""
    wanted = (config or {}).get("type_config", {}).get("format")
    if wanted == "localized":
        return "{:,.0f}"
    if isinstance(wanted, str) and wanted.startswith("%") and wanted.endswith("f"):
        return "{:" + wanted[1:] + "}"
    return None


def dataframe(frame, column_config: dict | None = None) -> None:
    """st.dataframe(frame) normally (sortable, scrollable); in presenter mode a static table of the same columns
    (those `column_config` hides left out, its number formats kept, empty cells blank), whose cells wrap so
    the whole table fits the projector's width: a data grid cuts long run names or scrolls sideways, and a class
    cannot scroll."""
    import pandas as pd

    column_config = column_config or {}
    if not is_on():
        st.dataframe(frame, hide_index=True, width="stretch", column_config=column_config)
        return
    frame = frame.to_pandas() if hasattr(frame, "to_pandas") else pd.DataFrame(frame)  # figures.table's Arrow
    frame = frame.drop(columns=[c for c, config in column_config.items() if config is None and c in frame.columns])
    labels = {c: config["label"] for c, config in column_config.items()
              if config and config.get("label") and c in frame.columns}
    formats = {labels.get(c, c): _number_format(config) for c, config in column_config.items()
               if c in frame.columns and _number_format(config)}
    frame = frame.rename(columns=labels)

    def plain(value):  # epochs read 10, not 10.000000 (a column with a blank cell is float); a blank stays blank
        if value is None or (isinstance(value, float) and pd.isna(value)):
            return ""
        return f"{value:g}" if isinstance(value, float) else str(value)

    shown = {c: formats.get(c, plain) for c in frame.columns}
    st.table(frame.style.format(shown, na_rep="").hide(axis="index"))
