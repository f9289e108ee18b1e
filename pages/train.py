"""Train: pick architectures and hyper-parameters, train in the background, watch the curves live, compare runs.

Training runs on Ray (rnnlab.jobs); this page only starts, stops and polls runs (the live curves are
rnnlab.ui.train_view's fragment, redrawn under every second while one is active), so leaving the page or touching
a widget never stops or restarts a training. The settings and the Train and Stop buttons are a fragment of their
own: changing a setting reruns only them, unless it is one the lower sections read.
Settings another session is already training are shared, stored ones load at once (rnnlab.classroom), and the
runs stored on the server are listed at the bottom.
"""

import streamlit as st

from rnnlab.config import BOUNDS
from rnnlab.models import ARCHITECTURES
from rnnlab.ui import address, classroom_view, frame, guards, presenter, train_view, widgets
from rnnlab.ui.state import StateKeys as K

frame.require_app_frame()  # a page opened by its own address on a fresh server

VALIDATION = {label: selection for label, (_, selection) in address.VALIDATION.items()}
LEARNING_RATES = address.LEARNING_RATES

st.title("Train: watch a recurrent network learn")
st.markdown(
    "Each step, the network reads a batch of sentences word by word, predicts P(positive) from its final "
    "hidden state, and nudges every weight (the embedding included) to lower the binary cross-entropy. The "
    "faint line is each batch's training loss, the solid one its mean over the last eighth of an epoch; the "
    "diamonds are the validation set, measured after each epoch on sentences the network never trains on. Train "
    "several architectures to compare them."
)
guards.require_data()

widgets.init_state(address.initial_values())
address.sync()  # settings from a shared link (/train?archs=LSTM,GRU&units=64): refused ones say why


def bounded(column, label, name, key):
    low, high = BOUNDS[name]
    return column.number_input(label, int(low), int(high), key=key)


choices = train_view.validation_choices(VALIDATION)  # an uploaded set: only the stratified split
st.session_state[K.TRAIN_DRAWN_FOR] = train_view.drawn_for()  # what the sections below the buttons read


@st.fragment
def settings_and_buttons() -> dict:
    """The settings, the address that says them, Train and Stop: a fragment, so a changed setting reruns only
    this part (in a lecture twenty students each change several settings at once; each full run of this page
    costs the server about 25 ms of Python). Returns the settings (used on a full run)."""
    with presenter.controls("Training settings"):  # folded away in presenter mode
        archs = st.multiselect("Architectures", ARCHITECTURES, key=K.TRAIN_ARCHS)
        columns = st.columns(7)
        embed_dim = bounded(columns[0], "Embedding size", "embed_dim", K.TRAIN_EMBED_DIM)
        units = bounded(columns[1], "Units", "units", K.TRAIN_UNITS)
        epochs = bounded(columns[2], "Epochs", "epochs", K.TRAIN_EPOCHS)
        batch_size = bounded(columns[3], "Batch size", "batch_size", K.TRAIN_BATCH_SIZE)
        learning_rate = columns[4].select_slider("Learning rate", LEARNING_RATES, key=K.TRAIN_LEARNING_RATE)
        seed = bounded(columns[5], "Seed", "seed", K.TRAIN_SEED)
        validation = columns[6].selectbox("Validation set", choices, key=K.TRAIN_VALIDATION)
        beyond = st.columns(7)  # beyond the lesson's recipe, all off by default
        clip_norm = beyond[0].number_input("Clip gradient norm", *BOUNDS["clip_norm"], step=0.5, placeholder="off",
                                           key=K.TRAIN_CLIP_NORM, help="Scale each batch's gradient down to at "
                                           "most this global norm (empty: off, the lesson's recipe)")
        dropout = beyond[1].number_input("Dropout on embeddings", *BOUNDS["dropout"], step=0.1, key=K.TRAIN_DROPOUT,
                                         help="Share of the embedded values zeroed at random while training (0: off)")
        early_stopping = beyond[2].number_input(
            "Early stopping patience", *map(int, BOUNDS["early_stopping"]), step=1, placeholder="off",
            key=K.TRAIN_EARLY_STOPPING, help="Stop after this many epochs without a lower validation loss and keep "
            "the best epoch's weights (empty: off)")

    settings = dict(embed_dim=embed_dim, units=units, epochs=epochs, batch_size=batch_size,
                    learning_rate=learning_rate, seed=seed, clip_norm=clip_norm, dropout=dropout,
                    early_stopping=early_stopping, **VALIDATION[validation])
    address.write()  # the address now says these settings: copy it to share them
    if train_view.drawn_for() != st.session_state.get(K.TRAIN_DRAWN_FOR):
        st.rerun()  # the curves' reference line and the question below read these: the whole page again
    configs = [dict(arch=arch, **settings) for arch in archs]
    train_view.train_and_stop(configs)
    return settings


settings = settings_and_buttons()
split_config = train_view.split_config(settings)
reference = train_view.reference_for(split_config)  # word order ignored, on the split these settings train on


train_view.live_curves(reference)
train_view.comparison_section(reference)
classroom_view.stored_runs_section()
train_view.store_size()
train_view.think_about_it(split_config, reference, settings["embed_dim"])
