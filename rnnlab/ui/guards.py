"""What a page checks before it draws: the data set is here (else the reason and a link to Home), and a model
is trained (else progress, or the reason and a one-click Quick train of the lesson's four architectures)."""

from __future__ import annotations

import streamlit as st

from rnnlab.config import DEFAULT_CONFIG
from rnnlab.models import LESSON_ARCHS
from rnnlab.ui import dataset, progress, session
from rnnlab.ui.frame import PageStop


# Quick train: the lesson's settings with 3 epochs instead of 10 (about 80% validation accuracy already).
QUICK_TRAIN = dict(epochs=3)


def quick_train_time() -> str:
    """' (about 5 s of training together, from results/bench.json)', or nothing without the benchmark's file."""
    from rnnlab.bench import measured_training_seconds

    seconds = measured_training_seconds(LESSON_ARCHS, QUICK_TRAIN["epochs"])
    return "" if seconds is None else f" (about {seconds:.0f} s of training together, from results/bench.json)"


def require_data() -> None:
    """End the page with the reason (and a link to Home's ways to get it) when the data set is not available."""
    ok, message = dataset.data_status()
    if not ok:
        st.error(f"The data set is not available, so this page has nothing to show and nothing can be trained. "
                 f"{dataset.headline(message)}", icon=":material/error:")
        st.page_link("pages/home.py", label="Get the data (Home)", icon=":material/download:")
        raise PageStop()


def training_blocked_reason() -> str | None:
    """Why this session cannot train now (the data set is missing), or None."""
    if dataset.data_choice():  # an uploaded set is kept beside the runs: training needs no UCI files then
        return None
    ok, message = dataset.data_status()
    return None if ok else f"Training needs the data set, which is not available: {dataset.headline(message)}"


def offer_quick_train(what: str) -> None:
    """What a page shows instead of `what` when this session has no trained model: progress if training is
    under way, else the reason and a one-click quick training of the lesson's four architectures (disabled,
    saying why, when there is no data to train on)."""
    if session.any_active():
        st.info(f"Training is under way; {what} appear here as soon as a model is ready.", icon=":material/hourglass:")
        progress.training_progress()
        return
    blocked = training_blocked_reason()
    st.info(
        f"No model trained in this session yet, so there are no {what} to show. Train on the Train page, or "
        f"press Quick train: the lesson's {', '.join(LESSON_ARCHS)} with {QUICK_TRAIN['epochs']} epochs each "
        f"instead of {DEFAULT_CONFIG['epochs']}{quick_train_time()}.",
        icon=":material/info:",
    )
    if blocked:
        st.warning(f"{blocked} Get it on the Home page.", icon=":material/warning:")
    if st.button("Quick train", type="primary", icon=":material/bolt:", disabled=blocked is not None,
                 help=blocked):
        session.start_training([dict(arch=arch, **QUICK_TRAIN) for arch in LESSON_ARCHS])
        st.rerun()
