"""The classroom features on the pages: stored runs listed after a restart and usable on every page, the store's
problems shown, stored settings loaded at once, a shared training watched by a second session who cannot stop
it, uploads with every rejected line listed, and presenter mode from the address.

Stored runs here are untrained models saved in a fresh store per test (tests.test_runs.fake_run), so a page sees
what a restarted server sees without training anything; the shared-job test trains a tiny SimpleRNN for real.
"""

import pytest

from rnnlab import charts, classroom, gradients, jobs, runs, uploads
from rnnlab.data import make_vectorizer
from rnnlab.ui.state import StateKeys
from tests.hold import holding, wait_for
from tests.pages.conftest import button, figures, open_page, own_jobs, texts
from tests.test_runs import fake_run

LESSON = ("SimpleRNN", "LSTM", "GRU", "BiLSTM")
TINY = dict(subset=200, units=8, embed_dim=8, epochs=1)


@pytest.fixture(scope="module")
def vectorizer(sentiment_df):
    return make_vectorizer(sentiment_df["text"].iloc[::10])


@pytest.fixture
def store(tmp_path, monkeypatch):
    folder = tmp_path / "runs"
    monkeypatch.setenv("RNNLAB_RUNS_DIR", str(folder))
    return folder


@pytest.fixture
def lesson_store(store, vectorizer):
    """What `python -m rnnlab.prepare` leaves: the lesson's four models under the lesson's settings (untrained
    stand-ins with the lesson's sizes, so their keys are the real ones)."""
    return [runs.save(fake_run(arch, vectorizer, embed_dim=64, units=128, epochs=10, epochs_done=10), dict(arch=arch))
            for arch in LESSON]


def test_a_new_session_predicts_at_once_with_the_prepared_lesson_models(lesson_store):
    at = open_page("predict")
    assert not at.exception
    assert not any(b.label == "Quick train" for b in at.button)  # nothing to train: the store has the models
    table = at.table[0].value
    assert list(table.columns)[-5:] == [*LESSON, "Bag of words"]  # the order-blind baseline comes last
    assert table.shape[0] == 2 and ((table[list(LESSON)] >= 0) & (table[list(LESSON)] <= 1)).all().all()
    assert sorted(at.session_state[StateKeys.STORED_RUN_IDS]) == sorted(run.id for run in lesson_store)


def test_the_train_page_lists_stored_runs_and_the_stores_problems_after_a_restart(lesson_store, store):
    (store / "LSTM-0000000000000000").mkdir()  # a foreign folder
    broken = lesson_store[2].path / runs.RUN_FILE
    broken.write_text(broken.read_text()[:50])  # the GRU's run.json, truncated

    at = open_page("train")

    assert not at.exception
    assert "Runs stored on this server" in texts(at.subheader)
    warning = " ".join(w.body for w in at.warning)
    assert "2 entries of the run store" in warning and "skipped" in warning
    problems = next(df.value for df in at.dataframe if list(df.value.columns) == ["entry", "reason"])
    reasons = dict(zip(problems["entry"], problems["reason"]))
    assert "not an RNN Lab run" in reasons["LSTM-0000000000000000"]
    assert "truncated or not JSON" in reasons[lesson_store[2].id]
    listed = next(df.value for df in at.dataframe if "saved" in df.value.columns)
    assert sorted(listed["run"]) == ["BiLSTM", "LSTM", "SimpleRNN"]  # the lesson's settings: the architecture alone
    picker = at.multiselect(key=StateKeys.STORED_RUN_IDS)
    assert sorted(picker.value) == sorted(run.id for run in lesson_store if run.arch != "GRU")
    assert len(picker.options) == 3 and "LSTM: finished, best validation accuracy 0.890" in picker.options
    # The stored runs' curves are drawn with this session's (none yet): each batch, their mean, validation
    # (named after the run: it carries the run's legend entry).
    names = {t["name"] for t in figures(at)[0]["data"]}
    assert names == {f"{arch}{part}" for arch in ("SimpleRNN", "LSTM", "BiLSTM")
                     for part in (" training (each batch)", " training", "")}


