"""The Data page: the lesson's numbers (3000 sentences, 5404 tokens, 'very good movie' -> [18, 19, 26]), the
charts, and the validation_split pitfall in numbers."""

from rnnlab.ui.state import StateKeys
from tests.pages.conftest import figures, open_page, texts


def test_data_page_shows_the_lessons_numbers_and_three_charts():
    at = open_page("data")
    assert texts(at.title) == ["The data: labelled sentences, and how text becomes numbers"]
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Sentences"] == "3,000"
    assert metrics["Vocabulary (with '' and [UNK])"] == "5,404"
    assert metrics["Longest sentence"] == "70 words"
    charts = figures(at)
    assert len(charts) == 3
    balance = charts[0]["data"]
    assert [t["name"] for t in balance] == ["negative", "positive"]
    assert [t["y"] for t in balance] == [[500, 500, 500], [500, 500, 500]]
    assert sum(len(t["x"]) for t in charts[1]["data"]) == 3000  # one length per sentence
    top = charts[2]["data"][0]
    assert len(top["y"]) == 20 and top["y"][-1] == "the"  # the most frequent word, drawn at the top


def test_a_typed_sentence_becomes_token_ids():
    at = open_page("data")
    assert at.text_input(key=StateKeys.DATA_SENTENCE).value == "very good movie"
    assert "Token ids: **[18, 19, 26]**" in texts(at.markdown)
    # The explanation's examples are computed from the same vocabulary, not quoted.
    assert any("*very good movie* is [18, 19, 26]; *Mochen Yang* is [1, 1]" in t for t in texts(at.markdown))
    at.text_input(key=StateKeys.DATA_SENTENCE).input("Mochen Yang").run()
    assert "Token ids: **[1, 1]**" in texts(at.markdown)
    table = at.dataframe[0].value
    assert list(table["word"]) == ["mochen", "yang"] and list(table["token id"]) == [1, 1]


def test_the_validation_split_pitfall_is_shown_with_numbers():
    at = open_page("data")
    table = at.dataframe[1].value
    assert table["validation_split=0.2 (last 20%)"].to_dict() == {"amazon": 0, "imdb": 0, "yelp": 600}
    assert table["split() (stratified)"].to_dict() == {"amazon": 200, "imdb": 200, "yelp": 200}
    assert "Think about it" in texts(at.subheader)[-1]
    assert "600 Yelp sentences" in " ".join(texts(at.expander[0].markdown))


def test_the_pitfall_says_how_many_yelp_sentences_are_trained_on():
    """The last 20% are all Yelp, but the first Yelp sentences are still in training: the text says both,
    with the numbers lesson_split gives."""
    from rnnlab.data import lesson_split, load_sentiment

    train_df, val_df = lesson_split(load_sentiment(), 0.2)
    trained, judged = (train_df["source"] == "yelp").sum(), (val_df["source"] == "yelp").sum()
    assert (trained, judged, len(val_df)) == (400, 600, 600)
    at = open_page("data")
    words = " ".join(texts(at.markdown))
    assert f"the validation set is {judged} Yelp sentences and nothing else" in words
    assert f"only {trained} Yelp sentences" in words
    assert "without a single restaurant review" not in words
    assert f"the first {trained} Yelp sentences classifies the last {judged}" in texts(at.expander[0].markdown)[0]
