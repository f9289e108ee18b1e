"""What the pages show of the classroom features: the run store's runs and problems (Train page), what became
of a Train press (shared, loaded, started), and bringing your own data (Data page).

The logic lives in rnnlab.runs, rnnlab.classroom and rnnlab.uploads; these are the Streamlit layouts for it.
"""

from __future__ import annotations

import hashlib

import pandas as pd
import streamlit as st

from rnnlab import regularisation, runs
from rnnlab.ui import dataset, figures, naming, presenter, session, stored
from rnnlab.ui.state import StateKeys


def run_table_columns(rows=()) -> dict:
    """How every table of runs formats its numbers (the Train page's comparison and the run store's list).

    In presenter mode the projector's type leaves room for the results only: the settings columns go (a run's
    name already says what differs from the lesson's, units included), and so do clipping and regularisation
    where none of `rows` uses them."""
    columns = {
        "best validation accuracy": st.column_config.NumberColumn("best val. accuracy", format="%.3f"),
        "seconds": st.column_config.NumberColumn(format="%.1f", width="small"),
        "parameters": st.column_config.NumberColumn(format="localized"),
        **{name: st.column_config.NumberColumn(width="small") for name in ("epochs", "units", "seed")},
        "embedding": st.column_config.NumberColumn(width="small"),
    }
    if presenter.is_on():  # the projector's larger type fits the results; the settings stay in the normal view
        columns.update({name: None for name in ("units", "embedding", "learning rate", "seed", "data", "saved")})
        columns.update({name: None for name in ("clip norm", "regularisation")
                        if all(row.get(name) in (None, "none") for row in rows)})
        columns["seconds"] = st.column_config.NumberColumn(format="%.1f")  # "seconds" needs its width here
    return columns

# Rejected lines are shown cut to this many characters (a 5 MB line would otherwise fill the page).
SHOWN_CHARS = 200


def show_notices() -> None:
    """What the last Train or Stop press did, once: shared with another session's run, loaded from the store,
    already here, cancelled; or why training is unavailable (Ray could not start). They are kept for the rerun
    a queued run makes when it starts training (session.rerun_when_jobs_end), which the press did not ask for."""
    notices = st.session_state.pop(StateKeys.TRAIN_NOTICES, [])
    st.session_state[StateKeys.SHOWN_NOTICES] = notices
    for notice in notices:
        kind, text = notice if isinstance(notice, tuple) else ("info", notice)
        if kind == "error":
            st.error(text, icon=":material/error:")
        else:
            st.info(text, icon=":material/group:")


def shared_stop_caption() -> None:
    """Under the Stop button: who may stop the shared runs this session watches (see README, 'Sharing')."""
    shared = session.shared_active()
    if shared:
        archs = "; ".join(job.snapshot().label for job in shared)
        st.caption(f":material/group: {archs}: started by another session, which alone can stop it. "
                   "You watch the same run; it stays yours to use when it ends.")


def stored_curves(taken: set[str]) -> list[dict]:
    """Curves (rnnlab.charts.training_curves' shape) of the stored runs this session uses."""
    named = naming.stored_names(stored.stored_jobs(), taken)
    return [dict(id=job.id, name=name, arch=job.stored.arch, batch_history=list(job.stored.batch_history),
                 history=dict(job.stored.history), batches_per_epoch=job.stored.batches_per_epoch)
            for name, job in named.items()]


def stored_rows(taken: set[str]) -> list[dict]:
    """Rows of the Train page's comparison table for the stored runs this session uses."""
    named = naming.stored_names(stored.stored_jobs(), taken)
    return [
        {
            "run": name,
            "status": f"stored, {job.stored.status}",
            "epochs": job.stored.metrics.get("epochs_done"),
            "best validation accuracy": job.stored.metrics.get("best_val_accuracy"),
            "seconds": job.stored.seconds,
            "parameters": job.stored.metrics.get("parameters"),
            "units": job.stored.config.get("units"),
            "embedding": job.stored.config.get("embed_dim"),
            "learning rate": job.stored.config.get("learning_rate"),
            "clip norm": job.stored.config.get("clip_norm"),
            "regularisation": regularisation.describe(job.stored.config),
        }
        for name, job in named.items()
    ]


def _label(run: runs.StoredRun) -> str:
    best = run.metrics.get("best_val_accuracy")
    stopped = f" after {run.metrics.get('epochs_done')} epochs" if run.stopped else ""
    accuracy = f", best validation accuracy {best:.3f}" if best is not None else ""
    return f"{naming.stored_name(run)}: {run.status}{stopped}{accuracy}"


