"""Class polls: predict, then reveal. The instructor opens a question (choices, or a number), every session
answers once (and may change its mind until the reveal), the projector shows the live tally, and Reveal shows
the answer computed when the poll was opened: the models' actual outputs, the ledger's count, the measured
accuracy. Kept in the class's SQLite file (rnnlab.classroom_state): the same on every server sharing the run
store, and kept through a restart. Anonymous: an answer is stored under a salted hash of its session, never
the session's id.

    poll_id = open_poll(token, "Will it rain?", ["yes", "no"])
    answer(poll_id, session_id, "yes")
    tally(poll_id).counts            # {"yes": 1, "no": 0}
    reveal(token, poll_id); close(token, poll_id)

Opening, revealing and closing need the instructor's token (rnnlab.auth.require: PermissionError without it).
The built-in questions of the lesson's moments, with their computed answers, are at the bottom.
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from rnnlab import auth
from rnnlab.classroom_state import connect, voter

MAX_QUESTION_CHARS = 300
MAX_CHOICE_CHARS = 80
MAX_CHOICES = 8
CHOICE, NUMBER = "choice", "number"
OPEN, REVEALED, CLOSED = "open", "revealed", "closed"


@dataclass(frozen=True)
class Poll:
    id: int
    question: str
    kind: str  # CHOICE or NUMBER
    choices: tuple[str, ...]  # empty for a number question
    state: str  # OPEN (answers counted), REVEALED (answer shown, answers frozen) or CLOSED (gone from the page)
    answer: dict = field(default_factory=dict)  # {"text": what Reveal says, "correct": [choices] or a number}


@dataclass(frozen=True)
class Tally:
    poll: Poll
    counts: dict  # choice (or number, as text) -> how many sessions chose it; every choice present, in order
    total: int

    @property
    def answer(self) -> dict | None:
        """The computed answer, only once revealed."""
        return self.poll.answer if self.poll.state == REVEALED else None


def _clean_choices(choices) -> tuple[str, ...]:
    cleaned = tuple(" ".join(str(c).split()) for c in choices)
    if not 2 <= len(cleaned) <= MAX_CHOICES:
        raise ValueError(f"A poll needs between 2 and {MAX_CHOICES} choices (got {len(cleaned)}).")
    if any(not c for c in cleaned):
        raise ValueError("A choice is empty.")
    if any(len(c) > MAX_CHOICE_CHARS for c in cleaned):
        raise ValueError(f"A choice is longer than {MAX_CHOICE_CHARS} characters.")
    if len(set(cleaned)) != len(cleaned):
        raise ValueError("Two choices are the same.")
    return cleaned


def open_poll(token, question: str, choices: Sequence[str] | None = None, answer: Mapping | None = None,
              runs_dir=None) -> int:
    """Open a poll and return its id. `choices`: the answers offered (2 to 8), or None for a number question.
    `answer` ({"text": ..., "correct": ...}) is what Reveal shows; for your own question it may be left out."""
    auth.require(token)
    question = " ".join(str(question or "").split())
    if not question:
        raise ValueError("The question is empty.")
    if len(question) > MAX_QUESTION_CHARS:
        raise ValueError(f"The question is longer than {MAX_QUESTION_CHARS} characters.")
    kind, cleaned = (NUMBER, ()) if choices is None else (CHOICE, _clean_choices(choices))
    with connect(runs_dir, write=True) as connection:
        cursor = connection.execute(
            "INSERT INTO polls (question, kind, choices, answer, state, opened) VALUES (?, ?, ?, ?, ?, ?)",
            (question, kind, json.dumps(cleaned), json.dumps(dict(answer or {})), OPEN, time.time()))
        return int(cursor.lastrowid)


def _row_to_poll(row) -> Poll:
    poll_id, question, kind, choices, answer, state = row
    return Poll(int(poll_id), question, kind, tuple(json.loads(choices)), state, json.loads(answer))


def _get(connection, poll_id) -> Poll:
    row = connection.execute("SELECT id, question, kind, choices, answer, state FROM polls WHERE id = ?",
                             (int(poll_id),)).fetchone()
    if row is None:
        raise KeyError(f"There is no poll {poll_id}.")
    return _row_to_poll(row)


def get(poll_id, runs_dir=None) -> Poll:
    with connect(runs_dir) as connection:
        return _get(connection, poll_id)


def current(runs_dir=None) -> Poll | None:
    """The newest poll not closed (the one the Lesson page shows), or None."""
    with connect(runs_dir) as connection:
        row = connection.execute("SELECT id, question, kind, choices, answer, state FROM polls WHERE state != ? "
                                 "ORDER BY id DESC LIMIT 1", (CLOSED,)).fetchone()
    return _row_to_poll(row) if row else None


def _normal(poll: Poll, choice) -> str:
    """The answer as stored: one of the choices, or a finite number written plainly (2.0 -> '2')."""
    if poll.kind == CHOICE:
        choice = " ".join(str(choice).split())
        if choice not in poll.choices:
            raise ValueError(f"'{choice}' is not one of this poll's choices.")
        return choice
    try:
        number = float(str(choice).replace(",", "").strip())
    except ValueError:
        raise ValueError(f"'{choice}' is not a number.") from None
    if not math.isfinite(number):
        raise ValueError("The answer must be a finite number.")
    return str(int(number)) if number.is_integer() and abs(number) < 1e15 else f"{number:g}"


def answer(poll_id, session: str, choice, runs_dir=None) -> None:
    """Record `session`'s answer (replacing its earlier one). ValueError when the poll is revealed or closed, or
    the answer is not one of its choices (or not a number, for a number question)."""
    if not session:
        raise ValueError("An answer needs its session.")
    with connect(runs_dir, write=True) as connection:
        poll = _get(connection, poll_id)
        if poll.state != OPEN:
            raise ValueError("This poll is no longer open: the answer has been revealed.")
        connection.execute("INSERT INTO answers (poll_id, voter, choice) VALUES (?, ?, ?) ON CONFLICT "
                           "(poll_id, voter) DO UPDATE SET choice = excluded.choice",
                           (poll.id, voter(connection, poll.id, session), _normal(poll, choice)))


def my_answer(poll_id, session: str, runs_dir=None) -> str | None:
    """What `session` answered (to show it its own choice), or None."""
    with connect(runs_dir) as connection:
        row = connection.execute("SELECT choice FROM answers WHERE poll_id = ? AND voter = ?",
                                 (int(poll_id), voter(connection, int(poll_id), session))).fetchone()
    return row[0] if row else None


def tally(poll_id, runs_dir=None) -> Tally:
    """How many sessions gave each answer: every choice in order (zeros included); for a number question, each
    number given, smallest first."""
    with connect(runs_dir) as connection:
        poll = _get(connection, poll_id)
        rows = connection.execute("SELECT choice, COUNT(*) FROM answers WHERE poll_id = ? GROUP BY choice",
                                  (poll.id,)).fetchall()
    given = {choice: int(n) for choice, n in rows}
    if poll.kind == CHOICE:
        counts = {choice: given.get(choice, 0) for choice in poll.choices}
    else:
        counts = {choice: given[choice] for choice in sorted(given, key=float)}
    return Tally(poll, counts, sum(given.values()))


def _set_state(token, poll_id, state: str, runs_dir=None) -> Poll:
    auth.require(token)
    with connect(runs_dir, write=True) as connection:
        _get(connection, poll_id)
        connection.execute("UPDATE polls SET state = ? WHERE id = ?", (state, int(poll_id)))
        return _get(connection, poll_id)


def reveal(token, poll_id, runs_dir=None) -> Tally:
    """Show the answer and freeze the answers; returns the final tally (with its answer)."""
    _set_state(token, poll_id, REVEALED, runs_dir)
    return tally(poll_id, runs_dir)


def close(token, poll_id, runs_dir=None) -> None:
    """Take the poll off every page (its answers stay in the file)."""
    _set_state(token, poll_id, CLOSED, runs_dir)


def is_correct(poll: Poll, choice: str) -> bool:
    """Whether `choice` is among the computed answer's correct ones (a number: equal to it)."""
    correct = poll.answer.get("correct")
    if correct is None:
        return False
    if poll.kind == NUMBER:
        try:
            return float(choice) == float(correct)
        except (TypeError, ValueError):
            return False
    return choice in correct


