"""Train: pick architectures and hyper-parameters, train in the background, watch the curves live, compare runs.

Training runs in rnnlab.jobs' training processes; this page only starts, stops and polls jobs (a fragment redraws
under every second while one is active), so leaving the page or touching a widget never stops or restarts a training.
Settings another session is already training are shared, stored ones load at once (rnnlab.classroom), and the
runs stored on the server are listed at the bottom.
"""

import pandas as pd
import streamlit as st

from rnnlab import archive, baseline, charts, params, regularisation
from rnnlab.config import BOUNDS, DEFAULT_CONFIG, load_split
from rnnlab.models import ARCHITECTURES
from rnnlab.ui import address, classroom_view, helpers, presenter
from rnnlab.ui.state import StateKeys as K

helpers.require_app_frame()  # a page opened by its own address on a fresh server

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
helpers.require_data()

helpers.init_state(address.initial_values())
address.sync()  # settings from a shared link (/train?archs=LSTM,GRU&units=64): refused ones say why


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
    beyond = st.columns(7)  # beyond the lesson's recipe, all off by default
    clip_norm = beyond[0].number_input("Clip gradient norm", *BOUNDS["clip_norm"], step=0.5, placeholder="off",
                                       key=K.TRAIN_CLIP_NORM, help="Scale each batch's gradient down to at most "
                                       "this global norm (empty: off, the lesson's recipe)")
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
configs = [dict(arch=arch, **settings) for arch in archs]
split_config = {"arch": ARCHITECTURES[0], **settings, **helpers.config_overrides()}
try:  # word order ignored, on the split these settings train on
    reference = baseline.for_config(split_config)
except ValueError:  # settings out of bounds: the Train button says why
    reference = None
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
    drawn = presenter.choose_runs([run["name"] for run in runs], "train")
    runs = [run for run in runs if run["name"] in drawn]
    if runs:
        line = reference and {"name": f"{baseline.NAME} (validation)", "value": reference.val_accuracy}
        st.plotly_chart(presenter.chart(charts.training_curves(runs, reference=line)), width="stretch",
                        key="training_curves")
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
        "clip norm": s.config.get("clip_norm"),
        "regularisation": regularisation.describe(s.config),
    }
    for s in ended
] + classroom_view.stored_rows(helpers.taken_names(helpers.session_snapshots()))
if rows and reference is not None:
    rows.append(baseline.comparison_row(reference))
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
        if reference is not None:
            st.caption(f"{baseline.NAME}: logistic regression on which of the {len(reference.vocabulary) - 2:,} "
                       "training words a sentence contains, fitted in a fraction of a second on the split "
                       "these settings select. Whatever a recurrent network scores above it is what reading the "
                       "words in order is worth here.")
        for s in ended:
            if s.status == "stopped":
                st.caption(helpers.stopped_caption(s))
            elif stop := regularisation.early_stop(s.config, {"val_loss": [e["val_loss"] for e in s.epochs]}):
                st.caption(regularisation.early_stop_sentence(names.get(s.id, s.label), stop))
        st.download_button("Download the table (CSV)", pd.DataFrame(rows).to_csv(index=False), "rnnlab-runs.csv",
                           "text/csv", icon=":material/table:")
        st.markdown("**Take a run home:** one zip with its `.keras` model, vocabulary, configuration and history "
                    "(CSV); `rnnlab.runs.load_archive(path)` loads it back.")
        # One under the other: a run's full name does not fit a quarter of the page (the layout check found it).
        for name, job in helpers.trained_jobs().items():  # the zip is made when clicked
            st.download_button(
                f"{name} (.zip)", lambda job=job: archive.to_zip(job.result, dict(job.config)),
                archive.file_name(name, job.config), "application/zip", icon=":material/download:",
                key=f"download_{job.id}")

classroom_view.stored_runs_section()

train_df, _ = load_split(split_config if reference is not None else {"arch": ARCHITECTURES[0]})
vocabulary_size = params.vocabulary_size(train_df["text"])
own_numbers = regularisation.comparison([
    (names.get(s.id, s.label), s.config, {m: [e[m] for e in s.epochs] for m in ("loss", "val_loss")}) for s in ended])
helpers.think_about_it(
    f"The loss you watch going down trains every weight, the Embedding's {vocabulary_size * embed_dim:,} "
    "included. Which method trains that embedding here: skip-gram, CBOW, both, or neither?",
    "Neither. The embedding starts random and is learned **end to end** with the recurrent layer and the "
    "classifier, from this task's own loss. Skip-gram and CBOW *pre-train* embeddings on a different task "
    "(predicting words from their context); nothing here is pre-trained. The model has far more parameters "
    f"than the {len(train_df):,} training sentences of these settings ({vocabulary_size:,} words x "
    f"{embed_dim} numbers in the embedding alone), and still learns: watch the validation curve to see when it "
    "starts to memorise instead. Dropout on the embeddings and early stopping (the settings below the lesson's) "
    "hold that memorising back."
    + ("\n\n" + own_numbers if own_numbers else " Train one run with and one without them to compare."),
)
