"""rnnlab.ui.address: the Train page's settings read from and written to the address (query parameters)."""

import pytest

from rnnlab.ui import address
from rnnlab.ui.state import StateKeys as K


def test_a_link_gives_exactly_its_settings():
    values, problems = address.parse({"archs": "LSTM,GRU", "units": "64", "epochs": "5", "present": "1"})
    assert problems == []
    assert values == {K.TRAIN_ARCHS: ["LSTM", "GRU"], K.TRAIN_UNITS: 64, K.TRAIN_EPOCHS: 5}
    values, _ = address.parse({"learning_rate": "0.01", "validation": "yelp", "clip_norm": "1.5", "dropout": "0.3",
                               "early_stopping": "2", "seed": "42", "batch_size": "64", "embed_dim": "32"})
    assert values == {K.TRAIN_LEARNING_RATE: 0.01, K.TRAIN_VALIDATION: "Hold out Yelp", K.TRAIN_CLIP_NORM: 1.5,
                      K.TRAIN_DROPOUT: 0.3, K.TRAIN_EARLY_STOPPING: 2, K.TRAIN_SEED: 42, K.TRAIN_BATCH_SIZE: 64,
                      K.TRAIN_EMBED_DIM: 32}
    assert address.parse({"clip_norm": "off", "early_stopping": "off"})[0] == {K.TRAIN_CLIP_NORM: None,
                                                                                K.TRAIN_EARLY_STOPPING: None}


@pytest.mark.parametrize("params, reason", [
    ({"units": "abc"}, "The address's units='abc' was refused (not a number); using 128."),
    ({"units": "1000"}, "The address's units='1000' was refused (must be between 8 and 256); using 128."),
    ({"epochs": "2.5"}, "The address's epochs='2.5' was refused (not a whole number); using 10."),
    ({"epochs": "inf"}, "The address's epochs='inf' was refused (not a finite number); using 10."),
    ({"archs": "LSTM,MLP"}, "The address's archs='LSTM,MLP' was refused (MLP is not one of SimpleRNN, LSTM, GRU, "
                            "BiLSTM, BiGRU); using SimpleRNN."),
    ({"archs": ""}, "The address's archs='' was refused (nothing is not one of"),
    ({"learning_rate": "0.005"}, "(must be one of 0.0001, 0.0003, 0.001, 0.003, 0.01, 0.03, 0.1); using 0.001."),
    ({"validation": "mars"}, "(must be one of stratified, amazon, imdb, yelp); using 20% of every source."),
    ({"clip_norm": "0"}, "(must be between 0.01 and 100 or off); using off."),
    ({"dropout": "0.95"}, "(must be between 0 and 0.9); using 0."),
])
def test_a_bad_value_is_refused_with_its_reason_and_the_default_used(params, reason):
    values, problems = address.parse(dict(params, seed="3"))
    assert values == {K.TRAIN_SEED: 3}  # the good ones still apply
    assert len(problems) == 1 and reason in problems[0]


def test_encode_writes_only_what_differs_from_the_defaults_and_parse_reads_it_back():
    assert address.encode(address.initial_values()) == {}
    changed = dict(address.initial_values(), **{K.TRAIN_ARCHS: ["LSTM", "GRU"], K.TRAIN_UNITS: 64,
                                                 K.TRAIN_LEARNING_RATE: 0.003, K.TRAIN_CLIP_NORM: 1.0,
                                                 K.TRAIN_VALIDATION: "Hold out IMDB"})
    params = address.encode(changed)
    assert params == {"archs": "LSTM,GRU", "units": "64", "learning_rate": "0.003", "validation": "imdb",
                      "clip_norm": "1"}
    values, problems = address.parse(params)
    assert problems == [] and dict(address.initial_values(), **values) == changed
