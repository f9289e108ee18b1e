"""The parameter ledger: the lesson's numbers, per-gate rows, and agreement with Keras for any sizes."""

import itertools
import sys

import pytest

from rnnlab import params
from rnnlab.models import ARCHITECTURES, build_model
from rnnlab.params import breakdown, compare, layer_formula, summary


def test_ledger_needs_no_tensorflow():
    # The Parameters page must open fast: the ledger is pure arithmetic.
    import subprocess

    code = "import sys, rnnlab.params; print('tensorflow' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_lesson_totals():
    totals = compare(5404).set_index("arch")["total"]
    assert totals["SimpleRNN"] == 370_689
    assert totals["LSTM"] == 444_801
    assert totals["GRU"] == 420_481
    assert totals["BiLSTM"] == 543_745


def test_ratios_to_simple_rnn_explain_the_gates():
    ratio = compare(5404).set_index("arch")["recurrent_vs_simple_rnn"]
    assert ratio["LSTM"] == 4.0
    assert ratio["BiLSTM"] == 8.0
    # Three gates' worth plus the second bias: 3 x (64+128+2) x 128 / ((64+128+1) x 128)
    assert ratio["GRU"] == pytest.approx(3 * 194 / 193)


def test_lstm_rows_per_gate_with_formulas():
    table = breakdown("LSTM", 5404)
    gates = table[table["layer"] == "recurrent"]
    assert list(gates["gate"].unique()) == ["input gate", "forget gate", "cell candidate", "output gate"]
    forget = gates[gates["gate"] == "forget gate"].set_index("part")
    assert forget.loc["input kernel", "count"] == 64 * 128
    assert forget.loc["recurrent kernel", "count"] == 128 * 128
    assert forget.loc["bias", "count"] == 128
    assert forget.loc["input kernel", "numbers"] == "64 x 128"
    assert gates["count"].sum() == 98_816
    assert table.iloc[0].to_dict() == dict(
        layer="embedding", gate="", part="embedding matrix", formula="V x d", numbers="5404 x 64", count=345_856
    )


def test_gru_keeps_two_biases_per_gate():
    table = breakdown("GRU", 5404)
    update = table[table["gate"] == "update gate"].set_index("part")["count"]
    assert update.to_dict() == {"input kernel": 8192, "recurrent kernel": 16384, "input bias": 128, "recurrent bias": 128}
    assert layer_formula("GRU") == ("3 x (d + h + 2) x h", "3 x (64 + 128 + 2) x 128")


def test_bilstm_has_forward_and_backward_and_a_wider_classifier():
    table = breakdown("BiLSTM", 5404)
    assert table.groupby("layer", sort=False)["count"].sum().to_dict() == {
        "embedding": 345_856,
        "recurrent (forward)": 98_816,
        "recurrent (backward)": 98_816,
        "classifier": 257,
    }
    assert summary("BiLSTM", 5404)["numbers"].tolist() == ["5404 x 64", "2 x 4 x (64 + 128 + 1) x 128", "256 + 1"]


# Vocabulary, embedding size and units over a spread of small and odd values, every architecture.
SIZES = list(itertools.product([2, 97, 5404], [1, 7, 64], [1, 5, 128]))


@pytest.mark.parametrize("arch", ARCHITECTURES)
def test_ledger_total_equals_keras_count_params(arch):
    for vocab, embed, units in SIZES:
        table = breakdown(arch, vocab, embed, units)
        keras_model = build_model(arch, vocab, embed, units)
        assert table["count"].sum() == keras_model.count_params(), (arch, vocab, embed, units)
        # Per layer too, so a mistake cannot hide by cancelling out.
        per_layer = summary(arch, vocab, embed, units).set_index("layer")["count"]
        for name in ("embedding", "recurrent", "classifier"):
            assert per_layer[name] == keras_model.get_layer(name).count_params()


def test_bad_sizes_raise():
    with pytest.raises(ValueError):
        breakdown("LSTM", 0)
    with pytest.raises(ValueError, match="Unknown architecture"):
        breakdown("CNN", 100)


