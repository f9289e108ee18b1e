"""What the Long range page shows around its controls: the example sentence, the table `python -m rnnlab.longrange`
measured (with its spread over seeds and threads), the page's remembered state kept valid, and the gradient
reaching each word for the runs at the chosen lag (measured once per run, kept for the session).

Training the queued models is rnnlab.ui.longrange_queue's; the task and its measurements are rnnlab's.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from rnnlab import longrange, longrange_results, longrange_task
from rnnlab.charts import cell as charts_cell
from rnnlab.models import ARCHITECTURES
from rnnlab.ui import presenter, widgets
from rnnlab.ui.state import StateKeys


EXAMPLE_LAG = 12  # short enough to read on the page


def example_sentence() -> None:
    """One generated sentence at EXAMPLE_LAG, its decisive word boxed and its distractors underlined."""
    example = longrange_task.make_task(lag=EXAMPLE_LAG, n=1, seed=4)
    st.html(charts_cell.task_sentence_html(longrange_task.decode(example.ids[0]).split(), example.decisive_position,
                                           longrange_task.POSITIVE_WORDS + longrange_task.NEGATIVE_WORDS))
    st.caption(f"An example with lag {EXAMPLE_LAG}: the boxed word decides (label "
               f"{'positive' if example.labels[0] else 'negative'}); the underlined ones are distractors.")


def training_time_note() -> str:
    """What a Train press costs, from the training's own bounds (rnnlab.longrange_task.DEFAULTS)."""
    d = longrange_task.DEFAULTS
    return (f"Pick a lag and press Train: each model trains at most {d['max_epochs']} epochs, ending after the "
            f"epoch that passes {d['max_seconds']:.0f} s or reaches {d['target_accuracy']:.0%} validation accuracy.")


def measured_section() -> dict | None:
    """The measured table as a chart with its provenance and, if measured, how much it moves between seeds and
    thread settings; returns the results (None, with a note, before `python -m rnnlab.longrange` has run)."""
    measured = longrange_results.load_results()
    if measured is None:
        models = len(longrange.FULL_ARCHS) * len(longrange_task.FULL_LAGS) * len(longrange.FULL_SEEDS)
        st.info(f"No results file yet: `python -m rnnlab.longrange` trains the table ({models} models; the file "
                "records how long they took) and writes it to results/longrange.json.", icon=":material/info:")
        return None
    seeds = sorted({row["seed"] for row in measured["rows"]})
    st.plotly_chart(presenter.chart(charts_cell.accuracy_by_lag(
        measured["rows"], title=f"Validation accuracy against the lag ({len(seeds)} seeds each)")), width="stretch")
    st.caption(longrange_results.describe_provenance(measured))
    spread = [longrange_results.load_results(path) for path in longrange_results.spread_files()]
    if spread:
        with st.expander(f"How much these numbers move: lag {longrange_task.DIAGNOSTIC_LAG}, more seeds, other "
                         "thread settings"):
            presenter.dataframe(longrange_results.spread_table(spread))
            st.markdown(longrange_results.spread_summary(spread))
            st.caption("Each row: one file of results/, written by "
                       + "; ".join(f"`{r['provenance']['command']}`" for r in spread) + ".")
    return measured


def init_state(rates) -> None:
    """The controls' first values, and remembered ones the widgets do not offer (an old session, a hand-set
    state) put right, since Streamlit would raise on them; the queue, results and runs kept for the session."""
    defaults = longrange_task.DEFAULTS
    widgets.init_state({StateKeys.LONGRANGE_LAG: 75, StateKeys.LONGRANGE_ARCHS: ["SimpleRNN", "LSTM", "GRU"],
                        StateKeys.LONGRANGE_LEARNING_RATE: defaults["learning_rate"], StateKeys.LONGRANGE_SEED: 0})
    if st.session_state[StateKeys.LONGRANGE_LEARNING_RATE] not in rates:
        st.session_state[StateKeys.LONGRANGE_LEARNING_RATE] = defaults["learning_rate"]
    chosen = st.session_state[StateKeys.LONGRANGE_ARCHS]
    st.session_state[StateKeys.LONGRANGE_ARCHS] = [a for a in ARCHITECTURES
                                                   if isinstance(chosen, (list, tuple)) and a in chosen]
    for key, empty in ((StateKeys.LONGRANGE_QUEUE, []), (StateKeys.LONGRANGE_RESULTS, []),
                       (StateKeys.LONGRANGE_RUNS, {})):
        st.session_state.setdefault(key, empty)


def training_settings() -> dict:
    """The task's settings for a training here: the measured table's, with any test overrides."""
    settings = longrange_task.DEFAULTS | st.session_state.get(StateKeys.LONGRANGE_OVERRIDES, {})
    return {k: v for k, v in settings.items() if k in longrange_task.DEFAULTS}


def results_table(results: list[dict]) -> pd.DataFrame:
    """This session's runs, one row each, by lag, architecture and seed."""
    return pd.DataFrame(results).sort_values(["lag", "arch", "seed"])


def runs_at(lag: int, seed: int) -> dict:
    """This session's trained runs at `lag` and `seed`, by (arch, lag, seed)."""
    return {key: run for key, run in st.session_state[StateKeys.LONGRANGE_RUNS].items()
            if key[1] == lag and key[2] == seed}


def gradients_at(lag: int, seed: int) -> pd.DataFrame:
    """The gradient reaching each word (rnnlab.longrange.gradient_by_step) for this session's runs at `lag`
    and `seed`, each run measured once (kept in session state)."""
    at_lag = runs_at(lag, seed)
    gradients = st.session_state.setdefault(StateKeys.LONGRANGE_GRADIENTS, {})
    with st.spinner("Measuring gradients..."):
        for key, run in at_lag.items():
            if key not in gradients:
                gradients[key] = longrange.gradient_by_step(run).assign(model=key[0])
    return pd.concat([gradients[k] for k in at_lag])


def think_about_it(measured: dict | None) -> tuple[str, str]:
    """The page's question and answer, both read from the results files."""
    slow = longrange_results.load_results(longrange_task.SLOW_RESULTS_PATH)
    answer = (longrange_results.think_answer(measured, slow) if measured
              else "Run `python -m rnnlab.longrange` first: the answer quotes what it measures.")
    return longrange_results.think_question(measured, slow), answer
