"""What `python -m rnnlab.longrange` measured, read back for the Long range page: the results files, the line
that says how and where they were measured, the spread over seeds and threads, and the page's question and
answer with every figure read from those files."""

from __future__ import annotations

import json
from pathlib import Path

from rnnlab.longrange_task import DIAGNOSTIC_LAG, RESULTS_PATH


def load_results(path=None) -> dict | None:
    """The table `python -m rnnlab.longrange` wrote ({"provenance", "settings", "rows"}), or None if there is
    none at `path` (default RESULTS_PATH)."""
    path = Path(path or RESULTS_PATH)
    if not path.is_file():
        return None
    return json.loads(path.read_text())



def describe_provenance(results: dict) -> str:
    """One line for under the table: the command, date, machine and versions it was measured with."""
    p = results["provenance"]
    def count(n):  # TensorFlow reports 0 for "its default" (one per core)
        return str(n) if n else "default"

    threads = f"{count(p['intra_op_threads'])} intra-op / {count(p['inter_op_threads'])} inter-op threads"
    return (f"Measured by `{p['command']}` on {p['date']}: {p['cpu_count']} CPUs ({threads}, load "
            f"{p['load_average'][0] if p.get('load_average') else 'unknown'} at the start), TensorFlow "
            f"{p['tensorflow']}, Keras {p['keras']}, {len(results['rows'])} models in {p['wall_seconds'] / 60:.1f} "
            "minutes.")



def spread_files(folder=None) -> list[Path]:
    """The lag-75 runs over more seeds and thread settings (results/longrange_lag75_threads*.json)."""
    return sorted(Path(folder or RESULTS_PATH.parent).glob("longrange_lag75_threads*.json"))



def cut_short(row: dict, settings: dict) -> bool:
    """Whether the clock, not the epochs, ended this run: past max_seconds, short of the target and of max_epochs
    (a slow or busy machine trains fewer epochs in the same time)."""
    return (row["seconds"] > settings["max_seconds"] and row["val_accuracy"] < settings["target_accuracy"]
            and row["epochs"] < settings["max_epochs"])



def diagnosed_rows(results: dict) -> list[dict]:
    """The file's diagnostics, each with its training row's epochs and seconds and whether it was cut short."""
    rows = {(r["arch"], r["lag"], r["seed"]): r for r in results["rows"]}
    out = []
    for d in results["diagnostics"]:
        row = rows[d["arch"], d["lag"], d["seed"]]
        out.append({**d, "epochs": row["epochs"], "seconds": row["seconds"],
                    "cut_short": cut_short(row, results["settings"])})
    return out



def spread_table(results_list) -> "pd.DataFrame":
    """How much the lag-75 numbers move between seeds and thread settings: one row per file and architecture,
    the range over its seeds of the validation accuracy and of the gradient at the decisive word (trained and
    untrained), how many runs the time limit cut short, with the file's thread settings and date."""
    import pandas as pd

    rows = []
    for results in results_list:
        p = results["provenance"]
        diagnosed = diagnosed_rows(results)
        for arch in dict.fromkeys(d["arch"] for d in diagnosed):
            found = [d for d in diagnosed if d["arch"] == arch]
            accuracy = [d["val_accuracy"] for d in found]
            trained = [d["trained"]["decisive_gradient"] for d in found]
            untrained = [d["untrained"]["decisive_gradient"] for d in found]
            rows.append({"threads (intra, inter)": f"{p['intra_op_threads']}, {p['inter_op_threads']}", "arch": arch,
                         "seeds": len(found), "val_accuracy min": min(accuracy), "val_accuracy max": max(accuracy),
                         f"cut short by the {results['settings']['max_seconds']:.0f} s limit":
                             sum(d["cut_short"] for d in found),
                         "trained gradient min": min(trained), "trained gradient max": max(trained),
                         "untrained gradient min": min(untrained), "untrained gradient max": max(untrained),
                         "seconds max": max(d["seconds"] for d in found), "measured": p["date"]})
    return pd.DataFrame(rows)



