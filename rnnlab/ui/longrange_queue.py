"""The Long-range dependencies page's training queue.

Each model trains as an ordinary run of the engine (rnnlab.jobs.run_work: in the class's queue with its place,
on a standing trainer, never in the web server), while the page's own script run polls its progress; Streamlit
ends a script run whenever the user clicks anything, and that stops the run too. So Train only queues the models (in session state); the page trains the queue's first model, records
its result and takes it off, then the next; a run cut short leaves the interrupted model first in the queue, and
the next drawing of the page trains it again from its start. Stop empties the queue; models already trained stay.
"""

from __future__ import annotations

import streamlit as st

from rnnlab import jobs, longrange, longrange_task
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


def train(settings: dict) -> tuple[str, str]:
    """Train the queued models one after the other with `settings` (rnnlab.longrange's, learning rate aside),
    each taken off the queue once its result is recorded in session state; returns the notice: its level
("success" or "error") and what was done, in words."""
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

            def on_progress(progress, item=item):
                if progress.get("status") == jobs.QUEUED:
                    bar.progress(item["number"] / item["of"], text=(
                        f"{item['arch']} ({item['number'] + 1} of {item['of']}): waiting for a free CPU, place "
                        f"{progress['position']} in the class's queue"))
                    return
                if "batch" not in progress:
                    return
                epoch, batch, batches = progress["epoch"], progress["batch"], progress["batches"]
                after = progress.get("val_accuracy")
                after = f"; after epoch {epoch}: validation accuracy {after:.1%}" if after is not None else ""
                done = (item["number"] + (epoch + batch / batches) / settings["max_epochs"]) / item["of"]
                bar.progress(min(done, 1.0), text=f"{item['arch']} ({item['number'] + 1} of {item['of']}): epoch "
                                                  f"{epoch + 1}, batch {batch} of {batches}{after}")

            try:
                run = train_on_ray(item["arch"], item["lag"], item["seed"], on_progress,
                                   **settings | dict(learning_rate=item["learning_rate"]))
            except jobs.EngineUnavailable as error:
                queue.clear()
                status.update(label="Training is unavailable", state="error")
                return "error", str(error)
            except jobs.Refused as refusal:
                queue.clear()
                status.update(label="Training was not queued", state="error")
                return "error", ("The instructor paused training for the class: try again once it resumes."
                        if refusal.why == "paused" else
                        f"This session already has {refusal.queued + refusal.running} runs waiting or training (at "
                        f"most {refusal.limit}): wait for one to end, then press Train again.")
            except jobs.RunFailed as error:
                queue.clear()
                status.update(label=f"{item['arch']} did not train", state="error")
                return "error", f"{item['arch']} did not train: {error}"
            name = longrange.run_name(item["arch"], item["learning_rate"])
            runs[(name, item["lag"], item["seed"])] = run
            results[:] = [r for r in results if (r["arch"], r["lag"], r["seed"]) != (name, item["lag"], item["seed"])]
            results.append(dict(arch=name, lag=item["lag"], seed=item["seed"], val_accuracy=run.val_accuracy,
                                epochs=len(run.history["val_accuracy"]), seconds=round(run.seconds, 1)))
            queue.pop(0)
        status.update(label=f"Trained {first['of']} model(s) at lag {first['lag']}", state="complete")
    return "success", f"Trained {first['of']} model(s) at lag {first['lag']}."


class _TrainOnTask:
    """What runs on Ray: rnnlab.longrange.train_on_task with progress reported, returning what rebuilds the run
    here (its weights, history and timings; a Keras model does not travel)."""

    def __init__(self, arch: str, lag: int, seed: int, settings: dict):
        self.arch, self.lag, self.seed, self.settings = arch, lag, seed, settings

    def __call__(self, report, stop):
        def on_batch(epoch, batch, batches):
            report(epoch=epoch, batch=batch, batches=batches)

        def on_epoch(epoch, logs):
            report(val_accuracy=logs["val_accuracy"])

        run = longrange.train_on_task(self.arch, self.lag, self.seed, on_epoch=on_epoch, stop=stop,
                                      on_batch=on_batch, **self.settings)
        return dict(config=run.config, history=run.history, seconds=run.seconds, weights=run.model.get_weights())


def train_on_ray(arch: str, lag: int, seed: int, on_progress, **settings) -> longrange.LongRangeRun:
    """Train one long-range model as a run of the engine (one CPU) and rebuild it here for the page's gradient
    chart; raises jobs.RunFailed (the run's reason), jobs.Refused or jobs.EngineUnavailable."""
    from rnnlab.models import build_model

    from rnnlab.ui.session import session_id

    name = f"Long-range {longrange.run_name(arch, settings.get('learning_rate'))}, lag {int(lag)}, seed {int(seed)}"
    done = jobs.run_work(_TrainOnTask(arch, lag, seed, settings), on_progress, owner=session_id(), name=name)
    config = done["config"]
    model = build_model(arch, len(longrange_task.VOCABULARY), config["embed_dim"], config["units"], seed=seed)
    model.set_weights(done["weights"])
    return longrange.LongRangeRun(arch=arch, lag=int(lag), seed=int(seed), config=config, model=model,
                                  history=done["history"], seconds=done["seconds"])
