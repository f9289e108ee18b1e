"""train()'s compiled steps and how it calls them: the training step (lazy Adam on the embedding, optional
clipping), the same step over several batches in one call, the evaluation step, EarlyStopping, and the host side
of the calls (how many batches a call gets, the batches packed as its arguments, the first calls traced beside
training). Both steps run the model's forward pass through rnnlab.fastrnn's loop when it has one for the model's
recurrent layer; the weights, and so the stored model, are the Keras model's own."""

from __future__ import annotations

from concurrent.futures import Future, ThreadPoolExecutor

import numpy as np

# train() hands TensorFlow several batches per call (several_batches), as many as take about
# CALL_SECONDS (at most MOST_BATCHES_PER_CALL; the first call, which also traces the step, FIRST_CALL_BATCHES).
# The stop event is checked and the batches' callbacks run between calls, so a stop takes effect within about
# CALL_SECONDS and the live curves get their points in bursts that often.
CALL_SECONDS = 0.2
FIRST_CALL_BATCHES = 2
MOST_BATCHES_PER_CALL = 64


def _summed_rows(grad):
    """The embedding's gradient (tf.IndexedSlices, one slice per word occurrence) as (rows, one summed gradient
    per distinct row): the rows of the dense gradient that are not zero."""
    import tensorflow as tf

    rows, position = tf.unique(grad.indices)
    return rows, tf.math.unsorted_segment_sum(grad.values, position, tf.shape(rows)[0])


def _clip_by_global_norm(grads, norm, clip_norm):
    """Every gradient scaled by min(1, clip_norm / norm), norm their global norm (tf.clip_by_global_norm's rule):
    the direction of the update is kept, its length is at most clip_norm."""
    import tensorflow as tf

    scale = tf.minimum(1.0, clip_norm / tf.maximum(norm, 1e-12))
    return [g * scale for g in grads]


def _forward(model):
    """model(ids, training) -> P(positive) (B,): rnnlab.fastrnn's loop over the model's weights where it has one
    for the model's recurrent layer, else the Keras model itself."""
    from rnnlab import fastrnn

    try:
        fastrnn.recurrent_cells(model)
    except ValueError:
        return lambda ids, training: model(ids, training=training)[:, 0]
    return lambda ids, training: fastrnn.probabilities(model, ids, training=training)


