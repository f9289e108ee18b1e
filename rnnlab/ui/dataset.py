"""The data set as a page sees it: is it here (cached briefly), the sentences and their word counts (cached per
RNNLAB_DATA_DIR, so a test or an admin pointing it elsewhere sees the other folder at once), the upload this
session chose, and the button that downloads the official zip."""

from __future__ import annotations

import os
from pathlib import Path

import streamlit as st

from rnnlab.ui.state import StateKeys


def _data_dir_setting() -> str | None:
    return os.environ.get("RNNLAB_DATA_DIR")


@st.cache_data(ttl=30, show_spinner=False)
def _data_status(data_dir_setting: str | None) -> tuple[bool, str]:
    from rnnlab.data import data_status as check

    return check()


def data_status() -> tuple[bool, str]:
    """(ok, message): is the data set here? Cheap, never downloads, cached for 30 seconds."""
    return _data_status(_data_dir_setting())


@st.cache_data(show_spinner="Loading the sentences...")
def _sentiment_data(data_dir_setting: str | None):
    from rnnlab.data import load_sentiment

    return load_sentiment()


def sentiment_data():
    """The 3000 sentences (text, label, source)."""
    return _sentiment_data(_data_dir_setting())


@st.cache_data(show_spinner=False)
def _vocabulary_counts(data_dir_setting: str | None):
    from rnnlab.data import token_counts

    return token_counts(_sentiment_data(data_dir_setting)["text"])


def vocabulary_counts():
    """Word counts over all 3000 sentences, in the vectorizer's order: token id = position + 2."""
    return _vocabulary_counts(_data_dir_setting())


def data_choice() -> str | None:
    """None when this session trains on the UCI sentences, else the id of the set it uploaded."""
    return st.session_state.get(StateKeys.DATA_CHOICE)


@st.cache_data(show_spinner=False, max_entries=32)
def _uploaded_data(data_id: str):
    from rnnlab.uploads import load

    return load(data_id)


def chosen_data():
    """The sentences this session trains on (text, label, source): its upload, else the UCI set."""
    choice = data_choice()
    return _uploaded_data(choice) if choice else sentiment_data()


@st.cache_data(show_spinner=False, max_entries=32)
def _uploaded_counts(data_id: str):
    from rnnlab.data import token_counts

    return token_counts(_uploaded_data(data_id)["text"])


def chosen_vocabulary_counts():
    """Word counts over the chosen sentences, in the vectorizer's order: token id = position + 2; at most the
    RNNLAB_MAX_VOCABULARY - 2 most frequent words, as every model's vocabulary (rarer words are its '[UNK]')."""
    from rnnlab.text import max_vocabulary

    choice = data_choice()
    counts = _uploaded_counts(choice) if choice else vocabulary_counts()
    return counts.iloc[: max_vocabulary() - 2]


def headline(message: str) -> str:
    """The first line of a data-status message: what is wrong, without the list of ways to get the data (Home
    shows that list once)."""
    return str(message).split("\n")[0].strip()


def data_destination() -> Path:
    """Where the download button puts the data: the RNNLAB_DATA_DIR folder when that is set (it is where the
    app then looks), else the project's data/ folder."""
    from rnnlab.data import DATA_DIR

    setting = _data_dir_setting()
    return Path(setting).expanduser() if setting else DATA_DIR


def download_button() -> None:
    """A button that downloads the official zip with rnnlab.data's download (a progress bar with the bytes done
    of the file's size), then shows the data as ready; on failure the whole error, on the page."""
    from rnnlab.data import DataError, data_url, download_sentiment

    url = data_url()
    destination = data_destination()
    if not st.button("Download the data set", type="primary", icon=":material/download:",
                     help=f"From {url} into {destination}"):
        return
    bar = st.progress(0.0, text=f"Connecting to {url}...")

    def progress(done: int, total: int | None) -> None:
        if total:
            bar.progress(min(1.0, done / total), text=f"Downloading: {done / 1024:,.0f} of {total / 1024:,.0f} KB")
        else:
            bar.progress(0.0, text=f"Downloading: {done / 1024:,.0f} KB (the server did not say the file's size)")

    try:
        folder = download_sentiment(destination, url=url, progress=progress)
    except DataError as error:
        bar.empty()
        st.error(f"The download failed.\n\n{error}", icon=":material/cloud_off:")
        return
    bar.empty()
    _data_status.clear()
    st.session_state[StateKeys.DATA_DOWNLOADED] = str(folder)
    st.rerun()
