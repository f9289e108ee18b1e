"""The "What the embedding learned" page: without a model, the quick-train offer; with trained models, the trained
and untrained maps of the chosen model (exactly rnnlab.embeddings' numbers), the separability sentence, and a
word's neighbours, with a clear warning for a word outside the vocabulary."""

import numpy as np

from rnnlab import embeddings, jobs
from rnnlab.config import load_split
from rnnlab.ui.state import StateKeys
from tests.pages.conftest import GRU_NAME, SIMPLE_RNN_NAME
from tests.pages.conftest import button, figures, open_page, texts


def test_without_a_model_the_page_offers_quick_train():
    at = open_page("embeddings")
    assert texts(at.title) == ["What the embedding learned"]
    assert "No model trained in this session yet" in at.info[0].body
    button(at, "Quick train")
    assert not at.get("plotly_chart")


def test_maps_separability_and_neighbours_of_the_chosen_model(trained_session):
    at = open_page("embeddings", trained_session)
    assert at.selectbox(key=StateKeys.EMBED_MODEL).options == [SIMPLE_RNN_NAME, GRU_NAME]
    at.selectbox(key=StateKeys.EMBED_MODEL).set_value(GRU_NAME).run()
    at.slider(key=StateKeys.EMBED_MIN_COUNT).set_value(3).run()
    assert not at.exception, [e.message for e in at.exception]
    job = next(j for j in map(jobs.get, trained_session[StateKeys.JOB_IDS]) if j.config["arch"] == "GRU")
    expected = embeddings.compare(job.result, 3, sentences=load_split(job.config)[0])
    maps = figures(at)
    assert [m["layout"]["title"]["text"] for m in maps] == [
        f"Trained ({len(expected['trained']):,} words)", f"Untrained ({len(expected['untrained']):,} words)"]
    assert f"**{GRU_NAME}**: its embedding after training, beside the same architecture untrained." in texts(at.markdown)
    for chart, state in zip(maps, ("trained", "untrained")):
        frame = expected[state].iloc[::-1]
        assert chart["data"][0]["text"] == frame["word"].tolist()
        np.testing.assert_allclose(chart["data"][0]["x"], frame["x"], rtol=1e-6)
    sentence = embeddings.separability_sentence(expected["separability"]["trained"],
                                                expected["separability"]["untrained"])
    assert sentence in texts(at.markdown)
    neighbours = [frame.value for frame in at.dataframe]
    assert neighbours[0]["word"].tolist() == embeddings.neighbours(job.result, "great")["word"].tolist()
    assert neighbours[1]["word"].tolist() == embeddings.neighbours(job.result, "great", trained=False)["word"].tolist()

    at.text_input(key=StateKeys.EMBED_WORD).input("zzqxv").run()
    assert not at.exception
    assert "'zzqxv' is not in this model's vocabulary" in at.warning[0].body
    assert not at.dataframe  # nothing else changes: no stale neighbour tables
    assert len(figures(at)) == 2
