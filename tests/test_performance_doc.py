"""docs/performance.md quotes the results files, and only them: the committed page is what
scripts/performance_doc.py makes of today's results/*.json (a changed file without a rewritten page fails)."""

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))

import performance_doc  # noqa: E402


def test_the_committed_page_is_what_the_results_files_say():
    result = subprocess.run([sys.executable, "scripts/performance_doc.py", "--check"], cwd=ROOT,
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


def test_the_page_quotes_the_bench_rows_and_the_long_range_means_from_the_files():
    text = performance_doc.render()
    bench = json.loads((ROOT / "results" / "bench.json").read_text())
    together = next(row for row in bench["rows"] if row["architecture"] == "all together")
    assert f"| all together | {together['plain_seconds']:.1f} | {together['train_seconds']:.1f} |" in text
    assert bench["commit"][:7] in text
    longrange = json.loads((ROOT / "results" / "longrange.json").read_text())
    lstm_75 = [r["val_accuracy"] for r in longrange["rows"] if r["arch"] == "LSTM" and r["lag"] == 75]
    section = text.split("## The long-range task")[1]
    header = section.split("| lag k |")[1].splitlines()[0]
    lags = [int(cell) for cell in header.split("|") if cell.strip()]
    lstm_row = [cell.strip() for cell in section.split("| LSTM |")[1].splitlines()[0].split("|") if cell.strip()]
    assert lstm_row[lags.index(75)] == f"{sum(lstm_75) / len(lstm_75):.3f}"


def test_a_missing_results_file_is_named_with_the_command_that_writes_it(monkeypatch, tmp_path):
    monkeypatch.setattr(performance_doc, "RESULTS", tmp_path)
    text = performance_doc.render()
    assert "No `results/bench.json` yet: `python -m rnnlab.bench" in text
    assert "No `results/lecture.json` yet: `python scripts/load_test.py --sessions 30`" in text
