"""Parts several pages draw: a progress bar over measuring every model once, and the lesson's "Think about it"
question with its answer folded away."""

from __future__ import annotations

import streamlit as st


def measure_each(items: dict, done: dict, measure, what: str, why: str) -> None:
    """Fill `done` (kept in session state) with `measure(name, job)` for every name -> job of `items` whose
    job id it lacks, under a progress bar that names the model, counts them and, from the second on, says about
    how long is left; `why` says why a first view is slow. Then a caption says how long it took. Nothing is
    drawn when everything is measured."""
    import time

    todo = [(name, job) for name, job in items.items() if job.id not in done]
    if not todo:
        return
    bar = st.progress(0.0, text=f"{what}...")
    started = time.perf_counter()
    for i, (name, job) in enumerate(todo):
        elapsed = time.perf_counter() - started
        left = f"; about {elapsed / i * (len(todo) - i):.0f} s left" if i else ""
        bar.progress(i / len(todo), text=f"{what}: {name}, model {i + 1} of {len(todo)}{left}. {why}")
        done[job.id] = measure(name, job)
    bar.empty()
    seconds = time.perf_counter() - started
    st.caption(f"{what}: {len(todo)} model{'s' if len(todo) > 1 else ''} in {seconds:.1f} s, once per model "
               "(kept for this session: the next view is immediate).")


def think_about_it(question: str, answer: str) -> None:
    """The lesson's question at the bottom of a page, its answer folded away until asked for."""
    st.divider()
    st.subheader(":material/psychology_alt: Think about it")
    st.markdown(question)
    with st.expander("Show the answer"):
        st.markdown(answer)
