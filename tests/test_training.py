"""train(): length-bucketed batches, callbacks, stop, determinism and predictions on any input."""

import threading

import numpy as np
import pytest

from rnnlab.data import make_vectorizer, split
from rnnlab.training import MAX_TOKENS, encode_texts, length_buckets, train

TINY = dict(epochs=2, batch_size=16, embed_dim=8, units=8, seed=0)


@pytest.fixture(scope="module")
def small_split(sentiment_df):
    train_df, val_df = split(sentiment_df, seed=0)
    return train_df.sample(160, random_state=0), val_df.sample(48, random_state=0)


@pytest.fixture(scope="module")
def tiny_run(small_split):
    return train("GRU", *small_split, **TINY)


def test_encoding_matches_the_lessons_vectorizer_on_every_sentence(sentiment_df):
    vectorizer = make_vectorizer(sentiment_df["text"])
    index = {str(word): i for i, word in enumerate(vectorizer.get_vocabulary())}
    ours, lengths = encode_texts(sentiment_df["text"], index)
    keras_ids = vectorizer(sentiment_df["text"].tolist()).numpy()
    assert ours.shape == keras_ids.shape == (3000, 70)
    np.testing.assert_array_equal(ours, keras_ids)
    assert lengths.max() == 70 and lengths.min() >= 1
    ids, _ = encode_texts(["very good movie", "Mochen Yang"], index)
    assert ids.tolist() == [[18, 19, 26], [1, 1, 0]]


def test_the_vocabulary_is_the_one_adapt_gives_on_the_training_sentences(small_split, tiny_run):
    """train() counts the vocabulary in Python (no adapt): the same words in the same order as the lesson's
    TextVectorization adapted on the same training sentences, and its vectorizer maps them to the same ids."""
    lesson = make_vectorizer(small_split[0]["text"])
    adapted = lesson.get_vocabulary()
    assert tiny_run.vocabulary == adapted and len(adapted) > 500
    assert tiny_run.vectorizer.get_vocabulary() == adapted
    words = small_split[0]["text"].iloc[:5].tolist()
    np.testing.assert_array_equal(tiny_run.vectorizer(words).numpy(), lesson(words).numpy())


def test_length_buckets_cover_every_sentence_once_and_pad_little(sentiment_df):
    train_df, _ = split(sentiment_df)
    lengths = np.array([len(t.split()) for t in train_df["text"]])
    rng = np.random.default_rng(0)
    first = length_buckets(lengths, 32, rng)
    second = length_buckets(lengths, 32, rng)
    assert sorted(np.concatenate(first).tolist()) == list(range(len(train_df)))
    assert len(first) == 75 and max(len(b) for b in first) == 32
    # Each batch pads to its own longest sentence: on average under one word of padding per sentence here,
    # where random batches of 32 pad to ~33 words.
    padding = np.mean([lengths[b].max() - lengths[b].mean() for b in first])
    assert padding < 1.5
    # Batch order changes every epoch.
    assert [b[0] for b in first] != [b[0] for b in second]


def test_history_and_callbacks(small_split):
    batches, epochs = [], []
    run = train("SimpleRNN", *small_split, on_batch=lambda s, logs: batches.append((s, logs)),
                on_epoch=lambda e, logs: epochs.append((e, logs)), **TINY)
    assert run.batches_per_epoch == 10  # 160 sentences / 16
    assert len(batches) == len(run.batch_history) == 20
    assert [s for s, _ in batches] == list(range(1, 21))
    step, logs = batches[-1]
    assert set(logs) >= {"epoch", "batch", "batches_per_epoch", "loss", "accuracy", "seconds"}
    assert logs["epoch"] == 1 and logs["batch"] == 9 and 0 <= logs["accuracy"] <= 1 and logs["loss"] > 0
    assert [e for e, _ in epochs] == [0, 1]
    for key in ("loss", "accuracy", "val_loss", "val_accuracy"):
        assert len(run.history[key]) == 2
        assert all(np.isfinite(run.history[key]))
    assert 0 <= run.history["val_accuracy"][-1] <= 1
    # Validation accuracy is a count over 48 sentences.
    assert run.history["val_accuracy"][-1] * 48 == pytest.approx(round(run.history["val_accuracy"][-1] * 48))
    assert run.seconds > 0 and not run.stopped and run.epochs_done == 2


