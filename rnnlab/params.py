"""The parameter ledger: every weight matrix and bias of a model, with the formula that counts it.

Pure arithmetic (no TensorFlow), so the Parameters page stays fast; tests check every total against Keras'
own `model.count_params()`.
"""

from __future__ import annotations

import pandas as pd

from rnnlab.lru import LRU
from rnnlab.models import ARCHITECTURES, check_arch

# The gates (and candidate) of each cell, in the order Keras stores them in its kernels.
GATES = {
    "SimpleRNN": ("hidden state",),
    "LSTM": ("input gate", "forget gate", "cell candidate", "output gate"),
    "GRU": ("update gate", "reset gate", "candidate"),
}
CELL = {"SimpleRNN": "SimpleRNN", "LSTM": "LSTM", "GRU": "GRU", "BiLSTM": "LSTM", "BiGRU": "GRU"}

COLUMNS = ["layer", "gate", "part", "formula", "numbers", "count"]


def vocabulary_size(texts) -> int:
    """The size of the vocabulary a TextVectorization adapted on `texts` has: every distinct word plus the
    padding '' and '[UNK]' (rnnlab.data.token_counts tokenizes as it does, without TensorFlow). train() adapts
    on the training sentences only, so its models' embeddings have vocabulary_size(train_df.text) rows; the
    lesson adapts on all the sentences (validation included), hence its larger count."""
    from rnnlab.text import max_vocabulary

    texts = tuple(str(text) for text in texts)
    # Kept per set of sentences (bounded): the Train page asks it of the same split at every full run. Capped at
    # RNNLAB_MAX_VOCABULARY, as train() caps its vocabulary.
    return min(max_vocabulary(), _vocabulary_sizes.get(texts, lambda: _count_vocabulary(texts)))


def split_vocabulary_size(config) -> int:
    """vocabulary_size of the training sentences of a configuration's data selection (rnnlab.config.load_split),
    counted once per selection: the Train page asks it at every full run, and making the key of 2,400 sentences
    cost more than looking it up."""
    from rnnlab.config import load_split, split_selection

    from rnnlab.text import max_vocabulary

    return min(max_vocabulary(), _vocabulary_sizes.get(("split", split_selection(config)),
                                                       lambda: vocabulary_size(load_split(config)[0]["text"])))


def _count_vocabulary(texts: tuple[str, ...]) -> int:
    from rnnlab.text import token_counts

    return len(token_counts(list(texts))) + 2


_vocabulary_sizes = LRU(16)


def _row(layer, gate, part, formula, numbers, count):
    return dict(layer=layer, gate=gate, part=part, formula=formula, numbers=numbers, count=int(count))


def _recurrent_rows(cell: str, layer: str, d: int, h: int) -> list[dict]:
    rows = []
    for gate in GATES[cell]:
        rows.append(_row(layer, gate, "input kernel", "d x h", f"{d} x {h}", d * h))
        rows.append(_row(layer, gate, "recurrent kernel", "h x h", f"{h} x {h}", h * h))
        if cell == "GRU":
            # reset_after=True (Keras' default, the cuDNN-compatible form) applies the reset gate after the
            # recurrent matmul, so the recurrent product keeps its own bias: two bias vectors per gate.
            rows.append(_row(layer, gate, "input bias", "h", f"{h}", h))
            rows.append(_row(layer, gate, "recurrent bias", "h", f"{h}", h))
        else:
            rows.append(_row(layer, gate, "bias", "h", f"{h}", h))
    return rows


def breakdown(arch: str, vocab_size: int, embed_dim: int = 64, units: int = 128) -> pd.DataFrame:
    """One row per weight matrix or bias vector: layer, gate, part, formula (symbols), numbers, count.

    `table["count"].sum() == build_model(arch, vocab_size, embed_dim, units).count_params()`.
    """
    check_arch(arch)
    v, d, h = int(vocab_size), int(embed_dim), int(units)
    if min(v, d, h) < 1:
        raise ValueError("vocab_size, embed_dim and units must be positive integers")
    rows = [_row("embedding", "", "embedding matrix", "V x d", f"{v} x {d}", v * d)]
    cell = CELL[arch]
    if arch.startswith("Bi"):
        rows += _recurrent_rows(cell, "recurrent (forward)", d, h)
        rows += _recurrent_rows(cell, "recurrent (backward)", d, h)
        reads = 2 * h  # the classifier sees both final states, concatenated
    else:
        rows += _recurrent_rows(cell, "recurrent", d, h)
        reads = h
    rows.append(_row("classifier", "", "kernel", "h_out x 1", f"{reads} x 1", reads))
    rows.append(_row("classifier", "", "bias", "1", "1", 1))
    return pd.DataFrame(rows, columns=COLUMNS)


def layer_formula(arch: str, embed_dim: int = 64, units: int = 128) -> tuple[str, str]:
    """The recurrent layer's count as one formula, in symbols and in numbers, e.g. for LSTM
    ('4 x (d + h + 1) x h', '4 x (64 + 128 + 1) x 128')."""
    check_arch(arch)
    d, h = embed_dim, units
    cell = CELL[arch]
    gates = len(GATES[cell])
    biases = 2 if cell == "GRU" else 1
    symbols = f"(d + h + {biases}) x h"
    numbers = f"({d} + {h} + {biases}) x {h}"
    if gates > 1:
        symbols, numbers = f"{gates} x {symbols}", f"{gates} x {numbers}"
    if arch.startswith("Bi"):
        symbols, numbers = f"2 x {symbols}", f"2 x {numbers}"
    return symbols, numbers


