"""What the embedding learned: a trained model's Embedding projected to 2D, each word's lean in the training
sentences, nearest neighbours by cosine similarity, and how well the 2D position alone predicts a word's lean.

The lesson asks which method trains the embedding (neither skip-gram nor CBOW: it is learned end to end with the
classifier). Comparing a trained model's embedding with the same architecture untrained (the weights training
started from) shows what that end-to-end training did. Everything here is NumPy on the embedding matrix; the
model is only read.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from rnnlab.text import tokenize

PROJECTION_COLUMNS = ["word", "x", "y", "count", "lean"]
# Words seen fewer times than this have a lean that is mostly noise (one review can make it): separability
# counts only words seen at least this often.
SEPARABILITY_MIN_COUNT = 5
FOLDS = 5


def embedding_matrix(run, trained: bool = True) -> np.ndarray:
    """The (vocab_size, embed_dim) Embedding weights of `run`'s model, or of its untrained twin (the same
    architecture and seed before any training: rnnlab.gradients.untrained_twin)."""
    from rnnlab.predict import model_cache

    model = run.model
    if not trained:
        cache = model_cache(model)
        if "untrained_embedding" not in cache:
            from rnnlab.gradients import untrained_twin

            cache["untrained_embedding"] = np.asarray(untrained_twin(run).get_layer("embedding").embeddings)
        return cache["untrained_embedding"]
    with run.lock:
        return np.asarray(model.get_layer("embedding").embeddings)


def training_sentences(run) -> pd.DataFrame:
    """The sentences `run` was trained on (text, label), from its job configuration's data selection. A run
    trained in a notebook on its own split does not know them: pass `sentences=` to projection() then."""
    from rnnlab.config import DEFAULT_CONFIG, load_split

    job_config = getattr(run, "job_config", None)
    if job_config is None:
        job_config = {k: v for k, v in run.config.items() if k in DEFAULT_CONFIG}
    train_df, _ = load_split(job_config)
    expected = run.config.get("train_size")
    if expected is not None and expected != len(train_df):
        raise ValueError(
            f"This run was trained on {expected} sentences, but its configuration selects {len(train_df)}: "
            "pass its training sentences as `sentences=`."
        )
    return train_df


def word_statistics(run, sentences: pd.DataFrame) -> pd.DataFrame:
    """Per vocabulary word (index 2 on: not padding or [UNK]): count (times it occurs in `sentences`) and lean,
    the smoothed log-odds that a sentence holding it is positive, corrected for the share of positive sentences:
    lean = log((p + 1) / (n + 1)) - log((P + 1) / (N + 1)), with p, n the positive and negative sentences that
    hold the word and P, N all positive and negative sentences. 0 means no lean; +1 means e times more often
    in positive sentences than the data's balance would give."""
    index = {word: i for i, word in enumerate(run.vocabulary)}
    size = len(run.vocabulary)
    count = np.zeros(size, dtype=np.int64)
    in_positive = np.zeros(size, dtype=np.int64)
    in_negative = np.zeros(size, dtype=np.int64)
    labels = sentences["label"].to_numpy()
    for text, label in zip(sentences["text"], labels):
        ids = [index.get(word, 1) for word in tokenize(text)]
        np.add.at(count, ids, 1)
        present = np.unique(ids)
        if label:
            in_positive[present] += 1
        else:
            in_negative[present] += 1
    positives = int(np.sum(labels == 1))
    negatives = len(labels) - positives
    lean = np.log((in_positive + 1) / (in_negative + 1)) - np.log((positives + 1) / (negatives + 1))
    return pd.DataFrame({"word": list(run.vocabulary), "count": count, "lean": lean}).iloc[2:]


