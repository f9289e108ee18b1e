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


def test_the_table_says_which_run_used_what_and_the_question_uses_the_sessions_own_numbers():
    from rnnlab import jobs, regularisation
    from rnnlab.ui.state import StateKeys
    from tests.pages.conftest import button

    at = open_page("train", {StateKeys.CONFIG_OVERRIDES: {"subset": 200}})
    assert "Train one run with and one without them to compare." in " ".join(e.value for e in at.expander[0].markdown)
    for key, value in ((StateKeys.TRAIN_UNITS, 8), (StateKeys.TRAIN_EMBED_DIM, 8), (StateKeys.TRAIN_EPOCHS, 3),
                       (StateKeys.TRAIN_SEED, 7)):
        at.number_input(key=key).set_value(value)
    at.run()
    button(at, "Train").click().run()
    at.number_input(key=StateKeys.TRAIN_DROPOUT).set_value(0.5)
    at.number_input(key=StateKeys.TRAIN_EARLY_STOPPING).set_value(1).run()
    button(at, "Train").click().run()
    plain, regular = jobs.jobs_for(at.session_state[StateKeys.SESSION_ID])
    assert regular.config["dropout"] == 0.5 and regular.config["early_stopping"] == 1
    for job in (plain, regular):
        assert job.wait(180) and job.status == "finished", job.error
    at.run()
    table = at.dataframe[0].value
    assert list(table["regularisation"]) == ["none", "dropout 0.5, early stopping (patience 1)"]
    answer = " ".join(e.value for e in at.expander[0].markdown)
    expected = regularisation.comparison([
        (name, job.config, {m: [e[m] for e in job.snapshot().epochs] for m in ("loss", "val_loss")})
        for name, job in zip(table["run"], (plain, regular))])
    assert expected.startswith(f"**In your own runs:** {table['run'][0]} (no regularisation): after epoch 3")
    assert expected in answer
