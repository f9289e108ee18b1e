"""rnnlab.charts.parameters: the ledger's bars and treemap total the lesson's parameter counts.
(Figures come from `rnnlab.charts`, which re-exports every chart module.)"""

import numpy as np
import pandas as pd
import pytest

from rnnlab import charts, params


def names(fig):
    return [trace.name for trace in fig.data]


@pytest.fixture(scope="module")
def ledger():
    return pd.concat(
        [params.breakdown(arch, 5404, 64, 128).assign(arch=arch) for arch in ("SimpleRNN", "LSTM", "GRU", "BiLSTM")],
        ignore_index=True,
    )


def test_stacked_bars_total_the_lessons_parameter_counts(ledger):
    fig = charts.param_stacked_bars(ledger)
    assert list(fig.data[0].x) == ["SimpleRNN", "LSTM", "GRU", "BiLSTM"]
    totals = np.sum([trace.y for trace in fig.data], axis=0)
    assert list(totals) == [370_689, 444_801, 420_481, 543_745]
    assert names(fig) == [
        "embedding", "hidden state", "input gate", "forget gate", "cell candidate", "output gate",
        "update gate", "reset gate", "candidate", "classifier",
    ]
    forget = fig.data[names(fig).index("forget gate")]
    # One LSTM gate is (64 + 128 + 1) x 128; the BiLSTM has one in each direction.
    assert list(forget.y) == [0, 24_704, 0, 2 * 24_704]
    assert [a.text for a in fig.layout.annotations] == ["370,689", "444,801", "420,481", "543,745"]
    without = charts.param_stacked_bars(ledger, include_embedding=False)
    assert "embedding" not in names(without)
    assert list(np.sum([t.y for t in without.data], axis=0)) == [24_833, 98_945, 74_625, 197_889]


def test_treemap_nests_architecture_layer_gate_part(ledger):
    lstm = ledger[ledger["arch"] == "LSTM"]
    fig = charts.param_treemap(lstm, title="LSTM")
    (tree,) = fig.data
    assert tree.type == "treemap" and tree.branchvalues == "total"
    values = dict(zip(tree.ids, tree.values))
    assert values["LSTM"] == 444_801
    assert values["LSTM/recurrent"] == 98_816
    assert values["LSTM/recurrent/forget gate"] == 24_704
    assert values["LSTM/recurrent/forget gate/recurrent kernel"] == 128 * 128
    assert len(set(tree.ids)) == len(tree.ids)
    # Every node's value is the sum of its children's ("total" branch values).
    parents = pd.Series(tree.values, index=tree.parents)
    for node, value in values.items():
        if node in parents.index:
            assert parents.loc[[node]].sum() == value