def pca_2d(vectors: np.ndarray) -> np.ndarray:
    """The first two principal components of the rows of `vectors` (n, d): centred, then projected on the two
    right singular vectors of largest singular value. (n, 2); zeros where there is nothing to project."""
    vectors = np.asarray(vectors, dtype=np.float64)
    if len(vectors) < 2:
        return np.zeros((len(vectors), 2))
    centred = vectors - vectors.mean(axis=0)
    _, _, directions = np.linalg.svd(centred, full_matrices=False)
    coords = centred @ directions[:2].T
    if coords.shape[1] < 2:
        coords = np.hstack([coords, np.zeros((len(coords), 2 - coords.shape[1]))])
    return coords


def projection(run, min_count: int = 1, trained: bool = True, sentences: pd.DataFrame | None = None) -> pd.DataFrame:
    """Every vocabulary word seen at least `min_count` times in the training sentences, its embedding projected
    to 2D by PCA (over the words shown), its count and lean (see word_statistics).

    DataFrame[word, x, y, count, lean], most frequent first. Each axis is turned so that it correlates
    positively with the lean (PCA's sign is arbitrary): positive words tend to the right and top. `trained=False`
    projects the untrained twin's embedding, the same words. `sentences` (text, label) default to the run's
    training sentences (training_sentences)."""
    if sentences is None:
        sentences = training_sentences(run)
    stats = word_statistics(run, sentences)
    stats = stats[stats["count"] >= int(min_count)]
    matrix = embedding_matrix(run, trained)
    coords = pca_2d(matrix[stats.index.to_numpy()])
    lean = stats["lean"].to_numpy()
    for axis in range(2):
        if len(lean) > 1 and np.dot(coords[:, axis] - coords[:, axis].mean(), lean - lean.mean()) < 0:
            coords[:, axis] *= -1
    frame = pd.DataFrame({"word": stats["word"].to_numpy(), "x": coords[:, 0], "y": coords[:, 1],
                          "count": stats["count"].to_numpy(), "lean": lean})
    return frame.sort_values(["count", "word"], ascending=[False, True], ignore_index=True)[PROJECTION_COLUMNS]


def _word_index(run, word: str) -> int:
    words = tokenize(word)
    if len(words) != 1:
        raise ValueError(f"Type one word, not {word!r} (it reads as {len(words)} words: {' '.join(words) or 'none'}).")
    index = {w: i for i, w in enumerate(run.vocabulary)}
    if index.get(words[0], 1) < 2:
        raise ValueError(
            f"{words[0]!r} is not in this model's vocabulary: its {len(run.vocabulary) - 2:,} words are those "
            "of its training sentences, and any other word reads as [UNK]."
        )
    return index[words[0]]


def neighbours(run, word: str, k: int = 10, trained: bool = True) -> pd.DataFrame:
    """The k vocabulary words whose embeddings are closest to `word`'s by cosine similarity (the word itself,
    padding and [UNK] left out), most similar first: DataFrame[word, similarity]. `word` is read as the model
    reads it (lowercased, punctuation removed); a word outside the vocabulary is a ValueError saying so."""
    target = _word_index(run, word)
    matrix = embedding_matrix(run, trained).astype(np.float64)
    norms = np.linalg.norm(matrix, axis=1)
    similarity = matrix @ matrix[target] / np.maximum(norms * norms[target], 1e-12)
    similarity[[0, 1, target]] = -np.inf
    k = max(0, min(int(k), len(similarity) - 3))
    best = np.argsort(-similarity, kind="stable")[:k]
    return pd.DataFrame({"word": [run.vocabulary[i] for i in best], "similarity": similarity[best]})


# ----------------------------------------------------------------------------------------------------------
# Separability: how well the 2D position alone predicts the sign of a word's lean


