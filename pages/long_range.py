"""Long-range dependencies: a generated task whose label hangs on one word k words before the end; the learner
picks the lag and the architectures, trains, and sees who can still learn it and how much gradient gets there.

Everything is computed by rnnlab.longrange. Training runs here, in the page's own script run, one model after the
other with a progress bar (the background jobs of rnnlab.jobs train on the sentiment data only). So that a click
loses nothing, Train only queues the models (in session state) and the controls are disabled until the queue is
empty; a model whose run was cut short (the page left, the sidebar used) is trained again from its start when the
page is next drawn, and Stop empties the queue, keeping every model already trained.
"""

import pandas as pd
import streamlit as st

from rnnlab import baseline, charts_cell, longrange
from rnnlab.models import ARCHITECTURES
from rnnlab.ui import frame, longrange_queue, page_parts, presenter, widgets
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
example = longrange.make_task(lag=12, n=1, seed=4)
st.html(charts_cell.task_sentence_html(longrange.decode(example.ids[0]).split(), example.decisive_position,
                                       longrange.POSITIVE_WORDS + longrange.NEGATIVE_WORDS))
st.caption(f"An example with lag 12: the boxed word decides (label {'positive' if example.labels[0] else 'negative'}"
           "); the underlined ones are distractors.")

st.markdown(f"Counting cannot do it: a bag of words (rnnlab.baseline, logistic regression on which words a sentence "
            f"contains) scores **{baseline.longrange_accuracy(lag=75, seed=0):.1%}** on this task at lag 75, computed "
            "now on the same training and validation sentences the models get.")

st.subheader("Measured with `python -m rnnlab.longrange`")
measured = longrange.load_results()
if measured is None:
    st.info("No results file yet: `python -m rnnlab.longrange` trains the table (about ten minutes on two cores) "
            "and writes it to results/longrange.json.", icon=":material/info:")
else:
    seeds = sorted({row["seed"] for row in measured["rows"]})
    st.plotly_chart(presenter.chart(charts_cell.accuracy_by_lag(
        measured["rows"], title=f"Validation accuracy against the lag ({len(seeds)} seeds each)")), width="stretch")
    st.caption(longrange.describe_provenance(measured))
    spread = [longrange.load_results(path) for path in longrange.spread_files()]
    if spread:
        with st.expander(f"How much these numbers move: lag {longrange.DIAGNOSTIC_LAG}, more seeds, other thread "
                         "settings"):
            st.dataframe(longrange.spread_table(spread), hide_index=True, width="stretch")
            st.markdown(longrange.spread_summary(spread))
            st.caption("Each row: one file of results/, written by "
                       + "; ".join(f"`{r['provenance']['command']}`" for r in spread) + ".")

st.subheader("Try it")
controls, results_column = st.columns([1, 2])
widgets.init_state({K.LONGRANGE_LAG: 75, K.LONGRANGE_ARCHS: ["SimpleRNN", "LSTM", "GRU"],
                    K.LONGRANGE_LEARNING_RATE: longrange.DEFAULTS["learning_rate"], K.LONGRANGE_SEED: 0})
# A remembered value the widgets do not offer (an old session, a hand-set state) would make Streamlit raise.
if st.session_state[K.LONGRANGE_LEARNING_RATE] not in RATES:
    st.session_state[K.LONGRANGE_LEARNING_RATE] = longrange.DEFAULTS["learning_rate"]
chosen = st.session_state[K.LONGRANGE_ARCHS]
st.session_state[K.LONGRANGE_ARCHS] = [a for a in ARCHITECTURES if isinstance(chosen, (list, tuple)) and a in chosen]
queue = st.session_state.setdefault(K.LONGRANGE_QUEUE, [])
longrange_queue.pin_widgets()
results = st.session_state.setdefault(K.LONGRANGE_RESULTS, [])
runs = st.session_state.setdefault(K.LONGRANGE_RUNS, {})

