"""The Train page: its controls with the lesson's defaults and bounds, a tiny training through the Train button
whose curve has one point per batch, a second press on settings that train saying where the run is, and Stop."""

import math
import time

from rnnlab import baseline, jobs, params
from rnnlab.ui.state import StateKeys
from tests.pages.conftest import button, figures, open_page, own_jobs, texts

SMALL_SUBSET = {StateKeys.CONFIG_OVERRIDES: {"subset": 200}}


def test_train_page_has_the_controls_with_the_lessons_defaults_and_bounds():
    at = open_page("train")
    assert texts(at.title) == ["Train: watch a recurrent network learn"]
    assert at.multiselect(key=StateKeys.TRAIN_ARCHS).value == ["SimpleRNN"]
    numbers = {n.label: (n.value, n.min, n.max) for n in at.number_input}
    assert numbers == {
        "Embedding size": (64, 8, 128),
        "Units": (128, 8, 256),
        "Epochs": (10, 1, 30),
        "Batch size": (32, 8, 256),
        "Seed": (0, 0, 1_000_000),
        "Clip gradient norm": (None, 0.01, 100.0),  # off: the lesson's recipe
        "Dropout on embeddings": (0.0, 0.0, 0.9),
        "Early stopping patience": (None, 1, 30),
    }
    assert at.select_slider(key=StateKeys.TRAIN_LEARNING_RATE).value == 0.001
    assert at.selectbox(key=StateKeys.TRAIN_VALIDATION).value == "20% of every source"
    assert not button(at, "Train").disabled
    assert button(at, "Stop").disabled  # nothing to stop yet
    assert "No runs yet" in at.info[0].body
    answer = " ".join(texts(at.expander[0].markdown))
    assert "end to end" in answer
    # The counts the question and answer quote are the default split's: training sentences, their vocabulary.
    train_df, _ = jobs.load_split({"arch": "SimpleRNN"})
    vocabulary = params.vocabulary_size(train_df["text"])
    assert any(f"the Embedding's {vocabulary * 64:,} included" in text for text in texts(at.markdown))
    assert f"than the {len(train_df):,} training sentences" in answer and len(train_df) == 2400


def test_a_tiny_training_draws_one_training_point_per_batch_and_a_validation_point_per_epoch():
    at = open_page("train", SMALL_SUBSET)
    at.number_input(key=StateKeys.TRAIN_UNITS).set_value(8)
    at.number_input(key=StateKeys.TRAIN_EMBED_DIM).set_value(8)
    at.number_input(key=StateKeys.TRAIN_EPOCHS).set_value(2).run()
    button(at, "Train").click().run()
    owner = at.session_state[StateKeys.SESSION_ID]
    (job,) = own_jobs(at)
    assert job.config["units"] == 8 and job.config["epochs"] == 2 and job.config["subset"] == 200
    button(at, "Train").click().run()  # the same settings are training: a second press starts nothing...
    assert [j.id for j in own_jobs(at)] == [job.id]
    name = job.snapshot().label
    assert name == "SimpleRNN, 2 epochs, embedding 8, 8 units, 200 sentences"
    assert any(f"{name} is already here" in i.body for i in at.info)  # ...and says where the run is
    assert not button(at, "Stop").disabled
    assert job.wait(120) and job.status == "finished", job.error
    at.run()
    assert not at.exception
    train_df, _ = jobs.load_split(job.config)
    batches_per_epoch = math.ceil(len(train_df) / 32)
    (curves,) = figures(at)
    traces = {t["name"]: t for t in curves["data"] if t.get("xaxis", "x") == "x"}  # the loss panel
    # The validation trace carries the run's one legend entry, so it is named after the run alone.
    assert set(traces) == {f"{name} training (each batch)", f"{name} training", name}
    assert len(traces[f"{name} training"]["y"]) == 2 * batches_per_epoch
    assert len(traces[f"{name} training (each batch)"]["y"]) == 2 * batches_per_epoch
    assert traces[name]["x"] == [1, 2] and traces[name]["mode"] == "markers+lines"
    table = at.dataframe[0].value
    assert list(table["run"]) == [name, "Bag of words (ignores word order)"]
    assert list(table["epochs"])[0] == 2
    assert table["parameters"][0] == job.result.model.count_params()
    assert 0 <= table["best validation accuracy"][0] <= 1
    # The baseline on the same split as the run: its row and the dashed line on the accuracy panel.
    reference = baseline.for_config(job.config)
    assert table["best validation accuracy"][1] == max(reference.history["val_accuracy"])
    # Its fit timed by its own clock, in the table and in the caption under it.
    assert reference.seconds > 0 and table["seconds"][1] == round(reference.seconds, 2)
    assert any(f"fitted in {reference.seconds:.2f} s (its 10 epochs" in c.value for c in at.caption)
    assert len(reference.vocabulary) == len(job.result.vocabulary)  # the same training-only vocabulary
    (line,) = [shape for shape in curves["layout"]["shapes"] if shape.get("yref") == "y2"]
    assert line["y0"] == line["y1"] == reference.val_accuracy
    assert not button(at, "Train").disabled and button(at, "Stop").disabled


def test_stop_ends_the_sessions_training_and_keeps_it_in_the_comparison():
    # 30 epochs of 2000 sentences in batches of 8 (6000 batches, several seconds): the Stop lands mid-run.
    at = open_page("train", {StateKeys.CONFIG_OVERRIDES: {"subset": 2000}})
    at.number_input(key=StateKeys.TRAIN_UNITS).set_value(8)
    at.number_input(key=StateKeys.TRAIN_BATCH_SIZE).set_value(8)
    at.number_input(key=StateKeys.TRAIN_EPOCHS).set_value(30).run()
    button(at, "Train").click().run()
    (job,) = own_jobs(at)
    assert job.active
    assert [p.proto.text for p in at.get("progress")][-1].startswith(
        "SimpleRNN, 30 epochs, batch 8, 8 units, 2000 sentences: ")
    deadline = time.time() + 120
    while not job.snapshot().batches and time.time() < deadline:  # let it learn something before stopping
        time.sleep(0.05)
    button(at, "Stop").click().run()
    assert job.wait(60) and job.status == "stopped"
    at.run()
    table = at.dataframe[0].value
    assert list(table["status"]) == ["stopped", "baseline"]
    assert table["epochs"][0] < 30
    assert any("was stopped after" in c.value and "of 30 epochs" in c.value for c in at.caption)
