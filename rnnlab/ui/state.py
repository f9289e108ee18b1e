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
    # Of those, the ones that were waiting in the queue: when one starts training, the page reruns whole too (the
    # polling fragments then redraw every LIVE_UPDATE_S instead of every QUEUED_UPDATE_S).
    WATCHED_QUEUED_IDS = "rnnlab.watched_queued_ids"
    # A dict merged into every training config this session starts (tests use it for a small subset).
    CONFIG_OVERRIDES = "rnnlab.config_overrides"
    # Measured gradient tables, keyed by job id, so the Gradients page measures each model once.
    MEASURED_GRADIENTS = "rnnlab.measured_gradients"
    # Keras' own parameter counts, shown on the Parameters page only when asked for (it needs TensorFlow).
    KERAS_COUNTS = "rnnlab.keras_counts"
    # The run store's runs this session uses on every page (ids, see rnnlab.runs); also the Train page's picker.
    STORED_RUN_IDS = "rnnlab.stored_run_ids"
    # The instructor's run store view (rnnlab.ui.store_admin): the prepared run whose Delete asks a second time,
    # and what the last deletion did (shown once).
    STORE_ADMIN_ASKED = "rnnlab.store_admin.asked"
    STORE_ADMIN_NOTICE = "rnnlab.store_admin.notice"
    # What became of the last Train press, shown once after the rerun ("shared with another session", ...).
    TRAIN_NOTICES = "rnnlab.train_notices"
    # The notices the last full run showed (classroom_view.show_notices), for a rerun that should keep them.
    SHOWN_NOTICES = "rnnlab.shown_notices"
    # The sentences this session trains on: None for the UCI data set, else an uploaded set's id (rnnlab.uploads).
    DATA_CHOICE = "rnnlab.data_choice"
    # Presenter mode: whether it is on (also turned on by ?present=1), and its sidebar toggle's widget key.
    PRESENTER = "rnnlab.presenter"
    PRESENTER_TOGGLE = "rnnlab.presenter_toggle"
    # The instructor's token once this session has entered it (checked again on every use, never put in the
    # address), the session's wrong tries (rnnlab.auth.Attempts) and the password field's widget key.
    INSTRUCTOR_TOKEN = "rnnlab.instructor_token"
    INSTRUCTOR_ATTEMPTS = "rnnlab.instructor_attempts"
    INSTRUCTOR_TOKEN_INPUT = "instructor.token_input"

    # Train page widgets.
    TRAIN_ARCHS = "train.archs"
    TRAIN_EMBED_DIM = "train.embed_dim"
    TRAIN_UNITS = "train.units"
    TRAIN_EPOCHS = "train.epochs"
    TRAIN_BATCH_SIZE = "train.batch_size"
    TRAIN_LEARNING_RATE = "train.learning_rate"
    TRAIN_SEED = "train.seed"
    TRAIN_VALIDATION = "train.validation"
    TRAIN_CLIP_NORM = "train.clip_norm"
    TRAIN_DROPOUT = "train.dropout"
    TRAIN_EARLY_STOPPING = "train.early_stopping"
    # The Train settings this session last wrote into the address (rnnlab.ui.address), to tell a new link apart.
    TRAIN_ADDRESS = "rnnlab.train_address"
    # The settings the Train page's lower sections were last drawn for (the embedding size and the validation
    # set): when the settings fragment sees them changed, the whole page reruns.
    TRAIN_DRAWN_FOR = "rnnlab.train_drawn_for"

    # Parameters page widgets.
    PARAMS_VOCAB = "params.vocab_size"
    PARAMS_EMBED_DIM = "params.embed_dim"
    PARAMS_UNITS = "params.units"
    PARAMS_ARCH = "params.arch"

    # Predict page widgets.
    PREDICT_TEXT = "predict.text"
    PREDICT_SENTENCE = "predict.sentence"
    PREDICT_SHUFFLE = "predict.shuffle"  # the "shuffle the words" toggle of the word-by-word sentence
    DATA_DOWNLOADED = "rnnlab.data_downloaded"  # the folder the download button filled (Home says so once)
    PREDICT_SENTENCES_SEEN = "rnnlab.predict_sentences_seen"  # the sentences the selector offered last time

    # Data page widgets.
    DATA_SENTENCE = "data.sentence"
    DATA_UPLOAD = "data.upload"

    # Gradients page widgets.
    GRADIENTS_W = "gradients.w"
    GRADIENTS_T = "gradients.t_max"
    GRADIENTS_EPOCH = "gradients.epoch"

    # Measured Jacobian chains ||dh_T/dh_t||, keyed by job id, so the Gradients page measures each model once.
    MEASURED_JACOBIANS = "rnnlab.measured_jacobians"

    # Inside the cell page widgets.
    INSIDE_MODEL = "inside.model"
    INSIDE_SENTENCE = "inside.sentence"
    INSIDE_ALL_UNITS = "inside.all_units"  # show every unit's row, not only the most active ones
    # Which runs a chart draws (the latest four by default): one widget per page, keyed by the runs it offers.
    DRAWN_RUNS = "rnnlab.drawn_runs"

    # What the embedding learned page widgets.
    EMBED_MODEL = "embeddings.model"
    EMBED_MIN_COUNT = "embeddings.min_count"
    EMBED_WORD = "embeddings.word"
    # The page's last maps and separability ({(job id, min count): rnnlab.embeddings.compare(...)}).
    EMBED_RESULTS = "rnnlab.embedding_results"

    # Long-range dependencies page: widgets; this session's results, trained runs and gradient tables; and a dict
    # of settings merged into every training there (tests use it to train small).
    LONGRANGE_LAG = "longrange.lag"
    LONGRANGE_ARCHS = "longrange.archs"
    LONGRANGE_LEARNING_RATE = "longrange.learning_rate"
    LONGRANGE_SEED = "longrange.seed"
    LONGRANGE_TRAIN = "longrange.train"  # the Train and Stop buttons
    LONGRANGE_STOP = "longrange.stop"
    LONGRANGE_RESULTS = "rnnlab.longrange_results"
    LONGRANGE_RUNS = "rnnlab.longrange_runs"
    LONGRANGE_GRADIENTS = "rnnlab.longrange_gradients"
    LONGRANGE_OVERRIDES = "rnnlab.longrange_overrides"
    # The models a Train click asked for and that are not trained yet (the first one is training), and the last
    # training's outcome, shown until the next Train.
    LONGRANGE_QUEUE = "rnnlab.longrange_queue"
    LONGRANGE_NOTICE = "rnnlab.longrange_notice"

    # Lesson page: the student's "Follow the instructor" toggle, the instructor's "Lead the class" toggle, the
    # step sentences typed there, the wall's text box and this session's send limit (rnnlab.wall.SendLimit), a
    # number poll's answer box, and the instructor's poll picker and own question.
    LESSON_FOLLOW = "lesson.follow"
    LESSON_LEAD = "lesson.lead"
    LESSON_SENTENCES = "lesson.sentences"
    LESSON_WALL_TEXT = "lesson.wall_text"
    LESSON_WALL_LIMIT = "rnnlab.lesson_wall_limit"
    LESSON_NUMBER_ANSWER = "lesson.number_answer"
    LESSON_POLL_PICK = "lesson.poll_pick"
    LESSON_OWN_QUESTION = "lesson.own_question"
    LESSON_OWN_CHOICES = "lesson.own_choices"
    LESSON_HIDE = "lesson.hide"
    LESSON_OWN_ANSWER = "lesson.own_answer"
    LESSON_ADOPTED = "rnnlab.lesson_adopted"  # the run store's lesson models were taken up once (lesson_view)
    LESSON_POLL_ERROR = "rnnlab.lesson_poll_error"  # why the last answer was refused, shown once
    LESSON_STOPPED_FOLLOWING = "rnnlab.lesson_stopped_following"  # a follower moved alone: say so once

    # Streamlit forgets a widget's value when its page is not shown; these are kept across page switches.
    PERSISTENT = (
        TRAIN_ARCHS, TRAIN_EMBED_DIM, TRAIN_UNITS, TRAIN_EPOCHS, TRAIN_BATCH_SIZE, TRAIN_LEARNING_RATE, TRAIN_SEED,
        TRAIN_VALIDATION, TRAIN_CLIP_NORM, TRAIN_DROPOUT, TRAIN_EARLY_STOPPING, PARAMS_VOCAB, PARAMS_EMBED_DIM,
        PARAMS_UNITS, PARAMS_ARCH, PREDICT_TEXT, DATA_SENTENCE, GRADIENTS_W, GRADIENTS_T, STORED_RUN_IDS,
        INSIDE_SENTENCE, LONGRANGE_LAG, LONGRANGE_ARCHS, LONGRANGE_LEARNING_RATE, LONGRANGE_SEED, EMBED_MIN_COUNT,
        EMBED_WORD,
    )
