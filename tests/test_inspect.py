"""rnnlab.inspect: the unrolled cell reproduces the Keras layer's own output for every architecture, with and
without padding; the gates are what the equations say; word contributions match their definitions."""

from types import SimpleNamespace

import numpy as np
import pytest

from rnnlab import inspect
from rnnlab.models import ARCHITECTURES, build_model

VOCABULARY = ["", "[UNK]", "i", "love", "hate", "this", "restaurant", "meal", "not", "very", "good"]
INDEX = {w: i for i, w in enumerate(VOCABULARY)}
SENTENCE = "I love this restaurant, not very good meal"


def final_hidden(unrolled: dict) -> np.ndarray:
    """The state the classifier reads: the last hidden state, or [forward, backward] for a bidirectional one."""
    if "forward" in unrolled:
        parts = [unrolled["forward"]["hidden"], unrolled["backward"]["hidden"]]
        return np.concatenate([p[-1] if len(p) else np.zeros(p.shape[1]) for p in parts])
    hidden = unrolled["hidden"]
    return hidden[-1] if len(hidden) else np.zeros(hidden.shape[1])


def encode(sentences):
    rows = [[INDEX.get(w.strip(",.!").lower(), 1) for w in s.split()] for s in sentences]
    ids = np.zeros((len(rows), max(1, max(len(r) for r in rows))), dtype=np.int32)
    for i, row in enumerate(rows):
        ids[i, : len(row)] = row
    return ids


def fake_run(arch, scale=3.0, seed=0, units=6, embed_dim=5):
    """A built model with its weights scaled up, so gates saturate and tanh bends: the unroll is tested away
    from the near-linear regime of a fresh initialisation."""
    model = build_model(arch, len(VOCABULARY), embed_dim=embed_dim, units=units, seed=seed)
    model(np.ones((1, 1), dtype=np.int32))
    rng = np.random.default_rng(seed)
    for variable in model.get_layer("recurrent").weights + model.get_layer("embedding").weights:
        value = np.asarray(variable)
        variable.assign((value * scale + rng.normal(0, 0.3, value.shape)).astype(np.float32))
    return SimpleNamespace(arch=arch, model=model, vocabulary=VOCABULARY, encode=encode)


def keras_final_state(run, ids):
    model = run.model
    embedding = model.get_layer("embedding")
    x = embedding(ids)
    return np.asarray(model.get_layer("recurrent")(x, mask=embedding.compute_mask(ids)))


@pytest.mark.parametrize("arch", ARCHITECTURES)
def test_unrolled_final_state_equals_the_keras_layer(arch):
    run = fake_run(arch)
    ids = encode([SENTENCE])
    unrolled = inspect.unroll(run, SENTENCE)
    expected = keras_final_state(run, ids)[0]
    assert np.max(np.abs(final_hidden(unrolled) - expected)) < 1e-5
    # The states are not trivially small: the comparison means something.
    assert np.max(np.abs(expected)) > 0.3


@pytest.mark.parametrize("arch", ARCHITECTURES)
def test_unroll_reads_only_the_real_words_of_a_padded_batch(arch):
    run = fake_run(arch, seed=1)
    short, long = "I hate this meal", "I love this restaurant, not very good meal I love this"
    ids = encode([short, long])  # the short sentence is padded with zeros to the long one
    assert (ids[0] == 0).sum() == 7
    batch_state = keras_final_state(run, ids)
    for row, text in enumerate((short, long)):
        from_text = final_hidden(inspect.unroll(run, text))
        from_padded_ids = final_hidden(inspect.unroll(run, ids[row]))
        assert np.max(np.abs(from_text - batch_state[row])) < 1e-5
        assert np.max(np.abs(from_padded_ids - batch_state[row])) < 1e-5
    assert np.max(np.abs(batch_state[0] - batch_state[1])) > 1e-2  # two different sentences, two states