def test_pressing_train_on_stored_settings_loads_the_run_instead_of_training(store, vectorizer):
    stored = runs.save(fake_run("GRU", vectorizer, units=8, embed_dim=8, epochs=1, epochs_done=1),
                       dict(arch="GRU", **TINY))
    at = open_page("train", {StateKeys.CONFIG_OVERRIDES: {"subset": 200}, StateKeys.STORED_RUN_IDS: []})
    at.multiselect(key=StateKeys.TRAIN_ARCHS).set_value(["GRU"])
    at.number_input(key=StateKeys.TRAIN_UNITS).set_value(8)
    at.number_input(key=StateKeys.TRAIN_EMBED_DIM).set_value(8)
    at.number_input(key=StateKeys.TRAIN_EPOCHS).set_value(1).run()
    button(at, "Train").click().run()

    assert not at.exception
    assert any("loaded from the run store" in i.body and "no training needed" in i.body for i in at.info)
    assert own_jobs(at) == []  # nothing was queued
    assert at.session_state[StateKeys.STORED_RUN_IDS] == [stored.id]
    table = at.dataframe[0].value
    # The last row is the bag-of-words reference (rnnlab.baseline) for the same split.
    assert list(table["run"]) == ["GRU, 1 epoch, embedding 8, 8 units, 200 sentences", "Bag of words (ignores word order)"]
    assert list(table["status"]) == ["stored, finished", "baseline"]
    # Pressed again: it is already here, and the page says so.
    button(at, "Train").click().run()
    assert any("is already here with these settings" in i.body for i in at.info)


def test_a_second_session_watches_the_first_ones_training_and_only_the_first_can_stop_it(store):
    # A small training held after its first call (tests/hold.py): it is running whenever the watcher attaches
    # and the starter presses Stop, however fast the machine trains.
    settings = {StateKeys.CONFIG_OVERRIDES: {"subset": 300}, StateKeys.TRAIN_UNITS: 8, StateKeys.TRAIN_EMBED_DIM: 8,
                StateKeys.TRAIN_EPOCHS: 3, StateKeys.TRAIN_SEED: 7}
    with holding():
        starter = open_page("train", settings)
        button(starter, "Train").click().run()
        (job,) = own_jobs(starter)
        wait_for(lambda: job.snapshot().batches)

        watcher = open_page("train", settings)
        assert not button(watcher, "Train").disabled
        button(watcher, "Train").click().run()

        assert not watcher.exception
        told = [i.body for i in watcher.info]
        assert any("Another session is already training SimpleRNN" in body for body in told), (told, job.snapshot())
        assert watcher.session_state[StateKeys.JOB_IDS] == [job.id]  # the same job: the same curves
        assert own_jobs(watcher) == []
        assert button(watcher, "Stop").disabled
        assert any("started by another session, which alone can stop it" in c.value for c in watcher.caption)
        assert not button(starter.run(), "Stop").disabled
        assert job.snapshot().status == "running"
        button(starter, "Stop").click().run()
        assert job.wait(120) and job.status == "stopped"
    for at in (starter.run(), watcher.run()):
        assert not at.exception
        table = at.dataframe[0].value
        assert list(table["status"]) == ["stopped", "baseline"]
        assert list(table["run"]) == [job.snapshot().label, "Bag of words (ignores word order)"]
    assert runs.find(job.config).status == "stopped"  # stored (by the run's actor) as stopped


