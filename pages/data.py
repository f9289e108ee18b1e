"""Data: the 3000 labelled sentences, their sources and lengths, and how a sentence becomes token ids.

Everything here is pandas and pure Python (rnnlab.text's twins of TextVectorization), so the page opens without
TensorFlow; the vocabulary and ids are those of the lesson's vectorizer adapted on all 3000 sentences. A learner
may upload their own sentences instead; the charts then describe those.
"""

import streamlit as st

from rnnlab import charts
from rnnlab.data import validation_split_pitfall
from rnnlab.text import sentence_lengths, token_ids
from rnnlab.ui import classroom_view, dataset, frame, guards, page_parts, presenter, widgets
from rnnlab.ui.state import StateKeys

frame.require_app_frame()  # a page opened by its own address on a fresh server

SHOWN_WORDS = 100

st.title("The data: labelled sentences, and how text becomes numbers")
st.markdown(
    "Each line of the UCI *Sentiment Labelled Sentences* set is one review sentence with a label: 1 positive, "
    "0 negative, from Amazon, IMDB and Yelp (counted below). A network cannot read words, so a TextVectorization "
    "layer lowercases each sentence, strips punctuation, splits it at spaces and replaces every word by its "
    "rank in the vocabulary. Batches are padded with 0 to their longest sentence, not to a fixed length."
)
guards.require_data()
df = dataset.chosen_data()
counts = dataset.chosen_vocabulary_counts()
lengths = sentence_lengths(df["text"])
if dataset.data_choice():
    st.info("These charts describe **your uploaded sentences**, which every page now trains on (see *Bring your "
            "own data* below to switch back).", icon=":material/upload_file:")

balance, histogram = presenter.columns(2)  # one under the other in presenter mode
balance.plotly_chart(presenter.chart(charts.class_balance(df)), width="stretch")
histogram.plotly_chart(presenter.chart(charts.length_histogram(lengths, by=df["source"])), width="stretch")

sentences, vocabulary, mean_length, longest = st.columns(4)
sentences.metric("Sentences", f"{len(df):,}")
vocabulary.metric("Vocabulary (with '' and [UNK])", f"{len(counts) + 2:,}")
mean_length.metric("Mean length", f"{lengths.mean():.1f} words")
longest.metric("Longest sentence", f"{lengths.max()} words")

st.subheader("The vocabulary")
tokens, explanation = presenter.columns([3, 2])
tokens.plotly_chart(presenter.chart(charts.top_tokens(counts, n=20)), width="stretch")
with explanation:
    st.markdown(
        "Words are numbered by falling frequency, starting at 2, because two ids are reserved:\n\n"
        "- **0, the empty string `''`: padding.** Short sentences in a batch are filled with 0 up to the longest; "
        "the Embedding layer's `mask_zero=True` tells the recurrent layer to skip those steps.\n"
        "- **1, `[UNK]`: any word outside the vocabulary**, such as a name the data never contained.\n\n"
        + ("Try it: with your sentences' vocabulary the ids differ from the lesson's." if dataset.data_choice()
           else "Try it: *very good movie* is {}; *Mochen Yang* is {}, two unknown words.".format(
               *(list(token_ids(example, counts)[1]) for example in ("very good movie", "Mochen Yang"))))
    )
    widgets.init_state({StateKeys.DATA_SENTENCE: "very good movie"})
    typed = st.text_input("Type a sentence", key=StateKeys.DATA_SENTENCE)
    words, ids = token_ids(typed, counts)
    shown = min(len(ids), SHOWN_WORDS)  # a pasted book shows only its start
    more = f" ... ({len(ids):,} words in all)" if len(ids) > shown else ""
    st.markdown(f"Token ids: **{ids[:shown]}**{more}" if words else "No words: only spaces, punctuation or nothing.")
    st.dataframe({"word": words[:shown], "token id": ids[:shown]}, hide_index=True, width="content")

classroom_view.upload_section()

st.subheader("A pitfall: Keras' validation_split")
# The pitfall is the UCI files' order, whatever this session trains on.
validation, trained_on, judged_on, only = validation_split_pitfall(dataset.sentiment_data(), 0.2)
st.markdown(
    "The lesson trains with `fit(..., validation_split=0.2)`. Keras then takes the **last** 20% of the rows as "
    "validation, unshuffled. The files are concatenated Amazon, IMDB, Yelp, so the validation set is "
    + (f"{judged_on[only]:,} {only.capitalize()} sentences and nothing else, while training gets all the other "
       f"sources and only {trained_on.get(only, 0):,} {only.capitalize()} sentences (the first ones of that "
       "file): the score measures one kind of review, from a model that saw few of them. "
       if only else f"{', '.join(f'{n:,} {s}' for s, n in judged_on.items())} sentences. ")
    + "RNN Lab's `split()` draws 20% of every source and class instead."
)
st.dataframe(validation, width="content")

page_parts.think_about_it(
    "With `validation_split=0.2` the lesson's model scores well on validation. What exactly did that number "
    "measure, and would you trust it for Amazon or IMDB reviews?",
    f"It measured how well a model trained on Amazon, IMDB and the first {trained_on.get('yelp', 0):,} Yelp "
    f"sentences classifies the last {judged_on.get('yelp', 0):,} Yelp sentences: restaurant reviews only. It "
    "says nothing about the other two sources. A split that "
    "draws from every source and class (or one that holds a whole source out, as the Train page offers) "
    "measures what you mean to measure.",
)
