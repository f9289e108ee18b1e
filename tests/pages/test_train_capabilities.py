"""The Train page's capabilities beyond the lesson (issue 12): downloads of each run and of the comparison table,
settings read from and written to the address, and regularisation in the table and the question."""

from tests.pages.conftest import GRU_NAME, SIMPLE_RNN_NAME
from tests.pages.conftest import open_page, own_jobs


def test_each_trained_run_and_the_table_can_be_downloaded(trained_session):
    at = open_page("train", trained_session)
    buttons = {b.proto.label: b.proto for b in at.get("download_button")}
    simple, gru = f"{SIMPLE_RNN_NAME} (.zip)", f"{GRU_NAME} (.zip)"
    assert list(buttons) == ["Download the table (CSV)", simple, gru]
    assert buttons["Download the table (CSV)"].url.endswith(".csv")
    # The zips are made when clicked (a model saved on every rerun would slow the page): deferred files.
    assert buttons[simple].deferred_file_id and buttons[gru].deferred_file_id
    # A download changes nothing on the page, so it does not rerun it (a full Train page run per click, in a class)
    assert all(button.ignore_rerun for button in buttons.values())
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
    (job,) = own_jobs(at)
    assert job.config["clip_norm"] == 0.5
    assert job.wait(120) and job.status == "finished", job.error
    assert job.result.config["clip_norm"] == 0.5  # train() itself got it
    at.run()
    table = at.dataframe[0].value
    table = table[table["status"] != "baseline"]  # the bag-of-words reference row has no such settings
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
    plain, regular = own_jobs(at)
    assert regular.config["dropout"] == 0.5 and regular.config["early_stopping"] == 1
    for job in (plain, regular):
        assert job.wait(180) and job.status == "finished", job.error
    at.run()
    table = at.dataframe[0].value
    table = table[table["status"] != "baseline"].reset_index(drop=True)
    assert list(table["regularisation"]) == ["none", "dropout 0.5, early stopping (patience 1)"]
    answer = " ".join(e.value for e in at.expander[0].markdown)
    expected = regularisation.comparison([
        (name, job.config, {m: [e[m] for e in job.snapshot().epochs] for m in ("loss", "val_loss")})
        for name, job in zip(table["run"], (plain, regular))])
    assert expected.startswith(f"**In your own runs:** {table['run'][0]} (no regularisation): after epoch 3")
    assert expected in answer


def open_train_at(query: dict):
    """The Train page opened by a link with `query` (the page's own file, as a fresh visitor's first run)."""
    from streamlit.testing.v1 import AppTest

    from tests.pages.conftest import ROOT

    at = AppTest.from_file(str(ROOT / "pages" / "train.py"), default_timeout=120)
    at.query_params.update(query)
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def test_a_shared_link_opens_the_page_with_its_settings_and_widgets_update_the_address():
    from rnnlab.ui.state import StateKeys

    at = open_train_at({"archs": "LSTM,GRU", "units": "64", "epochs": "5", "present": "1"})
    assert at.multiselect(key=StateKeys.TRAIN_ARCHS).value == ["LSTM", "GRU"]
    assert at.number_input(key=StateKeys.TRAIN_UNITS).value == 64
    assert at.number_input(key=StateKeys.TRAIN_EPOCHS).value == 5
    assert at.number_input(key=StateKeys.TRAIN_EMBED_DIM).value == 64  # not in the link: the default
    assert not at.warning
    at.number_input(key=StateKeys.TRAIN_UNITS).set_value(32).run()
    at.select_slider(key=StateKeys.TRAIN_LEARNING_RATE).set_value(0.01).run()
    assert at.number_input(key=StateKeys.TRAIN_UNITS).value == 32  # the old address does not undo the change
    assert at.query_params == {"archs": "LSTM,GRU", "units": "32", "epochs": "5", "learning_rate": "0.01",
                               "present": "1"}
    at.number_input(key=StateKeys.TRAIN_UNITS).set_value(128).run()  # back to the default: out of the address
    assert "units" not in at.query_params


def test_a_bad_value_in_the_address_is_refused_with_its_reason_and_the_default_used():
    from rnnlab.ui.state import StateKeys

    at = open_train_at({"units": "lots", "epochs": "99", "archs": "GRU", "learning_rate": "0.3"})
    warnings = [w.body for w in at.warning]
    assert warnings == [
        "The address's units='lots' was refused (not a number); using 128.",
        "The address's epochs='99' was refused (must be between 1 and 30); using 10.",
        "The address's learning_rate='0.3' was refused (must be one of 0.0001, 0.0003, 0.001, 0.003, 0.01, 0.03, "
        "0.1); using 0.001.",
    ]
    assert at.number_input(key=StateKeys.TRAIN_UNITS).value == 128
    assert at.number_input(key=StateKeys.TRAIN_EPOCHS).value == 10
    assert at.multiselect(key=StateKeys.TRAIN_ARCHS).value == ["GRU"]  # the good value still applies
    assert at.query_params == {"archs": "GRU"}  # the address now says what the page uses
    at.run()
    assert not at.warning  # said once; the corrected address is the session's own
