"""The instructor's view of the run store: every stored run with its size on disk and a Delete button, the
lesson's four prepared runs only when asked a second time. Nothing of it is drawn without the instructor's token;
the deleting itself is rnnlab.runs.delete's (which checks the token again). The Instructor page places it."""

from __future__ import annotations

import streamlit as st

from rnnlab import auth, runs
from rnnlab.ui import naming, stored
from rnnlab.ui.state import StateKeys


def render(token) -> None:
    """The run store's runs, biggest first, each with its size and Delete; nothing at all without the token."""
    if not auth.valid(token):
        return
    held, problems = runs.list_runs()
    prepared = runs.prepared_ids()
    st.subheader("The run store")
    st.caption(stored.store_summary())
    notice = st.session_state.pop(StateKeys.STORE_ADMIN_NOTICE, None)
    if notice:
        st.success(notice, icon=":material/delete:")
    if problems:
        st.caption(f"{len(problems)} unreadable entr{'y is' if len(problems) == 1 else 'ies are'} skipped (listed on "
                   "the Train page).")
    if not held:
        st.info("No runs are stored.", icon=":material/info:")
        return
    sizes = {run.id: runs.run_bytes(run.id) for run in held}
    asked = st.session_state.get(StateKeys.STORE_ADMIN_ASKED)
    for run in sorted(held, key=lambda run: (-sizes[run.id], run.id)):
        name = naming.stored_name(run)
        label, size, action = st.columns([6, 1.2, 1.4], vertical_alignment="center")
        label.markdown(f"**{name}**, {run.status}" + (" · *prepared for the lesson*" if run.id in prepared else ""))
        size.markdown(stored.size_text(sizes[run.id]))
        if action.button("Delete", key=f"store-admin-delete-{run.id}", icon=":material/delete:"):
            if run.id in prepared:
                st.session_state[StateKeys.STORE_ADMIN_ASKED] = asked = run.id
            else:
                _delete(token, run, name, confirm_prepared=False)
        if asked == run.id:
            _ask_again(token, run, name)


def _ask_again(token, run, name: str) -> None:
    st.warning(f"**{name}** is one of the lesson's four prepared models: a new session's Predict page uses it, and "
               "`python -m rnnlab.prepare` (or a Train click) has to train it again. Delete it anyway?",
               icon=":material/warning:")
    yes, no = st.columns(2)
    if yes.button(f"Yes, delete {name}", key="store-admin-confirm", type="primary", icon=":material/delete:"):
        _delete(token, run, name, confirm_prepared=True)
    if no.button("Keep it", key="store-admin-keep"):
        st.session_state.pop(StateKeys.STORE_ADMIN_ASKED, None)
        st.rerun()


def _delete(token, run, name: str, confirm_prepared: bool) -> None:
    try:
        freed = runs.delete(run.id, token, confirm_prepared=confirm_prepared)
    except (PermissionError, runs.RunStoreError) as error:
        st.error(str(error), icon=":material/error:")
        return
    st.session_state.pop(StateKeys.STORE_ADMIN_ASKED, None)
    st.session_state[StateKeys.STORE_ADMIN_NOTICE] = f"Deleted {name}: {stored.size_text(freed)} freed."
    st.rerun()
