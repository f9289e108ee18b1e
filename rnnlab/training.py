"""Train one architecture on the sentiment sentences, fast, with progress events and a cooperative stop.

The trainer knows nothing of Streamlit: it reports through plain callbacks (`on_batch`, `on_epoch`) and checks a
`threading.Event` between its calls into TensorFlow (rnnlab.steps.CALL_SECONDS), so a page, a job queue or a notebook
can all drive it the same way.
"""

from __future__ import annotations

import functools
import threading
import time
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from rnnlab.text import build_vocabulary, make_vectorizer, tokenize
from rnnlab.models import build_model, check_arch
from rnnlab.steps import (  # longrange and tests import _step_functions from here too
    FIRST_CALL_BATCHES, EarlyStopping, _several_batches, _step_functions, batches_per_call, first_calls,
    packed, padded,
)

# Sentences are cut after this many words when predicting. The longest training sentence has 70; a 100,000
# character paste would otherwise make the network read ~20,000 steps for one probability.
MAX_TOKENS = 400

# Validation sentences go through the model in batches this large (forward only, so batch size does not matter).
EVAL_BATCH = 256

# Once per epoch, train() measures the gradient reaching each word (as the Gradients page does after training) on
# a fixed few long validation sentences: GRADIENT_SENTENCES of at least GRADIENT_WORDS words, distances 0 to
# GRADIENT_WORDS - 1. One batched backward pass per epoch, a few milliseconds after its one-time trace.
GRADIENT_SENTENCES = 16
GRADIENT_WORDS = 20


def encode_texts(texts, index: dict[str, int], max_tokens: int = MAX_TOKENS) -> tuple[np.ndarray, np.ndarray]:
    """Token ids for `texts`, right-padded with 0 to the longest (at least one column), and each text's length.

    The same ids as the lesson's TextVectorization (tests compare them on all 3000 sentences), looked up in
    plain Python: cheaper than a TensorFlow call for the handful of sentences a learner types.
    """
    rows = [[index.get(word, 1) for word in tokenize(text)][:max_tokens] for text in texts]
    lengths = np.array([len(row) for row in rows], dtype=np.int32)
    ids = np.zeros((len(rows), max(1, int(lengths.max(initial=0)))), dtype=np.int32)
    for i, row in enumerate(rows):
        ids[i, : len(row)] = row
    return ids, lengths


def length_buckets(lengths: np.ndarray, batch_size: int, rng: np.random.Generator) -> list[np.ndarray]:
    """Batches of row indices holding sentences of similar length, in a fresh random order each call.

    Sorting by length (ties broken at random) and cutting the sorted list into batches means each batch is padded
    only to its own longest sentence: about 12 steps on average here instead of ~35 for random batches.
    """
    order = np.lexsort((rng.random(len(lengths)), lengths))
    batches = [order[i : i + batch_size] for i in range(0, len(order), batch_size)]
    rng.shuffle(batches)
    return batches


@dataclass
class TrainedModel:
    """A trained (or stopped) model with everything needed to use and explain it."""

    arch: str
    config: dict
    model: object
    vocabulary: list[str]
    # Per epoch: loss, accuracy, val_loss, val_accuracy; and gradient_by_step, one list of gradient norms per epoch
    # by distance from the last word (see gradient_probe).
    history: dict = field(default_factory=lambda: {k: [] for k in ("loss", "accuracy", "val_loss", "val_accuracy",
                                                                   "gradient_by_step")})
    batch_history: list[dict] = field(default_factory=list)
    seconds: float = 0.0
    stopped: bool = False
    batches_per_epoch: int = 0
    traces: int = 0  # how many graphs the training step compiled (one, whatever the batch lengths)

    def __post_init__(self):
        self._index = {word: i for i, word in enumerate(self.vocabulary)}

    @functools.cached_property
    def vectorizer(self):
        """The lesson's TextVectorization with this run's vocabulary (built on first use: predictions and
        training encode with the vocabulary itself)."""
        return make_vectorizer(vocabulary=self.vocabulary)

    @property
    def lock(self):
        """The one lock guarding this Keras model (models are not thread-safe; sessions share runs)."""
        from rnnlab.predict import model_lock

        return model_lock(self.model)

    @property
    def epochs_done(self) -> int:
        return len(self.history["val_accuracy"])

    @property
    def vocab_size(self) -> int:
        return len(self.vocabulary)

    def encode(self, sentences) -> np.ndarray:
        """Token ids (n, T), right-padded with 0, at least one column; words past MAX_TOKENS are dropped."""
        return encode_texts([str(s) for s in sentences], self._index)[0]

    def predict(self, sentences) -> np.ndarray:
        """P(positive) for each sentence, any string: empty, emoji, unknown words, very long. Never raises."""
        sentences = [sentences] if isinstance(sentences, str) else list(sentences)
        if not sentences:
            return np.zeros(0, dtype=np.float32)
        from rnnlab.predict import probabilities_for_ids  # the compiled call, under this model's lock

        return probabilities_for_ids(self.model, self.encode(sentences)).astype(np.float32)


