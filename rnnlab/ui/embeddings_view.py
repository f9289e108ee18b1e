"""The Embeddings page's measurements, kept for the session so typing a word does not redo the maps: both maps
and their separability for one model (rnnlab.embeddings.compare), and a word's neighbours before and after."""

from __future__ import annotations

import streamlit as st

from rnnlab import embeddings
from rnnlab.config import load_split
from rnnlab.ui.state import StateKeys

STATES = ("trained", "untrained")


def maps(job, min_count: int) -> dict:
    """rnnlab.embeddings.compare of the job's model on the sentences it was trained on (counts and leans come
    from them), for the words seen at least `min_count` times; only the latest model and count are kept."""
    cached = st.session_state.setdefault(StateKeys.EMBED_RESULTS, {})
    if (job.id, min_count) not in cached:
        train_df, _ = load_split(job.config)
        cached.clear()
        cached[job.id, min_count] = embeddings.compare(job.result, min_count, sentences=train_df)
    return cached[job.id, min_count]


def neighbour_tables(run, word: str) -> dict:
    """state -> the word's 10 nearest neighbours in the trained and the untrained embedding; ValueError says why
    a word has none (not in the vocabulary, empty)."""
    return {state: embeddings.neighbours(run, word, k=10, trained=state == "trained") for state in STATES}
