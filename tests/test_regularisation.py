"""rnnlab.regularisation: which runs used what, when early stopping ended a run, and the own-numbers comparison
of runs with and without regularisation that the Train page's question shows."""

import pytest

from rnnlab import regularisation

PLAIN = dict(epochs=5)
DROPOUT = dict(epochs=5, dropout=0.3)
STOPPING = dict(epochs=5, early_stopping=2)


def test_describe_names_each_setting_or_none():
    assert regularisation.describe(PLAIN) == "none" and not regularisation.is_regularised(dict(dropout=0.0))
    assert regularisation.describe(DROPOUT) == "dropout 0.3"
    assert regularisation.describe(dict(DROPOUT, early_stopping=2)) == "dropout 0.3, early stopping (patience 2)"


def test_early_stop_is_reported_only_when_it_ended_the_run():
    history = dict(val_loss=[0.6, 0.5, 0.55, 0.58])
    assert regularisation.early_stop(STOPPING, history) == dict(epochs_done=4, best_epoch=2, patience=2)
    assert regularisation.early_stop(STOPPING, history, stopped=True) is None  # Stop pressed
    assert regularisation.early_stop(PLAIN, history) is None
    assert regularisation.early_stop(STOPPING, dict(val_loss=[0.6] * 5)) is None  # trained every epoch
    sentence = regularisation.early_stop_sentence("GRU", regularisation.early_stop(STOPPING, history))
    assert sentence == ("GRU stopped early after 4 epochs: its validation loss had not fallen for 2 epochs. "
                        "It keeps the weights of epoch 2, its lowest validation loss.")


def test_comparison_uses_the_runs_own_numbers_only_when_both_kinds_exist():
    plain = dict(loss=[0.6, 0.3, 0.1], val_loss=[0.6, 0.5, 0.7])
    regular = dict(loss=[0.65, 0.45, 0.35], val_loss=[0.6, 0.5, 0.52])
    assert regularisation.comparison([("LSTM", PLAIN, plain)]) is None
    text = regularisation.comparison([("LSTM", PLAIN, plain), ("LSTM #2", DROPOUT, regular)])
    assert "LSTM (no regularisation): after epoch 3 training loss 0.100, validation loss 0.700 (gap +0.600)" in text
    assert "LSTM #2 (dropout 0.3): after epoch 3 training loss 0.350, validation loss 0.520 (gap +0.170)" in text
    assert "its lowest validation loss 0.500 was at epoch 2" in text
    assert "+0.170 on average with regularisation against +0.600 without, smaller" in text
    gap = regularisation.overfitting_gap(plain)
    assert gap["gap"] == pytest.approx(0.6) and gap["best_epoch"] == 2
