"""The long-term dependency problem as a generated task: the label is decided by one signal word `lag` words
before the end, and the learner watches which architectures can still learn it as the lag grows.

The decisive word is the first signal word of the sentence; the `lag` words after it are neutral fillers and
three distractors, signal words just like it. Every sentence holds two positive and two negative signal words,
so counting them all tells nothing: a network must tell the first one apart, `lag` words back, from the later
ones that try to overwrite it. `python -m rnnlab.longrange` trains every architecture at every lag with three
seeds and writes the table, with what training did inside the networks at lag 75 and the provenance (date,
machine, versions, command), to results/longrange.json (RESULTS_PATH), which the page shows; at Adam's 1e-3 the
SimpleRNN behaves differently (the page lets you try).
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import platform
import shlex
import sys
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
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


def diagnose(run: LongRangeRun, n: int = 200, unrolled: int = 50) -> dict:
    """What training did inside `run`'s network, against its untrained twin (same seed, not trained), on `n`
    fresh sentences: the gradient reaching the decisive word (rnnlab.gradients.gradient_norm_by_step, at
    distance run.lag), the largest singular value of the recurrent kernel, the share of hidden units in the
    flat ends of tanh (|h| > 0.95) and, for a gated cell, the mean of the gate that keeps the past (LSTM forget,
    GRU update), over every word of the first `unrolled` sentences (rnnlab.inspect.unroll_cell).

    Returns {"arch", "lag", "seed", "val_accuracy", and for "trained" and "untrained": {"decisive_gradient",
    "recurrent_singular_value", "saturated_share", "keep_gate" (None for a SimpleRNN)}}."""
    from rnnlab.gradients import gradient_norm_by_step, untrained_twin
    from rnnlab.inspect import _weights, cell_kind, unroll_cell

    config = run.config
    task = make_task(run.lag, n, seed=3000 + run.seed, prefix_length=config["prefix_length"],
                     signal_pairs=config["signal_pairs"])
    kind = cell_kind(run.arch)
    keep = {"LSTM": "forget_gate", "GRU": "update_gate"}.get(kind)
    out = dict(arch=run.arch, lag=run.lag, seed=run.seed, val_accuracy=round(run.val_accuracy, 4))
    for name, model in (("trained", run.model), ("untrained", untrained_twin(run))):
        norms = gradient_norm_by_step(model, task.ids, task.labels)
        recurrent = model.get_layer("recurrent")
        weights = _weights(getattr(recurrent, "forward_layer", recurrent))
        embeddings = np.asarray(model.get_layer("embedding").embeddings, dtype=np.float64)
        states = [unroll_cell(kind, weights, embeddings[row]) for row in task.ids[:unrolled]]
        hidden = np.concatenate([s["hidden"] for s in states])
        out[name] = dict(
            decisive_gradient=float(f"{norms[run.lag]:.3g}"),
            recurrent_singular_value=round(float(np.linalg.svd(weights[1], compute_uv=False)[0]), 3),
            saturated_share=round(float(np.mean(np.abs(hidden) > 0.95)), 3),
            keep_gate=round(float(np.concatenate([s[keep] for s in states]).mean()), 3) if keep else None,
        )
    return out


def measure(archs, lags, seeds, on_run=None, diagnostic_lag=None, **settings) -> list[dict]:
    """Train every architecture at every lag with every seed: [{"arch", "lag", "seed", "val_accuracy",
    "seconds", "epochs"}], in that order. on_run(row) is called after each training. Runs at `diagnostic_lag`
    are also diagnosed (diagnose()), the result under the row's "diagnosis" key (not timed)."""
    rows = []
    for lag in lags:
        for arch in archs:
            for seed in seeds:
                run = train_on_task(arch, lag, seed, **settings)
                row = dict(arch=arch, lag=int(lag), seed=int(seed), val_accuracy=round(run.val_accuracy, 4),
                           seconds=round(run.seconds, 1), epochs=len(run.history["val_accuracy"]))
                if diagnostic_lag is not None and int(lag) == int(diagnostic_lag):
                    row["diagnosis"] = diagnose(run)
                rows.append(row)
                if on_run is not None:
                    on_run(row)
    return rows


