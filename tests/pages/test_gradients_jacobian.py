"""The Gradients page's measured Jacobian chain (issue 4): ||dh_T/dh_t|| for every trained model and its
untrained twin, by distance from the last word, starting at 1 (h_T itself)."""

from tests.pages.conftest import figures, open_page, GRU_NAME, SIMPLE_RNN_NAME


def test_the_jacobian_chain_has_one_line_per_model_and_training_state(trained_session):
    at = open_page("gradients", trained_session)
    chains = [f for f in figures(at) if "survives" in f["layout"]["title"]["text"]]
    assert len(chains) == 1, [f["layout"]["title"]["text"] for f in figures(at)]
    traces = chains[0]["data"]
    assert [t["name"] for t in traces] == [SIMPLE_RNN_NAME, GRU_NAME, "SimpleRNN untrained", "GRU untrained"]
    for trace in traces:
        assert trace["x"] == list(range(20))  # distances 0..19: the sentences have at least 20 words
        assert trace["y"][0] == 1.0  # dh_T/dh_T is the identity
        assert all(0 < y for y in trace["y"])
    assert any("The chain itself" in m.value for m in at.markdown)
