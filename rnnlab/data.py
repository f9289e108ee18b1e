"""The lesson's data set, as the rest of RNN Lab asks for it: load_sentiment (found or downloaded, validated),
data_status for the Home page, and the splits (seeded and stratified, or the lesson's last-20% way).

The pieces live in modules of their own and are re-exported here, so `from rnnlab.data import ...` keeps working:
rnnlab.datafiles (the three files, reading and validating them), rnnlab.download (finding and downloading them),
rnnlab.text (tokenize and the lesson's TextVectorization, its vocabulary capped at RNNLAB_MAX_VOCABULARY),
rnnlab.upload_parsing (a learner's uploaded file, at most 5 MB and RNNLAB_MAX_UPLOAD_LINES lines).
"""

from __future__ import annotations

from typing import NamedTuple

from rnnlab.datafiles import SOURCES, SUBFOLDERS, ZIP_FOLDER, DataError, load_folder, read_labelled_file
from rnnlab.download import (DATA_DIR, DOWNLOAD_TIMEOUT_S, MAX_DOWNLOAD_BYTES, UCI_URL, data_url, download_sentiment,
                             find_data_dir, print_progress)
from rnnlab.text import (DEFAULT_MAX_VOCABULARY, build_vocabulary, make_vectorizer, max_vocabulary, sentence_lengths,
                         token_counts, tokenize)
from rnnlab.upload_parsing import MAX_UPLOAD_BYTES, max_upload_lines, parse_uploaded

__all__ = [
    "DATA_DIR", "DEFAULT_MAX_VOCABULARY", "DOWNLOAD_TIMEOUT_S", "MAX_DOWNLOAD_BYTES", "MAX_UPLOAD_BYTES", "SOURCES",
    "SUBFOLDERS", "UCI_URL", "ZIP_FOLDER", "DataError", "build_vocabulary", "data_status", "data_url",
    "download_sentiment", "find_data_dir", "lesson_split", "load_sentiment", "make_vectorizer", "max_upload_lines",
    "max_vocabulary", "parse_uploaded", "print_progress", "sentence_lengths", "split", "token_counts", "tokenize",
]

# NumPy and pandas are imported inside the functions that use them: the Home page's data status (plain Python)
# then paints without paying for them on a fresh server.

def load_sentiment(data_dir=None, *, progress=None) -> pd.DataFrame:
    """The 3000 labelled sentences: columns text (str), label (int64, 1 = positive), source ('amazon', 'imdb',
    'yelp'), in file order amazon, imdb, yelp. Downloads the data into data/ only when no copy is found."""
    return load_folder(find_data_dir(data_dir, download=True, progress=progress))


def data_status(data_dir=None) -> tuple[bool, str]:
    """(ok, message) for the Home page: is the data set here and valid? Never downloads, never raises."""
    try:
        folder = find_data_dir(data_dir, download=False)
        # Every line checked, in plain Python: no pandas, so the Home page that asks paints at once.
        counts = {source: len(read_labelled_file(folder / name)[0]) for source, name in SOURCES.items()}
    except DataError as error:
        return False, str(error)
    except Exception as error:  # a status line must never take a page down
        return False, f"Cannot check the data set: {error}"
    per_source = ", ".join(f"{count} {source}" for source, count in counts.items())
    return True, f"{sum(counts.values())} sentences ({per_source}) from {folder}"



# ----------------------------------------------------------------------------------------------------------
# Splitting


def split(df: pd.DataFrame, val_fraction: float = 0.2, seed: int = 0, holdout_source: str | None = None):
    """Seeded (train_df, val_df). By default stratified by (label, source): each of the six groups gives
    round(val_fraction * its size) rows to validation. With holdout_source, train on the other sources and
    validate on all of that one (a cross-domain test; val_fraction is then not used). Rows keep file order."""
    import numpy as np
    import pandas as pd

    if not 0 < val_fraction < 1:
        raise ValueError(f"val_fraction must be between 0 and 1 (exclusive), got {val_fraction!r}")
    for column in ("text", "label", "source"):
        if column not in df.columns:
            raise ValueError(f"split() needs a DataFrame with a {column!r} column")
    if holdout_source is not None:
        if holdout_source not in SOURCES:
            raise ValueError(f"holdout_source must be one of {', '.join(SOURCES)}, got {holdout_source!r}")
        is_val = (df["source"] == holdout_source).to_numpy()
        if not is_val.any() or is_val.all():
            raise ValueError(f"holdout_source={holdout_source!r} leaves nothing to train or validate on")
    else:
        rng = np.random.default_rng(seed)
        is_val = np.zeros(len(df), dtype=bool)
        positions = pd.Series(np.arange(len(df)))
        groups = positions.groupby([df["label"].to_numpy(), df["source"].to_numpy()], sort=True)
        for _, members in groups:  # sorted group order keeps the draw reproducible
            n_val = int(round(val_fraction * len(members)))
            is_val[rng.permutation(members.to_numpy())[:n_val]] = True
        if not is_val.any() or is_val.all():
            raise ValueError(f"val_fraction={val_fraction} leaves an empty training or validation set")
    return df[~is_val].reset_index(drop=True), df[is_val].reset_index(drop=True)


def lesson_split(df: pd.DataFrame, val_fraction: float = 0.2):
    """What Keras' fit(validation_split=0.2) does: the last 20% of rows, unshuffled, become validation.
    On the concatenated files that is 600 Yelp sentences: the pitfall the Data page shows."""
    import numpy as np
    import pandas as pd

    if not 0 < val_fraction < 1:
        raise ValueError(f"val_fraction must be between 0 and 1 (exclusive), got {val_fraction!r}")
    split_at = int(np.floor(len(df) * (1.0 - val_fraction)))  # Keras' own arithmetic
    return df.iloc[:split_at].reset_index(drop=True), df.iloc[split_at:].reset_index(drop=True)


class Pitfall(NamedTuple):
    """What Keras' validation_split does to the lesson's files, beside split(): `table` counts the validation
    sentences per source both ways (rows amazon, imdb, yelp); `trained_on` and `judged_on` count the sources of
    lesson_split's training and validation rows; `only` is the one source validation holds, else None."""

    table: pd.DataFrame
    trained_on: pd.Series
    judged_on: pd.Series
    only: str | None


def validation_split_pitfall(df: pd.DataFrame, val_fraction: float = 0.2) -> Pitfall:
    """The Data page's pitfall: lesson_split (the last 20%, unshuffled) against split() (stratified, seed 0)."""
    import pandas as pd

    keras_train, keras_val = lesson_split(df, val_fraction)
    _, stratified_val = split(df, val_fraction, seed=0)
    judged_on = keras_val["source"].value_counts()
    table = pd.DataFrame(
        {
            f"validation_split={val_fraction} (last {val_fraction:.0%})": judged_on,
            "split() (stratified)": stratified_val["source"].value_counts(),
        }
    ).reindex(list(SOURCES)).fillna(0).astype(int)
    return Pitfall(table, keras_train["source"].value_counts(), judged_on,
                   judged_on.index[0] if len(judged_on) == 1 else None)
