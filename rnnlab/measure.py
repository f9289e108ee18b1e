"""The Gradients page's measurements of a trained model, each once per model for the whole server
(rnnlab.gradients.measured_once): the gradient reaching each word, and the Jacobian chain ‖∂h_T/∂h_t‖, both on
the long validation sentences of the model's own data selection; and the frames of several models as one."""

from __future__ import annotations

MIN_WORDS = 20  # only sentences this long: the gradient has far to travel
GRADIENT_SENTENCES = 200
JACOBIAN_SENTENCES = 20
JACOBIAN_DISTANCE = 20


def gradient_norms(name: str, job):
    """rnnlab.gradients.measured_gradients of the job's model (and its untrained twin) on up to 200 validation
    sentences of at least 20 words of its configuration's split."""
    from rnnlab import gradients
    from rnnlab.config import load_split

    return gradients.measured_once(job.result, "gradients", lambda: gradients.measured_gradients(
        job.result, load_split(job.config)[1], min_words=MIN_WORDS, max_sentences=GRADIENT_SENTENCES))


def jacobian_norms(name: str, job):
    """rnnlab.jacobians.jacobian_chains of the job's model (and its untrained twin) over 20 of the same long
    validation sentences, up to 20 words back."""
    from rnnlab import gradients, jacobians
    from rnnlab.config import load_split

    def measure():
        ids, _ = gradients.long_sentences(job.result, load_split(job.config)[1], min_words=MIN_WORDS,
                                          max_sentences=JACOBIAN_SENTENCES)
        return jacobians.jacobian_chains({name: job.result}, list(ids), include_untrained=True,
                                         max_distance=JACOBIAN_DISTANCE)

    return gradients.measured_once(job.result, "jacobians", measure)


def drawn(jobs: dict, measured: dict):
    """The measured frames of `jobs` ({name: job}, `measured` keyed by job id) as one frame with a `model`
    column, in the jobs' order; None when every one is empty (no sentence was long enough)."""
    import pandas as pd

    frames = [measured[job.id].assign(model=name) for name, job in jobs.items() if not measured[job.id].empty]
    return pd.concat(frames, ignore_index=True) if frames else None
