"""What a run is called: its key (rnnlab.config.config_key, so identical configurations share one stored run),
its folder's id, and its one name for people, the same on every page, in the store and for its whole life."""

from __future__ import annotations

import hashlib
import json
from typing import Any, Mapping

from rnnlab.lru import LRU


def hash_json(value) -> str:
    return hashlib.sha256(json.dumps(value, sort_keys=True, separators=(",", ":")).encode()).hexdigest()[:16]


def run_key(config: Mapping[str, Any]) -> str:
    """The configuration's key: rnnlab.jobs.config_key, so identical configurations map to one stored run."""
    from rnnlab.config import config_key

    return config_key(config)


def run_id(config: Mapping[str, Any]) -> str:
    """The folder name of a configuration's run: its architecture (for people browsing runs/) and its key."""
    from rnnlab.config import validate_config

    config = validate_config(config)
    return f"{config['arch']}-{run_key(config)}"


# How each setting reads in a run's name when it differs from the lesson's defaults.
_NAME_PARTS = dict(
    units=lambda v: f"{v} units", embed_dim=lambda v: f"embedding {v}", epochs=lambda v: f"{v} epoch{'s' * (v != 1)}",
    batch_size=lambda v: f"batch {v}", learning_rate=lambda v: f"learning rate {v:g}", seed=lambda v: f"seed {v}",
    val_fraction=lambda v: f"{v:.0%} validation", split_seed=lambda v: f"split seed {v}",
    holdout_source=lambda v: f"{v} held out", subset=lambda v: f"{v} sentences",
    data=lambda v: f"your data {str(v)[-4:]}",
)


def run_name(config: Mapping[str, Any]) -> str:
    """A run's one name, the same on every page, in the store and for its whole life: the architecture and what
    differs from the lesson's defaults, e.g. 'LSTM, 64 units, seed 1' (the lesson's own settings: 'LSTM').
    Kept per configuration (bounded): every redraw of every tab names the same runs."""
    try:
        key = tuple(sorted(config.items()))
        hash(key)
    except TypeError:  # a value that cannot be a key (a list from an old store): named without the cache
        return _run_name(config)
    return _names.get(key, lambda: _run_name(config))


def _run_name(config: Mapping[str, Any]) -> str:
    from rnnlab.config import DEFAULT_CONFIG

    try:
        from rnnlab.config import validate_config

        config = validate_config(config)
    except ValueError:
        config = {**DEFAULT_CONFIG, **config}
    parts = [str(config.get("arch"))]
    for name, default in DEFAULT_CONFIG.items():
        value = config.get(name, default)
        if name == "arch" or value == default:
            continue
        describe = _NAME_PARTS.get(name, lambda v, name=name: f"{name.replace('_', ' ')} {v}")
        parts.append(describe(value))
    return ", ".join(parts)


_names = LRU(1024)


def valid_id(run_id: str) -> bool:
    return (isinstance(run_id, str) and 0 < len(run_id) <= 200 and not run_id.startswith(".")
            and "/" not in run_id and "\\" not in run_id and "\0" not in run_id)
