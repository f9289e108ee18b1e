"""The Predict page: with no model, the offer to quick-train; with trained models, one probability column per
model for the lesson's two sentences, a bar per model and sentence, and the word-by-word lines."""

import numpy as np

from rnnlab import baseline, jobs
from rnnlab.ui.state import StateKeys
from tests.pages.conftest import button, figures, open_page, own_jobs, texts, GRU_NAME, SIMPLE_RNN_NAME


def test_without_a_model_the_page_says_so_and_quick_train_starts_the_lessons_four():
    at = open_page("predict")
    assert texts(at.title) == ["Predict: how sure is each network?"]
    assert "No model trained in this session yet" in at.info[0].body
    button(at, "Quick train").click().run()
    started = own_jobs(at)
    try:
        assert [job.config["arch"] for job in started] == ["SimpleRNN", "LSTM", "GRU", "BiLSTM"]
        assert {job.config["epochs"] for job in started} == {3}
        assert "Training is under way" in at.info[0].body
        assert len(at.get("progress")) >= 4  # one bar per queued or running job, in the page
    finally:
        for job in started:
            job.stop()
        for job in started:
            job.wait(60)


def test_the_table_has_one_column_per_trained_model(trained_session):
    at = open_page("predict", trained_session)
    assert at.text_area(key=StateKeys.PREDICT_TEXT).value == "I hate this meal!\nI love this restaurant"
    table = at.table[0].value
    assert list(table.columns) == [SIMPLE_RNN_NAME, GRU_NAME, "Bag of words"]
    assert list(table.index) == ["I hate this meal!", "I love this restaurant"]
    assert ((table >= 0) & (table <= 1)).all().all()
    job = jobs.get(trained_session[StateKeys.JOB_IDS][0])
    reference = baseline.for_config(job.config)
    assert np.allclose(table["Bag of words"], reference.predict(list(table.index)))
    bars, prefixes = figures(at)
    assert [trace["name"] for trace in bars["data"]] == [SIMPLE_RNN_NAME, GRU_NAME, "Bag of words"]
    assert all(len(trace["y"]) == 2 for trace in bars["data"])
    # Word by word, the last sentence by default: one point per word and model.
    assert at.selectbox(key=StateKeys.PREDICT_SENTENCE).value == "I love this restaurant"
    assert [len(trace["y"]) for trace in prefixes["data"]] == [4, 4]


def test_typed_sentences_update_the_table_and_bad_input_is_reported(trained_session):
    at = open_page("predict", trained_session)
    at.text_area(key=StateKeys.PREDICT_TEXT).input("great\n\n   \n!!!\n" + "x" * 3000).run()
    assert not at.exception
    table = at.table[0].value
    assert len(table) == 3 and list(table.columns) == [SIMPLE_RNN_NAME, GRU_NAME, "Bag of words"]
    assert any("cut to the first 2,000 characters" in w.body for w in at.warning)
    at.selectbox(key=StateKeys.PREDICT_SENTENCE).set_value("!!!").run()
    assert "no words the vectorizer keeps" in at.info[0].body
    at.text_area(key=StateKeys.PREDICT_TEXT).input("   ").run()
    assert not at.table and "no sentence to read" in at.warning[0].body


def test_shuffling_the_words_moves_the_recurrent_answers_not_the_baselines(trained_session):
    at = open_page("predict", trained_session)
    at.text_area(key=StateKeys.PREDICT_TEXT).input("the food was not good and the service was slow").run()
    assert len(at.table) == 1
    at.toggle(key=StateKeys.PREDICT_SHUFFLE).set_value(True).run()
    assert not at.exception
    both = at.table[1].value
    mixed = baseline.shuffled("the food was not good and the service was slow", seed=0)
    assert list(both.index) == ["as typed: the food was not good and the service was slow", f"shuffled: {mixed}"]
    assert both["Bag of words"].iloc[0] == both["Bag of words"].iloc[1]
    change = (both.iloc[1] - both.iloc[0]).abs()
    line = next(t for t in texts(at.markdown) if t.startswith("Shuffled, the recurrent models' answers move"))
    largest = change.drop("Bag of words").max()
    assert f"by up to {largest:.3f}" in line and largest > 0


