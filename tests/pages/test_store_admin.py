"""The instructor's run store view (rnnlab.ui.store_admin.render) on its own, through AppTest.from_function: every
stored run with its size and a Delete, the lesson's four prepared runs deleted only when asked a second time,
nothing drawn without the token; and the Train page's line saying the run store's size, read from the disk."""

import pytest

from rnnlab import auth, runs, uploads
from rnnlab.models import LESSON_ARCHS
from rnnlab.ui import naming
from rnnlab.ui import stored as stored_view
from rnnlab.ui.state import StateKeys
from tests.pages.conftest import open_page
from tests.test_runs import fake_run, store, vectorizer  # noqa: F401  (fixtures)
from tests.test_store_bounds import upload_frame

TOKEN = "a-long-instructor-token"


def store_admin_script(token):
    from rnnlab.ui import store_admin

    store_admin.render(token)


def view(token):
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_function(store_admin_script, args=(token,), default_timeout=60).run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def delete_button(at, run):
    return at.button(key=f"store-admin-delete-{run.id}")


@pytest.fixture
def stored_runs(store, vectorizer, monkeypatch):
    monkeypatch.setenv(auth.TOKEN_ENV, TOKEN)
    lesson = [runs.save(fake_run(arch, vectorizer, embed_dim=64, units=128, epochs=10, epochs_done=10),
                        dict(arch=arch)) for arch in LESSON_ARCHS]
    small = runs.save(fake_run("GRU", vectorizer), dict(arch="GRU", units=8, embed_dim=8))
    return lesson, small


def test_the_view_lists_every_run_with_its_size_and_deletes_an_ordinary_one_at_once(stored_runs):
    lesson, small = stored_runs
    at = view(TOKEN)
    assert at.subheader[0].value == "The run store"
    assert at.caption[0].value == stored_view.store_summary()
    assert "holds 5 runs and 0 uploaded data sets" in at.caption[0].value
    rows = [m.value for m in at.markdown]
    for run in (*lesson, small):
        assert delete_button(at, run).label == "Delete"
    assert sum("*prepared for the lesson*" in row for row in rows) == 4
    sizes = [m.value for m in at.markdown if m.value.endswith(" MB") or m.value.endswith(" KB")]
    assert sizes[0] == stored_view.size_text(runs.run_bytes(lesson[3].id))  # the BiLSTM, the biggest, first
    assert stored_view.size_text(runs.run_bytes(small.id)) == sizes[-1]

    freed = runs.run_bytes(small.id)
    delete_button(at, small).click().run()
    assert not at.exception
    assert runs.read(small.id) is None
    name = naming.stored_name(small)
    assert name.startswith("GRU, ")
    assert [s.value for s in at.success] == [f"Deleted {name}: {stored_view.size_text(freed)} freed."]
    assert "holds 4 runs" in at.caption[0].value
    assert not any(b.key == f"store-admin-delete-{small.id}" for b in at.button)


def test_a_prepared_run_is_deleted_only_when_asked_a_second_time(stored_runs):
    lesson, _ = stored_runs
    lstm = lesson[1]
    at = view(TOKEN)
    delete_button(at, lstm).click().run()
    assert runs.read(lstm.id) is not None  # asked, not deleted
    assert "is one of the lesson's four prepared models" in at.warning[0].value
    assert at.session_state[StateKeys.STORE_ADMIN_ASKED] == lstm.id
    at.button(key="store-admin-keep").click().run()
    assert not at.warning and runs.read(lstm.id) is not None  # kept

    delete_button(at, lstm).click().run()
    confirm = at.button(key="store-admin-confirm")
    assert confirm.label == "Yes, delete LSTM"
    confirm.click().run()
    assert not at.exception
    assert runs.read(lstm.id) is None and not at.warning
    assert at.success[0].value.startswith("Deleted LSTM: ")
    assert {b.key for b in at.button} == {f"store-admin-delete-{run.id}" for run in lesson if run is not lstm} | {
        f"store-admin-delete-{stored_runs[1].id}"}


@pytest.mark.parametrize("token", [None, "", "wrong"])
def test_without_the_instructors_token_nothing_of_the_view_appears(stored_runs, token):
    at = view(token)
    assert not at.button and not at.markdown and not at.subheader
    assert all(runs.read(run.id) is not None for run in stored_runs[0])


def test_the_train_page_says_the_run_stores_size(stored_runs):
    uploads.register(upload_frame("mine"))
    at = open_page("train")
    line = next(c.value for c in at.caption if "The run store holds" in c.value)
    size = stored_view.size_text(runs.store_bytes())
    assert line == f":material/hard_drive: The run store holds 5 runs and 1 uploaded data set: {size} on disk " \
                   f"({runs.store_dir()})."
    assert runs.store_bytes() > 5 * 100_000  # four lesson-sized models: read from the disk, not a literal