def summary(arch: str, vocab_size: int, embed_dim: int = 64, units: int = 128) -> pd.DataFrame:
    """One row per layer (embedding, recurrent, classifier) with its formula and count, like Keras' summary."""
    table = breakdown(arch, vocab_size, embed_dim, units)
    table["layer"] = table["layer"].str.replace(r" \((forward|backward)\)", "", regex=True)
    counts = table.groupby("layer", sort=False)["count"].sum()
    reads = 2 * units if arch.startswith("Bi") else units
    formulas = {
        "embedding": ("V x d", f"{vocab_size} x {embed_dim}"),
        "recurrent": layer_formula(arch, embed_dim, units),
        "classifier": ("h_out + 1", f"{reads} + 1"),
    }
    return pd.DataFrame(
        [dict(layer=k, formula=formulas[k][0], numbers=formulas[k][1], count=int(c)) for k, c in counts.items()]
    )


def compare(vocab_size: int, embed_dim: int = 64, units: int = 128, archs=ARCHITECTURES) -> pd.DataFrame:
    """The architectures side by side: per-layer counts, total, and the recurrent layer as a multiple of a
    SimpleRNN's (LSTM 4x, GRU a little over 3x because of its second bias, BiLSTM 8x)."""
    simple = (embed_dim + units + 1) * units
    rows = []
    for arch in archs:
        s = summary(arch, vocab_size, embed_dim, units).set_index("layer")["count"]
        rows.append(
            dict(
                arch=arch,
                embedding=int(s["embedding"]),
                recurrent=int(s["recurrent"]),
                classifier=int(s["classifier"]),
                total=int(s.sum()),
                recurrent_vs_simple_rnn=s["recurrent"] / simple,
                recurrent_formula=layer_formula(arch, embed_dim, units)[1],
            )
        )
    return pd.DataFrame(rows)


def model_ledger(name: str, arch: str, vocab_size: int, embed_dim: int, units: int, sentences: int) -> dict:
    """One row of the Parameters page's table of ledgers: a model's vocabulary, the sentences it was adapted
    on, and its per-layer counts and total (compare()'s columns)."""
    row = compare(vocab_size, embed_dim, units, archs=[arch]).iloc[0]
    return dict(model=name, arch=arch, sentences=int(sentences), vocabulary=int(vocab_size), embed_dim=int(embed_dim),
                units=int(units), embedding=int(row["embedding"]), recurrent=int(row["recurrent"]),
                classifier=int(row["classifier"]), total=int(row["total"]))


def lesson_ledger(archs, vocab_size: int, embed_dim: int = 64, units: int = 128) -> pd.DataFrame:
    """breakdown() of each architecture in `archs`, one frame with an `arch` column (the stacked bars' input)."""
    return pd.concat([breakdown(arch, vocab_size, embed_dim, units).assign(arch=arch) for arch in archs])


def trained_ledgers(configs: dict, lesson_vocab: int | None = None, all_sentences: int = 0) -> pd.DataFrame:
    """One model_ledger() row per trained model ({name: its training configuration}): its own vocabulary (adapted
    on its training sentences, rnnlab.config.load_split) and, when `lesson_vocab` is given, the same model with
    the lesson's vocabulary adapted on all `all_sentences` sentences."""
    from rnnlab.config import load_split  # reads the data (cached): only when there are trained models

    rows = []
    for name, config in configs.items():
        train_df, _ = load_split(config)
        rows.append(model_ledger(name, config["arch"], vocabulary_size(train_df["text"]), config["embed_dim"],
                                 config["units"], len(train_df)))
        if lesson_vocab:
            rows.append(model_ledger(f"{name}, the lesson's vocabulary", config["arch"], lesson_vocab,
                                     config["embed_dim"], config["units"], all_sentences))
    return pd.DataFrame(rows)


def keras_counts(vocab_size: int, embed_dim: int, units: int, archs=ARCHITECTURES) -> dict[str, int]:
    """Keras' own count_params() of each architecture built at these sizes (loads TensorFlow: a few seconds)."""
    from rnnlab.models import build_model

    return {arch: build_model(arch, vocab_size, embed_dim, units).count_params() for arch in archs}


def keras_agreement(counts: dict[str, int], vocab_size: int, embed_dim: int, units: int) -> pd.DataFrame:
    """keras_counts() beside the ledger's totals: columns architecture, Keras count_params(), ledger total, agree."""
    table = pd.DataFrame({"architecture": list(counts), "Keras count_params()": list(counts.values())})
    table["ledger total"] = [int(breakdown(arch, vocab_size, embed_dim, units)["count"].sum())
                             for arch in table["architecture"]]
    table["agree"] = table["Keras count_params()"] == table["ledger total"]
    return table


def doubling_answer(arch: str, vocab_size: int, embed_dim: int, units: int) -> str:
    """The Parameters page's answer to "double the units": every number computed by compare() and breakdown()."""
    narrow = compare(vocab_size, embed_dim, units, archs=[arch]).iloc[0]
    wide = compare(vocab_size, embed_dim, 2 * units, archs=[arch]).iloc[0]
    per_gate = (units * units, 4 * units * units)
    return (
        f"The recurrent layer goes from {narrow['recurrent_formula']} = {narrow['recurrent']:,} to "
        f"{wide['recurrent_formula']} = {wide['recurrent']:,}, {wide['recurrent'] / narrow['recurrent']:.1f} "
        "times as many for twice the units: each gate's recurrent kernel is h x h, so that part grows with the "
        f"square of h ({per_gate[0]:,} to {per_gate[1]:,} per gate), while the input kernel (d x h) and the bias "
        f"only double. The classifier grows from {narrow['classifier']:,} to {wide['classifier']:,} and the "
        f"embedding (V x d) does not change at all: {wide['total']:,} in all. The memory a recurrent network "
        "carries costs quadratically in its width."
    )