def _configure_threads():
    """One thread inside each op, two ops at a time. Batches of 32 sentences make small matrices: splitting one
    product across both cores costs more than it saves, while independent ops (the two readers of a BiLSTM, a
    weight gradient beside the next step's) can still run side by side. Measured here: 10-25% faster."""
    import tensorflow as tf

    try:  # only possible before TensorFlow's first op; later calls keep what is set
        tf.config.threading.set_inter_op_parallelism_threads(2)
        tf.config.threading.set_intra_op_parallelism_threads(1)
    except RuntimeError:
        pass


def gradient_probe(run, val_df: pd.DataFrame):
    """(token ids, labels) of the validation sentences train() measures gradients on every epoch: the first
    GRADIENT_SENTENCES with at least GRADIENT_WORDS words (fewer words when no sentence is that long), or None."""
    from rnnlab.gradients import long_sentences

    longest = max((len(tokenize(text)) for text in val_df["text"]), default=0)
    if longest == 0:
        return None
    ids, labels = long_sentences(run, val_df, min(GRADIENT_WORDS, longest), GRADIENT_SENTENCES)
    return (ids, labels) if len(ids) else None


def record_gradient_curve(run, probe, input_gradient=None) -> None:
    """Append to run.history['gradient_by_step'] the gradient norm reaching each word of the probe sentences,
    by distance from the last word (rnnlab.gradients.gradient_norm_by_step), distances 0..GRADIENT_WORDS - 1.
    `input_gradient` (ids, labels) -> d loss / d embedded input, from probe_gradient_function, computes it
    through rnnlab.fastrnn's loop (the same numbers within float rounding, a fraction of the trace time)."""
    from rnnlab.gradients import average_by_distance, gradient_norm_by_step, real_lengths

    if probe is None:
        norms = []
    elif input_gradient is None:
        norms = gradient_norm_by_step(run.model, *probe)[:GRADIENT_WORDS]
    else:
        ids, labels = probe
        per_step = np.linalg.norm(input_gradient(ids, labels).numpy(), axis=-1).astype(np.float64)
        norms = average_by_distance(per_step, real_lengths(ids))[:GRADIENT_WORDS]
    run.history["gradient_by_step"].append([float(v) for v in norms])


def probe_gradient_function(model):
    """tf.function (ids (n, T) int32, labels (n, 1) float32) -> d loss / d embedded input, (n, T, embed_dim),
    gradient_norm_by_step's measurement (each sentence's cross-entropy from the classifier's logit) with the
    recurrent layer run by rnnlab.fastrnn; None where fastrnn has no loop for the model's layer."""
    import tensorflow as tf

    from rnnlab import fastrnn

    try:
        kind, cells = fastrnn.recurrent_cells(model)
    except ValueError:
        return None
    embedding, classifier = model.get_layer("embedding"), model.get_layer("classifier")

    @tf.function(input_signature=[tf.TensorSpec([None, None], tf.int32), tf.TensorSpec([None, 1], tf.float32)],
                 autograph=False)
    def input_gradient(ids, labels):
        x = embedding(ids)
        with tf.GradientTape() as tape:
            tape.watch(x)
            state = fastrnn.final_state(kind, cells, x, tf.not_equal(ids, 0))
            logit = tf.matmul(state, classifier.kernel) + classifier.bias
            loss = tf.reduce_sum(tf.nn.sigmoid_cross_entropy_with_logits(labels=labels, logits=logit))
        return tape.gradient(loss, x)

    return input_gradient


def largest_gradient_norm(batch_history, clip_norm: float | None = None) -> dict:
    """{'largest': the largest global gradient norm of any batch (before clipping), 'applied': the largest
    norm of an update applied (min(norm, clip_norm) with clipping), 'clipped': how many batches were clipped}."""
    norms = np.array([b["grad_norm"] for b in batch_history if b.get("grad_norm") is not None], dtype=float)
    if not len(norms):
        return dict(largest=float("nan"), applied=float("nan"), clipped=0)
    applied = np.minimum(norms, clip_norm) if clip_norm else norms
    return dict(largest=float(norms.max()), applied=float(applied.max()),
                clipped=int(np.sum(norms > clip_norm)) if clip_norm else 0)