def test_lstm_arrays_follow_the_lesson_equations():
    run = fake_run("LSTM")
    u = inspect.unroll(run, SENTENCE)
    assert list(u["tokens"]) == ["i", "love", "this", "restaurant", "not", "very", "good", "meal"]
    for key in ("hidden", *inspect.GATES["LSTM"]):
        assert u[key].shape == (8, 6), key
    for gate in ("input_gate", "forget_gate", "output_gate"):
        assert 0 < u[gate].min() and u[gate].max() < 1
    previous = np.vstack([np.zeros(6), u["cell_state"][:-1]])
    np.testing.assert_allclose(u["cell_state"], u["forget_gate"] * previous + u["input_gate"] * u["cell_candidate"])
    np.testing.assert_allclose(u["hidden"], u["output_gate"] * np.tanh(u["cell_state"]))
    # Gates move from word to word (the forget gate stays high: Keras starts its bias at 1, scaled here to 3).
    assert u["input_gate"].max() - u["input_gate"].min() > 0.5
    assert u["forget_gate"].max() - u["forget_gate"].min() > 0.1


def test_gru_hidden_is_an_update_gated_average():
    run = fake_run("GRU")
    u = inspect.unroll(run, SENTENCE)
    previous = np.vstack([np.zeros(6), u["hidden"][:-1]])
    np.testing.assert_allclose(u["hidden"], u["update_gate"] * previous + (1 - u["update_gate"]) * u["candidate"])
    assert set(u) == {"tokens", "hidden", "update_gate", "reset_gate", "candidate"}


def test_bidirectional_backward_reader_runs_from_the_last_word():
    run = fake_run("BiLSTM")
    u = inspect.unroll(run, "I love this meal")
    assert list(u["forward"]["tokens"]) == ["i", "love", "this", "meal"]
    assert list(u["backward"]["tokens"]) == ["meal", "this", "love", "i"]
    # The backward reader's first step has read only 'meal': the same as a backward read of 'meal' alone.
    alone = inspect.unroll(run, "meal")
    np.testing.assert_allclose(u["backward"]["hidden"][0], alone["backward"]["hidden"][0], atol=1e-12)
    np.testing.assert_allclose(u["forward"]["hidden"][0], inspect.unroll(run, "I")["forward"]["hidden"][0])
    gates = inspect.mean_gate_by_word(u)
    assert list(gates["reader"].unique()) == ["forward", "backward"]
    assert list(gates[gates.reader == "backward"]["position"]) == [4, 3, 2, 1]
    np.testing.assert_allclose(gates[gates.reader == "forward"]["value"], u["forward"]["forget_gate"].mean(axis=1))


def test_simple_rnn_has_no_gate_line_and_empty_sentence_is_empty():
    run = fake_run("SimpleRNN")
    assert inspect.mean_gate_by_word(inspect.unroll(run, SENTENCE)).empty
    empty = inspect.unroll(run, "")
    assert empty["hidden"].shape == (0, 6)
    assert np.all(final_hidden(empty) == 0)


def probability(run, ids):
    return float(np.asarray(run.model(np.asarray([ids], dtype=np.int32)))[0, 0])


@pytest.mark.parametrize("arch", ["LSTM", "BiGRU"])
def test_word_contributions_match_their_definitions(arch):
    run = fake_run(arch, scale=2.0, seed=2)
    table = inspect.word_contributions(run, SENTENCE)
    ids = list(encode([SENTENCE])[0])
    assert list(table.columns) == inspect.CONTRIBUTION_COLUMNS
    assert list(table["word"]) == SENTENCE.split()
    full = probability(run, ids)
    assert table.attrs["probability"] == pytest.approx(full, abs=1e-6)
    for i in (0, 3, 7):
        without = probability(run, ids[:i] + ids[i + 1 :])
        assert table["leave_one_out"][i] == pytest.approx(full - without, abs=1e-5)
    # gradient x input is the derivative of P along each word's own embedding: compare with finite differences.
    embedding = run.model.get_layer("embedding")
    recurrent, classifier = run.model.get_layer("recurrent"), run.model.get_layer("classifier")
    x = np.asarray(embedding(np.asarray([ids], dtype=np.int32)), dtype=np.float32)
    for i in (0, 5):
        values = []
        for alpha in (1.01, 0.99):
            scaled = x.copy()
            scaled[0, i] *= alpha
            values.append(float(np.asarray(classifier(recurrent(scaled)))[0, 0]))
        numeric = (values[0] - values[1]) / 0.02
        assert table["gradient_x_input"][i] == pytest.approx(numeric, abs=2e-3 + 0.02 * abs(numeric))
    assert table["leave_one_out"].abs().max() > 1e-3


