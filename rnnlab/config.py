"""A training configuration: its settings and their defaults, bounds and validation, its stable key, the data it
selects, and the one call of the trainer from a configuration. Every job engine, the run store and the pages read
configurations through this module; it imports neither the engine nor the store.
"""

from __future__ import annotations

import collections
import hashlib
import json
import math
import numbers
import os
import threading
from types import MappingProxyType
from typing import Any, Mapping

# The lesson's recipe: embedding 64, 128 units, 10 epochs, batch 32, Adam at 1e-3, 20% validation.
DEFAULT_CONFIG: Mapping[str, Any] = MappingProxyType(
    dict(
        arch="SimpleRNN",
        epochs=10,
        batch_size=32,
        embed_dim=64,
        units=128,
        learning_rate=1e-3,
        seed=0,
        # Data selection: a stratified split with its own seed (so runs with different model seeds share one
        # validation set), or a whole source held out; `subset` trains on a random sample of that many sentences.
        val_fraction=0.2,
        split_seed=0,
        holdout_source=None,
        subset=None,
        # The sentences: None for the UCI data set, else an uploaded data set's id (see rnnlab.uploads).
        data=None,
        # Beyond the lesson's recipe, all off by default: clip each update's gradient to this global norm.
        clip_norm=None,
        # Regularisation: dropout on the embedding's output (0 = none), early stopping after this many epochs
        # without a lower validation loss (None = train every epoch).
        dropout=0.0,
        early_stopping=None,
    )
)

# Settings added after runs were first stored: at their default they are left out of the configuration's key,
# so every run stored before they existed keeps its key (and is found again).
LATER_SETTINGS: Mapping[str, Any] = MappingProxyType(dict(data=None, clip_norm=None, dropout=0.0, early_stopping=None))
# Settings of train() beyond the lesson's, passed on only when set (see train_options).
TRAIN_OPTIONS = ("clip_norm", "dropout", "early_stopping")

# Bounds that keep one run within a minute or two on a 2-core machine (and out of harm's way on a shared server).
BOUNDS: Mapping[str, tuple[float, float]] = MappingProxyType(
    dict(
        epochs=(1, 30),
        batch_size=(8, 256),
        embed_dim=(8, 128),
        units=(8, 256),
        learning_rate=(1e-4, 1e-1),
        seed=(0, 10**6),
        split_seed=(0, 10**6),
        val_fraction=(0.05, 0.5),
        subset=(50, 100_000),
        clip_norm=(0.01, 100.0),
        dropout=(0.0, 0.9),
        early_stopping=(1, 30),
    )
)
_INTEGER_KEYS = ("epochs", "batch_size", "embed_dim", "units", "seed", "split_seed", "subset", "early_stopping")
_OFF_WHEN_NONE = ("subset", "clip_norm", "early_stopping")  # None is valid: all the data, no clipping, every epoch


def validate_config(config: Mapping[str, Any]) -> dict[str, Any]:
    """The config with defaults filled in and plain Python types, or a ValueError naming every problem."""
    from rnnlab.data import SOURCES
    from rnnlab.models import ARCHITECTURES

    unknown = sorted(set(config) - set(DEFAULT_CONFIG))
    problems = [f"unknown setting {name!r} (known: {', '.join(DEFAULT_CONFIG)})" for name in unknown]
    full = {**DEFAULT_CONFIG, **{k: v for k, v in config.items() if k in DEFAULT_CONFIG}}
    if full["arch"] not in ARCHITECTURES:
        problems.append(f"arch must be one of {', '.join(ARCHITECTURES)}, got {full['arch']!r}")
    if full["holdout_source"] not in (None, *SOURCES):
        problems.append(f"holdout_source must be None or one of {', '.join(SOURCES)}, got {full['holdout_source']!r}")
    if full["data"] is not None:
        from rnnlab.uploads import is_data_id

        if not is_data_id(full["data"]):
            problems.append(f"data must be None (the UCI sentences) or an uploaded data set's id, got {full['data']!r}")
        elif full["holdout_source"] is not None:
            problems.append("holdout_source needs the UCI sentences (an uploaded data set has one source)")
    for name, (low, high) in BOUNDS.items():
        value = full[name]
        if value is None and name in _OFF_WHEN_NONE:
            continue
        integral = name in _INTEGER_KEYS
        if isinstance(value, bool) or not isinstance(value, numbers.Real) or not math.isfinite(value):
            problems.append(f"{name} must be a number between {low:g} and {high:g}, got {value!r}")
            continue
        if integral and value != int(value):
            problems.append(f"{name} must be a whole number, got {value!r}")
            continue
        if not low <= value <= high:
            problems.append(f"{name} must be between {low:g} and {high:g}, got {value!r}")
            continue
        full[name] = int(value) if integral else float(value)
    if problems:
        raise ValueError("Invalid training config: " + "; ".join(problems))
    return full


