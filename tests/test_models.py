"""build_model reproduces the lesson's architectures and parameter counts exactly."""

import numpy as np
import pytest

from rnnlab.models import ARCHITECTURES, build_model

LESSON_TOTALS = {"SimpleRNN": 370_689, "LSTM": 444_801, "GRU": 420_481, "BiLSTM": 543_745}
LESSON_RECURRENT = {"SimpleRNN": 24_704, "LSTM": 98_816, "GRU": 74_496, "BiLSTM": 197_632}


def test_lesson_architectures_are_offered():
    assert set(LESSON_TOTALS) <= set(ARCHITECTURES)


@pytest.mark.parametrize("arch", list(LESSON_TOTALS))
def test_lesson_parameter_counts(arch):
    model = build_model(arch, 5404)
    assert model.count_params() == LESSON_TOTALS[arch]
    assert model.get_layer("embedding").count_params() == 5404 * 64 == 345_856
    assert model.get_layer("recurrent").count_params() == LESSON_RECURRENT[arch]
    assert model.get_layer("classifier").count_params() == (257 if arch == "BiLSTM" else 129)


@pytest.mark.parametrize("arch", ARCHITECTURES)
def test_output_is_a_probability_per_sentence_and_padding_is_ignored(arch):
    model = build_model(arch, 50, embed_dim=8, units=6, seed=3)
    short = np.array([[5, 7, 9]], dtype="int32")
    padded = np.array([[5, 7, 9, 0, 0, 0]], dtype="int32")
    p_short, p_padded = model(short).numpy(), model(padded).numpy()
    assert p_short.shape == (1, 1)
    assert 0.0 < p_short[0, 0] < 1.0
    # mask_zero=True: right padding changes nothing, for both reading directions.
    np.testing.assert_allclose(p_short, p_padded, atol=1e-6)


def test_same_seed_same_weights_different_seed_different_weights():
    a, b, c = (build_model("GRU", 30, 4, 5, seed=s) for s in (1, 1, 2))
    for wa, wb in zip(a.get_weights(), b.get_weights()):
        np.testing.assert_array_equal(wa, wb)
    assert any(not np.array_equal(wa, wc) for wa, wc in zip(a.get_weights(), c.get_weights()))


def test_bidirectional_readers_start_from_different_weights():
    layer = build_model("BiLSTM", 30, 4, 5, seed=1).get_layer("recurrent")
    forward, backward = layer.forward_layer.get_weights()[0], layer.backward_layer.get_weights()[0]
    assert not np.array_equal(forward, backward)


@pytest.mark.parametrize("bad", [dict(arch="Transformer"), dict(vocab_size=1), dict(units=0), dict(embed_dim=2.5)])
def test_bad_arguments_are_clear_errors(bad):
    args = dict(arch="LSTM", vocab_size=100, embed_dim=8, units=8) | bad
    with pytest.raises(ValueError, match="architecture|vocab_size|units|embed_dim"):
        build_model(**args)