def test_the_word_order_pairs_are_computed(trained_session):
    at = open_page("predict", trained_session)
    pairs = next(d.value for d in at.dataframe if "pair" in d.value.columns)
    assert list(pairs["sentence"])[:2] == ["not good, just bad", "not bad, just good"]
    assert list(pairs.columns) == ["pair", "sentence", SIMPLE_RNN_NAME, GRU_NAME, "Bag of words"]
    gaps = pairs.groupby("pair")[[SIMPLE_RNN_NAME, GRU_NAME, "Bag of words"]].agg(lambda v: v.max() - v.min()).max()
    assert gaps["Bag of words"] == 0
    line = next(t for t in texts(at.markdown) if t.startswith("Each pair has the same words"))
    assert f"{SIMPLE_RNN_NAME} {gaps[SIMPLE_RNN_NAME]:.3f}, {GRU_NAME} {gaps[GRU_NAME]:.3f}; Bag of words 0.000" in line


def test_the_word_by_word_selector_follows_a_newly_typed_sentence(trained_session):
    at = open_page("predict", trained_session)
    assert at.selectbox(key=StateKeys.PREDICT_SENTENCE).value == "I love this restaurant"
    at.selectbox(key=StateKeys.PREDICT_SENTENCE).set_value("I hate this meal!").run()
    # A new sentence typed (in the middle): the selector follows it, not the old choice or the last line.
    at.text_area(key=StateKeys.PREDICT_TEXT).input("I hate this meal!\nThe soup was cold\nI love this restaurant").run()
    assert at.selectbox(key=StateKeys.PREDICT_SENTENCE).value == "The soup was cold"
    _, prefixes = figures(at)
    assert [len(trace["y"]) for trace in prefixes["data"]] == [4, 4]
    # Nothing new (a line removed): the choice stays while it is still there.
    at.text_area(key=StateKeys.PREDICT_TEXT).input("The soup was cold\nI love this restaurant").run()
    assert at.selectbox(key=StateKeys.PREDICT_SENTENCE).value == "The soup was cold"
    assert not [i for i in at.info if "[UNK]" in i.body]


def test_a_sentence_of_unknown_words_says_the_models_saw_only_unk(trained_session):
    at = open_page("predict", trained_session)
    at.text_area(key=StateKeys.PREDICT_TEXT).input("I love this restaurant\nMochen Yang Zqxw").run()
    assert at.selectbox(key=StateKeys.PREDICT_SENTENCE).value == "Mochen Yang Zqxw"
    notes = [i.body for i in at.info if "[UNK]" in i.body]
    assert len(notes) == 1
    assert f"outside the vocabulary of {SIMPLE_RNN_NAME}, {GRU_NAME}" in notes[0] and "(3 of them)" in notes[0]
    assert "says nothing about what these words mean" in notes[0]
    _, prefixes = figures(at)
    assert [len(trace["y"]) for trace in prefixes["data"]] == [3, 3]


def test_the_coloured_table_is_made_once_for_every_session_that_shows_it(trained_session, monkeypatch):
    """Two sessions showing the same probabilities: the pandas Styler is built (and marshalled) once, the second
    session gets the recorded element, with the same labels, values and colours; other sentences get their own."""
    from rnnlab import charts
    from rnnlab.ui import predict_view

    made = []
    real = charts.probability_table_style
    monkeypatch.setattr(charts, "probability_table_style", lambda table: made.append(table.shape) or real(table))
    predict_view._table_element.clear()
    first, second = open_page("predict", trained_session), open_page("predict", trained_session)
    assert made == [(2, 3)]
    assert first.table[0].value.equals(second.table[0].value)
    assert first.table[0].proto == second.table[0].proto  # the colours travel in the element's styler
    second.text_area(key=StateKeys.PREDICT_TEXT).set_value("What a great film").run()
    assert made == [(2, 3), (1, 3)] and list(second.table[0].value.index) == ["What a great film"]