def config_key(config: Mapping[str, Any]) -> str:
    """A stable 16-hex-digit name for a configuration: equal after defaults and types are normalised."""
    full = validate_config(config)
    for name, default in LATER_SETTINGS.items():
        if full[name] == default:
            del full[name]  # e.g. the UCI data, as before uploads existed: stored runs keep their keys
    canonical = json.dumps(full, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()[:16]


# ----------------------------------------------------------------------------------------------------------
# The data a job trains on


_data_lock = threading.Lock()
# Bounded (least recently used out): a class that trains on many subsets and uploads must not grow the server.
_full_data: "collections.OrderedDict[str, Any]" = collections.OrderedDict()
_splits: "collections.OrderedDict[tuple, tuple]" = collections.OrderedDict()
MAX_DATA_SETS, MAX_SPLITS = 4, 16


def split_selection(config: Mapping[str, Any]) -> tuple:
    """What a configuration's split depends on: the data (an uploaded set named by its content, the UCI one by
    where it is read from), subset, split seed, validation share and held-out source."""
    cfg = validate_config(config)
    data_dir = cfg["data"] or os.environ.get("RNNLAB_DATA_DIR", "")
    return (data_dir, cfg["subset"], cfg["split_seed"], cfg["val_fraction"], cfg["holdout_source"])


def load_split(config: Mapping[str, Any]):
    """(train_df, val_df) for a config's data selection, cached per process: every job and page that asks
    for the same selection gets the same frames (treat them as read-only)."""
    from rnnlab.data import load_sentiment, split

    cfg = validate_config(config)
    selection = split_selection(cfg)
    data_dir = selection[0]
    with _data_lock:
        if selection not in _splits:
            if data_dir not in _full_data:
                if cfg["data"]:
                    from rnnlab.uploads import load

                    _full_data[data_dir] = load(cfg["data"])
                else:
                    _full_data[data_dir] = load_sentiment()
            df = _full_data[data_dir]
            if cfg["subset"] is not None and cfg["subset"] < len(df):
                df = df.sample(n=cfg["subset"], random_state=cfg["split_seed"]).sort_index()
            _splits[selection] = split(
                df, val_fraction=cfg["val_fraction"], seed=cfg["split_seed"], holdout_source=cfg["holdout_source"]
            )
            for cache, limit in ((_splits, MAX_SPLITS), (_full_data, MAX_DATA_SETS)):
                while len(cache) > limit:
                    cache.popitem(last=False)
        _splits.move_to_end(selection)
        return _splits[selection]


def train_options(config: Mapping[str, Any]) -> dict[str, Any]:
    """The keyword arguments of rnnlab.training.train() beyond the lesson's recipe that `config` sets (those not
    at their default): every caller of train() passes them on, and a trainer that predates them gets none."""
    cfg = validate_config(config)
    return {name: cfg[name] for name in TRAIN_OPTIONS if cfg[name] != DEFAULT_CONFIG[name]}


def train_from_config(config: Mapping[str, Any], on_batch=None, on_epoch=None, stop=None, train_fn=None):
    """Train what `config` describes on the data it selects: the one place a configuration becomes a
    `rnnlab.training.train()` call (the engine, notebooks and tests all come here)."""
    cfg = validate_config(config)
    train_df, val_df = load_split(cfg)
    if train_fn is None:
        from rnnlab.training import train as train_fn  # lazily: TensorFlow loads with the first training
    return train_fn(
        cfg["arch"], train_df, val_df,
        epochs=cfg["epochs"], batch_size=cfg["batch_size"], embed_dim=cfg["embed_dim"],
        units=cfg["units"], learning_rate=cfg["learning_rate"], seed=cfg["seed"],
        on_batch=on_batch, on_epoch=on_epoch, stop=stop, **train_options(cfg),
    )
