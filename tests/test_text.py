"""Tests for rnnlab.text: the lesson's vectorizer, and the pure-Python tokenizer that mirrors it."""


import numpy as np
import pytest

from rnnlab import text


@pytest.fixture(scope="module")
def lesson_vectorizer(sentiment_df):
    return text.make_vectorizer(sentiment_df["text"])


def test_vectorizer_reproduces_the_lesson(lesson_vectorizer):
    vocabulary = lesson_vectorizer.get_vocabulary()
    assert len(vocabulary) == 5404
    assert vocabulary[:2] == ["", "[UNK]"]
    assert lesson_vectorizer(["very good movie"]).numpy().tolist() == [[18, 19, 26]]
    assert lesson_vectorizer(["Mochen Yang"]).numpy().tolist() == [[1, 1]]
    assert lesson_vectorizer(["Mochen Yang", "very good movie"]).numpy().tolist() == [[1, 1, 0], [18, 19, 26]]


def test_pure_python_lengths_match_the_vectorizer(sentiment_df, lesson_vectorizer):
    ids = lesson_vectorizer(list(sentiment_df["text"])).numpy()
    lengths = text.sentence_lengths(sentiment_df["text"])
    assert lengths.dtype == np.int64 and lengths.shape == (3000,)
    np.testing.assert_array_equal(lengths, (ids != 0).sum(axis=1))
    assert lengths.max() == 70 and ids.shape == (3000, 70)


def test_token_counts_follow_the_vocabulary_order(sentiment_df, lesson_vectorizer):
    counts = text.token_counts(sentiment_df["text"])
    vocabulary = [str(token) for token in lesson_vectorizer.get_vocabulary()]
    assert list(counts.index[:20]) == vocabulary[2:22]
    assert list(counts.index) == vocabulary[2:]  # ties included: count, then token, both descending
    assert counts.index[:3].tolist() == ["the", "and", "i"]
    assert counts.is_monotonic_decreasing and counts.sum() == text.sentence_lengths(sentiment_df["text"]).sum()


def test_tokenize_mirrors_textvectorization():
    assert text.tokenize("Hello, World!  It's GREAT-ish...") == ["hello", "world", "its", "greatish"]
    # U+0085 (in two IMDB lines) is not whitespace to TensorFlow; Python's str.split would break there.
    words = text.tokenize("The script is\x85was there a script?")
    assert words == ["the", "script", "is\x85was", "there", "a", "script"]
    assert text.tokenize("CAFÉ ... !!!") == ["cafÉ"]  # only ASCII letters are lowercased, as in tf.strings.lower
    assert text.sentence_lengths(["", "?!", "one two\tthree"]).tolist() == [0, 0, 3]


def test_token_ids_follow_the_counts_order_and_unknown_is_one():
    counts = text.token_counts(["good good movie", "bad movie movie"])  # movie 3, good 2, bad 1
    assert list(counts.index) == ["movie", "good", "bad"]
    assert text.token_ids("A GOOD, good Movie by Zzyzx!", counts) == (["a", "good", "good", "movie", "by", "zzyzx"],
                                                                     [1, 3, 3, 2, 1, 1])
    assert text.token_ids(" -- ", counts) == ([], [])


def test_token_ids_equal_the_lessons_vectorizer(sentiment_df, lesson_vectorizer):
    counts = text.token_counts(sentiment_df["text"])
    sentence = "Very good movie, Mochen Yang!"
    assert text.token_ids(sentence, counts)[1] == [int(i) for i in lesson_vectorizer([sentence]).numpy()[0]]
