"""The class's sentences on the wall: students send sentences, the projector shows them with every drawn model's
P(positive) and the bag of words', the sentences the models disagree on most first, so the room sees negation
and sarcasm split the networks. Only the text is kept (no session id, no time), in the class's SQLite file
(rnnlab.classroom_state); the instructor may hide any sentence.

A sentence is cleaned as Predict cleans a line (rnnlab.predict.clean_sentences): stripped, at most MAX_CHARS
characters. Each session may send MAX_PER_MINUTE a minute (SendLimit, kept in the session, never stored).
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from rnnlab import auth
from rnnlab.classroom_state import connect

MAX_CHARS = 200
MAX_PER_MINUTE = 3
WINDOW_S = 60.0


@dataclass(frozen=True)
class Sentence:
    id: int
    text: str
    hidden: bool


class SendLimit:
    """One session's sends: at most MAX_PER_MINUTE in any WINDOW_S seconds. `check()` raises ValueError saying how
    long to wait; `record()` counts a send."""

    def __init__(self, clock=time.monotonic, per_window: int = MAX_PER_MINUTE, window_s: float = WINDOW_S):
        self._clock, self._lock = clock, threading.Lock()
        self._sent: deque[float] = deque()
        self.per_window, self.window_s = per_window, window_s

    def _forget_old(self, now: float) -> None:
        while self._sent and now - self._sent[0] >= self.window_s:
            self._sent.popleft()

    def check(self) -> None:
        with self._lock:
            now = self._clock()
            self._forget_old(now)
            if len(self._sent) >= self.per_window:
                wait = self.window_s - (now - self._sent[0])
                raise ValueError(f"At most {self.per_window} sentences a minute: wait {wait:.0f} s to send "
                                 "another.")

    def record(self) -> None:
        with self._lock:
            self._sent.append(self._clock())


def clean(text) -> tuple[str | None, list[str]]:
    """(the sentence to keep or None, warnings), with Predict's cleaning: the first non-blank line, stripped,
    cut to MAX_CHARS characters."""
    from rnnlab.predict import clean_sentences

    sentences, warnings = clean_sentences(text, max_sentences=1, max_chars=MAX_CHARS)
    return (sentences[0] if sentences else None), warnings


def send(text, limit: SendLimit, runs_dir=None) -> tuple[int, list[str]]:
    """Put a sentence on the wall: (its id, warnings on what cleaning changed). ValueError when there is nothing
    to send or the session has sent its MAX_PER_MINUTE this minute."""
    sentence, warnings = clean(text)
    if sentence is None:
        raise ValueError(warnings[0] if warnings else "There is no sentence to send.")
    limit.check()
    with connect(runs_dir, write=True) as connection:
        sentence_id = int(connection.execute("INSERT INTO wall (text) VALUES (?)", (sentence,)).lastrowid)
    limit.record()
    return sentence_id, warnings


def sentences(include_hidden: bool = False, runs_dir=None) -> list[Sentence]:
    """The wall's sentences, oldest first; hidden ones only when asked (the instructor's list)."""
    with connect(runs_dir) as connection:
        rows = connection.execute("SELECT id, text, hidden FROM wall ORDER BY id").fetchall()
    return [Sentence(int(i), text, bool(hidden)) for i, text, hidden in rows if include_hidden or not hidden]


def set_hidden(token, sentence_id: int, hidden: bool = True, runs_dir=None) -> None:
    """Hide (or show again) a sentence on every projector; needs the instructor's token."""
    auth.require(token)
    with connect(runs_dir, write=True) as connection:
        if connection.execute("UPDATE wall SET hidden = ? WHERE id = ?", (int(hidden), int(sentence_id))).rowcount != 1:
            raise KeyError(f"There is no sentence {sentence_id} on the wall.")


DISAGREEMENT = "disagreement"


def scored(texts: list[str], runs: Mapping, reference=None) -> pd.DataFrame:
    """P(positive) of every text by every model ({name: run with .predict}) and the baseline, with the
    disagreement (the largest P minus the smallest, over every column), most disagreed first."""
    from rnnlab import baseline

    texts = list(dict.fromkeys(texts))  # a sentence sent twice is one row
    table = pd.DataFrame(index=pd.Index(texts, name="sentence"))
    if not texts:
        return table.assign(**{DISAGREEMENT: []})
    for name, run in runs.items():
        table[name] = np.asarray(run.predict(list(texts)), dtype=float).reshape(-1)
    if reference is not None:
        table[baseline.NAME] = reference.predict(list(texts))
    values = table.to_numpy(dtype=float)
    table[DISAGREEMENT] = values.max(axis=1) - values.min(axis=1) if values.size else 0.0
    return table.sort_values(DISAGREEMENT, ascending=False, kind="stable")
