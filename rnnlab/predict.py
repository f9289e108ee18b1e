"""Predictions for the Predict page: every trained model's P(positive) for typed sentences, and the probability
after each word of one sentence (how the network "reads").

Models are called directly (`model(ids, training=False)`, compiled once per model with tf.function), which for a
handful of sentences is many times faster than `model.predict`; a lock per model keeps concurrent browser
sessions from calling one model at once. A model's answers are kept for the batches it was last asked (a bounded
LRU per model, RNNLAB_PREDICTION_CACHE batches): a class reads the same sentences (the lesson's two, the pairs
on word order), so one call answers every session and the others never wait on the model's lock.
"""

from __future__ import annotations

import threading
import weakref

import numpy as np
import pandas as pd

from rnnlab.lru import LRU, size_from_env

PREFIX_COLUMNS = ["model", "position", "word", "token", "probability"]

# Per model (keyed by id, dropped when the model is garbage-collected): its lock, its compiled call and its answers.
_per_model: dict[int, dict] = {}
ANSWERS_KEPT = size_from_env("RNNLAB_PREDICTION_CACHE", 256)  # batches per model
ANSWERED_IDS_MAX = 20_000  # larger batches (a whole data set) are not kept
_per_model_guard = threading.Lock()


def _entry(model) -> dict:
    key = id(model)
    with _per_model_guard:
        entry = _per_model.get(key)
        if entry is None:
            entry = _per_model[key] = {"lock": threading.RLock(), "call": None, "answers": LRU(ANSWERS_KEPT)}
            # id() is reused after a model dies: forget its entry then, so a new model never inherits it.
            weakref.finalize(model, _per_model.pop, key, None)
        return entry


def model_cache(model) -> dict:
    """A dict that lives as long as `model`, for compiled functions of it (rnnlab.gradients keeps its own here)."""
    return _entry(model)


def model_lock(model) -> threading.RLock:
    """The lock that guards `model` (one per model object, created on first use). Re-entrant, so a function
    holding it may call another that takes it too."""
    return _entry(model)["lock"]


def _compiled_call(model):
    """`model(ids, training=False)` as a tf.function traced once for any (batch, steps) int32 input: the first
    call traces (about half a second), later ones take milliseconds instead of eager Keras' tens.
    The function holds the model weakly, so caching it does not keep a discarded model alive."""
    entry = _entry(model)
    if entry["call"] is None:
        import tensorflow as tf

        model_ref = weakref.ref(model)
        entry["call"] = tf.function(
            lambda ids: model_ref()(ids, training=False),
            input_signature=[tf.TensorSpec([None, None], tf.int32)],
            autograph=False,
        )
    return entry["call"]


def _as_text(value) -> str:
    """Any value as a str TensorFlow can encode: None is '', lone surrogates (which are not UTF-8) become '?'."""
    text = "" if value is None else str(value)
    return text.encode("utf-8", errors="replace").decode("utf-8")


def probabilities_for_ids(model, token_ids: np.ndarray) -> np.ndarray:
    """P(positive) for each row of int token ids, as float64 (n,): the one prediction path of RNN Lab (the compiled
    call under the model's lock); TrainedModel.predict and every page's prediction come here."""
    ids = np.asarray(token_ids).astype(np.int32)
    if ids.shape[0] == 0:
        return np.zeros(0)
    if ids.size > ANSWERED_IDS_MAX:
        return _call(model, ids)
    # The same batch gives the same answer (the model's weights never change in this process): asked again, by
    # this session or another, it is read back (a copy: the caller may change it).
    answer = _entry(model)["answers"].get((ids.shape, ids.tobytes()), lambda: _call(model, ids))
    return answer.copy()


def _call(model, ids: np.ndarray) -> np.ndarray:
    with model_lock(model):
        output = _compiled_call(model)(ids)
    return np.asarray(output, dtype=np.float64).reshape(-1)


def probabilities(runs: dict, sentences) -> pd.DataFrame:
    """P(positive) of every sentence from every model: rows = sentences (index named 'sentence', in the order
    given, duplicates kept), columns = the names of `runs` ({name: trained run}), values float64 in [0, 1].

    Each run encodes with its own vocabulary (run.encode pads with 0, truncates very long texts). Any string is
    accepted: an empty line or one of unknown words gives the model's reading of nothing (all padding) or of
    '[UNK]'s, still a probability."""
    if isinstance(sentences, str):
        sentences = [sentences]
    texts = [_as_text(s) for s in sentences]
    columns = {}
    for name, run in runs.items():
        columns[name] = probabilities_for_ids(run.model, run.encode(texts)) if texts else np.zeros(0)
    return pd.DataFrame(columns, index=pd.Index(texts, name="sentence"), columns=list(runs))


