"""Pre-train the lesson's four models into the run store, so a class starts with instant predictions.

Run `python -m rnnlab.prepare` before the lesson (it honours RNNLAB_RUNS_DIR and RNNLAB_DATA_DIR): it trains
SimpleRNN, LSTM, GRU and BiLSTM with the lesson's settings, with a progress bar, and skips any already stored.
"""

from __future__ import annotations

import argparse
import sys
import time

from rnnlab import jobs, runs

# The lesson's four architectures, with its recipe: 10 epochs, batch 32, embedding 64, 128 units, seed 0 and
# the default split (jobs.DEFAULT_CONFIG), so the Train page's default settings find these runs already stored.
LESSON_ARCHS = ("SimpleRNN", "LSTM", "GRU", "BiLSTM")
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
    """Train every configuration not yet stored and store it; returns (config, stored run, trained now?)."""
    from rnnlab.training import train

    done = []
    for position, config in enumerate(configs, start=1):
        stored = runs.find(config, runs_dir)
        bar = ProgressBar(position, len(configs), config["arch"], config["epochs"], stream)
        if stored is not None and stored.status == runs.FINISHED:
            bar.draw(1.0, f"already stored ({stored.id})", end="\n")
            done.append((config, stored, False))
            continue
        train_df, val_df = jobs.load_split(config)
        result = train(
            config["arch"], train_df, val_df, epochs=config["epochs"], batch_size=config["batch_size"],
            embed_dim=config["embed_dim"], units=config["units"], learning_rate=config["learning_rate"],
            seed=config["seed"], on_batch=bar.update,
        )
        stored = runs.save(result, config, runs_dir)
        best = max(result.history["val_accuracy"])
        bar.draw(1.0, f"validation accuracy {best:.3f}", end="\n")
        done.append((config, stored, True))
    return done


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
    folder = runs.store_dir(args.runs_dir)
    print(f"Preparing {len(configs)} model(s) in {folder}", file=sys.stderr)
    try:
        done = prepare(configs, args.runs_dir)
    except DataError as error:
        print(f"\nerror: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("\nInterrupted: the models finished before are stored; run it again to train the rest.",
              file=sys.stderr)
        return 130
    for config, stored, trained in done:
        best = stored.metrics.get("best_val_accuracy")
        print(f"{stored.id}\t{'trained' if trained else 'already stored'}\tbest validation accuracy "
              f"{best:.3f}\t{stored.seconds:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
