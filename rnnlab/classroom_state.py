"""What a class shares beyond its runs: the lesson's current step, the polls with their answers, and the wall's
sentences. One SQLite file beside the run store (rnnlab.runs.store_dir(), so RNNLAB_RUNS_DIR moves it too): every
web server that shares the run store shares this, and it survives any server's restart.

SQLite is the standard library's, in WAL mode (readers never wait for the writer) with a busy timeout (a writer
waits for another instead of failing), so thirty students answering in the same second are thirty short
transactions, one after the other. Each call opens its own connection: threads of one server and processes of
several never share one. rnnlab.polls and rnnlab.wall are the public faces; nothing here calls Streamlit.
"""

from __future__ import annotations

import contextlib
import hashlib
import secrets
import sqlite3
from pathlib import Path

from rnnlab.paths import store_dir

FILE_NAME = "classroom.sqlite3"
BUSY_TIMEOUT_MS = 30_000  # a writer waits this long for another before giving up (never, in a lecture)

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS lesson (id INTEGER PRIMARY KEY CHECK (id = 1), step INTEGER NOT NULL,
                                   changed REAL NOT NULL);
CREATE TABLE IF NOT EXISTS polls (id INTEGER PRIMARY KEY AUTOINCREMENT, question TEXT NOT NULL,
                                  kind TEXT NOT NULL, choices TEXT NOT NULL, answer TEXT NOT NULL,
                                  state TEXT NOT NULL, opened REAL NOT NULL);
CREATE TABLE IF NOT EXISTS answers (poll_id INTEGER NOT NULL REFERENCES polls (id), voter TEXT NOT NULL,
                                    choice TEXT NOT NULL, PRIMARY KEY (poll_id, voter));
CREATE TABLE IF NOT EXISTS wall (id INTEGER PRIMARY KEY AUTOINCREMENT, text TEXT NOT NULL,
                                 hidden INTEGER NOT NULL DEFAULT 0);
"""


def path(runs_dir=None) -> Path:
    """The class's SQLite file: classroom.sqlite3 in the run store's folder."""
    return store_dir(runs_dir) / FILE_NAME


@contextlib.contextmanager
def connect(runs_dir=None, write: bool = False):
    """A connection to the class's file, in one transaction (committed on leaving, rolled back on an error) and
    closed after. `write=True` takes the write lock at once (BEGIN IMMEDIATE), so a read-then-write cannot lose
    an update to another writer."""
    file = path(runs_dir)
    file.parent.mkdir(parents=True, exist_ok=True)
    connection = sqlite3.connect(file, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None)
    try:
        connection.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        connection.execute("PRAGMA journal_mode = WAL")
        connection.execute("PRAGMA synchronous = NORMAL")  # WAL's safe setting: durable at every checkpoint
        connection.executescript(SCHEMA)
        connection.execute("BEGIN IMMEDIATE" if write else "BEGIN")
        try:
            yield connection
        except BaseException:
            connection.execute("ROLLBACK")
            raise
        connection.execute("COMMIT")
    finally:
        connection.close()


def _salt(connection: sqlite3.Connection) -> str:
    """The class's secret salt, made once and kept in the file, so every server hashes a session alike."""
    row = connection.execute("SELECT value FROM meta WHERE name = 'salt'").fetchone()
    if row:
        return row[0]
    salt = secrets.token_hex(16)
    connection.execute("INSERT OR IGNORE INTO meta (name, value) VALUES ('salt', ?)", (salt,))
    return connection.execute("SELECT value FROM meta WHERE name = 'salt'").fetchone()[0]


def voter(connection: sqlite3.Connection, poll_id: int, session: str) -> str:
    """What is stored instead of a session id: a salted hash, different for each poll (one poll's answers cannot
    be joined to another's), the same on every server (the salt lives in the shared file)."""
    text = f"{_salt(connection)}:{poll_id}:{session}".encode()
    return hashlib.sha256(text).hexdigest()


# The lesson's current step: set by the instructor, read once a second by every student following.

def current_step(runs_dir=None) -> int | None:
    """The step the instructor last set (1-based), or None before any."""
    with connect(runs_dir) as connection:
        row = connection.execute("SELECT step FROM lesson WHERE id = 1").fetchone()
    return int(row[0]) if row else None


def set_step(step: int, runs_dir=None) -> None:
    """Store the class's current step (the caller has checked the instructor's token: rnnlab.lesson does)."""
    import time

    with connect(runs_dir, write=True) as connection:
        connection.execute("INSERT INTO lesson (id, step, changed) VALUES (1, ?, ?) "
                           "ON CONFLICT (id) DO UPDATE SET step = excluded.step, changed = excluded.changed",
                           (int(step), time.time()))