def _stop_at_step(stop_step):
    stop = threading.Event()

    def on_batch(step, logs):
        if step == stop_step:
            stop.set()

    return stop, on_batch


def test_stop_after_one_batch_keeps_a_usable_model(small_split, monkeypatch):
    from rnnlab import steps

    monkeypatch.setattr(steps, "MOST_BATCHES_PER_CALL", 1)  # one batch a call: stop is checked after each
    stop, on_batch = _stop_at_step(3)
    run = train("LSTM", *small_split, on_batch=on_batch, stop=stop, **TINY)
    assert run.stopped
    assert len(run.batch_history) == 3  # not one more
    assert run.epochs_done == 1  # the partial epoch still gets validation numbers
    probs = run.predict(["great", "awful"])
    assert probs.shape == (2,) and np.all((probs >= 0) & (probs <= 1))


def test_stop_takes_effect_after_the_batches_of_the_current_call(small_split, monkeypatch):
    from rnnlab import training

    calls = []
    real = training.batches_per_call
    monkeypatch.setattr(training, "batches_per_call", lambda done, seconds: calls.append(done) or 4)
    stop, on_batch = _stop_at_step(3)
    run = train("LSTM", *small_split, on_batch=on_batch, stop=stop, **TINY)
    # The first call trains FIRST_CALL_BATCHES (2) batches, the next 4: batch 3 is in the second call, whose
    # batches all count; then it stops, in the first of 2 epochs of 10 batches.
    assert calls == [training.FIRST_CALL_BATCHES, 4]
    assert run.stopped and len(run.batch_history) == 6 and run.epochs_done == 1
    assert [b["step"] for b in run.batch_history] == [1, 2, 3, 4, 5, 6]
    assert real(10, 0.05) == 40 and real(10, 1.0) == 2 and real(1, 5.0) == 1
    assert real(64, 0.001) == 64


def test_first_calls_run_beside_the_caller_and_raise_in_result():
    from rnnlab.steps import first_calls

    seen = []
    first_calls([(lambda a, b: seen.append((a + b, threading.current_thread().name)), 1, 2)]).result()
    assert seen == [(3, "rnnlab-first-calls_0")]
    failing = first_calls([(seen.append, "first"), (lambda: 1 / 0,), (seen.append, "never")])
    with pytest.raises(ZeroDivisionError):
        failing.result()
    assert seen[1:] == ["first"]


def test_train_makes_the_evaluation_and_probe_first_calls_beside_the_first_batches(small_split, monkeypatch):
    from rnnlab import training

    made = []
    real = training.first_calls
    monkeypatch.setattr(training, "first_calls", lambda calls: made.append(calls) or real(calls))
    run = train("LSTM", *small_split, **TINY)
    (calls,) = made
    assert [call[0].__name__ for call in calls] == ["eval_step", "input_gradient"]
    ids, labels = calls[0][1:]
    assert ids.shape[0] == len(labels) <= training.EVAL_BATCH  # a real validation batch
    assert calls[1][1].shape[0] == calls[1][2].shape[0] > 0  # the probe's sentences and labels
    assert run.epochs_done == 2 and len(run.history["gradient_by_step"]) == 2


@pytest.mark.parametrize(("arch", "clip_norm"), [("LSTM", None), ("BiGRU", None), ("SimpleRNN", 0.05)])
def test_several_batches_in_one_call_equal_the_step_called_once_per_batch(arch, clip_norm):
    """rnnlab.steps.several_batches runs train_step's body over batches of different lengths and rows in one
    call: the same per-batch results and the same weights as calling train_step once per batch."""
    import keras
    import tensorflow as tf

    from rnnlab.models import build_model
    from rnnlab.training import several_batches, step_functions, packed, padded

    rng = np.random.default_rng(5)
    lengths = rng.integers(1, 12, 40).astype(np.int32)
    x = np.zeros((40, 12), np.int32)
    for row, length in enumerate(lengths):
        x[row, :length] = rng.integers(2, 60, length)
    labels = rng.integers(0, 2, 40).astype(np.float32)
    batches = [np.arange(0, 16), np.arange(16, 30), np.arange(30, 40)]  # 16, 14 and 10 rows
    ours, reference = build_model(arch, 60, 8, 6, seed=1), build_model(arch, 60, 8, 6, seed=1)
    step, _ = step_functions(reference, keras.optimizers.Adam(0.01), clip_norm=clip_norm)
    expected = [[float(v) for v in step(tf.constant(padded(x, lengths, rows)), tf.constant(labels[rows]))]
                for rows in batches]
    several = several_batches(step_functions(ours, keras.optimizers.Adam(0.01), clip_norm=clip_norm)[0])
    ids, shapes, batch_labels = packed(x, labels, lengths, batches)
    assert shapes.numpy().tolist() == [[16, lengths[:16].max()], [14, lengths[16:30].max()], [10, lengths[30:].max()]]
    assert ids.shape == (int(np.prod(shapes.numpy(), axis=1).sum()),) and batch_labels.shape == (40,)
    got = several(ids, shapes, batch_labels).numpy()
    assert got.shape == (3, 4)
    np.testing.assert_allclose(got, expected, rtol=1e-5)
    assert len({round(float(loss), 6) for loss in got[:, 0]}) == 3  # three different batches, three losses
    for mine, theirs in zip(ours.get_weights(), reference.get_weights()):
        np.testing.assert_allclose(mine, theirs, atol=1e-6)


