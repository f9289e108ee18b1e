"""The long-term dependency problem, in numbers: the lesson's one-weight toy h_t = w^t h_0, and the same effect
measured on real models (how much gradient reaches each word, and how much of an early hidden state survives).

The toy is pure NumPy; the measurements import TensorFlow lazily and run the model's own layers and cell, so
what is measured is exactly what the trained network computes.
"""

from __future__ import annotations

import weakref

import numpy as np
import pandas as pd

# Where the Gradients page shades the toy's chart: a gradient below VANISHING_BELOW barely moves w (gradient
# descent "stops"), one above EXPLODING_ABOVE throws it far away (training becomes unstable).
VANISHING_BELOW = 1e-3
EXPLODING_ABOVE = 1e3

GRADIENT_COLUMNS = ["model", "arch", "trained", "distance", "gradient_norm"]
JACOBIAN_COLUMNS = ["model", "arch", "trained", "distance", "jacobian_norm"]


# ----------------------------------------------------------------------------------------------------------
# The toy of lesson section 4: one weight, linear activation, no input


def toy(w: float, t_max: int, h0: float = 1.0) -> pd.DataFrame:
    """h_t = w h_{t-1}, so h_t = w^t h_0 and dh_t/dw = t w^(t-1) h_0, for t = 0..t_max.

    Returns DataFrame[t, h, dh_dw] (float64; attrs 'w' and 'h0' keep the inputs for chart titles). Exact in
    float64 for the page's range (w in [0.5, 1.5], t up to 200: 1.5^200 ~ 1.6e35, 0.5^200 ~ 6e-61)."""
    t_max = int(t_max)
    if t_max < 0:
        raise ValueError(f"t_max must be >= 0, got {t_max}")
    w, h0 = float(w), float(h0)
    t = np.arange(t_max + 1)
    tf = t.astype(np.float64)
    with np.errstate(over="ignore", under="ignore", divide="ignore", invalid="ignore"):
        h = np.power(w, tf) * h0
        # t w^(t-1) is 0 at t = 0 (h_0 does not depend on w); computing it there would divide by w.
        dh_dw = np.where(t > 0, tf * np.power(w, np.maximum(tf - 1.0, 0.0)) * h0, 0.0)
    frame = pd.DataFrame({"t": t, "h": h, "dh_dw": dh_dw})
    frame.attrs.update(w=w, h0=h0)
    return frame


def toy_regions(toy_df: pd.DataFrame) -> dict:
    """Where the toy's gradient |dh_t/dw| crosses the shaded thresholds: {'vanishing_from': first t > 0 with
    |dh/dw| < VANISHING_BELOW, or None; 'exploding_from': first t with |dh/dw| > EXPLODING_ABOVE, or None}.
    For w < 1 the gradient first grows (the factor t) and then vanishes; for w > 1 it explodes."""
    t = toy_df["t"].to_numpy()
    g = np.abs(toy_df["dh_dw"].to_numpy(dtype=float))
    vanishing = np.flatnonzero((t > 0) & (g < VANISHING_BELOW))
    exploding = np.flatnonzero(g > EXPLODING_ABOVE)
    return {
        "vanishing_from": int(t[vanishing[0]]) if vanishing.size else None,
        "exploding_from": int(t[exploding[0]]) if exploding.size else None,
    }


# ----------------------------------------------------------------------------------------------------------
# Measured on real models


# Measurements of a model, computed once per model and shared by every session of the server (30 students opening
# the Gradients page measure each model once, not 30 times under its lock); bounded, least recently used out.
_measurements = None


def measured_once(run, kind: str, compute):
    """`compute()` for this run's model and `kind` ('gradients', 'jacobians'), once per process: a stored run is
    named by its run id and model checksum, anything else by its model object."""
    global _measurements
    from rnnlab.lru import LRU, size_from_env

    if _measurements is None:
        _measurements = LRU(size_from_env("RNNLAB_MEASUREMENT_CACHE", 64))
    model = _model_of(run)
    name = (getattr(run, "run_id", None), getattr(run, "model_sha256", None)) if getattr(run, "run_id", None) \
        else ("model", id(model))
    return _measurements.get((*name, kind), compute)


def _model_of(model_or_run):
    return getattr(model_or_run, "model", model_or_run)


def _lock(model):
    from rnnlab.predict import model_lock  # one lock per model, shared with the predictions

    return model_lock(model)


def _compiled(model, key: str, build):
    """The tf.function `build(model)` cached for as long as `model` lives: tracing (and, for Jacobians, the
    vectorisation of the backward pass) happens once per model instead of at every call."""
    from rnnlab.predict import model_cache

    cache = model_cache(model)
    if key not in cache:
        cache[key] = build(model)
    return cache[key]


