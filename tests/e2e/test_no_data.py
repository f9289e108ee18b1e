"""No data, no dead ends (issue 10, item 5), in a real browser against a server started without the data set:
Home lists the ways to get it once and offers the download as a button; with nothing listening at the download
address the whole error shows on the page; Data and Train say why they cannot work and keep the sidebar's status
box; Predict's Quick train is disabled with the reason; once the address answers, the same button downloads the
zip and Home says the data is ready."""

from __future__ import annotations

import http.server
import threading

import pytest

from tests.e2e.conftest import Server, _free_port, server_env
from tests.e2e.test_browser import assert_no_exception, main_button, wait_until_idle
from tests.e2e.test_projector import SCREENS, goto, screenshot
from tests.test_download import zip_bytes


@pytest.fixture(scope="module")
def no_data_server(chromium, tmp_path_factory):
    port = _free_port()  # nothing listens here until the test starts the zip's server on it
    env = server_env()
    env["RNNLAB_DATA_DIR"] = str(tmp_path_factory.mktemp("no-data") / "sentiment")
    env["RNNLAB_DATA_URL"] = f"http://127.0.0.1:{port}/sentiment+labelled+sentences.zip"
    server = Server(env, log_name="server-no-data.log")
    server.download_port = port
    server.zip = zip_bytes(tmp_path_factory.mktemp("zip"))
    yield server
    server.stop()


def serve_zip(port: int, payload: bytes) -> http.server.ThreadingHTTPServer:
    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            self.send_response(200)
            self.send_header("Content-Type", "application/zip")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, *args):
            pass

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", port), Handler)
    threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    return httpd


def test_without_data_every_page_says_why_and_the_download_button_fetches_it(chromium, no_data_server):
    SCREENS.mkdir(parents=True, exist_ok=True)
    context = chromium.new_context(viewport={"width": 1400, "height": 900})
    page = context.new_page()
    page.set_default_timeout(60_000)
    try:
        page.goto(no_data_server.url)
        page.locator('[data-testid="stSidebarNav"]').wait_for()
        wait_until_idle(page)
        main = page.locator('[data-testid="stMain"]')
        assert main.inner_text().count("three ways") == 1
        sidebar = page.locator('[data-testid="stSidebar"]')
        sidebar.get_by_text("Data set missing: see Home").wait_for()
        main_button(page, "Download the data set").click()
        failure = main.locator('[data-testid="stAlert"]').filter(has_text="The download failed")
        failure.wait_for()
        text = failure.inner_text()
        assert f"could not be downloaded from http://127.0.0.1:{no_data_server.download_port}/" in text
        assert "in one of three ways" in text  # the error in full, with what to do
        screenshot(page, SCREENS / "no-data-home-download-failed.png")

        for name in ("Data", "Train"):
            goto(page, name)
            main.get_by_text("nothing can be trained").wait_for()
            sidebar.get_by_text("Data set missing: see Home").wait_for()  # the status box stays
            assert_no_exception(page)
        screenshot(page, SCREENS / "no-data-train.png")
        for name in ("Predict", "Gradients", "Inside the cell"):
            goto(page, name)
            assert main_button(page, "Quick train").is_disabled()
            main.get_by_text("Training needs the data set, which is not available").wait_for()
            sidebar.get_by_text("Data set missing: see Home").wait_for()
            assert_no_exception(page)
        screenshot(page, SCREENS / "no-data-predict.png")

        httpd = serve_zip(no_data_server.download_port, no_data_server.zip)
        try:
            goto(page, "Home")
            main_button(page, "Download the data set").click()
            main.get_by_text("Ready: 15 sentences (5 amazon, 5 imdb, 5 yelp)").wait_for()
            sidebar.get_by_text("Data set: 15 sentences").wait_for()
            assert_no_exception(page)
            screenshot(page, SCREENS / "no-data-home-downloaded.png")
        finally:
            httpd.shutdown()
            httpd.server_close()
    finally:
        context.close()
