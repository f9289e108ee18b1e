"""Benchmark: the lesson's plain Keras recipe against `rnnlab.training.train()`, same split, same models.

`python -m rnnlab.bench` trains each architecture for 10 epochs, batch 32, both ways, and prints seconds, the
ratio (train() / plain) and validation accuracy per architecture and for all of them together. `--repeat N` trains
each one N times each way, alternating the recipes, and reports the median seconds (every sample is kept in the
JSON): on a machine whose speed drifts (the same training here varied by up to 1.8x within half an hour) one
sample per training cannot tell 0.25x from 0.28x. With `--json PATH`
it also writes the table there with its provenance (command, commit, date, machine: cores, load average before
and after, TensorFlow version; rnnlab.provenance), so a page or a note can cite where each number came from.

Each training runs in a fresh Python process, so neither recipe inherits the other's warm caches or TensorFlow
thread settings (TensorFlow fixes those at its first op): the plain recipe gets TensorFlow's defaults, as in the
lesson's notebook, and train() the settings it chooses. Both clocks start once TensorFlow is imported and the
split is made, and stop when the trained model exists: the plain recipe's clock includes adapting its
vectorizer and building its model, as train()'s does.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

from rnnlab.models import LESSON_ARCHS


RESULTS_PATH = Path(__file__).resolve().parent.parent / "results" / "bench.json"


def measured_training_seconds(archs, epochs: int, path=None) -> float | None:
    """How long train() took for `archs` together in the benchmark's results file (its median seconds per
    architecture), scaled from the file's epochs to `epochs`; None when the file or an architecture is missing."""
    path = Path(path or RESULTS_PATH)
    if not path.is_file():
        return None
    results = json.loads(path.read_text())
    seconds = {row["architecture"]: row["train_seconds"] for row in results["rows"]}
    if not all(arch in seconds for arch in archs):
        return None
    return sum(seconds[arch] for arch in archs) * epochs / results["settings"]["epochs"]


def plain_recipe(arch, train_df, val_df, epochs=10, batch_size=32, embed_dim=64, units=128, learning_rate=1e-3,
                 seed=0):
    """The lesson's code: TextVectorization inside a Sequential model, fit on a tf.data of raw strings. Each
    batch is padded to its own longest sentence by the vectorizer, but batches mix short and long sentences."""
    import keras
    import tensorflow as tf

    from rnnlab.text import make_vectorizer
    from rnnlab.models import recurrent_layer

    started = time.perf_counter()
    keras.utils.set_random_seed(seed)
    vectorizer = make_vectorizer(train_df["text"])
    model = keras.Sequential(
        [
            keras.Input(shape=(1,), dtype="string"),
            vectorizer,
            keras.layers.Embedding(vectorizer.vocabulary_size(), embed_dim, mask_zero=True),
            recurrent_layer(arch, units, seed),
            keras.layers.Dense(1, activation="sigmoid"),
        ]
    )
    model.compile(optimizer=keras.optimizers.Adam(learning_rate), loss="binary_crossentropy", metrics=["accuracy"])

    def dataset(df, shuffle):
        ds = tf.data.Dataset.from_tensor_slices((df["text"].to_numpy()[:, None], df["label"].to_numpy("float32")))
        if shuffle:
            ds = ds.shuffle(len(df), seed=seed, reshuffle_each_iteration=True)
        return ds.batch(batch_size)

    history = model.fit(dataset(train_df, True), validation_data=dataset(val_df, False), epochs=epochs, verbose=0)
    return time.perf_counter() - started, history.history["val_accuracy"][-1]


def fast_recipe(arch, train_df, val_df, epochs=10, batch_size=32, seed=0):
    from rnnlab.training import train

    run = train(arch, train_df, val_df, epochs=epochs, batch_size=batch_size, seed=seed)
    return run.seconds, run.history["val_accuracy"][-1]


def measure(recipe: str, arch: str, epochs: int, batch_size: int, seed: int) -> dict:
    """Train `arch` one way in this process: {'seconds', 'val_accuracy'}."""
    import tensorflow  # noqa: F401  (imported before the clock starts, for both recipes)

    from rnnlab.data import load_sentiment, split

    train_df, val_df = split(load_sentiment(), seed=seed)
    run = plain_recipe if recipe == "plain" else fast_recipe
    seconds, accuracy = run(arch, train_df, val_df, epochs, batch_size, seed=seed)
    return {"seconds": seconds, "val_accuracy": float(accuracy)}


