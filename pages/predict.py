"""Predict: every model trained in this session reads the same sentences, side by side, and word by word.

The probabilities come from rnnlab.predict (models called directly, a lock per model); with no model trained
yet the page says so and offers a one-click quick training of the lesson's four architectures.
"""

import streamlit as st

from rnnlab import baseline, predict
from rnnlab.ui import figures, frame, guards, page_parts, predict_view, presenter, stored, widgets
from rnnlab.ui.state import StateKeys as K

frame.require_app_frame()  # a page opened by its own address on a fresh server

st.title("Predict: how sure is each network?")
st.markdown(
    "Each model reads a sentence word by word and turns its final hidden state into P(positive): near 1 means "
    "positive, near 0 negative. Try your own: negations, sarcasm, unknown words."
)  # short, so that on a phone the first result is on the first screen
runs = stored.trained_runs()
if not runs:
    guards.offer_quick_train("predictions")
else:
    drawn = presenter.choose_runs(list(runs), "predict", label="Models compared")
    runs = {name: runs[name] for name in drawn}
    widgets.init_state({K.PREDICT_TEXT: "I hate this meal!\nI love this restaurant"})
    text = st.text_area("Sentences, one a line", height=100, key=K.PREDICT_TEXT)
    sentences, warnings = predict.clean_sentences(text, max_sentences=20, max_chars=2000)
    sentences = list(dict.fromkeys(sentences))  # a sentence typed twice is shown once
    for warning in warnings:
        st.warning(warning, icon=":material/warning:")
    # The order-blind reference, fitted on the split of the first model (the lesson's default for stored runs).
    jobs_used = stored.trained_jobs()
    try:
        reference = baseline.for_config(next(iter(jobs_used.values())).config if jobs_used else {})
    except ValueError:  # a configuration from an older store: the default split
        reference = baseline.for_config({})
    st.caption(f"{baseline.NAME}: ignores word order (logistic regression on which words a sentence "
               f"contains; validation accuracy {reference.val_accuracy:.3f}).")

    if sentences and runs:
        # The table and the bars each get the page's width: beside the text box they cut off model columns.
        table = predict_view.probability_table(runs, sentences, reference)  # shared by every session: read-only
        predict_view.show_probability_table(table)
        st.plotly_chart(figures.prediction_bars(table), width="stretch")  # built once for every session

        st.subheader("Word by word: how the networks read")
        st.caption("The probability each model would give if the sentence stopped after each word.")
        widgets.follow_new_option(K.PREDICT_SENTENCE, sentences, K.PREDICT_SENTENCES_SEEN)
        sentence = st.selectbox("Sentence (the last one typed, or pick another)", sentences, key=K.PREDICT_SENTENCE)
        prefixes = predict_view.prefixes(runs, sentence)
        if prefixes.empty:
            st.info("This sentence has no words the vectorizer keeps (only punctuation or spaces).")
        else:
            unknown = predict.only_unknown_words(prefixes)
            if unknown:
                st.info(
                    f"Every word of this sentence is outside the vocabulary of {', '.join(unknown)}: "
                    f"{'it' if len(unknown) == 1 else 'they'} read only [UNK] tokens "
                    f"({prefixes['position'].max()} of them). The probability is then the model's answer to "
                    "'some unknown words', the same for any sentence of that many unknown words: it says "
                    "nothing about what these words mean.",
                    icon=":material/help:",
                )
            st.plotly_chart(figures.prefix_lines(prefixes), width="stretch")
            st.caption("A bidirectional model also reads each prefix backwards, from its last word.")
            if st.toggle("Shuffle the words", key=K.PREDICT_SHUFFLE,
                         help="The same words in a random order: who notices?"):
                mixed = baseline.shuffled(sentence, seed=0)
                both = predict.probabilities(runs, [sentence, mixed])
                both[baseline.NAME] = reference.predict([sentence, mixed])
                both.index = [f"as typed: {sentence}", f"shuffled: {mixed}"]
                predict_view.show_probability_table(both)
                moved = (both.iloc[1] - both.iloc[0]).abs()
                st.markdown(baseline.shuffle_sentence(moved.drop(baseline.NAME).to_dict(), moved[baseline.NAME]))

    st.subheader("Where word order matters")
    pairs, pairs_sentence = predict_view.order_pairs(runs, reference)
    presenter.dataframe(pairs, {name: st.column_config.NumberColumn(format="%.3f") for name in [*runs, baseline.NAME]})
    st.markdown(pairs_sentence)

page_parts.think_about_it(
    "Every model here is *many-to-one*: a whole sentence in, one probability out. Which tasks need "
    "*many-to-many* instead, and how is such a network built?",
    "Translation, summarisation and chat produce a sequence, not one number. They use an **encoder-decoder**: "
    "one recurrent network reads the input into a state, a second one writes the output word by word from it "
    "(a later lesson; Cho et al., 2014). Classification and regression, like sentiment here, are many-to-one.",
)
