"""The Parameters page's two sections that go beyond arithmetic: the ledgers of the models this session trained
(beside the lesson's) and Keras' own counts, built only when asked for and kept for the session."""

from __future__ import annotations

import streamlit as st

from rnnlab import params
from rnnlab.ui import dataset, presenter, stored
from rnnlab.ui.state import StateKeys

LOCALIZED = st.column_config.NumberColumn(format="localized")


def trained_ledgers(lesson_vocab: int | None) -> None:
    """Each trained model's own ledger (its vocabulary adapted on its training sentences), and why it differs
    from the lesson's; a note before the first model."""
    trained = stored.trained_jobs()
    if not trained:
        st.caption("Train a model (Train page) and its own ledger appears here, beside the lesson's.")
        return
    rows = params.trained_ledgers({name: job.config for name, job in trained.items()}, lesson_vocab,
                                  len(dataset.sentiment_data()) if lesson_vocab else 0)
    columns = {c: LOCALIZED for c in ("sentences", "vocabulary", "embedding", "recurrent", "classifier", "total")}
    if presenter.is_on():  # room for the counts on the projector: a model's name already gives its settings
        columns.update({c: None for c in ("arch", "embed_dim", "units")})
    presenter.dataframe(rows, columns)
    st.markdown(
        "Why the two differ: training adapts the vocabulary on the **training sentences only**, so a word seen "
        "only in validation sentences is unknown to the model ('[UNK]') and gets no embedding row, while the "
        "lesson's recipe adapts it on all the sentences, validation included; only the embedding (V x d) "
        "changes."
    )


def keras_check(vocab_size: int, embed_dim: int, units: int) -> None:
    """A button that builds the five models with Keras for these sizes (loads TensorFlow) and the table of its
    counts against the ledger's; the counts are kept per sizes for the session."""
    checked = st.session_state.setdefault(StateKeys.KERAS_COUNTS, {})
    settings = (vocab_size, embed_dim, units)
    if st.button("Count with Keras", icon=":material/fact_check:",
                 help="Builds each model with Keras and calls count_params() (loads TensorFlow: a few seconds)"):
        with st.spinner("Building the models with Keras..."):
            checked[settings] = params.keras_counts(*settings)
    if settings in checked:
        st.dataframe(params.keras_agreement(checked[settings], *settings), hide_index=True, width="content")
    else:
        st.caption("Press the button to build the five models with Keras for these sizes and compare its counts.")
