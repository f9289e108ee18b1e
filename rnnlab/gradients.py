"""The long-term dependency problem, in numbers: the lesson's one-weight toy h_t = w^t h_0, and the same effect
measured on real models (how much gradient reaches each word). How much of an early hidden state survives is
rnnlab.jacobians'; what the measured curves show, in words, rnnlab.gradient_curves'.

The toy is pure NumPy; the measurements import TensorFlow lazily and run the model's own layers, so what is
measured is exactly what the trained network computes.
"""

from __future__ import annotations

import weakref

import numpy as np
import pandas as pd

# Where the Gradients page shades the toy's chart: a gradient below VANISHING_BELOW barely moves w (gradient
# descent "stops"), one above EXPLODING_ABOVE throws it far away (training becomes unstable).
VANISHING_BELOW = 1e-3
EXPLODING_ABOVE = 1e3
# The Gradients page's sliders: w from 0.5 to 1.5 in steps of 0.01, t up to T_MAX (enough for w = 0.99, the
# slowest to vanish, to get there: t 0.99^(t-1) < 1e-3 from t = 1,400 or so).
W_RANGE = (0.5, 1.5, 0.01)
T_MAX = 5000

GRADIENT_COLUMNS = ["model", "arch", "trained", "distance", "gradient_norm"]


# ----------------------------------------------------------------------------------------------------------
# The toy of lesson section 4: one weight, linear activation, no input


def toy(w: float, t_max: int, h0: float = 1.0) -> pd.DataFrame:
    """h_t = w h_{t-1}, so h_t = w^t h_0 and dh_t/dw = t w^(t-1) h_0, for t = 0..t_max.

    Returns DataFrame[t, h, dh_dw] (float64; attrs 'w' and 'h0' keep the inputs for chart titles). Exact in
    float64 up to 1e308: beyond, h and dh_dw are inf (1.5^t from t = 1,749) or 0 (0.5^t from t = 1,075), which
    toy_regions still reads right."""
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


def first_crossing(w: float, h0: float = 1.0, t_limit: int = T_MAX) -> dict:
    """toy_regions over t = 0..t_limit computed from logarithms (no overflow): the first t at which |dh_t/dw|
    falls below VANISHING_BELOW or rises above EXPLODING_ABOVE, or None."""
    w, h0 = float(w), abs(float(h0))
    t = np.arange(1, int(t_limit) + 1, dtype=np.float64)
    if w == 0 or h0 == 0:
        return {"vanishing_from": 2 if w == 0 and h0 else 1, "exploding_from": None}
    log_g = np.log(t) + (t - 1) * np.log(abs(w)) + np.log(h0)
    vanishing = np.flatnonzero(log_g < np.log(VANISHING_BELOW))
    exploding = np.flatnonzero(log_g > np.log(EXPLODING_ABOVE))
    return {"vanishing_from": int(t[vanishing[0]]) if vanishing.size else None,
            "exploding_from": int(t[exploding[0]]) if exploding.size else None}


def toy_verdict(w: float, t_max: int, t_limit: int = T_MAX) -> dict:
    """What the toy shows for this w up to t_max, in words: {"kind": "vanishes" | "explodes" | "neither" |
    "not yet", "from_t": the step it happens at (None for "neither"), "message": one sentence in Markdown}.

    w < 1 always vanishes in the end (w^(t-1) shrinks faster than t grows) and w > 1 explodes; "not yet" says
    that t_max stops short and names the t it takes. w = 1 exactly does neither: h_t = h_0 at every step and
    dh_t/dw = t h_0 grows only as fast as t does (past 1000 from t = 1001 because t does, not by a power)."""
    w, t_max = float(w), int(t_max)
    if abs(w - 1.0) < 1e-9:
        return dict(kind="neither", from_t=None, message=(
            "**Neither**, with w = 1 exactly: h_t = h_0 at every step, and dh_t/dw = t h_0 grows only in "
            "proportion to t, not as a power (it passes 1000 at t = 1001 because t does). The knife's edge "
            "between the two: move w by 0.01 either way and, given enough steps, it vanishes or explodes."))
    crossing = first_crossing(w, t_limit=max(t_limit, t_max))
    kind = "vanishes" if w < 1 else "explodes"
    threshold = f"below {VANISHING_BELOW:g}" if w < 1 else f"above {EXPLODING_ABOVE:g}"
    key = "vanishing_from" if w < 1 else "exploding_from"
    at = crossing[key]
    if at is not None and at <= t_max:
        return dict(kind=kind, from_t=at, message=f"The gradient **{kind}** ({threshold}) from t = {at}.")
    if at is None:  # not within t_limit (cannot happen on the page's sliders: see tests)
        return dict(kind="not yet", from_t=None, message=(
            f"Up to t = {t_max} the gradient stays in the usable range; with w = {w:g} it {kind} only after "
            f"more than {max(t_limit, t_max):,} steps."))
    why = ("w^(t-1) shrinks faster than t grows" if w < 1 else "w^(t-1) grows with every step")
    return dict(kind="not yet", from_t=at, message=(
        f"Up to t = {t_max} the gradient stays in the usable range, but {why}: it **{kind}** "
        f"({threshold}) from t = {at}. Move t to {at} or more."))


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
    model = model_of(run)
    name = (getattr(run, "run_id", None), getattr(run, "model_sha256", None)) if getattr(run, "run_id", None) \
        else ("model", id(model))
    return _measurements.get((*name, kind), compute)


