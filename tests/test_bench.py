"""The benchmark on a small case, a one-epoch SimpleRNN both ways (each in its own process): its table is complete
and consistent (every printed figure agrees with the JSON and with its samples) and carries its provenance. How
much faster train() is, the benchmark reports (results/bench.json) and no test asserts: a wall-clock ratio of
this machine at this moment is a measurement, not a behaviour."""

import json
import os
import re
import subprocess
import sys


def test_the_benchmark_table_is_complete_consistent_and_has_its_provenance(tmp_path):
    written = tmp_path / "bench.json"
    done = subprocess.run([sys.executable, "-m", "rnnlab.bench", "--archs", "SimpleRNN", "--epochs", "1",
                           "--repeat", "2", "--json", str(written)], capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
    lines = done.stdout.splitlines()
    assert lines[0].startswith("2400 training / 600 validation sentences, 1 epochs, batch 32")
    number = r"(\d+\.\d+)"
    rows = {}
    for line in lines:
        found = re.fullmatch(rf"(SimpleRNN|all together)\s+{number}\s+{number}\s+{number}\s+{number}\s+{number}", line)
        if found:
            rows[found.group(1)] = [float(x) for x in found.groups()[1:]]
    assert set(rows) == {"SimpleRNN", "all together"}, done.stdout
    plain_s, fast_s, ratio, plain_acc, fast_acc = rows["SimpleRNN"]
    assert plain_s > 0 and fast_s > 0
    assert abs(ratio - fast_s / plain_s) < 0.01 + 0.05 * ratio  # printed values are rounded
    assert 0.4 < plain_acc <= 1 and 0.4 < fast_acc <= 1  # one epoch: better than nothing, not necessarily good
    assert rows["all together"] == rows["SimpleRNN"]
    # The JSON holds the same table with its provenance.
    result = json.loads(written.read_text())
    assert result["command"] == f"python -m rnnlab.bench --archs SimpleRNN --epochs 1 --repeat 2 --json {written}"
    # Two trainings each way, alternating; the table's seconds are their medians (of two: the mean).
    samples = result["samples_seconds"]["SimpleRNN"]
    assert len(samples["plain"]) == len(samples["train"]) == 2 and min(samples["plain"] + samples["train"]) > 0
    assert abs(result["rows"][0]["plain_seconds"] - sum(samples["plain"]) / 2) <= 0.011
    assert abs(result["rows"][0]["train_seconds"] - sum(samples["train"]) / 2) <= 0.011
    assert "seconds: the median of 2 trainings each way" in done.stdout
    assert result["machine"]["cores"] == os.cpu_count() and result["machine"]["tensorflow"].startswith("2.")
    assert len(result["machine"]["load_average"]) == 3 and len(result["machine"]["load_average_after"]) == 3
    assert result["date"].endswith("+00:00")
    head = subprocess.run(["git", "rev-parse", "HEAD"], capture_output=True, text=True).stdout.strip()
    assert result["commit"] in (head, head + "-dirty")
    assert [r["architecture"] for r in result["rows"]] == ["SimpleRNN", "all together"]
    first = result["rows"][0]
    printed = dict(zip(("plain_seconds", "train_seconds", "ratio", "plain_val_accuracy", "train_val_accuracy"),
                       rows["SimpleRNN"]))
    for key, value in printed.items():
        assert abs(first[key] - value) <= 0.051 if "seconds" in key else abs(first[key] - value) <= 0.0051, key
