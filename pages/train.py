"""Train: pick architectures and hyper-parameters, train in the background, watch the curves live, compare runs.

Training runs in rnnlab.jobs' training processes; this page only starts, stops and polls jobs (a fragment redraws
under every second while one is active), so leaving the page or touching a widget never stops or restarts a training.
Settings another session is already training are shared, stored ones load at once (rnnlab.classroom), and the
runs stored on the server are listed at the bottom.
"""

import pandas as pd
import streamlit as st

from rnnlab import charts
from rnnlab.config import BOUNDS, DEFAULT_CONFIG
from rnnlab.models import ARCHITECTURES
from rnnlab.ui import classroom_view, helpers, presenter
from rnnlab.ui.state import StateKeys as K

helpers.require_app_frame()  # a page opened by its own address on a fresh server

VALIDATION = {
    "20% of every source": dict(val_fraction=0.2, holdout_source=None),
    "Hold out Amazon": dict(holdout_source="amazon"),
    "Hold out IMDB": dict(holdout_source="imdb"),
    "Hold out Yelp": dict(holdout_source="yelp"),
}
LEARNING_RATES = (1e-4, 3e-4, 1e-3, 3e-3, 1e-2, 3e-2, 1e-1)

st.title("Train: watch a recurrent network learn")
st.markdown(
    "Each step, the network reads a batch of sentences word by word, predicts P(positive) from its final "
    "hidden state, and nudges every weight (the embedding included) to lower the binary cross-entropy. The "
    "faint line is each batch's training loss, the solid one its mean over the last eighth of an epoch; the "
    "diamonds are the validation set, measured after each epoch on sentences the network never trains on. Train "
    "several architectures to compare them."
)
helpers.require_data()

helpers.init_state({
    K.TRAIN_ARCHS: ["SimpleRNN"], K.TRAIN_EMBED_DIM: DEFAULT_CONFIG["embed_dim"], K.TRAIN_UNITS: DEFAULT_CONFIG["units"],
    K.TRAIN_EPOCHS: DEFAULT_CONFIG["epochs"], K.TRAIN_BATCH_SIZE: DEFAULT_CONFIG["batch_size"],
    K.TRAIN_LEARNING_RATE: DEFAULT_CONFIG["learning_rate"], K.TRAIN_SEED: DEFAULT_CONFIG["seed"],
    K.TRAIN_VALIDATION: "20% of every source",
})


def bounded(column, label, name, key):
    low, high = BOUNDS[name]
    return column.number_input(label, int(low), int(high), key=key)


# An uploaded data set has one source, so only the stratified split applies to it.
choices = list(VALIDATION)[:1] if helpers.data_choice() else list(VALIDATION)
if st.session_state.get(K.TRAIN_VALIDATION) not in choices:
    st.session_state[K.TRAIN_VALIDATION] = choices[0]
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

settings = dict(embed_dim=embed_dim, units=units, epochs=epochs, batch_size=batch_size,
                learning_rate=learning_rate, seed=seed, **VALIDATION[validation])
configs = [dict(arch=arch, **settings) for arch in archs]
already_training = bool(configs) and all(helpers.is_active(config) for config in configs)
train_column, stop_column, note_column = st.columns([1.5, 1.5, 5], vertical_alignment="center")
if train_column.button("Train", type="primary", icon=":material/play_arrow:", width="stretch",
                       disabled=not configs,
                       help="Already training these settings: pressing again says where" if already_training else None):
    try:
        helpers.start_training(configs)
    except ValueError as error:  # settings out of bounds (the widgets keep them in, a preset state may not)
        st.error(str(error), icon=":material/error:")
    else:
        st.rerun()
if stop_column.button("Stop", icon=":material/stop:", width="stretch", disabled=not helpers.can_stop(),
                      help="Stops the runs this session started; a shared run is stopped by its starter"):
    helpers.stop_session_jobs()
    st.rerun()
with note_column:
    classroom_view.shared_stop_caption()
classroom_view.show_notices()


@st.fragment(run_every=helpers.LIVE_UPDATE_S if helpers.any_active() else None)
def live_curves():
    snapshots = helpers.session_snapshots()
    names = helpers.run_names(snapshots)
    for snapshot in snapshots:
        if snapshot.active:
            st.progress(snapshot.fraction, text=helpers.progress_text(snapshot, names[snapshot.id]))
        elif snapshot.status == "failed":
            st.error(f"{snapshot.label} failed: {snapshot.error}", icon=":material/error:")
    shown = [snapshot for snapshot in snapshots if snapshot.id in names]
    runs = [helpers.curve_data(snapshot, names[snapshot.id]) for snapshot in shown]
    runs += classroom_view.stored_curves(helpers.taken_names(snapshots))
    if runs:
        st.plotly_chart(presenter.chart(charts.training_curves(runs)), width="stretch", key="training_curves")
    else:
        st.info("No runs yet: pick one or more architectures and press Train.", icon=":material/info:")
    helpers.rerun_when_jobs_end()


live_curves()

names = helpers.run_names(helpers.session_snapshots())
ended = [snapshot for snapshot in helpers.session_snapshots() if snapshot.summary and snapshot.id in names]
rows = [
    {
        "run": names.get(s.id, s.label),
        "status": s.status,
        "epochs": s.summary["epochs_done"],
        "best validation accuracy": s.summary["best_val_accuracy"],
        "seconds": s.summary["seconds"],
        "parameters": s.summary["parameters"],
        "units": s.config["units"],
        "embedding": s.config["embed_dim"],
        "learning rate": s.config["learning_rate"],
    }
    for s in ended
] + classroom_view.stored_rows(helpers.taken_names(helpers.session_snapshots()))
if rows:
    # One block: a fragment rerun that arrives late (after the full rerun a finished job causes) must not
    # leave the table without its heading, which happened under load when they were separate elements.
    with st.container():
        st.subheader("Compare the runs")
        st.dataframe(
            pd.DataFrame(rows),
            hide_index=True,
            width="stretch",
            column_config=classroom_view.run_table_columns(),
        )
        for s in ended:
            if s.status == "stopped":
                st.caption(helpers.stopped_caption(s))

classroom_view.stored_runs_section()

helpers.think_about_it(
    "The loss you watch going down trains every weight, the Embedding's 345,856 included. Which method trains "
    "that embedding here: skip-gram, CBOW, both, or neither?",
    "Neither. The embedding starts random and is learned **end to end** with the recurrent layer and the "
    "classifier, from this task's own loss. Skip-gram and CBOW *pre-train* embeddings on a different task "
    "(predicting words from their context); nothing here is pre-trained. The model has far more parameters "
    "than the 2,400 training sentences, and still learns: watch the validation curve to see when it starts "
    "to memorise instead.",
)
