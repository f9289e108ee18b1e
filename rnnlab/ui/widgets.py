"""Widget values that outlive their page: remembered across pages, kept inside their widgets' bounds, given
their first values through session state, and a selectbox that follows a newly offered option."""

from __future__ import annotations

import streamlit as st

from rnnlab import jobs
from rnnlab.ui.state import StateKeys


# The bounds of every numeric widget whose value session state keeps (they must match the widgets; a page test
# compares them). Streamlit raises on a remembered value outside its widget's range.
WIDGET_BOUNDS = {
    StateKeys.TRAIN_EMBED_DIM: jobs.BOUNDS["embed_dim"],
    StateKeys.TRAIN_UNITS: jobs.BOUNDS["units"],
    StateKeys.TRAIN_EPOCHS: jobs.BOUNDS["epochs"],
    StateKeys.TRAIN_BATCH_SIZE: jobs.BOUNDS["batch_size"],
    StateKeys.TRAIN_SEED: jobs.BOUNDS["seed"],
    StateKeys.TRAIN_CLIP_NORM: jobs.BOUNDS["clip_norm"],  # None (off) is not a number: back to the default, off
    StateKeys.TRAIN_DROPOUT: jobs.BOUNDS["dropout"],
    StateKeys.TRAIN_EARLY_STOPPING: jobs.BOUNDS["early_stopping"],
    StateKeys.PARAMS_VOCAB: (1000, 20000),
    StateKeys.PARAMS_EMBED_DIM: (8, 128),
    StateKeys.PARAMS_UNITS: (8, 256),
    StateKeys.GRADIENTS_W: (0.5, 1.5),
    StateKeys.GRADIENTS_T: (1, 5000),  # rnnlab.gradients.T_MAX
    StateKeys.LONGRANGE_LAG: (3, 120),  # rnnlab.longrange_task.min_lag() to the slider's end
    StateKeys.LONGRANGE_SEED: (0, 999),
}


INTEGER_WIDGETS = {key for key in WIDGET_BOUNDS
                   if key not in (StateKeys.GRADIENTS_W, StateKeys.TRAIN_CLIP_NORM, StateKeys.TRAIN_DROPOUT)}


def keep_in_bounds() -> None:
    """Pull remembered numbers back inside their widgets' ranges (an old session, a changed bound, a hand-set
    state): too large becomes the maximum, too small the minimum, not a number the page's default."""
    for key, (low, high) in WIDGET_BOUNDS.items():
        if key not in st.session_state:
            continue
        value = st.session_state[key]
        try:
            number = float(value)
        except (TypeError, ValueError):
            number = float("nan")
        if isinstance(value, bool) or number != number or number in (float("inf"), float("-inf")):
            del st.session_state[key]  # the page's init_state gives it its default again
            continue
        clamped = min(max(number, low), high)
        clamped = int(round(clamped)) if key in INTEGER_WIDGETS else float(clamped)
        if clamped != value or type(clamped) is not type(value):
            st.session_state[key] = clamped


def keep_widget_state() -> None:
    """Streamlit drops a widget's value when its page is not drawn; writing it back keeps it across pages."""
    keep_in_bounds()
    for key in StateKeys.PERSISTENT:
        if key in st.session_state:
            st.session_state[key] = st.session_state[key]


def init_state(defaults: dict) -> None:
    """Give widgets their first values through session state (widgets then take no value= argument): a widget
    given both a value and a key that keep_widget_state writes to would warn on every rerun."""
    for key, value in defaults.items():
        st.session_state.setdefault(key, value)


def follow_new_option(key: str, options: list, seen_key: str) -> None:
    """Before a selectbox keyed `key` over `options`: select the last option that was not offered last time (a
    sentence just typed), or the last option when the chosen one is gone; otherwise keep the choice."""
    seen = st.session_state.get(seen_key)
    new = [option for option in options if seen is None or option not in seen]
    if new:
        st.session_state[key] = new[-1]
    elif st.session_state.get(key) not in options and options:
        st.session_state[key] = options[-1]
    st.session_state[seen_key] = list(options)
