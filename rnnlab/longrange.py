"""The long-term dependency problem as a generated task: the label is decided by one signal word `lag` words
before the end, and the learner watches which architectures can still learn it as the lag grows.

The decisive word is the first signal word of the sentence; the `lag` words after it are neutral fillers and
three distractors, signal words just like it. Every sentence holds two positive and two negative signal words,
so counting them all tells nothing: a network must tell the first one apart, `lag` words back, from the later
ones that try to overwrite it. Measured (see MEASURED): at Adam's 1e-2 a SimpleRNN stays at chance from a lag
of 45 (at most 63% for any seed, 51% on average) while LSTM and GRU learn every lag up to 90 (at least 99%); at
1e-3 the SimpleRNN learns it too (the page lets you try).
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
import time
from dataclasses import dataclass, field

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
# The table measured with DEFAULTS on the 2-core development machine with nothing else running
# (`python -m rnnlab.longrange`, 2026-11-27: 54 models in 9.5 minutes), shown on the page as the reference.
# Seconds include building the model and compiling the training step.
MEASURED: list[dict] = [
    dict(arch="SimpleRNN", lag=15, seed=0, val_accuracy=1.0, epochs=1, seconds=8.4),
    dict(arch="SimpleRNN", lag=15, seed=1, val_accuracy=1.0, epochs=1, seconds=2.4),
    dict(arch="SimpleRNN", lag=15, seed=2, val_accuracy=1.0, epochs=1, seconds=1.8),
    dict(arch="LSTM", lag=15, seed=0, val_accuracy=0.995, epochs=1, seconds=2.7),
    dict(arch="LSTM", lag=15, seed=1, val_accuracy=0.993, epochs=1, seconds=2.6),
    dict(arch="LSTM", lag=15, seed=2, val_accuracy=0.997, epochs=1, seconds=2.9),
    dict(arch="GRU", lag=15, seed=0, val_accuracy=1.0, epochs=1, seconds=3.6),
    dict(arch="GRU", lag=15, seed=1, val_accuracy=1.0, epochs=1, seconds=2.7),
    dict(arch="GRU", lag=15, seed=2, val_accuracy=1.0, epochs=1, seconds=2.6),
    dict(arch="SimpleRNN", lag=30, seed=0, val_accuracy=1.0, epochs=2, seconds=3.2),
    dict(arch="SimpleRNN", lag=30, seed=1, val_accuracy=1.0, epochs=1, seconds=2.8),
    dict(arch="SimpleRNN", lag=30, seed=2, val_accuracy=0.688, epochs=10, seconds=13.2),
    dict(arch="LSTM", lag=30, seed=0, val_accuracy=0.999, epochs=1, seconds=3.0),
    dict(arch="LSTM", lag=30, seed=1, val_accuracy=1.0, epochs=2, seconds=6.0),
    dict(arch="LSTM", lag=30, seed=2, val_accuracy=0.992, epochs=2, seconds=5.6),
    dict(arch="GRU", lag=30, seed=0, val_accuracy=0.991, epochs=1, seconds=4.2),
    dict(arch="GRU", lag=30, seed=1, val_accuracy=1.0, epochs=2, seconds=6.1),
    dict(arch="GRU", lag=30, seed=2, val_accuracy=1.0, epochs=2, seconds=5.4),
    dict(arch="SimpleRNN", lag=45, seed=0, val_accuracy=0.507, epochs=10, seconds=16.9),
    dict(arch="SimpleRNN", lag=45, seed=1, val_accuracy=0.522, epochs=10, seconds=16.4),
    dict(arch="SimpleRNN", lag=45, seed=2, val_accuracy=0.508, epochs=10, seconds=17.8),
    dict(arch="LSTM", lag=45, seed=0, val_accuracy=0.99, epochs=1, seconds=4.0),
    dict(arch="LSTM", lag=45, seed=1, val_accuracy=0.996, epochs=2, seconds=7.1),
    dict(arch="LSTM", lag=45, seed=2, val_accuracy=1.0, epochs=3, seconds=8.8),
    dict(arch="GRU", lag=45, seed=0, val_accuracy=1.0, epochs=2, seconds=6.9),
    dict(arch="GRU", lag=45, seed=1, val_accuracy=1.0, epochs=2, seconds=6.6),
    dict(arch="GRU", lag=45, seed=2, val_accuracy=0.999, epochs=1, seconds=4.6),
    dict(arch="SimpleRNN", lag=60, seed=0, val_accuracy=0.631, epochs=10, seconds=21.1),
    dict(arch="SimpleRNN", lag=60, seed=1, val_accuracy=0.514, epochs=10, seconds=20.0),
    dict(arch="SimpleRNN", lag=60, seed=2, val_accuracy=0.504, epochs=10, seconds=20.0),
    dict(arch="LSTM", lag=60, seed=0, val_accuracy=0.994, epochs=6, seconds=19.6),
    dict(arch="LSTM", lag=60, seed=1, val_accuracy=1.0, epochs=2, seconds=8.4),
    dict(arch="LSTM", lag=60, seed=2, val_accuracy=1.0, epochs=3, seconds=11.6),
    dict(arch="GRU", lag=60, seed=0, val_accuracy=1.0, epochs=2, seconds=7.8),
    dict(arch="GRU", lag=60, seed=1, val_accuracy=1.0, epochs=2, seconds=6.5),
    dict(arch="GRU", lag=60, seed=2, val_accuracy=1.0, epochs=2, seconds=7.7),
    dict(arch="SimpleRNN", lag=75, seed=0, val_accuracy=0.525, epochs=10, seconds=25.5),
    dict(arch="SimpleRNN", lag=75, seed=1, val_accuracy=0.495, epochs=10, seconds=19.4),
    dict(arch="SimpleRNN", lag=75, seed=2, val_accuracy=0.516, epochs=10, seconds=20.1),
    dict(arch="LSTM", lag=75, seed=0, val_accuracy=0.995, epochs=3, seconds=11.5),
    dict(arch="LSTM", lag=75, seed=1, val_accuracy=1.0, epochs=5, seconds=17.0),
    dict(arch="LSTM", lag=75, seed=2, val_accuracy=1.0, epochs=3, seconds=12.2),
    dict(arch="GRU", lag=75, seed=0, val_accuracy=1.0, epochs=2, seconds=7.2),
    dict(arch="GRU", lag=75, seed=1, val_accuracy=1.0, epochs=2, seconds=8.9),
    dict(arch="GRU", lag=75, seed=2, val_accuracy=1.0, epochs=2, seconds=9.1),
    dict(arch="SimpleRNN", lag=90, seed=0, val_accuracy=0.562, epochs=10, seconds=25.0),
    dict(arch="SimpleRNN", lag=90, seed=1, val_accuracy=0.49, epochs=10, seconds=26.9),
    dict(arch="SimpleRNN", lag=90, seed=2, val_accuracy=0.473, epochs=10, seconds=27.4),
    dict(arch="LSTM", lag=90, seed=0, val_accuracy=1.0, epochs=3, seconds=12.0),
    dict(arch="LSTM", lag=90, seed=1, val_accuracy=1.0, epochs=4, seconds=12.8),
    dict(arch="LSTM", lag=90, seed=2, val_accuracy=0.994, epochs=4, seconds=17.4),
    dict(arch="GRU", lag=90, seed=0, val_accuracy=1.0, epochs=2, seconds=10.9),
    dict(arch="GRU", lag=90, seed=1, val_accuracy=0.999, epochs=2, seconds=11.3),
    dict(arch="GRU", lag=90, seed=2, val_accuracy=0.999, epochs=3, seconds=15.3),
]

FULL_LAGS = (15, 30, 45, 60, 75, 90)


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


@dataclass
class LongRangeRun:
    """One architecture trained on the task at one lag and seed; `model` answers like any RNN Lab model."""

    arch: str
    lag: int
    seed: int
    config: dict
    model: object
    history: dict = field(default_factory=lambda: {"loss": [], "accuracy": [], "val_accuracy": []})
    seconds: float = 0.0

    @property
    def val_accuracy(self) -> float:
        return self.history["val_accuracy"][-1] if self.history["val_accuracy"] else float("nan")

    vocabulary = list(VOCABULARY)


def train_on_task(arch: str, lag: int, seed: int = 0, on_epoch=None, stop=None, on_batch=None,
                  **settings) -> LongRangeRun:
    """Train `arch` (built by rnnlab.models.build_model) on make_task(lag) with `seed` for data and weights.

    Epochs end early once validation accuracy reaches target_accuracy, and training ends after the epoch that
    passes max_seconds. on_epoch(epoch, logs) gets loss, accuracy, val_accuracy, seconds; setting the
    threading.Event `stop` ends training after the current epoch. on_batch(epoch, batch, batches), if given, is
    called after every batch (the page shows progress within an epoch with it)."""
    from rnnlab.models import build_model, check_arch
    from rnnlab.training import _configure_threads, _step_functions

    check_arch(arch)
    unknown = set(settings) - set(DEFAULTS)
    if unknown:
        raise ValueError(f"unknown settings {sorted(unknown)}; known: {', '.join(DEFAULTS)}")
    config = {**DEFAULTS, **settings, "arch": arch, "lag": int(lag), "seed": int(seed)}
    started = time.perf_counter()
    _configure_threads()
    import keras
    import tensorflow as tf

    keras.utils.set_random_seed(seed)
    shape = dict(prefix_length=config["prefix_length"], signal_pairs=config["signal_pairs"])
    train_task = make_task(lag, config["train_size"], seed=1000 + seed, **shape)
    val_task = make_task(lag, config["val_size"], seed=2000 + seed, **shape)
    model = build_model(arch, len(VOCABULARY), config["embed_dim"], config["units"], seed=seed)
    train_step, eval_step = _step_functions(model, keras.optimizers.Adam(config["learning_rate"]))
    run = LongRangeRun(arch=arch, lag=int(lag), seed=int(seed), config=config, model=model)
    rng = np.random.default_rng(seed)
    x_val, y_val = tf.constant(val_task.ids), tf.constant(val_task.labels.astype(np.float32))
    batch = config["batch_size"]
    for epoch in range(config["max_epochs"]):
        order = rng.permutation(len(train_task.labels))
        losses, hits = [], []
        for start in range(0, len(order), batch):
            rows = order[start : start + batch]
            loss, acc, *_ = train_step(tf.constant(train_task.ids[rows]),  # and the gradient's norms
                                       tf.constant(train_task.labels[rows].astype(np.float32)))
            losses.append(float(loss))
            hits.append(float(acc))
            if on_batch is not None:
                on_batch(epoch, start // batch + 1, -(-len(order) // batch))
        _, val_hits = eval_step(x_val, y_val)
        logs = dict(loss=float(np.mean(losses)), accuracy=float(np.mean(hits)),
                    val_accuracy=float(val_hits) / len(y_val), seconds=time.perf_counter() - started)
        for key in run.history:
            run.history[key].append(logs[key])
        run.seconds = logs["seconds"]
        if on_epoch is not None:
            on_epoch(epoch, logs)
        if logs["val_accuracy"] >= config["target_accuracy"] or logs["seconds"] > config["max_seconds"]:
            break
        if stop is not None and stop.is_set():
            break
    return run


def gradient_by_step(run: LongRangeRun, n: int = 200) -> "pd.DataFrame":
    """How much gradient reaches each word of the task: rnnlab.gradients.gradient_norm_by_step on `n` fresh
    sentences, for the trained model and its untrained twin (same architecture and seed, not trained).

    Returns DataFrame[model, arch, trained, distance, gradient_norm] like rnnlab.gradients.measured_gradients,
    distance 0 being the last word; the decisive word sits at distance run.lag."""
    import pandas as pd

    from rnnlab.gradients import GRADIENT_COLUMNS, gradient_norm_by_step, untrained_twin

    config = run.config
    task = make_task(run.lag, n, seed=3000 + run.seed, prefix_length=config["prefix_length"],
                     signal_pairs=config["signal_pairs"])
    frames = []
    for trained, model in ((True, run.model), (False, untrained_twin(run))):
        norms = gradient_norm_by_step(model, task.ids, task.labels)
        frames.append(pd.DataFrame({"model": run.arch, "arch": run.arch, "trained": trained,
                                    "distance": np.arange(len(norms)), "gradient_norm": norms}))
    return pd.concat(frames, ignore_index=True)[GRADIENT_COLUMNS]


def run_name(arch: str, learning_rate: float) -> str:
    """'LSTM' with the default learning rate, else 'LSTM, lr 0.001': how pages and tables name a run."""
    return arch if learning_rate == DEFAULTS["learning_rate"] else f"{arch}, lr {learning_rate:g}"


def measure(archs, lags, seeds, on_run=None, **settings) -> list[dict]:
    """Train every architecture at every lag with every seed: [{"arch", "lag", "seed", "val_accuracy",
    "seconds", "epochs"}], in that order. on_run(row) is called after each training."""
    rows = []
    for lag in lags:
        for arch in archs:
            for seed in seeds:
                run = train_on_task(arch, lag, seed, **settings)
                row = dict(arch=arch, lag=int(lag), seed=int(seed), val_accuracy=round(run.val_accuracy, 4),
                           seconds=round(run.seconds, 1), epochs=len(run.history["val_accuracy"]))
                rows.append(row)
                if on_run is not None:
                    on_run(row)
    return rows


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help=f"only lags {QUICK_LAGS} (default: {FULL_LAGS})")
    parser.add_argument("--json", action="store_true", help="print one JSON list instead of a table")
    parser.add_argument("--archs", default="SimpleRNN,LSTM,GRU")
    parser.add_argument("--lags", default=None, help="comma-separated lags")
    parser.add_argument("--seeds", default="0,1,2")
    args = parser.parse_args(argv)
    from rnnlab.models import ARCHITECTURES

    archs = [a.strip() for a in args.archs.split(",")]
    unknown = [a for a in archs if a not in ARCHITECTURES]
    if unknown:
        parser.error(f"unknown architecture(s) {', '.join(unknown)}; choose from {', '.join(ARCHITECTURES)}")
    try:
        lags = [int(x) for x in args.lags.split(",")] if args.lags else list(QUICK_LAGS if args.quick else FULL_LAGS)
        seeds = [int(x) for x in args.seeds.split(",")]
    except ValueError as error:
        parser.error(f"--lags and --seeds take comma-separated whole numbers ({error})")
    if min(lags) < min_lag() or min(seeds) < 0:
        parser.error(f"lags start at {min_lag()} (the distractors need room) and seeds at 0")
    # Each model compiles its own training step; TensorFlow's "retracing" warning about that is noise here.
    logging.getLogger("tensorflow").setLevel(logging.ERROR)

    def show(row):
        if not args.json:
            print(f"{row['arch']:>9}  lag {row['lag']:>3}  seed {row['seed']}  val_accuracy {row['val_accuracy']:.3f}"
                  f"  ({row['epochs']} epochs, {row['seconds']:.1f} s)", flush=True)

    rows = measure(archs, lags, seeds, on_run=show)
    if args.json:
        print(json.dumps([{k: row[k] for k in ("arch", "lag", "seed", "val_accuracy")} for row in rows]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
