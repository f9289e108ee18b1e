"""Without the data set (issue 10, item 5): Home lists the ways to get it once and offers the download as a
button (progress, then the data ready; the whole error on the page when it fails), every page keeps the
sidebar's status box, and no page offers a training that would fail for want of data."""

import pytest

from rnnlab.ui.state import StateKeys
from tests.pages.conftest import button, open_page, texts
from tests.test_download import serve, zip_bytes


def page_text(at) -> str:
    return " ".join(texts(at.markdown) + [w.body for w in at.warning] + [e.body for e in at.error]
                    + [i.body for i in at.info] + [c.value for c in at.caption])


@pytest.fixture
def no_data(tmp_path, monkeypatch):
    folder = tmp_path / "nothing here"
    monkeypatch.setenv("RNNLAB_DATA_DIR", str(folder))
    return folder


def test_home_lists_the_ways_once_and_shows_a_failed_download_in_full(no_data, monkeypatch):
    monkeypatch.setenv("RNNLAB_DATA_URL", "http://127.0.0.1:9/sentiment.zip")  # nothing listens on port 9
    at = open_page("home")
    assert page_text(at).count("three ways") == 1
    assert page_text(at).count("RNNLAB_DATA_DIR") == 2  # the headline names the setting, the list says how
    assert len(at.warning) == 1 and "does not exist" in at.warning[0].body
    button(at, "Download the data set").click().run()
    assert not at.exception
    failure = [e.body for e in at.error]
    assert len(failure) == 1 and "The download failed" in failure[0]
    assert "could not be downloaded from http://127.0.0.1:9/sentiment.zip" in failure[0]
    assert "Provide the UCI 'Sentiment Labelled Sentences' data in one of three ways" in failure[0]
    assert not no_data.exists() or not any(no_data.rglob("*.txt"))  # nothing half-written left behind


def test_the_download_button_fetches_the_zip_and_the_data_is_ready(no_data, tmp_path, monkeypatch):
    server = serve(tmp_path, zip_bytes(tmp_path))
    monkeypatch.setenv("RNNLAB_DATA_URL", server.url)
    at = open_page("home")
    button(at, "Download the data set").click().run()
    assert not at.exception and not at.error
    assert server.requests == ["/sentiment+labelled+sentences.zip"]
    assert len(at.success) == 1 and "15 sentences (5 amazon, 5 imdb, 5 yelp)" in at.success[0].value
    assert (no_data / "sentiment labelled sentences" / "yelp_labelled.txt").is_file()
    assert at.session_state[StateKeys.DATA_DOWNLOADED] == str(no_data / "sentiment labelled sentences")
    assert "Data set: 15 sentences" in " ".join(texts(at.sidebar.markdown))


@pytest.mark.parametrize("page", ["data", "train"])
def test_pages_that_need_the_data_say_why_and_keep_the_status_box(no_data, page):
    at = open_page(page)
    assert len(at.error) == 1 and "nothing can be trained" in at.error[0].body
    sidebar = " ".join(texts(at.sidebar.markdown))
    assert "**Status**" in sidebar and "Data set missing: see Home" in sidebar
    assert not [b for b in at.button if b.label == "Train"]


@pytest.mark.parametrize("page", ["predict", "gradients", "inside_cell"])
def test_quick_train_is_disabled_without_data_and_says_why(no_data, page):
    at = open_page(page)
    quick = button(at, "Quick train")
    assert quick.disabled
    assert any("Training needs the data set, which is not available" in w.body for w in at.warning)
    assert not at.session_state[StateKeys.JOB_IDS] if StateKeys.JOB_IDS in at.session_state else True
    assert "Data set missing: see Home" in " ".join(texts(at.sidebar.markdown))
