"""Benchmark: the lesson's plain Keras recipe against `rnnlab.training.train()`, same split, same models.

`python -m rnnlab.bench` trains each architecture for 10 epochs, batch 32, both ways, and prints seconds, the
ratio (train() / plain) and validation accuracy per architecture and for all of them together.
"""

from __future__ import annotations

import argparse
import time

import numpy as np

LESSON_ARCHS = ("SimpleRNN", "LSTM", "GRU", "BiLSTM")


def plain_recipe(arch, train_df, val_df, epochs=10, batch_size=32, embed_dim=64, units=128, learning_rate=1e-3,
                 seed=0):
    """The lesson's code: TextVectorization inside a Sequential model, fit on a tf.data of raw strings. Each
    batch is padded to its own longest sentence by the vectorizer, but batches mix short and long sentences."""
    import keras
    import tensorflow as tf

    from rnnlab.data import make_vectorizer
    from rnnlab.models import recurrent_layer

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

    started = time.perf_counter()
    history = model.fit(dataset(train_df, True), validation_data=dataset(val_df, False), epochs=epochs, verbose=0)
    return time.perf_counter() - started, history.history["val_accuracy"][-1]


def fast_recipe(arch, train_df, val_df, epochs=10, batch_size=32, seed=0):
    from rnnlab.training import train

    run = train(arch, train_df, val_df, epochs=epochs, batch_size=batch_size, seed=seed)
    return run.seconds, run.history["val_accuracy"][-1]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--archs", nargs="+", default=list(LESSON_ARCHS))
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)

    from rnnlab.data import load_sentiment, split

    train_df, val_df = split(load_sentiment(), seed=args.seed)
    print(f"{len(train_df)} training / {len(val_df)} validation sentences, {args.epochs} epochs, batch {args.batch_size}")
    rows = []
    for arch in args.archs:
        plain_s, plain_acc = plain_recipe(arch, train_df, val_df, args.epochs, args.batch_size, seed=args.seed)
        fast_s, fast_acc = fast_recipe(arch, train_df, val_df, args.epochs, args.batch_size, seed=args.seed)
        rows.append((arch, plain_s, fast_s, plain_acc, fast_acc))
        print(f"  {arch}: plain {plain_s:.1f} s, train() {fast_s:.1f} s", flush=True)
    total = ("all together", sum(r[1] for r in rows), sum(r[2] for r in rows),
             float(np.mean([r[3] for r in rows])), float(np.mean([r[4] for r in rows])))
    print()
    print(f"{'architecture':<14}{'plain s':>9}{'train() s':>11}{'ratio':>8}{'plain val acc':>15}{'train() val acc':>17}")
    for arch, plain_s, fast_s, plain_acc, fast_acc in rows + [total]:
        print(f"{arch:<14}{plain_s:>9.1f}{fast_s:>11.1f}{fast_s / plain_s:>8.2f}{plain_acc:>15.3f}{fast_acc:>17.3f}")


if __name__ == "__main__":
    main()
