"""RNN Lab's frame: the page config, the navigation over pages/ in the lesson's order, and the sidebar's status.

Run it with `streamlit run app.py`. Nothing here imports TensorFlow, so the Home page opens at once; pages that
train or predict load it when they first need it.
"""

import streamlit as st

from rnnlab import classroom
from rnnlab.ui import helpers, presenter

st.set_page_config(page_title="RNN Lab", page_icon=":material/neurology:", layout="wide")

pages = [
    st.Page("pages/home.py", title="Home", icon=":material/home:", default=True),
    st.Page("pages/data.py", title="Data", icon=":material/dataset:"),
    st.Page("pages/train.py", title="Train", icon=":material/model_training:"),
    st.Page("pages/parameters.py", title="Parameters", icon=":material/calculate:"),
    st.Page("pages/predict.py", title="Predict", icon=":material/psychology:"),
    st.Page("pages/gradients.py", title="Gradients", icon=":material/trending_down:"),
    st.Page("pages/inside_cell.py", title="Inside the cell", icon=":material/memory:"),
    st.Page("pages/long_range.py", title="Long-range dependencies", icon=":material/timeline:"),
]
page = st.navigation(pages)

helpers.keep_widget_state()
helpers.session_id()
helpers.watch_jobs()
classroom.install()  # every training that ends is saved in the run store (once per server process)
presenter.init()
presenter.apply()
with st.sidebar:
    presenter.toggle()
status_box = st.sidebar.container()
try:
    page.run()
except helpers.PageStop:  # a page's guard ended it early (no data): the status below is still drawn
    pass
finally:
    # Drawn after the page (also when a page stops early with st.stop()), so the page paints first: the
    # status reads the data set, and importing pandas for it costs about a second on a fresh server.
    with status_box:
        helpers.sidebar_status()
