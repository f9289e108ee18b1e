"""The Lesson page's parts: the step from the address (?step=4), Back / Next, the class's live strip (following
the instructor's step, the open poll with its answer buttons and live tally), the instructor's controls (only for
a session unlocked with RNNLAB_INSTRUCTOR_TOKEN), each step's live element drawn with the pages' own parts and
that step's settings, and the wall of the class's sentences.

Computation is in rnnlab.lesson, rnnlab.polls and rnnlab.wall; this module only lays out and calls them.
"""

from __future__ import annotations

import streamlit as st

from rnnlab import baseline, charts, lesson, polls, predict, wall
from rnnlab.charts import polls as charts_polls
from rnnlab.lru import LRU
from rnnlab.ui import figures, instructor_session, presenter, session, stored
from rnnlab.ui.state import StateKeys as K

QUERY_PARAM = "step"
SYNC_S = 1.0  # how often a session looks at the class's step and poll (a student follows within 2 s)
WALL_SYNC_S = 3.0


# The step and moving between steps.

def current_step() -> lesson.Step:
    """The step the address names; a malformed or out-of-range one says so and shows step 1."""
    number, message = lesson.parse_step(st.query_params.get(QUERY_PARAM))
    if message:
        st.warning(message, icon=":material/warning:")
        st.query_params[QUERY_PARAM] = "1"
    return number


def _go(number: int) -> None:
    """Show step `number` (a button's callback); a leading instructor moves the class with it, and a student who
    moves on their own stops following (else the next second would take them back)."""
    st.query_params[QUERY_PARAM] = str(number)
    token = instructor_session.token()
    if token and st.session_state.get(K.LESSON_LEAD, True):
        lesson.set_class_step(token, number)
    elif not token and st.session_state.get(K.LESSON_FOLLOW):
        st.session_state[K.LESSON_FOLLOW] = False
        st.session_state[K.LESSON_STOPPED_FOLLOWING] = True


def navigation(number: int, where: str) -> None:
    """Back, where the lesson is ('4 / 10') and Next, in one row on every screen (columns would stack on a
    phone)."""
    with st.container(horizontal=True, horizontal_alignment="distribute", vertical_alignment="center"):
        st.button("Back", icon=":material/arrow_back:", disabled=number <= 1, on_click=_go, args=(number - 1,),
                  key=f"lesson.back.{where}")
        st.markdown(f"Step {number} of {lesson.COUNT}", width="content")
        st.button("Next", icon=":material/arrow_forward:", disabled=number >= lesson.COUNT, on_click=_go,
                  args=(number + 1,), key=f"lesson.next.{where}", type="primary")


def step_title(number: int, step: lesson.Step) -> None:
    st.title(f"{number}. {step.title}")  # the page's one h1, as every page has
    st.markdown(step.text)


# The class: following the instructor, and the open poll.

def follow_toggle() -> None:
    """The student's switch; on a server with no instructor there is nothing to follow."""
    from rnnlab import auth

    if not auth.configured() or instructor_session.unlocked():
        return
    st.toggle("Follow the instructor", key=K.LESSON_FOLLOW,
              help="Your Lesson page moves to the step the instructor shows, within two seconds.")
    if st.session_state.pop(K.LESSON_STOPPED_FOLLOWING, False):
        st.caption("You moved on your own, so you no longer follow the instructor: switch it on again to rejoin.")


@st.fragment(run_every=SYNC_S)
def live_class(number: int) -> None:
    """Once a second: move a following student to the class's step, and draw the open poll."""
    if st.session_state.get(K.LESSON_FOLLOW) and not instructor_session.unlocked():
        class_step = lesson.class_step()
        if class_step is not None and class_step != number:
            st.query_params[QUERY_PARAM] = str(class_step)
            st.rerun(scope="app")
    poll = polls.current()
    if poll is not None:
        poll_box(poll)