def provenance(argv, started: float, threads) -> dict:
    """Where and how a table was measured: date (UTC), machine (CPU count, load, platform), thread settings (0:
    TensorFlow's default, which it reports when its threads were fixed before this command could set them),
    versions of Python, TensorFlow, Keras and NumPy, the exact command and the wall time."""
    import keras
    import tensorflow as tf

    command = " ".join(["python -m rnnlab.longrange", *(shlex.quote(a) for a in argv)]).strip()
    return dict(
        command=command,
        date=datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        cpu_count=os.cpu_count(),
        load_average=[round(x, 2) for x in os.getloadavg()] if hasattr(os, "getloadavg") else None,
        intra_op_threads=threads[0],
        inter_op_threads=threads[1],
        platform=platform.platform(),
        python=platform.python_version(),
        tensorflow=tf.__version__,
        keras=keras.__version__,
        numpy=np.__version__,
        wall_seconds=round(time.perf_counter() - started, 1),
    )


def load_results(path=None) -> dict | None:
    """The table `python -m rnnlab.longrange` wrote ({"provenance", "settings", "rows"}), or None if there is
    none at `path` (default RESULTS_PATH)."""
    path = Path(path or RESULTS_PATH)
    if not path.is_file():
        return None
    return json.loads(path.read_text())


def describe_provenance(results: dict) -> str:
    """One line for under the table: the command, date, machine and versions it was measured with."""
    p = results["provenance"]
    def count(n):  # TensorFlow reports 0 for "its default" (one per core)
        return str(n) if n else "default"

    threads = f"{count(p['intra_op_threads'])} intra-op / {count(p['inter_op_threads'])} inter-op threads"
    return (f"Measured by `{p['command']}` on {p['date']}: {p['cpu_count']} CPUs ({threads}, load "
            f"{p['load_average'][0] if p.get('load_average') else 'unknown'} at the start), TensorFlow "
            f"{p['tensorflow']}, Keras {p['keras']}, {len(results['rows'])} models in {p['wall_seconds'] / 60:.1f} "
            "minutes.")


def spread_files(folder=None) -> list[Path]:
    """The lag-75 runs over more seeds and thread settings (results/longrange_lag75_threads*.json)."""
    return sorted(Path(folder or RESULTS_PATH.parent).glob("longrange_lag75_threads*.json"))


def cut_short(row: dict, settings: dict) -> bool:
    """Whether the clock, not the epochs, ended this run: past max_seconds, short of the target and of max_epochs
    (a slow or busy machine trains fewer epochs in the same time)."""
    return (row["seconds"] > settings["max_seconds"] and row["val_accuracy"] < settings["target_accuracy"]
            and row["epochs"] < settings["max_epochs"])


def diagnosed_rows(results: dict) -> list[dict]:
    """The file's diagnostics, each with its training row's epochs and seconds and whether it was cut short."""
    rows = {(r["arch"], r["lag"], r["seed"]): r for r in results["rows"]}
    out = []
    for d in results["diagnostics"]:
        row = rows[d["arch"], d["lag"], d["seed"]]
        out.append({**d, "epochs": row["epochs"], "seconds": row["seconds"],
                    "cut_short": cut_short(row, results["settings"])})
    return out


