"""Long-range dependencies: a generated task whose label hangs on one word k words before the end; the learner
picks the lag and the architectures, trains, and sees who can still learn it and how much gradient gets there.

Everything is computed by rnnlab.longrange. Training runs here, in the page's own script run, one model after the
other with a progress bar (the background jobs of rnnlab.jobs train on the sentiment data only). So that a click
loses nothing, Train only queues the models (in session state) and the controls are disabled until the queue is
empty; a model whose run was cut short (the page left, the sidebar used) is trained again from its start when the
page is next drawn, and Stop empties the queue, keeping every model already trained.
"""

import streamlit as st

from rnnlab import baseline, longrange_task
from rnnlab.charts import cell as charts_cell
from rnnlab.models import ARCHITECTURES
from rnnlab.ui import frame, long_range_view, longrange_queue, page_parts, presenter
from rnnlab.ui.state import StateKeys as K

frame.require_app_frame()  # a page opened by its own address on a fresh server

RATES = (1e-3, 3e-3, 1e-2)  # the learning rates offered

st.title("Long-range dependencies: when the answer is far back")
st.markdown(
    "A task made for the problem: each sentence is decided by its **first** signal word (good, great: positive; "
    "bad, awful: negative), followed by exactly k words, the lag. Among those k words are neutral fillers and "
    "three distractors, signal words of both kinds. Every sentence holds two positive and two negative signal "
    "words, so counting them tells nothing (chance is 50%): the network has to tell the first one, k words "
    "back, from the later ones."
)
long_range_view.example_sentence()

st.markdown(f"Counting cannot do it: a bag of words (rnnlab.baseline, logistic regression on which words a sentence "
            f"contains) scores **{baseline.longrange_accuracy(lag=75, seed=0):.1%}** on this task at lag 75, computed "
            "now on the same training and validation sentences the models get.")

st.subheader("Measured with `python -m rnnlab.longrange`")
measured = long_range_view.measured_section()

st.subheader("Try it")
controls, results_column = st.columns([1, 2])
long_range_view.init_state(RATES)
longrange_queue.pin_widgets()
queue, results = st.session_state[K.LONGRANGE_QUEUE], st.session_state[K.LONGRANGE_RESULTS]

busy = bool(queue)
with controls:
    with presenter.controls("Lag and architectures"):  # folded away in presenter mode; the buttons stay
        lag = st.slider("Lag k (words after the decisive word)", longrange_task.min_lag(), 120, key=K.LONGRANGE_LAG,
                        disabled=busy)
        st.multiselect("Architectures", ARCHITECTURES, key=K.LONGRANGE_ARCHS, disabled=busy)
        st.select_slider("Learning rate (Adam)", RATES, format_func=lambda r: f"{r:g}", key=K.LONGRANGE_LEARNING_RATE,
                         disabled=busy)
        seed = int(st.number_input("Seed", 0, 999, key=K.LONGRANGE_SEED, disabled=busy))
        settings = long_range_view.training_settings()
        st.caption(f"{settings['train_size']:,} training and {settings['val_size']:,} validation sentences, "
                   f"embedding {settings['embed_dim']}, {settings['units']} units, at most {settings['max_epochs']} "
                   f"epochs or {settings['max_seconds']:.0f} s per model.")
    # Both buttons always drawn, one disabled: a widget that changes places leaves its old self on the page (greyed,
    # still clickable) until the script run ends, and this run trains for minutes.
    train_button, stop_button = st.columns(2)
    train_button.button("Train", type="primary", icon=":material/play_arrow:", key=K.LONGRANGE_TRAIN,
                        disabled=busy or not st.session_state[K.LONGRANGE_ARCHS], on_click=longrange_queue.enqueue)
    stop_button.button("Stop", icon=":material/stop:", key=K.LONGRANGE_STOP, disabled=not busy,
                       on_click=longrange_queue.stop, help="Ends the training; models already trained stay in the "
                       "results.")

if queue:
    with results_column:
        st.session_state[K.LONGRANGE_NOTICE] = longrange_queue.train(settings)
    st.rerun()  # draws the controls enabled again, with the results
notice = st.session_state.get(K.LONGRANGE_NOTICE)
if notice:
    getattr(results_column, notice[0])(notice[1])
if results:
    results_column.plotly_chart(presenter.chart(charts_cell.accuracy_by_lag(results, title="Your runs")),
                                width="stretch")
    results_column.dataframe(long_range_view.results_table(results), hide_index=True)
else:
    results_column.info("Pick a lag and press Train: each model takes up to a minute.", icon=":material/info:")

if long_range_view.runs_at(lag, seed):
    st.subheader(f"How much gradient reaches each word (lag {lag})")
    chart = charts_cell.task_gradient(long_range_view.gradients_at(lag, seed), lag)
    st.plotly_chart(presenter.chart(chart), width="stretch")
    st.markdown("The norm of the loss's gradient with respect to each word's embedding, over 200 fresh sentences, "
                "by distance from the last word; dashed: the same network untrained; dotted: the decisive word. "
                "Compare each solid line with its dashed twin there: untrained, the LSTM's and GRU's gradient fades "
                "with distance (their gates start half closed) and training lifts it; at a long lag and a learning "
                "rate of 0.01 the SimpleRNN's collapses instead.")

page_parts.think_about_it(*long_range_view.think_about_it(measured))
