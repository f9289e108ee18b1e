"""Parameters: the ledger of every weight matrix and bias, per layer and gate, with the formulas, live.

All counts come from rnnlab.params (pure arithmetic, no TensorFlow); Keras' own count_params() is built only
when asked for, behind a button, to show the two agree.
"""

import streamlit as st

from rnnlab import charts, params
from rnnlab.models import ARCHITECTURES, DESCRIPTIONS, LESSON_ARCHS
from rnnlab.ui import dataset, frame, page_parts, presenter, stored, widgets
from rnnlab.ui.state import StateKeys as K

frame.require_app_frame()  # a page opened by its own address on a fresh server

st.title("Parameters: what each architecture pays for its memory")
st.markdown(
    "A recurrent layer learns one input kernel (d x h), one recurrent kernel (h x h) and a bias (h) for each "
    "gate, and reuses them at every word. A SimpleRNN has one such set; an LSTM has four (input, forget and "
    "output gates plus the cell candidate), a GRU three with a second bias each, and a bidirectional layer "
    "doubles whatever it wraps. The embedding, one row of d numbers per word, dwarfs them all."
)

# The lesson adapts its vectorizer on every sentence: its vocabulary, computed from the data.
ready, _ = dataset.data_status()
lesson_vocab = len(dataset.vocabulary_counts()) + 2 if ready else None
widgets.init_state({K.PARAMS_VOCAB: lesson_vocab or 5000, K.PARAMS_EMBED_DIM: 64, K.PARAMS_UNITS: 128,
                    K.PARAMS_ARCH: "LSTM"})
with presenter.controls("Sizes"):  # folded away in presenter mode
    vocab_column, embed_column, units_column = st.columns(3)
    vocab_size = vocab_column.slider("Vocabulary size", 1000, 20000, key=K.PARAMS_VOCAB,
                                     help="Starts at the lesson's: every word of all the sentences, plus padding "
                                     "and '[UNK]'.")
    embed_dim = embed_column.slider("Embedding size (d)", 8, 128, key=K.PARAMS_EMBED_DIM)
    units = units_column.slider("Units (h)", 8, 256, key=K.PARAMS_UNITS)

lesson = list(LESSON_ARCHS)
ledger = params.lesson_ledger(lesson, vocab_size, embed_dim, units)
with_embedding, without_embedding = presenter.columns(2)  # one under the other in presenter mode
with_embedding.plotly_chart(presenter.chart(charts.param_stacked_bars(ledger, title="The whole model")),
                            width="stretch")
without_embedding.plotly_chart(
    presenter.chart(charts.param_stacked_bars(ledger, include_embedding=False,
                                              title="The recurrent layer and classifier only")),
    width="stretch",
)
comparison = params.compare(vocab_size, embed_dim, units, archs=lesson)
st.dataframe(
    comparison.rename(columns={"arch": "architecture", "recurrent_vs_simple_rnn": "recurrent / SimpleRNN's",
                               "recurrent_formula": "recurrent layer"}),
    hide_index=True,
    width="stretch",
    column_config={"recurrent / SimpleRNN's": st.column_config.NumberColumn("× SimpleRNN's", format="%.3fx"),
                   **{c: st.column_config.NumberColumn(format="localized")
                      for c in ("embedding", "recurrent", "classifier", "total")}},
)

st.subheader("The models you trained: their own ledgers")
trained = stored.trained_jobs()
if not trained:
    st.caption("Train a model (Train page) and its own ledger appears here, beside the lesson's.")
else:
    rows = params.trained_ledgers({name: job.config for name, job in trained.items()}, lesson_vocab,
                                  len(dataset.sentiment_data()) if lesson_vocab else 0)
    st.dataframe(rows, hide_index=True, width="stretch",
                 column_config={c: st.column_config.NumberColumn(format="localized")
                                for c in ("sentences", "vocabulary", "embedding", "recurrent", "classifier", "total")})
    st.markdown(
        "Why the two differ: training adapts the vocabulary on the **training sentences only**, so a word seen "
        "only in validation sentences is unknown to the model ('[UNK]') and gets no embedding row, while the "
        "lesson's recipe adapts it on all the sentences, validation included; only the embedding (V x d) "
        "changes."
    )

st.subheader("One architecture, gate by gate")
arch = st.segmented_control("Architecture", ARCHITECTURES, key=K.PARAMS_ARCH) or "LSTM"
st.caption(DESCRIPTIONS[arch])
table = params.breakdown(arch, vocab_size, embed_dim, units)
treemap, ledger_table = presenter.columns([2, 3])  # the ledger's six columns need the wider side
treemap.plotly_chart(presenter.chart(charts.param_treemap(table.assign(arch=arch),
                                                        title=f"Where {arch}'s parameters are")), width="stretch")
ledger_table.dataframe(table, hide_index=True, width="stretch", height=560,
                       column_config={"count": st.column_config.NumberColumn(format="localized", width="small"),
                                      "formula": st.column_config.TextColumn(width="small"),
                                      "numbers": st.column_config.TextColumn(width="small")})
ledger_table.metric(f"{arch} total", f"{int(table['count'].sum()):,}")

st.subheader("Does Keras agree?")
checked = st.session_state.setdefault(K.KERAS_COUNTS, {})
settings = (vocab_size, embed_dim, units)
if st.button("Count with Keras", icon=":material/fact_check:",
             help="Builds each model with Keras and calls count_params() (loads TensorFlow: a few seconds)"):
    with st.spinner("Building the models with Keras..."):
        checked[settings] = params.keras_counts(*settings)
if settings in checked:
    st.dataframe(params.keras_agreement(checked[settings], *settings), hide_index=True, width="content")
else:
    st.caption("Press the button to build the five models with Keras for these sizes and compare its counts.")

page_parts.think_about_it(
    f"Move the units from {units} to {2 * units}. Which parts of the LSTM grow, by how much, and why does the "
    "recurrent layer grow faster than the units do?",
    params.doubling_answer("LSTM", vocab_size, embed_dim, units),
)
