"""Write docs/performance.md from the results files: every figure it quotes is read from results/*.json (each
written by a command of the project, with its command, commit, date and machine), so the page and the files cannot
disagree. `python scripts/performance_doc.py` rewrites it; `--check` exits 1 if the committed page is stale
(tests/test_performance_doc.py runs that)."""

from __future__ import annotations

import argparse
import json
import statistics
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "results"
DOC = ROOT / "docs" / "performance.md"


def _load(name: str) -> dict | None:
    path = RESULTS / name
    return json.loads(path.read_text()) if path.exists() else None


def _provenance(data: dict) -> dict:
    return data.get("provenance", data)


def _stamp(data: dict) -> str:
    p = _provenance(data)
    machine = p.get("machine") or {}
    load = machine.get("load_average")
    load_text = f", load average {load[0]:g} before" if load else ""
    return (f"`{p.get('command')}` at `{str(p.get('commit'))[:7]}`, {p.get('date')}, "
            f"{machine.get('cores', '?')} cores{load_text}")


def bench_section() -> list[str]:
    data = _load("bench.json")
    if data is None:
        return ["No `results/bench.json` yet: `python -m rnnlab.bench --repeat 2 --json results/bench.json`."]
    lines = [f"From {_stamp(data)}. Each training runs in a fresh process; seconds are the median of "
             f"{data['settings'].get('repeat', 1)} (10 epochs, batch 32, the lesson's split).", "",
             "| architecture | plain Keras recipe s | `train()` s | ratio | plain val acc | `train()` val acc |",
             "|---|---|---|---|---|---|"]
    for row in data["rows"]:
        lines.append(f"| {row['architecture']} | {row['plain_seconds']:.1f} | {row['train_seconds']:.1f} | "
                     f"{row['ratio']:.2f} | {row['plain_val_accuracy']:.3f} | {row['train_val_accuracy']:.3f} |")
    return lines


def longrange_section() -> list[str]:
    data = _load("longrange.json")
    if data is None:
        return ["No `results/longrange.json` yet: `python -m rnnlab.longrange`."]
    rows = data["rows"]
    archs = list(dict.fromkeys(r["arch"] for r in rows))
    lags = sorted({r["lag"] for r in rows})
    seeds = sorted({r["seed"] for r in rows})
    lines = [f"From {_stamp(data)}: mean validation accuracy over seeds {', '.join(map(str, seeds))} "
             f"({len(rows)} models; chance is 0.5).", "",
             "| lag k | " + " | ".join(map(str, lags)) + " |", "|---|" + "---|" * len(lags)]
    for arch in archs:
        cells = [statistics.mean(r["val_accuracy"] for r in rows if r["arch"] == arch and r["lag"] == lag)
                 for lag in lags]
        lines.append(f"| {arch} | " + " | ".join(f"{c:.3f}" for c in cells) + " |")
    others = sorted(p.name for p in RESULTS.glob("longrange_*.json"))
    if others:
        lines += ["", "The same task at lag 75 under other settings: " + ", ".join(f"`results/{n}`" for n in others)
                  + " (the Long-range page draws them)."]
    return lines


def lecture_section() -> list[str]:
    data = _load("lecture.json")
    if data is None:
        return ["No `results/lecture.json` yet: `python scripts/load_test.py --sessions 30` writes it."]
    keys = [("planned_sessions", "sessions"), ("trainings", "trainings on Ray"), ("seconds", "lecture, s"),
            ("predict_slowest_s", "Predict, slowest server answer, s"),
            ("predict_slowest_by_client_s", "Predict, slowest by kind of client, s"),
            ("predict_drawn_slowest_s", "Predict, slowest drawn in the Chromium tab, s"),
            ("longest_queue_wait_s", "longest wait of a queued run, s"),
            ("server_process_alone_peak_rss_mb", "web server's peak memory, MB"),
            ("ray_peak_rss_mb", "its Ray's peak memory, MB"), ("ray_cpus", "Ray CPUs")]
    figures = {**data, **(data.get("lecture") or {})}  # the lecture's own figures, and the server's around it
    keys.insert(3, ("cold_predict_s", "the first Predict after the server started, s"))
    lines = [f"From {_stamp(data)}.", "", "| figure | value |", "|---|---|"]
    for key, label in keys:
        if key in figures:
            lines.append(f"| {label} | {figures[key]} |")
    failed = data.get("failures") or []
    lines += ["", "Checks: " + ("all passed." if not failed else "failed: " + "; ".join(failed))]
    return lines


def render() -> str:
    parts = [
        "# Performance",
        "",
        "Written by `python scripts/performance_doc.py` from the files in `results/`; every figure below is read",
        "from them (each names the command, commit, date and machine it was measured with). Wall-clock figures",
        "move with the machine's load: compare rows of one file, not files of different days.",
        "",
        "## Training: `train()` against the lesson's plain recipe",
        "", *bench_section(), "",
        "## The long-range task",
        "", *longrange_section(), "",
        "## A lecture on one server",
        "", *lecture_section(), "",
        "## Other measuring scripts",
        "",
        "`scripts/first_paint.py` (how fast Home paints), `scripts/first_predict.py` (where a tab's first Predict",
        "goes), `scripts/live_page.py` (one Train click for the four to all stored), `scripts/predict_latency.py`",
        "(Predict alone, cold and warm), `scripts/memory_trainings.py` (a server's memory over many runs),",
        "`scripts/step_costs.py` (the parts of a training step), `scripts/two_servers.py` (the cluster recipe).",
        "They print their figures; [history.md](history.md) keeps what earlier sessions measured with them.",
        "",
    ]
    return "\n".join(parts)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--check", action="store_true", help="exit 1 if docs/performance.md is not up to date")
    args = parser.parse_args()
    text = render()
    if args.check:
        current = DOC.read_text() if DOC.exists() else ""
        if current != text:
            print(f"{DOC} is stale: run python scripts/performance_doc.py", file=sys.stderr)
            return 1
        return 0
    DOC.parent.mkdir(parents=True, exist_ok=True)
    DOC.write_text(text)
    print(f"wrote {DOC}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
