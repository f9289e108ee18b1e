"""The vocabulary is capped (RNNLAB_MAX_VOCABULARY, default 20,000 entries, '' and '[UNK]' included): an upload of
many distinct words gets exactly the cap, wherever a vocabulary is built (make_vectorizer, train(), the
baseline, the Parameters count); the lesson's 5,404 are unchanged; a bad value of the variable says what is wrong."""

import pytest

from rnnlab import baseline, params, text
from rnnlab.training import train


def many_words_corpus(lines=20_000, words_per_line=3):
    """An upload-sized set (20,000 lines, the upload cap) of 60,000 distinct words: word{i} each once, and a few
    common words repeated so the most frequent come first."""
    texts = [" ".join(f"word{line * words_per_line + k}" for k in range(words_per_line)) + " good food"
             for line in range(lines)]
    return texts


def test_the_lessons_vocabulary_is_unchanged_by_the_cap(sentiment_df):
    assert text.max_vocabulary() == 20_000
    assert len(text.make_vectorizer(sentiment_df["text"]).get_vocabulary()) == 5404
    assert len(text.build_vocabulary(sentiment_df["text"])) == 5404
    assert params.vocabulary_size(sentiment_df["text"]) == 5404


def test_an_upload_with_more_distinct_words_than_the_cap_gets_exactly_the_cap():
    texts = many_words_corpus()
    assert len(text.token_counts(texts)) == 60_002  # word0..word59999, 'good' and 'food'
    vocabulary = text.build_vocabulary(texts)
    assert len(vocabulary) == 20_000
    assert vocabulary[:4] == ["", "[UNK]", "good", "food"]  # the most frequent are kept, the rarest dropped
    adapted = [str(token) for token in text.make_vectorizer(texts).get_vocabulary()]
    assert adapted == vocabulary  # Keras' adapt(max_tokens=20,000) keeps the very same words, ties included
    assert params.vocabulary_size(texts) == 20_000


def test_train_the_baseline_and_the_parameter_count_follow_the_variable(small_split, monkeypatch):
    train_df, val_df = small_split
    assert len(text.token_counts(train_df["text"])) > 100
    monkeypatch.setenv("RNNLAB_MAX_VOCABULARY", "100")
    run = train("SimpleRNN", train_df, val_df, epochs=1, embed_dim=8, units=8)
    assert run.vocab_size == 100 and run.vocabulary == text.build_vocabulary(train_df["text"], 100)
    assert run.model.get_layer("embedding").get_weights()[0].shape == (100, 8)
    assert run.predict(["a word never seen before"]).shape == (1,)  # rare words are '[UNK]' (id 1)
    assert len(baseline.bag_of_words(train_df, val_df, epochs=1).vocabulary) == 100
    assert params.vocabulary_size(train_df["text"]) == 100


@pytest.mark.parametrize("value", ["lots", "2", "-5", "1.5", "0"])
def test_a_bad_value_of_the_variable_is_refused_naming_it(value, monkeypatch):
    monkeypatch.setenv("RNNLAB_MAX_VOCABULARY", value)
    with pytest.raises(ValueError, match="RNNLAB_MAX_VOCABULARY must be a whole number of tokens, at least 3") as error:
        text.max_vocabulary()
    assert repr(value) in str(error.value)
    with pytest.raises(ValueError, match="RNNLAB_MAX_VOCABULARY"):
        text.make_vectorizer(["a b c"])


@pytest.fixture(scope="module")
def small_split(sentiment_df):
    from rnnlab.data import split

    return split(sentiment_df.iloc[::10].reset_index(drop=True), seed=0)