def _real_lengths(token_ids: np.ndarray) -> np.ndarray:
    """Words per row of right-padded ids (0 is padding and only padding)."""
    return np.count_nonzero(token_ids, axis=1)


def _average_by_distance(per_step: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """Align each row of (n, T) values by its own last word and average: entry d is the mean over the rows that
    have a word d steps before their last one (row i has one at index lengths[i] - 1 - d)."""
    longest = int(lengths.max()) if lengths.size else 0
    total = np.zeros(longest)
    count = np.zeros(longest)
    for row, length in zip(per_step, lengths):
        if length:
            total[:length] += row[:length][::-1]  # reversed: index 0 is the last word
            count[:length] += 1
    return total / np.maximum(count, 1)


def gradient_norm_by_step(model_or_run, token_ids, labels) -> np.ndarray:
    """The norm of d loss / d x_t, x_t the embedded word t, by distance from each sentence's last word.

    token_ids: (n, T) int, right-padded with 0; labels: (n,) 0/1. The loss is each sentence's own binary
    cross-entropy (so the result does not depend on how many sentences are averaged). Returns a float64 array
    of length max real length: entry d (0 = the last word, 1 = the word before it, ...) averages ||dL/dx||
    over the sentences that have a word at that distance. The model's own layers run with the padding mask, so
    padded steps receive no gradient and are never counted. The loss is computed from the classifier's logit
    (sigmoid_cross_entropy_with_logits), because a clipped probability would give exactly zero gradient for a
    confident model."""
    import tensorflow as tf

    model = _model_of(model_or_run)
    ids = np.asarray(token_ids).astype(np.int32)
    if ids.ndim != 2:
        raise ValueError(f"token_ids must be (sentences, steps), got shape {ids.shape}")
    y = np.asarray(labels, dtype=np.float32).reshape(-1, 1)
    if len(y) != len(ids):
        raise ValueError(f"{len(ids)} sentences but {len(y)} labels")
    lengths = _real_lengths(ids)
    if lengths.size == 0 or lengths.max() == 0:
        return np.zeros(0)
    with _lock(model):
        gradient = _compiled(model, "input_gradient", _input_gradient_function)(tf.constant(ids), tf.constant(y))
    per_step = tf.norm(gradient, axis=-1).numpy().astype(np.float64)  # (n, T)
    return _average_by_distance(per_step, lengths)


def _input_gradient_function(model):
    """tf.function (ids (n, T) int32, labels (n, 1) float32) -> d loss / d embedded input, (n, T, embed_dim)."""
    import tensorflow as tf

    model_ref = weakref.ref(model)  # the cache lives on the model; a strong reference would keep it alive

    @tf.function(
        input_signature=[tf.TensorSpec([None, None], tf.int32), tf.TensorSpec([None, 1], tf.float32)]
    )
    def input_gradient(ids, labels):
        model = model_ref()
        embedding = model.get_layer("embedding")
        classifier = model.get_layer("classifier")
        x = embedding(ids)
        mask = embedding.compute_mask(ids)
        with tf.GradientTape() as tape:
            tape.watch(x)
            final_state = model.get_layer("recurrent")(x, mask=mask, training=False)
            # Dense(1, sigmoid): its logit is final_state @ kernel + bias.
            logit = tf.matmul(final_state, classifier.kernel) + classifier.bias
            loss = tf.reduce_sum(tf.nn.sigmoid_cross_entropy_with_logits(labels=labels, logits=logit))
        return tape.gradient(loss, x)

    return input_gradient


def untrained_twin(run):
    """A new model of `run`'s architecture and sizes, initialised with the run's seed (build_model seeds every
    initialiser, so these are the weights training.train started from): the contrast for 'what training did'."""
    from rnnlab.models import build_model

    model = run.model
    embedding = model.get_layer("embedding")
    recurrent = model.get_layer("recurrent")
    units = getattr(recurrent, "forward_layer", recurrent).units
    seed = (getattr(run, "config", None) or {}).get("seed")
    return build_model(run.arch, embedding.input_dim, embed_dim=embedding.output_dim, units=units, seed=seed)


def _cached_twin(run):
    """untrained_twin(run), built once per trained model and kept beside it, so that its compiled gradient and
    Jacobian functions are traced once too."""
    return _compiled(run.model, "untrained_twin", lambda model: untrained_twin(run))


def long_sentences(run, sentences_df: pd.DataFrame, min_words: int = 20, max_sentences: int = 200):
    """The first `max_sentences` rows of `sentences_df` (columns text, label) with at least `min_words` words as
    `run` encodes them: (token_ids (n, T) int32, labels (n,) int). n may be 0."""
    texts = [str(t) for t in sentences_df["text"]]
    if not texts:
        return np.zeros((0, 1), dtype=np.int32), np.zeros(0, dtype=int)
    ids = np.asarray(run.encode(texts))
    keep = np.flatnonzero(_real_lengths(ids) >= min_words)[:max_sentences]
    ids = ids[keep]
    if len(keep):
        ids = ids[:, : int(_real_lengths(ids).max())]  # drop columns that are padding in every kept row
    return ids.astype(np.int32), sentences_df["label"].to_numpy()[keep].astype(int)


def measured_gradients(
    run,
    sentences_df: pd.DataFrame,
    min_words: int = 20,
    max_sentences: int = 200,
    name: str | None = None,
    max_distance: int | None = None,
) -> pd.DataFrame:
    """Gradient norms by distance from the last word for `run`'s trained model and its untrained twin, on the
    validation sentences of at least `min_words` words (at most `max_sentences`, in file order).

    Returns tidy DataFrame[model, arch, trained (bool), distance, gradient_norm], trained rows first. Distances
    run 0..max_distance-1 (default min_words, so every point averages the same sentences). model is `name`
    (default run.arch). Empty (with these columns) when no sentence is long enough."""
    name = name or run.arch
    ids, labels = long_sentences(run, sentences_df, min_words, max_sentences)
    if len(ids) == 0:
        return pd.DataFrame(columns=GRADIENT_COLUMNS)
    limit = int(max_distance or min_words)
    frames = []
    for trained, model in ((True, run.model), (False, _cached_twin(run))):
        norms = gradient_norm_by_step(model, ids, labels)[:limit]
        frames.append(
            pd.DataFrame(
                {
                    "model": name,
                    "arch": run.arch,
                    "trained": trained,
                    "distance": np.arange(len(norms)),
                    "gradient_norm": norms,
                }
            )
        )
    return pd.concat(frames, ignore_index=True)[GRADIENT_COLUMNS]


# ----------------------------------------------------------------------------------------------------------
# The Jacobian chain (issue 4): how much of h_t survives in h_T


def _forward_cell(model):
    """The cell that reads forward: the recurrent layer's own, or the forward reader's of a Bidirectional."""
    recurrent = model.get_layer("recurrent")
    return getattr(recurrent, "forward_layer", recurrent).cell


def _as_token_rows(run, sentences) -> list[np.ndarray]:
    """Each sentence (a str, encoded with run.encode, or a row of token ids) as its real token ids, padding
    removed. A 2-D integer array counts as one sentence per row."""
    if isinstance(sentences, str):
        sentences = [sentences]
    if isinstance(sentences, np.ndarray) and sentences.dtype.kind in "iu":
        rows = list(np.atleast_2d(sentences))
    else:
        sentences = list(sentences)
        texts = [s for s in sentences if isinstance(s, str)]
        encoded = iter(np.asarray(run.encode(texts)) if texts else ())
        rows = [next(encoded) if isinstance(s, str) else np.asarray(s).reshape(-1) for s in sentences]
    return [row[row != 0].astype(np.int32) for row in (np.asarray(r) for r in rows)]


def _split_state(state, sizes):
    import tensorflow as tf

    return tf.split(state, sizes, axis=-1) if len(sizes) > 1 else [state]


def _jacobian_chain_function(model):
    """tf.function (ids (T,) int32) -> (T,) float64 ||dh_T/dh_{T-d}|| for d = 0..T-1 (see jacobian_chain)."""
    import tensorflow as tf

    model_ref = weakref.ref(model)  # the cache lives on the model; a strong reference would keep it alive
    cell = _forward_cell(model)
    units = int(cell.units)
    sizes = [int(s) for s in np.atleast_1d(cell.state_size)]  # [h] or [h, c]
    del cell

    def as_list(state):
        return list(state) if isinstance(state, (list, tuple)) else [state]

    @tf.function(input_signature=[tf.TensorSpec([None], tf.int32)])
    def chain_norms(ids):
        model = model_ref()
        cell = _forward_cell(model)
        x = model.get_layer("embedding")(ids[None, :])[0]  # (T, embed_dim)
        steps = tf.shape(x)[0]
        # Forward pass: the state before each word, s_0 = zeros .. s_{T-1}.
        state = [tf.zeros((1, size)) for size in sizes]
        before = tf.TensorArray(tf.float32, size=steps)
        for t in tf.range(steps):
            before = before.write(t, tf.concat(state, axis=-1)[0])
            _, state = cell(x[t][None, :], state, training=False)
            state = as_list(state)
        previous = before.stack()  # (T, D)
        # Every step's local Jacobian in one batch: local[t] = d s_{t+1} / d s_t at its own input and state.
        with tf.GradientTape() as tape:
            tape.watch(previous)
            _, following = cell(x, _split_state(previous, sizes), training=False)
            following = tf.concat(as_list(following), axis=-1)
        local = tf.cast(tape.batch_jacobian(following, previous), tf.float64)  # (T, D, D)
        # Back from the last word: M_T = dh_T/ds_T = [I 0], M_t = M_{t+1} local[t], dh_T/dh_t = M_t[:, :units].
        # float64, because for a long sentence the product can fall below float32's smallest number.
        last = tf.eye(units, sum(sizes), dtype=tf.float64)
        chain = tf.scan(lambda m, step_jacobian: m @ step_jacobian, local[1:][::-1], initializer=last)
        blocks = tf.concat([last[None, :, :units], chain[:, :, :units]], axis=0)  # (T, units, units)
        # Largest singular value = sqrt(largest eigenvalue of J J^T), all distances in one batched call.
        largest = tf.linalg.eigvalsh(blocks @ tf.transpose(blocks, [0, 2, 1]))[:, -1]
        return tf.sqrt(tf.maximum(largest, 0.0))

    return chain_norms


def jacobian_chain(model_or_run, sentence) -> np.ndarray:
    """||dh_T/dh_t||, the largest singular value of the Jacobian of the last hidden state h_T with respect to
    the hidden state h_t after an earlier word, for the layer's forward reader (a Bidirectional's forward
    layer), indexed by distance d = T - t from the last word: entry 0 is h_T itself (1.0), entry T - 1 the state
    after the first word. Length T = the sentence's number of words.

    This is the measured counterpart of the toy's dh_T/dh_t = w^(T-t). For an LSTM the state at t is (h_t, c_t):
    we perturb h_t with c_t held, and the change reaches h_T through both h and the cell state afterwards.
    Computed by unrolling the layer's own cell with its trained weights: one forward pass to collect the states,
    one tape.batch_jacobian for every step's local Jacobian d s_{t+1}/d s_t at once, and their product (float64)
    from the last word back, all in one tf.function compiled once per model. `sentence` is a str (then pass a run: run.encode reads it) or one row of token ids.
    """
    import tensorflow as tf

    model = _model_of(model_or_run)
    ids = _as_token_rows(model_or_run, [sentence] if isinstance(sentence, str) else [np.asarray(sentence)])[0]
    steps = len(ids)
    if steps == 0:
        return np.zeros(0)
    with _lock(model):
        norms = _compiled(model, "jacobian_chain", _jacobian_chain_function)(tf.constant(ids))
    return norms.numpy()


def jacobian_chains(
    runs: dict,
    sentences,
    include_untrained: bool = False,
    max_distance: int | None = None,
) -> pd.DataFrame:
    """jacobian_chain for several runs ({name: run}) on several sentences (str), averaged by distance from each
    sentence's last word over the sentences long enough to have that distance.

    Returns tidy DataFrame[model, arch, trained, distance, jacobian_norm]; with include_untrained, each run's
    untrained twin too (trained=False). Distances are cut at max_distance if given."""
    sentences = [sentences] if isinstance(sentences, str) else list(sentences)
    frames = []
    for name, run in runs.items():
        models = [(True, run.model)] + ([(False, _cached_twin(run))] if include_untrained else [])
        rows = _as_token_rows(run, sentences)
        for trained, model in models:
            chains = [jacobian_chain(model, row) for row in rows if len(row)]
            if not chains:
                continue
            lengths = np.array([len(c) for c in chains])
            padded = np.zeros((len(chains), lengths.max()))
            for i, c in enumerate(chains):
                padded[i, : len(c)] = c[::-1]  # back to reading order; _average_by_distance reverses again
            mean = _average_by_distance(padded, lengths)[: max_distance or None]
            frames.append(
                pd.DataFrame(
                    {
                        "model": name,
                        "arch": run.arch,
                        "trained": trained,
                        "distance": np.arange(len(mean)),
                        "jacobian_norm": mean,
                    }
                )
            )
    if not frames:
        return pd.DataFrame(columns=JACOBIAN_COLUMNS)
    return pd.concat(frames, ignore_index=True)[JACOBIAN_COLUMNS]
