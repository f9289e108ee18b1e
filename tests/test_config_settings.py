"""The settings beyond the lesson's recipe (issue 12) in rnnlab.config: off by default, validated with the reason,
left out of the configuration key at their defaults (so every stored run keeps its key), and passed on to train()
only when set."""

import hashlib
import json

import pytest

from rnnlab.config import DEFAULT_CONFIG, config_key, train_options, validate_config

# The configuration as it was before any later setting existed (data, clip_norm, ...).
ORIGINAL_KEYS = ("arch", "epochs", "batch_size", "embed_dim", "units", "learning_rate", "seed", "val_fraction",
                 "split_seed", "holdout_source", "subset")


def original_key(config):
    full = {name: validate_config(config)[name] for name in ORIGINAL_KEYS}
    return hashlib.sha256(json.dumps(full, sort_keys=True, separators=(",", ":")).encode()).hexdigest()[:16]


@pytest.mark.parametrize("config", [dict(arch="LSTM"), dict(arch="GRU", units=64, epochs=5, subset=600)])
def test_at_their_defaults_the_new_settings_keep_every_stored_runs_key(config):
    assert config_key(config) == original_key(config)
    assert config_key(dict(config, clip_norm=None)) == original_key(config)
    assert config_key(dict(config, clip_norm=1.0)) != original_key(config)
    assert config_key(dict(config, clip_norm=1)) == config_key(dict(config, clip_norm=1.0))


def test_clip_norm_is_off_by_default_and_validated_with_the_reason():
    assert DEFAULT_CONFIG["clip_norm"] is None and validate_config({})["clip_norm"] is None
    assert validate_config(dict(clip_norm=2))["clip_norm"] == 2.0
    for bad, reason in ((0, "clip_norm must be between 0.01 and 100, got 0"), ("1", "clip_norm must be a number"),
                        (float("inf"), "clip_norm must be a number")):
        with pytest.raises(ValueError, match=reason):
            validate_config(dict(clip_norm=bad))


def test_train_gets_only_the_settings_that_are_set():
    assert train_options(dict(arch="LSTM")) == {}
    assert train_options(dict(arch="LSTM", clip_norm=0.5)) == {"clip_norm": 0.5}


def test_dropout_and_early_stopping_are_off_by_default_validated_and_keyed_only_when_set():
    full = validate_config({})
    assert full["dropout"] == 0.0 and full["early_stopping"] is None
    assert config_key(dict(arch="GRU", dropout=0, early_stopping=None)) == original_key(dict(arch="GRU"))
    assert config_key(dict(arch="GRU", dropout=0.3)) != config_key(dict(arch="GRU", early_stopping=3))
    for bad, reason in ((dict(dropout=0.95), "dropout must be between 0 and 0.9"),
                        (dict(early_stopping=0), "early_stopping must be between 1 and 30"),
                        (dict(early_stopping=1.5), "early_stopping must be a whole number")):
        with pytest.raises(ValueError, match=reason):
            validate_config(bad)
    assert train_options(dict(dropout=0.25, early_stopping=3)) == {"dropout": 0.25, "early_stopping": 3}
