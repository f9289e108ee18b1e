"""The Data page refuses an upload over its limits (5 MB, RNNLAB_MAX_UPLOAD_LINES lines) saying the limit, and
nothing else changes: the session keeps the data it trained on before (its earlier upload, or the UCI set)."""

from rnnlab import uploads
from rnnlab.ui.state import StateKeys
from tests.pages.conftest import button, open_page


def csv_bytes(lines: int) -> bytes:
    rows = [f"tasty dish number {i},1" if i % 2 else f"bland dish number {i},0" for i in range(lines)]
    return ("\n".join(rows) + "\n").encode("utf-8")


def upload(at, name: str, raw: bytes):
    at.file_uploader(key=StateKeys.DATA_UPLOAD).set_value((name, raw, "text/csv")).run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def test_uploads_over_the_limits_are_refused_and_the_earlier_choice_is_kept(tmp_path, monkeypatch):
    monkeypatch.setenv("RNNLAB_RUNS_DIR", str(tmp_path / "runs"))
    at = open_page("data")
    assert any("At most 5 MB and 20,000 lines." in m.value for m in at.markdown)
    upload(at, "mine.csv", csv_bytes(40))
    button(at, "Train on these sentences").click().run()
    chosen = at.session_state[StateKeys.DATA_CHOICE]
    assert uploads.is_data_id(chosen) and len(uploads.load(chosen)) == 40

    upload(at, "long.csv", csv_bytes(20_001))
    assert [e.body for e in at.error] == ["long.csv has 20,001 lines; uploads are limited to 20,000 lines "
                                          "(RNNLAB_MAX_UPLOAD_LINES). Keep the first 20,000 or split the file."]
    assert at.session_state[StateKeys.DATA_CHOICE] == chosen
    assert "Training uses your uploaded sentences (40 of them)." in [s.body for s in at.success]
    assert not any(b.label == "Train on these sentences" for b in at.button)

    big = b"a much longer sentence than usual to reach five megabytes quickly " * 20 + b",1\n"
    upload(at, "big.csv", big * (5 * 2**20 // len(big) + 1))
    assert [e.body for e in at.error] == ["big.csv is 5.0 MB; uploads are limited to 5 MB."]
    assert at.session_state[StateKeys.DATA_CHOICE] == chosen
    assert not any(b.label == "Train on these sentences" for b in at.button)
    assert at.metric[0].value == "40"  # the page still describes the sentences chosen before


def test_a_session_on_the_uci_sentences_stays_on_them_after_a_refused_upload(tmp_path, monkeypatch):
    monkeypatch.setenv("RNNLAB_RUNS_DIR", str(tmp_path / "runs"))
    at = upload(open_page("data"), "long.csv", csv_bytes(20_001))
    assert "uploads are limited to 20,000 lines" in at.error[0].body
    assert StateKeys.DATA_CHOICE not in at.session_state or at.session_state[StateKeys.DATA_CHOICE] is None
    assert at.metric[0].value == "3,000"
    assert not (tmp_path / "runs" / uploads.FOLDER).exists()  # nothing was stored


def test_the_data_page_counts_an_uploads_vocabulary_as_the_models_get_it(tmp_path, monkeypatch):
    monkeypatch.setenv("RNNLAB_RUNS_DIR", str(tmp_path / "runs"))
    monkeypatch.setenv("RNNLAB_MAX_VOCABULARY", "100")
    at = upload(open_page("data"), "many.csv", csv_bytes(400))  # 400 distinct numbers and 4 words
    button(at, "Train on these sentences").click().run()
    assert not at.exception
    assert at.metric[1].label == "Vocabulary (with '' and [UNK])" and at.metric[1].value == "100"
    monkeypatch.delenv("RNNLAB_MAX_VOCABULARY")
    at.run()
    assert at.metric[1].value == "406"  # tasty, bland, dish, number, 0..399, '' and [UNK]

