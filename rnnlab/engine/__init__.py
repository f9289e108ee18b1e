"""Training on Ray: every training is one Ray actor, shared by every session of every server joined to one cluster.

- `connection`: joining RAY_ADDRESS's cluster or starting a local Ray on 127.0.0.1 (once per process, lazily);
  the run states and the settings every part reads (namespace, heartbeat, worker priority and threads).
- `run_actor`: `RunActor`, one training run (one CPU, a GPU where the cluster has one): it trains in a thread,
  answers snapshot() and stop(), saves the run into the run store, reports its end and exits; and `run_work`, any
  other training (the long-range page's) as Ray work.
- `registry`: the one registry actor per namespace that all servers share (which configuration is training
  under which run id, who started it, the queue, how runs ended) and its watchdog.
- `client`: what a server holds: `Engine` (starts runs), `Job` (a read-only view of one run), `JobSnapshot`.

`rnnlab.jobs` is the public face of this package (the names pages, scripts and tests import).
"""
