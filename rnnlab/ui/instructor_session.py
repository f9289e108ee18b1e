"""The instructor's unlock as every page uses it: `unlock_form()` draws the password field (only where the server
has RNNLAB_INSTRUCTOR_TOKEN set), `token()` is the session's valid token or None, `lock()` forgets it. The token
lives in this session's state only, never in the address, and is checked again on every use (rnnlab.auth)."""

from __future__ import annotations

import streamlit as st

from rnnlab import auth
from rnnlab.ui.state import StateKeys


def token() -> str | None:
    """This session's instructor token, if it has entered the right one; else None."""
    entered = st.session_state.get(StateKeys.INSTRUCTOR_TOKEN)
    return entered if auth.valid(entered) else None


def unlocked() -> bool:
    return token() is not None


def lock() -> None:
    st.session_state.pop(StateKeys.INSTRUCTOR_TOKEN, None)


def _attempts() -> auth.Attempts:
    if StateKeys.INSTRUCTOR_ATTEMPTS not in st.session_state:
        st.session_state[StateKeys.INSTRUCTOR_ATTEMPTS] = auth.Attempts()
    return st.session_state[StateKeys.INSTRUCTOR_ATTEMPTS]


def unlock_form() -> bool:
    """The token's password field and Unlock button; True once this session is unlocked. Draws nothing (and
    returns False) on a server without RNNLAB_INSTRUCTOR_TOKEN: there is no instructor there."""
    if not auth.configured():
        return False
    if unlocked():
        return True
    with st.form("instructor-unlock", border=False):
        entered = st.text_input("Instructor's token", type="password", key=StateKeys.INSTRUCTOR_TOKEN_INPUT)
        pressed = st.form_submit_button("Unlock", icon=":material/lock_open:")
    if pressed:
        try:
            ok = _attempts().try_token(entered)
        except PermissionError as error:
            st.error(str(error))
            return False
        if ok:
            st.session_state[StateKeys.INSTRUCTOR_TOKEN] = entered
            st.rerun()
        st.error(f"That is not the instructor's token ({auth.MAX_TRIES} wrong tries lock this session out for "
                 f"{auth.LOCKOUT_S:.0f} s).")
    return False
