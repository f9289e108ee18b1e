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


def test_clip_gradient_norm_is_off_by_default_and_reaches_the_training():
    from rnnlab import jobs
    from rnnlab.ui.state import StateKeys
    from tests.pages.conftest import button

    at = open_page("train", {StateKeys.CONFIG_OVERRIDES: {"subset": 200}})
    clip = at.number_input(key=StateKeys.TRAIN_CLIP_NORM)
    assert clip.label == "Clip gradient norm" and clip.value is None and (clip.min, clip.max) == (0.01, 100.0)
    at.number_input(key=StateKeys.TRAIN_UNITS).set_value(8)
    at.number_input(key=StateKeys.TRAIN_EPOCHS).set_value(1)
    at.number_input(key=StateKeys.TRAIN_CLIP_NORM).set_value(0.5).run()
    button(at, "Train").click().run()
    (job,) = jobs.jobs_for(at.session_state[StateKeys.SESSION_ID])
    assert job.config["clip_norm"] == 0.5
    assert job.wait(120) and job.status == "finished", job.error
    assert job.result.config["clip_norm"] == 0.5  # train() itself got it
    at.run()
    table = at.dataframe[0].value
    assert list(table["clip norm"]) == [0.5]