def logistic_regression(features: np.ndarray, targets: np.ndarray, l2: float = 1e-3, steps: int = 50):
    """Weights (d + 1,: bias last) of an L2-regularised logistic regression, fitted by Newton's method (the
    problem is small and convex: two coordinates and a bias)."""
    x = np.hstack([np.asarray(features, dtype=np.float64), np.ones((len(features), 1))])
    y = np.asarray(targets, dtype=np.float64)
    w = np.zeros(x.shape[1])
    for _ in range(steps):
        p = 1.0 / (1.0 + np.exp(-np.clip(x @ w, -30, 30)))
        gradient = x.T @ (p - y) + l2 * w
        hessian = (x * (p * (1 - p))[:, None]).T @ x + l2 * np.eye(len(w))
        update = np.linalg.solve(hessian, gradient)
        w -= update
        if np.max(np.abs(update)) < 1e-9:
            break
    return w


def predict_logistic(weights: np.ndarray, features: np.ndarray) -> np.ndarray:
    x = np.hstack([np.asarray(features, dtype=np.float64), np.ones((len(features), 1))])
    return (x @ weights > 0).astype(int)


def separability(projected: pd.DataFrame, min_count: int = SEPARABILITY_MIN_COUNT, folds: int = FOLDS,
                 seed: int = 0) -> dict:
    """How well a linear classifier on the 2D coordinates predicts whether a word leans positive (lean > 0) or
    negative (lean < 0), for the words of `projected` (projection()'s frame) seen at least `min_count` times:
    accuracy on held-out words, `folds`-fold cross-validated (each word is scored by a classifier that never
    saw it). Words with no lean (0) are left out.

    {'accuracy', 'words', 'majority' (the share of the larger class: what guessing it always scores)}."""
    rows = projected[(projected["count"] >= min_count) & (projected["lean"] != 0)]
    targets = (rows["lean"].to_numpy() > 0).astype(int)
    words = len(rows)
    majority = float(max(targets.mean(), 1 - targets.mean())) if words else float("nan")
    if words < folds or len(np.unique(targets)) < 2:
        return dict(accuracy=float("nan"), words=words, majority=majority)
    features = rows[["x", "y"]].to_numpy(dtype=np.float64)
    features = (features - features.mean(axis=0)) / np.maximum(features.std(axis=0), 1e-12)
    fold_of = np.random.default_rng(seed).permutation(words) % folds
    correct = 0
    for fold in range(folds):
        held_out = fold_of == fold
        weights = logistic_regression(features[~held_out], targets[~held_out])
        correct += int(np.sum(predict_logistic(weights, features[held_out]) == targets[held_out]))
    return dict(accuracy=correct / words, words=words, majority=majority)


def compare(run, min_count: int = 1, sentences: pd.DataFrame | None = None) -> dict:
    """The page's numbers in one call: {'trained': projection, 'untrained': projection, 'separability':
    {'trained': ..., 'untrained': ...}} (see projection and separability)."""
    if sentences is None:
        sentences = training_sentences(run)
    frames = {state: projection(run, min_count, trained=state == "trained", sentences=sentences)
              for state in ("trained", "untrained")}
    scored = frames  # separability scores the words seen >= 5 times on the full map, whatever the page shows
    if min_count != 1:
        scored = {state: projection(run, 1, trained=state == "trained", sentences=sentences) for state in frames}
    return dict(frames, separability={state: separability(frame) for state, frame in scored.items()})


def separability_sentence(trained: dict, untrained: dict) -> str:
    """The page's statement of separability() for the trained and untrained embedding, in words."""
    if trained["words"] < FOLDS or trained["accuracy"] != trained["accuracy"]:
        return (f"Too few words are seen at least {SEPARABILITY_MIN_COUNT} times in both kinds of sentences "
                "to say how well the map separates them.")
    return (
        f"**How well does a word's place on the map tell its lean?** A straight line through the map (a logistic "
        f"regression on the two coordinates, scored on words it was not fitted on, 5-fold) puts "
        f"**{trained['accuracy']:.0%}** of the {trained['words']:,} words seen at least {SEPARABILITY_MIN_COUNT} "
        f"times on the side of their lean after training, against **{untrained['accuracy']:.0%}** before; "
        f"always guessing the larger side scores {trained['majority']:.0%}."
    )
