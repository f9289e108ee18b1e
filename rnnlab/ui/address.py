"""The Train page's settings in the address, so one link opens the page with them:
`/train?archs=LSTM,GRU&units=64&epochs=5`. An instructor hands the class that link.

`parse` reads query parameters into widget values and says why it refused any (the default is used instead);
`encode` writes widget values back as the parameters that differ from the defaults. Both are plain Python; `sync`
and `write` are the Streamlit glue the page calls before and after its widgets.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import streamlit as st

from rnnlab.config import BOUNDS, DEFAULT_CONFIG
from rnnlab.models import ARCHITECTURES
from rnnlab.ui.state import StateKeys as K

LEARNING_RATES = (1e-4, 3e-4, 1e-3, 3e-3, 1e-2, 3e-2, 1e-1)
# The validation sets the page offers: their labels, their name in the address, and what they select.
VALIDATION = {
    "20% of every source": ("stratified", dict(val_fraction=0.2, holdout_source=None)),
    "Hold out Amazon": ("amazon", dict(holdout_source="amazon")),
    "Hold out IMDB": ("imdb", dict(holdout_source="imdb")),
    "Hold out Yelp": ("yelp", dict(holdout_source="yelp")),
}
OFF = "off"  # the address's word for a setting that is switched off (clip_norm, early_stopping)

# address name -> (widget key, default value)
SETTINGS: Mapping[str, tuple[str, Any]] = {
    "archs": (K.TRAIN_ARCHS, ["SimpleRNN"]),
    "embed_dim": (K.TRAIN_EMBED_DIM, DEFAULT_CONFIG["embed_dim"]),
    "units": (K.TRAIN_UNITS, DEFAULT_CONFIG["units"]),
    "epochs": (K.TRAIN_EPOCHS, DEFAULT_CONFIG["epochs"]),
    "batch_size": (K.TRAIN_BATCH_SIZE, DEFAULT_CONFIG["batch_size"]),
    "learning_rate": (K.TRAIN_LEARNING_RATE, DEFAULT_CONFIG["learning_rate"]),
    "seed": (K.TRAIN_SEED, DEFAULT_CONFIG["seed"]),
    "validation": (K.TRAIN_VALIDATION, "20% of every source"),
    "clip_norm": (K.TRAIN_CLIP_NORM, DEFAULT_CONFIG["clip_norm"]),
    "dropout": (K.TRAIN_DROPOUT, DEFAULT_CONFIG["dropout"]),
    "early_stopping": (K.TRAIN_EARLY_STOPPING, DEFAULT_CONFIG["early_stopping"]),
}
DEFAULTS = {key: default for key, default in SETTINGS.values()}
_INTEGERS = ("embed_dim", "units", "epochs", "batch_size", "seed", "early_stopping")
_MAY_BE_OFF = ("clip_norm", "early_stopping")


def initial_values() -> dict[str, Any]:
    """The widgets' first values (the lesson's recipe), fresh copies: {widget key: value}."""
    return {key: list(value) if isinstance(value, list) else value for key, value in DEFAULTS.items()}


def _number(name: str, text: str):
    """The value of numeric setting `name` written as `text`, or a ValueError saying why not."""
    if name in _MAY_BE_OFF and text.strip().lower() in (OFF, ""):
        return None
    low, high = BOUNDS[name]
    try:
        value = float(text)
    except ValueError:
        raise ValueError("not a number") from None
    if not math.isfinite(value):
        raise ValueError("not a finite number")
    if name in _INTEGERS:
        if value != int(value):
            raise ValueError("not a whole number")
        value = int(value)
    if not low <= value <= high:
        off = f" or {OFF}" if name in _MAY_BE_OFF else ""
        raise ValueError(f"must be between {low:g} and {high:g}{off}")
    return value


def _value(name: str, text: str):
    if name == "archs":
        archs = [a.strip() for a in text.split(",") if a.strip()]
        unknown = [a for a in archs if a not in ARCHITECTURES]
        if unknown or not archs:
            raise ValueError(f"{', '.join(unknown) or 'nothing'} is not one of {', '.join(ARCHITECTURES)}")
        return list(dict.fromkeys(archs))
    if name == "validation":
        by_name = {address_name: label for label, (address_name, _) in VALIDATION.items()}
        if text not in by_name:
            raise ValueError(f"must be one of {', '.join(by_name)}")
        return by_name[text]
    if name == "learning_rate":  # one of the slider's stops
        try:
            value = float(text)
        except ValueError:
            raise ValueError("not a number") from None
        matches = [rate for rate in LEARNING_RATES if math.isclose(rate, value, rel_tol=1e-9)]
        if not matches:
            raise ValueError(f"must be one of {', '.join(f'{r:g}' for r in LEARNING_RATES)}")
        return matches[0]
    value = _number(name, text)
    if name == "dropout":
        return float(value)
    if name == "clip_norm" and value is not None:
        return float(value)
    return value


def _shown(default) -> str:
    if default is None:
        return OFF
    if isinstance(default, list):
        return ",".join(default)
    return f"{default:g}" if isinstance(default, float) else str(default)


def parse(params: Mapping[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """(widget values, problems) from query parameters: a value for each setting present and valid; each
    invalid one is refused with its reason and left out (its widget keeps the default). Other parameters
    (`present`, ...) are ignored."""
    values, problems = {}, []
    for name, (key, default) in SETTINGS.items():
        if name not in params:
            continue
        raw = params[name]
        text = str(raw[-1] if isinstance(raw, (list, tuple)) and raw else raw)
        try:
            values[key] = _value(name, text)
        except ValueError as error:
            problems.append(f"The address's {name}={text!r} was refused ({error}); using {_shown(default)}.")
    return values, problems


def encode(values: Mapping[str, Any]) -> dict[str, str]:
    """Query parameters for widget values ({widget key: value}): only those that differ from the defaults, so a
    link says what the instructor changed and nothing else."""
    params = {}
    for name, (key, default) in SETTINGS.items():
        if key in values and values[key] != default:
            value = values[key]
            params[name] = VALIDATION[value][0] if name == "validation" and value in VALIDATION else _shown(value)
    return params


# ----------------------------------------------------------------------------------------------------------
# Streamlit glue


def sync() -> None:
    """Before the widgets: when the address holds settings this session has not written itself (a link just
    opened), they become the widgets' values; each bad one is refused with a warning and the default used."""
    params = {name: st.query_params.get_all(name) for name in SETTINGS if name in st.query_params}
    if not params or params == st.session_state.get(K.TRAIN_ADDRESS):
        return  # nothing in the address, or what this session wrote there: the widgets are ahead of it
    values, problems = parse(params)
    for key, default in initial_values().items():  # a setting the link does not give is the default
        st.session_state[key] = values.get(key, default)
    for problem in problems:
        st.warning(problem, icon=":material/link_off:")


def write() -> None:
    """After the widgets: the address says the current settings (others, like `present`, stay)."""
    params = encode({key: st.session_state.get(key) for key in DEFAULTS})
    for name in SETTINGS:
        if name not in params and name in st.query_params:
            del st.query_params[name]
    for name, text in params.items():
        if st.query_params.get(name) != text:
            st.query_params[name] = text
    st.session_state[K.TRAIN_ADDRESS] = {name: [text] for name, text in params.items()}