# Numbers a page's text may spell out because no code constant or measurement stands behind them: facts about the
# world or about the lesson's notebook, by (file, number): why. Everything else a page says in digits must come from
# its constant or a measurement (an f-string field), so it cannot drift from the code.
ALLOWED_LITERALS = {
    ("pages/data.py", "0.2"): "quotes the lesson's notebook: fit(..., validation_split=0.2)",
    ("pages/data.py", "2"): "the first ordinary id, after the two reserved ones (0 and 1) the text explains",
    ("pages/home.py", "4.0"): "the data set's licence, CC BY 4.0",
    ("pages/home.py", "2015"): "the data set's paper (KDD 2015)",
    ("pages/home.py", "331"): "the UCI repository's number of the data set",
    ("pages/home.py", "2"): "a numbered list of three ways to get the data",
    ("pages/home.py", "3"): "a numbered list of three ways to get the data",
    ("pages/predict.py", "2014"): "a citation (Cho et al., 2014)",
    ("rnnlab/ui/presenter.py", "1.45"): "CSS: a line height",
    ("rnnlab/ui/presenter.py", "2"): "CSS: a font size (2.2rem)",
}
# 0 and 1 are the task's vocabulary, not quantities: labels (1 positive, 0 negative), padding and unknown ids,
# w below or above 1, a gate near 0 or 1, ?present=1.
CONCEPTUAL = {"0", "1"}


def page_text_numbers(root=None) -> list[tuple[str, int, str, str]]:
    """Every number written in digits in the text of pages/*.py, rnnlab/ui/*.py and app.py: (file, line, number,
    context) for each string literal (f-strings' literal parts included; docstrings and format specs left out)."""
    import ast
    import re
    from pathlib import Path

    root = Path(root or Path(__file__).resolve().parents[1])
    number = re.compile(r"(?<![\w.#\-])\d+(?:[.,]\d+)*(?![\w%])")
    files = sorted([*(root / "pages").glob("*.py"), *(root / "rnnlab" / "ui").glob("*.py"), root / "app.py"])
    found = []
    for path in files:
        tree = ast.parse(path.read_text())
        parents = {child: node for node in ast.walk(tree) for child in ast.iter_child_nodes(node)}
        for node in ast.walk(tree):
            if not (isinstance(node, ast.Constant) and isinstance(node.value, str)):
                continue
            parent = parents.get(node)
            if isinstance(parent, ast.Expr):
                continue  # a docstring: not shown
            if isinstance(parent, ast.JoinedStr) and isinstance(parents.get(parent), ast.FormattedValue):
                continue  # a format spec ({x:.3f})
            for match in number.finditer(node.value):
                context = node.value[max(0, match.start() - 30):match.end() + 30].replace("\n", " ")
                found.append((path.relative_to(root).as_posix(), node.lineno, match.group(), context))
    return found


def test_no_page_text_repeats_a_number_the_code_holds():
    """Every number a page's text gives in digits (a count like 1,234 or a plain 200) is read from its constant
    or measurement, except the few facts ALLOWED_LITERALS lists with their reasons."""
    found = [hit for hit in page_text_numbers()
             if hit[2] not in CONCEPTUAL and (hit[0], hit[2]) not in ALLOWED_LITERALS]
    assert found == []
    assert not [hit for hit in page_text_numbers() if "," in hit[2]]  # never a count with a thousands separator
    unused = set(ALLOWED_LITERALS) - {(hit[0], hit[2]) for hit in page_text_numbers()}
    assert unused == set()  # an exception no longer needed goes too


def test_the_guard_finds_a_plain_number_in_page_text(tmp_path):
    """The scan itself, on a made-up checkout: a literal 200 in an st.markdown string and the 75 in an f-string's
    text are found; a format spec, a docstring and code outside strings are not."""
    (tmp_path / "pages").mkdir()
    (tmp_path / "rnnlab" / "ui").mkdir(parents=True)
    (tmp_path / "pages" / "x.py").write_text('"""Docstring with 42."""\nimport streamlit as st\n'
                                             'st.markdown("over 200 sentences")\nst.caption(f"{n:.3f} of 75 words")\n')
    (tmp_path / "rnnlab" / "ui" / "y.py").write_text("LIMIT = 300\n")
    (tmp_path / "app.py").write_text("")
    assert [hit[2] for hit in page_text_numbers(tmp_path)] == ["200", "75"]
    assert len({path for path, *_ in page_text_numbers()}) >= 10  # the real scan reads the real pages


