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
# The Gradients page's sliders: w from 0.5 to 1.5 in steps of 0.01, t up to T_MAX (enough for w = 0.99, the
# slowest to vanish, to get there: t 0.99^(t-1) < 1e-3 from t = 1,400 or so).
W_RANGE = (0.5, 1.5, 0.01)
T_MAX = 5000

GRADIENT_COLUMNS = ["model", "arch", "trained", "distance", "gradient_norm"]
JACOBIAN_COLUMNS = ["model", "arch", "trained", "distance", "jacobian_norm"]


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


LEVEL_BAND = (0.8, 1.25)  # a ratio in here reads "about level"


def trend(ratio: float) -> str:
    """'falls', 'stays about level' or 'rises': how a curve goes from the last word to the farthest one."""
    if not np.isfinite(ratio) or ratio < LEVEL_BAND[0]:
        return "falls"
    return "rises" if ratio > LEVEL_BAND[1] else "stays about level"


def curve_ratios(frame: pd.DataFrame, value: str = "gradient_norm") -> pd.DataFrame:
    """For each model and trained/untrained curve of a measured_gradients (or jacobian_chains) frame: the value at
    the farthest distance over the value at the last word (distance 0 for gradients, 1 for a chain, whose
    distance 0 is 1 by definition), and its trend. DataFrame[model, trained, farthest, ratio, trend]."""
    rows = []
    for (model, trained), curve in frame.groupby(["model", "trained"], sort=False):
        curve = curve.sort_values("distance")
        start = curve[curve["distance"] >= (1 if value == "jacobian_norm" else 0)].iloc[0]
        end = curve.iloc[-1]
        ratio = float(end[value] / start[value]) if start[value] > 0 else float("nan")
        rows.append(dict(model=model, trained=bool(trained), farthest=int(end["distance"]), ratio=ratio,
                         trend=trend(ratio)))
    return pd.DataFrame(rows, columns=["model", "trained", "farthest", "ratio", "trend"])


def describe_curves(frame: pd.DataFrame, value: str = "gradient_norm") -> str:
    """What the measured chart shows, model by model, from curve_ratios: each solid and dashed line's trend
    with its ratio printed, then why trained and untrained lines differ, in the words that fit what was drawn."""
    ratios = curve_ratios(frame, value)
    if ratios.empty:
        return ""
    parts = []
    for model, rows in ratios.groupby("model", sort=False):
        own = {bool(r.trained): r for r in rows.itertuples()}
        said = []
        for trained, label in ((True, "trained"), (False, "untrained")):
            if trained in own:
                r = own[trained]
                said.append(f"{label}, its line {r.trend} from the last word to the {r.farthest}th before it "
                            f"(x{r.ratio:.2g})")
        parts.append(f"**{model}**: " + "; ".join(said) + ".")
    untrained = ratios[~ratios["trained"]]
    trained = ratios[ratios["trained"]]
    all_fall = not untrained.empty and (untrained["trend"] == "falls").all()
    some_hold = not trained.empty and (trained["trend"] != "falls").any()
    if all_fall and some_hold:
        why = ("The untrained networks show the vanishing the lesson describes: what reaches the early words "
               "shrinks with every step back. Training on this task moved the weights toward what it needs: "
               "where a trained line stays level or rises, the early words do steer learning, because the "
               "network learned to carry what matters across the sentence.")
    elif all_fall:
        why = ("Trained or not, these networks show the vanishing the lesson describes: early words barely "
               "steer learning. Training did not find a way around it here.")
    else:
        why = ("Where a line falls, early words barely steer learning (the vanishing the lesson describes); "
               "where it stays level or rises, they do.")
    return " ".join(parts) + " " + why


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