def words_as_typed(sentence: str) -> list[str]:
    """The sentence's words as the user typed them, one per token the vectorizer makes: ASCII-whitespace
    chunks that keep something after punctuation is stripped ('meal!' stays, a lone '-' is dropped)."""
    from rnnlab.text import tokenize

    for space in "\t\n\r\f\v":
        sentence = sentence.replace(space, " ")
    return [chunk for chunk in sentence.split(" ") if tokenize(chunk)]


def _prefix_batch(ids: np.ndarray) -> np.ndarray:
    """Row i holds the first i + 1 token ids, right-padded with 0: all prefixes of one sentence in one batch.
    With mask_zero the recurrent layer skips the padding, so row i reads exactly as the prefix alone would."""
    steps = len(ids)
    return np.where(np.tri(steps, dtype=bool), ids[None, :], 0).astype(np.int32)


def prefix_probabilities(runs: dict, sentence: str) -> pd.DataFrame:
    """P(positive) after each prefix of `sentence` (word 1, words 1-2, ..., the whole sentence), per model.

    Returns tidy DataFrame[model, position (1-based), word (as typed, or the vocabulary token when the two
    cannot be matched), token (the vocabulary's token, '[UNK]' for an unknown word), probability]; one batched
    call per model. Empty (with these columns) when the sentence has no words."""
    sentence = _as_text(sentence)
    typed = words_as_typed(sentence)
    frames = []
    for name, run in runs.items():
        ids = np.asarray(run.encode([sentence]))[0]
        ids = ids[ids != 0]
        if len(ids) == 0:
            continue
        probs = probabilities_for_ids(run.model, _prefix_batch(ids))
        vocabulary = getattr(run, "vocabulary", None)
        tokens = [str(vocabulary[i]) if vocabulary is not None and i < len(vocabulary) else str(i) for i in ids]
        # Texts longer than the encoder's limit are truncated, so the typed words may outnumber the tokens.
        words = typed[: len(ids)] if len(typed) >= len(ids) else tokens
        frames.append(
            pd.DataFrame(
                {
                    "model": name,
                    "position": np.arange(1, len(ids) + 1),
                    "word": words,
                    "token": tokens,
                    "probability": probs,
                }
            )
        )
    if not frames:
        return pd.DataFrame(columns=PREFIX_COLUMNS)
    return pd.concat(frames, ignore_index=True)[PREFIX_COLUMNS]


def only_unknown_words(prefixes: pd.DataFrame) -> list[str]:
    """The models (in order) that read nothing but '[UNK]' in a prefix_probabilities() frame: every word of the
    sentence is outside their vocabulary."""
    if prefixes.empty:
        return []
    unknown = prefixes.groupby("model", sort=False)["token"].agg(lambda tokens: bool((tokens == "[UNK]").all()))
    return [str(model) for model, is_unknown in unknown.items() if is_unknown]


def clean_sentences(text_area_value, max_sentences: int = 20, max_chars: int = 2000) -> tuple[list[str], list[str]]:
    """The Predict page's text area as sentences: one a line, surrounding spaces stripped, blank lines dropped,
    each line cut to `max_chars` characters and at most `max_sentences` kept. Returns (sentences, warnings),
    each warning one plain sentence saying what was changed (or that there is nothing to read)."""
    lines = [line.strip() for line in _as_text(text_area_value).splitlines()]
    sentences = [line for line in lines if line]
    warnings = []
    if not sentences:
        return [], ["There is no sentence to read yet: type one sentence per line."]
    if len(sentences) > max_sentences:
        warnings.append(f"Only the first {max_sentences} of {len(sentences)} sentences are used.")
        sentences = sentences[:max_sentences]
    cut = [i for i, s in enumerate(sentences, start=1) if len(s) > max_chars]
    if cut:
        which = ", ".join(str(i) for i in cut)
        subject = f"Sentences {which} were" if len(cut) > 1 else f"Sentence {which} was"
        warnings.append(f"{subject} cut to the first {max_chars:,} characters.")
        sentences = [s[:max_chars] for s in sentences]
    return sentences, warnings
