"""The Predict page's tables, made once for every session that asks the same of the same models: the probability
table of the typed sentences (with the order-blind baseline's column), the word-by-word prefixes of one sentence,
and the word-order pairs with their sentence. In a lecture every Predict tab shows the lesson's stored models on
the same two sentences; building these pandas frames was about a third of the page's script time (py-spy), and
a script run's time is what every other tab waits for on a busy server.

Models are named by their stored run id and model checksum (rnnlab.runs.load_run sets both); a model without
them (not stored) is computed for each asker, as before. The frames are shared: treat them as read-only.
"""

from __future__ import annotations

import streamlit as st

from rnnlab import baseline, charts, predict
from rnnlab.ui import figures
from rnnlab.lru import LRU, size_from_env

_tables = LRU(size_from_env("RNNLAB_PREDICTION_CACHE", 256))


def models_key(runs: dict) -> tuple | None:
    """(name, run id, model checksum) per model, in order; None when one of them is not a stored run."""
    key = []
    for name, run in runs.items():
        run_id, sha = getattr(run, "run_id", None), getattr(run, "model_sha256", None)
        if not run_id or not sha:
            return None
        key.append((name, run_id, sha))
    return tuple(key)


class _Same:
    """A key part that is `obj` itself (held, so its id cannot be reused), for objects that do not hash."""

    __slots__ = ("obj",)

    def __init__(self, obj):
        self.obj = obj

    def __hash__(self) -> int:
        return id(self.obj)

    def __eq__(self, other) -> bool:
        return isinstance(other, _Same) and other.obj is self.obj


def _shared(kind: str, runs: dict, extra: tuple, build):
    key = models_key(runs)
    return build() if key is None else _tables.get((kind, key, *extra), build)


def probability_table(runs: dict, sentences: list[str], reference):
    """predict.probabilities(runs, sentences) with the baseline's column (reference: a fitted BagOfWords, held
    by the key, so it is the very same one)."""
    def build():
        table = predict.probabilities(runs, sentences)
        table[baseline.NAME] = reference.predict(list(table.index))
        return table

    return _shared("probabilities", runs, (tuple(sentences), _Same(reference)), build)


def prefixes(runs: dict, sentence: str):
    """predict.prefix_probabilities(runs, sentence)."""
    return _shared("prefixes", runs, (sentence,), lambda: predict.prefix_probabilities(runs, sentence))


def order_pairs(runs: dict, reference):
    """(baseline.order_pairs(runs, reference), its sentence)."""
    def build():
        pairs = baseline.order_pairs(runs, reference)
        return pairs, baseline.order_pairs_sentence(pairs, list(runs))

    return _shared("order_pairs", runs, (_Same(reference),), build)


def clear() -> None:
    _tables.clear()


def show_probability_table(table) -> None:
    """st.table of `table` coloured red (0) to green (1), three decimals. Its element is made once per distinct
    table and handed to every session that shows the same one: Streamlit replays what a st.cache_data function
    drew, from the element it recorded. Marshalling the pandas Styler was about a third of the Predict page's
    server time in a lecture (py-spy of scripts/load_test.py --sessions 30 --profile: 34 of its 90 samples)."""
    _table_element(figures.frame_key(table), table)


@st.cache_data(max_entries=size_from_env("RNNLAB_PREDICTION_CACHE", 256), show_spinner=False)
def _table_element(key: tuple, _table) -> None:
    """Draws the table; `key` (hashed) says what it shows, the frame itself is not hashed (leading underscore)."""
    st.table(charts.probability_table_style(_table))
