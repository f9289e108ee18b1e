"""The four architectures of the lesson, built with the Keras layers a learner has just read about.

Every model is Embedding(mask_zero) -> one recurrent layer -> Dense(1, sigmoid): integer token ids in,
P(positive) out. `build_model` is the one place in RNN Lab that builds a model.
"""

from __future__ import annotations

# The lesson's four, plus a bidirectional GRU for comparison.
ARCHITECTURES = ("SimpleRNN", "LSTM", "GRU", "BiLSTM", "BiGRU")
# The lesson's own four, the ones its recipe trains (prepare, bench and the pages' defaults).
LESSON_ARCHS = ARCHITECTURES[:4]

# One line each, in the learner's words, for pages and tables.
DESCRIPTIONS = {
    "SimpleRNN": "one tanh layer: h_t = tanh([h_{t-1}, x_t] W + b)",
    "LSTM": "input, forget and output gates around a cell state (the constant error carousel)",
    "GRU": "update and reset gates, no separate cell state",
    "BiLSTM": "two LSTMs, one reading forward and one backward; the classifier sees both final states",
    "BiGRU": "two GRUs, one reading forward and one backward",
}


def check_arch(arch: str) -> str:
    """Return `arch` if it is known, else raise a ValueError listing the known ones."""
    if arch not in ARCHITECTURES:
        raise ValueError(f"Unknown architecture {arch!r}; choose one of {', '.join(ARCHITECTURES)}.")
    return arch


def recurrent_layer(arch: str, units: int = 128, seed: int | None = None):
    """The recurrent layer of `arch`, named 'recurrent' (a Bidirectional wrapper for Bi*)."""
    import keras
    from keras import layers

    check_arch(arch)

    def init():
        # Seeded initialisers make two models built with the same seed identical.
        return dict(
            kernel_initializer=keras.initializers.GlorotUniform(seed=seed),
            recurrent_initializer=keras.initializers.Orthogonal(seed=None if seed is None else seed + 1),
        )

    if arch == "SimpleRNN":
        return layers.SimpleRNN(units, name="recurrent", **init())
    if arch == "LSTM":
        return layers.LSTM(units, name="recurrent", **init())
    if arch == "GRU":
        # Keras' default reset_after=True keeps two bias vectors (input and recurrent): 3 x (d + h + 2) x h.
        return layers.GRU(units, name="recurrent", **init())
    cell = layers.LSTM if arch == "BiLSTM" else layers.GRU
    forward = cell(units, **init())
    backward_init = init()
    if seed is not None:  # the backward reader starts from different weights than the forward one
        backward_init = dict(
            kernel_initializer=keras.initializers.GlorotUniform(seed=seed + 2),
            recurrent_initializer=keras.initializers.Orthogonal(seed=seed + 3),
        )
    backward = cell(units, go_backwards=True, **backward_init)
    return layers.Bidirectional(forward, backward_layer=backward, name="recurrent")


def build_model(arch: str, vocab_size: int, embed_dim: int = 64, units: int = 128, seed: int | None = None,
                dropout: float = 0.0):
    """Embedding(vocab_size, embed_dim, mask_zero=True) -> recurrent(units) -> Dense(1, sigmoid).

    With `dropout` > 0 (regularisation, beyond the lesson's model), a Dropout layer between the embedding and the
    recurrent layer zeroes that share of the embedded values while training (and passes the padding mask on); it
    has no weights, so the parameter count is the lesson's either way.

    The embedding is trained end to end with the classifier (no pre-training). mask_zero=True makes index 0 the
    padding: the recurrent layer skips padded steps, so a batch padded to its longest sentence gives every
    sentence the same result as reading it alone.
    """
    import keras
    from keras import layers

    check_arch(arch)
    for name, value, low in (("vocab_size", vocab_size, 2), ("embed_dim", embed_dim, 1), ("units", units, 1)):
        if int(value) != value or value < low:
            raise ValueError(f"{name} must be an integer >= {low}, got {value!r}")
    if not 0 <= dropout < 1:
        raise ValueError(f"dropout must be at least 0 and below 1, got {dropout!r}")
    regularisation = [layers.Dropout(dropout, seed=seed, name="embedding_dropout")] if dropout > 0 else []
    model = keras.Sequential(
        [
            keras.Input(shape=(None,), dtype="int32", name="token_ids"),
            layers.Embedding(
                vocab_size,
                embed_dim,
                mask_zero=True,
                embeddings_initializer=keras.initializers.RandomUniform(-0.05, 0.05, seed=seed),
                name="embedding",
            ),
            *regularisation,
            recurrent_layer(arch, units, seed),
            layers.Dense(
                1,
                activation="sigmoid",
                kernel_initializer=keras.initializers.GlorotUniform(seed=None if seed is None else seed + 4),
                name="classifier",
            ),
        ],
        name=arch,
    )
    return model