def _answer(poll_id: int, choice) -> None:
    try:
        polls.answer(poll_id, session.session_id(), choice)
    except ValueError as error:
        st.session_state[K.LESSON_POLL_ERROR] = str(error)


def _correct_bars(tally: polls.Tally):
    """The bars the reveal colours green: the correct choices, or the number answers equal to the count."""
    if not tally.answer:
        return None
    return [answer for answer in tally.counts if polls.is_correct(tally.poll, answer)]


def poll_box(poll: polls.Poll) -> None:
    """The question, the answer buttons (one a row on a phone), this session's answer, the live tally and, once
    revealed, the computed answer beside it."""
    tally = polls.tally(poll.id)
    with st.container(border=True):
        st.markdown(f"**:material/how_to_vote: Class poll:** {poll.question}")
        mine = polls.my_answer(poll.id, session.session_id())
        if poll.state == polls.OPEN:
            if poll.kind == polls.CHOICE:
                with st.container(horizontal=True, gap="small"):  # in order, wrapping on a narrow screen
                    for i, choice in enumerate(poll.choices):
                        st.button(choice, key=f"lesson.poll.{poll.id}.{i}", on_click=_answer, args=(poll.id, choice),
                                  type="primary" if choice == mine else "secondary")
            else:
                with st.form(f"lesson.poll.{poll.id}.number", border=False):
                    typed = st.text_input("Your answer (a number)", key=K.LESSON_NUMBER_ANSWER)
                    if st.form_submit_button("Send my answer"):
                        _answer(poll.id, typed)
            error = st.session_state.pop(K.LESSON_POLL_ERROR, None)
            if error:
                st.error(error)
            mine = polls.my_answer(poll.id, session.session_id())
            st.caption(f"Your answer: **{mine}** (you may change it until the reveal)." if mine else
                       "Answer anonymously: the tally counts sessions, never names.")
        # Beside the tally also on the projector (st.columns, not presenter.columns); a phone stacks them.
        chart, answer = st.columns([3, 2]) if poll.state == polls.REVEALED else (st.container(), None)
        chart.plotly_chart(presenter.chart(charts_polls.poll_tally(
            tally.counts, _correct_bars(tally),
            title=f"{tally.total} answer{'s' if tally.total != 1 else ''}")), width="stretch",
            key=f"lesson.poll.chart.{poll.id}", config={"displayModeBar": False})
        if answer is not None:
            with answer:
                st.markdown("**The answer**")
                st.markdown(poll.answer.get("text") or "The instructor gives it.")
                if mine:
                    verdict = "right." if polls.is_correct(poll, mine) else "not this time."
                    st.caption(f"You answered {mine}: {verdict}")


# The instructor's controls (drawn only for an unlocked session).

def _builtin(key: str, runs: dict):
    """(question, choices, answer) of a built-in poll, computed from the models and results shown now."""
    from rnnlab import longrange_results
    if key == "not_bad":
        return polls.not_bad_question(runs, reference_for())
    if key == "lstm_parameters":
        found = lesson.first_of(runs, "LSTM")
        cfg = found[1].config if found else {}
        vocab = found[1].vocab_size if found else _lesson_vocab()
        return polls.lstm_parameters_question(vocab, cfg.get("embed_dim", 64), cfg.get("units", 128))
    if key == "long_range":
        return polls.long_range_question(longrange_results.load_results())
    if key == "embedding_method":
        return polls.embedding_method_question()
    raise KeyError(key)


def _lesson_vocab() -> int:
    from rnnlab.ui import dataset
    ready, _ = dataset.data_status()
    return len(dataset.vocabulary_counts()) + 2 if ready else 5404


