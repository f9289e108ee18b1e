"""The Gradients page's curves from training itself (issue 12): each run's gradient by distance from the last
word at every epoch (an epoch slider, every model on one chart), and each batch's gradient norm with and without
clipping. rnnlab.training.train() records the numbers; these are their Streamlit layouts."""

from __future__ import annotations

import streamlit as st

from rnnlab import training
from rnnlab.charts import embedding as charts_embedding
from rnnlab.ui import presenter
from rnnlab.ui.state import StateKeys as K


def gradients_over_training(trained: dict) -> None:
    """The epoch slider over history['gradient_by_step'] of every trained model ({name: job}), on one chart."""
    st.markdown(
        "**As the network learned.** Every run measures the same curve once per epoch while it trains, on a "
        f"fixed {training.GRADIENT_SENTENCES} of these long validation sentences. Move the slider to see how it "
        "changes as the weights learn."
    )
    curves = {name: (job.config["arch"], list(job.result.history.get("gradient_by_step") or []))
              for name, job in trained.items()}
    curves = {name: curve for name, curve in curves.items() if any(curve[1])}
    if not curves:
        st.caption("These models were trained before runs recorded their gradients by epoch: train one to see it.")
        return
    last = max(len(per_epoch) for _, per_epoch in curves.values())
    if not 1 <= st.session_state.get(K.GRADIENTS_EPOCH, 0) <= last:
        st.session_state[K.GRADIENTS_EPOCH] = last  # first the curve at the end of training
    epoch = st.slider("After epoch", 1, last, key=K.GRADIENTS_EPOCH) if last > 1 else 1
    st.plotly_chart(presenter.chart(charts_embedding.gradient_by_epoch(curves, epoch)), width="stretch",
                    key="gradient_by_epoch")


def gradient_norms_per_batch(trained: dict) -> None:
    """Each batch's global gradient norm before clipping for every trained model, with the clipped runs'
    thresholds, and the largest norm of each (and the largest applied, for a clipped run)."""
    st.markdown(
        "**Exploding gradients, and the remedy.** The length (global norm) of each batch's whole gradient, "
        "before any clipping. The cell state's additive path helps gradients survive, but nothing stops one "
        "batch's gradient from being very long, even in an LSTM. Setting **Clip gradient norm** on the Train "
        "page scales such a gradient down to that length before the update (dotted: the threshold)."
    )
    runs = {name: (job.config["arch"], list(job.result.batch_history), job.config.get("clip_norm"))
            for name, job in trained.items()}
    runs = {name: run for name, run in runs.items() if any("grad_norm" in b for b in run[1])}
    if not runs:
        return
    st.plotly_chart(presenter.chart(charts_embedding.max_gradient_norm(runs)), width="stretch",
                    key="max_gradient_norm")
    largest = {name: training.largest_gradient_norm(history, clip) for name, (_, history, clip) in runs.items()}
    st.markdown("Largest gradient norm of any batch: " + "; ".join(
        f"{name} {norms['largest']:.3g}" + (f" (applied at most {norms['applied']:.3g})" if norms["clipped"] else "")
        for name, norms in largest.items()) + ".")
