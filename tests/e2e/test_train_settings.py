"""The Train page's settings and buttons are a fragment: a changed setting reruns only them (in a lecture twenty
students change several settings at once), the address still follows every change, and a setting the sections
below read (the embedding size) reruns the whole page, whose question then counts the new embedding."""

from __future__ import annotations

from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

from rnnlab import params
from tests.e2e.test_browser import assert_no_exception, open_page, set_number


def test_a_setting_reruns_its_fragment_and_the_embedding_size_reruns_the_page(page):
    sent, began = [], []

    def watch(socket) -> None:
        socket.on("framesent", lambda payload: sent.append(BackMsg.FromString(payload))
                  if isinstance(payload, bytes) else None)
        socket.on("framereceived", lambda payload: began.append(ForwardMsg.FromString(payload))
                  if isinstance(payload, bytes) else None)

    page.on("websocket", watch)
    page.reload()  # a new connection, which the listener sees from its start (and a new session)
    page.locator('[data-testid="stSidebarNav"]').wait_for()
    open_page(page, "Train")

    def runs_after(action) -> tuple[list[str], list[tuple]]:
        """(fragment ids of the reruns the page asked for, fragment ids of each run the server began)."""
        del sent[:], began[:]
        action()
        asked = [msg.rerun_script.fragment_id for msg in sent if msg.WhichOneof("type") == "rerun_script"]
        runs = [tuple(msg.metadata.run.fragment_ids) for msg in began if msg.WhichOneof("type") == "new_session"]
        return asked, runs

    asked, runs = runs_after(lambda: set_number(page, "Units", "64"))
    fragment = asked[-1]
    assert fragment and runs and all(fragment in ids for ids in runs if ids), (asked, runs)
    assert () not in runs  # no full run of the page
    assert "units=64" in page.url  # the address follows
    assert_no_exception(page)

    vocabulary = params.split_vocabulary_size({"arch": "SimpleRNN"})
    assert f"the Embedding's {vocabulary * 64:,} included" in page.locator('[data-testid="stMain"]').inner_text()
    asked, runs = runs_after(lambda: set_number(page, "Embedding size", "32"))
    assert asked[-1] == fragment and () in runs, (asked, runs)  # the fragment saw it, and reran the page
    assert "embed_dim=32" in page.url
    assert f"the Embedding's {vocabulary * 32:,} included" in page.locator('[data-testid="stMain"]').inner_text()
    assert_no_exception(page)