# The built-in questions of the lesson's moments, each with its answer computed from what the class is shown.

NOT_BAD = "not bad, just good"
BUILT_IN = {
    "not_bad": "Which network gets 'not bad, just good' right?",
    "lstm_parameters": "How many parameters does the LSTM layer have?",
    "long_range": "Will the SimpleRNN learn the long-range task?",
    "embedding_method": "Which method trains the embedding here: skip-gram, CBOW, both or neither?",
}


def not_bad_question(runs: Mapping, reference=None) -> tuple[str, list[str], dict]:
    """(question, choices, answer): the models ({name: run with .predict}) and, if given, the order-blind
    baseline; the correct choices are those whose P(positive) of NOT_BAD (a positive sentence) is above 0.5."""
    from rnnlab import baseline

    if not runs:
        raise ValueError("This question needs trained models: there are none.")
    # Choices by architecture (what the question is about), by run name where one architecture has two runs.
    archs = [getattr(run, "arch", None) for run in runs.values()]
    by_arch = None not in archs and len(set(archs)) == len(archs)
    scores = {(run.arch if by_arch else name): float(run.predict([NOT_BAD])[0]) for name, run in runs.items()}
    if reference is not None:
        scores[baseline.NAME] = float(reference.predict([NOT_BAD])[0])
    right = [name for name, p in scores.items() if p > 0.5]
    listed = "; ".join(f"{name} {p:.3f}" for name, p in scores.items())
    text = (f"P(positive) for '{NOT_BAD}', a positive sentence: {listed}. "
            + (f"Right (above 0.5): {', '.join(right)}." if right else "None of them is above 0.5."))
    if reference is not None:
        flipped = float(reference.predict(["not good, just bad"])[0])
        text += (f" The {baseline.NAME} gives 'not good, just bad' the very same {flipped:.3f}: the same words, "
                 "so the same answer.")
    choices = list(scores) + ([] if len(scores) >= MAX_CHOICES else ["None of them"])
    return BUILT_IN["not_bad"], choices[:MAX_CHOICES], {"text": text, "correct": right or ["None of them"]}