def measure_in_child(recipe: str, arch: str, epochs: int, batch_size: int, seed: int) -> dict:
    """measure() in a fresh Python process; its last line of output is the JSON result."""
    command = [sys.executable, "-m", "rnnlab.bench", "--child", recipe, "--archs", arch, "--epochs", str(epochs),
               "--batch-size", str(batch_size), "--seed", str(seed)]
    done = subprocess.run(command, capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"{recipe} {arch} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--archs", nargs="+", default=list(LESSON_ARCHS))
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--repeat", type=int, default=1, help="train each architecture this many times each way "
                        "(alternating) and report the median seconds")
    parser.add_argument("--json", metavar="PATH", help="also write the results and their provenance here")
    parser.add_argument("--child", choices=("plain", "train"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        print(json.dumps(measure(args.child, args.archs[0], args.epochs, args.batch_size, args.seed)))
        return

    from rnnlab.data import load_sentiment, split

    load_before = os.getloadavg()
    train_df, val_df = split(load_sentiment(), seed=args.seed)
    print(f"{len(train_df)} training / {len(val_df)} validation sentences, {args.epochs} epochs, batch "
          f"{args.batch_size}; each training in its own process")
    if args.repeat < 1:
        parser.error("--repeat must be at least 1")
    rows, samples = [], {}
    recipes = ("plain", "train")
    for arch in args.archs:
        done = {recipe: [] for recipe in recipes}
        for _ in range(args.repeat):
            for recipe in recipes:
                done[recipe].append(measure_in_child(recipe, arch, args.epochs, args.batch_size, args.seed))
        samples[arch] = {recipe: [round(r["seconds"], 2) for r in done[recipe]] for recipe in recipes}
        plain_s, fast_s = (float(np.median(samples[arch][recipe])) for recipe in recipes)
        # The same seed gives the same accuracy every time (tests/test_training.py); the mean covers any drift.
        plain_acc, fast_acc = (float(np.mean([r["val_accuracy"] for r in done[recipe]])) for recipe in recipes)
        rows.append((arch, plain_s, fast_s, plain_acc, fast_acc))
        every = (f" (of {', '.join(map(str, samples[arch]['plain']))} / {', '.join(map(str, samples[arch]['train']))})"
                 if args.repeat > 1 else "")
        print(f"  {arch}: plain {plain_s:.1f} s, train() {fast_s:.1f} s{every}", flush=True)
    total = ("all together", sum(r[1] for r in rows), sum(r[2] for r in rows),
             float(np.mean([r[3] for r in rows])), float(np.mean([r[4] for r in rows])))
    print()
    if args.repeat > 1:
        print(f"seconds: the median of {args.repeat} trainings each way")
    print(f"{'architecture':<14}{'plain s':>9}{'train() s':>11}{'ratio':>8}{'plain val acc':>15}{'train() val acc':>17}")
    for arch, plain_s, fast_s, plain_acc, fast_acc in rows + [total]:
        print(f"{arch:<14}{plain_s:>9.1f}{fast_s:>11.1f}{fast_s / plain_s:>8.2f}{plain_acc:>15.3f}{fast_acc:>17.3f}")
    if args.json:
        write_json(args.json, argv, args, rows + [total], load_before, samples)


def write_json(path, argv, args, rows, load_before, samples=None) -> None:
    """The table as JSON with where it was measured: the command, the commit, the UTC date, the machine (its load
    average when the benchmark started, and after)."""
    from importlib.metadata import version
    from pathlib import Path

    from rnnlab import provenance

    command = "python -m rnnlab.bench " + " ".join(sys.argv[1:] if argv is None else argv)
    where = provenance.record(command.strip())
    where["machine"].update(load_average=[round(v, 2) for v in load_before],
                            load_average_after=[round(v, 2) for v in os.getloadavg()], tensorflow=version("tensorflow"))
    result = dict(
        **where,
        settings=dict(epochs=args.epochs, batch_size=args.batch_size, seed=args.seed, repeat=args.repeat,
                      each_training="a fresh Python process", seconds="the median of the repeats"),
        samples_seconds=samples or {},
        rows=[dict(architecture=arch, plain_seconds=round(plain_s, 2), train_seconds=round(fast_s, 2),
                   ratio=round(fast_s / plain_s, 3), plain_val_accuracy=round(plain_acc, 4),
                   train_val_accuracy=round(fast_acc, 4)) for arch, plain_s, fast_s, plain_acc, fast_acc in rows],
    )
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    Path(path).write_text(json.dumps(result, indent=1) + "\n")
    print(f"written to {path}")


if __name__ == "__main__":
    main()