def train(
    arch: str,
    train_df: pd.DataFrame,
    val_df: pd.DataFrame,
    epochs: int = 10,
    batch_size: int = 32,
    embed_dim: int = 64,
    units: int = 128,
    learning_rate: float = 1e-3,
    seed: int = 0,
    clip_norm: float | None = None,
    dropout: float = 0.0,
    early_stopping: int | None = None,
    on_batch=None,
    on_epoch=None,
    stop: threading.Event | None = None,
) -> TrainedModel:
    """Train `arch` on train_df, validating on val_df after every epoch; see DESIGN.md for the callbacks.

    The vocabulary comes from the training texts only. Batches are bucketed by length and shuffled each epoch.
    Setting `stop` ends training after the batches of the current call (about rnnlab.steps.CALL_SECONDS of
    training); the model keeps what it learned and the history what happened so far (a partly finished epoch still
    gets its validation numbers).

    Beyond the lesson's recipe (off by default): `clip_norm` scales each batch's gradient down to that global
    norm when it is longer. Every batch records its gradient's global norm before clipping (`grad_norm`).
    `dropout` puts a Dropout layer of that rate on the embedding's output (build_model). `early_stopping` ends
    training once the validation loss has not fallen for that many epochs, and keeps the weights of the epoch
    with the lowest validation loss (see EarlyStopping); the run is finished, with fewer epochs than asked.
    """
    check_arch(arch)
    if len(train_df) == 0 or len(val_df) == 0:
        raise ValueError("train() needs at least one training and one validation sentence")
    config = dict(
        arch=arch, epochs=int(epochs), batch_size=int(batch_size), embed_dim=int(embed_dim), units=int(units),
        learning_rate=float(learning_rate), seed=int(seed), train_size=len(train_df), val_size=len(val_df),
    )
    if clip_norm is not None:
        config.update(clip_norm=float(clip_norm))
    if dropout:
        config.update(dropout=float(dropout))
    if early_stopping is not None:
        config.update(early_stopping=int(early_stopping))
    started = time.perf_counter()
    _configure_threads()
    import keras
    import tensorflow as tf

    keras.utils.set_random_seed(seed)
    # The vocabulary adapt() would give (token_counts orders words as it does; tests compare them), counted in
    # Python. Measured in fresh processes here: 0.06-0.07 s against adapt's 0.07-0.10 s (its first call traces a
    # TensorFlow function), so a few hundredths of a second per training. At most RNNLAB_MAX_VOCABULARY entries.
    vocabulary = build_vocabulary(train_df["text"])
    model = build_model(arch, len(vocabulary), embed_dim, units, seed=seed, dropout=float(dropout))
    run = TrainedModel(arch, config, model, vocabulary)
    x_train, len_train = encode_texts(train_df["text"], run._index)
    y_train = train_df["label"].to_numpy(np.float32)
    x_val, len_val = encode_texts(val_df["text"], run._index)
    y_val = val_df["label"].to_numpy(np.float32)
    val_batches = [b for b in length_buckets(len_val, EVAL_BATCH, np.random.default_rng(0))]
    probe = gradient_probe(run, val_df)
    if probe is not None:
        probe = (probe[0].astype(np.int32), np.asarray(probe[1], np.float32).reshape(-1, 1))
    input_gradient = probe_gradient_function(run.model) if probe is not None else None
    watch = EarlyStopping(early_stopping)

    train_step, eval_step = _step_functions(run.model, keras.optimizers.Adam(learning_rate), config.get("clip_norm"))
    train_steps = _several_batches(train_step)
    rng = np.random.default_rng(seed)
    run.batches_per_epoch = -(-len(train_df) // batch_size)
    step = 0

    def validation_batch(rows):
        return tf.constant(padded(x_val, len_val, rows)), tf.constant(y_val[rows])

    traced = first_calls([(eval_step, *validation_batch(val_batches[0]))]
                         + ([(input_gradient, *probe)] if input_gradient is not None else []))
    per_call = FIRST_CALL_BATCHES
    for epoch in range(epochs):
        seen = loss_sum = hit_sum = 0.0
        batches = length_buckets(len_train, batch_size, rng)
        batch_no = 0
        while batch_no < len(batches) and not run.stopped:
            group = batches[batch_no : batch_no + per_call]
            called = time.perf_counter()
            results = train_steps(*packed(x_train, y_train, len_train, group)).numpy().tolist()  # Python floats
            now = time.perf_counter()
            per_call = batches_per_call(len(group), now - called)
            for rows, (loss, acc, grad_norm, _) in zip(group, results):
                seen += len(rows)
                loss_sum += loss * len(rows)
                hit_sum += acc * len(rows)
                step += 1
                logs = dict(epoch=epoch, batch=batch_no, batches_per_epoch=run.batches_per_epoch, loss=loss,
                            accuracy=acc, grad_norm=grad_norm, seconds=now - started)
                run.batch_history.append(dict(step=step, epoch=epoch, loss=loss, accuracy=acc, grad_norm=grad_norm))
                batch_no += 1
                if on_batch is not None:
                    on_batch(step, logs)
            run.stopped = stop is not None and stop.is_set()
        traced.result()  # the first calls made (or their error raised) before the first validation
        val_loss = val_hits = 0.0
        for rows in val_batches:
            batch_loss, batch_hits = eval_step(*validation_batch(rows))
            val_loss += float(batch_loss)
            val_hits += float(batch_hits)
        epoch_logs = dict(loss=loss_sum / seen, accuracy=hit_sum / seen, val_loss=val_loss / len(val_df),
                          val_accuracy=val_hits / len(val_df))
        for key, value in epoch_logs.items():
            run.history[key].append(value)
        record_gradient_curve(run, probe, input_gradient)
        run.seconds = time.perf_counter() - started
        if on_epoch is not None:
            on_epoch(epoch, dict(epoch_logs, seconds=run.seconds))
        if run.stopped:
            break
        if watch.should_stop(run.model, epoch_logs["val_loss"]):
            break
    watch.restore_best(run.model)
    run.seconds = time.perf_counter() - started
    run.traces = train_steps.experimental_get_tracing_count()
    return run