def step_functions(model, optimizer, clip_norm: float | None = None):
    """The compiled training and evaluation steps: one trace each, whatever the batch's length.

    `optimizer` (a Keras Adam: its learning rate, betas, epsilon and step count) updates every weight except the
    embedding, through one fused op per weight. The embedding gets the
    same Adam update, row by row, for only the rows of the words in the batch ("lazy Adam", as TensorFlow
    Addons' LazyAdam): a batch touches a few hundred of its ~4,400 rows, and updating all of them every batch
    was a fifth of the training time. Rows of absent words keep their moments until the word comes back.

    The training step returns (loss, accuracy, gradient norm, applied norm): the global norm of the batch's whole
    gradient (embedding rows included) and of the gradient handed to Adam, the same unless `clip_norm` clips it.
    """
    import tensorflow as tf

    forward = _forward(model)
    ids_spec = tf.TensorSpec((None, None), tf.int32)
    labels_spec = tf.TensorSpec((None,), tf.float32)
    embeddings = model.get_layer("embedding").embeddings
    dense_weights = [w for w in model.trainable_variables if w is not embeddings]
    moments = [tf.Variable(tf.zeros(embeddings.shape), trainable=False, name=name) for name in ("m_rows", "v_rows")]
    dense_moments = [[tf.Variable(tf.zeros(w.shape), trainable=False) for w in dense_weights] for _ in range(2)]

    def bce(labels, probs):
        probs = tf.clip_by_value(probs, 1e-7, 1 - 1e-7)
        return -(labels * tf.math.log(probs) + (1 - labels) * tf.math.log(1 - probs))

    def lazy_adam(rows, g):
        """Keras' Adam step (same betas, epsilon and bias correction) on the rows the batch used."""
        beta_1, beta_2 = optimizer.beta_1, optimizer.beta_2
        t = tf.cast(optimizer.iterations + 1, tf.float32)
        alpha = optimizer.learning_rate * tf.sqrt(1 - tf.pow(beta_2, t)) / (1 - tf.pow(beta_1, t))
        m = beta_1 * tf.gather(moments[0], rows) + (1 - beta_1) * g
        v = beta_2 * tf.gather(moments[1], rows) + (1 - beta_2) * tf.square(g)
        moments[0].scatter_update(tf.IndexedSlices(m, rows))
        moments[1].scatter_update(tf.IndexedSlices(v, rows))
        embeddings.value.scatter_sub(tf.IndexedSlices(alpha * m / (tf.sqrt(v) + optimizer.epsilon), rows))

    def fused_adam(grads):
        """Keras' Adam on the dense weights (same formula: moments, bias correction, epsilon outside the root),
        one ResourceApplyAdam op per weight instead of the ~25 small ops Keras' apply_gradients builds for each;
        then the step count, as apply_gradients counts it."""
        t = tf.cast(optimizer.iterations + 1, tf.float32)
        beta_1, beta_2 = tf.cast(optimizer.beta_1, tf.float32), tf.cast(optimizer.beta_2, tf.float32)
        for weight, m, v, grad in zip(dense_weights, *dense_moments, grads):
            tf.raw_ops.ResourceApplyAdam(
                var=getattr(weight, "value", weight).handle, m=m.handle, v=v.handle, beta1_power=tf.pow(beta_1, t),
                beta2_power=tf.pow(beta_2, t), lr=tf.cast(optimizer.learning_rate, tf.float32), beta1=beta_1,
                beta2=beta_2, epsilon=tf.cast(optimizer.epsilon, tf.float32), grad=grad)
        optimizer.iterations.assign_add(1)

    @tf.function(input_signature=[ids_spec, labels_spec], autograph=False)
    def train_step(ids, labels):
        with tf.GradientTape() as tape:
            probs = forward(ids, True)
            loss = tf.reduce_mean(bce(labels, probs))
        grads = tape.gradient(loss, [embeddings] + dense_weights)
        rows, row_grads = _summed_rows(grads[0])
        grads = [row_grads] + grads[1:]
        norm = tf.linalg.global_norm(grads)
        if clip_norm is not None:  # the embedding's rows are clipped together with every other weight
            grads = _clip_by_global_norm(grads, norm, clip_norm)
        lazy_adam(rows, grads[0])  # before fused_adam, which counts the step
        fused_adam(grads[1:])
        hits = tf.cast(tf.equal(probs > 0.5, labels > 0.5), tf.float32)
        return loss, tf.reduce_mean(hits), norm, tf.linalg.global_norm(grads)

    @tf.function(input_signature=[ids_spec, labels_spec], autograph=False)
    def eval_step(ids, labels):
        probs = forward(ids, False)
        hits = tf.cast(tf.equal(probs > 0.5, labels > 0.5), tf.float32)
        return tf.reduce_sum(bce(labels, probs)), tf.reduce_sum(hits)

    return train_step, eval_step