def instructor_controls(step: lesson.Step, number: int, runs: dict) -> None:
    """Unlock (where the server has a token); once unlocked: lead the class, open, reveal and close polls, hide
    wall sentences. Nothing of it exists for a student."""
    if not instructor_session.unlock_form():
        return
    token = instructor_session.token()
    class_step = lesson.class_step()
    st.toggle("Lead the class", value=True, key=K.LESSON_LEAD,
              help="Back and Next move every student who follows you.")
    st.caption(f"The class is on step {class_step}." if class_step else "The class has no step yet.")
    if class_step != number and st.button("Move the class to this step", icon=":material/groups:"):
        lesson.set_class_step(token, number)
        st.rerun()
    poll = polls.current()
    if poll is not None:
        st.markdown(f"Poll open: *{poll.question}*")
        with st.container(horizontal=True, gap="small"):
            if poll.state == polls.OPEN and st.button("Reveal", icon=":material/visibility:", type="primary"):
                polls.reveal(token, poll.id)
                st.rerun()
            if st.button("Close the poll", icon=":material/close:"):
                polls.close(token, poll.id)
                st.rerun()
        return
    offered = {key: polls.BUILT_IN[key] for key in step.polls}
    if offered:
        key = st.selectbox("A question of this step", list(offered), format_func=offered.get, key=K.LESSON_POLL_PICK)
        if st.button("Open this poll", icon=":material/how_to_vote:", type="primary"):
            try:
                question, choices, answer = _builtin(key, runs or lesson_runs())
            except ValueError as error:
                st.error(str(error))
            else:
                polls.open_poll(token, question, choices, answer)
                st.rerun()
    with st.expander("Your own question"):
        question = st.text_input("Question", key=K.LESSON_OWN_QUESTION, max_chars=polls.MAX_QUESTION_CHARS)
        choices = st.text_area("Choices, one a line (none: a number question)", key=K.LESSON_OWN_CHOICES)
        answer = st.text_input("The answer, shown at the reveal (optional)", key=K.LESSON_OWN_ANSWER)
        if st.button("Open my poll", icon=":material/add:"):
            lines = [line for line in choices.splitlines() if line.strip()]
            try:
                polls.open_poll(token, question, lines or None, {"text": answer} if answer.strip() else None)
            except ValueError as error:
                st.error(str(error))
            else:
                st.rerun()


# The models the lesson shows.

def adopt_stored_models() -> None:
    """A session with no models of its own uses the run store's (for each lesson architecture, its run with the
    lesson's settings, else its newest), so a class opens the lesson, and then every page, on the stored models.
    Once per session; reads only the store's small files (no TensorFlow)."""
    if st.session_state.get(K.LESSON_ADOPTED):
        return
    st.session_state[K.LESSON_ADOPTED] = True
    if stored.trained_jobs():
        return
    from rnnlab import runs as run_store
    from rnnlab.config import config_key
    from rnnlab.prepare import lesson_configs

    listed, _ = run_store.list_runs()
    ids = lesson.lesson_run_ids(listed, [config_key(c) for c in lesson_configs()])
    if ids:
        st.session_state[K.STORED_RUN_IDS] = list(dict.fromkeys(session.stored_run_ids() + ids))


def lesson_runs(step: lesson.Step | None = None) -> dict:
    """name -> TrainedModel of the session's models (loaded, with TensorFlow, the first time); {} for a step that
    shows none."""
    if step is not None and not step.needs and step.key != "long_term":
        return {}
    return stored.trained_runs()


def missing_models(step: lesson.Step, runs: dict) -> bool:
    """Say what a step needs and how to get it (prepared models, or Quick train on the Train page); True when
    something is missing."""
    missing = lesson.missing_archs(step, [run.arch for run in runs.values()])
    if not missing:
        return False
    from rnnlab.models import LESSON_ARCHS
    from rnnlab.ui import address, guards

    archs = [arch for arch in missing if arch in LESSON_ARCHS] or list(LESSON_ARCHS)
    epochs = guards.QUICK_TRAIN["epochs"]
    st.info(f"This step shows trained models, and {', '.join(missing)} {'is' if len(missing) == 1 else 'are'} "
            "not trained yet. Before class, `python -m rnnlab.prepare` trains and stores the lesson's four models "
            f"for every session; or train them now: the link opens the Train page with {', '.join(archs)} and "
            f"{epochs} epochs set (the lesson's other settings).", icon=":material/model_training:")
    st.page_link("pages/train.py", label=f"Train {', '.join(archs)} ({epochs} epochs)",
                 icon=":material/model_training:",
                 query_params=address.encode({K.TRAIN_ARCHS: archs, K.TRAIN_EPOCHS: epochs}))
    return True