def test_vocabulary_size_counts_padding_unknown_and_every_word():
    from rnnlab.params import vocabulary_size

    assert vocabulary_size(["Good food.", "good, GOOD service!"]) == 2 + 3  # '', '[UNK]', good, food, service


def test_doubling_answer_quotes_compare():
    from rnnlab.params import compare, doubling_answer

    answer = doubling_answer("LSTM", 5404, 64, 128)
    wide = compare(5404, 64, 256, archs=["LSTM"]).iloc[0]
    assert f"= {wide['recurrent']:,}," in answer and f"{wide['total']:,} in all" in answer
    assert "98,816" in answer and "3.3 times" in answer


def test_lesson_ledger_stacks_each_architectures_breakdown():
    ledger = params.lesson_ledger(["SimpleRNN", "LSTM"], 5000, 64, 128)
    assert ledger["arch"].unique().tolist() == ["SimpleRNN", "LSTM"]
    for arch in ("SimpleRNN", "LSTM"):
        assert ledger[ledger["arch"] == arch]["count"].sum() == params.breakdown(arch, 5000, 64, 128)["count"].sum()


def test_keras_agreement_compares_each_count_with_the_ledger():
    right = int(params.breakdown("GRU", 5000, 64, 128)["count"].sum())
    table = params.keras_agreement({"GRU": right, "LSTM": 7}, 5000, 64, 128)
    assert table.columns.tolist() == ["architecture", "Keras count_params()", "ledger total", "agree"]
    assert table["ledger total"].tolist() == [right, int(params.breakdown("LSTM", 5000, 64, 128)["count"].sum())]
    assert table["agree"].tolist() == [True, False]


def test_trained_ledgers_give_each_model_its_own_vocabulary_and_the_lessons(sentiment_df):
    from rnnlab.config import load_split

    config = dict(arch="GRU", embed_dim=16, units=8, subset=300)
    train_df, _ = load_split(config)
    rows = params.trained_ledgers({"GRU": config}, lesson_vocab=5000, all_sentences=len(sentiment_df))
    assert rows["model"].tolist() == ["GRU", "GRU, the lesson's vocabulary"]
    assert rows["vocabulary"].tolist() == [params.vocabulary_size(train_df["text"]), 5000]
    assert rows["sentences"].tolist() == [len(train_df), 3000]
    assert rows["total"].tolist() == [params.model_ledger("x", "GRU", v, 16, 8, 0)["total"] for v in rows["vocabulary"]]
    assert len(params.trained_ledgers({"GRU": config})) == 1  # no lesson vocabulary: the model's own row only


def test_the_vocabulary_size_of_the_same_sentences_is_counted_once(monkeypatch):
    counted = []
    real = params._count_vocabulary
    monkeypatch.setattr(params, "_count_vocabulary", lambda texts: counted.append(len(texts)) or real(texts))
    sentences = ["A fresh set of words.", "Words never counted before, zqxv!"]
    assert params.vocabulary_size(sentences) == params.vocabulary_size(list(sentences)) == 2 + 9
    assert params.vocabulary_size(sentences[:1]) == 2 + 5 and counted == [2, 1]


def test_the_vocabulary_of_a_split_is_counted_once_per_data_selection(monkeypatch):
    from rnnlab.config import load_split

    config = dict(arch="GRU", subset=300, split_seed=3)
    counted = []
    real = params._count_vocabulary
    monkeypatch.setattr(params, "_count_vocabulary", lambda texts: counted.append(len(texts)) or real(texts))
    size = params.split_vocabulary_size(config)
    train = len(load_split(config)[0])
    assert counted == [train] and 230 < train < 250  # about 80% of the 300 sentences: what it trains on
    assert size == real(tuple(str(t) for t in load_split(config)[0]["text"]))
    assert params.split_vocabulary_size(dict(config, arch="LSTM", units=8)) == size  # same sentences: not counted
    assert counted == [train]
    params.split_vocabulary_size(dict(config, split_seed=4))  # other sentences: counted
    assert len(counted) == 2
