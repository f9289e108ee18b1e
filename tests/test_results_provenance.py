"""Every results file names where it came from, and a sample of each file's cells, re-measured now with the file's
own settings, matches it: what ties results/ to today's code.

Each results/*.json records the command, the commit of the code (rnnlab.provenance: `git rev-parse HEAD`, with
-dirty when tracked code differed), the date and the machine (cores, load). The long-range table and its slow
learning-rate file are re-measured in tests/test_longrange.py; here the lag-75 files of other thread settings
(their own --threads, in a fresh process: TensorFlow fixes its threads at its first op) and the benchmark's
accuracies. Seconds are measurements of a machine at a moment and are not re-measured; their consistency is
(tests/test_bench.py)."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from rnnlab import longrange_results

ROOT = Path(__file__).resolve().parents[1]
RESULTS = sorted((ROOT / "results").glob("*.json"))
# As in tests/test_longrange.py: training is deterministic for a seed and thread setting here; 0.005 of
# validation accuracy allows another CPU's float rounding.
ACCURACY_TOLERANCE = 0.005


def provenance_of(results: dict) -> dict:
    """The long-range and lecture files keep it under "provenance", the benchmark at the top level."""
    return results.get("provenance", results)


def git(*args) -> subprocess.CompletedProcess:
    return subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True)


def test_there_are_results_files():
    names = {path.name for path in RESULTS}
    assert {"longrange.json", "longrange_lr0.001.json", "bench.json"} <= names, names
    assert len(longrange_results.spread_files()) == 3


@pytest.mark.parametrize("path", RESULTS, ids=[path.name for path in RESULTS])
def test_every_results_file_records_command_commit_date_and_machine(path):
    p = provenance_of(json.loads(path.read_text()))
    assert re.match(r"python (-m rnnlab\.\w+|scripts/\w+\.py)", p["command"]), p["command"]
    found = re.fullmatch(r"([0-9a-f]{40})(-dirty)?", p["commit"])
    assert found, p["commit"]
    assert found.group(2) is None, f"{path.name} was measured on code that differs from {found.group(1)}"
    if git("rev-parse", "--is-inside-work-tree").returncode == 0:  # a checkout with its history: it is in it
        assert git("cat-file", "-e", f"{found.group(1)}^{{commit}}").returncode == 0, p["commit"]
        assert git("merge-base", "--is-ancestor", found.group(1), "HEAD").returncode == 0, p["commit"]
    assert re.match(r"20\d\d-\d\d-\d\d[ T]\d\d:\d\d", p["date"]), p["date"]
    machine = p["machine"]
    assert isinstance(machine["cores"], int) and machine["cores"] > 0
    assert len(machine["load_average"]) == 3 and all(isinstance(x, (int, float)) for x in machine["load_average"])


def threads_of(path: Path) -> tuple[int, int]:
    intra, inter = re.search(r"threads(\d+)-(\d+)\.json$", path.name).groups()
    return int(intra), int(inter)


@pytest.mark.parametrize("path", longrange_results.spread_files(), ids=lambda path: path.name)
def test_each_thread_setting_file_remeasured_in_a_fresh_process_with_its_threads(path, tmp_path):
    """One cell of each lag-75 file (the GRU, seed 3: not in the main table's seeds 0-2), trained again with the
    file's --threads and settings in a fresh process: the same accuracy and epochs, the same diagnosis of the
    decisive word's gradient. The file's command is its own record of those threads."""
    results = longrange_results.load_results(path)
    intra, inter = threads_of(path)
    assert f"--threads {intra},{inter}" in results["provenance"]["command"]
    assert (results["provenance"]["intra_op_threads"], results["provenance"]["inter_op_threads"]) == (intra, inter)
    row = next(r for r in results["rows"] if (r["arch"], r["seed"]) == ("GRU", 3))
    assert not longrange_results.cut_short(row, results["settings"]), row
    output = tmp_path / "cell.json"
    done = subprocess.run([sys.executable, "-m", "rnnlab.longrange", "--archs", "GRU", "--lags", "75", "--seeds", "3",
                           "--threads", f"{intra},{inter}", "--output", str(output)],
                          cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
    now = json.loads(output.read_text())
    assert now["settings"] == results["settings"]  # the CLI's defaults are still the file's settings
    (again,) = now["rows"]
    assert abs(again["val_accuracy"] - row["val_accuracy"]) <= ACCURACY_TOLERANCE, (again, row)
    assert again["epochs"] == row["epochs"], (again, row)
    filed = next(d for d in results["diagnostics"] if (d["arch"], d["seed"]) == ("GRU", 3))
    (diagnosis,) = now["diagnostics"]
    for state in ("trained", "untrained"):
        assert diagnosis[state]["decisive_gradient"] == pytest.approx(filed[state]["decisive_gradient"], rel=0.02)


def test_the_benchmarks_accuracies_remeasured_with_its_settings():
    """results/bench.json's SimpleRNN, trained again in a fresh process each way with the file's epochs, batch
    and seed: the same validation accuracy as the file's (the mean of its repeats, which are identical for a
    seed). Its seconds are the benchmark's figures and are not asserted."""
    bench = json.loads((ROOT / "results" / "bench.json").read_text())
    settings = bench["settings"]
    row = next(r for r in bench["rows"] if r["architecture"] == "SimpleRNN")
    for recipe, key in (("train", "train_val_accuracy"), ("plain", "plain_val_accuracy")):
        done = subprocess.run([sys.executable, "-m", "rnnlab.bench", "--child", recipe, "--archs", "SimpleRNN",
                               "--epochs", str(settings["epochs"]), "--batch-size", str(settings["batch_size"]),
                               "--seed", str(settings["seed"])], cwd=ROOT, capture_output=True, text=True, timeout=600)
        assert done.returncode == 0, done.stderr[-2000:]
        measured = json.loads(done.stdout.strip().splitlines()[-1])
        assert abs(measured["val_accuracy"] - row[key]) <= ACCURACY_TOLERANCE, (recipe, measured, row)
    # The table's seconds are the medians of its samples, and the last row adds the others up.
    for arch_row in bench["rows"][:-1]:
        samples = bench["samples_seconds"][arch_row["architecture"]]
        for recipe in ("plain", "train"):
            assert arch_row[f"{recipe}_seconds"] == pytest.approx(sorted(samples[recipe])[len(samples[recipe]) // 2]
                                                                  if len(samples[recipe]) % 2 else
                                                                  sum(sorted(samples[recipe])[len(samples[recipe]) // 2 - 1:
                                                                      len(samples[recipe]) // 2 + 1]) / 2, abs=0.011)
    total = bench["rows"][-1]
    assert total["architecture"] == "all together"
    assert total["plain_seconds"] == pytest.approx(sum(r["plain_seconds"] for r in bench["rows"][:-1]), abs=0.05)