def test_same_seed_same_history(small_split, tiny_run):
    again = train("GRU", *small_split, **TINY)
    assert again.history == tiny_run.history
    other = train("GRU", *small_split, **(TINY | dict(seed=1)))
    assert other.history != tiny_run.history


def test_one_trace_for_all_batch_lengths(tiny_run):
    # Batches have many different lengths; the input signature keeps it to one compiled graph.
    assert tiny_run.traces == 1


@pytest.mark.parametrize(
    "sentence",
    ["", "   ", "!!! ...", "😀🔥👍", "zxqv blorft wibble", "good " * 20_000, "x" * 100_000, "I\tlove\nthis"],
)
def test_predict_survives_any_string(tiny_run, sentence):
    probs = tiny_run.predict([sentence, "I love this restaurant"])
    assert probs.shape == (2,)
    assert np.all(np.isfinite(probs)) and np.all((probs >= 0) & (probs <= 1))


def test_long_input_is_cut_at_max_tokens(tiny_run):
    ids = tiny_run.encode(["good " * 20_000])
    assert ids.shape == (1, MAX_TOKENS)
    assert tiny_run.predict([]).shape == (0,)
    assert tiny_run.predict("one string").shape == (1,)


def test_bad_arguments(small_split):
    with pytest.raises(ValueError, match="Unknown architecture"):
        train("MLP", *small_split)
    with pytest.raises(ValueError, match="at least one"):
        train("GRU", small_split[0], small_split[1].iloc[:0])


def test_lesson_recipe_learns_the_lessons_sentences(sentiment_df):
    # The lesson's SimpleRNN at its own settings: 10 epochs, batch 32, embedding 64, 128 units.
    train_df, val_df = split(sentiment_df, seed=0)
    run = train("SimpleRNN", train_df, val_df, epochs=10, seed=0)
    assert run.model.count_params() == len(run.vocabulary) * 64 + 24_704 + 129
    assert max(run.history["val_accuracy"]) > 0.70
    hate, love = run.predict(["I hate this meal!", "I love this restaurant"])
    assert hate < 0.5 < love


