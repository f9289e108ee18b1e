"""The Jacobian chain: how much of the hidden state after an earlier word survives in the last one, ||dh_T/dh_t||,
the measured counterpart of the lesson's toy dh_T/dh_t = w^(T-t) (rnnlab.gradients). It unrolls the layer's own
cell with its trained weights, importing TensorFlow lazily.
"""

from __future__ import annotations

import weakref

import numpy as np
import pandas as pd

from rnnlab import gradients

JACOBIAN_COLUMNS = ["model", "arch", "trained", "distance", "jacobian_norm"]


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

    @tf.function(input_signature=[tf.TensorSpec([None], tf.int32)])  # its for loop needs AutoGraph
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

    model = gradients.model_of(model_or_run)
    ids = _as_token_rows(model_or_run, [sentence] if isinstance(sentence, str) else [np.asarray(sentence)])[0]
    steps = len(ids)
    if steps == 0:
        return np.zeros(0)
    with gradients.model_lock(model):
        norms = gradients.compiled(model, "jacobian_chain", _jacobian_chain_function)(tf.constant(ids))
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
        models = [(True, run.model)] + ([(False, gradients.cached_twin(run))] if include_untrained else [])
        rows = _as_token_rows(run, sentences)
        for trained, model in models:
            chains = [jacobian_chain(model, row) for row in rows if len(row)]
            if not chains:
                continue
            lengths = np.array([len(c) for c in chains])
            padded = np.zeros((len(chains), lengths.max()))
            for i, c in enumerate(chains):
                padded[i, : len(c)] = c[::-1]  # back to reading order; average_by_distance reverses again
            mean = gradients.average_by_distance(padded, lengths)[: max_distance or None]
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
