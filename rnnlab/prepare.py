"""Pre-train the lesson's four models into the run store, so a class starts with instant predictions.

Run `python -m rnnlab.prepare` before the lesson (it honours RNNLAB_RUNS_DIR and RNNLAB_DATA_DIR): it trains
SimpleRNN, LSTM, GRU and BiLSTM with the lesson's settings, with a progress bar, and skips any already stored.
Then it measures each model for the Gradients page (rnnlab.measure: the gradient reaching each word, the Jacobian
chains) and keeps the measurements beside it in the store, so the first student to open Gradients does not wait
for them (nor does anyone else while the server would measure).
"""

from __future__ import annotations

import argparse
import os
import sys
import time

from rnnlab import jobs, runs
from rnnlab.models import LESSON_ARCHS

# The lesson's four architectures (rnnlab.models.LESSON_ARCHS), with its recipe: 10 epochs, batch 32, embedding 64, 128 units, seed 0 and
# the default split (jobs.DEFAULT_CONFIG), so the Train page's default settings find these runs already stored.
BAR_WIDTH = 30


def lesson_configs(archs=LESSON_ARCHS, **settings) -> list[dict]:
    """The job configurations to prepare: the lesson's defaults with `settings` (epochs, units, ...) changed."""
    return [jobs.validate_config(dict(arch=arch, **settings)) for arch in archs]


class ProgressBar:
    """'[2/4] LSTM  [#########-----------]  31%  epoch 4/10  41 s', redrawn in place on stderr."""

    def __init__(self, position: int, total: int, arch: str, epochs: int, stream=sys.stderr):
        self.prefix = f"[{position}/{total}] {arch:<9}"
        self.epochs, self.stream = epochs, stream
        self.started = time.perf_counter()
        self.last_draw = 0.0

    def update(self, step: int, logs: dict) -> None:
        now = time.perf_counter()
        planned = logs["batches_per_epoch"] * self.epochs
        if now - self.last_draw < 0.2 and step < planned:
            return  # a redraw five times a second is plenty
        self.last_draw = now
        self.draw(step / planned, f"epoch {logs['epoch'] + 1}/{self.epochs}")

    def draw(self, fraction: float, detail: str, end: str = "") -> None:
        filled = int(BAR_WIDTH * min(1.0, fraction))
        bar = "#" * filled + "-" * (BAR_WIDTH - filled)
        seconds = time.perf_counter() - self.started
        print(f"\r{self.prefix} [{bar}] {100 * fraction:3.0f}%  {detail}  {seconds:.0f} s", end=end,
              file=self.stream, flush=True)


def prepare(configs: list[dict], runs_dir=None, stream=sys.stderr) -> list[tuple[dict, runs.StoredRun, bool]]:
    """Train every configuration not yet stored and store it; returns (config, stored run, trained now?).

    The trainings run on Ray like the Train page's (rnnlab.classroom.request_training): all are asked for at
    once, so as many train together as the cluster has CPUs; a run another session is training is shared."""
    from rnnlab import classroom

    if runs_dir is not None:
        os.environ["RNNLAB_RUNS_DIR"] = str(runs.store_dir(runs_dir).resolve())  # what the training actors save into
    requests = [classroom.request_training(config, "rnnlab.prepare") for config in configs]
    done = []
    for position, (config, request) in enumerate(zip(configs, requests), start=1):
        bar = ProgressBar(position, len(configs), config["arch"], config["epochs"], stream)
        if request.how == classroom.STORED:
            bar.draw(1.0, f"already stored ({request.stored.id})", end="\n")
            done.append((config, request.stored, False))
            continue
        job = request.job
        while not job.wait(0.5):
            snapshot = job.snapshot()
            if snapshot.status == jobs.QUEUED:
                bar.draw(0.0, f"waiting for a free CPU (place {snapshot.queue_position} in the queue)")
            elif snapshot.batches and snapshot.batches_per_epoch:
                last = snapshot.batches[-1]
                bar.update(last["step"], dict(epoch=last["epoch"] - 1, batches_per_epoch=snapshot.batches_per_epoch))
        snapshot = job.snapshot()
        if snapshot.status != jobs.FINISHED:
            bar.draw(snapshot.fraction, f"{snapshot.status}: {snapshot.error}", end="\n")
            raise RuntimeError(f"{config['arch']} {snapshot.status}: {snapshot.error}")
        stored = runs.read(snapshot.stored_run_id, runs_dir)
        bar.draw(1.0, f"validation accuracy {snapshot.summary['best_val_accuracy']:.3f}", end="\n")
        done.append((config, stored, True))
    return done