def model_of(model_or_run):
    return getattr(model_or_run, "model", model_or_run)


def model_lock(model):
    from rnnlab.predict import model_lock  # one lock per model, shared with the predictions

    return model_lock(model)


def compiled(model, key: str, build):
    """The tf.function `build(model)` cached for as long as `model` lives: tracing (and, for Jacobians, the
    vectorisation of the backward pass) happens once per model instead of at every call."""
    from rnnlab.predict import model_cache

    cache = model_cache(model)
    if key not in cache:
        cache[key] = build(model)
    return cache[key]


def real_lengths(token_ids: np.ndarray) -> np.ndarray:
    """Words per row of right-padded ids (0 is padding and only padding)."""
    return np.count_nonzero(token_ids, axis=1)


def average_by_distance(per_step: np.ndarray, lengths: np.ndarray) -> np.ndarray:
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

    model = model_of(model_or_run)
    ids = np.asarray(token_ids).astype(np.int32)
    if ids.ndim != 2:
        raise ValueError(f"token_ids must be (sentences, steps), got shape {ids.shape}")
    y = np.asarray(labels, dtype=np.float32).reshape(-1, 1)
    if len(y) != len(ids):
        raise ValueError(f"{len(ids)} sentences but {len(y)} labels")
    lengths = real_lengths(ids)
    if lengths.size == 0 or lengths.max() == 0:
        return np.zeros(0)
    with model_lock(model):
        gradient = compiled(model, "input_gradient", _input_gradient_function)(tf.constant(ids), tf.constant(y))
    per_step = tf.norm(gradient, axis=-1).numpy().astype(np.float64)  # (n, T)
    return average_by_distance(per_step, lengths)


def _input_gradient_function(model):
    """tf.function (ids (n, T) int32, labels (n, 1) float32) -> d loss / d embedded input, (n, T, embed_dim)."""
    import tensorflow as tf

    model_ref = weakref.ref(model)  # the cache lives on the model; a strong reference would keep it alive

    @tf.function(
        input_signature=[tf.TensorSpec([None, None], tf.int32), tf.TensorSpec([None, 1], tf.float32)],
        autograph=False,
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


def cached_twin(run):
    """untrained_twin(run), built once per trained model and kept beside it, so that its compiled gradient and
    Jacobian functions are traced once too."""
    return compiled(run.model, "untrained_twin", lambda model: untrained_twin(run))


def long_sentences(run, sentences_df: pd.DataFrame, min_words: int = 20, max_sentences: int = 200):
    """The first `max_sentences` rows of `sentences_df` (columns text, label) with at least `min_words` words as
    `run` encodes them: (token_ids (n, T) int32, labels (n,) int). n may be 0."""
    texts = [str(t) for t in sentences_df["text"]]
    if not texts:
        return np.zeros((0, 1), dtype=np.int32), np.zeros(0, dtype=int)
    ids = np.asarray(run.encode(texts))
    keep = np.flatnonzero(real_lengths(ids) >= min_words)[:max_sentences]
    ids = ids[keep]
    if len(keep):
        ids = ids[:, : int(real_lengths(ids).max())]  # drop columns that are padding in every kept row
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
    for trained, model in ((True, run.model), (False, cached_twin(run))):
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
