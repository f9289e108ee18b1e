"""The Home page: the learning path in order with a link per page, the data set's status, the question."""

import pytest
import streamlit

from tests.pages.conftest import figures, open_page, texts


def test_home_shows_the_learning_path_in_the_lessons_order():
    at = open_page("home")
    assert texts(at.title) == ["RNN Lab: recurrent networks that read sentiment"]
    assert [link.label for link in at.main.get("page_link")] == [
        "1. Data", "2. Train", "3. Parameters", "4. Predict", "5. Gradients", "6. Inside the cell",
        "7. What the embedding learned", "8. Long-range dependencies",
    ]
    assert [link.proto.page for link in at.main.get("page_link")] == [
        "data", "train", "parameters", "predict", "gradients", "inside_cell", "embeddings", "long_range"
    ]


def test_every_page_of_the_navigation_is_on_the_path_in_the_navigations_order(monkeypatch):
    """What app.py hands st.navigation, recorded as it runs, against Home's links: the same pages, same order."""
    navigated = []
    navigation = streamlit.navigation

    def recording(pages, **kwargs):
        navigated[:] = [(page.url_path, page.title) for page in pages]
        return navigation(pages, **kwargs)

    monkeypatch.setattr(streamlit, "navigation", recording)
    at = open_page("home")
    links = [(link.proto.page, link.label.split(". ", 1)[1]) for link in at.main.get("page_link")]
    assert len(navigated) == 10 and navigated[0] == ("", "Home")  # the default page has the empty address
    assert navigated[1] == ("lesson", "Lesson")  # the lesson walks the path itself (issue 31), so it is not on it
    assert navigated[2:] == links


def test_home_says_the_data_set_is_ready_with_its_size():
    at = open_page("home")
    assert len(at.success) == 1
    assert "3000 sentences (1000 amazon, 1000 imdb, 1000 yelp)" in at.success[0].value
    assert "Data set: 3000 sentences" in " ".join(texts(at.sidebar.markdown))
    assert "Models: none yet" in texts(at.sidebar.markdown)


def test_home_says_how_to_get_the_data_when_it_is_missing(tmp_path, monkeypatch):
    monkeypatch.setenv("RNNLAB_DATA_DIR", str(tmp_path))
    at = open_page("home")
    assert len(at.warning) == 1 and len(at.success) == 0
    guidance = " ".join(texts(at.markdown))
    assert "RNNLAB_DATA_DIR" in guidance and "UCI Machine Learning Repository" in guidance
    assert "Data set missing: see Home" in " ".join(texts(at.sidebar.markdown))


def test_home_ends_with_a_question_and_its_answer_folded():
    at = open_page("home")
    assert "Think about it" in texts(at.subheader)[-1]
    assert [e.label for e in at.expander] == ["Show the answer"]
    assert "parameter sharing" in " ".join(texts(at.expander[0].markdown))


def test_home_draws_the_lessons_question_h_t_equals_w_to_the_t():
    """One chart: h_t = w^t for w = 0.9, 1 and 1.1 over 50 steps, and a caption whose numbers are its last points."""
    at = open_page("home")
    assert "The question the lesson ends on" in texts(at.subheader)
    (chart,) = figures(at)
    assert [trace["name"] for trace in chart["data"]] == ["w = 0.9", "w = 1", "w = 1.1"]
    last = [trace["y"][-1] for trace in chart["data"]]
    assert last == pytest.approx([0.9**50, 1.0, 1.1**50], rel=1e-12)
    assert "After 50 steps: 0.9^50 = 0.0052, 1^50 = 1 and 1.1^50 = 117.4." in texts(at.caption)
