"""rnnlab.predict: probabilities from several models for any string, the probability after each prefix in one
batched call (equal to reading each prefix alone), and the Predict page's cleaning of its text area."""

import threading

import numpy as np
import pandas as pd
import pytest

from rnnlab import predict
from rnnlab.data import split
from rnnlab.training import MAX_TOKENS, train


@pytest.fixture(scope="module")
def runs(sentiment_df):
    """A SimpleRNN and a BiLSTM (whose backward reader must skip right-padding too), tiny and briefly trained."""
    train_df, val_df = split(sentiment_df, seed=0)
    small = dict(epochs=1, units=8, embed_dim=8, seed=0)
    return {arch: train(arch, train_df.iloc[::6], val_df.iloc[::6], **small) for arch in ("SimpleRNN", "BiLSTM")}


LESSON = ["I hate this meal!", "I love this restaurant"]


def test_probabilities_one_column_per_model_and_equal_to_the_models_own_call(runs):
    table = predict.probabilities(runs, LESSON + ["very good movie"])
    assert list(table.columns) == ["SimpleRNN", "BiLSTM"]
    assert list(table.index) == LESSON + ["very good movie"] and table.index.name == "sentence"
    assert table.dtypes.eq(np.float64).all()
    for name, run in runs.items():
        np.testing.assert_allclose(table[name], run.predict(LESSON + ["very good movie"]), atol=1e-6)
    # The sentences differ, so a trained model does not give them all the same number.
    assert table["SimpleRNN"].nunique() == 3


def test_probabilities_and_predict_equal_plain_keras_on_the_same_ids(runs):
    """Against plain Keras, not against this module: each sentence's ids, written out here from the run's own
    vocabulary (the lesson's standardisation: lower case, punctuation stripped, unknown words '[UNK]'), read
    by `model(ids)` one sentence at a time with no padding at all. predict.probabilities and
    TrainedModel.predict must give the same numbers (to float32 rounding)."""
    import tensorflow as tf

    sentences = ["I hate this meal!", "I love this restaurant", "the zzqxv was GOOD"]
    words = [["i", "hate", "this", "meal"], ["i", "love", "this", "restaurant"], ["the", "zzqxv", "was", "good"]]
    table = predict.probabilities(runs, sentences)
    for name, run in runs.items():
        index = {word: i for i, word in enumerate(run.vocabulary)}
        assert "zzqxv" not in index and index["[UNK]"] == 1  # the unknown word is read as '[UNK]'
        expected = []
        for tokens in words:
            ids = np.array([[index.get(token, 1) for token in tokens]], dtype=np.int32)
            expected.append(float(np.asarray(run.model(tf.constant(ids), training=False))[0, 0]))
        np.testing.assert_allclose(table[name].to_numpy(), expected, rtol=1e-5, atol=1e-6)
        np.testing.assert_allclose(run.predict(sentences), expected, rtol=1e-5, atol=1e-6)
        assert len(set(np.round(expected, 6))) == 3  # three different readings: the comparison can fail


def test_any_string_gets_a_probability(runs):
    odd = ["", "   ", "\t\n", "😀🙂 👍", "!!!", "x" * 100_000, "word " * 20_000, "\ud800 lone surrogate", None,
           "Mochen Yang", "ünïcödé wörds"]
    table = predict.probabilities(runs, odd)
    assert table.shape == (len(odd), 2)
    values = table.to_numpy()
    assert np.isfinite(values).all() and (values >= 0).all() and (values <= 1).all()
    # Nothing readable is read as nothing: the empty line and the spaces give the same number.
    assert table.iloc[0].tolist() == pytest.approx(table.iloc[1].tolist(), abs=1e-7)


def test_padding_does_not_change_a_sentence_probability(runs):
    alone = predict.probabilities(runs, ["I love this restaurant"])
    beside_a_long_one = predict.probabilities(runs, ["I love this restaurant", " ".join(["word"] * 60)])
    np.testing.assert_allclose(alone.iloc[0], beside_a_long_one.iloc[0], atol=1e-6)


def test_no_sentences_gives_an_empty_table_with_the_model_columns(runs):
    table = predict.probabilities(runs, [])
    assert table.shape == (0, 2) and list(table.columns) == ["SimpleRNN", "BiLSTM"]


