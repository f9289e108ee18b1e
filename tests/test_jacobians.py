"""rnnlab.jacobians: the Jacobian chain equals a direct tape.jacobian through the unrolled cell, for every kind
of cell, and averages by distance over several sentences and models."""

from types import SimpleNamespace

import numpy as np
import pytest

from rnnlab import jacobians
from rnnlab.models import build_model
from tests.test_gradients import data, runs  # noqa: F401  the same two tiny trained models (fixtures)


def _stand_in(arch, vocabulary_from):
    """An untrained model of `arch` wearing a run's vocabulary: enough for the Jacobian checks."""
    model = build_model(arch, vocabulary_from.vocab_size, embed_dim=8, units=8, seed=3)
    return SimpleNamespace(arch=arch, model=model, encode=vocabulary_from.encode, config={"seed": 3})


def _direct_jacobian_norms(model, ids, distances):
    """||dh_T/dh_t|| the slow, obvious way: unroll the forward cell with every h_t replaced by a watched copy and
    ask the tape for the Jacobian of h_T with respect to each. Also returns the unrolled h_T, to check the unroll
    against the layer itself."""
    import tensorflow as tf

    recurrent = model.get_layer("recurrent")
    cell = getattr(recurrent, "forward_layer", recurrent).cell
    x = model.get_layer("embedding")(tf.constant(ids[None, :]))
    state = [tf.zeros((1, s)) for s in np.atleast_1d(cell.state_size)]
    watched = []
    with tf.GradientTape(persistent=True) as tape:
        for step in range(len(ids)):
            _, state = cell(x[:, step], state)
            state = list(state) if isinstance(state, (list, tuple)) else [state]
            state[0] = tf.identity(state[0])  # h after step + 1 words
            tape.watch(state[0])
            watched.append(state[0])
        last = state[0]
    norms = []
    for distance in distances:
        # One gradient per unit of h_T (no vectorisation): independent of the code under test.
        jacobian = tape.jacobian(last, watched[len(ids) - 1 - distance], experimental_use_pfor=False)
        norms.append(np.linalg.norm(jacobian.numpy().reshape(last.shape[1], -1), ord=2))
    return norms, last.numpy()[0]


@pytest.mark.parametrize("arch", ["SimpleRNN", "LSTM", "GRU", "BiLSTM"])
def test_jacobian_chain_equals_a_direct_jacobian(arch, runs):
    run = runs[arch] if arch in runs else _stand_in(arch, runs["LSTM"])
    sentence = "the food was not good at all, never again"
    ids = run.encode([sentence])[0]
    ids = ids[ids != 0]
    chain = jacobians.jacobian_chain(run, sentence)
    assert chain.shape == (9,) and chain[0] == pytest.approx(1.0)
    assert np.isfinite(chain).all() and (chain > 0).all()
    direct, last = _direct_jacobian_norms(run.model, ids, distances=(1, 8))
    np.testing.assert_allclose(chain[[1, 8]], direct, rtol=1e-4)
    if not arch.startswith("Bi"):  # the unroll reads exactly as the layer does
        layer_output = run.model.get_layer("recurrent")(run.model.get_layer("embedding")(ids[None, :]))
        np.testing.assert_allclose(last, layer_output.numpy()[0], atol=1e-5)
    # Token ids work as well as text, padding included.
    np.testing.assert_allclose(jacobians.jacobian_chain(run.model, np.pad(ids, (0, 4))), chain)


def test_jacobian_chains_average_by_distance_for_several_models(runs):
    sentences = ["I love this restaurant", "the food was not good at all and I will not come back", "!!!"]
    tidy = jacobians.jacobian_chains(runs, sentences)
    assert list(tidy.columns) == jacobians.JACOBIAN_COLUMNS
    assert tidy.groupby(["model", "trained"]).size().to_dict() == {("GRU", True): 13, ("LSTM", True): 13}
    with_twin = jacobians.jacobian_chains({"LSTM": runs["LSTM"]}, sentences[:1], include_untrained=True)
    assert with_twin["trained"].tolist() == [True] * 4 + [False] * 4
    assert not np.allclose(with_twin["jacobian_norm"][1:4], with_twin["jacobian_norm"][5:8])
    lstm = tidy[(tidy["model"] == "LSTM") & tidy["trained"]].set_index("distance")["jacobian_norm"]
    short = jacobians.jacobian_chain(runs["LSTM"], sentences[0])
    long = jacobians.jacobian_chain(runs["LSTM"], sentences[1])
    assert lstm[0] == pytest.approx(1.0)
    assert lstm[3] == pytest.approx((short[3] + long[3]) / 2)
    assert lstm[10] == pytest.approx(long[10])
    assert jacobians.jacobian_chains(runs, ["!!!"]).empty
    assert jacobians.jacobian_chains(runs, sentences, max_distance=5)["distance"].max() == 4