def spread_summary(results_list) -> str:
    """One sentence under spread_table: what held on every run trained to its end, and which runs the clock cut."""
    diagnosed = [d for results in results_list for d in diagnosed_rows(results)]
    full = [d for d in diagnosed if not d["cut_short"]]
    simple = [d["val_accuracy"] for d in full if d["arch"] == "SimpleRNN"]
    gated = [d["val_accuracy"] for d in full if d["arch"] != "SimpleRNN"]
    text = (f"Of the {len(diagnosed)} runs, the {len(full)} that trained until the target or the last epoch kept "
            f"to their side of chance: SimpleRNN at most {max(simple):.3f}, LSTM and GRU at least {min(gated):.3f}. "
            if simple and gated else "")
    cut = [d for d in diagnosed if d["cut_short"]]
    if cut:
        text += (f"{len(cut)} run(s) were stopped by the clock before that (a single thread on a busy machine is "
                 "slower): " + ", ".join(f"{d['arch']} seed {d['seed']} at {d['val_accuracy']:.3f} after "
                                         f"{d['epochs']} epochs" for d in cut) + ". ")
    def raised(d):
        return d["trained"]["decisive_gradient"] > d["untrained"]["decisive_gradient"]

    gated_runs = [d for d in diagnosed if d["arch"] != "SimpleRNN"]
    simple_runs = [d for d in diagnosed if d["arch"] == "SimpleRNN"]
    text += "The gradient reaching the decisive word moves by orders of magnitude between seeds; "
    if gated_runs and simple_runs and all(map(raised, gated_runs)) and not any(map(raised, simple_runs)):
        return text + ("what holds is its direction: training raised it for every LSTM and GRU and lowered it for "
                       "every SimpleRNN.")
    return text + (f"training raised it for {sum(map(raised, gated_runs))} of {len(gated_runs)} LSTM and GRU runs "
                   f"and lowered it for {sum(not raised(d) for d in simple_runs)} of {len(simple_runs)} SimpleRNN runs.")



def measured_gradient_direction(results: dict | None) -> str:
    """What training did to the gradient at the decisive word, per architecture, as the results file's lag-75
    diagnostics measured it (each trained model against its untrained twin): "raised ... for 3 of 3 seeds". No
    claim without the file."""
    if not results or not results.get("diagnostics"):
        return "Run `python -m rnnlab.longrange` to measure what training does to it at each architecture."
    parts = []
    for arch in dict.fromkeys(d["arch"] for d in results["diagnostics"]):
        found = [d for d in results["diagnostics"] if d["arch"] == arch]
        raised = sum(d["trained"]["decisive_gradient"] > d["untrained"]["decisive_gradient"] for d in found)
        lowered = len(found) - raised
        parts.append(f"raised the {arch}'s for {raised} of {len(found)} seeds" if raised >= lowered
                     else f"lowered the {arch}'s for {lowered} of {len(found)} seeds")
    lr = results["settings"]["learning_rate"]
    return (f"Measured at the decisive word in {RESULTS_PATH.parent.name}/{RESULTS_PATH.name} (lag {DIAGNOSTIC_LAG}, "
            f"learning rate {lr:g}), training " + ", ".join(parts) + ".")



def _span(values, digits: str = ".2g") -> str:
    low, high = min(values), max(values)
    return f"{low:{digits}}" if f"{low:{digits}}" == f"{high:{digits}}" else f"{low:{digits}} to {high:{digits}}"



# What the page calls "at chance" (50% on this balanced task, give or take the validation set's noise) and
# "learned": the bounds the claims in its text are checked against before they are made.
CHANCE_BAND = 0.6
LEARNED = 0.9


def think_question(results: dict | None, slow: dict | None = None) -> str:
    """The long-range page's question, its claims read from the files: the lag-75 accuracies at 0.01 and, if
    measured, the SimpleRNN's at 0.001."""
    question = f"Compare the SimpleRNN with the LSTM and GRU at lag {DIAGNOSTIC_LAG}"
    if results:
        at_75 = [r for r in results["rows"] if r["lag"] == DIAGNOSTIC_LAG]
        simple = [r["val_accuracy"] for r in at_75 if r["arch"] == "SimpleRNN"]
        gated = [r["val_accuracy"] for r in at_75 if r["arch"] != "SimpleRNN"]
        if simple and gated:
            rate = f"{results['settings']['learning_rate']:g}"
            if max(simple) <= CHANCE_BAND and min(gated) >= LEARNED:  # what the measurement shows, said so
                question = (f"At a learning rate of {rate} the SimpleRNN stays at chance at lag {DIAGNOSTIC_LAG} "
                            "while the LSTM and GRU learn it")
            else:
                question = f"At a learning rate of {rate} and lag {DIAGNOSTIC_LAG}, compare the SimpleRNN with the LSTM and GRU"
            question += f" (measured: {_span(simple, '.2f')} against {_span(gated, '.3f')})"
    question += ". Now set the learning rate to 0.001 and train the SimpleRNN again"
    if slow and slow.get("rows"):
        epochs = [r["epochs"] for r in slow["rows"]]
        question += (f": measured, it learns the task ({_span([r['val_accuracy'] for r in slow['rows']], '.3f')}) "
                     f"in {_span(epochs, 'd')} epoch{'s' if max(epochs) > 1 else ''}")
    return question + ". What went wrong at 0.01, and what do the gates protect?"