def lstm_parameters_question(vocab_size: int, embed_dim: int = 64, units: int = 128) -> tuple[str, None, dict]:
    """(question, None (a number question), answer): the LSTM layer's count from the parameter ledger."""
    from rnnlab.params import breakdown

    table = breakdown("LSTM", vocab_size, embed_dim, units)
    count = int(table.loc[table["layer"].str.startswith("recurrent"), "count"].sum())
    simple = breakdown("SimpleRNN", vocab_size, embed_dim, units)
    simple_count = int(simple.loc[simple["layer"].str.startswith("recurrent"), "count"].sum())
    text = (f"{count:,} = 4 x ({embed_dim} + {units} + 1) x {units}: three gates and the cell candidate, each "
            f"with an input kernel, a recurrent kernel and a bias ({count / simple_count:.0f} x the SimpleRNN's "
            f"{simple_count:,}), from the parameter ledger.")
    return BUILT_IN["lstm_parameters"], None, {"text": text, "correct": count}


def long_range_question(results: dict | None, learned_at: float = 0.9) -> tuple[str, list[str], dict]:
    """(question, choices, answer) from results/longrange.json: the SimpleRNN's measured validation accuracy at
    the diagnostic lag (mean over seeds); 'learns' means at least `learned_at`."""
    from rnnlab.longrange_task import DIAGNOSTIC_LAG

    if not results:
        raise ValueError("This question needs results/longrange.json (python -m rnnlab.longrange): it is missing.")
    rows = [r for r in results["rows"] if r["lag"] == DIAGNOSTIC_LAG]

    def mean(arch):
        values = [r["val_accuracy"] for r in rows if r["arch"] == arch]
        return sum(values) / len(values) if values else None

    simple, lstm = mean("SimpleRNN"), mean("LSTM")
    if simple is None:
        raise ValueError(f"results/longrange.json has no SimpleRNN at lag {DIAGNOSTIC_LAG}.")
    learns = simple >= learned_at
    seeds = len([r for r in rows if r["arch"] == "SimpleRNN"])
    text = (f"{'Yes' if learns else 'No'}: at lag {DIAGNOSTIC_LAG} the SimpleRNN's measured validation accuracy is "
            f"{simple:.2f} (mean of {seeds} seed{'s' if seeds > 1 else ''}; chance is 0.5)"
            + (f", the LSTM's {lstm:.2f}" if lstm is not None else "")
            + f". Measured by {results['provenance']['command']} on {results['provenance']['date']}.")
    return BUILT_IN["long_range"], ["Yes", "No"], {"text": text, "correct": ["Yes" if learns else "No"]}


def embedding_method_question() -> tuple[str, list[str], dict]:
    """The lesson's own question on the embedding (its answer is the lesson's, not a measurement)."""
    text = ("Neither: the embedding starts random and is learned end to end, from the classifier's own loss, "
            "not pre-trained on predicting neighbouring words.")
    return BUILT_IN["embedding_method"], ["skip-gram", "CBOW", "both", "neither"], {"text": text,
                                                                                  "correct": ["neither"]}