def test_an_upload_lists_every_rejected_line_and_then_trains_every_page_on_it(store):
    lines = ["sentence\tlabel"] + [f"tasty dish {i}\t1" for i in range(15)] + [f"bland dish {i}\t0" for i in range(15)]
    lines += ["no tab here", "great\tmaybe", "\t1", "😀😀\t1"]
    raw = "\n".join(lines).encode("utf-8") + b"\n\xff\xfe broken\t0\n"
    at = open_page("data")
    at.file_uploader(key=StateKeys.DATA_UPLOAD).set_value(("mine.tsv", raw, "text/tab-separated-values")).run()

    assert not at.exception
    assert any("31 lines accepted" in m.value and "4 rejected" in m.value for m in at.markdown)
    rejected = next(df.value for df in at.dataframe if "reason" in df.value.columns)
    assert list(zip(rejected["line"], rejected["reason"])) == [
        (32, "no separator"), (33, "label not 0/1"), (34, "empty text"), (36, "not UTF-8")]
    button(at, "Train on these sentences").click().run()
    choice = at.session_state[StateKeys.DATA_CHOICE]
    assert uploads.is_data_id(choice) and len(uploads.load(choice)) == 31
    assert any("your uploaded sentences" in i.body for i in at.info)
    assert at.metric[0].value == "31"

    at.switch_page("pages/train.py").run()
    assert at.selectbox(key=StateKeys.TRAIN_VALIDATION).options == ["20% of every source"]
    at.session_state[StateKeys.CONFIG_OVERRIDES] = {}
    at.number_input(key=StateKeys.TRAIN_EPOCHS).set_value(1)
    at.number_input(key=StateKeys.TRAIN_UNITS).set_value(8).run()
    button(at, "Train").click().run()
    (job,) = own_jobs(at)
    assert job.config["data"] == choice
    assert job.wait(120) and job.status == "finished", job.error
    train_df, val_df = jobs.load_split(job.config)
    assert len(train_df) + len(val_df) == 31


def test_an_upload_too_large_or_too_small_is_refused_with_the_reason(store):
    at = open_page("data")
    at.file_uploader(key=StateKeys.DATA_UPLOAD).set_value(("big.csv", b"a,1\n" * 1_400_000, "text/csv")).run()
    assert not at.exception and "uploads are limited to 5 MB" in at.error[0].body
    at.file_uploader(key=StateKeys.DATA_UPLOAD).set_value(("few.csv", b"good,1\nbad,0\n", "text/csv")).run()
    assert "only 2 sentences were accepted" in at.warning[0].body
    assert not any(b.label == "Train on these sentences" for b in at.button)


def test_presenter_mode_from_the_address_folds_the_controls_and_enlarges_the_charts(store):
    from streamlit.testing.v1 import AppTest

    from rnnlab.ui import presenter
    from tests.pages.conftest import ROOT

    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    at.query_params["present"] = "1"
    at.run()
    assert at.toggle(key=StateKeys.PRESENTER_TOGGLE).value is True
    for page, folded in (("train", "Training settings"), ("parameters", "Sizes"), ("gradients", "w and t")):
        at.switch_page(f"pages/{page}.py").run()
        assert not at.exception
        assert folded in [e.label for e in at.expander]
    toy = figures(at)[0]["layout"]
    # The toy's own height (its legend below the plot adds a row to the default) times the presenter's factor.
    own_height = charts.toy_gradient(gradients.toy(0.9, 150)).layout.height
    assert toy["height"] == round(own_height * presenter.CHART_SCALE)

    plain = open_page("gradients")
    assert "w and t" not in [e.label for e in plain.expander]
    assert figures(plain)[0]["layout"].get("height") == own_height
    assert figures(plain)[0]["layout"]["font"]["size"] < toy["font"]["size"]


def test_stop_says_what_it_cancelled_and_what_it_stopped(store):
    # Three architectures at once on the test session's two CPUs: two train, held after their first call
    # (tests/hold.py) so they are still running at the Stop, and the third waits for a CPU.
    at = open_page("train", {StateKeys.TRAIN_UNITS: 8, StateKeys.TRAIN_EMBED_DIM: 8, StateKeys.TRAIN_EPOCHS: 2,
                             StateKeys.TRAIN_SEED: 17, StateKeys.CONFIG_OVERRIDES: {"subset": 300},
                             StateKeys.TRAIN_ARCHS: ["SimpleRNN", "GRU", "LSTM"]})
    with holding():
        button(at, "Train").click().run()
        started = own_jobs(at)

        def two_held_one_queued():
            snapshots = [j.snapshot() for j in started]
            return (sorted(s.status for s in snapshots) == ["queued", "running", "running"]
                    and all(s.batches for s in snapshots if s.status == "running"))

        wait_for(two_held_one_queued)
        waiting = next(job for job in started if job.snapshot().status == "queued")
        assert any("waiting for a free CPU, place 1 in the queue" in p.proto.text for p in at.run().get("progress"))
        button(at, "Stop").click().run()
        notices = [i.body for i in at.info]
        assert f"Cancelled {waiting.snapshot().label}: it was waiting for a free CPU (place 1 in the queue), so " \
               "nothing was trained or kept." in notices, notices
        assert sum(text.startswith("Stopping ") and "after the batches it is on" in text for text in notices) == 2
        assert all(job.wait(120) for job in started)
    assert sorted(job.status for job in started) == ["stopped"] * 3
    assert waiting.snapshot().status == "stopped" and waiting.snapshot().batches == ()


