"""The instructor's token: the one thing that gives a session power over others (stopping any run, pausing the
class, moving students to a lesson step, opening polls). It is set on the server as RNNLAB_INSTRUCTOR_TOKEN;
without it the instructor's role does not exist, and every call that needs it raises PermissionError.

`require(token)` checks a token (hmac.compare_digest, so the time taken says nothing of how much matched);
`Attempts` counts one session's wrong tries for the pages: after MAX_TRIES wrong ones the session waits
LOCKOUT_S before it may try again. Nothing here calls Streamlit."""

from __future__ import annotations

import hmac
import os
import threading
import time

TOKEN_ENV = "RNNLAB_INSTRUCTOR_TOKEN"
MAX_TRIES = 5
LOCKOUT_S = 60.0


def configured() -> bool:
    """Is the instructor's role there at all (RNNLAB_INSTRUCTOR_TOKEN set and not blank)?"""
    return bool(os.environ.get(TOKEN_ENV, "").strip())


def valid(token: object) -> bool:
    """Does `token` match the server's token? False when the role is not configured."""
    expected = os.environ.get(TOKEN_ENV, "").strip()
    if not expected or not isinstance(token, str) or not token:
        return False
    return hmac.compare_digest(token.strip().encode(), expected.encode())


def require(token: object) -> None:
    """Raise PermissionError unless `token` is the instructor's (and say which of the two reasons it is)."""
    if not configured():
        raise PermissionError(f"There is no instructor on this server: {TOKEN_ENV} is not set.")
    if not valid(token):
        raise PermissionError("That is not the instructor's token.")


class Attempts:
    """One session's tries at the token: `try_token(token)` says True (unlocked), False (wrong) or raises
    PermissionError while the session is locked out (after MAX_TRIES wrong tries, for LOCKOUT_S)."""

    def __init__(self, clock=time.monotonic):
        self._clock, self._lock = clock, threading.Lock()
        self._wrong, self._locked_until = 0, 0.0

    def wait_s(self) -> float:
        """Seconds left before this session may try again (0 when it may)."""
        with self._lock:
            return max(0.0, self._locked_until - self._clock())

    def try_token(self, token: object) -> bool:
        with self._lock:
            left = self._locked_until - self._clock()
            if left > 0:
                raise PermissionError(f"Too many wrong tries: wait {left:.0f} s before trying again.")
            if valid(token):
                self._wrong = 0
                return True
            self._wrong += 1
            if self._wrong >= MAX_TRIES:
                self._wrong, self._locked_until = 0, self._clock() + LOCKOUT_S
            return False
