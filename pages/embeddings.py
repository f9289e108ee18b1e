"""What the embedding learned: a trained model's Embedding projected to 2D beside the same architecture untrained,
each word coloured by its lean in the training sentences, with nearest neighbours before and after training.

The numbers come from rnnlab.embeddings (PCA, lean, neighbours and separability, all NumPy on the weights).
"""

import streamlit as st

from rnnlab import embeddings
from rnnlab.charts import embedding as charts_embedding
from rnnlab.ui import embeddings_view, frame, guards, page_parts, presenter, stored, widgets
from rnnlab.ui.state import StateKeys as K

frame.require_app_frame()  # a page opened by its own address on a fresh server

st.title("What the embedding learned")
st.markdown(
    "Every word starts as a random vector of the Embedding layer. Nothing pre-trains it: the same loss that "
    "trains the recurrent layer and the classifier moves these vectors too (**end to end**). Here each word's "
    "vector is flattened to two dimensions (its first two principal components), coloured by how much the word "
    "leans positive (green) or negative (vermilion) in the training sentences and sized by how often it occurs. "
    "On the right, the same architecture before training: the weights it started from."
)
trained = stored.trained_jobs()
if not trained:
    guards.offer_quick_train("embeddings")
else:
    widgets.init_state({K.EMBED_MIN_COUNT: 2, K.EMBED_WORD: "great"})
    if st.session_state.get(K.EMBED_MODEL) not in trained:
        st.session_state[K.EMBED_MODEL] = next(iter(trained))
    model_column, count_column = st.columns([1, 2])
    name = model_column.selectbox("Model", list(trained), key=K.EMBED_MODEL)
    min_count = count_column.slider("Show the words seen at least this often", 1, 20, key=K.EMBED_MIN_COUNT)
    result = embeddings_view.maps(trained[name], min_count)  # kept: typing a word does not redo the maps
    st.markdown(f"**{name}**: its embedding after training, beside the same architecture untrained.")
    left, right = presenter.columns(2)  # one under the other in presenter mode
    for column, state in zip((left, right), embeddings_view.STATES):
        # The run's name is above: a long one in each half-width title would be cut at the chart's edge.
        title = f"{state.capitalize()} ({len(result[state]):,} words)"
        column.plotly_chart(presenter.chart(charts_embedding.embedding_map(result[state], title)),
                            width="stretch", key=f"embedding_{state}")
    after, before = result["separability"]["trained"], result["separability"]["untrained"]
    st.markdown(embeddings.separability_sentence(after, before))

    st.subheader("A word's nearest neighbours")
    word = st.text_input("A word", max_chars=60, key=K.EMBED_WORD)
    try:
        tables = embeddings_view.neighbour_tables(trained[name].result, word)
    except ValueError as error:
        st.warning(str(error), icon=":material/warning:")
    else:
        st.markdown("By cosine similarity of the embedding vectors (1 = the same direction).")
        for column, (state, table) in zip(st.columns(2), tables.items()):
            column.markdown(f"**{state.capitalize()}**")
            column.dataframe(table, hide_index=True, width="stretch",
                             column_config={"similarity": st.column_config.NumberColumn(format="%.3f")})

page_parts.think_about_it(
    "Which method trained this embedding: skip-gram, CBOW, both, or neither?",
    "Neither. Skip-gram and CBOW pre-train vectors on another task (predicting a word from its neighbours or "
    "the reverse). Here the vectors start random and only the sentiment loss moves them, so words end up close "
    "when they push the prediction the same way: the untrained map has no order, the trained one sorts words by "
    "lean, and a word's neighbours become words of the same sentiment rather than words used in the same places.",
)
