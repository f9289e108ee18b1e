"""The long-term dependency problem as a generated task: the label is decided by one signal word `lag` words
before the end.

The decisive word is the first signal word of the sentence; the `lag` words after it are neutral fillers and
three distractors, signal words just like it. Every sentence holds two positive and two negative signal words,
so counting them all tells nothing: a network must tell the first one apart, `lag` words back, from the later
ones that try to overwrite it. Training on it is rnnlab.longrange's; the measured table, rnnlab.longrange_results'.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

POSITIVE_WORDS = ("good", "great")
NEGATIVE_WORDS = ("bad", "awful")
# Neutral fillers: twenty everyday words that say nothing about sentiment.
FILLER_WORDS = (
    "the", "a", "table", "window", "chair", "road", "paper", "water", "green", "seven",
    "monday", "door", "cloud", "pencil", "river", "stone", "garden", "lamp", "clock", "bottle",
)
# The same layout as the sentiment vocabularies: 0 is padding, 1 is '[UNK]' (never used here).
VOCABULARY = ("", "[UNK]", *POSITIVE_WORDS, *NEGATIVE_WORDS, *FILLER_WORDS)
WORD_ID = {word: i for i, word in enumerate(VOCABULARY)}

# The settings of the measured table (module note, `python -m rnnlab.longrange`). Chosen by measurement: with
# these, SimpleRNN stays near chance from a lag of 45 while LSTM and GRU reach 99-100% in a few epochs.
DEFAULTS = dict(
    prefix_length=5,  # filler words before the decisive signal
    signal_pairs=2,  # positive/negative pairs of signal words per sentence, the decisive one included
    train_size=4000,
    val_size=1000,
    embed_dim=16,
    units=32,
    batch_size=32,
    learning_rate=1e-2,
    max_epochs=10,
    max_seconds=50.0,
    target_accuracy=0.99,
)
QUICK_LAGS = (15, 75)
FULL_LAGS = (15, 30, 45, 60, 75, 90)
# The lag at which `python -m rnnlab.longrange` also measures what training did inside each network (gradient at
# the decisive word, recurrent weights, gates), the figures the page's "Think about it" answer quotes.
DIAGNOSTIC_LAG = 75
# Where `python -m rnnlab.longrange` writes its table, with its provenance; the page reads it from there.
RESULTS_PATH = Path(__file__).resolve().parent.parent / "results" / "longrange.json"
SLOW_RESULTS_PATH = RESULTS_PATH.parent / "longrange_lr0.001.json"  # the SimpleRNN at Adam's 0.001, lag 75


@dataclass
class Task:
    """One generated data set: token ids (n, prefix_length + 1 + lag), labels (n,) and the decisive position."""

    ids: np.ndarray
    labels: np.ndarray
    lag: int
    decisive_position: int

    @property
    def steps(self) -> int:
        return self.ids.shape[1]



def min_lag(signal_pairs: int = DEFAULTS["signal_pairs"]) -> int:
    """The shortest lag with room for the distractors after the decisive word."""
    return 2 * int(signal_pairs) - 1



def make_task(lag: int, n: int, seed: int = 0, prefix_length: int = DEFAULTS["prefix_length"],
              signal_pairs: int = DEFAULTS["signal_pairs"]) -> Task:
    """`n` sentences of prefix_length + 1 + lag words, deterministic for a given seed.

    Each sentence holds `signal_pairs` positive and as many negative signal words, in random order. The first of
    them, the decisive word, sits at position prefix_length, so exactly `lag` words follow it, and gives the
    label (1 = positive). The others, the distractors, look just like it but sit at random places among those
    `lag` words; every remaining word is a filler drawn uniformly from twenty. Since every sentence has as many
    positive as negative signal words, a bag of words is at chance. (The distractors lean the other way, 2 of 3
    with the default pair count, so a reader of the *latest* signal word would be right only a third of the
    time; any reader still has to keep something from `lag` words back.)"""
    lag, n, prefix_length, signal_pairs = int(lag), int(n), int(prefix_length), int(signal_pairs)
    if n < 1 or signal_pairs < 1 or prefix_length < 0 or lag < min_lag(signal_pairs):
        raise ValueError(f"need n >= 1, signal_pairs >= 1, prefix_length >= 0 and lag >= {min_lag(signal_pairs)} "
                         f"(room for the distractors), got n={n}, signal_pairs={signal_pairs}, "
                         f"prefix_length={prefix_length}, lag={lag}")
    rng = np.random.default_rng(seed)
    steps = prefix_length + 1 + lag
    fillers = np.array([WORD_ID[w] for w in FILLER_WORDS], dtype=np.int32)
    positive = np.array([WORD_ID[w] for w in POSITIVE_WORDS], dtype=np.int32)
    negative = np.array([WORD_ID[w] for w in NEGATIVE_WORDS], dtype=np.int32)
    ids = rng.choice(fillers, size=(n, steps)).astype(np.int32)
    # Polarities of all signals: half positive, half negative, shuffled per sentence; the first one decides.
    polarity = np.tile(np.repeat([1, 0], signal_pairs), (n, 1))
    polarity = np.take_along_axis(polarity, rng.random(polarity.shape).argsort(axis=1), axis=1)
    words = np.where(polarity == 1, rng.choice(positive, size=polarity.shape),
                     rng.choice(negative, size=polarity.shape))
    ids[:, prefix_length] = words[:, 0]
    # The distractors: distinct random places among the lag words after the decisive one.
    places = prefix_length + 1 + rng.random((n, lag)).argsort(axis=1)[:, : 2 * signal_pairs - 1]
    ids[np.arange(n)[:, None], places] = words[:, 1:]
    return Task(ids=ids, labels=polarity[:, 0].astype(np.int32), lag=lag, decisive_position=prefix_length)



def decode(ids) -> str:
    """Token ids back to words, padding dropped: make_task's sentences in readable form."""
    return " ".join(VOCABULARY[i] for i in np.asarray(ids).reshape(-1) if i != 0)

