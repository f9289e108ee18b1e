"""The Parameters page: the lesson's totals at the defaults, live updates from the sliders, the gate-by-gate
ledger, and Keras' own count_params() agreeing when asked for."""

from rnnlab.ui.state import StateKeys
from tests.pages.conftest import button, figures, open_page, texts


def test_the_four_architectures_side_by_side_match_the_lesson():
    at = open_page("parameters")
    assert texts(at.title) == ["Parameters: what each architecture pays for its memory"]
    assert [(s.label, s.value, s.min, s.max) for s in at.slider] == [
        ("Vocabulary size", 5404, 1000, 20000),
        ("Embedding size (d)", 64, 8, 128),
        ("Units (h)", 128, 8, 256),
    ]
    comparison = at.dataframe[0].value.set_index("architecture")
    assert comparison["total"].to_dict() == {"SimpleRNN": 370689, "LSTM": 444801, "GRU": 420481, "BiLSTM": 543745}
    assert comparison["recurrent"].to_dict() == {"SimpleRNN": 24704, "LSTM": 98816, "GRU": 74496, "BiLSTM": 197632}
    whole, recurrent_only, treemap = figures(at)
    assert [trace["name"] for trace in whole["data"]][0] == "embedding"
    assert "embedding" not in [trace["name"] for trace in recurrent_only["data"]]
    assert treemap["data"][0]["type"] == "treemap"


def test_the_sliders_update_the_ledger_live():
    at = open_page("parameters")
    at.slider(key=StateKeys.PARAMS_VOCAB).set_value(1000)
    at.slider(key=StateKeys.PARAMS_UNITS).set_value(16).run()
    comparison = at.dataframe[0].value.set_index("architecture")
    # (64 + 16 + 1) x 16 = 1,296 for the SimpleRNN; 1000 x 64 embedding; Dense 16 + 1.
    assert comparison.loc["SimpleRNN", "total"] == 64000 + 1296 + 17
    assert comparison.loc["LSTM", "recurrent"] == 4 * 1296
    assert comparison.loc["GRU", "recurrent"] == 3 * (64 + 16 + 2) * 16


def test_one_architecture_gate_by_gate():
    at = open_page("parameters")
    ledger = at.dataframe[1].value
    assert list(ledger["gate"].unique()) == ["", "input gate", "forget gate", "cell candidate", "output gate"]
    assert ledger["count"].sum() == 444801
    assert {m.label: m.value for m in at.metric} == {"LSTM total": "444,801"}
    at.segmented_control(key=StateKeys.PARAMS_ARCH).set_value("GRU").run()
    ledger = at.dataframe[1].value
    assert ledger["count"].sum() == 420481
    assert set(ledger.loc[ledger["gate"] == "reset gate", "part"]) >= {"input bias", "recurrent bias"}


def test_keras_agrees_when_asked():
    at = open_page("parameters")
    assert len(at.dataframe) == 2  # no Keras table until the button is pressed
    at.slider(key=StateKeys.PARAMS_UNITS).set_value(32).run()
    button(at, "Count with Keras").click().run()
    keras = at.dataframe[2].value
    assert list(keras["architecture"]) == ["SimpleRNN", "LSTM", "GRU", "BiLSTM", "BiGRU"]
    assert keras["agree"].all()
    assert keras.loc[0, "Keras count_params()"] == 5404 * 64 + (64 + 32 + 1) * 32 + 33


def test_the_question_about_doubling_the_units_quotes_the_page_own_numbers():
    at = open_page("parameters")
    answer = next(e for e in at.expander if e.label == "Show the answer").markdown[0].value
    at.slider(key=StateKeys.PARAMS_UNITS).set_value(256).run()
    wide = at.dataframe[0].value.set_index("architecture").loc["LSTM"]
    assert (wide["recurrent"], wide["classifier"], wide["total"]) == (328704, 257, 674817)
    for number in ("98,816", "328,704", "129 to 257", "674,817", "16,384 to 65,536"):
        assert number in answer


def test_each_trained_model_shows_its_own_ledger_beside_the_lessons(trained_session):
    """The trained models' vocabulary is their training sentences' (train() adapts on those only): the page's
    counts equal the models' own embedding rows and Keras' count_params(), the lesson's row the same sizes with
    the vocabulary of all the sentences."""
    from rnnlab import jobs

    at = open_page("parameters", trained_session)
    table = next(d.value for d in at.dataframe if "model" in d.value.columns).set_index("model")
    for job_id in trained_session[StateKeys.JOB_IDS]:
        job = jobs.get(job_id)
        name = job.snapshot().label  # the run's one name (rnnlab.runs.run_name)
        own, lesson = table.loc[name], table.loc[f"{name}, the lesson's vocabulary"]
        train_df, _ = jobs.load_split(job.config)
        assert own["vocabulary"] == len(job.result.vocabulary) == job.result.model.get_layer("embedding").input_dim
        assert own["total"] == job.result.model.count_params()
        assert own["sentences"] == len(train_df) < lesson["sentences"] == 3000
        assert lesson["vocabulary"] == 5404 > own["vocabulary"]
        assert lesson["embedding"] - own["embedding"] == (5404 - own["vocabulary"]) * job.config["embed_dim"]
        assert lesson["recurrent"] == own["recurrent"]
    assert any("training sentences only" in text for text in texts(at.markdown))


def test_without_a_trained_model_the_page_says_where_the_ledger_will_be():
    at = open_page("parameters")
    assert any("its own ledger appears here" in c.value for c in at.caption)
