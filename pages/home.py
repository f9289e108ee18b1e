"""Home: the learning path in the lesson's order, one line and a link per page, and whether the data is here.

It imports no TensorFlow and loads nothing heavy, so it is the first thing a class sees, at once. Its one chart,
the lesson's question h_t = w^t h_0, also has the browser load its charting library while the learner reads:
Predict, Data and Gradients then draw their charts without that one-time wait (about 0.7 s of the main thread
in a fresh Chromium tab on this 2-core machine, several seconds on a crowded one).
"""

import streamlit as st

from rnnlab.ui import dataset, frame, page_parts
from rnnlab.ui.pages import LEARNING_PATH

frame.require_app_frame()  # a page opened by its own address on a fresh server

st.title("RNN Lab: recurrent networks that read sentiment")
st.markdown(
    "A recurrent network reads a sentence one word at a time and carries what it has read so far in a hidden "
    "state. Here you train the lesson's four networks (SimpleRNN, LSTM, GRU and a bidirectional LSTM) on "
    "labelled reviews from Amazon, IMDB and Yelp, count their parameters, watch them read your own sentences, "
    "and see why gradients fade over long texts. Follow the path in order, or jump to what you want to show."
)

st.subheader("The learning path")
for step, entry in enumerate(LEARNING_PATH, start=1):
    link, text = st.columns([2, 5], vertical_alignment="center")
    link.page_link(entry.path, label=f"{step}. {entry.title}", icon=entry.icon)
    text.markdown(entry.line)

st.subheader("The question the lesson ends on")
_W, _STEPS = (0.9, 1.0, 1.1), 50
st.markdown(
    "A recurrent network multiplies by the same weights at every word. Strip it down to one weight w and no "
    "input, and the state after t steps is h_t = w^t h_0: below 1 it fades towards nothing, above 1 it grows "
    "without bound. The gradient that training sends back through the words carries the same product, so over "
    "long sentences it vanishes or explodes. Gradients measures this on the trained networks; Inside the cell "
    "and Long-range dependencies show how the gates of LSTM and GRU get around it."
)
from rnnlab.ui import figures  # here, not above: it imports pandas and plotly, which the title need not wait for

st.plotly_chart(figures.powers_of_w(_W, _STEPS), width="stretch")
st.caption(f"After {_STEPS} steps: {_W[0]:g}^{_STEPS} = {_W[0] ** _STEPS:.4f}, {_W[1]:g}^{_STEPS} = "
           f"{_W[1] ** _STEPS:g} and {_W[2]:g}^{_STEPS} = {_W[2] ** _STEPS:.1f}.")

st.subheader("The data set")
ok, message = dataset.data_status()
if ok:
    st.success(f"Ready: {message}.", icon=":material/check_circle:")
else:
    st.warning(dataset.headline(message), icon=":material/warning:")
    st.markdown(
        "Get it in one of three ways:\n"
        "1. set the environment variable `RNNLAB_DATA_DIR` to a folder holding `amazon_cells_labelled.txt`, "
        "`imdb_labelled.txt` and `yelp_labelled.txt`;\n"
        "2. unpack the official zip into the project's `data/` folder;\n"
        f"3. download it here, from the UCI Machine Learning Repository (data set 331), into "
        f"`{dataset.data_destination()}`:"
    )
    dataset.download_button()
    st.caption("The data is CC BY 4.0, by Kotzias, Denil, de Freitas and Smyth (KDD 2015).")

page_parts.think_about_it(
    "Why use a recurrent network for text at all, rather than a network that takes a fixed number of inputs?",
    "Text is a sequence, and its order carries meaning. Word embeddings feed naturally into a network that reads "
    "one vector per step. Sentences vary in length, and a recurrent network uses the same weights at every step "
    "(parameter sharing), so one network reads the shortest review and the longest alike. And the architecture adapts to the task: "
    "many-to-one for classification, as here, or many-to-many (an encoder-decoder) for translation or chat.",
)