@pytest.mark.parametrize("arch", ["LSTM", "BiGRU"])
def test_lazy_adam_on_the_embedding_matches_keras_adam_when_the_batch_repeats(arch):
    """train()'s step updates only the embedding rows a batch uses. With the same batch every step, every other
    row has zero gradient and zero moments, so Keras' dense Adam must give the very same weights."""
    import keras
    import tensorflow as tf

    from rnnlab.models import build_model
    from rnnlab.training import step_functions

    rng = np.random.default_rng(3)
    # Each word at most once in the batch: for a repeated word, Keras' Adam squares each occurrence's gradient
    # before adding them up, where train() squares the word's summed gradient (the textbook Adam).
    words = iter(rng.permutation(np.arange(2, 60)))
    ids = np.zeros((8, 9), np.int32)
    for row, length in enumerate(rng.integers(1, 8, 8)):
        ids[row, :length] = [next(words) for _ in range(length)]
    ids, labels = tf.constant(ids), tf.constant(rng.integers(0, 2, 8).astype(np.float32))
    ours, reference = build_model(arch, 60, 8, 6, seed=1), build_model(arch, 60, 8, 6, seed=1)
    train_step, _ = step_functions(ours, keras.optimizers.Adam(0.01))
    optimizer = keras.optimizers.Adam(0.01)

    def bce(y, p):
        p = tf.clip_by_value(p, 1e-7, 1 - 1e-7)
        return tf.reduce_mean(-(y * tf.math.log(p) + (1 - y) * tf.math.log(1 - p)))

    for _ in range(3):
        train_step(ids, labels)
        with tf.GradientTape() as tape:
            loss = bce(labels, reference(ids, training=True)[:, 0])
        optimizer.apply_gradients(zip(tape.gradient(loss, reference.trainable_variables),
                                      reference.trainable_variables))
    used = np.unique(ids.numpy())
    before = build_model(arch, 60, 8, 6, seed=1).get_layer("embedding").get_weights()[0]
    after = ours.get_layer("embedding").get_weights()[0]
    assert np.abs(after[used] - before[used]).max() > 1e-3  # the rows in the batch moved
    unused = np.setdiff1d(np.arange(60), used)
    assert np.array_equal(after[unused], before[unused])  # the others did not
    for mine, theirs in zip(ours.get_weights(), reference.get_weights()):
        np.testing.assert_allclose(mine, theirs, atol=2e-6)


def test_every_epoch_records_the_gradient_by_distance_on_fixed_long_sentences(small_split, tiny_run):
    from rnnlab.gradients import gradient_norm_by_step
    from rnnlab.training import GRADIENT_WORDS, gradient_probe

    curves = tiny_run.history["gradient_by_step"]
    assert len(curves) == tiny_run.epochs_done == 2
    ids, labels = gradient_probe(tiny_run, small_split[1])
    assert 1 <= len(ids) <= 16 and ids.shape[1] >= min(GRADIENT_WORDS, 1)
    assert all(len(curve) == min(GRADIENT_WORDS, np.count_nonzero(ids, axis=1).min()) for curve in curves)
    # The last epoch's curve is what the Gradients page's measurement gives on the finished model.
    np.testing.assert_allclose(curves[-1], gradient_norm_by_step(tiny_run.model, ids, labels)[: len(curves[-1])],
                               rtol=1e-6)
    assert curves[0] != curves[1]  # the weights moved between the epochs


def test_gradient_curves_are_kept_by_the_run_store(tiny_run, tmp_path):
    from rnnlab import runs

    stored = runs.save(tiny_run, runs_dir=tmp_path)
    assert stored.history["gradient_by_step"] == tiny_run.history["gradient_by_step"]
    loaded = runs.load_run(stored.id, runs_dir=tmp_path, cached=False)
    assert loaded.history["gradient_by_step"] == tiny_run.history["gradient_by_step"]


def _unique_word_batch(seed=3, vocab=60):
    import tensorflow as tf

    rng = np.random.default_rng(seed)
    words = iter(rng.permutation(np.arange(2, vocab)))
    ids = np.zeros((8, 9), np.int32)
    for row, length in enumerate(rng.integers(1, 8, 8)):
        ids[row, :length] = [next(words) for _ in range(length)]
    return tf.constant(ids), tf.constant(rng.integers(0, 2, 8).astype(np.float32))


@pytest.mark.parametrize("arch", ["LSTM", "GRU"])
def test_with_clipping_at_c_no_applied_update_has_a_global_norm_above_c(arch):
    """The step clips the whole gradient (embedding rows included) to global norm c: it matches Keras' Adam fed
    tf.clip_by_global_norm's gradient, and the gradient it applies is never longer than c."""
    import keras
    import tensorflow as tf

    from rnnlab.models import build_model
    from rnnlab.training import step_functions

    clip = 0.05
    ids, labels = _unique_word_batch()
    ours, reference = build_model(arch, 60, 8, 6, seed=1), build_model(arch, 60, 8, 6, seed=1)
    train_step, _ = step_functions(ours, keras.optimizers.Adam(0.01), clip_norm=clip)
    optimizer = keras.optimizers.Adam(0.01)
    for _ in range(4):
        _, _, norm, applied = train_step(ids, labels)
        with tf.GradientTape() as tape:
            probs = tf.clip_by_value(reference(ids, training=True)[:, 0], 1e-7, 1 - 1e-7)
            loss = tf.reduce_mean(-(labels * tf.math.log(probs) + (1 - labels) * tf.math.log(1 - probs)))
        grads = [tf.convert_to_tensor(g) for g in tape.gradient(loss, reference.trainable_variables)]
        clipped, reference_norm = tf.clip_by_global_norm(grads, clip)
        assert float(norm) == pytest.approx(float(reference_norm), rel=1e-5) and float(norm) > clip  # it clipped
        assert float(applied) <= clip * (1 + 1e-6)
        assert float(tf.linalg.global_norm(clipped)) <= clip * (1 + 1e-6)
        optimizer.apply_gradients(zip(clipped, reference.trainable_variables))
    for mine, theirs in zip(ours.get_weights(), reference.get_weights()):
        np.testing.assert_allclose(mine, theirs, atol=2e-6)


