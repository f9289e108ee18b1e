"""Inside the cell: the recurrent layer of a trained model, unrolled word by word with its own trained weights,
so every gate and state the lesson's equations name can be looked at; and how much each word moved the answer.

`unroll` steps the cell in NumPy (float64) from the layer's kernel, recurrent kernel and bias, exactly as Keras
does (the LSTM's cell state is a gated sum, a weighted average only where f + i = 1; the GRU's state a true
weighted average, with Keras' z on the past, the reverse of Cho et al. 2014); tests check that its final hidden state equals the Keras layer's output. `word_contributions` measures
each word twice: leaving it out, and gradient x input.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

CONTRIBUTION_COLUMNS = ["position", "word", "token", "leave_one_out", "gradient_x_input"]

# The arrays unroll returns for each kind of cell, besides 'hidden'; names as in the lesson.
GATES = {
    "SimpleRNN": (),
    "LSTM": ("input_gate", "forget_gate", "output_gate", "cell_candidate", "cell_state"),
    "GRU": ("update_gate", "reset_gate", "candidate"),
}

# What each array is, in the lesson's words, and the equation that computes it (LaTeX), cell by cell, in the
# order a page shows them: the gates first, then the states they produce.
TITLES = {
    "hidden": "hidden state h_t",
    "input_gate": "input gate i_t",
    "forget_gate": "forget gate f_t",
    "output_gate": "output gate o_t",
    "cell_candidate": "cell candidate C̃_t",
    "cell_state": "cell state C_t",
    "update_gate": "update gate z_t",
    "reset_gate": "reset gate r_t",
    "candidate": "candidate h̃_t",
}
EQUATIONS = {
    "SimpleRNN": {"hidden": r"h_t = \tanh(x_t W_x + h_{t-1} W_h + b)"},
    "LSTM": {
        "input_gate": r"i_t = \sigma(x_t W_i + h_{t-1} U_i + b_i)",
        "forget_gate": r"f_t = \sigma(x_t W_f + h_{t-1} U_f + b_f)",
        "output_gate": r"o_t = \sigma(x_t W_o + h_{t-1} U_o + b_o)",
        "cell_candidate": r"\tilde C_t = \tanh(x_t W_c + h_{t-1} U_c + b_c)",
        "cell_state": r"C_t = f_t \odot C_{t-1} + i_t \odot \tilde C_t",
        "hidden": r"h_t = o_t \odot \tanh(C_t)",
    },
    "GRU": {
        "update_gate": r"z_t = \sigma(x_t W_z + b_z + h_{t-1} U_z + b'_z)",
        "reset_gate": r"r_t = \sigma(x_t W_r + b_r + h_{t-1} U_r + b'_r)",
        "candidate": r"\tilde h_t = \tanh(x_t W_h + b_h + r_t \odot (h_{t-1} U_h + b'_h))",
        "hidden": r"h_t = z_t \odot h_{t-1} + (1 - z_t) \odot \tilde h_t",
    },
}


def cell_kind(arch: str) -> str:
    """'SimpleRNN', 'LSTM' or 'GRU': the cell inside `arch` (a BiLSTM is made of LSTM cells)."""
    for kind in ("SimpleRNN", "LSTM", "GRU"):
        if arch.endswith(kind):
            return kind
    raise ValueError(f"no recurrent cell known for {arch!r}")


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-z))


def cell_weights(layer) -> list[np.ndarray]:
    """kernel, recurrent_kernel, bias of a Keras recurrent layer, as float64."""
    cell = layer.cell
    return [np.asarray(w, dtype=np.float64) for w in (cell.kernel, cell.recurrent_kernel, cell.bias)]


def unroll_cell(kind: str, weights, inputs: np.ndarray) -> dict[str, np.ndarray]:
    """Read `inputs` (words x embed_dim) with one cell from a zero state, one word at a time.

    Returns {'hidden': (words x units), and the cell's gates (GATES[kind]), each words x units}."""
    kernel, recurrent, bias = weights
    units = recurrent.shape[0]
    steps = len(inputs)
    names = ("hidden",) + GATES[kind]
    out = {name: np.zeros((steps, units)) for name in names}
    h = np.zeros(units)
    c = np.zeros(units)
    for t, x in enumerate(np.asarray(inputs, dtype=np.float64)):
        if kind == "SimpleRNN":
            h = np.tanh(x @ kernel + h @ recurrent + bias)
        elif kind == "LSTM":
            # Keras keeps the four blocks side by side in the kernel's columns: input, forget, candidate, output.
            z = x @ kernel + h @ recurrent + bias
            i, f, g, o = (z[k * units : (k + 1) * units] for k in range(4))
            i, f, g, o = _sigmoid(i), _sigmoid(f), np.tanh(g), _sigmoid(o)
            # The constant error carousel: a gated sum of the past and the new. f and i are independent gates,
            # so it is a weighted average only where f + i = 1 (see gate_sum_note).
            c = f * c + i * g
            h = o * np.tanh(c)
            for name, value in zip(GATES["LSTM"], (i, f, o, g, c)):
                out[name][t] = value
        else:
            # GRU with reset_after=True (Keras' default): two bias rows, one for the input and one for the
            # recurrent part, and the reset gate multiplies the recurrent part after its matrix product.
            input_bias, recurrent_bias = bias
            x_part = x @ kernel + input_bias
            h_part = h @ recurrent + recurrent_bias
            update = _sigmoid(x_part[:units] + h_part[:units])
            reset = _sigmoid(x_part[units : 2 * units] + h_part[units : 2 * units])
            candidate = np.tanh(x_part[2 * units :] + reset * h_part[2 * units :])
            h = update * h + (1.0 - update) * candidate
            for name, value in zip(GATES["GRU"], (update, reset, candidate)):
                out[name][t] = value
        out["hidden"][t] = h
    return out


def token_ids(run, sentence) -> np.ndarray:
    """The real (non-padding) token ids of `sentence`: a str (encoded with run.encode) or a sequence of ids."""
    if isinstance(sentence, str):
        ids = np.asarray(run.encode([sentence]))[0]
    else:
        ids = np.asarray(sentence).reshape(-1)
    return ids[ids != 0].astype(np.int32)


def _tokens(run, ids: np.ndarray) -> np.ndarray:
    vocabulary = list(getattr(run, "vocabulary", []) or [])
    return np.array([vocabulary[i] if i < len(vocabulary) else str(i) for i in ids], dtype=object)


def unroll(run, sentence) -> dict:
    """Every word's hidden state and gates as `run`'s recurrent layer reads `sentence`, from its own weights.

    `run` is a trained run (rnnlab.training.TrainedModel or anything with .model, .vocabulary and, for a str
    sentence, .encode); `sentence` a str or a sequence of token ids (padding 0 is dropped: only real words are
    read, as the masked Keras layer does). Returns {'tokens': (words,) str, 'hidden': (words x units), and per
    cell 'input_gate', 'forget_gate', 'output_gate', 'cell_candidate', 'cell_state' (LSTM) or 'update_gate',
    'reset_gate', 'candidate' (GRU)}. For a bidirectional model: {'tokens', 'forward': {...}, 'backward': {...}}
    where the backward reader's dict lists its words in its own reading order, last word first, so in both
    dicts row -1 is the final state the classifier sees."""
    model = run.model
    kind = cell_kind(getattr(run, "arch", None) or model.name)
    ids = token_ids(run, sentence)
    tokens = _tokens(run, ids)
    embedded = np.asarray(model.get_layer("embedding").embeddings, dtype=np.float64)[ids]
    recurrent = model.get_layer("recurrent")
    if not hasattr(recurrent, "forward_layer"):
        return {"tokens": tokens, **unroll_cell(kind, cell_weights(recurrent), embedded)}
    forward = unroll_cell(kind, cell_weights(recurrent.forward_layer), embedded)
    backward = unroll_cell(kind, cell_weights(recurrent.backward_layer), embedded[::-1])
    return {
        "tokens": tokens,
        "forward": {"tokens": tokens, **forward},
        "backward": {"tokens": tokens[::-1], **backward},
    }


def gate_sum_note(unrolled: dict) -> str:
    """What the cell's memory update is, measured on this sentence. LSTM: C_t = f_t C_(t-1) + i_t C~_t is a
    gated sum; f and i are separate gates, so it is a weighted average only where f + i = 1: the note prints the
    range of f + i over every unit and word. GRU: h_t = z_t h_(t-1) + (1 - z_t) h~_t is a true weighted average
    (its two weights sum to 1 by construction); Keras' z weighs the past, the reverse of Cho et al. (2014), who
    write h_t = (1 - z_t) h_(t-1) + z_t h~_t. '' for a SimpleRNN or an empty sentence."""
    part = unrolled["forward"] if "forward" in unrolled else unrolled
    if len(part["tokens"]) == 0:
        return ""
    if "forget_gate" in part:
        total = part["forget_gate"] + part["input_gate"]
        near = float(np.mean(np.abs(total - 1.0) < 0.05))
        return (f"**A gated sum, not an average.** C_t = f_t C_(t-1) + i_t C̃_t: the forget and input gates are "
                f"separate, so their weights need not add up to 1. In this sentence f_t + i_t runs from "
                f"{total.min():.2f} to {total.max():.2f} (mean {total.mean():.2f}) over the units and words, and is "
                f"within 0.05 of 1 for {near:.0%} of them: only there is the cell state a weighted average of "
                "the past and the new.")
    if "update_gate" in part:
        z = part["update_gate"]
        return (f"**A true weighted average.** h_t = z_t h_(t-1) + (1 − z_t) h̃_t: the two weights add up to 1 at "
                f"every unit and word (here z_t runs from {z.min():.2f} to {z.max():.2f}, mean {z.mean():.2f}). "
                "Mind the convention: in Keras z_t weighs the **past**; Cho et al. (2014), who introduced the GRU, "
                "write h_t = (1 − z_t) h_(t-1) + z_t h̃_t, so their z is Keras' 1 − z.")
    return ""


def mean_gate_by_word(unrolled: dict) -> pd.DataFrame:
    """The gate that decides how much of the past is kept, averaged over units, word by word: the forget gate
    of an LSTM, the update gate of a GRU (both: near 1 keeps the past). DataFrame[reader, position, word, gate,
    value]; 'reader' is 'forward' or 'backward' (position is then the word's place in the sentence, from 1).
    Empty for a SimpleRNN, which has no gate."""
    readers = [("forward", unrolled["forward"]), ("backward", unrolled["backward"])] if "forward" in unrolled \
        else [("forward", unrolled)]
    frames = []
    for reader, part in readers:
        gate = "forget_gate" if "forget_gate" in part else "update_gate" if "update_gate" in part else None
        if gate is None or len(part["tokens"]) == 0:
            continue
        steps = len(part["tokens"])
        positions = np.arange(1, steps + 1) if reader == "forward" else np.arange(steps, 0, -1)
        frames.append(pd.DataFrame({"reader": reader, "position": positions, "word": list(part["tokens"]),
                                    "gate": gate, "value": part[gate].mean(axis=1)}))
    if not frames:
        return pd.DataFrame(columns=["reader", "position", "word", "gate", "value"])
    return pd.concat(frames, ignore_index=True)


# ----------------------------------------------------------------------------------------------------------
# How much each word moved the answer


def _probability_gradient_function(model):
    """tf.function ids (1, T) int32 -> (P(positive) (1,), d P / d embedded input (1, T, embed_dim), embedded)."""
    import weakref

    import tensorflow as tf

    model_ref = weakref.ref(model)  # cached on the model; a strong reference would keep it alive

    @tf.function(input_signature=[tf.TensorSpec([None, None], tf.int32)], autograph=False)
    def probability_gradient(ids):
        model = model_ref()
        embedding = model.get_layer("embedding")
        x = embedding(ids)
        with tf.GradientTape() as tape:
            tape.watch(x)
            state = model.get_layer("recurrent")(x, mask=embedding.compute_mask(ids), training=False)
            probability = model.get_layer("classifier")(state)[:, 0]
        return probability, tape.gradient(probability, x), x

    return probability_gradient


def readers(unrolled: dict) -> list[tuple[str | None, dict]]:
    """The readers of an unroll() result as (name, part): ('forward', ...), ('backward', ...) for a bidirectional
    model, else one (None, the whole result)."""
    if "forward" in unrolled:
        return [("forward", unrolled["forward"]), ("backward", unrolled["backward"])]
    return [(None, unrolled)]


def word_contributions(run, sentence) -> pd.DataFrame:
    """How much each word of `sentence` pushes `run`'s P(positive) up (positive values) or down (negative).

    leave_one_out: P(sentence) - P(sentence without that word), all versions in one batch.
    gradient_x_input: (d P / d x_t) . x_t, x_t the word's embedding: the first-order estimate of the same change
    (what the probability would lose if the embedding shrank to zero), from one backward pass.
    Returns DataFrame[position (from 1), word (as typed where possible), token, leave_one_out,
    gradient_x_input]; attrs['probability'] is P(sentence). Empty (attrs probability nan) with no words."""
    import tensorflow as tf

    from rnnlab.predict import probabilities_for_ids, words_as_typed, model_cache, model_lock

    ids = token_ids(run, sentence)
    tokens = list(_tokens(run, ids))
    if len(ids) == 0:
        frame = pd.DataFrame(columns=CONTRIBUTION_COLUMNS)
        frame.attrs["probability"] = float("nan")
        return frame
    typed = words_as_typed(sentence) if isinstance(sentence, str) else []
    words = typed if len(typed) == len(ids) else tokens
    # Row i is the sentence without word i, right-padded (the masked layer skips the padding).
    steps = len(ids)
    left_out = np.zeros((steps + 1, steps), dtype=np.int32)
    left_out[0] = ids
    for i in range(steps):
        left_out[i + 1, : steps - 1] = np.delete(ids, i)
    model = run.model
    cache = model_cache(model)
    if "probability_gradient" not in cache:
        cache["probability_gradient"] = _probability_gradient_function(model)
    with model_lock(model):  # both readings of one model, with no other session's call between them
        probabilities = probabilities_for_ids(model, left_out)
        _, gradient, embedded = cache["probability_gradient"](tf.constant(ids[None, :]))
    gradient_x_input = np.sum(gradient.numpy()[0] * embedded.numpy()[0], axis=-1).astype(np.float64)
    frame = pd.DataFrame(
        {
            "position": np.arange(1, steps + 1),
            "word": words,
            "token": tokens,
            "leave_one_out": probabilities[0] - probabilities[1:],
            "gradient_x_input": gradient_x_input,
        }
    )
    frame.attrs["probability"] = float(probabilities[0])
    return frame