def test_prefix_probabilities_equal_each_prefix_read_alone(runs, monkeypatch):
    calls = []
    original = predict.probabilities_for_ids
    monkeypatch.setattr(predict, "probabilities_for_ids", lambda m, ids: calls.append(ids.shape) or original(m, ids))
    sentence = "I really hate -- this  Zzyzx meal!"
    prefixes = predict.prefix_probabilities(runs, sentence)
    assert calls == [(6, 6), (6, 6)]  # one batched call per model: 6 words, 6 prefixes
    monkeypatch.undo()

    assert list(prefixes.columns) == predict.PREFIX_COLUMNS
    simple = prefixes[prefixes["model"] == "SimpleRNN"]
    assert simple["position"].tolist() == [1, 2, 3, 4, 5, 6]
    assert simple["word"].tolist() == ["I", "really", "hate", "this", "Zzyzx", "meal!"]  # '--' is no word
    assert simple["token"].tolist() == ["i", "really", "hate", "this", "[UNK]", "meal"]
    words = simple["word"].tolist()
    for name in runs:
        rows = prefixes[prefixes["model"] == name]
        alone = predict.probabilities({name: runs[name]}, [" ".join(words[:k]) for k in range(1, 7)])[name]
        np.testing.assert_allclose(rows["probability"], alone, atol=1e-5)
        full = predict.probabilities({name: runs[name]}, [sentence])[name].iloc[0]
        assert rows["probability"].iloc[-1] == pytest.approx(full, abs=1e-5)


def test_prefixes_of_a_sentence_without_words_and_of_a_very_long_one(runs):
    for nothing in ("", "   ", "!!! ... --"):
        empty = predict.prefix_probabilities(runs, nothing)
        assert empty.empty and list(empty.columns) == predict.PREFIX_COLUMNS
    long_sentence = " ".join(["good"] * (MAX_TOKENS + 50))
    prefixes = predict.prefix_probabilities({"SimpleRNN": runs["SimpleRNN"]}, long_sentence)
    assert len(prefixes) == MAX_TOKENS and prefixes["position"].max() == MAX_TOKENS  # cut like the encoder
    assert np.isfinite(prefixes["probability"]).all()


