"""Every st.session_state key RNN Lab uses, in one place, so pages never scatter string literals.

A browser session keeps only small things here (its id, the ids of its training jobs, widget values); the jobs
themselves and their trained models live in rnnlab.jobs, shared by the server and untouched by reruns.
"""


class StateKeys:
    """Names of session-state entries; widget keys are listed too, so tests can preset or read them."""

    # Who this browser session is (the owner of its training jobs) and which jobs it started, oldest first.
    SESSION_ID = "rnnlab.session_id"
    JOB_IDS = "rnnlab.job_ids"
    # Job ids that were queued or running at the last full rerun: when one of them ends, the page reruns whole.
    WATCHED_JOB_IDS = "rnnlab.watched_job_ids"
    # A dict merged into every training config this session starts (tests use it for a small subset).
    CONFIG_OVERRIDES = "rnnlab.config_overrides"
    # Measured gradient tables, keyed by job id, so the Gradients page measures each model once.
    MEASURED_GRADIENTS = "rnnlab.measured_gradients"
    # Keras' own parameter counts, shown on the Parameters page only when asked for (it needs TensorFlow).
    KERAS_COUNTS = "rnnlab.keras_counts"

    # Train page widgets.
    TRAIN_ARCHS = "train.archs"
    TRAIN_EMBED_DIM = "train.embed_dim"
    TRAIN_UNITS = "train.units"
    TRAIN_EPOCHS = "train.epochs"
    TRAIN_BATCH_SIZE = "train.batch_size"
    TRAIN_LEARNING_RATE = "train.learning_rate"
    TRAIN_SEED = "train.seed"
    TRAIN_VALIDATION = "train.validation"

    # Parameters page widgets.
    PARAMS_VOCAB = "params.vocab_size"
    PARAMS_EMBED_DIM = "params.embed_dim"
    PARAMS_UNITS = "params.units"
    PARAMS_ARCH = "params.arch"

    # Predict page widgets.
    PREDICT_TEXT = "predict.text"
    PREDICT_SENTENCE = "predict.sentence"

    # Data page widget.
    DATA_SENTENCE = "data.sentence"

    # Gradients page widgets.
    GRADIENTS_W = "gradients.w"
    GRADIENTS_T = "gradients.t_max"

    # Streamlit forgets a widget's value when its page is not shown; these are kept across page switches.
    PERSISTENT = (
        TRAIN_ARCHS, TRAIN_EMBED_DIM, TRAIN_UNITS, TRAIN_EPOCHS, TRAIN_BATCH_SIZE, TRAIN_LEARNING_RATE, TRAIN_SEED,
        TRAIN_VALIDATION, PARAMS_VOCAB, PARAMS_EMBED_DIM, PARAMS_UNITS, PARAMS_ARCH, PREDICT_TEXT, DATA_SENTENCE,
        GRADIENTS_W, GRADIENTS_T,
    )