def reference_for(runs: dict | None = None):
    """The order-blind baseline fitted on the first model's split (the Predict page's choice)."""
    jobs_used = stored.trained_jobs()
    try:
        return baseline.for_config(next(iter(jobs_used.values())).config if jobs_used else {})
    except ValueError:
        return baseline.for_config({})


def notice(text: str) -> None:
    """The step's "what to notice", computed from what it shows."""
    if text:
        st.markdown(f":material/lightbulb: **Notice:** {text}")


def question(step: lesson.Step) -> None:
    """The lesson's question at this point, its answer folded until asked for."""
    if step.question:
        st.markdown(f"**:red[Question:]** {step.question}")
        with st.expander("Show the answer"):
            st.markdown(step.answer)


# The class's sentences.

_scored = LRU(64)


def _scored_wall(texts: tuple, runs: dict, reference):
    from rnnlab.ui.predict_view import models_key

    key = models_key(runs)
    build = lambda: wall.scored(list(texts), runs, reference)  # noqa: E731
    return build() if key is None else _scored.get((key, texts, id(reference)), build)


def wall_form() -> None:
    """A student's sentence for the wall (Predict's cleaning, at most three a minute)."""
    limit = st.session_state.setdefault(K.LESSON_WALL_LIMIT, wall.SendLimit())
    with st.form("lesson.wall", clear_on_submit=True, border=False):
        text = st.text_input(f"Send a sentence to the wall (at most {wall.MAX_CHARS} characters)",
                             key=K.LESSON_WALL_TEXT, max_chars=wall.MAX_CHARS)
        if st.form_submit_button("Send to the wall", icon=":material/send:"):
            try:
                _, warnings = wall.send(text, limit)
            except ValueError as error:
                st.warning(str(error), icon=":material/warning:")
            else:
                st.success("On the wall.", icon=":material/check:")
                for warning in warnings:
                    st.caption(warning)


@st.fragment(run_every=WALL_SYNC_S)
def wall_board(runs: dict) -> None:
    """The wall: every sentence with every model's P(positive) and the bag of words', most disagreed first."""
    shown = wall.sentences()
    if not shown:
        st.caption("The wall is empty: send a sentence above.")
        return
    table = _scored_wall(tuple(s.text for s in shown), runs, reference_for())
    columns = [c for c in table.columns if c != wall.DISAGREEMENT]
    presenter.dataframe(table.reset_index(), {**{c: st.column_config.NumberColumn(format="%.3f") for c in columns},
                                              wall.DISAGREEMENT: st.column_config.NumberColumn(format="%.3f")})
    if len(table):
        top = table.index[0]
        notice(f"The models split most on *{top}*: from {table.loc[top, columns].min():.3f} to "
               f"{table.loc[top, columns].max():.3f}.")


def wall_moderation() -> None:
    """The instructor hides sentences (on every projector)."""
    token = instructor_session.token()
    if not token:
        return
    shown = wall.sentences()
    if not shown:
        return
    by_text = {f"{s.id}: {s.text}": s.id for s in shown}
    hide = st.multiselect("Hide from the wall", list(by_text), key=K.LESSON_HIDE)
    if hide and st.button("Hide", icon=":material/visibility_off:"):
        for label in hide:
            wall.set_hidden(token, by_text[label])
        st.rerun()


# Each step's live element: the pages' own charts and tables, with the step's settings.

