"""A small prepared run store for the lesson's tests: the lesson's four architectures, tiny (1 epoch, 8 units,
embedding 8, 600 sentences), trained in this process with rnnlab.config.train_from_config (no Ray: the pages
only read stored runs) and saved with rnnlab.runs.save, as `python -m rnnlab.prepare --epochs 1 --subset 600
--units 8 --embed-dim 8` would store them."""

from __future__ import annotations

from pathlib import Path

from rnnlab.models import LESSON_ARCHS

TINY = dict(subset=600, units=8, embed_dim=8, epochs=1)


def prepare_store(runs_dir: Path, archs=LESSON_ARCHS) -> list[str]:
    """Train and store `archs` in `runs_dir` (skipping those stored); the stored run ids, in order."""
    from rnnlab import runs
    from rnnlab.config import train_from_config, validate_config

    ids = []
    for arch in archs:
        config = validate_config(dict(arch=arch, **TINY))
        found = runs.find(config, runs_dir)
        if found is None:
            found = runs.save(train_from_config(config), config, runs_dir)
        ids.append(found.id)
    return ids


if __name__ == "__main__":  # python -m tests.lesson_store DIR: a store for a browser walk
    import sys

    print(prepare_store(Path(sys.argv[1])))
