"""Bad input on every page: empty, 100,000-character, emoji-only and unknown-word sentences wherever a sentence is
typed; numbers outside their widgets' ranges wherever numbers are kept; a strange address; a double-clicked
Train. Each page must answer with a sentence (or a sensible value), never an exception.

Pages that need a model use one stored, untrained SimpleRNN (tests.test_runs.fake_run): no training needed.
"""

import math

import pytest

from rnnlab import runs
from rnnlab.data import make_vectorizer
from rnnlab.ui import widgets
from rnnlab.ui.state import StateKeys
from tests.pages.conftest import button, open_page, own_jobs, texts
from tests.test_runs import fake_run

EMPTY, EMOJI, UNKNOWN = "", "😀🎉🔥", "Mochen Yang zzqx"
LONG = "good " * 20_000  # 100,000 characters
SENTENCES = {"empty": EMPTY, "long": LONG, "emoji": EMOJI, "unknown": UNKNOWN}


@pytest.fixture(scope="module")
def stored_model(sentiment_df, tmp_path_factory):
    """One stored SimpleRNN in a store of this module's own."""
    folder = tmp_path_factory.mktemp("runs")
    vectorizer = make_vectorizer(sentiment_df["text"].iloc[::10])
    stored = runs.save(fake_run("SimpleRNN", vectorizer), dict(arch="SimpleRNN", subset=200, units=8, embed_dim=8,
                                                                epochs=2), folder)
    return folder, stored.id


@pytest.fixture
def with_model(stored_model, monkeypatch):
    folder, run_id = stored_model
    monkeypatch.setenv("RNNLAB_RUNS_DIR", str(folder))
    return {StateKeys.STORED_RUN_IDS: [run_id]}


def markdown(at) -> str:
    return "\n".join(texts(at.markdown))


# ----------------------------------------------------------------------------------------------------------
# Sentences


@pytest.mark.parametrize("kind", SENTENCES)
def test_data_page_turns_any_sentence_into_token_ids(kind):
    at = open_page("data", {StateKeys.DATA_SENTENCE: SENTENCES[kind]})
    assert not at.exception
    shown = markdown(at)
    expected = {
        "empty": "No words: only spaces, punctuation or nothing.",
        "long": "(20,000 words in all)",
        "emoji": "Token ids: **[1]**",  # one unknown 'word'
        "unknown": "Token ids: **[1, 1, 1]**",
    }[kind]
    assert expected in shown
    if kind == "long":
        assert "Token ids: **[19, 19, 19" in shown  # 'good' is token 19; only the first 100 are listed
        assert len(at.dataframe[0].value) == 100


@pytest.mark.parametrize("kind", SENTENCES)
def test_predict_page_reads_any_sentence(with_model, kind):
    at = open_page("predict", {**with_model, StateKeys.PREDICT_TEXT: SENTENCES[kind]})
    assert not at.exception
    if kind == "empty":
        assert "There is no sentence to read yet" in at.warning[0].body
        assert len(at.table) == 0
        return
    table = at.table[0].value
    probability = float(table["SimpleRNN, 2 epochs, embedding 8, 8 units, 200 sentences"].iloc[0])
    assert 0.0 <= probability <= 1.0 and not math.isnan(probability)
    if kind == "long":
        assert "cut to the first 2,000 characters" in at.warning[0].body


@pytest.mark.parametrize("kind", SENTENCES)
def test_inside_the_cell_page_unrolls_any_sentence(with_model, kind):
    at = open_page("inside_cell", {**with_model, StateKeys.INSIDE_SENTENCE: SENTENCES[kind][:400]})
    assert not at.exception
    if kind == "empty":
        assert any("no words the vectorizer keeps" in i.body for i in at.info)
    else:
        assert "P(positive) = " in markdown(at)


def test_typing_a_long_sentence_into_the_data_and_predict_boxes(with_model):
    at = open_page("data")
    at.text_input(key=StateKeys.DATA_SENTENCE).input(LONG).run()
    assert not at.exception and "(20,000 words in all)" in markdown(at)
    at = open_page("predict", with_model)
    at.text_area(key=StateKeys.PREDICT_TEXT).input(f"{EMOJI}\n\n{UNKNOWN}\n{LONG}").run()
    assert not at.exception
    assert len(at.table[0].value) == 3  # three sentences, the blank line dropped


# ----------------------------------------------------------------------------------------------------------
# Numbers out of range


