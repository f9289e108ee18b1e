"""A baseline that ignores word order: logistic regression on which words a sentence contains.

Each sentence becomes a multi-hot vector over the same training-only vocabulary `rnnlab.training.train()` uses
(the words of the training sentences, tokenized as Keras' TextVectorization does; unknown words are dropped),
and one weight per word plus a bias is fitted with mini-batch Adam on the binary cross-entropy, in NumPy.
Shuffling a sentence's words cannot change its answer, so whatever a recurrent network does better than this
is what word order (or the interaction of words) is worth on the task. Pure NumPy: no TensorFlow, well under
a second on the lesson's 2,400 sentences.
"""

from __future__ import annotations

import functools
import time
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from rnnlab.text import build_vocabulary, tokenize

NAME = "Bag of words"
DEFAULTS = dict(epochs=10, batch_size=32, learning_rate=0.01, l2=1e-4)


@dataclass
class BagOfWords:
    """A fitted bag-of-words logistic regression: vocabulary (index 0 padding '' and 1 '[UNK]' as the
    vectorizer's, never used as features), weights (len(vocabulary),), bias, per-epoch history."""

    vocabulary: list[str]
    weights: np.ndarray
    bias: float
    config: dict
    history: dict = field(default_factory=lambda: {"loss": [], "accuracy": [], "val_loss": [],
                                                   "val_accuracy": []})
    seconds: float = 0.0  # how long bag_of_words took to fit it (wall clock, validation included)
    arch = NAME

    @property
    def val_accuracy(self) -> float:
        """The validation accuracy after the last epoch (nan without a validation set)."""
        return self.history["val_accuracy"][-1] if self.history["val_accuracy"] else float("nan")

    def features(self, sentences) -> np.ndarray:
        """The multi-hot vectors the model reads, (n, len(vocabulary))."""
        return multi_hot(sentences, {w: i for i, w in enumerate(self.vocabulary)})

    def predict(self, sentences) -> np.ndarray:
        """P(positive) for each sentence (a str or a list of str): (n,) float64. Each sentence's weights are
        summed in the order of their word ids, so the same words give bit for bit the same answer."""
        if isinstance(sentences, str):
            sentences = [sentences]
        index = {w: i for i, w in enumerate(self.vocabulary)}
        return _sigmoid(_Sparse(list(sentences), index).logits(self.weights, self.bias)[0])

    def word_weights(self) -> pd.Series:
        """Each known word's weight (positive pushes towards 'positive'), largest first."""
        return pd.Series(self.weights[2:], index=self.vocabulary[2:], name="weight").sort_values(ascending=False)


def _sigmoid(z):
    return 1.0 / (1.0 + np.exp(-np.clip(z, -60, 60)))


def multi_hot(sentences, index: dict[str, int]) -> np.ndarray:
    """(n, len(index)) float32: 1 where the sentence contains the word (ids 0 and 1 stay 0)."""
    sentences = list(sentences)
    x = np.zeros((len(sentences), len(index)), dtype=np.float32)
    for row, text in enumerate(sentences):
        ids = [index[w] for w in tokenize(text) if w in index]
        x[row, [i for i in ids if i >= 2]] = 1.0
    return x


def _loss_accuracy(p, y):
    p = np.clip(p, 1e-7, 1 - 1e-7)
    return float(-np.mean(y * np.log(p) + (1 - y) * np.log(1 - p))), float(np.mean((p >= 0.5) == (y == 1)))


class _Sparse:
    """The multi-hot matrix of a list of sentences kept as word ids per row (sentences have ~10 distinct
    words among thousands): logits and gradients by bincount, exactly what the dense product computes."""

    def __init__(self, sentences, index):
        rows = [np.unique([index[w] for w in tokenize(t) if index.get(w, 0) >= 2]).astype(np.int64)
                for t in sentences]
        self.rows = rows
        self.n = len(rows)

    def logits(self, w, b, rows=None):
        chosen = self.rows if rows is None else [self.rows[r] for r in rows]
        owner = np.repeat(np.arange(len(chosen)), [len(r) for r in chosen])
        flat = np.concatenate(chosen) if chosen else np.zeros(0, np.int64)
        return np.bincount(owner, weights=w[flat], minlength=len(chosen)) + b, flat, owner

    def gradient(self, flat, owner, error, size):
        return np.bincount(flat, weights=error[owner], minlength=size)


