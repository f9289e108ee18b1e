"""The Predict page: with no model, the offer to quick-train; with trained models, one probability column per
model for the lesson's two sentences, a bar per model and sentence, and the word-by-word lines."""

from rnnlab import jobs
from rnnlab.ui.state import StateKeys
from tests.pages.conftest import button, figures, open_page, texts, GRU_NAME, SIMPLE_RNN_NAME


def test_without_a_model_the_page_says_so_and_quick_train_starts_the_lessons_four():
    at = open_page("predict")
    assert texts(at.title) == ["Predict: how sure is each network?"]
    assert "No model trained in this session yet" in at.info[0].body
    button(at, "Quick train").click().run()
    started = jobs.jobs_for(at.session_state[StateKeys.SESSION_ID])
    try:
        assert [job.config["arch"] for job in started] == ["SimpleRNN", "LSTM", "GRU", "BiLSTM"]
        assert {job.config["epochs"] for job in started} == {3}
        assert "Training is under way" in at.info[0].body
        assert len(at.get("progress")) >= 4  # one bar per queued or running job, in the page
    finally:
        for job in started:
            jobs.stop(job.id)
        for job in started:
            job.wait(60)


def test_the_table_has_one_column_per_trained_model(trained_session):
    at = open_page("predict", trained_session)
    assert at.text_area(key=StateKeys.PREDICT_TEXT).value == "I hate this meal!\nI love this restaurant"
    table = at.table[0].value
    assert list(table.columns) == [SIMPLE_RNN_NAME, GRU_NAME]
    assert list(table.index) == ["I hate this meal!", "I love this restaurant"]
    assert ((table >= 0) & (table <= 1)).all().all()
    bars, prefixes = figures(at)
    assert [trace["name"] for trace in bars["data"]] == [SIMPLE_RNN_NAME, GRU_NAME]
    assert all(len(trace["y"]) == 2 for trace in bars["data"])
    # Word by word, the last sentence by default: one point per word and model.
    assert at.selectbox(key=StateKeys.PREDICT_SENTENCE).value == "I love this restaurant"
    assert [len(trace["y"]) for trace in prefixes["data"]] == [4, 4]


def test_typed_sentences_update_the_table_and_bad_input_is_reported(trained_session):
    at = open_page("predict", trained_session)
    at.text_area(key=StateKeys.PREDICT_TEXT).input("great\n\n   \n!!!\n" + "x" * 3000).run()
    assert not at.exception
    table = at.table[0].value
    assert len(table) == 3 and list(table.columns) == [SIMPLE_RNN_NAME, GRU_NAME]
    assert any("cut to the first 2,000 characters" in w.body for w in at.warning)
    at.selectbox(key=StateKeys.PREDICT_SENTENCE).set_value("!!!").run()
    assert "no words the vectorizer keeps" in at.info[0].body
    at.text_area(key=StateKeys.PREDICT_TEXT).input("   ").run()
    assert not at.table and "no sentence to read" in at.warning[0].body