def spread_table(results_list) -> "pd.DataFrame":
    """How much the lag-75 numbers move between seeds and thread settings: one row per file and architecture,
    the range over its seeds of the validation accuracy and of the gradient at the decisive word (trained and
    untrained), how many runs the time limit cut short, with the file's thread settings and date."""
    import pandas as pd

    rows = []
    for results in results_list:
        p = results["provenance"]
        diagnosed = diagnosed_rows(results)
        for arch in dict.fromkeys(d["arch"] for d in diagnosed):
            found = [d for d in diagnosed if d["arch"] == arch]
            accuracy = [d["val_accuracy"] for d in found]
            trained = [d["trained"]["decisive_gradient"] for d in found]
            untrained = [d["untrained"]["decisive_gradient"] for d in found]
            rows.append({"threads (intra, inter)": f"{p['intra_op_threads']}, {p['inter_op_threads']}", "arch": arch,
                         "seeds": len(found), "val_accuracy min": min(accuracy), "val_accuracy max": max(accuracy),
                         f"cut short by the {results['settings']['max_seconds']:.0f} s limit":
                             sum(d["cut_short"] for d in found),
                         "trained gradient min": min(trained), "trained gradient max": max(trained),
                         "untrained gradient min": min(untrained), "untrained gradient max": max(untrained),
                         "seconds max": max(d["seconds"] for d in found), "measured": p["date"]})
    return pd.DataFrame(rows)


def spread_summary(results_list) -> str:
    """One sentence under spread_table: what held on every run trained to its end, and which runs the clock cut."""
    diagnosed = [d for results in results_list for d in diagnosed_rows(results)]
    full = [d for d in diagnosed if not d["cut_short"]]
    simple = [d["val_accuracy"] for d in full if d["arch"] == "SimpleRNN"]
    gated = [d["val_accuracy"] for d in full if d["arch"] != "SimpleRNN"]
    text = (f"Of the {len(diagnosed)} runs, the {len(full)} that trained until the target or the last epoch kept "
            f"to their side of chance: SimpleRNN at most {max(simple):.3f}, LSTM and GRU at least {min(gated):.3f}. "
            if simple and gated else "")
    cut = [d for d in diagnosed if d["cut_short"]]
    if cut:
        text += (f"{len(cut)} run(s) were stopped by the clock before that (a single thread on a busy machine is "
                 "slower): " + ", ".join(f"{d['arch']} seed {d['seed']} at {d['val_accuracy']:.3f} after "
                                         f"{d['epochs']} epochs" for d in cut) + ". ")
    return text + ("The gradient reaching the decisive word moves by orders of magnitude between seeds; what "
                   "holds is its direction: training raised it for every LSTM and GRU and lowered it for every "
                   "SimpleRNN.")


def _span(values, digits: str = ".2g") -> str:
    low, high = min(values), max(values)
    return f"{low:{digits}}" if f"{low:{digits}}" == f"{high:{digits}}" else f"{low:{digits}} to {high:{digits}}"


SLOW_RESULTS_PATH = RESULTS_PATH.parent / "longrange_lr0.001.json"  # the SimpleRNN at Adam's 0.001, lag 75


def think_question(results: dict | None, slow: dict | None = None) -> str:
    """The long-range page's question, its claims read from the files: the lag-75 accuracies at 0.01 and, if
    measured, the SimpleRNN's at 0.001."""
    question = ("At a learning rate of 0.01 the SimpleRNN stays at chance at lag 75 while the LSTM and GRU learn "
                "it")
    if results:
        at_75 = [r for r in results["rows"] if r["lag"] == DIAGNOSTIC_LAG]
        simple = [r["val_accuracy"] for r in at_75 if r["arch"] == "SimpleRNN"]
        gated = [r["val_accuracy"] for r in at_75 if r["arch"] != "SimpleRNN"]
        if simple and gated:
            question += f" (measured: {_span(simple, '.2f')} against {_span(gated, '.3f')})"
    question += ". Now set the learning rate to 0.001 and train the SimpleRNN again"
    if slow and slow.get("rows"):
        epochs = [r["epochs"] for r in slow["rows"]]
        question += (f": measured, it learns the task ({_span([r['val_accuracy'] for r in slow['rows']], '.3f')}) "
                     f"in {_span(epochs, 'd')} epoch{'s' if max(epochs) > 1 else ''}")
    return question + ". What went wrong at 0.01, and what do the gates protect?"