def test_a_stop_that_came_as_the_last_epoch_ended_says_so():
    from rnnlab.config import validate_config
    from rnnlab.ui import progress

    def stopped_after(epochs_done):
        return jobs.JobSnapshot(
            id="LSTM-x", owner="a", config=validate_config(dict(arch="LSTM", units=64)), key="x", status="stopped",
            error=None, queue_position=None, batches=(), epochs=(), epoch=10, batch=75, batches_per_epoch=75,
            eta=None, summary={"epochs_done": epochs_done})

    assert progress.stopped_caption(stopped_after(10)) == (
        "LSTM, 64 units: Stop came as its last epoch was ending, so it trained all 10 epochs; it is kept as a "
        "stopped run.")
    assert progress.stopped_caption(stopped_after(3)).startswith("LSTM, 64 units was stopped after 3 of 10 epochs")


def test_the_home_page_never_waits_for_ray_nor_imports_it():
    """Home's own script run imports no Ray (the server's warm-up, off here, starts Ray beside the pages, in a
    thread of its own: tests/e2e/test_ray_faults.py checks that)."""
    import os
    import subprocess
    import sys

    from tests.pages.conftest import ROOT

    code = ("import sys; from streamlit.testing.v1 import AppTest; at = AppTest.from_file('app.py', "
            "default_timeout=60); at.run(); print('EXCEPTIONS', len(at.exception), 'RAY', 'ray' in sys.modules)")
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120,
                          env=dict(os.environ, RNNLAB_WARMUP="0"))
    assert "EXCEPTIONS 0 RAY False" in done.stdout, done.stdout + done.stderr[-1000:]


def test_in_presenter_mode_the_tables_of_runs_are_static_tables_of_the_results_only(lesson_store):
    # A data grid scrolls sideways or cuts long run names at the projector's type size; a class cannot scroll.
    import pyarrow as pa

    settings = {StateKeys.PRESENTER: True, StateKeys.CONFIG_OVERRIDES: {"subset": 200}}
    at = open_page("train", settings)
    assert not at.exception
    assert len(at.dataframe) == 0  # none left to scroll
    comparison, stored = (table.value for table in at.table)
    assert list(comparison.columns) == ["run", "status", "epochs", "best val. accuracy", "seconds", "parameters"]
    assert list(comparison["run"])[-1] == "Bag of words (ignores word order)"
    assert list(stored.columns) == list(comparison.columns)
    assert sorted(stored["run"]) == sorted(LESSON)
    # What the table shows: the numbers formatted as the data grid formats them (3 decimals, thousands).
    shown = pa.ipc.open_stream(at.table[0].proto.arrow_data.styler.display_values).read_all().to_pandas()
    row = shown.iloc[0]
    assert row["best val. accuracy"] == f"{comparison['best val. accuracy'].iloc[0]:.3f}"
    assert row["parameters"] == f"{comparison['parameters'].iloc[0]:,}" and "," in row["parameters"]
    assert row["epochs"] == "10" and row["seconds"] == f"{comparison['seconds'].iloc[0]:.1f}"

    plain = open_page("train", {StateKeys.CONFIG_OVERRIDES: {"subset": 200}})
    assert len(plain.table) == 0 and len(plain.dataframe) == 2
    assert {"units", "embedding", "learning rate"} <= set(plain.dataframe[0].value.columns)
