"""The Gradients page: the w^t toy follows its sliders and names where the gradient vanishes or explodes; with
trained models, one measured line per model plus its untrained twin."""

from rnnlab import gradient_curves, gradients
from rnnlab.ui.state import StateKeys
from tests.pages.conftest import figures, open_page, texts, GRU_NAME, SIMPLE_RNN_NAME


def test_the_toy_marks_where_the_gradient_vanishes_and_explodes():
    at = open_page("gradients")
    assert texts(at.title) == ["Gradients: why long sentences are hard to learn from"]
    assert [(s.label, s.value, s.min, s.max) for s in at.slider] == [("w", 0.9, 0.5, 1.5),
                                                                      ("t (steps)", 150, 1, 5000)]
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


def test_the_toy_says_not_yet_neither_and_turns_its_t_axis_logarithmic():
    at = open_page("gradients")
    at.slider(key=StateKeys.GRADIENTS_W).set_value(0.97).run()
    needed = gradients.toy_regions(gradients.toy(0.97, gradients.T_MAX))["vanishing_from"]
    assert 150 < needed <= gradients.T_MAX
    assert any(f"Move t to {needed} or more." in text for text in texts(at.markdown))
    assert figures(at)[0]["layout"]["xaxis"].get("type") != "log"  # 150 steps: a plain axis
    at.slider(key=StateKeys.GRADIENTS_T).set_value(gradients.T_MAX).run()
    assert f"The gradient **vanishes** (below 0.001) from t = {needed}." in texts(at.markdown)
    toy = figures(at)[0]
    assert toy["layout"]["xaxis"]["type"] == "log" and len(toy["data"][0]["x"]) == gradients.T_MAX + 1
    at.slider(key=StateKeys.GRADIENTS_W).set_value(1.0).run()
    assert any(text.startswith("**Neither**, with w = 1 exactly") for text in texts(at.markdown))
    assert not any(text.startswith("The gradient **") for text in texts(at.markdown))


def test_measured_gradients_draw_each_model_and_its_untrained_twin(trained_session):
    at = open_page("gradients", trained_session)
    toy, measured = figures(at)[:2]  # the others: test_gradients_jacobian.py, test_gradients_training.py
    names = [trace["name"] for trace in measured["data"]]
    # One untrained reference per architecture, named after it.
    assert names == [SIMPLE_RNN_NAME, GRU_NAME, "SimpleRNN untrained", "GRU untrained"]
    assert all(len(trace["y"]) == 20 and min(trace["y"]) > 0 for trace in measured["data"])
    assert "Train a BiLSTM to compare" in " ".join(texts(at.markdown))  # no BiLSTM among these two
    assert "feed-forward" in " ".join(texts(at.markdown))


def test_the_text_under_the_measured_chart_follows_its_curves(trained_session):
    at = open_page("gradients", trained_session)
    _, measured, *_, chain = figures(at)  # between them: the gradient over training (test_gradients_training.py)
    words = " ".join(texts(at.markdown))
    for trace in measured["data"]:
        ratio = trace["y"][-1] / trace["y"][0]
        label = "untrained" if trace["name"].endswith("(untrained)") else "trained"
        trend = gradient_curves.trend(ratio)
        assert f"{label}, its line {trend} from the last word to the 19th before it (x{ratio:.2g})" in words
    assert f"The chain, line by line: **{SIMPLE_RNN_NAME}**" in words
    assert "does not by itself prevent *exploding* ones" in words
