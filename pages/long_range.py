"""Long-range dependencies: a generated task whose label hangs on one word k words before the end; the learner
picks the lag and the architectures, trains, and sees who can still learn it and how much gradient gets there.

Everything is computed by rnnlab.longrange. Training runs here, in the page, one model after the other with a
progress bar (about 20 to 40 s per model): the background jobs of rnnlab.jobs train on the sentiment data only.
"""

import pandas as pd
import streamlit as st

from rnnlab import charts_cell, longrange
from rnnlab.models import ARCHITECTURES
from rnnlab.ui import helpers, presenter
from rnnlab.ui.state import StateKeys as K

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

st.subheader("Measured on this machine")
st.plotly_chart(presenter.chart(charts_cell.accuracy_by_lag(
    longrange.MEASURED, title="Validation accuracy against the lag (3 seeds each)")), width="stretch")

st.subheader("Try it")
controls, results_column = st.columns([1, 2])
helpers.init_state({K.LONGRANGE_LAG: 75, K.LONGRANGE_ARCHS: ["SimpleRNN", "LSTM", "GRU"],
                    K.LONGRANGE_LEARNING_RATE: longrange.DEFAULTS["learning_rate"], K.LONGRANGE_SEED: 0})
lag = controls.slider("Lag k (words after the decisive word)", longrange.min_lag(), 120, key=K.LONGRANGE_LAG)
archs = controls.multiselect("Architectures", ARCHITECTURES, key=K.LONGRANGE_ARCHS)
rate = controls.select_slider("Learning rate (Adam)", [1e-3, 3e-3, 1e-2], format_func=lambda r: f"{r:g}",
                              key=K.LONGRANGE_LEARNING_RATE)
seed = int(controls.number_input("Seed", 0, 999, key=K.LONGRANGE_SEED))
settings = longrange.DEFAULTS | st.session_state.get(K.LONGRANGE_OVERRIDES, {}) | dict(learning_rate=rate)
controls.caption(f"{settings['train_size']:,} training and {settings['val_size']:,} validation sentences, "
                 f"embedding {settings['embed_dim']}, {settings['units']} units, at most {settings['max_epochs']} "
                 f"epochs or {settings['max_seconds']:.0f} s per model.")
results = st.session_state.setdefault(K.LONGRANGE_RESULTS, [])
runs = st.session_state.setdefault(K.LONGRANGE_RUNS, {})
if controls.button("Train", type="primary", icon=":material/play_arrow:", disabled=not archs):
    with st.status(f"Training {len(archs)} model(s) at lag {lag}...", expanded=True) as status:
        bar = st.progress(0.0)
        for number, arch in enumerate(archs):
            def show(epoch, logs, arch=arch, number=number):
                done = (number + (epoch + 1) / settings["max_epochs"]) / len(archs)
                bar.progress(min(done, 1.0), text=f"{arch}: epoch {epoch + 1}, validation accuracy "
                                                  f"{logs['val_accuracy']:.1%}, {logs['seconds']:.0f} s")

            run = longrange.train_on_task(arch, lag, seed, on_epoch=show,
                                          **{k: v for k, v in settings.items() if k in longrange.DEFAULTS})
            name = longrange.run_name(arch, rate)
            runs[(name, lag, seed)] = run
            results[:] = [r for r in results if (r["arch"], r["lag"], r["seed"]) != (name, lag, seed)]
            results.append(dict(arch=name, lag=lag, seed=seed, val_accuracy=run.val_accuracy,
                                epochs=len(run.history["val_accuracy"]), seconds=round(run.seconds, 1)))
            bar.progress((number + 1) / len(archs), text=f"{arch}: {run.val_accuracy:.1%} in {run.seconds:.0f} s")
        status.update(label=f"Trained {len(archs)} model(s) at lag {lag}", state="complete")

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

helpers.think_about_it(
    "At a learning rate of 0.01 the SimpleRNN stays at chance at lag 75 while the LSTM and GRU learn it. Now set "
    "the learning rate to 0.001 and train the SimpleRNN again: it learns the task in one epoch. What went wrong "
    "at 0.01, and what do the gates protect?",
    "Look at the gradient chart (numbers measured here, lag 75). Keras starts a SimpleRNN with orthogonal "
    "recurrent weights, which pass the gradient on almost unchanged: untrained, 0.26 reaches the decisive word. "
    "At 0.01 the large steps grew those weights (largest singular value from 1 to 2.2) and pushed a fifth of the "
    "units into the flat ends of tanh, so the product of 75 step-to-step factors vanished, to 9e-7: the lesson's "
    "w^t with nothing to stop it. At 0.001 the weights stay near where they started and the gradient survives. "
    "The gated cells start worse, not better: an untrained LSTM's gradient at the decisive word is 6e-8, its "
    "forget gates near 0.73 at every word. But training can open them: a forget (or update) gate near 1 passes "
    "the state, and its gradient, along an additive path (1e-3 after training), and an input gate that closes "
    "after the first signal word keeps the distractors out. The long-term dependency problem is real; gates "
    "make it learnable rather than a matter of where training happens to take the weights.",
)
