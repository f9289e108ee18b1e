"""Inside the cell: one trained model of this session reads a sentence, and every gate and state is shown word by
word beside the equation that computes it, with each word's share in the answer.

The numbers come from rnnlab.inspect, which steps the layer's own trained weights (tests check it against Keras).
"""

import streamlit as st

from rnnlab import inspect
from rnnlab.charts import cell as charts_cell
from rnnlab.ui import frame, guards, page_parts, presenter, stored, widgets
from rnnlab.ui.state import StateKeys as K

frame.require_app_frame()  # a page opened by its own address on a fresh server


def show_cell(run, unrolled: dict, all_units: bool) -> None:
    """Every gate and state under its equation; a bidirectional model's two readers side by side. (The equation
    gets the full width: beside a heatmap, the GRU's candidate and the presenter's larger type were cut off.)
    Each reader shows its most active units unless `all_units`."""
    readers = inspect.readers(unrolled)
    if len(readers) == 2:
        st.markdown("A bidirectional model has two readers: the forward one reads left to right, the backward "
                    "one right to left (its columns run from the last word to the first). The classifier sees "
                    "both final columns.")
    k = 10**9 if all_units else charts_cell.MOST_ACTIVE_UNITS
    units = {reader: charts_cell.most_active_units(part, k) for reader, part in readers}
    total = readers[0][1]["hidden"].shape[1]
    shown = len(next(iter(units.values())))
    st.caption(f"All {total} units." if shown == total else
               f"The {shown} most active of {total} units (largest mean |h_t| over this sentence), the same "
               f"units in every heatmap of a reader, labelled with their numbers; {total - shown} more are "
               "folded away (switch on All units).")
    for array, equation in inspect.EQUATIONS[inspect.cell_kind(run.arch)].items():
        st.latex(equation)
        for column, (reader, part) in zip(presenter.columns(len(readers)), readers):  # stacked when presenting
            title = inspect.TITLES[array] + (f", {reader} reader" if reader else "")
            column.plotly_chart(presenter.chart(charts_cell.unit_heatmap(part, array, units[reader], title)),
                                width="stretch")


st.title("Inside the cell: gates and states, word by word")
st.markdown(
    "The equations of the lesson, running. Pick a model trained in this session and type a sentence: each "
    "heatmap has one row per unit and one column per word, so you can watch a gate open (yellow, near 1) or "
    "close (dark, near 0) as a word arrives, and the hidden state (blue positive, red negative) change with it."
)
runs = stored.trained_runs()
if not runs:
    guards.offer_quick_train("cells to look inside")
else:
    model_column, sentence_column, units_column = st.columns([1, 3, 1], vertical_alignment="bottom")
    name = model_column.selectbox("Model", list(runs), key=K.INSIDE_MODEL)
    widgets.init_state({K.INSIDE_SENTENCE: "The service was slow but the food was great"})
    sentence = sentence_column.text_input("Sentence", max_chars=400, key=K.INSIDE_SENTENCE)
    all_units = units_column.toggle("All units", key=K.INSIDE_ALL_UNITS,
                                    help=f"Every unit's row; by default the {charts_cell.MOST_ACTIVE_UNITS} "
                                         "most active on this sentence")
    run = runs[name]
    unrolled = inspect.unroll(run, sentence)
    if len(unrolled["tokens"]) == 0:
        st.info("This sentence has no words the vectorizer keeps: type a few words.")
    else:
        show_cell(run, unrolled, all_units)
        note = inspect.gate_sum_note(unrolled)
        if note:
            st.markdown(note)
        gates = inspect.mean_gate_by_word(unrolled)
        if not gates.empty:
            st.subheader("How much of the past each word keeps")
            st.plotly_chart(presenter.chart(charts_cell.gate_by_word(gates)), width="stretch")
            st.caption("Near 1 the cell keeps its memory through this word; a dip is a word that makes it forget. "
                       "For a GRU the update gate z_t plays the forget gate's role. "
                       + charts_cell.gate_dip_caption(gates))

        st.subheader("Which words moved the answer")
        contributions = inspect.word_contributions(run, sentence)  # under the model's lock
        st.markdown(f"**P(positive) = {contributions.attrs['probability']:.3f}**. Green words push it up, "
                    "orange ones down; hover a word for its number.")
        st.markdown("Leaving the word out: P(sentence) − P(sentence without it)")
        st.html(charts_cell.contribution_html(contributions["word"], contributions["leave_one_out"]))
        st.markdown("Gradient × input: the derivative of P along the word's own embedding, one backward pass")
        st.html(charts_cell.contribution_html(contributions["word"], contributions["gradient_x_input"]))

page_parts.think_about_it(
    "The GRU's state is h_t = z_t h_{t-1} + (1 − z_t) h̃_t, a weighted average of the past and the new (the "
    "LSTM's C_t = f_t C_{t-1} + i_t C̃_t is a gated sum, an average only when f_t + i_t = 1). What does this "
    "resemble from time-series forecasting?",
    "**Exponential smoothing**, where the forecast is a weighted average of the last forecast and the new "
    "observation. The difference: the GRU learns its weights (the gates) and changes them at every word, "
    "depending on what it reads, instead of using one fixed smoothing factor; the LSTM goes further, weighing "
    "the past and the new with two separate gates, so its memory can also grow or shrink as a whole.",
)
