"""Training on Ray, as pages, scripts and tests use it: `manager()` (the process-wide engine: claim, get,
start_work), `get(run_id)`, `run_work`, the configuration schema (rnnlab.config), and the parts:

- rnnlab.engine.connection: joining RAY_ADDRESS's cluster or starting a local Ray on 127.0.0.1 (lazily, once
  per process); run states; the settings a training worker starts with (priority, TensorFlow threads).
- rnnlab.engine.trainer: `Trainer`, one standing Ray actor per CPU (TensorFlow imported once) that takes runs
  in turn from the registry, trains, answers snapshot() and stop(), stores the run and reports its end.
- rnnlab.engine.registry: what all servers share (the live run of each configuration, its starter, the fair
  queue, how runs ended, the instructor's pause) and the watchdog that fails and kills dead or hung workers.
- rnnlab.engine.client: `Engine` (queues runs), `Job` (a server's read-only view of a run), `JobSnapshot`.
- rnnlab.engine.work: `run_work`, another kind of training (the long-range page's) as an ordinary run.
"""

from __future__ import annotations

from rnnlab.config import (  # noqa: F401  the schema lives in rnnlab.config; re-exported for old callers
    BOUNDS, DEFAULT_CONFIG, config_key, load_split, train_from_config, validate_config,
)
from rnnlab.engine.client import Engine, Job, JobSnapshot, Refused, manager, run_label  # noqa: F401
from rnnlab.engine.connection import (  # noqa: F401
    ACTIVE, FAILED, FINISHED, QUEUED, REGISTRY_NAME, ROOT, RUNNING, STOPPED, EngineUnavailable, connect,
)
from rnnlab.engine.registry import Registry  # noqa: F401
from rnnlab.engine.work import RunFailed, run_work  # noqa: F401
from rnnlab.engine.trainer import Trainer  # noqa: F401


def get(run_id: str) -> Job | None:
    return manager().get(run_id)
