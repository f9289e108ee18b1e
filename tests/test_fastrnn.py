"""rnnlab.fastrnn's training loop equals the Keras layers it stands for: the same outputs and the same gradients
(every weight, the embedding's rows, the embedded inputs) within 1e-5, with and without padding."""

import numpy as np
import pytest

from rnnlab.models import ARCHITECTURES

VOCAB, EMBED, UNITS = 30, 4, 3


def _ids(padded: bool):
    rng = np.random.default_rng(0)
    lengths = [7, 3, 1, 5, 6, 2] if padded else [7] * 6
    ids = np.zeros((6, 7), np.int32)
    for row, length in enumerate(lengths):
        ids[row, :length] = rng.integers(1, VOCAB, length)
    return ids


def _model(arch):
    import tensorflow as tf

    from rnnlab.models import build_model

    model = build_model(arch, VOCAB, EMBED, UNITS, seed=1)
    # Larger weights than the initialisers give (biases away from zero too), so every gate matters.
    generator = tf.random.Generator.from_seed(5)
    for weight in model.trainable_variables:
        weight.assign(weight + generator.normal(weight.shape, stddev=0.4))
    return model


def _dense(gradient):
    import tensorflow as tf

    return tf.convert_to_tensor(gradient).numpy()


@pytest.mark.parametrize("hand_bptt", [True, False], ids=["hand-written BPTT", "automatic gradient"])
@pytest.mark.parametrize("padded", [True, False], ids=["mixed lengths", "no padding"])
@pytest.mark.parametrize("arch", ARCHITECTURES)
def test_the_loop_gives_the_keras_models_outputs_and_gradients(arch, padded, hand_bptt, monkeypatch):
    import tensorflow as tf

    from rnnlab import fastrnn

    monkeypatch.setattr(fastrnn, "HAND_BPTT", hand_bptt)

    model = _model(arch)
    ids = tf.constant(_ids(padded))
    weights = np.arange(1.0, 7.0, dtype=np.float32)  # a loss that weighs each sentence differently
    with tf.GradientTape(persistent=True) as tape:
        keras_probs = model(ids, training=True)[:, 0]
        our_probs = fastrnn.probabilities(model, ids, training=True)
        keras_loss = tf.reduce_sum(keras_probs * weights)
        our_loss = tf.reduce_sum(our_probs * weights)
    np.testing.assert_allclose(our_probs.numpy(), keras_probs.numpy(), atol=1e-5)
    assert keras_probs.numpy().std() > 1e-3  # the sentences get different probabilities: a real comparison
    names = [w.path for w in model.trainable_variables]
    assert len(names) == {"SimpleRNN": 6, "LSTM": 6, "GRU": 6}.get(arch, 9)  # embedding, cell(s), classifier
    keras_grads = tape.gradient(keras_loss, model.trainable_variables)
    our_grads = tape.gradient(our_loss, model.trainable_variables)
    for name, theirs, ours in zip(names, keras_grads, our_grads):
        assert ours is not None, name
        theirs, ours = _dense(theirs), _dense(ours)
        assert np.abs(theirs).max() > 1e-4, name  # every weight gets a gradient worth comparing
        np.testing.assert_allclose(ours, theirs, atol=1e-5, err_msg=name)


@pytest.mark.parametrize("arch", ARCHITECTURES)
def test_padded_steps_change_nothing_and_inputs_get_keras_gradients(arch):
    """The final state at each sentence's last real word: a sentence padded with extra zeros gives the same
    state as alone, and d output / d embedded input matches the Keras layer's (zero on padded steps)."""
    import tensorflow as tf

    from rnnlab import fastrnn

    model = _model(arch)
    ids = tf.constant(_ids(True))
    x = model.get_layer("embedding")(ids)
    mask = tf.not_equal(ids, 0)
    kind, cells = fastrnn.recurrent_cells(model)
    assert kind in ("SimpleRNN", "LSTM", "GRU") and len(cells) == (2 if arch.startswith("Bi") else 1)
    with tf.GradientTape(persistent=True) as tape:
        tape.watch(x)
        theirs = model.get_layer("recurrent")(x, mask=mask)
        ours = fastrnn.final_state(kind, cells, x, mask)
        keras_sum, our_sum = tf.reduce_sum(theirs * theirs), tf.reduce_sum(ours * ours)
    assert ours.shape == theirs.shape == (6, UNITS * len(cells))
    np.testing.assert_allclose(ours.numpy(), theirs.numpy(), atol=1e-5)
    ours_dx, theirs_dx = tape.gradient(our_sum, x).numpy(), tape.gradient(keras_sum, x).numpy()
    np.testing.assert_allclose(ours_dx, theirs_dx, atol=1e-5)
    assert np.all(ours_dx[~mask.numpy()] == 0) and np.abs(ours_dx[mask.numpy()]).max() > 1e-3
    # The 1-word sentence (row 2) with 6 more padded steps, and alone.
    alone = fastrnn.final_state(kind, cells, x[2:3, :1], mask[2:3, :1])
    np.testing.assert_allclose(ours[2:3].numpy(), alone.numpy(), atol=1e-6)
    if len(cells) == 2:  # both directions in one batched loop: the same numbers as two loops
        fused = fastrnn.final_state(kind, cells, x, mask, fuse=True)
        np.testing.assert_allclose(fused.numpy(), theirs.numpy(), atol=1e-5)


def test_train_steps_the_loop_and_stores_the_plain_keras_model(sentiment_df):
    import keras

    from rnnlab.data import split
    from rnnlab.steps import _forward
    from rnnlab.training import train

    train_df, val_df = split(sentiment_df, seed=0)
    run = train("BiLSTM", train_df.sample(64, random_state=0), val_df.sample(32, random_state=0), epochs=1,
                batch_size=32, embed_dim=4, units=3)
    assert type(run.model) is keras.Sequential
    assert [type(layer).__name__ for layer in run.model.layers] == ["Embedding", "Bidirectional", "Dense"]
    ids = run.encode(["the food was great", "awful"])
    from rnnlab import fastrnn

    forward = _forward(run.model)
    np.testing.assert_allclose(forward(ids, False).numpy(), fastrnn.probabilities(run.model, ids).numpy())
    np.testing.assert_allclose(forward(ids, False).numpy(), run.model(ids)[:, 0].numpy(), atol=1e-6)
