"""The training forward pass: the model's own Keras weights, read by a loop built for speed.

train() steps the lesson's Keras models, but computes their forward pass here rather than through the Keras
layers, with fewer operations per time step. Measured on a 2-core CPU this is about as fast as the Keras layers
for the four lesson models (32.9 s against 33.4 s, README's Benchmark): the time there is mostly the matrix
arithmetic itself. It does trace in about half the time. What it does:

- the input projections x_t W + b of all time steps are one matrix product before the loop; only the
  recurrent product h_{t-1} U is inside it;
- a bidirectional layer can step both directions in the same iteration (the forward cell at t, the backward
  cell at T-1-t) as one batched product over a leading direction axis (FUSE_DIRECTIONS; measured slower on
  two cores than two loops side by side, so off);
- the gradient of one reader's loop is written out by hand (rnnlab.bptt, HAND_BPTT): the backward loop runs
  only the step-by-step part and the recurrent weight's gradient is one product over all steps. Measured at
  load 7-9 (CPU seconds of train(), 10 epochs): 63.8 s for the four lesson models against 69.7 s with
  TensorFlow's automatic gradient of the loop;
- the weights are the layers' own variables (cell.kernel, cell.recurrent_kernel, cell.bias), so gradients
  land on them and the stored model is the plain Keras model.

Masking is Keras': sentences are right-padded with 0, a padded step keeps the previous state (tf.where on the
mask, as keras' rnn does), so the final state is each sentence's state at its last real word, and the
backward reader, which meets the padding first, starts from zeros at the last real word.
tests/test_fastrnn.py checks outputs and gradients against the Keras layers for every architecture.
"""

from __future__ import annotations


def recurrent_cells(model):
    """(kind, cells): the recurrent layer's cell type ('SimpleRNN', 'LSTM' or 'GRU') and its Keras cells, one
    (unidirectional) or two (forward, backward) for a Bidirectional layer."""
    layer = model.get_layer("recurrent")
    if hasattr(layer, "forward_layer"):  # Bidirectional: forward reads left to right, backward right to left
        layers = [layer.forward_layer, layer.backward_layer]
        if layers[0].go_backwards or not layers[1].go_backwards or layer.merge_mode != "concat":
            raise ValueError("expected a forward and a go_backwards reader, concatenated")
    else:
        layers = [layer]
        if layer.go_backwards:
            raise ValueError("a unidirectional layer reading backwards is not supported")
    kind = type(layers[0]).__name__
    if kind not in ("SimpleRNN", "LSTM", "GRU"):
        raise ValueError(f"no fast loop for {kind}")
    for one in layers:
        cell = one.cell
        if kind == "GRU" and not cell.reset_after:
            raise ValueError("the fast GRU loop follows Keras' default reset_after=True")
        if getattr(cell, "dropout", 0) or getattr(cell, "recurrent_dropout", 0) or not cell.use_bias:
            raise ValueError("the fast loop has no recurrent dropout and needs the layers' biases")
    return kind, [one.cell for one in layers]


# Both directions in one batched loop (True) or each in its own loop (False). Measured on this 2-core machine
# (train(), 10 epochs, batch 32, 64/128, load ~1.5): the BiLSTM took 13.7 s with one batched loop and 11.1 s
# through Keras' two loops, which TensorFlow runs side by side on its two inter-op threads; one batched loop
# halves the per-step overhead but keeps all the arithmetic on one core. Separate loops it is, here.
FUSE_DIRECTIONS = False

# One reader's loop with its gradient written out (rnnlab.bptt) instead of TensorFlow's automatic one.
HAND_BPTT = True