def think_answer(results: dict, slow: dict | None = None) -> str:
    """The long-range page's answer, every figure read from the results file's lag-75 diagnostics (`slow`: the
    same for the SimpleRNN at a learning rate of 0.001, if measured)."""
    by_arch: dict[str, list] = {}
    for d in results["diagnostics"]:
        by_arch.setdefault(d["arch"], []).append(d)
    simple, lstm, gru = by_arch.get("SimpleRNN", []), by_arch.get("LSTM", []), by_arch.get("GRU", [])
    if not (simple and lstm and gru):
        return "The results file has no lag-75 diagnostics for all three architectures: run `python -m rnnlab.longrange`."
    seeds = ", ".join(str(d["seed"]) for d in simple)
    p = results["provenance"]

    def values(found, state, key):
        return [d[state][key] for d in found]

    trained_simple = values(simple, "trained", "decisive_gradient")
    fell = ("exactly 0 in float32" if max(trained_simple) == 0 else f"{_span(trained_simple)}")
    text = (
        f"Figures from `{RESULTS_PATH.parent.name}/{RESULTS_PATH.name}` (lag {DIAGNOSTIC_LAG}, seeds {seeds}, "
        f"`{p['command']}`, {p['date']}). Keras starts a SimpleRNN with orthogonal recurrent weights (largest "
        f"singular value {_span(values(simple, 'untrained', 'recurrent_singular_value'), '.2f')}), which pass the "
        f"gradient on almost unchanged: untrained, {_span(values(simple, 'untrained', 'decisive_gradient'))} "
        f"reaches the decisive word. At 0.01 the large steps grew those weights (largest singular value "
        f"{_span(values(simple, 'trained', 'recurrent_singular_value'), '.2f')}) and pushed "
        f"{_span([100 * x for x in values(simple, 'trained', 'saturated_share')], '.0f')}% of the hidden values into "
        f"the flat ends of tanh (|h| > 0.95), so the product of {DIAGNOSTIC_LAG} step-to-step factors fell to {fell}"
        ": the lesson's w^t with nothing to stop it. How far it falls depends on the seed and the machine; that "
        "the SimpleRNN stays at chance does not. "
    )
    if slow and slow.get("diagnostics"):
        learned = [d["val_accuracy"] for d in slow["diagnostics"]]
        text += (f"At 0.001 (measured too: `{slow['provenance']['command']}`) its validation accuracy is "
                 f"{_span(learned, '.3f')}, the largest singular value {_span(values(slow['diagnostics'], 'trained', 'recurrent_singular_value'), '.2f')}"
                 f" and {_span(values(slow['diagnostics'], 'trained', 'decisive_gradient'))} reaches the decisive "
                 "word: smaller steps keep the weights near where they started. ")
    text += (
        "The gated cells start worse, not better: an untrained LSTM's gradient at the decisive word is "
        f"{_span(values(lstm, 'untrained', 'decisive_gradient'))}, its forget gates near "
        f"{_span(values(lstm, 'untrained', 'keep_gate'), '.2f')} on average (an untrained GRU: "
        f"{_span(values(gru, 'untrained', 'decisive_gradient'))}, update gates "
        f"{_span(values(gru, 'untrained', 'keep_gate'), '.2f')}). But training opens them: a forget (or update) "
        "gate near 1 passes the state, and its gradient, along an additive path (after training "
        f"{_span(values(lstm, 'trained', 'decisive_gradient'))} for the LSTM, "
        f"{_span(values(gru, 'trained', 'decisive_gradient'))} for the GRU), and an input gate that closes after "
        "the first signal word keeps the distractors out. The long-term dependency problem is real; gates make it "
        "learnable rather than a matter of where training happens to take the weights."
    )
    return text


