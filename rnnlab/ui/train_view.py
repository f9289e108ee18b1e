"""What the Train page shows below its settings: the live curves (a fragment that redraws while a run trains),
the table comparing this session's runs, and the page's question with the session's own numbers.

The page lays out the widgets and calls these; the jobs they poll live in rnnlab.jobs, their names and stored
runs in rnnlab.ui.session, naming and stored.
"""

from __future__ import annotations

import streamlit as st

from rnnlab import archive, baseline, params, regularisation
from rnnlab.config import load_split
from rnnlab.models import ARCHITECTURES
from rnnlab.ui import (classroom_view, dataset, figures, live_chart, naming, page_parts, presenter, progress, session,
                       stored)
from rnnlab.ui.state import StateKeys


def validation_choices(validation: dict) -> list[str]:
    """The validation sets this session may pick (an uploaded set has one source, so only the stratified split
    applies to it); a remembered choice that is no longer offered falls back to the first."""
    choices = list(validation)[:1] if dataset.data_choice() else list(validation)
    if st.session_state.get(StateKeys.TRAIN_VALIDATION) not in choices:
        st.session_state[StateKeys.TRAIN_VALIDATION] = choices[0]
    return choices


def split_config(settings: dict) -> dict:
    """The configuration whose split these settings train on (the first architecture stands for all)."""
    return {"arch": ARCHITECTURES[0], **settings, **session.config_overrides()}


def reference_for(split: dict):
    """The word-order-blind baseline on the split these settings train on, or None for settings out of bounds
    (the Train button then says why)."""
    try:
        return baseline.for_config(split)
    except ValueError:
        return None


def live_curves(reference) -> None:
    """Progress bars, failures and the training curves of this session's runs and its stored runs, redrawn
    every LIVE_UPDATE_S while one is active (a fragment: the rest of the page is not rerun)."""

    @st.fragment(run_every=session.live_interval())
    def curves():
        snapshots = session.session_snapshots()
        names = naming.run_names(snapshots)
        for snapshot in snapshots:
            if snapshot.active:
                st.progress(snapshot.fraction, text=progress.progress_text(snapshot, names[snapshot.id]))
            elif snapshot.status == "failed":
                st.error(f"{snapshot.label} failed: {snapshot.error}", icon=":material/error:")
        shown = [snapshot for snapshot in snapshots if snapshot.id in names]
        runs = [progress.curve_data(snapshot, names[snapshot.id]) for snapshot in shown]
        runs += classroom_view.stored_curves(naming.taken_names(snapshots))
        drawn = presenter.choose_runs([run["name"] for run in runs], "train")
        runs = [run for run in runs if run["name"] in drawn]
        if runs:
            line = reference and {"name": f"{baseline.NAME} (final val.)", "value": reference.val_accuracy}
            # Built and serialised once for every session showing these numbers (rnnlab.ui.figures), and drawn
            # by a chart that stays mounted between redraws (rnnlab.ui.live_chart says why).
            live_chart.plotly_chart(figures.training_curves_json(runs, reference=line), key="training_curves")
        else:
            st.info("No runs yet: pick one or more architectures and press Train.", icon=":material/info:")
        session.rerun_when_jobs_end()

    curves()


def drawn_for() -> tuple:
    """The settings the page below the Train button reads (the embedding size, the validation set), as they are
    now: the settings fragment reruns the whole page when they differ from those it was drawn for."""
    return tuple(st.session_state.get(key) for key in (StateKeys.TRAIN_EMBED_DIM, StateKeys.TRAIN_VALIDATION))


def train_and_stop(configs: list[dict]) -> None:
    """The Train button for these configurations (one per architecture picked), Stop for this session's runs,
    who may stop a shared run, and what the last press did."""
    already_training = bool(configs) and all(session.is_active(config) for config in configs)
    train_column, stop_column, note_column = st.columns([1.5, 1.5, 5], vertical_alignment="center")
    if train_column.button("Train", type="primary", icon=":material/play_arrow:", width="stretch",
                           disabled=not configs, help="Already training these settings: pressing again says where"
                           if already_training else None):
        try:
            session.start_training(configs)
        except ValueError as error:  # settings out of bounds (the widgets keep them in, a preset state may not)
            st.error(str(error), icon=":material/error:")
        else:
            st.rerun()
    if stop_column.button("Stop", icon=":material/stop:", width="stretch", disabled=not session.can_stop(),
                          help="Stops the runs this session started; a shared run is stopped by its starter"):
        session.stop_session_jobs()
        st.rerun()
    with note_column:
        classroom_view.shared_stop_caption()
    classroom_view.show_notices()