def think_answer(results: dict, slow: dict | None = None) -> str:
    """The long-range page's answer, every figure read from the results file's lag-75 diagnostics (`slow`: the
    same for the SimpleRNN at a learning rate of 0.001, if measured)."""
    by_arch: dict[str, list] = {}
    for d in results["diagnostics"]:
        by_arch.setdefault(d["arch"], []).append(d)
    simple, lstm, gru = by_arch.get("SimpleRNN", []), by_arch.get("LSTM", []), by_arch.get("GRU", [])
    if not (simple and lstm and gru):
        return "The results file has no lag-75 diagnostics for all three architectures: run `python -m rnnlab.longrange`."
    seeds = ", ".join(str(d["seed"]) for d in simple)
    p = results["provenance"]

    def values(found, state, key):
        return [d[state][key] for d in found]

    trained_simple = values(simple, "trained", "decisive_gradient")
    fell = ("exactly 0 in float32" if max(trained_simple) == 0 else f"{_span(trained_simple)}")
    fell_all = all(d["trained"]["decisive_gradient"] < d["untrained"]["decisive_gradient"] for d in simple)
    at_chance = max(d["val_accuracy"] for d in simple) <= CHANCE_BAND
    rate = f"{results['settings']['learning_rate']:g}"
    text = (
        f"Figures from `{RESULTS_PATH.parent.name}/{RESULTS_PATH.name}` (lag {DIAGNOSTIC_LAG}, seeds {seeds}, "
        f"`{p['command']}`, {p['date']}). Keras starts a SimpleRNN with orthogonal recurrent weights (largest "
        f"singular value {_span(values(simple, 'untrained', 'recurrent_singular_value'), '.2f')}), which pass the "
        f"gradient on almost unchanged: untrained, {_span(values(simple, 'untrained', 'decisive_gradient'))} "
        f"reaches the decisive word. At {rate} the large steps changed those weights (largest singular value "
        f"{_span(values(simple, 'trained', 'recurrent_singular_value'), '.2f')}) and pushed "
        f"{_span([100 * x for x in values(simple, 'trained', 'saturated_share')], '.0f')}% of the hidden values into "
        f"the flat ends of tanh (|h| > 0.95), so the product of {DIAGNOSTIC_LAG} step-to-step factors "
        + (f"fell to {fell}: the lesson's w^t with nothing to stop it. How far it falls depends on the seed and "
           "the machine" if fell_all else f"came to {fell}")
        + ("; that the SimpleRNN stays at chance does not. " if at_chance else ". ")
    )
    if slow and slow.get("diagnostics"):
        learned = [d["val_accuracy"] for d in slow["diagnostics"]]
        text += (f"At 0.001 (measured too: `{slow['provenance']['command']}`) its validation accuracy is "
                 f"{_span(learned, '.3f')}, the largest singular value {_span(values(slow['diagnostics'], 'trained', 'recurrent_singular_value'), '.2f')}"
                 f" and {_span(values(slow['diagnostics'], 'trained', 'decisive_gradient'))} reaches the decisive "
                 "word: smaller steps keep the weights near where they started. ")
    text += (
        "The gated cells start worse, not better: an untrained LSTM's gradient at the decisive word is "
        f"{_span(values(lstm, 'untrained', 'decisive_gradient'))}, its forget gates near "
        f"{_span(values(lstm, 'untrained', 'keep_gate'), '.2f')} on average (an untrained GRU: "
        f"{_span(values(gru, 'untrained', 'decisive_gradient'))}, update gates "
        f"{_span(values(gru, 'untrained', 'keep_gate'), '.2f')}). But training opens them: a forget (or update) "
        "gate near 1 passes the state, and its gradient, along an additive path (after training "
        f"{_span(values(lstm, 'trained', 'decisive_gradient'))} for the LSTM, "
        f"{_span(values(gru, 'trained', 'decisive_gradient'))} for the GRU), and an input gate that closes after "
        "the first signal word keeps the distractors out. The long-term dependency problem is real; gates make it "
        "learnable rather than a matter of where training happens to take the weights."
    )
    return text

