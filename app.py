"""RNN Lab's frame: the page config, the navigation over pages/ in the lesson's order, and the sidebar's status.

Run it with `streamlit run app.py`. Nothing here imports TensorFlow, so the Home page opens at once; pages that
train or predict load it when they first need it.
"""

import streamlit as st

from rnnlab import warmup
from rnnlab.ui import frame, live_chart, presenter, session, sidebar, streamlit_internals, widgets
from rnnlab.ui.pages import HOME, navigation

st.set_page_config(page_title="RNN Lab", page_icon=":material/neurology:", layout="wide")

pages = [st.Page(entry.path, title=entry.title, icon=entry.icon, default=entry is HOME) for entry in navigation()]
page = st.navigation(pages)

widgets.keep_widget_state()
session.session_id()
session.watch_jobs()
session.forget_shown_notices()
streamlit_internals.keep_compiled_models()  # no keras.backend.clear_session() after every script run
presenter.init()
presenter.apply()
with st.sidebar:
    presenter.toggle()
status_box = st.sidebar.container()
warmup.wait_for_tensorflow()  # a page never imports TensorFlow beside the warm-up's import of it
try:
    page.run()
except frame.PageStop:  # a page's guard ended it early (no data): the status below is still drawn
    pass
finally:
    # Drawn after the page (also when a page stops early with st.stop()), so the page paints first: the
    # status reads the data set, and importing pandas for it costs about a second on a fresh server.
    with status_box:
        sidebar.sidebar_status()
    live_chart.declare()  # once per server, early: declaring it costs more the more modules are loaded
    frame.freeze_heap()  # once per server, after TensorFlow loads: cheaper full garbage collections
    warmup.begin()  # once per server, after the first page is drawn: Ray, TensorFlow and the stored models
