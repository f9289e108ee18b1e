"""rnnlab.gradients: the toy matches its closed forms; measured gradient norms are positive, finite, aligned on
each sentence's last word and unchanged by padding (the Jacobian chain: tests/test_jacobians.py; the words for
the curves: tests/test_gradient_curves.py)."""

import warnings

import numpy as np
import pytest

from rnnlab import gradients
from rnnlab.data import split
from rnnlab.models import build_model
from rnnlab.training import train


# ----------------------------------------------------------------------------------------------------------
# The toy


def test_toy_matches_the_closed_forms():
    toy = gradients.toy(0.9, 200, h0=2.0)
    assert list(toy.columns) == ["t", "h", "dh_dw"] and len(toy) == 201
    row = toy.set_index("t").loc[50]
    assert row["h"] == pytest.approx(2.0 * 0.9**50, rel=1e-12)
    assert row["dh_dw"] == pytest.approx(2.0 * 50 * 0.9**49, rel=1e-12)
    assert toy["h"].iloc[0] == 2.0 and toy["dh_dw"].iloc[0] == 0.0  # h_0 does not depend on w
    assert toy.attrs == {"w": 0.9, "h0": 2.0}
    assert gradients.toy(1.1, 10)["dh_dw"].iloc[10] == pytest.approx(10 * 1.1**9)


def test_toy_is_finite_without_warnings_over_the_pages_range():
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # an overflow or underflow warning would fail the test
        for w in (0.5, 0.9, 1.0, 1.1, 1.5):
            toy = gradients.toy(w, 200)
            assert np.isfinite(toy[["h", "dh_dw"]].to_numpy()).all()
    assert gradients.toy(1.5, 200)["h"].iloc[-1] == pytest.approx(1.5**200)  # ~1.6e35
    assert gradients.toy(0.5, 200)["h"].iloc[-1] == pytest.approx(0.5**200)  # ~6e-61, not 0
    with pytest.raises(ValueError):
        gradients.toy(0.9, -1)


def test_toy_regions_name_the_first_step_past_each_threshold():
    toy = gradients.toy(0.9, 200)
    t = gradients.toy_regions(toy)["vanishing_from"]
    g = toy["dh_dw"].abs()
    assert g[t] < gradients.VANISHING_BELOW <= g[t - 1]
    assert t > 1 / -np.log(0.9)  # after the peak of t 0.9^(t-1): the factor t first makes it grow
    assert gradients.toy_regions(toy)["exploding_from"] is None
    toy = gradients.toy(1.1, 200)
    t = gradients.toy_regions(toy)["exploding_from"]
    assert toy["dh_dw"][t] > gradients.EXPLODING_ABOVE >= toy["dh_dw"][t - 1]
    assert gradients.toy_regions(gradients.toy(1.0, 200)) == {"vanishing_from": None, "exploding_from": None}


W_GRID = np.round(np.arange(0.5, 1.5 + 1e-9, 0.01), 2)  # every w the page's slider offers


@pytest.mark.parametrize("w", [0.9, 0.95, 0.97, 0.99])
def test_w_below_one_vanishes_within_the_sliders_range(w):
    verdict = gradients.toy_verdict(w, gradients.T_MAX)
    toy = gradients.toy(w, gradients.T_MAX)
    assert verdict["kind"] == "vanishes"
    assert verdict["from_t"] == gradients.toy_regions(toy)["vanishing_from"] <= gradients.T_MAX
    g = toy["dh_dw"].abs()
    assert g[verdict["from_t"]] < gradients.VANISHING_BELOW <= g[verdict["from_t"] - 1]
    assert f"**vanishes** (below 0.001) from t = {verdict['from_t']}." in verdict["message"]


@pytest.mark.parametrize("w", [1.01, 1.03, 1.05])
def test_w_above_one_explodes_within_the_sliders_range(w):
    verdict = gradients.toy_verdict(w, gradients.T_MAX)
    toy = gradients.toy(w, gradients.T_MAX)
    assert verdict["kind"] == "explodes"
    assert verdict["from_t"] == gradients.toy_regions(toy)["exploding_from"]
    assert toy["dh_dw"][verdict["from_t"]] > gradients.EXPLODING_ABOVE >= toy["dh_dw"][verdict["from_t"] - 1]


@pytest.mark.parametrize("t_max", [1, 10, 150, 1000, 1001, gradients.T_MAX])
def test_w_of_exactly_one_is_neither_at_every_t(t_max):
    verdict = gradients.toy_verdict(1.0, t_max)
    assert verdict["kind"] == "neither" and verdict["from_t"] is None
    assert "Neither" in verdict["message"] and "in proportion to t" in verdict["message"]
    assert gradients.toy(1.0, t_max)["h"].eq(1.0).all()


def test_the_message_is_right_for_every_w_and_t_the_sliders_allow():
    """Over the whole w grid and a spread of t: the verdict agrees with the toy's own values at that t, and a
    "not yet" names the t from which it happens (which the t slider reaches)."""
    for w in W_GRID:
        full = gradients.toy_regions(gradients.toy(w, gradients.T_MAX))
        if w != 1.0:
            assert gradients.first_crossing(w) == full
        for t_max in (1, 5, 20, 100, 150, 200, 500, 2000, gradients.T_MAX):
            verdict = gradients.toy_verdict(w, t_max)
            seen = gradients.toy_regions(gradients.toy(w, t_max))
            if w == 1.0:
                assert verdict["kind"] == "neither"
                continue
            key = "vanishing_from" if w < 1 else "exploding_from"
            assert full[key] is not None and full[key] <= gradients.T_MAX, w  # every w gets there on the page
            other = "exploding_from" if w < 1 else "vanishing_from"
            assert seen[other] is None  # w < 1 never explodes (its peak is below 40), w > 1 never vanishes
            if seen[key] is not None:
                assert verdict["kind"] == ("vanishes" if w < 1 else "explodes")
                assert verdict["from_t"] == seen[key]
            else:
                assert verdict["kind"] == "not yet" and verdict["from_t"] == full[key] > t_max
                assert f"Move t to {full[key]} or more." in verdict["message"]