def several_batches(train_step):
    """train_step over several batches in one call, one after another, as one compiled graph with one trace:
    (ids, shapes, labels) -> (n, 4) float32, each batch's (loss, accuracy, gradient norm, applied norm).

    `shapes` (n, 2) int32 holds each batch's (rows, length); `ids` (int32) is the batches' padded token ids,
    each flattened row by row, one after the other; `labels` (float32) their labels in the same order. The steps
    are the same ops in the same order as calling train_step once per batch, so the numbers are the same.

    Why: a call of a compiled function costs this 2-core machine about 0.25 to 0.45 ms before any op runs, and
    TensorFlow's threads fall idle between calls; a batch of the lesson's models takes 2 to 8 ms. Measured
    (7 December, one process, epochs of 75 batches of 32 sentences of random lengths, median of three): an epoch
    of the SimpleRNN took 0.094 s in calls of 16 batches against 0.190 s in calls of one, the LSTM 0.372 against
    0.418 s, the GRU 0.292 against 0.390 s, the BiLSTM 0.504 against 0.716 s.
    """
    import tensorflow as tf

    step = train_step.python_function  # the step's Python body, traced here inside the loop

    @tf.function(input_signature=[tf.TensorSpec([None], tf.int32), tf.TensorSpec([None, 2], tf.int32),
                                  tf.TensorSpec([None], tf.float32)], autograph=False)
    def grouped_steps(ids, shapes, labels):
        count = tf.shape(shapes)[0]

        def body(i, ids_at, labels_at, results):
            rows, length = shapes[i, 0], shapes[i, 1]
            batch = tf.reshape(ids[ids_at : ids_at + rows * length], [rows, length])
            result = tf.stack(step(batch, labels[labels_at : labels_at + rows]))
            return i + 1, ids_at + rows * length, labels_at + rows, results.write(i, result)

        # One batch at a time: each step reads the weights the step before it updated.
        start = (tf.constant(0), tf.constant(0), tf.constant(0), tf.TensorArray(tf.float32, size=count))
        return tf.while_loop(lambda i, *_: i < count, body, start, parallel_iterations=1)[3].stack()

    return grouped_steps


def batches_per_call(done: int, seconds: float) -> int:
    """How many batches the next call gets, after a call of `done` batches took `seconds`: as many as take about
    CALL_SECONDS at that pace, at least 1 and at most MOST_BATCHES_PER_CALL."""
    return max(1, min(MOST_BATCHES_PER_CALL, int(done * CALL_SECONDS / max(seconds, 1e-6))))


def padded(x: np.ndarray, lengths: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """The token ids of `rows` of x, padded to the longest of those sentences (at least one column)."""
    return x[rows, : max(1, int(lengths[rows].max()))]


def packed(x: np.ndarray, labels: np.ndarray, lengths: np.ndarray, batches) -> tuple:
    """Several batches (arrays of row indices) as one call's arguments for several_batches: their token ids, each
    batch padded to its own longest sentence and flattened, one after the other; each batch's (rows, length);
    their labels in the same order."""
    import tensorflow as tf

    blocks = [padded(x, lengths, rows) for rows in batches]
    return (tf.constant(np.concatenate([block.ravel() for block in blocks])),
            tf.constant(np.array([block.shape for block in blocks], dtype=np.int32)),
            tf.constant(np.concatenate([labels[rows] for rows in batches])))


def first_calls(calls) -> Future:
    """Calls each (function, *args) once, in order, in a thread of its own, results dropped: the first call of a
    compiled function traces it and prepares its graph. train() starts them for its evaluation step and its
    gradient probe as it starts the first batches, so those first calls run on the second core instead of after
    the first epoch; the Future's `result()` waits for them and raises what they raised (the calls after a failed
    one are not made). Neither function changes a weight.

    Measured (7 December, one epoch in fresh processes, six each way, alternating): the LSTM's first epoch ended
    after 1.16 to 1.61 s (median 1.26) against 1.44 to 2.03 s (median 1.61) with the first calls where they
    fall, the BiLSTM's after 1.57 to 2.19 s (median 1.91) against 2.03 to 2.32 s (median 2.21)."""
    def make_calls():
        for function, *args in calls:
            function(*args)

    executor = ThreadPoolExecutor(1, thread_name_prefix="rnnlab-first-calls")
    future = executor.submit(make_calls)
    executor.shutdown(wait=False)  # its thread ends once the calls are made
    return future


class EarlyStopping:
    """Patience on the validation loss: `should_stop` after `patience` epochs in a row without a new lowest
    validation loss (never with patience None), remembering the weights of the best epoch for `restore_best`."""

    def __init__(self, patience: int | None):
        self.patience = patience
        self.best_loss = float("inf")
        self.best_weights = None
        self.waited = 0

    def should_stop(self, model, val_loss: float) -> bool:
        if self.patience is None:
            return False
        if val_loss < self.best_loss:
            self.best_loss, self.best_weights, self.waited = val_loss, model.get_weights(), 0
            return False
        self.waited += 1
        return self.waited >= self.patience

    def restore_best(self, model) -> None:
        if self.best_weights is not None:
            model.set_weights(self.best_weights)
