"""The lesson, step by step, as the Lesson page walks it: each step's title, its few sentences, the settings its
live element is drawn with, the lesson's question for that point (answer folded until revealed), the class polls
it offers, and the "what to notice" sentences, computed from the models and data the step shows (no number is
written into the text). The class's current step (set by the instructor, followed by students) is kept in the
class's SQLite file (rnnlab.classroom_state), so every server of a cluster sees it.

Nothing here calls Streamlit; rnnlab.ui.lesson_view draws the steps with the pages' own parts.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from rnnlab import auth, classroom_state
from rnnlab.models import LESSON_ARCHS

LESSON_SENTENCES = ("I hate this meal!", "I love this restaurant")
CELL_SENTENCE = "The service was slow but the food was great"
TOY_WEIGHTS = (0.9, 1.1)  # one just below 1, one just above: vanishing and exploding
TOY_STEPS = 150


@dataclass(frozen=True)
class Step:
    key: str  # what lesson_view draws for it
    title: str
    text: str
    needs: tuple[str, ...] = ()  # the architectures it needs trained (empty: none); ("any",) any model
    question: str | None = None  # the lesson's own question at this point, and its answer
    answer: str | None = None
    polls: tuple[str, ...] = ()  # built-in polls (rnnlab.polls.BUILT_IN keys) the instructor may open here
    page: str = "pages/home.py"  # the full page this step is part of
    settings: dict = field(default_factory=dict)


STEPS = (
    Step("data", "The data and its token ids",
         "Short reviews from Amazon, IMDB and Yelp, each labelled positive or negative. A network "
         "reads numbers, not words: the vectorizer lowercases a sentence, strips its punctuation, splits it at "
         "spaces and replaces each word by its rank in the vocabulary. Two ids are reserved, for padding and for "
         "words it has never seen.",
         page="pages/data.py", settings={"sentences": ("very good movie", "Mochen Yang")}),
    Step("embedding", "The embedding, trained end to end",
         "Every word id picks a row of the Embedding layer, a vector of learned numbers. Nothing prepares those "
         "vectors beforehand: the same loss that trains the classifier moves them. Below, a trained model's word "
         "vectors flattened to two dimensions and coloured by how each word leans in the training sentences.",
         needs=("any",), question="Which method trains the embedding here: skip-gram, CBOW, both or neither?",
         answer="**Neither.** The vectors start random and only the sentiment loss moves them (end to end); "
                "skip-gram and CBOW pre-train vectors on another task, predicting a word from its neighbours.",
         polls=("embedding_method",), page="pages/embeddings.py", settings={"min_count": 2}),
    Step("simple_rnn", "A SimpleRNN, built and trained",
         "A simple recurrent unit reads word by word: h_t = tanh([h_(t-1), x_t] W + b). The weights have no t, the "
         "same at every word (parameter sharing), which is what lets one network read sentences of any length. "
         "The lesson's model is Embedding, SimpleRNN(128), Dense(1, sigmoid).",
         needs=("SimpleRNN",), page="pages/train.py", settings={"arch": "SimpleRNN",
                                                                 "sentences": LESSON_SENTENCES}),
    Step("long_term", "The long-term dependency problem",
         "Strip the unit down to one weight w, no input and no activation: h_t = w^t h_0, so the gradient "
         "dh_t/dw = t w^(t-1) h_0. Over many steps it vanishes when w is a little below 1 and explodes when it is "
         "a little above. Then the same measured on the trained models: the gradient reaching each word.",
         question="Is this a problem for deep feed-forward networks too?",
         answer="**Yes**: the gradient is multiplied once per layer on its way back, so it can shrink or grow "
                "through many layers too. But each layer has its own weights, so it is a product of different "
                "matrices, not one w raised to the power t.",
         page="pages/gradients.py", settings={"weights": TOY_WEIGHTS, "t_max": TOY_STEPS}),
    Step("gates", "The LSTM's gates",
         "An LSTM adds a cell state and three gates, each a sigmoid of the word and the last hidden state, so a "
         "weight between 0 and 1 that changes with every word. The forget gate keeps part of the old cell state, "
         "the input gate adds part of the new: C_t = f_t C_(t-1) + i_t C~_t, and the output gate decides what "
         "shows. Watch the gates of the trained LSTM read a sentence.",
         needs=("LSTM",),
         question="The cell state is a weighted mix of the past and the new. What does this resemble from "
                  "time-series forecasting?",
         answer="**Exponential smoothing**: a weighted average of history and new information. Here the weights "
                "are learned and change at every word, depending on what the cell reads.",
         page="pages/inside_cell.py", settings={"arch": "LSTM", "sentence": CELL_SENTENCE}),
    Step("lstm", "The LSTM, trained and compared",
         "Each gate and the candidate have their own input kernel, recurrent kernel and bias, so an LSTM layer pays "
         "four times a simple one. Its additive cell-state path lets gradients pass without being squashed at "
         "every step. Does the price buy accuracy on these sentences?",
         needs=("SimpleRNN", "LSTM"), polls=("lstm_parameters",), page="pages/parameters.py",
         settings={"archs": ("SimpleRNN", "LSTM"), "sentences": LESSON_SENTENCES}),
    Step("gru", "The GRU",
         "The GRU has two gates, update and reset, and no separate cell state: h_t = z_t h_(t-1) + (1 - z_t) h~_t. "
         "Proposed later than the LSTM and cheaper, it is often as good. Keras keeps two bias vectors per gate "
         "(reset_after=True).",
         needs=("GRU",), page="pages/parameters.py", settings={"archs": ("SimpleRNN", "LSTM", "GRU"),
                                                              "sentences": LESSON_SENTENCES}),
    Step("bilstm", "The bidirectional LSTM",
         "Two LSTMs read the sentence, one forwards and one backwards; the classifier sees both final states. The "
         "backward reader ends on the first word, so early words sit next to a state the classifier reads. It "
         "doubles the recurrent layer.",
         needs=("BiLSTM",), page="pages/parameters.py", settings={"archs": LESSON_ARCHS,
                                                                 "sentences": LESSON_SENTENCES}),
    Step("compare", "The four compared on typed sentences",
         "The same sentences, read by every trained model: P(positive) near 1 is positive, near 0 negative. Try "
         "negations, sarcasm and words the vocabulary has never seen, and send your own to the wall below.",
         needs=("any",), page="pages/predict.py",
         settings={"sentences": (*LESSON_SENTENCES, "not bad at all", "what a great way to waste an evening")}),
    Step("order", "Where word order matters",
         "A bag of words only counts which words a sentence has, and it scores about as well as the networks on "
         "these reviews. It cannot tell two sentences with the same words in another order apart, and it cannot "
         "learn a task decided by one word far back.",
         needs=("any",), polls=("not_bad", "long_range"), page="pages/long_range.py"),
)
COUNT = len(STEPS)


def parse_step(value) -> tuple[int, str | None]:
    """The 1-based step of `?step=...` and a message when it was not one (then step 1)."""
    if value is None or value == "":
        return 1, None
    text = str(value).strip()
    try:
        step = int(text)
    except ValueError:
        return 1, f"'{text}' is not a step number: the lesson has steps 1 to {COUNT}. Showing step 1."
    if not 1 <= step <= COUNT:
        return 1, f"There is no step {step}: the lesson has steps 1 to {COUNT}. Showing step 1."
    return step, None


def set_class_step(token, step: int, runs_dir=None) -> None:
    """The instructor moves the class to `step` (PermissionError without the instructor's token)."""
    auth.require(token)
    if not 1 <= int(step) <= COUNT:
        raise ValueError(f"There is no step {step}: the lesson has steps 1 to {COUNT}.")
    classroom_state.set_step(int(step), runs_dir)


def class_step(runs_dir=None) -> int | None:
    """The step the instructor last set, or None."""
    step = classroom_state.current_step(runs_dir)
    return step if step is not None and 1 <= step <= COUNT else None


def missing_archs(step: Step, archs_trained: Sequence[str]) -> list[str]:
    """Which of the step's architectures no trained model has ("any model" when it needs any and has none)."""
    if not step.needs:
        return []
    if step.needs == ("any",):
        return [] if archs_trained else ["any model"]
    return [arch for arch in step.needs if arch not in archs_trained]


def lesson_run_ids(stored: Sequence, lesson_keys: Sequence[str] = ()) -> list[str]:
    """The stored runs (rnnlab.runs.StoredRun) a lesson uses when the session has picked none: for each lesson
    architecture, its run with the lesson's own settings (`lesson_keys`, the keys of prepare.lesson_configs())
    if stored, else its newest finished run."""
    chosen = []
    for arch in LESSON_ARCHS:
        candidates = [s for s in stored if s.arch == arch and not s.stopped]
        if not candidates:
            continue
        exact = [s for s in candidates if s.key in lesson_keys]
        chosen.append(max(exact or candidates, key=lambda s: s.saved_at).id)
    return chosen


def first_of(runs: Mapping, arch: str):
    """(name, run) of the first model of `arch` in {name: run} (run.arch), or None."""
    for name, run in runs.items():
        if getattr(run, "arch", None) == arch:
            return name, run
    return None


# What to notice: sentences computed from what each step shows.

def data_notice(df, counts, examples: Sequence[str]) -> str:
    """The data step's: its size, balance, vocabulary and the examples' token ids (rnnlab.text)."""
    from rnnlab.text import token_ids

    positive = float(df["label"].mean())
    ids = "; ".join(f"*{text}* becomes {token_ids(text, counts)[1]}" for text in examples)
    return (f"{len(df):,} sentences, {positive:.0%} of them positive, so guessing one class scores about "
            f"{max(positive, 1 - positive):.0%}. The vocabulary has {len(counts) + 2:,} tokens, with '' (0) and "
            f"[UNK] (1). {ids}: an unknown word is 1, whatever it is.")


def simple_rnn_notice(name: str, run, sentences_trained_on: int, vocab_size: int) -> str:
    """The SimpleRNN step's: parameters against training sentences, its accuracy and its two predictions."""
    from rnnlab.params import breakdown

    cfg = run.config
    total = int(breakdown("SimpleRNN", vocab_size, cfg.get("embed_dim", 64), cfg.get("units", 128))["count"].sum())
    accuracy = max(run.history.get("val_accuracy") or [float("nan")])
    hate, love = (float(p) for p in run.predict(list(LESSON_SENTENCES)))
    return (f"{name} has {total:,} parameters, {total / max(sentences_trained_on, 1):.0f} for every one of its "
            f"{sentences_trained_on:,} training sentences, and still reaches a validation accuracy of "
            f"{accuracy:.3f}. It gives *{LESSON_SENTENCES[0]}* {hate:.3f} and *{LESSON_SENTENCES[1]}* {love:.3f}.")


def toy_notice(weights: Sequence[float] = TOY_WEIGHTS, t_max: int = TOY_STEPS) -> str:
    """The toy's gradient dh_t/dw after t_max steps for each weight (rnnlab.gradients.toy), and how far apart."""
    import math

    from rnnlab.gradients import toy

    last = {w: float(toy(w, t_max)["dh_dw"].iloc[-1]) for w in weights}
    parts = "; ".join(f"with w = {w:g} it is {value:.3g}" for w, value in last.items())
    low, high = min(last.values()), max(last.values())
    apart = (f": {math.log10(high / low):.0f} orders of magnitude apart, for weights {max(weights) - min(weights):g} "
             "apart" if low > 0 and math.isfinite(high) else "")
    return f"After {t_max} steps the gradient dh_t/dw, {parts}{apart}."


def ledger_notice(archs: Sequence[str], vocab_size: int, embed_dim: int = 64, units: int = 128) -> str:
    """Each architecture's recurrent layer against the SimpleRNN's, from the parameter ledger."""
    from rnnlab.params import breakdown

    def recurrent(arch):
        table = breakdown(arch, vocab_size, embed_dim, units)
        return int(table.loc[table["layer"].str.startswith("recurrent"), "count"].sum())

    simple = recurrent("SimpleRNN")
    parts = [f"{arch} {recurrent(arch):,} ({recurrent(arch) / simple:.2f} x)" for arch in archs if arch != "SimpleRNN"]
    return (f"Recurrent layer, embedding {embed_dim}, {units} units: SimpleRNN {simple:,}; " + "; ".join(parts)
            + ". The embedding is the same for all of them.")


def accuracy_notice(runs: Mapping) -> str:
    """Each model's best validation accuracy and epochs, the best named."""
    best = {name: max(run.history.get("val_accuracy") or [float("nan")]) for name, run in runs.items()}
    if not best:
        return ""
    top = max(best, key=lambda name: best[name])
    listed = "; ".join(f"{name} {value:.3f}" for name, value in best.items())
    spread = max(best.values()) - min(best.values())
    val_size = min(int(run.config.get("val_size") or 0) for run in runs.values())
    # One validation sentence is 1 / val_size of accuracy: a margin of a few sentences is noise.
    few = 5 / max(val_size, 1)
    return (f"Best validation accuracy: {listed}. {top} is highest, by {spread:.3f} over the lowest, "
            + (f"about {spread * val_size:.0f} of {val_size:,} validation sentences: a small margin."
               if spread < few else f"{spread * val_size:.0f} of {val_size:,} validation sentences."))


def probability_notice(table) -> str:
    """On a probability table (sentences x models): the sentence they disagree on most, and each extreme."""
    if table.empty:
        return ""
    spread = table.max(axis=1) - table.min(axis=1)
    split = spread.idxmax()
    return (f"They disagree most on *{split}*: from {table.loc[split].min():.3f} ({table.loc[split].idxmin()}) to "
            f"{table.loc[split].max():.3f} ({table.loc[split].idxmax()}). Most agreed: *{spread.idxmin()}* "
            f"(within {spread.min():.3f}).")


def baseline_notice(baseline_accuracy: float, runs: Mapping) -> str:
    """The order-blind baseline's validation accuracy against the networks' best ones."""
    best = [max(run.history.get("val_accuracy") or [float("nan")]) for run in runs.values()]
    if not best:
        return f"The bag of words scores {baseline_accuracy:.3f} on validation."
    low, high = min(best), max(best)
    where = ("above every network" if baseline_accuracy > high else "below every network" if baseline_accuracy < low
             else "among the networks")
    return (f"On these reviews the bag of words scores {baseline_accuracy:.3f} on validation, {where} "
            f"({low:.3f} to {high:.3f}): most of a review's sentiment is in which words it has.")