# ----------------------------------------------------------------------------------------------------------
# Measured on real models


@pytest.fixture(scope="module")
def data(sentiment_df):
    return split(sentiment_df, seed=0)


@pytest.fixture(scope="module")
def runs(data):
    """An LSTM and a GRU, tiny and briefly trained (one epoch on an eighth of the training set)."""
    train_df, val_df = data
    return {arch: train(arch, train_df.iloc[::8], val_df.iloc[::8], epochs=1, units=8, embed_dim=8, seed=0)
            for arch in ("LSTM", "GRU")}


def test_gradient_norms_are_positive_finite_and_one_per_distance(runs, data):
    run = runs["LSTM"]
    sentences = ["I love this restaurant", "the food was not good at all and I will not come back"]
    ids = run.encode(sentences)
    norms = gradients.gradient_norm_by_step(run, ids, [1, 0])
    assert norms.shape == (13,)  # the longest sentence's words
    assert np.isfinite(norms).all() and (norms > 0).all()


def test_gradient_norms_are_aligned_on_each_sentences_last_word(runs):
    run = runs["GRU"]
    short, long = "I love this restaurant", "the food was not good at all and I will not come back"
    alone_short = gradients.gradient_norm_by_step(run, run.encode([short]), [1])
    alone_long = gradients.gradient_norm_by_step(run, run.encode([long]), [0])
    both = gradients.gradient_norm_by_step(run, run.encode([short, long]), [1, 0])
    # Distances both sentences reach average the two; beyond the short one's first word only the long one counts.
    np.testing.assert_allclose(both[:4], (alone_short + alone_long[:4]) / 2, rtol=1e-5)
    np.testing.assert_allclose(both[4:], alone_long[4:], rtol=1e-5)
    # Extra padding columns change nothing: masked steps are neither read nor counted.
    padded = np.pad(run.encode([short]), ((0, 0), (0, 7)))
    np.testing.assert_allclose(gradients.gradient_norm_by_step(run.model, padded, [1]), alone_short, rtol=1e-6)


def test_gradient_norms_equal_the_keras_loss_gradient(runs):
    """The logit form of the loss gives the same gradient as Keras' own binary cross-entropy on P(positive)
    (a tiny, unsure model, so Keras' clipping of probabilities does not bite)."""
    import keras
    import tensorflow as tf

    run = runs["LSTM"]
    ids = run.encode(["the food was not good at all"])
    embedding = run.model.get_layer("embedding")
    x = embedding(ids)
    with tf.GradientTape() as tape:
        tape.watch(x)
        final = run.model.get_layer("recurrent")(x, mask=embedding.compute_mask(ids))
        probability = run.model.get_layer("classifier")(final)
        loss = keras.losses.binary_crossentropy(tf.constant([[0.0]]), probability)
    expected = tf.norm(tape.gradient(loss, x)[0], axis=-1).numpy()[::-1]  # by distance from the last word
    np.testing.assert_allclose(gradients.gradient_norm_by_step(run, ids, [0]), expected, rtol=1e-4)


def test_measured_gradients_trained_and_untrained_on_long_validation_sentences(runs, data):
    _, val_df = data
    run = runs["LSTM"]
    ids, labels = gradients.long_sentences(run, val_df, min_words=20, max_sentences=30)
    assert len(ids) == 30 and (np.count_nonzero(ids, axis=1) >= 20).all() and set(labels) <= {0, 1}

    tidy = gradients.measured_gradients(run, val_df, min_words=20, max_sentences=30, name="my LSTM")
    assert list(tidy.columns) == gradients.GRADIENT_COLUMNS
    assert tidy["trained"].tolist() == [True] * 20 + [False] * 20
    assert tidy["distance"].tolist() == list(range(20)) * 2
    assert set(tidy["model"]) == {"my LSTM"} and set(tidy["arch"]) == {"LSTM"}
    assert np.isfinite(tidy["gradient_norm"]).all() and (tidy["gradient_norm"] > 0).all()
    trained = tidy[tidy["trained"]]["gradient_norm"].to_numpy()
    untrained = tidy[~tidy["trained"]]["gradient_norm"].to_numpy()
    assert not np.allclose(trained, untrained)  # training changed the weights, so the gradients too
    np.testing.assert_allclose(trained, gradients.gradient_norm_by_step(run, ids, labels)[:20])

    longer = gradients.measured_gradients(run, val_df, min_words=20, max_sentences=30, max_distance=25)
    assert longer["distance"].max() == 24
    nothing = gradients.measured_gradients(run, val_df, min_words=500)
    assert nothing.empty and list(nothing.columns) == gradients.GRADIENT_COLUMNS


def test_the_untrained_twin_is_the_same_architecture_freshly_initialised(runs):
    run = runs["GRU"]
    twin = gradients.untrained_twin(run)
    assert twin.count_params() == run.model.count_params()
    fresh = build_model("GRU", run.vocab_size, embed_dim=8, units=8, seed=run.config["seed"])
    for a, b in zip(twin.get_weights(), fresh.get_weights()):
        np.testing.assert_array_equal(a, b)
    assert not all(np.array_equal(a, b) for a, b in zip(twin.get_weights(), run.model.get_weights()))
