"""rnnlab.charts: each figure has the traces, names, data lengths, axis types and titles its docstring promises,
and every architecture keeps its colour."""

import numpy as np
import pandas as pd
import plotly.io as pio
import pytest

from rnnlab import charts, gradients, params
from rnnlab.models import ARCHITECTURES


def names(fig):
    return [trace.name for trace in fig.data]


def test_every_architecture_has_its_own_colour_and_repeats_get_dashes():
    assert set(charts.ARCH_COLORS) == set(ARCHITECTURES)
    assert len(set(charts.ARCH_COLORS.values())) == len(ARCHITECTURES)
    # Okabe-Ito's eight colours only; LSTM and BiLSTM no longer two oranges.
    okabe_ito = {"#000000", "#E69F00", "#56B4E9", "#009E73", "#F0E442", "#0072B2", "#D55E00", "#CC79A7"}
    assert set(charts.ARCH_COLORS.values()) <= okabe_ito and set(charts.EXTRA_COLORS) - {"#999999"} <= okabe_ito
    assert not set(charts.EXTRA_COLORS) & set(charts.ARCH_COLORS.values())
    colors = charts.colors_for(["LSTM", "LSTM #2", "BiLSTM (64 units)", "GRU", "my model"])
    assert colors["LSTM"] == colors["LSTM #2"] == charts.ARCH_COLORS["LSTM"]
    assert colors["BiLSTM (64 units)"] == charts.ARCH_COLORS["BiLSTM"]  # not LSTM's: longest name wins
    assert colors["GRU"] == charts.ARCH_COLORS["GRU"]
    assert colors["my model"] == charts.EXTRA_COLORS[0]
    # An explicit arch wins over the name.
    assert charts.colors_for(["run 1"], ["GRU"]) == {"run 1": charts.ARCH_COLORS["GRU"]}
    styles = charts.styles_for(["LSTM", "GRU", "LSTM #2", "LSTM #3"])
    assert [styles[n]["dash"] for n in ("LSTM", "LSTM #2", "LSTM #3")] == ["solid", "dash", "dot"]
    assert styles["GRU"]["dash"] == "solid"
    assert len({styles[n]["symbol"] for n in ("LSTM", "LSTM #2", "LSTM #3")}) == 3
    assert len({styles[n]["pattern"] for n in ("LSTM", "LSTM #2", "LSTM #3")}) == 3