def test_word_contributions_of_nothing():
    run = fake_run("GRU")
    table = inspect.word_contributions(run, "!!!")
    assert table.empty and np.isnan(table.attrs["probability"])


def test_every_array_has_a_title_and_an_equation():
    for arch in ARCHITECTURES:
        kind = inspect.cell_kind(arch)
        assert set(inspect.EQUATIONS[kind]) == {"hidden", *inspect.GATES[kind]}
        assert set(inspect.EQUATIONS[kind]) <= set(inspect.TITLES)


@pytest.fixture(scope="module")
def trained_runs():
    """One small model per architecture trained by rnnlab.training.train on real reviews (3 epochs at Adam's 0.01,
    8 units): trained far enough that its states are far from a fresh initialisation's near-zero ones."""
    from rnnlab.data import load_sentiment, split
    from rnnlab.training import train

    train_df, val_df = split(load_sentiment().sample(600, random_state=0), seed=0)
    return {arch: train(arch, train_df, val_df, epochs=3, batch_size=32, embed_dim=8, units=8, learning_rate=0.01,
                        seed=0)
            for arch in ARCHITECTURES}, list(val_df["text"][:6])


@pytest.mark.parametrize("arch", ARCHITECTURES)
def test_unroll_of_a_model_trained_by_train_equals_its_keras_layer(arch, trained_runs):
    runs, sentences = trained_runs
    run = runs[arch]
    ids = np.asarray(run.encode(sentences))  # padded to the longest of the six real validation reviews
    assert (ids == 0).any() and (ids != 0).sum(axis=1).min() >= 1
    batch_state = keras_final_state(run, ids)
    for row, sentence in enumerate(sentences):
        unrolled = inspect.unroll(run, sentence)
        assert len(unrolled["tokens"]) == (ids[row] != 0).sum()
        assert np.max(np.abs(final_hidden(unrolled) - batch_state[row])) < 1e-5
    assert np.max(np.abs(batch_state)) > 0.3  # trained states, not all near zero
    assert max(run.history["accuracy"]) > 0.6  # it did learn something from the reviews


def test_the_lstm_note_prints_the_measured_range_of_f_plus_i():
    """The LSTM's cell state is a gated sum: f + i is not 1 in general, and the note quotes its real range."""
    u = inspect.unroll(fake_run("LSTM"), SENTENCE)
    total = u["forget_gate"] + u["input_gate"]
    assert total.max() - total.min() > 0.2  # independent gates: their sum moves
    note = inspect.gate_sum_note(u)
    assert note.startswith("**A gated sum, not an average.**")
    assert f"runs from {total.min():.2f} to {total.max():.2f} (mean {total.mean():.2f})" in note
    assert f"for {np.mean(np.abs(total - 1) < 0.05):.0%} of them" in note
    # The state really is f C + i C~, not an average: rebuild it from the gates.
    previous = np.vstack([np.zeros(6), u["cell_state"][:-1]])
    np.testing.assert_allclose(u["cell_state"], u["forget_gate"] * previous + u["input_gate"] * u["cell_candidate"])


def test_the_gru_note_is_a_weighted_average_in_keras_convention_and_names_cho():
    u = inspect.unroll(fake_run("GRU"), SENTENCE)
    note = inspect.gate_sum_note(u)
    z = u["update_gate"]
    assert note.startswith("**A true weighted average.**")
    assert f"z_t runs from {z.min():.2f} to {z.max():.2f}, mean {z.mean():.2f}" in note
    assert "Cho et al. (2014)" in note and "their z is Keras' 1 − z" in note
    # Keras' z weighs the past (test_gru_hidden_is_an_update_gated_average): with z -> 1 the state stays.
    assert inspect.gate_sum_note(inspect.unroll(fake_run("SimpleRNN"), SENTENCE)) == ""


@pytest.mark.parametrize("arch", ["GRU", "BiLSTM"])
def test_readers_name_a_bidirectional_models_two_readers(arch):
    unrolled = inspect.unroll(fake_run(arch), SENTENCE)
    readers = inspect.readers(unrolled)
    if arch.startswith("Bi"):
        assert [name for name, _ in readers] == ["forward", "backward"]
        assert readers[0][1] is unrolled["forward"] and readers[1][1] is unrolled["backward"]
    else:
        assert readers == [(None, unrolled)]