def final_state(kind: str, cells, x, mask, fuse: bool | None = None):
    """The recurrent layer's output for embedded inputs x (B, T, d) and mask (B, T) bool (True = a real word):
    (B, units) for one reader, (B, 2 units) [forward, backward] for two, as Keras' layer returns it. With two
    readers, `fuse` (default FUSE_DIRECTIONS) steps both in one loop, else each in its own (run side by side)."""
    import tensorflow as tf

    if len(cells) == 2 and not (FUSE_DIRECTIONS if fuse is None else fuse):
        # The backward reader reads the reversed sentence: its padding comes first and keeps its zero state.
        forward = final_state(kind, cells[:1], x, mask)
        backward = final_state(kind, cells[1:], tf.reverse(x, [1]), tf.reverse(mask, [1]))
        return tf.concat([forward, backward], axis=-1)

    def value(variable):  # the tf.Variable under a Keras variable: tf ops read it, the tape sees the read
        return getattr(variable, "value", variable)

    directions = len(cells)
    units = cells[0].units
    batch, steps = tf.shape(x)[0], tf.shape(x)[1]
    # GRU's bias is (2, 3h): the input bias joins the projection, the recurrent one stays in the loop.
    input_bias = [value(cell.bias)[0] if kind == "GRU" else value(cell.bias) for cell in cells]
    width = cells[0].kernel.shape[-1]  # gates x units
    # One product for all steps and both directions: (T B, d) @ (d, D width), time-major.
    x_time = tf.transpose(x, [1, 0, 2])
    kernel = tf.concat([value(cell.kernel) for cell in cells], axis=1) if directions > 1 else value(cells[0].kernel)
    bias = tf.concat(input_bias, axis=0) if directions > 1 else input_bias[0]
    projected = tf.matmul(tf.reshape(x_time, [-1, tf.shape(x)[2]]), kernel) + bias
    if directions == 1 and HAND_BPTT:  # (T, B, W) as it is: no slice (and no slice's gradient) of a D axis
        from rnnlab import bptt

        return bptt.final_state(kind, tf.reshape(projected, [steps, batch, width]), tf.transpose(mask)[:, :, None],
                                value(cells[0].recurrent_kernel), value(cells[0].bias)[1] if kind == "GRU" else None)
    projected = tf.transpose(tf.reshape(projected, [steps, batch, directions, width]), [0, 2, 1, 3])  # T,D,B,W
    mask_time = tf.transpose(mask)[:, None, :, None]  # (T, 1, B, 1)
    if directions > 1:  # the backward reader's step t is the sentence's step T-1-t
        projected = tf.stack([projected[:, 0], tf.reverse(projected[:, 1], [0])], axis=1)
        mask_time = tf.concat([mask_time, tf.reverse(mask_time, [0])], axis=1)
    recurrent = tf.stack([value(cell.recurrent_kernel) for cell in cells])  # (D, h, W)
    recurrent_bias = tf.stack([value(cell.bias)[1] for cell in cells])[:, None, :] if kind == "GRU" else None  # D,1,W
    inputs = tf.TensorArray(projected.dtype, size=steps).unstack(projected)
    masks = tf.TensorArray(tf.bool, size=steps).unstack(mask_time)
    zeros = tf.zeros([directions, batch, units], x.dtype)

    def cell_step(z, h, c):
        if kind == "SimpleRNN":
            return tf.tanh(z + tf.matmul(h, recurrent)), c
        if kind == "LSTM":
            i, f, g, o = tf.split(z + tf.matmul(h, recurrent), 4, axis=-1)
            c = tf.sigmoid(f) * c + tf.sigmoid(i) * tf.tanh(g)
            return tf.sigmoid(o) * tf.tanh(c), c
        x_z, x_r, x_h = tf.split(z, 3, axis=-1)
        r_z, r_r, r_h = tf.split(tf.matmul(h, recurrent) + recurrent_bias, 3, axis=-1)
        update = tf.sigmoid(x_z + r_z)
        candidate = tf.tanh(x_h + tf.sigmoid(x_r + r_r) * r_h)
        return update * h + (1 - update) * candidate, c

    def body(t, h, c):
        new_h, new_c = cell_step(inputs.read(t), h, c)
        real = masks.read(t)
        return t + 1, tf.where(real, new_h, h), (tf.where(real, new_c, c) if kind == "LSTM" else c)

    _, h, _ = tf.while_loop(lambda t, h, c: t < steps, body, (tf.constant(0), zeros, zeros),
                             maximum_iterations=steps)  # XLA needs it to size the gradient's stacks
    return tf.concat(tf.unstack(h, num=directions), axis=-1) if directions > 1 else h[0]


def probabilities(model, ids, training: bool = False):
    """P(positive) (B,) for right-padded token ids (B, T): the model's embedding (and its embedding_dropout,
    if any), the recurrent layer's weights in the loop above, then its classifier."""
    import tensorflow as tf

    x = model.get_layer("embedding")(ids)
    names = [layer.name for layer in model.layers]
    if "embedding_dropout" in names:
        x = model.get_layer("embedding_dropout")(x, training=training)
    kind, cells = recurrent_cells(model)
    return model.get_layer("classifier")(final_state(kind, cells, x, tf.not_equal(ids, 0)))[:, 0]
