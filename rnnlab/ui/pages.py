"""The one list of RNN Lab's pages, in the lesson's order: app.py builds the navigation from it and the Home page
its learning path (every page after Home but the Lesson, which walks that path itself), so the two cannot
disagree; the Instructor's page comes last, only where the server has an instructor."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class PageEntry:
    path: str  # the script, relative to the project root
    title: str
    icon: str
    line: str  # what the page does, in one line, for Home's learning path


PAGES = (
    PageEntry("pages/home.py", "Home", ":material/home:", "The learning path and whether the data is here."),
    PageEntry("pages/lesson.py", "Lesson", ":material/co_present:",
              "The lecture step by step: each step's live models, what to notice, class polls and the class's "
              "sentences; students may follow the instructor's screen."),
    PageEntry("pages/data.py", "Data", ":material/dataset:",
              "The labelled reviews from Amazon, IMDB and Yelp, and how text becomes token ids (and why 0 and 1 are "
              "special)."),
    PageEntry("pages/train.py", "Train", ":material/model_training:",
              "Train one or several architectures in the background and watch loss and accuracy curves live, "
              "beside a baseline that ignores word order."),
    PageEntry("pages/parameters.py", "Parameters", ":material/calculate:",
              "The parameter ledger per layer and gate: why an LSTM pays four times a SimpleRNN."),
    PageEntry("pages/predict.py", "Predict", ":material/psychology:",
              "Type sentences and compare every trained model's P(positive), word by word, and with the words "
              "shuffled."),
    PageEntry("pages/gradients.py", "Gradients", ":material/trending_down:",
              "The w^t toy of vanishing and exploding gradients beside gradients measured on real models."),
    PageEntry("pages/inside_cell.py", "Inside the cell", ":material/memory:",
              "Every gate and state of a trained cell, word by word, and how much each word moved the answer."),
    PageEntry("pages/embeddings.py", "What the embedding learned", ":material/scatter_plot:",
              "A trained model's word embedding mapped to 2D: words of one lean gather, and neighbours change "
              "with training."),
    PageEntry("pages/long_range.py", "Long-range dependencies", ":material/timeline:",
              "A task decided by one word far back: who can still learn it as the lag grows, and how much "
              "gradient gets there."),
)
HOME, LESSON = PAGES[0], PAGES[1]
LEARNING_PATH = tuple(entry for entry in PAGES[1:] if entry is not LESSON)  # the pages the lesson walks through
# Not part of the learning path: in the navigation only where the server has an instructor's token.
INSTRUCTOR = PageEntry("pages/instructor.py", "Instructor", ":material/admin_panel_settings:",
                       "The class's whole queue: stop any run, pause and resume training.")


def navigation() -> tuple[PageEntry, ...]:
    """The pages of the navigation: every page, and the Instructor's where RNNLAB_INSTRUCTOR_TOKEN is set."""
    from rnnlab import auth

    return PAGES + ((INSTRUCTOR,) if auth.configured() else ())
