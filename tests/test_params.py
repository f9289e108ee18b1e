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


def test_no_page_quotes_a_count_as_a_literal():
    """Counts a page shows are computed (params, the data, the model): no thousands-separated number is typed
    into any page's source."""
    import re
    from pathlib import Path

    pages = sorted((Path(__file__).resolve().parents[1] / "pages").glob("*.py"))
    assert len(pages) >= 8
    found = [(p.name, n, line.strip()) for p in pages for n, line in enumerate(p.read_text().splitlines(), 1)
             if re.search(r"\d,\d{3}", line)]
    assert found == []


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
