"""The Gradients page: the w^t toy follows its sliders and names where the gradient vanishes or explodes; with
trained models, one measured line per model plus its untrained twin."""

from rnnlab import gradients
from rnnlab.ui.state import StateKeys
from tests.pages.conftest import figures, open_page, texts, GRU_NAME, SIMPLE_RNN_NAME


def test_the_toy_marks_where_the_gradient_vanishes_and_explodes():
    at = open_page("gradients")
    assert texts(at.title) == ["Gradients: why long sentences are hard to learn from"]
    assert [(s.label, s.value, s.min, s.max) for s in at.slider] == [("w", 0.9, 0.5, 1.5), ("t (steps)", 150, 1, 200)]
    (toy,) = figures(at)
    h_trace, gradient_trace = toy["data"]
    assert len(h_trace["y"]) == 151
    assert gradient_trace["y"][150] == abs(gradients.toy(0.9, 150)["dh_dw"].iloc[150])
    expected = gradients.toy_regions(gradients.toy(0.9, 150))["vanishing_from"]
    assert expected is not None and 50 < expected < 150
    assert f"The gradient **vanishes** (below 0.001) from t = {expected}." in texts(at.markdown)
    at.slider(key=StateKeys.GRADIENTS_W).set_value(1.2).run()
    expected = gradients.toy_regions(gradients.toy(1.2, 150))["exploding_from"]
    assert f"The gradient **explodes** (above 1000) from t = {expected}." in texts(at.markdown)
    assert "No model trained in this session yet" in at.info[0].body


def test_measured_gradients_draw_each_model_and_its_untrained_twin(trained_session):
    at = open_page("gradients", trained_session)
    toy, measured, _ = figures(at)  # the third, the Jacobian chain: tests/pages/test_gradients_jacobian.py
    names = [trace["name"] for trace in measured["data"]]
    assert names == [SIMPLE_RNN_NAME, GRU_NAME, f"{SIMPLE_RNN_NAME} (untrained)", f"{GRU_NAME} (untrained)"]
    assert all(len(trace["y"]) == 20 and min(trace["y"]) > 0 for trace in measured["data"])
    assert "Train a BiLSTM to compare" in " ".join(texts(at.markdown))  # no BiLSTM among these two
    assert "feed-forward" in " ".join(texts(at.markdown))