def draw_data(step: lesson.Step, runs: dict) -> None:
    from rnnlab.text import token_ids
    from rnnlab.ui import dataset

    ready, message = dataset.data_status()
    if not ready:
        st.error(f"The data set is not available: {dataset.headline(message)}", icon=":material/error:")
        st.page_link("pages/home.py", label="Get the data (Home)", icon=":material/download:")
        return
    df, counts = dataset.sentiment_data(), dataset.vocabulary_counts()
    st.plotly_chart(presenter.chart(charts.class_balance(df)), width="stretch")
    examples = step.settings["sentences"]
    rows = [{"sentence": text, "token ids": str(token_ids(text, counts)[1])} for text in examples]
    st.dataframe(rows, hide_index=True, width="stretch")
    notice(lesson.data_notice(df, counts, examples))


def draw_embedding(step: lesson.Step, runs: dict) -> None:
    from rnnlab import embeddings
    from rnnlab.charts import embedding as charts_embedding
    from rnnlab.ui import embeddings_view

    jobs = stored.trained_jobs()
    name, job = next(iter(jobs.items()))
    result = embeddings_view.maps(job, step.settings["min_count"])
    st.caption(f"{name}: after training, and the same architecture untrained.")
    for column, state in zip(presenter.columns(2), embeddings_view.STATES):
        column.plotly_chart(presenter.chart(charts_embedding.embedding_map(
            result[state], f"{state.capitalize()} ({len(result[state]):,} words)")), width="stretch",
            key=f"lesson.embedding.{state}")
    notice(embeddings.separability_sentence(result["separability"]["trained"], result["separability"]["untrained"]))


def _curves(runs: dict, archs) -> None:
    chosen = {name: run for name, run in runs.items() if run.arch in archs}
    curves = [dict(id=f"lesson:{name}", name=name, arch=run.arch, batch_history=run.batch_history,
                   history=run.history, batches_per_epoch=run.batches_per_epoch) for name, run in chosen.items()]
    if curves:
        st.plotly_chart(figures.training_curves(curves), width="stretch", key=f"lesson.curves.{'.'.join(archs)}")


def _ledger(archs, runs: dict) -> None:
    from rnnlab import params

    found = lesson.first_of(runs, archs[-1])
    cfg = found[1].config if found else {}
    vocab = found[1].vocab_size if found else _lesson_vocab()
    embed_dim, units = cfg.get("embed_dim", 64), cfg.get("units", 128)
    ledger = params.lesson_ledger(list(archs), vocab, embed_dim, units)
    st.plotly_chart(presenter.chart(charts.param_stacked_bars(
        ledger, include_embedding=False, title="The recurrent layer and classifier")), width="stretch",
        key=f"lesson.ledger.{'.'.join(archs)}")
    notice(lesson.ledger_notice(archs, vocab, embed_dim, units))


def draw_simple_rnn(step: lesson.Step, runs: dict) -> None:
    name, run = lesson.first_of(runs, "SimpleRNN")
    _curves(runs, ("SimpleRNN",))
    _ledger(("SimpleRNN",), runs)
    notice(lesson.simple_rnn_notice(name, run, int(run.config.get("train_size") or 0), run.vocab_size))


def draw_long_term(step: lesson.Step, runs: dict) -> None:
    from rnnlab import gradient_curves, gradients, measure
    from rnnlab.ui import page_parts

    for column, w in zip(presenter.columns(len(step.settings["weights"])), step.settings["weights"]):
        column.plotly_chart(presenter.chart(charts.toy_gradient(gradients.toy(w, step.settings["t_max"]))),
                            width="stretch", key=f"lesson.toy.{w}")
    notice(lesson.toy_notice(step.settings["weights"], step.settings["t_max"]))
    jobs = stored.trained_jobs()
    if not jobs:
        st.info("Measured gradients need trained models: see the Train page.", icon=":material/info:")
        return
    measured = st.session_state.setdefault(K.MEASURED_GRADIENTS, {})
    page_parts.measure_each(jobs, measured, measure.gradient_norms, "Measuring gradients",
                            "Each model reads long validation sentences, once per model.")
    drawn = measure.drawn(jobs, measured)
    if drawn is not None:
        st.plotly_chart(figures.gradient_by_step(drawn), width="stretch", key="lesson.measured")
        notice(gradient_curves.describe_curves(drawn))


