"""The Long-range dependencies page's training queue.

Training runs in the page's own script run, and Streamlit ends a script run whenever the user clicks anything.
So Train only queues the models (in session state); the page trains the queue's first model, records its result
and takes it off, then the next; a run cut short leaves the interrupted model first in the queue, and the next
drawing of the page trains it again from its start. Stop empties the queue; models already trained stay.
"""

from __future__ import annotations

import time

import streamlit as st

from rnnlab import longrange
from rnnlab.ui.state import StateKeys as K

# The page's widgets whose values a queued training uses.
WIDGETS = (K.LONGRANGE_LAG, K.LONGRANGE_ARCHS, K.LONGRANGE_LEARNING_RATE, K.LONGRANGE_SEED)


def enqueue(state=None) -> None:
    """Train's click: queue one model per chosen architecture (ignored while a queue is being trained).
    `state` is st.session_state unless given (tests pass a dict)."""
    state = st.session_state if state is None else state
    if state.get(K.LONGRANGE_QUEUE):
        return
    chosen = list(state[K.LONGRANGE_ARCHS])
    widgets = {key: state[key] for key in WIDGETS}
    state[K.LONGRANGE_QUEUE] = [dict(arch=arch, lag=int(state[K.LONGRANGE_LAG]), seed=int(state[K.LONGRANGE_SEED]),
                                     learning_rate=float(state[K.LONGRANGE_LEARNING_RATE]), number=i, of=len(chosen),
                                     widgets=widgets)
                                for i, arch in enumerate(chosen)]
    state[K.LONGRANGE_NOTICE] = None


def pin_widgets() -> None:
    """While a queue is trained, show the settings it was queued with (call before the widgets are drawn).

    A disabled widget ignores a value the browser sends with the same click that disabled it (a slider moved
    and Train pressed at once); written into session state by the page, it shows the value the queue uses."""
    queue = st.session_state.get(K.LONGRANGE_QUEUE)
    if queue:
        st.session_state.update(queue[0]["widgets"])


def stop(state=None) -> None:
    """Stop's click: empty the queue (the model in training is dropped; those trained before stay)."""
    state = st.session_state if state is None else state
    left = state.pop(K.LONGRANGE_QUEUE, None) or []
    if left:
        state[K.LONGRANGE_NOTICE] = (
            "warning", f"Stopped: {', '.join(item['arch'] for item in left)} not trained. Models trained before "
                       "the click are kept.")


def train(settings: dict) -> str:
    """Train the queued models one after the other with `settings` (rnnlab.longrange's, learning rate aside),
    each taken off the queue once its result is recorded in session state; returns what was done, in words."""
    queue = st.session_state[K.LONGRANGE_QUEUE]
    results = st.session_state.setdefault(K.LONGRANGE_RESULTS, [])
    runs = st.session_state.setdefault(K.LONGRANGE_RUNS, {})
    first = queue[0]
    with st.status(f"Training {len(queue)} model(s) at lag {first['lag']}...", expanded=True) as status:
        if first.get("started"):
            st.caption(f"{first['arch']} starts again from its beginning: the page was left or redrawn while it "
                       "trained.")
        bar = st.progress(first["number"] / first["of"])
        while queue:
            item = queue[0]
            item["started"] = True
            shown = dict(at=0.0, epoch="")

            def on_batch(epoch, batch, batches, item=item, shown=shown):
                if time.perf_counter() - shown["at"] < 0.25:  # a redraw costs; 4 a second look smooth
                    return
                shown["at"] = time.perf_counter()
                done = (item["number"] + (epoch + batch / batches) / settings["max_epochs"]) / item["of"]
                bar.progress(min(done, 1.0), text=f"{item['arch']} ({item['number'] + 1} of {item['of']}): epoch "
                                                  f"{epoch + 1}, batch {batch} of {batches}{shown['epoch']}")

            def on_epoch(epoch, logs, shown=shown):
                shown["epoch"] = f"; after epoch {epoch + 1}: validation accuracy {logs['val_accuracy']:.1%}"

            run = longrange.train_on_task(item["arch"], item["lag"], item["seed"], on_epoch=on_epoch,
                                          on_batch=on_batch, **settings | dict(learning_rate=item["learning_rate"]))
            name = longrange.run_name(item["arch"], item["learning_rate"])
            runs[(name, item["lag"], item["seed"])] = run
            results[:] = [r for r in results if (r["arch"], r["lag"], r["seed"]) != (name, item["lag"], item["seed"])]
            results.append(dict(arch=name, lag=item["lag"], seed=item["seed"], val_accuracy=run.val_accuracy,
                                epochs=len(run.history["val_accuracy"]), seconds=round(run.seconds, 1)))
            queue.pop(0)
        status.update(label=f"Trained {first['of']} model(s) at lag {first['lag']}", state="complete")
    return f"Trained {first['of']} model(s) at lag {first['lag']}."