def main(argv=None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help=f"only lags {QUICK_LAGS} (default: {FULL_LAGS})")
    parser.add_argument("--json", action="store_true",
                        help="print one JSON list instead of a line per model (the file is written either way)")
    parser.add_argument("--archs", default="SimpleRNN,LSTM,GRU")
    parser.add_argument("--lags", default=None, help="comma-separated lags")
    parser.add_argument("--seeds", default="0,1,2")
    parser.add_argument("--output", default=str(RESULTS_PATH),
                        help="the JSON results file to write, with provenance ('-': none; default: %(default)s)")
    parser.add_argument("--learning-rate", type=float, default=None,
                        help=f"Adam's learning rate (default: {DEFAULTS['learning_rate']:g})")
    parser.add_argument("--threads", default=None, metavar="INTRA,INTER",
                        help="TensorFlow's intra-op and inter-op thread counts (default: the trainer's 1,2)")
    args = parser.parse_args(argv)
    from rnnlab.models import ARCHITECTURES

    archs = [a.strip() for a in args.archs.split(",")]
    unknown = [a for a in archs if a not in ARCHITECTURES]
    if unknown:
        parser.error(f"unknown architecture(s) {', '.join(unknown)}; choose from {', '.join(ARCHITECTURES)}")
    try:
        lags = [int(x) for x in args.lags.split(",")] if args.lags else list(QUICK_LAGS if args.quick else FULL_LAGS)
        seeds = [int(x) for x in args.seeds.split(",")]
        threads = [int(x) for x in args.threads.split(",")] if args.threads else None
    except ValueError as error:
        parser.error(f"--lags, --seeds and --threads take comma-separated whole numbers ({error})")
    if min(lags) < min_lag() or min(seeds) < 0:
        parser.error(f"lags start at {min_lag()} (the distractors need room) and seeds at 0")
    if threads is not None and (len(threads) != 2 or min(threads) < 1):
        parser.error("--threads takes two whole numbers of at least 1: INTRA,INTER")
    # Each model compiles its own training step; TensorFlow's "retracing" warning about that is noise here.
    logging.getLogger("tensorflow").setLevel(logging.ERROR)
    started = time.perf_counter()
    import tensorflow as tf

    if threads is not None:
        # Set before TensorFlow's first op, which then fixes them: the trainer's own setting is refused after.
        tf.config.threading.set_intra_op_parallelism_threads(threads[0])
        tf.config.threading.set_inter_op_parallelism_threads(threads[1])
        tf.constant(0.0) + 1.0
    else:
        from rnnlab.training import _configure_threads

        _configure_threads()
        tf.constant(0.0) + 1.0

    def show(row):
        if not args.json:
            print(f"{row['arch']:>9}  lag {row['lag']:>3}  seed {row['seed']}  val_accuracy {row['val_accuracy']:.3f}"
                  f"  ({row['epochs']} epochs, {row['seconds']:.1f} s)", flush=True)

    if args.learning_rate is not None and not 0 < args.learning_rate < 1:
        parser.error("--learning-rate takes a number between 0 and 1")
    settings = {} if args.learning_rate is None else {"learning_rate": args.learning_rate}
    rows = measure(archs, lags, seeds, on_run=show, diagnostic_lag=DIAGNOSTIC_LAG, **settings)
    if args.json:
        print(json.dumps([{k: row[k] for k in ("arch", "lag", "seed", "val_accuracy")} for row in rows]))
    if args.output != "-":
        used = (tf.config.threading.get_intra_op_parallelism_threads(),
                tf.config.threading.get_inter_op_parallelism_threads())
        results = dict(provenance=provenance(argv, started, used), settings={**DEFAULTS, **settings},
                       rows=[{k: v for k, v in row.items() if k != "diagnosis"} for row in rows],
                       diagnostics=[row["diagnosis"] for row in rows if "diagnosis" in row])
        output = Path(args.output)
        output.parent.mkdir(parents=True, exist_ok=True)
        output.write_text(json.dumps(results, indent=1) + "\n")
        if not args.json:
            print(f"wrote {output}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
