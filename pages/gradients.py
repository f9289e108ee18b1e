"""Gradients: the lesson's one-weight toy h_t = w^t h_0 beside gradients measured on this session's models.

The toy is NumPy (rnnlab.gradients.toy); the measurements run TensorFlow on the trained models and their
untrained twins, once per model (kept in the session), on validation sentences of at least 20 words.
"""

import streamlit as st

from rnnlab import charts, gradient_curves, gradients, measure
from rnnlab.charts.gradients import LOG_T_FROM
from rnnlab.ui import figures, frame, guards, page_parts, presenter, stored, training_gradients, widgets
from rnnlab.ui.state import StateKeys as K

frame.require_app_frame()  # a page opened by its own address on a fresh server

st.title("Gradients: why long sentences are hard to learn from")
st.markdown(
    "Training moves each weight along the gradient of the loss, and in a recurrent network that gradient has "
    "to travel back through every word. Strip a simple RNN down to one weight w, no input and no activation: "
    "h_t = w^t h_0, so dh_t/dw = t w^(t-1) h_0. Over enough steps this **vanishes** when w is below 1, even a little "
    "(it takes longer the closer w is to 1), and **explodes** when it is above: gradient descent stops moving "
    "or becomes unstable."
)

st.subheader("The toy: one weight, many steps")
chart_column, control_column = presenter.columns([3, 1])  # one under the other in presenter mode
widgets.init_state({K.GRADIENTS_W: 0.9, K.GRADIENTS_T: 150})
with control_column, presenter.controls("w and t"):  # folded away in presenter mode
    w_low, w_high, w_step = gradients.W_RANGE
    w = st.slider("w", w_low, w_high, step=w_step, key=K.GRADIENTS_W)
    t_max = st.slider("t (steps)", 1, gradients.T_MAX, key=K.GRADIENTS_T,
                      help=f"Past {LOG_T_FROM} steps the t axis turns logarithmic, so the first steps stay readable.")
toy = gradients.toy(w, t_max, h0=1.0)
chart_column.plotly_chart(presenter.chart(charts.toy_gradient(toy)), width="stretch")
control_column.markdown(gradients.toy_verdict(w, t_max)["message"])

st.subheader("Measured on your models")
st.markdown(
    "For each trained model (a line in its architecture's colour) and, once per architecture, an untrained one "
    "(faint, dotted): how large the gradient of the "
    "loss is with respect to each word's embedding, by distance from the last word, averaged over the "
    f"validation sentences of at least {measure.MIN_WORDS} words."
)
trained = stored.trained_jobs()
if not trained:
    guards.offer_quick_train("measured gradients")
else:
    drawn = presenter.choose_runs(list(trained), "gradients", label="Models drawn")
    trained = {name: trained[name] for name in drawn}
    measured = st.session_state.setdefault(K.MEASURED_GRADIENTS, {})
    page_parts.measure_each(trained, measured, measure.gradient_norms, "Measuring gradients",
                            f"Each model and an untrained twin read up to {measure.GRADIENT_SENTENCES} long validation sentences forwards and "
                            "backwards, once per model, kept in the run store for every session (the first time also loads TensorFlow).")
    drawn = measure.drawn(trained, measured)
    if drawn is not None:
        st.plotly_chart(figures.gradient_by_step(drawn), width="stretch")  # built once for every session
        st.markdown(gradient_curves.describe_curves(drawn))
        bidirectional = any(job.config["arch"].startswith("Bi") for job in trained.values())
        st.markdown(
            ("**Why the BiLSTM looks different:** " if bidirectional else "**Train a BiLSTM to compare:** ")
            + "its backward reader starts at the last word and finishes on the first, so the earliest words sit "
            "right next to one of the two final states the classifier reads. Their gradient does not have to "
            "cross the whole sentence, and the line stays high (or rises again) far from the end."
        )
    else:
        st.info(f"None of the validation sentences has {measure.MIN_WORDS} words or more, so there is nothing to average.")

    training_gradients.gradients_over_training(trained)
    training_gradients.gradient_norms_per_batch(trained)

    st.markdown(
        "**The chain itself**, the quantity the toy's w^t stands for: ‖∂h_T/∂h_t‖, how strongly the last hidden "
        "state moves when the hidden state t words earlier is nudged (the largest singular value of that "
        "Jacobian, a product of one matrix per word; for a bidirectional model, its forward reader), averaged "
        f"over {measure.JACOBIAN_SENTENCES} of the same long sentences. Faint and dotted: untrained."
    )
    chains = st.session_state.setdefault(K.MEASURED_JACOBIANS, {})
    page_parts.measure_each(trained, chains, measure.jacobian_norms, "Measuring Jacobian chains",
                            f"One Jacobian per word of {measure.JACOBIAN_SENTENCES} long sentences, once per model.")
    drawn_chains = measure.drawn(trained, chains)
    if drawn_chains is not None:
        st.plotly_chart(figures.jacobian_chain(drawn_chains), width="stretch")
        st.markdown("The chain, line by line: " + gradient_curves.describe_curves(drawn_chains, "jacobian_norm"))
    st.markdown(
        "**Gates do not stop explosions.** The LSTM's additive cell-state path (c_t = f_t c_(t-1) + i_t c~_t) "
        "lets a gradient pass without being squashed at every step, which answers the *vanishing* gradient; it "
        "does not by itself prevent *exploding* ones: the path through h_t and the recurrent kernels can still "
        "grow, and a forget gate near 1 passes growth as faithfully as it passes signal. The usual remedy is "
        "to clip the gradient's norm."
    )

page_parts.think_about_it(
    "Is the vanishing or exploding gradient a problem for deep feed-forward networks too?",
    "Yes: the gradient is multiplied once per layer on its way back, so through many layers it can also shrink "
    "or grow. But each feed-forward layer has its own weights, so it is a product of different matrices, not "
    "one weight w raised to the power t as in a recurrent network, which reuses the same weights at every step.",
)