busy = bool(queue)
with controls:
    with presenter.controls("Lag and architectures"):  # folded away in presenter mode; the buttons stay
        lag = st.slider("Lag k (words after the decisive word)", longrange.min_lag(), 120, key=K.LONGRANGE_LAG,
                        disabled=busy)
        st.multiselect("Architectures", ARCHITECTURES, key=K.LONGRANGE_ARCHS, disabled=busy)
        st.select_slider("Learning rate (Adam)", RATES, format_func=lambda r: f"{r:g}", key=K.LONGRANGE_LEARNING_RATE,
                         disabled=busy)
        seed = int(st.number_input("Seed", 0, 999, key=K.LONGRANGE_SEED, disabled=busy))
        settings = longrange.DEFAULTS | st.session_state.get(K.LONGRANGE_OVERRIDES, {})
        settings = {k: v for k, v in settings.items() if k in longrange.DEFAULTS}
        st.caption(f"{settings['train_size']:,} training and {settings['val_size']:,} validation sentences, "
                   f"embedding {settings['embed_dim']}, {settings['units']} units, at most {settings['max_epochs']} "
                   f"epochs or {settings['max_seconds']:.0f} s per model.")
    # Both buttons always drawn, one disabled: a widget that changes places leaves its old self on the page (greyed,
    # still clickable) until the script run ends, and this run trains for minutes.
    train_button, stop_button = st.columns(2)
    train_button.button("Train", type="primary", icon=":material/play_arrow:", key="longrange.train",
                        disabled=busy or not st.session_state[K.LONGRANGE_ARCHS], on_click=longrange_queue.enqueue)
    stop_button.button("Stop", icon=":material/stop:", key="longrange.stop", disabled=not busy,
                       on_click=longrange_queue.stop, help="Ends the training; models already trained stay in the "
                       "results.")

if queue:
    with results_column:
        st.session_state[K.LONGRANGE_NOTICE] = ("success", longrange_queue.train(settings))
    st.rerun()  # draws the controls enabled again, with the results
notice = st.session_state.get(K.LONGRANGE_NOTICE)
if notice:
    getattr(results_column, notice[0])(notice[1])
if results:
    results_column.plotly_chart(presenter.chart(charts_cell.accuracy_by_lag(results, title="Your runs")),
                                width="stretch")
    results_column.dataframe(pd.DataFrame(results).sort_values(["lag", "arch", "seed"]), hide_index=True)
else:
    results_column.info("Pick a lag and press Train: each model takes up to a minute.", icon=":material/info:")

at_lag = {key: run for key, run in runs.items() if key[1] == lag and key[2] == seed}
if at_lag:
    st.subheader(f"How much gradient reaches each word (lag {lag})")
    gradients = st.session_state.setdefault(K.LONGRANGE_GRADIENTS, {})
    with st.spinner("Measuring gradients..."):
        for key, run in at_lag.items():
            if key not in gradients:
                gradients[key] = longrange.gradient_by_step(run).assign(model=key[0])
    chart = charts_cell.task_gradient(pd.concat([gradients[k] for k in at_lag]), lag)
    st.plotly_chart(presenter.chart(chart), width="stretch")
    st.markdown("The norm of the loss's gradient with respect to each word's embedding, over 200 fresh sentences, "
                "by distance from the last word; dashed: the same network untrained; dotted: the decisive word. "
                "Compare each solid line with its dashed twin there: untrained, the LSTM's and GRU's gradient fades "
                "with distance (their gates start half closed) and training lifts it; at a long lag and a learning "
                "rate of 0.01 the SimpleRNN's collapses instead.")

slow = longrange.load_results(longrange.SLOW_RESULTS_PATH)
page_parts.think_about_it(
    longrange.think_question(measured, slow),
    longrange.think_answer(measured, slow) if measured
    else "Run `python -m rnnlab.longrange` first: the answer quotes what it measures.",
)
