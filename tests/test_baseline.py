"""rnnlab.baseline: a bag of words ignores order (any permutation of a sentence's words gets the same answer),
reaches a real accuracy on the default split, uses train()'s training-only vocabulary, and is at chance on the
long-range task, whose sentences all hold the same number of positive and negative words."""

import time

import numpy as np
import pytest

from rnnlab import baseline, params
from rnnlab.data import load_sentiment, split, tokenize


@pytest.fixture(scope="module")
def default_split():
    return split(load_sentiment(), seed=0)


@pytest.fixture(scope="module")
def fitted(default_split):
    started = time.perf_counter()
    model = baseline.bag_of_words(*default_split, seed=0)
    model.outer_seconds = time.perf_counter() - started
    return model


def test_validation_accuracy_on_the_default_split(fitted, default_split):
    train_df, val_df = default_split
    assert len(fitted.history["val_accuracy"]) == baseline.DEFAULTS["epochs"] == len(fitted.history["loss"])
    assert 0.7 <= fitted.val_accuracy <= 0.95
    assert fitted.val_accuracy == fitted.history["val_accuracy"][-1]
    # .predict agrees with the accuracy the history reports.
    p = fitted.predict(list(val_df["text"]))
    assert p.shape == (len(val_df),) and ((p > 0) & (p < 1)).all()
    assert np.mean((p >= 0.5) == (val_df["label"].to_numpy() == 1)) == pytest.approx(fitted.val_accuracy)
    assert fitted.history["accuracy"][-1] > fitted.val_accuracy  # it fits its training sentences better


def test_predictions_are_identical_for_any_permutation_of_the_words(fitted, default_split):
    rng = np.random.default_rng(0)
    sentences = list(default_split[1]["text"][:50]) + [s for pair in baseline.ORDER_PAIRS for s in pair]
    for sentence in sentences:
        words = tokenize(sentence)
        permutations = [" ".join(rng.permutation(words)) for _ in range(5)] + [baseline.shuffled(sentence, 3)]
        answers = fitted.predict([sentence, *permutations])
        assert np.all(answers == answers[0]), sentence
    for first, second in baseline.ORDER_PAIRS:
        assert sorted(tokenize(first)) == sorted(tokenize(second))  # the same words, another order
        assert fitted.predict(first)[0] == fitted.predict(second)[0]


def test_shuffled_changes_the_order_and_keeps_the_words():
    assert baseline.shuffled("not good, just bad", seed=0) != "not good just bad"
    assert sorted(baseline.shuffled("not good, just bad", seed=0).split()) == ["bad", "good", "just", "not"]
    assert baseline.shuffled("good good", seed=0) == "good good"  # nothing to reorder


def test_the_vocabulary_is_train_s_training_only_one_and_the_fit_is_timed(fitted, default_split):
    train_df, _ = default_split
    assert len(fitted.vocabulary) == params.vocabulary_size(train_df["text"]) == 4721
    assert fitted.vocabulary[:2] == ["", "[UNK]"]
    # The fit's own clock (shown in the Train page's table): inside the caller's, and what the table row says.
    assert 0 < fitted.seconds <= fitted.outer_seconds
    row = baseline.comparison_row(fitted)
    assert row["seconds"] == round(fitted.seconds, 2) and row["epochs"] == 10 and row["status"] == "baseline"
    # Words push both ways: the largest weight is a word's (not padding or [UNK]) and positive, the smallest negative.
    weights = dict(zip(fitted.vocabulary[2:], fitted.weights[2:]))
    largest = max(weights, key=weights.get)
    assert largest not in ("", "[UNK]") and weights[largest] > 0 > min(weights.values())


def test_it_is_deterministic_and_refuses_unknown_settings(default_split):
    train_df, val_df = default_split
    small = train_df.iloc[:300], val_df.iloc[:100]
    a, b = baseline.bag_of_words(*small, seed=1), baseline.bag_of_words(*small, seed=1)
    assert a.history == b.history and np.array_equal(a.weights, b.weights)
    with pytest.raises(ValueError, match="unknown settings"):
        baseline.bag_of_words(*small, momentum=0.9)


def test_counting_words_is_at_chance_on_the_long_range_task():
    assert 0.45 <= baseline.longrange_accuracy(lag=75, seed=0) <= 0.55


def test_order_pairs_table_shows_one_baseline_answer_per_pair(fitted):
    class Reader:  # a stand-in "model" that reads order: P(positive) from the last word alone
        def predict(self, sentences):
            return np.array([1.0 if tokenize(s)[-1] in ("good", "great") else 0.0 for s in sentences])

    table = baseline.order_pairs({"last word": Reader()}, fitted)
    assert list(table.columns) == ["pair", "sentence", "last word", baseline.NAME]
    assert len(table) == 2 * len(baseline.ORDER_PAIRS)
    for _, rows in table.groupby("pair"):
        assert rows[baseline.NAME].nunique() == 1
    assert table["last word"].tolist()[:2] == [0.0, 1.0]
