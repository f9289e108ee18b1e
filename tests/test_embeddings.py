"""rnnlab.embeddings: lean, PCA, neighbours and separability, on synthetic data where the answer is known and on
a model trained on the real reviews (the trained map separates lean; the untrained one does not)."""

import numpy as np
import pandas as pd
import pytest

from rnnlab import embeddings
from rnnlab.data import tokenize
from rnnlab.config import load_split, train_from_config

SMALL = dict(arch="GRU", epochs=4, units=32, embed_dim=32)


@pytest.fixture(scope="module")
def trained_run():
    return train_from_config(SMALL)


class FakeRun:
    """Only what word_statistics reads: a vocabulary ('' and [UNK] first)."""

    vocabulary = ["", "[UNK]", "good", "bad", "the"]


def test_lean_is_the_smoothed_log_odds_corrected_for_balance():
    sentences = pd.DataFrame({"text": ["the good good", "good", "the bad", "bad movie", "the bad"],
                              "label": [1, 1, 0, 0, 0]})
    stats = embeddings.word_statistics(FakeRun(), sentences).set_index("word")
    assert list(stats.index) == ["good", "bad", "the"]
    assert stats.loc["good", "count"] == 3 and stats.loc["the", "count"] == 3 and stats.loc["bad", "count"] == 3
    prior = np.log((2 + 1) / (3 + 1))  # 2 positive, 3 negative sentences
    # 'good' is in 2 positive sentences (counted once each) and no negative one.
    assert stats.loc["good", "lean"] == pytest.approx(np.log(3 / 1) - prior)
    assert stats.loc["bad", "lean"] == pytest.approx(np.log(1 / 4) - prior)
    assert stats.loc["the", "lean"] == pytest.approx(np.log(2 / 3) - prior)


def test_pca_finds_the_direction_of_largest_variance():
    rng = np.random.default_rng(0)
    points = rng.normal(size=(500, 3)) * [10.0, 3.0, 0.1]
    rotation = np.linalg.qr(rng.normal(size=(3, 3)))[0]
    coords = embeddings.pca_2d(points @ rotation.T)
    assert coords.shape == (500, 2)
    np.testing.assert_allclose(coords.mean(axis=0), 0, atol=1e-9)
    # The first component is the axis of variance 100 (up to the sign and the sample's small correlations).
    assert abs(np.corrcoef(coords[:, 0], points[:, 0])[0, 1]) > 0.999
    assert np.std(coords[:, 0]) > 3 * np.std(coords[:, 1])


def test_logistic_regression_separates_separable_points_and_not_noise():
    rng = np.random.default_rng(1)
    x = rng.normal(size=(400, 2))
    line = pd.DataFrame({"x": x[:, 0], "y": x[:, 1], "count": 10, "lean": x[:, 0] + 0.5 * x[:, 1]})
    assert embeddings.separability(line)["accuracy"] > 0.97
    noise = line.assign(lean=rng.normal(size=400))
    assert abs(embeddings.separability(noise)["accuracy"] - 0.5) < 0.1
    rare = line.assign(count=4)  # seen fewer than 5 times: not scored
    assert embeddings.separability(rare)["words"] == 0


def test_projection_of_a_trained_run(trained_run):
    train_df, _ = load_split(SMALL)
    frame = embeddings.projection(trained_run)
    assert list(frame.columns) == ["word", "x", "y", "count", "lean"]
    assert len(frame) == trained_run.vocab_size - 2  # every word but padding and [UNK] occurs in training
    assert frame["count"].is_monotonic_decreasing and frame.loc[0, "word"] == "the"
    # Every word of every training sentence is counted (no [UNK] in training: the vocabulary is its words).
    assert frame["count"].sum() == sum(len(tokenize(t)) for t in train_df["text"])
    frequent = embeddings.projection(trained_run, min_count=5)
    assert frequent["count"].min() >= 5 and len(frequent) < len(frame)
    untrained = embeddings.projection(trained_run, trained=False)
    assert list(untrained["word"]) == list(frame["word"])
    assert not np.allclose(untrained["x"], frame["x"])


def test_training_sorts_the_embedding_by_lean(trained_run):
    result = embeddings.compare(trained_run)
    after, before = result["separability"]["trained"], result["separability"]["untrained"]
    assert after["words"] == before["words"] > 500
    assert before["accuracy"] < 0.62  # random vectors: about what guessing the larger side gives
    assert after["accuracy"] > before["accuracy"] + 0.12
    sentence = embeddings.separability_sentence(after, before)
    assert f"{after['accuracy']:.0%}" in sentence and f"{before['accuracy']:.0%}" in sentence


def test_neighbours_by_cosine_similarity(trained_run):
    table = embeddings.neighbours(trained_run, "Great!", k=10)
    assert list(table.columns) == ["word", "similarity"] and len(table) == 10
    assert "great" not in set(table["word"]) and not {"", "[UNK]"} & set(table["word"])
    assert table["similarity"].is_monotonic_decreasing and table["similarity"].iloc[0] <= 1 + 1e-9
    matrix = embeddings.embedding_matrix(trained_run)
    index = trained_run.vocabulary.index
    a, b = matrix[index("great")], matrix[index(table["word"].iloc[0])]
    assert table["similarity"].iloc[0] == pytest.approx(a @ b / np.linalg.norm(a) / np.linalg.norm(b))
    before = embeddings.neighbours(trained_run, "great", trained=False)
    assert list(before["word"]) != list(table["word"])


@pytest.mark.parametrize("word, message", [("zzqxv", "not in this model's vocabulary"),
                                           ("two words", "Type one word"), ("!!", "Type one word")])
def test_a_word_outside_the_vocabulary_is_refused_with_the_reason(trained_run, word, message):
    with pytest.raises(ValueError, match=message):
        embeddings.neighbours(trained_run, word)