def measure_all(done, runs_dir=None, stream=sys.stderr) -> None:
    """The Gradients page's measurements of every prepared run, stored beside its model (quick for those that
    have them already)."""
    from rnnlab import measure

    for position, (config, stored, _) in enumerate(done, start=1):
        bar = ProgressBar(position, len(done), config["arch"], config["epochs"], stream)
        bar.draw(0.0, "measuring gradients for the Gradients page")
        measure.measure_stored(runs.load_run(stored.id, runs_dir))
        bar.draw(1.0, "gradients measured", end="\n")


def parse_args(argv=None) -> argparse.Namespace:
    from rnnlab.models import ARCHITECTURES

    defaults = jobs.DEFAULT_CONFIG
    parser = argparse.ArgumentParser(
        prog="python -m rnnlab.prepare",
        description="Pre-train the lesson's models into the run store (RNNLAB_RUNS_DIR, default runs/), "
                    "skipping those already stored, so the dashboard predicts at once.",
    )
    parser.add_argument("--archs", nargs="+", choices=ARCHITECTURES, default=list(LESSON_ARCHS), metavar="ARCH",
                        help=f"architectures to train (default: {' '.join(LESSON_ARCHS)}; any of "
                             f"{', '.join(ARCHITECTURES)})")
    parser.add_argument("--epochs", type=int, default=defaults["epochs"])
    parser.add_argument("--batch-size", type=int, default=defaults["batch_size"])
    parser.add_argument("--embed-dim", type=int, default=defaults["embed_dim"])
    parser.add_argument("--units", type=int, default=defaults["units"])
    parser.add_argument("--seed", type=int, default=defaults["seed"])
    parser.add_argument("--subset", type=int, default=None,
                        help="train on a random sample of this many sentences (for a quick check)")
    parser.add_argument("--runs-dir", default=None, help="the run store (default: RNNLAB_RUNS_DIR, else runs/)")
    return parser.parse_args(argv)


def main(argv=None) -> int:
    from rnnlab.data import DataError

    args = parse_args(argv)
    settings = dict(epochs=args.epochs, batch_size=args.batch_size, embed_dim=args.embed_dim, units=args.units,
                    seed=args.seed)
    if args.subset is not None:
        settings["subset"] = args.subset
    try:
        configs = lesson_configs(args.archs, **settings)
    except ValueError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    from rnnlab.data import find_data_dir

    try:
        find_data_dir()  # here, downloading it if need be: each training actor reads the same folder
    except DataError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    folder = runs.store_dir(args.runs_dir)
    print(f"Preparing {len(configs)} model(s) in {folder}", file=sys.stderr)
    try:
        done = prepare(configs, args.runs_dir)
    except (DataError, RuntimeError) as error:  # a failed training, or Ray unavailable (jobs.EngineUnavailable)
        print(f"\nerror: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("\nInterrupted: the models finished before are stored; run it again to train the rest.",
              file=sys.stderr)
        return 130
    try:
        measure_all(done, args.runs_dir)
    except KeyboardInterrupt:
        print("\nInterrupted: the models are stored; the Gradients page measures what is missing.", file=sys.stderr)
        return 130
    for config, stored, trained in done:
        best = stored.metrics.get("best_val_accuracy")
        print(f"{stored.id}\t{'trained' if trained else 'already stored'}\tbest validation accuracy "
              f"{best:.3f}\t{stored.seconds:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
