"""The Inside the cell page: with no model, the offer to quick-train; with trained models, one heatmap (units x
words) per gate and state of the chosen model with its equation, the gate line, and the coloured words."""

import numpy as np

from rnnlab import inspect, jobs
from rnnlab.ui.state import StateKeys
from tests.pages.conftest import ROOT, button, figures, texts, GRU_NAME, SIMPLE_RNN_NAME

PAGE = "pages/inside_cell.py"
MODEL, SENTENCE = "inside.model", "inside.sentence"


def open_alone(state=None):
    """The page by itself (its place in app.py's navigation is tested in the browser)."""
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(ROOT / PAGE), default_timeout=120)
    for key, value in (state or {}).items():
        at.session_state[key] = value
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def equations(at):
    """The st.latex blocks' LaTeX (Streamlit keeps them as markdown between $$ lines)."""
    return [e.value.strip().removeprefix("$$").removesuffix("$$").strip() for e in at.get("latex")]


def html_bodies(at):
    return [e.proto.body for e in at.get("html")]


def test_without_a_model_the_page_offers_quick_train():
    at = open_alone()
    assert texts(at.title) == ["Inside the cell: gates and states, word by word"]
    assert "No model trained in this session yet" in at.info[0].body
    button(at, "Quick train")
    assert not at.get("plotly_chart")
    assert any("Think about it" in h.value for h in at.subheader)  # the page still ends with its question


def test_gru_shows_every_gate_with_its_equation(trained_session):
    at = open_alone(trained_session)
    assert at.selectbox(key=MODEL).options == [SIMPLE_RNN_NAME, GRU_NAME]
    at.selectbox(key=MODEL).set_value(GRU_NAME).run()
    at.text_input(key=SENTENCE).input("the food was great").run()
    assert not at.exception
    charts = figures(at)
    heatmaps = [c for c in charts if c["data"][0]["type"] == "heatmap"]
    assert [h["layout"]["title"]["text"] for h in heatmaps] == [
        "update gate z_t", "reset gate r_t", "candidate h̃_t", "hidden state h_t"]
    for heatmap in heatmaps:  # 8 units (the tiny test models) x 4 words
        assert np.array(heatmap["data"][0]["z"]).shape == (8, 4)
        assert heatmap["layout"]["xaxis"]["ticktext"] == ["the", "food", "was", "great"]
    # The heatmaps and the gate line hold exactly what inspect.unroll computes.
    run = next(job.result for job in map(jobs.get, trained_session[StateKeys.JOB_IDS]) if job.config["arch"] == "GRU")
    unrolled = inspect.unroll(run, "the food was great")
    np.testing.assert_allclose(np.array(heatmaps[-1]["data"][0]["z"]), unrolled["hidden"].T, atol=1e-6)
    assert equations(at) == list(inspect.EQUATIONS["GRU"].values())
    gate_line = next(c for c in charts if c["data"][0]["type"] == "scatter")
    np.testing.assert_allclose(gate_line["data"][0]["y"], unrolled["update_gate"].mean(axis=1), atol=1e-6)
    # The note under the equations: a true weighted average, Keras' convention against Cho et al.'s, its numbers
    # the unrolled update gate's.
    assert inspect.gate_sum_note(unrolled) in texts(at.markdown)
    assert f"z_t runs from {unrolled['update_gate'].min():.2f}" in inspect.gate_sum_note(unrolled)
    leave_one_out, gradient_x_input = html_bodies(at)
    for body in (leave_one_out, gradient_x_input):
        assert body.count("<span") == 4 and ">great</span>" in body
    assert any("P(positive) = " in m.value for m in at.markdown)


def test_simple_rnn_has_one_heatmap_and_no_gate_line(trained_session):
    at = open_alone(trained_session)
    at.selectbox(key=MODEL).set_value(SIMPLE_RNN_NAME).run()
    charts = figures(at)
    assert [c["data"][0]["type"] for c in charts] == ["heatmap"]
    assert equations(at) == [inspect.EQUATIONS["SimpleRNN"]["hidden"]]


def test_a_sentence_without_words_is_reported(trained_session):
    at = open_alone(trained_session)
    at.text_input(key=SENTENCE).input("!!! ???").run()
    assert "no words the vectorizer keeps" in at.info[0].body
    assert not at.get("plotly_chart")


def test_the_most_active_units_are_shown_and_the_rest_folded_until_asked(trained_session, monkeypatch):
    from rnnlab.charts import cell as charts_cell

    monkeypatch.setattr(charts_cell, "MOST_ACTIVE_UNITS", 3)  # the tiny models have 8 units
    at = open_alone(trained_session)
    at.selectbox(key=MODEL).set_value(GRU_NAME).run()
    at.text_input(key=SENTENCE).input("the food was not great").run()
    heatmaps = [c for c in figures(at) if c["data"][0]["type"] == "heatmap"]
    run = next(job.result for job in map(jobs.get, trained_session[StateKeys.JOB_IDS]) if job.config["arch"] == "GRU")
    unrolled = inspect.unroll(run, "the food was not great")
    units = charts_cell.most_active_units(unrolled, 3)
    for heatmap in heatmaps:
        assert np.array(heatmap["data"][0]["z"]).shape == (3, 5)
        assert heatmap["layout"]["yaxis"]["ticktext"] == [str(u) for u in units]
    np.testing.assert_allclose(np.array(heatmaps[-1]["data"][0]["z"]), unrolled["hidden"][:, units].T, atol=1e-6)
    assert any("The 3 most active of 8 units" in c.value and "5 more are folded away" in c.value for c in at.caption)
    # The gate line's caption describes this sentence's own gate values.
    gates = inspect.mean_gate_by_word(unrolled)
    assert any(charts_cell.gate_dip_caption(gates) in c.value for c in at.caption)
    lowest = gates.loc[gates["value"].idxmin(), "word"]
    assert any(f"at '{lowest}'" in c.value for c in at.caption)
    at.toggle(key=StateKeys.INSIDE_ALL_UNITS).set_value(True).run()
    heatmaps = [c for c in figures(at) if c["data"][0]["type"] == "heatmap"]
    assert all(np.array(h["data"][0]["z"]).shape == (8, 5) for h in heatmaps)
    assert any(c.value == "All 8 units." for c in at.caption)