def bag_of_words(train_df: pd.DataFrame, val_df: pd.DataFrame | None = None, seed: int = 0,
                 **settings) -> BagOfWords:
    """Fit the baseline on train_df (columns text, label) and measure it on val_df after every epoch.

    settings: epochs, batch_size, learning_rate (Adam), l2 (weight decay on the word weights); DEFAULTS
    otherwise. The vocabulary is the training sentences' words, as train() builds it. Deterministic for a seed."""
    unknown = set(settings) - set(DEFAULTS)
    if unknown:
        raise ValueError(f"unknown settings {sorted(unknown)}; known: {', '.join(DEFAULTS)}")
    config = {**DEFAULTS, **settings, "seed": int(seed)}
    started = time.perf_counter()
    if len(train_df) == 0:
        raise ValueError("no training sentences")
    vocabulary = build_vocabulary(train_df["text"])  # capped as train()'s is (RNNLAB_MAX_VOCABULARY)
    index = {w: i for i, w in enumerate(vocabulary)}
    x, y = _Sparse(train_df["text"], index), train_df["label"].to_numpy(np.float64)
    if val_df is not None and len(val_df):
        x_val, y_val = _Sparse(val_df["text"], index), val_df["label"].to_numpy(np.float64)
    else:
        x_val = y_val = None
    rng = np.random.default_rng(seed)
    size = len(vocabulary)
    w, b = np.zeros(size), 0.0
    m_w, v_w, m_b, v_b = np.zeros(size), np.zeros(size), 0.0, 0.0
    lr, beta1, beta2, eps = config["learning_rate"], 0.9, 0.999, 1e-7
    batch = int(config["batch_size"])
    step = 0
    model = BagOfWords(vocabulary, w, b, config)
    for _ in range(int(config["epochs"])):
        order = rng.permutation(len(y))
        for start in range(0, len(order), batch):
            rows = order[start : start + batch]
            logits, flat, owner = x.logits(w, b, rows)
            error = _sigmoid(logits) - y[rows]
            grad_w = x.gradient(flat, owner, error, size) / len(rows) + config["l2"] * w
            grad_b = float(error.mean())
            step += 1
            m_w *= beta1
            m_w += (1 - beta1) * grad_w
            v_w *= beta2
            v_w += (1 - beta2) * grad_w**2
            m_b = beta1 * m_b + (1 - beta1) * grad_b
            v_b = beta2 * v_b + (1 - beta2) * grad_b**2
            correction = np.sqrt(1 - beta2**step) / (1 - beta1**step)
            w -= lr * correction * m_w / (np.sqrt(v_w) + eps)
            b -= lr * correction * m_b / (np.sqrt(v_b) + eps)
        loss, accuracy = _loss_accuracy(_sigmoid(x.logits(w, b)[0]), y)
        model.history["loss"].append(loss)
        model.history["accuracy"].append(accuracy)
        if x_val is not None:
            val_loss, val_accuracy = _loss_accuracy(_sigmoid(x_val.logits(w, b)[0]), y_val)
            model.history["val_loss"].append(val_loss)
            model.history["val_accuracy"].append(val_accuracy)
    model.weights, model.bias = w, float(b)
    model.seconds = time.perf_counter() - started
    return model


# ----------------------------------------------------------------------------------------------------------
# Where the pages meet it

_by_selection: dict[tuple, BagOfWords] = {}


def for_config(config) -> BagOfWords:
    """The baseline fitted on the split a training configuration selects (rnnlab.config.load_split; the data,
    subset, split seed and validation choice, not the architecture), seed 0; fitted once per process."""
    from rnnlab.config import load_split, split_selection, validate_config

    cfg = validate_config({"arch": "SimpleRNN", **dict(config)})
    selection = split_selection(cfg)  # the same key as load_split's own cache
    if selection not in _by_selection:
        train_df, val_df = load_split(cfg)
        _by_selection[selection] = bag_of_words(train_df, val_df, seed=0)
    return _by_selection[selection]