def draw_gates(step: lesson.Step, runs: dict) -> None:
    from rnnlab import inspect
    from rnnlab.charts import cell as charts_cell

    name, run = lesson.first_of(runs, "LSTM")
    sentence = step.settings["sentence"]
    st.caption(f"{name} reads *{sentence}*.")
    unrolled = inspect.unroll(run, sentence)
    readers = inspect.readers(unrolled)
    reader, part = readers[0]
    units = charts_cell.most_active_units(part)
    st.latex(inspect.EQUATIONS["LSTM"]["forget_gate"])
    st.plotly_chart(presenter.chart(charts_cell.unit_heatmap(part, "forget_gate", units,
                                                             inspect.TITLES["forget_gate"])), width="stretch",
                    key="lesson.forget")
    gates = inspect.mean_gate_by_word(unrolled)
    if not gates.empty:
        st.plotly_chart(presenter.chart(charts_cell.gate_by_word(gates)), width="stretch", key="lesson.gates")
        notice(charts_cell.gate_dip_caption(gates))


def _compared(step: lesson.Step, runs: dict) -> None:
    archs = step.settings["archs"]
    _curves(runs, archs)
    _ledger(archs, runs)
    chosen = {name: run for name, run in runs.items() if run.arch in archs}
    notice(lesson.accuracy_notice(chosen))
    if step.settings.get("sentences"):
        table = predict.probabilities(chosen, list(step.settings["sentences"]))
        presenter.dataframe(table.reset_index(names="sentence"),
                            {name: st.column_config.NumberColumn(format="%.3f") for name in chosen})


def draw_compare(step: lesson.Step, runs: dict) -> None:
    from rnnlab.ui import predict_view, widgets

    widgets.init_state({K.LESSON_SENTENCES: "\n".join(step.settings["sentences"])})
    text = st.text_area("Sentences, one a line", height=130, key=K.LESSON_SENTENCES)
    sentences, warnings = predict.clean_sentences(text, max_sentences=20, max_chars=2000)
    for warning in warnings:
        st.warning(warning, icon=":material/warning:")
    if sentences:
        table = predict_view.probability_table(runs, list(dict.fromkeys(sentences)), reference_for())
        predict_view.show_probability_table(table)
        st.plotly_chart(figures.prediction_bars(table), width="stretch", key="lesson.bars")
        notice(lesson.probability_notice(table))
    st.subheader("The wall: your sentences")
    wall_form()
    wall_board(runs)
    wall_moderation()


def draw_order(step: lesson.Step, runs: dict) -> None:
    from rnnlab.ui import long_range_view, predict_view

    reference = reference_for()
    notice(lesson.baseline_notice(reference.val_accuracy, runs))
    pairs, sentence = predict_view.order_pairs(runs, reference)
    presenter.dataframe(pairs, {name: st.column_config.NumberColumn(format="%.3f") for name in [*runs, baseline.NAME]})
    notice(sentence)
    st.markdown(f"On the long-range task a bag of words scores **{baseline.longrange_accuracy(lag=75, seed=0):.1%}** "
                "(computed now): counting its words says nothing. Measured for the networks:")
    long_range_view.measured_section()


DRAW = {"data": draw_data, "embedding": draw_embedding, "simple_rnn": draw_simple_rnn, "long_term": draw_long_term,
        "gates": draw_gates, "lstm": _compared, "gru": _compared, "bilstm": _compared, "compare": draw_compare,
        "order": draw_order}


def draw(step: lesson.Step, runs: dict) -> None:
    """The step's live element (or what it needs, when its models are missing)."""
    if missing_models(step, runs):
        return
    DRAW[step.key](step, runs)
    if step.page:
        st.page_link(step.page, label="Open the full page", icon=":material/open_in_new:")