def test_every_batch_records_its_gradient_norm_and_clipping_changes_training(small_split):
    plain = train("SimpleRNN", *small_split, **TINY)
    clipped = train("SimpleRNN", *small_split, clip_norm=0.05, **TINY)
    norms = [b["grad_norm"] for b in plain.batch_history]
    assert len(norms) == 20 and all(n > 0 and np.isfinite(n) for n in norms)
    # The same start and the same first batch: the same gradient; after a clipped step the runs part.
    assert clipped.batch_history[0]["grad_norm"] == pytest.approx(norms[0], rel=1e-6) and norms[0] > 0.05
    assert clipped.history["loss"] != plain.history["loss"]
    assert clipped.config["clip_norm"] == 0.05 and "clip_norm" not in plain.config


def test_dropout_on_the_embedding_output_keeps_the_lessons_parameters(small_split):
    from rnnlab.models import build_model

    lesson = build_model("LSTM", 5404)
    regularised = build_model("LSTM", 5404, dropout=0.3)
    assert [layer.name for layer in lesson.layers] == ["embedding", "recurrent", "classifier"]
    assert [layer.name for layer in regularised.layers] == ["embedding", "embedding_dropout", "recurrent",
                                                            "classifier"]
    assert lesson.count_params() == regularised.count_params() == 444_801
    run = train("GRU", *small_split, dropout=0.5, **TINY)
    assert run.config["dropout"] == 0.5 and run.model.get_layer("embedding_dropout").rate == 0.5
    # Dropout only acts while training: predictions are deterministic, and padding still changes nothing.
    first, again = run.predict(["the food was great", "awful"]), run.predict(["the food was great", "awful"])
    np.testing.assert_array_equal(first, again)
    np.testing.assert_allclose(run.predict(["awful"])[0], first[1], atol=1e-6)
    with pytest.raises(ValueError, match="dropout must be"):
        build_model("GRU", 100, dropout=1.0)


def test_early_stopping_ends_when_validation_loss_stops_falling_and_keeps_the_best_weights(small_split):
    # A high learning rate on 160 sentences: the validation loss soon rises while the training loss falls.
    run = train("GRU", *small_split, epochs=15, batch_size=16, embed_dim=8, units=8, learning_rate=0.03,
                early_stopping=2)
    val_loss = run.history["val_loss"]
    best = int(np.argmin(val_loss))
    assert not run.stopped and run.epochs_done < 15 and run.config["early_stopping"] == 2
    assert run.epochs_done == best + 1 + 2  # two epochs without a new lowest, then it stopped
    assert min(val_loss[best + 1:]) >= val_loss[best]
    _, val_df = small_split
    probs = np.clip(run.predict(val_df["text"].tolist()), 1e-7, 1 - 1e-7)
    labels = val_df["label"].to_numpy()
    kept_loss = float(np.mean(-(labels * np.log(probs) + (1 - labels) * np.log(1 - probs))))
    assert kept_loss == pytest.approx(val_loss[best], rel=1e-4)  # the model is the best epoch's
    assert kept_loss != pytest.approx(val_loss[-1], rel=1e-4)


def test_largest_gradient_norm_with_and_without_clipping():
    from rnnlab.training import largest_gradient_norm

    batches = [dict(grad_norm=n) for n in (0.4, 2.5, 0.9, 1.2)]
    assert largest_gradient_norm(batches) == dict(largest=2.5, applied=2.5, clipped=0)
    assert largest_gradient_norm(batches, 1.0) == dict(largest=2.5, applied=1.0, clipped=2)
    assert largest_gradient_norm([dict(step=1)])["clipped"] == 0  # a run from before norms were recorded