def stored_runs_section() -> None:
    """Every run stored on this server (it survives restarts), a picker for the ones this session uses on
    every page, and the store's problems (corrupt, truncated or foreign entries), which are skipped."""
    stored, problems = runs.list_runs()
    usable = [run for run in stored if run.is_job_config]
    st.subheader("Runs stored on this server")
    st.markdown(
        "Every run that finishes or is stopped is saved, with its curves and its model, and survives a restart "
        "of the server. Pick the ones to use on every page; training a configuration that is stored loads it "
        "at once instead."
    )
    if problems:
        st.warning(f"{len(problems)} entr{'y' if len(problems) == 1 else 'ies'} of the run store "
                   f"({runs.store_dir()}) could not be read and {'is' if len(problems) == 1 else 'are'} skipped.",
                   icon=":material/warning:")
        st.dataframe(pd.DataFrame([dict(entry=p.name, reason=p.reason) for p in problems]), hide_index=True,
                     width="stretch")
    if not usable:
        st.caption("No stored runs yet. `python -m rnnlab.prepare` stores the lesson's four models before class.")
        return
    ids = [run.id for run in usable]
    labels = {run.id: _label(run) for run in usable}
    chosen = [run_id for run_id in session.stored_run_ids() if run_id in labels]
    st.session_state[StateKeys.STORED_RUN_IDS] = chosen  # a run deleted from the store leaves the picker
    st.multiselect("Use on every page", ids, format_func=labels.get, key=StateKeys.STORED_RUN_IDS)
    presenter.dataframe(
        figures.table([
            {
                "run": naming.stored_name(run),
                "status": run.status,
                "epochs": run.metrics.get("epochs_done"),
                "best validation accuracy": run.metrics.get("best_val_accuracy"),
                "seconds": run.seconds,
                "parameters": run.metrics.get("parameters"),
                "units": run.config.get("units"),
                "embedding": run.config.get("embed_dim"),
                "learning rate": run.config.get("learning_rate"),
                "seed": run.config.get("seed"),
                "data": "uploaded" if run.config.get("data") else "UCI",
                "saved": pd.Timestamp(run.saved_at, unit="s").strftime("%Y-%m-%d %H:%M"),
            }
            for run in usable
        ]),  # made once for every session showing the same runs
        run_table_columns(),  # its rows have no clipping or regularisation columns
    )


# ----------------------------------------------------------------------------------------------------------
# Bring your own data


@st.cache_data(show_spinner=False, max_entries=8)
def _parse(raw: bytes, name: str):
    from rnnlab.data import DataError, parse_uploaded

    try:
        df, rejected = parse_uploaded(raw, name)
    except (DataError, ValueError) as error:  # ValueError: a bad RNNLAB_MAX_UPLOAD_LINES, said as such
        return None, [], str(error)
    return df, rejected, None


def upload_section() -> None:
    """Upload a CSV or TSV of sentence and label: every rejected line with its reason, then a button to train
    on the accepted sentences on every page (and one to go back to the UCI set)."""
    from rnnlab.upload_parsing import limits_text
    from rnnlab.uploads import UploadError, problems, register

    st.subheader("Bring your own data")
    st.markdown(
        "Upload a CSV or TSV file with one sentence and its label (1 positive, 0 negative) a line, such as "
        "`The soup was cold,0`. Lines that cannot be used are listed with the reason; the rest can replace the "
        f"UCI sentences for training on every page. At most {limits_text()}."
    )
    choice = dataset.data_choice()
    if choice:
        st.success(f"Training uses your uploaded sentences ({len(dataset.chosen_data()):,} of them).",
                   icon=":material/upload_file:")
        if st.button("Train on the UCI sentences again", icon=":material/undo:"):
            st.session_state[StateKeys.DATA_CHOICE] = None
            st.rerun()
    upload = st.file_uploader("A CSV or TSV file", type=["csv", "tsv", "txt"], key=StateKeys.DATA_UPLOAD)
    if upload is None:
        return
    raw = upload.getvalue()
    df, rejected, error = _parse(raw, upload.name)
    if error:
        st.error(error, icon=":material/error:")
        return
    counts = df["label"].value_counts()
    st.markdown(f"**{len(df):,} lines accepted** ({counts.get(1, 0):,} positive, {counts.get(0, 0):,} negative), "
                f"**{len(rejected):,} rejected**.")
    if rejected:
        st.dataframe(
            pd.DataFrame([dict(line=line_no, reason=reason, text=text[:SHOWN_CHARS]) for line_no, text, reason
                          in rejected]),
            hide_index=True, width="stretch",
        )
    reasons = problems(df)
    if reasons:
        st.warning("These sentences cannot be trained on: " + "; ".join(reasons) + ".", icon=":material/warning:")
        return
    digest = hashlib.sha256(raw).hexdigest()[:8]
    if st.button("Train on these sentences", type="primary", icon=":material/upload_file:", key=f"use-{digest}"):
        try:
            st.session_state[StateKeys.DATA_CHOICE] = register(df)
        except UploadError as refused:
            st.error(str(refused), icon=":material/error:")
            return
        st.rerun()
