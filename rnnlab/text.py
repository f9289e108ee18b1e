"""Text to tokens, one place: the lesson's TextVectorization settings (make_vectorizer, the only place that builds
one) and its pure-Python twins (tokenize, sentence_lengths, token_counts), which split words exactly as it does
so the pages' charts need no TensorFlow."""

from __future__ import annotations

import os
from collections import Counter

# NumPy, pandas and Keras are imported inside the functions that use them: pages that only tokenize (Home, Data)
# then paint without paying for them on a fresh server.

# TextVectorization's 'lower_and_strip_punctuation' lowercases ASCII letters only (tf.strings.lower without an
# encoding), deletes these characters, then 'whitespace' splits on ASCII whitespace. U+0085, which appears twice
# in the IMDB file, is whitespace to Python's str.split() but not to TensorFlow, so we split on ASCII only.
_PUNCTUATION = '!"#$%&()*+,-./:;<=>?@[\\]^_`{|}~\''
_STANDARDIZE = str.maketrans(
    {**{chr(c): chr(c + 32) for c in range(ord("A"), ord("Z") + 1)}, **{p: None for p in _PUNCTUATION}}
)
ASCII_WHITESPACE = " \t\n\r\f\v"

# Every model's embedding has one row per vocabulary entry: an upload of 5 MB of distinct words would otherwise
# make ~700,000 rows (hundreds of MB per stored model). The lesson's 5,404 are far below the default.
MAX_VOCABULARY_ENV = "RNNLAB_MAX_VOCABULARY"
DEFAULT_MAX_VOCABULARY = 20_000


def whole_number_from_env(name: str, default: int, least: int) -> tuple[int | None, str]:
    """(value, raw text) of the environment variable `name`, a whole number ('20_000' and '20,000' read as
    20000): `default` when unset or blank, None when it is not a whole number of at least `least` (the caller
    says why, naming the variable)."""
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default, raw
    try:
        value = int(raw.replace("_", "").replace(",", ""))
    except ValueError:
        return None, raw
    return (value if value >= least else None), raw


def max_vocabulary() -> int:
    """The largest vocabulary any model gets, '' and '[UNK]' included (Keras' max_tokens counts them too):
    RNNLAB_MAX_VOCABULARY, default 20,000. ValueError naming the variable for a value that is not a whole number
    of at least 3 ('', '[UNK]' and one word)."""
    value, raw = whole_number_from_env(MAX_VOCABULARY_ENV, DEFAULT_MAX_VOCABULARY, 3)
    if value is None:
        raise ValueError(f"{MAX_VOCABULARY_ENV} must be a whole number of tokens, at least 3 ('', '[UNK]' and one "
                         f"word); it is {raw!r}. Unset it for the default of {DEFAULT_MAX_VOCABULARY:,}.")
    return value


def build_vocabulary(texts, max_tokens: int | None = None) -> list[str]:
    """'' and '[UNK]', then the words of `texts` by falling frequency: what make_vectorizer(texts).get_vocabulary()
    gives (tests compare them), counted in plain Python, at most `max_tokens` entries in all (default
    max_vocabulary()); the rarer words past it are '[UNK]' to the model."""
    cap = max_vocabulary() if max_tokens is None else int(max_tokens)
    return ["", "[UNK]", *(str(word) for word in token_counts(texts).index[: max(0, cap - 2)])]



def make_vectorizer(texts=None, max_tokens: int | None = None, vocabulary=None):
    """The lesson's keras TextVectorization (ASCII lowercase, punctuation stripped, split on whitespace, int ids),
    adapted on `texts`, or given a saved `vocabulary` ('' and '[UNK]' first, as get_vocabulary gives): index 0 ''
    is padding, 1 '[UNK]' any unknown word, then words by falling frequency. Training adapts it on the training
    texts only; a stored or archived run rebuilds it from its vocabulary. Adapted, it keeps at most `max_tokens`
    entries ('' and '[UNK]' included; default max_vocabulary(), RNNLAB_MAX_VOCABULARY)."""
    import keras  # lazily: pages that never vectorize should not pay for TensorFlow

    if vocabulary is None and max_tokens is None:
        max_tokens = max_vocabulary()
    vectorizer = keras.layers.TextVectorization(
        max_tokens=max_tokens,
        standardize="lower_and_strip_punctuation",
        split="whitespace",
        output_mode="int",
        vocabulary=vocabulary,
    )
    if vocabulary is None:
        vectorizer.adapt(list(texts))
    return vectorizer


def tokenize(text: str) -> list[str]:
    """The words TextVectorization sees in `text`: ASCII-lowercased, punctuation removed, split on whitespace."""
    return [word for word in _split_ascii_whitespace(str(text).translate(_STANDARDIZE)) if word]


def _split_ascii_whitespace(text: str) -> list[str]:
    for space in ASCII_WHITESPACE[1:]:
        text = text.replace(space, " ")
    return text.split(" ")


def sentence_lengths(texts) -> np.ndarray:
    """Words per sentence, counted as the vectorizer counts them (no TensorFlow needed)."""
    import numpy as np

    return np.array([len(tokenize(text)) for text in texts], dtype=np.int64)


def token_counts(texts) -> pd.Series:
    """How often each word occurs, most frequent first, ties in the vectorizer's order (so position i here is
    token id i + 2 of a vectorizer adapted on the same texts)."""
    import pandas as pd

    counts = Counter(word for text in texts for word in tokenize(text))
    # Keras sorts by count, then by the token's bytes, both descending (np.lexsort(...)[::-1]).
    ordered = sorted(counts.items(), key=lambda item: (item[1], item[0].encode("utf-8")), reverse=True)
    return pd.Series(
        [count for _, count in ordered],
        index=pd.Index([token for token, _ in ordered], name="token"),
        name="count",
        dtype="int64",
    )


def token_ids(text: str, counts) -> tuple[list[str], list[int]]:
    """The words of `text` (tokenize) and their ids in a vocabulary ordered as token_counts() gives it: a word at
    position i has id i + 2 (0 is padding, 1 '[UNK]', the id of any word not in `counts`)."""
    index = {token: position + 2 for position, token in enumerate(counts.index)}
    words = tokenize(text)
    return words, [index.get(word, 1) for word in words]