def test_train_page_pulls_remembered_numbers_back_into_range_and_refuses_bad_settings():
    at = open_page("train", {StateKeys.TRAIN_UNITS: 100_000, StateKeys.TRAIN_EPOCHS: -3,
                             StateKeys.TRAIN_EMBED_DIM: "many", StateKeys.TRAIN_BATCH_SIZE: float("nan"),
                             StateKeys.TRAIN_SEED: 2.7, StateKeys.TRAIN_DROPOUT: 7, StateKeys.TRAIN_CLIP_NORM: 0.0,
                             StateKeys.TRAIN_EARLY_STOPPING: "x"})
    assert not at.exception
    values = {n.label: n.value for n in at.number_input}
    assert values == {"Units": 256, "Epochs": 1, "Embedding size": 64, "Batch size": 32, "Seed": 3,
                      "Dropout on embeddings": 0.9, "Clip gradient norm": 0.01, "Early stopping patience": None}
    # Settings that slip past the widgets (here a session's overrides) are refused with the reason.
    at.session_state[StateKeys.CONFIG_OVERRIDES] = {"units": 10**6}
    button(at, "Train").click().run()
    assert not at.exception
    assert "units must be between 8 and 256, got 1000000" in at.error[0].body
    assert own_jobs(at) == []


def test_the_widget_bounds_kept_in_range_are_the_widgets_own():
    train = open_page("train")
    by_key = {n.key: (n.min, n.max) for n in train.number_input}
    parameters = open_page("parameters")
    by_key.update({s.key: (s.min, s.max) for s in parameters.slider})
    gradients = open_page("gradients")
    by_key.update({s.key: (s.min, s.max) for s in gradients.slider})
    long_range = open_page("long_range")
    by_key.update({s.key: (s.min, s.max) for s in [*long_range.slider, *long_range.number_input]})
    assert {key: by_key[key] for key in widgets.WIDGET_BOUNDS} == {
        key: tuple(type(by_key[key][0])(b) for b in bounds) for key, bounds in widgets.WIDGET_BOUNDS.items()}


def test_long_range_page_with_settings_its_widgets_do_not_offer():
    at = open_page("long_range", {StateKeys.LONGRANGE_LAG: 500, StateKeys.LONGRANGE_SEED: -4,
                                  StateKeys.LONGRANGE_LEARNING_RATE: 0.5,
                                  StateKeys.LONGRANGE_ARCHS: ["Transformer", "GRU", "LSTM"]})
    assert not at.exception, [e.message for e in at.exception]
    assert at.slider(key=StateKeys.LONGRANGE_LAG).value == 120
    assert at.number_input(key=StateKeys.LONGRANGE_SEED).value == 0
    assert at.select_slider(key=StateKeys.LONGRANGE_LEARNING_RATE).value == 0.01
    assert at.multiselect(key=StateKeys.LONGRANGE_ARCHS).value == ["LSTM", "GRU"]  # known ones, in the page's order
    at.session_state[StateKeys.LONGRANGE_ARCHS] = "LSTM"  # not even a list
    at.run()
    assert not at.exception
    assert at.multiselect(key=StateKeys.LONGRANGE_ARCHS).value == []
    assert button(at, "Train").disabled


def test_parameters_page_with_out_of_range_sizes_shows_the_nearest_allowed_ones():
    at = open_page("parameters", {StateKeys.PARAMS_VOCAB: 10**9, StateKeys.PARAMS_EMBED_DIM: -5,
                                  StateKeys.PARAMS_UNITS: float("inf")})
    assert not at.exception
    sliders = {s.label: s.value for s in at.slider}
    assert sliders == {"Vocabulary size": 20000, "Embedding size (d)": 8, "Units (h)": 128}


def test_gradients_page_with_an_out_of_range_w_and_t():
    at = open_page("gradients", {StateKeys.GRADIENTS_W: 7.0, StateKeys.GRADIENTS_T: -3})
    assert not at.exception
    assert (at.slider(key=StateKeys.GRADIENTS_W).value, at.slider(key=StateKeys.GRADIENTS_T).value) == (1.5, 1)
    at.slider(key=StateKeys.GRADIENTS_T).set_value(200).run()
    assert "explodes" in markdown(at)


# ----------------------------------------------------------------------------------------------------------
# The address and the Train button


@pytest.mark.parametrize("value", ["banana", "", "1" * 10_000], ids=["word", "empty", "10000-ones"])
def test_home_page_with_a_strange_present_parameter(value):
    from streamlit.testing.v1 import AppTest

    from tests.pages.conftest import ROOT

    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.query_params["present"] = value
    at.run()
    assert not at.exception
    assert at.toggle(key=StateKeys.PRESENTER_TOGGLE).value is False
    assert texts(at.title) == ["RNN Lab: recurrent networks that read sentiment"]


def test_a_double_clicked_train_button_starts_one_training():
    at = open_page("train", {StateKeys.CONFIG_OVERRIDES: {"subset": 200}, StateKeys.TRAIN_UNITS: 8,
                             StateKeys.TRAIN_EMBED_DIM: 8, StateKeys.TRAIN_EPOCHS: 30, StateKeys.TRAIN_SEED: 11})
    train = button(at, "Train")
    train.click().run()
    train.click().run()  # the second click of the pair, sent before the page redrew
    assert not at.exception
    owner = at.session_state[StateKeys.SESSION_ID]
    started = own_jobs(at)
    assert len(started) == 1 and at.session_state[StateKeys.JOB_IDS] == [started[0].id]
    started[0].stop()
    assert started[0].wait(120)
