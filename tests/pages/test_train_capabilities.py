"""The Train page's capabilities beyond the lesson (issue 12): downloads of each run and of the comparison table,
settings read from and written to the address, and regularisation in the table and the question."""

from tests.pages.conftest import open_page


def test_each_trained_run_and_the_table_can_be_downloaded(trained_session):
    at = open_page("train", trained_session)
    buttons = {b.proto.label: b.proto for b in at.get("download_button")}
    assert list(buttons) == ["Download the table (CSV)", "SimpleRNN (.zip)", "GRU (.zip)"]
    assert buttons["Download the table (CSV)"].url.endswith(".csv")
    # The zips are made when clicked (a model saved on every rerun would slow the page): deferred files.
    assert buttons["SimpleRNN (.zip)"].deferred_file_id and buttons["GRU (.zip)"].deferred_file_id
    assert any("rnnlab.runs.load_archive(path)" in m.value for m in at.markdown)