def ended_runs(snapshots: list) -> tuple[list, dict[str, str]]:
    """The shown runs among `snapshots` that have ended with a summary, and every shown run's name by job id."""
    names = naming.run_names(snapshots)
    return [snapshot for snapshot in snapshots if snapshot.summary and snapshot.id in names], names


def comparison_rows(snapshots: list, reference) -> list[dict]:
    """One row per ended run of this session, then its stored runs, then the baseline (when there are runs)."""
    ended, names = ended_runs(snapshots)
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
    ] + classroom_view.stored_rows(naming.taken_names(snapshots))
    if rows and reference is not None:
        rows.append(baseline.comparison_row(reference))
    return rows


def comparison_section(reference) -> None:
    """The table comparing the runs (with the baseline), what a stopped or early-stopped run means, the table
    as CSV and each run as a zip; nothing before the first run."""
    snapshots = session.session_snapshots()
    rows = comparison_rows(snapshots, reference)
    if not rows:
        return
    ended, names = ended_runs(snapshots)
    # One block: a fragment rerun that arrives late (after the full rerun a finished job causes) must not
    # leave the table without its heading, which happened under load when they were separate elements.
    with st.container():
        st.subheader("Compare the runs")
        presenter.dataframe(figures.table(rows), classroom_view.run_table_columns(rows))
        if reference is not None:
            epochs = len(reference.history["loss"])
            st.caption(f"{baseline.NAME}: logistic regression on which of the {len(reference.vocabulary) - 2:,} "
                       f"training words a sentence contains, fitted in {reference.seconds:.2f} s (its {epochs} "
                       "epochs, on this server when it first needed it) on the split these settings select. "
                       "Whatever a recurrent network scores above it is what reading the words in order is worth "
                       "here.")
        for s in ended:
            if s.status == "stopped":
                st.caption(progress.stopped_caption(s))
            elif stop := regularisation.early_stop(s.config, {"val_loss": [e["val_loss"] for e in s.epochs]}):
                st.caption(regularisation.early_stop_sentence(names.get(s.id, s.label), stop))
        # A download changes nothing on the page: on_click="ignore" spares a rerun of the whole page per click
        # (and keystrokes typed just after it are not lost to that rerun).
        st.download_button("Download the table (CSV)", figures.csv(rows), "rnnlab-runs.csv",
                           "text/csv", icon=":material/table:", on_click="ignore")
        st.markdown("**Take a run home:** one zip with its `.keras` model, vocabulary, configuration and history "
                    "(CSV); `rnnlab.runs.load_archive(path)` loads it back.")
        # One under the other: a run's full name does not fit a quarter of the page (the layout check found it).
        for name, job in stored.trained_jobs().items():  # the zip is made when clicked
            st.download_button(
                f"{name} (.zip)", lambda job=job: archive.to_zip(job.result, dict(job.config)),
                archive.file_name(name, job.config), "application/zip", icon=":material/download:",
                key=f"download_{job.id}", on_click="ignore")


def store_size() -> None:
    """Under the stored runs: how many runs and uploads the run store holds and its size on disk, read now."""
    st.caption(f":material/hard_drive: {stored.store_summary()}")


def think_about_it(split: dict, reference, embed_dim: int) -> None:
    """The page's question (which method trains the embedding?) with the sizes of these settings' split and
    the session's own runs with and without dropout or early stopping."""
    ended, names = ended_runs(session.session_snapshots())
    selection = split if reference is not None else {"arch": ARCHITECTURES[0]}
    train_df, _ = load_split(selection)
    vocabulary_size = params.split_vocabulary_size(selection)
    own_numbers = regularisation.comparison([
        (names.get(s.id, s.label), s.config, {m: [e[m] for e in s.epochs] for m in ("loss", "val_loss")})
        for s in ended])
    page_parts.think_about_it(
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