def _run(name, arch, epochs, batches_per_epoch, finished_epochs):
    steps = epochs * batches_per_epoch
    batch_history = [
        dict(step=s, epoch=(s - 1) // batches_per_epoch, loss=1.0 / s, accuracy=0.5 + 0.4 * s / steps)
        for s in range(1, steps + 1)
    ]
    history = dict(
        loss=[0.6] * finished_epochs,
        accuracy=[0.7] * finished_epochs,
        val_loss=[0.5 - 0.1 * e for e in range(finished_epochs)],
        val_accuracy=[0.75 + 0.05 * e for e in range(finished_epochs)],
    )
    return dict(name=name, arch=arch, batch_history=batch_history, history=history,
                batches_per_epoch=batches_per_epoch)


def test_training_curves_draw_batches_in_fractional_epochs_and_validation_per_epoch():
    runs = [_run("SimpleRNN", "SimpleRNN", 2, 5, 2), _run("GRU", "GRU", 1, 4, 1)]
    fig = charts.training_curves(runs, title="Two runs")
    assert fig.layout.title.text == "Two runs"
    assert fig.layout.template == pio.templates["plotly_white"]
    assert [a.text for a in fig.layout.annotations] == ["Loss", "Accuracy"]
    each = "training (each batch)"
    assert names(fig) == [
        f"SimpleRNN {each}", "SimpleRNN training", "SimpleRNN",
        f"SimpleRNN {each}", "SimpleRNN training", "SimpleRNN",
        f"GRU {each}", "GRU training", "GRU", f"GRU {each}", "GRU training", "GRU",
    ]
    simple_raw, simple_loss, simple_val_loss, simple_raw_acc, simple_acc, simple_val_acc = fig.data[:6]
    np.testing.assert_allclose(simple_raw.x, np.arange(1, 11) / 5)  # step / batches_per_epoch
    np.testing.assert_allclose(simple_loss.x, simple_raw.x)
    np.testing.assert_allclose(simple_raw.y, 1.0 / np.arange(1, 11))
    # The solid line: the mean of the last round(5 / 8) = 1 batch here, so each batch's own value.
    assert charts.smoothing_window(runs[0]) == 1
    np.testing.assert_allclose(simple_loss.y, 1.0 / np.arange(1, 11))
    np.testing.assert_allclose(simple_loss.customdata, simple_raw.y)  # hover shows the batch's own value
    assert simple_raw.opacity == 0.3 and simple_loss.opacity is None
    assert list(simple_val_loss.x) == [1.0, 2.0] and list(simple_val_loss.y) == [0.5, 0.4]
    assert simple_val_acc.mode == "markers+lines" and simple_loss.mode == "lines"
    assert list(simple_val_acc.y) == [0.75, 0.8]
    assert simple_loss.xaxis == "x" and simple_acc.xaxis == "x2" and simple_raw_acc.xaxis == "x2"
    assert len(fig.data[7].x) == 4 and len(fig.data[8].x) == 1
    # Colour per run, the architecture's; one legend entry per run (its validation line), below the plot; every
    # trace of a run switches with it (same legend group).
    assert {t.line.color for t in fig.data[:6]} == {charts.ARCH_COLORS["SimpleRNN"]}
    assert {t.line.color for t in fig.data[6:]} == {charts.ARCH_COLORS["GRU"]}
    assert [t.showlegend for t in fig.data] == [False, False, True, False, False, False] * 2
    assert len({t.legendgroup for t in fig.data[:6]}) == 1 and simple_raw.legendgroup == "SimpleRNN"
    assert fig.layout.legend.orientation == "h" and fig.layout.legend.yanchor == "bottom"


def test_training_curves_average_the_last_eighth_of_an_epoch():
    run = _run("LSTM", "LSTM", 1, 40, 1)  # 40 batches: a window of 5
    assert charts.smoothing_window(run) == 5
    fig = charts.training_curves([run])
    raw, mean = np.asarray(fig.data[0].y), np.asarray(fig.data[1].y)
    np.testing.assert_allclose(mean[:3], [raw[0], raw[:2].mean(), raw[:3].mean()])  # a short start averages less
    np.testing.assert_allclose(mean[10], raw[6:11].mean())
    assert np.std(np.diff(mean)) < np.std(np.diff(raw))


def test_training_curves_of_a_run_just_started_and_one_without_batches_per_epoch():
    empty = dict(name="LSTM", arch="LSTM", batch_history=[], history={}, batches_per_epoch=10)
    fig = charts.training_curves([empty])
    assert len(fig.data) == 6 and all(len(t.x) == 0 for t in fig.data)
    run = _run("GRU", "GRU", 2, 3, 1)
    run["batches_per_epoch"] = None  # inferred: the most batches seen in one epoch
    fig = charts.training_curves([run])
    np.testing.assert_allclose(fig.data[0].x, np.arange(1, 7) / 3)
    np.testing.assert_allclose(fig.data[1].x, np.arange(1, 7) / 3)


def test_class_balance_counts_each_source_and_class(sentiment_df):
    fig = charts.class_balance(sentiment_df)
    assert names(fig) == ["negative", "positive"]
    assert [list(t.x) for t in fig.data] == [["amazon", "imdb", "yelp"]] * 2
    assert [list(t.y) for t in fig.data] == [[500, 500, 500]] * 2
    assert fig.layout.barmode == "group"
    # The counts printed above the bars fit inside the plot: the axis reaches 15% above the tallest bar.
    assert tuple(fig.layout.yaxis.range) == (0, 575)
    assert all(t.cliponaxis is False and t.textposition == "outside" for t in fig.data)


def test_length_histogram_one_trace_or_one_per_source():
    lengths = np.array([3, 5, 5, 9, 12])
    fig = charts.length_histogram(lengths)
    assert names(fig) == ["all"] and list(fig.data[0].x) == [3, 5, 5, 9, 12]
    fig = charts.length_histogram(lengths, by=["imdb", "yelp", "imdb", "amazon", "yelp"])
    assert names(fig) == ["imdb", "yelp", "amazon"]
    assert [list(t.x) for t in fig.data] == [[3, 5], [5, 12], [9]]
    assert fig.layout.barmode == "stack" and len({t.marker.color for t in fig.data}) == 3
    assert fig.layout.xaxis.title.text == "words in the sentence"


def test_top_tokens_puts_the_most_frequent_on_top():
    counts = pd.Series({"the": 50, "[UNK]": 40, "good": 30, "bad": 20, "": 10})
    fig = charts.top_tokens(counts, n=3)
    (bars,) = fig.data
    assert list(bars.y) == ["good", "'[UNK]'", "the"]  # plotly draws the last category at the top
    assert list(bars.x) == [30, 40, 50]
    assert fig.layout.title.text == "The 3 most frequent tokens"


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


def test_probability_style_colours_red_to_green():
    table = pd.DataFrame({"LSTM": [0.0, 0.5, 1.0]}, index=["bad", "meh", "good"])
    html = charts.probability_table_style(table).to_html()
    assert "rgb(215, 48, 39)" in html and "rgb(255, 255, 191)" in html and "rgb(26, 152, 80)" in html
    assert "0.500" in html


def test_prediction_bars_one_trace_per_model_one_bar_per_sentence():
    table = pd.DataFrame(
        {"SimpleRNN": [0.1, 0.9, 0.4], "BiLSTM": [0.02, 0.99, 0.6]},
        index=pd.Index(["I hate this meal!", "I love this restaurant", "I hate this meal!"], name="sentence"),
    )
    fig = charts.prediction_bars(table)
    assert names(fig) == ["SimpleRNN", "BiLSTM"]
    assert [list(t.y) for t in fig.data] == [[0.1, 0.9, 0.4], [0.02, 0.99, 0.6]]
    assert list(fig.data[0].x) == [0, 1, 2]  # a repeated sentence keeps its own bar
    assert list(fig.layout.xaxis.ticktext) == ["I hate this meal!", "I love this restaurant", "I hate this meal!"]
    assert tuple(fig.layout.yaxis.range) == (0, 1.05)
    assert fig.data[1].marker.color == charts.ARCH_COLORS["BiLSTM"]


def test_prefix_lines_one_line_per_model_over_the_words():
    words = ["I", "love", "this", "restaurant"]
    df = pd.DataFrame(
        [dict(model=m, position=i + 1, word=w, token=w.lower(), probability=p)
         for m, ps in (("LSTM", [0.5, 0.8, 0.85, 0.97]), ("GRU", [0.5, 0.7, 0.7, 0.9]))
         for i, (w, p) in enumerate(zip(words, ps))]
    )
    fig = charts.prefix_lines(df)
    assert names(fig) == ["LSTM", "GRU"]
    assert [list(t.x) for t in fig.data] == [[1, 2, 3, 4]] * 2
    assert list(fig.data[0].y) == [0.5, 0.8, 0.85, 0.97]
    assert list(fig.layout.xaxis.ticktext) == words


def test_toy_gradient_log_axis_and_shaded_regions():
    toy = gradients.toy(0.9, 200)
    fig = charts.toy_gradient(toy)
    assert names(fig) == ["h_t = w^t h_0", "dh_t/dw = t w^(t-1) h_0"]
    assert all(len(t.x) == len(t.y) == 201 for t in fig.data)
    assert fig.layout.yaxis.type == "log"
    assert fig.data[0].y[50] == pytest.approx(0.9**50)
    assert np.isnan(fig.data[1].y[0]) and fig.data[1].y[1] == 1.0  # dh_0/dw = 0 has no place on a log axis
    vanishing, exploding = fig.layout.shapes
    assert vanishing.y1 == gradients.VANISHING_BELOW and exploding.y0 == gradients.EXPLODING_ABOVE
    low, high = fig.layout.yaxis.range  # log10 units; the bands and every positive value are in view
    assert low < np.log10(vanishing.y0) + 1e-9 and high > np.log10(exploding.y1) - 1e-9
    assert 10**low <= np.nanmin(fig.data[1].y) and np.nanmax(fig.data[1].y) <= 10**high
    assert "w = 0.9" in fig.layout.title.text
    assert [a.text for a in fig.layout.annotations] == ["vanishing", "exploding"]


@pytest.mark.parametrize("w", [0.5, 0.99, 1.0, 1.01, 1.5])
def test_toy_gradient_is_drawable_at_every_w_up_to_the_last_step(w):
    """t up to T_MAX: 1.5^5000 overflows and 0.5^5000 underflows float64; the chart still serialises, keeps its
    y axis within TOY_DECADES decades and puts t on a log axis."""
    import json

    import plotly.io as pio

    fig = charts.toy_gradient(gradients.toy(w, gradients.T_MAX))
    json.loads(pio.to_json(fig, engine="orjson"))  # what Streamlit uses: no integer beyond 64 bits
    low, high = fig.layout.yaxis.range
    assert -charts.TOY_DECADES <= low < np.log10(gradients.VANISHING_BELOW)
    assert np.log10(gradients.EXPLODING_ABOVE) < high <= charts.TOY_DECADES
    assert fig.layout.xaxis.type == "log"


def _tidy(value_column):
    rows = []
    for model, arch in (("LSTM", "LSTM"), ("my GRU", "GRU")):
        for trained in (True, False):
            for d in range(5):
                rows.append(dict(model=model, arch=arch, trained=trained, distance=d,
                                 **{value_column: 0.5**d * (2 if trained else 1)}))
    return pd.DataFrame(rows)


def test_gradient_by_step_one_untrained_reference_per_architecture_log_axis():
    fig = charts.gradient_by_step(_tidy("gradient_norm"))
    assert names(fig) == ["LSTM", "my GRU", "LSTM untrained", "GRU untrained"]
    assert [t.line.dash for t in fig.data] == ["solid", "solid", "dot", "dot"]
    assert [t.opacity for t in fig.data] == [1.0, 1.0, 0.6, 0.6]
    assert fig.layout.yaxis.type == "log"
    assert all(list(t.x) == [0, 1, 2, 3, 4] for t in fig.data)
    assert fig.data[0].y[0] == 2.0 and fig.data[2].y[0] == 1.0
    # A twin keeps its model's colour; 'my GRU' is coloured by its arch column.
    assert fig.data[0].line.color == fig.data[2].line.color == charts.ARCH_COLORS["LSTM"]
    assert fig.data[1].line.color == charts.ARCH_COLORS["GRU"]
    assert fig.layout.xaxis.title.text == "distance from the last word (0 = last word)"
    assert fig.layout.legend.orientation == "h"  # below the plot, not beside it


def test_gradient_by_step_with_many_runs_draws_each_architectures_twin_once():
    seven = pd.concat([_tidy("gradient_norm").assign(model=lambda d, i=i: d["model"] + f" #{i}") for i in range(4)])
    fig = charts.gradient_by_step(seven)
    assert names(fig) == ["LSTM #0", "my GRU #0", "LSTM #1", "my GRU #1", "LSTM #2", "my GRU #2", "LSTM #3",
                          "my GRU #3", "LSTM untrained", "GRU untrained"]
    # Runs of one architecture: one colour, a dash each.
    lstm = [t for t in fig.data[:8] if t.name.startswith("LSTM")]
    assert {t.line.color for t in lstm} == {charts.ARCH_COLORS["LSTM"]}
    assert [t.line.dash for t in lstm] == ["solid", "dash", "dot", "dashdot"]


def test_jacobian_chain_chart_with_and_without_twins():
    fig = charts.jacobian_chain(_tidy("jacobian_norm"))
    assert len(fig.data) == 4 and fig.layout.yaxis.type == "log"
    trained_only = _tidy("jacobian_norm").query("trained").drop(columns=["trained", "arch"])
    fig = charts.jacobian_chain(trained_only, title="Chains")
    assert names(fig) == ["LSTM", "my GRU"] and fig.layout.title.text == "Chains"


@pytest.mark.parametrize("values, ticks, labels", [
    ([1.0, 18.0], [1, 2, 5, 10, 20], ["1", "2", "5", "10", "20"]),  # Plotly alone labelled 20 as '2' above '10'
    ([0.35, 2.4], [0.5, 1, 2], ["0.5", "1", "2"]),
    ([2e-5, 3e-4], [2e-5, 5e-5, 1e-4, 2e-4], ["2·10<sup>-5</sup>", "5·10<sup>-5</sup>", "10<sup>-4</sup>",
                                             "2·10<sup>-4</sup>"]),
    ([1e-7, 0.3], [10.0**e for e in range(-7, 1)], [f"10<sup>{e}</sup>" for e in range(-7, 1)]),
    ([1e-12, 1.0], [10.0**e for e in range(-12, 1, 2)], [f"10<sup>{e}</sup>" for e in range(-12, 1, 2)]),
    ([0.0, float("nan"), -1.0], [], []),
])
def test_log_ticks_are_round_numbers_labelled_plainly(values, ticks, labels):
    got_ticks, got_labels = charts.log_ticks(values)
    np.testing.assert_allclose(got_ticks, ticks, rtol=1e-12)
    assert got_labels == labels


def test_by_distance_charts_put_log_ticks_on_their_data():
    df = _tidy("jacobian_norm")
    fig = charts.jacobian_chain(df)
    assert list(fig.layout.yaxis.tickvals) == charts.log_ticks(df["jacobian_norm"])[0]
    assert list(fig.layout.yaxis.ticktext) == charts.log_ticks(df["jacobian_norm"])[1]


def test_heatmap_units_by_words_keeps_repeated_words_apart():
    hidden = np.tanh(np.linspace(-3, 3, 24)).reshape(6, 4)  # 6 units x 4 words
    words = ["good", "not", "good", "!"]
    fig = charts.heatmap(hidden, words, y_label="unit", title="Hidden state")
    (heat,) = fig.data
    assert np.asarray(heat.z).shape == (6, 4)
    assert list(heat.x) == [0, 1, 2, 3] and list(fig.layout.xaxis.ticktext) == words
    assert (heat.zmin, heat.zmax, heat.zmid) == (-1.0, 1.0, 0.0)
    assert fig.layout.title.text == "Hidden state" and fig.layout.yaxis.title.text == "unit"
    gate = charts.heatmap(np.full((3, 2), 0.25), ["a", "b"], title="Forget gate")
    assert (gate.data[0].zmin, gate.data[0].zmax) == (0.0, 1.0)
    with pytest.raises(ValueError):
        charts.heatmap(hidden, ["too", "few"])