def test_concurrent_sessions_get_the_same_numbers(runs):
    expected = predict.probabilities(runs, LESSON)
    results, errors = [], []

    def session():
        try:
            for _ in range(5):
                results.append(predict.probabilities(runs, LESSON))
        except Exception as error:  # collected: an exception in a thread would otherwise be silent
            errors.append(error)

    threads = [threading.Thread(target=session) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == [] and len(results) == 20
    for result in results:
        pd.testing.assert_frame_equal(result, expected)


def test_one_reentrant_lock_per_model(runs):
    simple, bi = runs["SimpleRNN"].model, runs["BiLSTM"].model
    assert predict.model_lock(simple) is predict.model_lock(simple)
    assert predict.model_lock(simple) is not predict.model_lock(bi)
    with predict.model_lock(simple):
        with predict.model_lock(simple):  # re-entrant: gradients may call predictions while holding it
            pass


def test_clean_sentences_drops_blanks_and_says_what_it_cut():
    sentences, warnings = predict.clean_sentences("  I hate this meal!  \n\n \t \nI love this restaurant\r\n")
    assert sentences == ["I hate this meal!", "I love this restaurant"] and warnings == []

    many = "\n".join(f"sentence {i}" for i in range(25))
    sentences, warnings = predict.clean_sentences(many, max_sentences=20)
    assert sentences == [f"sentence {i}" for i in range(20)]
    assert warnings == ["Only the first 20 of 25 sentences are used."]

    sentences, warnings = predict.clean_sentences("short\n" + "y" * 2500 + "\n" + "z" * 2001, max_chars=2000)
    assert [len(s) for s in sentences] == [5, 2000, 2000]
    assert warnings == ["Sentences 2, 3 were cut to the first 2,000 characters."]
    assert predict.clean_sentences("a\n" + "b" * 30, max_chars=10)[1] == ["Sentence 2 was cut to the first 10 characters."]

    for nothing in ("", "  \n\t\n", None):
        sentences, warnings = predict.clean_sentences(nothing)
        assert sentences == [] and warnings == ["There is no sentence to read yet: type one sentence per line."]


class _Model:
    """Stands for a Keras model: predict keeps its answers per model object."""


def test_a_batch_asked_again_is_answered_once_by_the_model_and_read_back_after(monkeypatch):
    calls = []

    def call(model, ids):
        calls.append(ids.copy())
        return ids.sum(axis=1).astype(np.float64)

    monkeypatch.setattr(predict, "_call", call)
    model = _Model()
    ids = np.array([[3, 4, 0], [5, 0, 0]])
    first = predict.probabilities_for_ids(model, ids)
    first[0] = -1.0  # a caller changing its answer does not change what is kept
    again = predict.probabilities_for_ids(model, ids)
    assert again.tolist() == [7.0, 5.0] and len(calls) == 1
    assert predict.probabilities_for_ids(model, ids[:1]).tolist() == [7.0] and len(calls) == 2  # another batch
    assert predict.probabilities_for_ids(_Model(), ids).tolist() == [7.0, 5.0] and len(calls) == 3  # another model


def test_the_answers_kept_are_bounded_and_a_whole_data_set_is_not_kept(monkeypatch):
    calls = []
    monkeypatch.setattr(predict, "_call", lambda model, ids: calls.append(1) or ids[:, 0].astype(np.float64))
    monkeypatch.setattr(predict, "ANSWERS_KEPT", 2)
    model = _Model()
    for first_id in (1, 2, 3, 1):  # the first batch was dropped for the third: asked again, the model answers
        predict.probabilities_for_ids(model, np.array([[first_id, 9]]))
    assert len(calls) == 4 and len(predict.model_cache(model)["answers"]) == 2
    monkeypatch.setattr(predict, "ANSWERED_IDS_MAX", 3)
    big = np.array([[1, 2], [3, 4]])
    predict.probabilities_for_ids(model, big)
    predict.probabilities_for_ids(model, big)
    assert len(calls) == 6


def test_real_models_give_the_same_table_from_their_kept_answers(runs):
    first = predict.probabilities(runs, LESSON)
    again = predict.probabilities(runs, LESSON)
    pd.testing.assert_frame_equal(first, again)
    for name, run in runs.items():
        np.testing.assert_allclose(again[name], run.predict(LESSON), atol=1e-6)


def test_the_pages_tables_of_stored_models_are_made_once_for_every_session_and_equal_the_direct_ones(runs):
    """rnnlab.ui.predict_view: stored models (run id and checksum) share their tables; others are recomputed."""
    from rnnlab import baseline
    from rnnlab.ui import predict_view

    predict_view.clear()
    reference = baseline.for_config({})
    for number, run in enumerate(runs.values()):
        run.run_id, run.model_sha256 = f"run-{number}", f"sha-{number}"
    try:
        table = predict_view.probability_table(runs, LESSON, reference)
        direct = predict.probabilities(runs, LESSON)
        direct[baseline.NAME] = reference.predict(LESSON)
        pd.testing.assert_frame_equal(table, direct)
        assert predict_view.probability_table(dict(runs), list(LESSON), reference) is table  # another session
        assert predict_view.probability_table(runs, LESSON[:1], reference) is not table
        prefixes = predict_view.prefixes(runs, LESSON[0])
        pd.testing.assert_frame_equal(prefixes, predict.prefix_probabilities(runs, LESSON[0]))
        assert predict_view.prefixes(runs, LESSON[0]) is prefixes
        pairs, sentence = predict_view.order_pairs(runs, reference)
        pd.testing.assert_frame_equal(pairs, baseline.order_pairs(runs, reference))
        assert sentence == baseline.order_pairs_sentence(pairs, list(runs))
        # A model that is not stored (no checksum) is computed for each asker.
        runs["BiLSTM"].model_sha256 = None
        assert predict_view.prefixes(runs, LESSON[0]) is not predict_view.prefixes(runs, LESSON[0])
    finally:
        for run in runs.values():
            del run.run_id, run.model_sha256
        predict_view.clear()
