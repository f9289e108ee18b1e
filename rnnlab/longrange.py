"""Training on the long-range task (rnnlab.longrange_task: the label is decided by one signal word `lag` words
before the end), so the learner watches which architectures can still learn it as the lag grows, and what
training did inside each network.

`python -m rnnlab.longrange` trains every architecture at every lag with three
seeds and writes the table, with what training did inside the networks at lag 75 and the provenance (command,
commit, date, machine, versions), to results/longrange.json (RESULTS_PATH), which the page shows; at Adam's 1e-3
the SimpleRNN behaves differently (the page lets you try). rnnlab.longrange_results reads the file back.

A quick or partial run (--quick, or other archs, lags, seeds or settings than the full grid) never replaces a
results file: without --output it writes PARTIAL_PATH (in the temporary folder), and it refuses, naming the
path, to overwrite any file that holds a run with other settings or cells its own run does not cover.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import platform
import shlex
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

import numpy as np

from rnnlab.longrange_task import (DEFAULTS, DIAGNOSTIC_LAG, FULL_LAGS, QUICK_LAGS, RESULTS_PATH, VOCABULARY,
                                   make_task, min_lag)

# Where a quick or partial run writes without --output: never into results/ (module note).
PARTIAL_PATH = Path(tempfile.gettempdir()) / "rnnlab-longrange" / "partial.json"
FULL_ARCHS = ("SimpleRNN", "LSTM", "GRU")
# Fresh sentences the gradient and the diagnosis are measured on (gradient_by_step, diagnose; the page says so).
GRADIENT_SENTENCES = 200
FULL_SEEDS = (0, 1, 2)


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
    from rnnlab.training import configure_threads, step_functions

    check_arch(arch)
    unknown = set(settings) - set(DEFAULTS)
    if unknown:
        raise ValueError(f"unknown settings {sorted(unknown)}; known: {', '.join(DEFAULTS)}")
    config = {**DEFAULTS, **settings, "arch": arch, "lag": int(lag), "seed": int(seed)}
    started = time.perf_counter()
    configure_threads()
    import keras
    import tensorflow as tf

    keras.utils.set_random_seed(seed)
    shape = dict(prefix_length=config["prefix_length"], signal_pairs=config["signal_pairs"])
    train_task = make_task(lag, config["train_size"], seed=1000 + seed, **shape)
    val_task = make_task(lag, config["val_size"], seed=2000 + seed, **shape)
    model = build_model(arch, len(VOCABULARY), config["embed_dim"], config["units"], seed=seed)
    train_step, eval_step = step_functions(model, keras.optimizers.Adam(config["learning_rate"]))
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



def gradient_by_step(run: LongRangeRun, n: int = GRADIENT_SENTENCES) -> "pd.DataFrame":
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



def diagnose(run: LongRangeRun, n: int = GRADIENT_SENTENCES, unrolled: int = 50) -> dict:
    """What training did inside `run`'s network, against its untrained twin (same seed, not trained), on `n`
    fresh sentences: the gradient reaching the decisive word (rnnlab.gradients.gradient_norm_by_step, at
    distance run.lag), the largest singular value of the recurrent kernel, the share of hidden units in the
    flat ends of tanh (|h| > 0.95) and, for a gated cell, the mean of the gate that keeps the past (LSTM forget,
    GRU update), over every word of the first `unrolled` sentences (rnnlab.inspect.unroll_cell).

    Returns {"arch", "lag", "seed", "val_accuracy", and for "trained" and "untrained": {"decisive_gradient",
    "recurrent_singular_value", "saturated_share", "keep_gate" (None for a SimpleRNN)}}."""
    from rnnlab.gradients import gradient_norm_by_step, untrained_twin
    from rnnlab.inspect import cell_kind, cell_weights, unroll_cell

    config = run.config
    task = make_task(run.lag, n, seed=3000 + run.seed, prefix_length=config["prefix_length"],
                     signal_pairs=config["signal_pairs"])
    kind = cell_kind(run.arch)
    keep = {"LSTM": "forget_gate", "GRU": "update_gate"}.get(kind)
    out = dict(arch=run.arch, lag=run.lag, seed=run.seed, val_accuracy=round(run.val_accuracy, 4))
    for name, model in (("trained", run.model), ("untrained", untrained_twin(run))):
        norms = gradient_norm_by_step(model, task.ids, task.labels)
        recurrent = model.get_layer("recurrent")
        weights = cell_weights(getattr(recurrent, "forward_layer", recurrent))
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

    from rnnlab import provenance as where

    command = " ".join(["python -m rnnlab.longrange", *(shlex.quote(a) for a in argv)]).strip()
    return dict(
        command=command,
        commit=where.commit(),
        machine=where.machine(),
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



def refusal(output: Path, cells: set, settings: dict) -> str | None:
    """Why this run must not write `output` (a message naming the path), or None: an existing results file is
    only replaced by a run with the same settings that covers every one of its cells."""
    if not output.is_file() or output == PARTIAL_PATH:  # the scratch file of partial runs is theirs to replace
        return None
    try:
        held = json.loads(output.read_text())
        held_cells = {(r["arch"], int(r["lag"]), int(r["seed"])) for r in held["rows"]}
        held_settings = held["settings"]
    except (ValueError, KeyError, TypeError):
        return f"{output} exists and is not a long-range results file; choose another --output"
    if held_settings == settings and held_cells <= cells:
        return None
    return (f"{output} holds another run ({len(held_cells)} models, {held.get('provenance', {}).get('command', '?')}"
            f"); this one ({len(cells)} models) would replace it. Choose another --output (without one, a partial "
            f"run writes {PARTIAL_PATH}).")


def main(argv=None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help=f"only lags {QUICK_LAGS} (default: {FULL_LAGS})")
    parser.add_argument("--json", action="store_true",
                        help="print one JSON list instead of a line per model (the file is written either way)")
    parser.add_argument("--archs", default=",".join(FULL_ARCHS))
    parser.add_argument("--lags", default=None, help="comma-separated lags")
    parser.add_argument("--seeds", default=",".join(map(str, FULL_SEEDS)))
    parser.add_argument("--output", default=None,
                        help=f"the JSON results file to write, with provenance ('-': none; default: {RESULTS_PATH} "
                             f"for the full grid, {PARTIAL_PATH} for a quick or partial run)")
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
    if args.learning_rate is not None and not 0 < args.learning_rate < 1:
        parser.error("--learning-rate takes a number between 0 and 1")
    settings = {} if args.learning_rate is None else {"learning_rate": args.learning_rate}
    full = (tuple(archs) == FULL_ARCHS and tuple(lags) == tuple(FULL_LAGS) and tuple(seeds) == FULL_SEEDS
            and not settings and threads is None)
    output = None if args.output == "-" else Path(args.output or (RESULTS_PATH if full else PARTIAL_PATH))
    if output is not None:
        why = refusal(output, {(a, lag, s) for a in archs for lag in lags for s in seeds}, {**DEFAULTS, **settings})
        if why:
            parser.error(why)
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
        from rnnlab.training import configure_threads

        configure_threads()
        tf.constant(0.0) + 1.0

    def show(row):
        if not args.json:
            print(f"{row['arch']:>9}  lag {row['lag']:>3}  seed {row['seed']}  val_accuracy {row['val_accuracy']:.3f}"
                  f"  ({row['epochs']} epochs, {row['seconds']:.1f} s)", flush=True)

    rows = measure(archs, lags, seeds, on_run=show, diagnostic_lag=DIAGNOSTIC_LAG, **settings)
    if args.json:
        print(json.dumps([{k: row[k] for k in ("arch", "lag", "seed", "val_accuracy")} for row in rows]))
    if output is not None:
        used = (tf.config.threading.get_intra_op_parallelism_threads(),
                tf.config.threading.get_inter_op_parallelism_threads())
        results = dict(provenance=provenance(argv, started, used), settings={**DEFAULTS, **settings},
                       rows=[{k: v for k, v in row.items() if k != "diagnosis"} for row in rows],
                       diagnostics=[row["diagnosis"] for row in rows if "diagnosis" in row])
        output.parent.mkdir(parents=True, exist_ok=True)
        output.write_text(json.dumps(results, indent=1) + "\n")
        if not args.json:
            print(f"wrote {output}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