def comparison_row(model: BagOfWords) -> dict:
    """The baseline as a row of the Train page's table of runs."""
    return {"run": f"{NAME} (ignores word order)", "status": "baseline", "epochs": len(model.history["loss"]),
            "best validation accuracy": max(model.history["val_accuracy"], default=None),
            "seconds": round(model.seconds, 2),
            "parameters": len(model.vocabulary) - 2 + 1, "units": None, "embedding": None,
            "learning rate": model.config["learning_rate"]}


# Sentences made of the same words in a different order: a bag of words gives each pair one answer.
ORDER_PAIRS = (
    ("not good, just bad", "not bad, just good"),
    ("the food was good but the service was bad", "the food was bad but the service was good"),
    ("I would not say it is great, it is terrible", "I would not say it is terrible, it is great"),
)


def shuffled(sentence: str, seed: int = 0) -> str:
    """The words of `sentence` (as the models tokenize it) in a random order, deterministic for a seed and
    different from the original whenever the sentence has two different words."""
    words = tokenize(sentence)
    rng = np.random.default_rng(seed)
    if len(set(words)) < 2:
        return " ".join(words)
    while True:
        order = rng.permutation(len(words))
        candidate = [words[i] for i in order]
        if candidate != words:
            return " ".join(candidate)


def order_pairs(models: dict, baseline: BagOfWords, pairs=ORDER_PAIRS) -> pd.DataFrame:
    """P(positive) for each sentence of each pair from every model ({name: run with .predict}) and the
    baseline: DataFrame[pair, sentence, <one column per model>, NAME]. The baseline's two values of a pair
    are always equal; a recurrent model that reads order can tell them apart."""
    sentences = [s for pair in pairs for s in pair]
    table = pd.DataFrame({"pair": [i // 2 + 1 for i in range(len(sentences))], "sentence": sentences})
    for name, run in models.items():
        table[name] = np.asarray(run.predict(sentences), dtype=float).reshape(-1)
    table[NAME] = baseline.predict(sentences)
    return table


def shuffle_sentence(model_changes: dict, baseline_change: float) -> str:
    """What shuffling a sentence did, from |P(shuffled) - P(as typed)| per recurrent model and the baseline."""
    if not model_changes:
        return f"The {NAME} gives the shuffled sentence the same answer (change {baseline_change:.3f})."
    name, largest = max(model_changes.items(), key=lambda item: item[1])
    return (f"Shuffled, the recurrent models' answers move by up to {largest:.3f} ({name}); the {NAME} baseline's by "
            f"{baseline_change:.3f}: it sees the same words, so it cannot change.")


def order_pairs_sentence(table: pd.DataFrame, models: list[str]) -> str:
    """One sentence on order_pairs(): the largest gap inside a pair for each model, against the baseline's."""
    gaps = table.groupby("pair")[[*models, NAME]].agg(lambda v: float(v.max() - v.min())).max()
    parts = ", ".join(f"{name} {gaps[name]:.3f}" for name in models)
    best = max(models, key=lambda name: gaps[name]) if models else None
    told = (f" Only a model that reads in order can tell such sentences apart: {best} best, here." if best
            and gaps[best] > 0.1 else " None of these models tells them apart by much: counting would do as well.")
    return (f"Each pair has the same words in another order. Largest difference between the two answers of a "
            f"pair: {parts}; {NAME} {gaps[NAME]:.3f}, always, since it only counts words.{told}")


@functools.lru_cache(maxsize=8)
def longrange_accuracy(lag: int = 75, seed: int = 0, train_size: int = 4000, val_size: int = 1000) -> float:
    """The baseline's validation accuracy on rnnlab.longrange's task (its sentences as words): every sentence
    holds two positive and two negative signal words, so counting them gives chance, about 0.5."""
    from rnnlab.longrange_task import decode, make_task

    def frame(task):
        return pd.DataFrame({"text": [decode(row) for row in task.ids], "label": task.labels})

    train_task = make_task(lag, train_size, seed=1000 + seed)
    val_task = make_task(lag, val_size, seed=2000 + seed)
    return bag_of_words(frame(train_task), frame(val_task), seed=seed).val_accuracy
