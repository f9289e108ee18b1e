"""Regularisation in words and numbers: which runs used dropout or early stopping, when early stopping ended a
run, and how far training and validation loss drifted apart in runs with and without it (the overfitting the
training curves show: training loss towards 0 while validation loss rises). No Streamlit, no TensorFlow."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np


def describe(config: Mapping) -> str:
    """'dropout 0.3, early stopping (patience 2)', or 'none' for the lesson's recipe."""
    parts = []
    if config.get("dropout"):
        parts.append(f"dropout {config['dropout']:g}")
    if config.get("early_stopping") is not None:
        parts.append(f"early stopping (patience {config['early_stopping']})")
    return ", ".join(parts) or "none"


def is_regularised(config: Mapping) -> bool:
    return describe(config) != "none"


def early_stop(config: Mapping, history: Mapping, stopped: bool = False) -> dict | None:
    """For a run trained with early stopping that ended before its last epoch (and was not stopped by hand):
    {'epochs_done', 'best_epoch' (1 = the first; its weights are the ones kept), 'patience'}; else None."""
    patience = config.get("early_stopping")
    val_loss = list(history.get("val_loss") or [])
    if patience is None or stopped or not val_loss or len(val_loss) >= config.get("epochs", 0):
        return None
    return dict(epochs_done=len(val_loss), best_epoch=int(np.argmin(val_loss)) + 1, patience=int(patience))


def early_stop_sentence(name: str, stop: dict) -> str:
    return (f"{name} stopped early after {stop['epochs_done']} epochs: its validation loss had not fallen for "
            f"{stop['patience']} epoch{'s' if stop['patience'] != 1 else ''}. It keeps the weights of epoch "
            f"{stop['best_epoch']}, its lowest validation loss.")


def overfitting_gap(history: Mapping) -> dict | None:
    """At the epoch of lowest validation loss and at the last: the training loss, the validation loss, and their
    gap at the last epoch (validation minus training: how much it memorised rather than learned)."""
    loss, val_loss = list(history.get("loss") or []), list(history.get("val_loss") or [])
    if not loss or len(loss) != len(val_loss):
        return None
    best = int(np.argmin(val_loss))
    return dict(best_epoch=best + 1, best_val_loss=float(val_loss[best]), last_epoch=len(loss),
                last_loss=float(loss[-1]), last_val_loss=float(val_loss[-1]),
                gap=float(val_loss[-1] - loss[-1]))


def comparison(runs: Sequence[tuple[str, Mapping, Mapping]]) -> str | None:
    """A paragraph comparing this session's runs (name, config, per-epoch history) with and without
    regularisation, in their own numbers; None unless both kinds are among them."""
    rows = [(name, config, overfitting_gap(history)) for name, config, history in runs]
    rows = [row for row in rows if row[2] is not None]
    plain = [row for row in rows if not is_regularised(row[1])]
    regularised = [row for row in rows if is_regularised(row[1])]
    if not plain or not regularised:
        return None

    def line(name, config, gap):
        kind = "no regularisation" if not is_regularised(config) else describe(config)
        return (f"{name} ({kind}): after epoch {gap['last_epoch']} training loss {gap['last_loss']:.3f}, "
                f"validation loss {gap['last_val_loss']:.3f} (gap {gap['gap']:+.3f}); its lowest validation loss "
                f"{gap['best_val_loss']:.3f} was at epoch {gap['best_epoch']}")

    mean_plain = float(np.mean([gap["gap"] for _, _, gap in plain]))
    mean_regularised = float(np.mean([gap["gap"] for _, _, gap in regularised]))
    verdict = ("smaller: less memorised" if mean_regularised < mean_plain
               else "not smaller: here the regularisation did not hold back the memorising")
    return ("**In your own runs:** " + "; ".join(line(*row) for row in plain + regularised) + ". The gap between "
            f"validation and training loss is {mean_regularised:+.3f} on average with regularisation against "
            f"{mean_plain:+.3f} without, {verdict}.")
