"""Every chart of RNN Lab: functions that take plain data (lists, NumPy arrays, pandas frames) and return a plotly
Figure, one function per kind of chart, in one module per page:

- style: the projector look, the architecture colours, run styles, the legend below, `layout`, `log_ticks`
- training: training_curves (Train page)
- dataset: class_balance, length_histogram, top_tokens (Data page)
- parameters: param_stacked_bars, param_treemap (Parameters page)
- predictions: prediction_bars, prefix_lines, probability_table_style (Predict page)
- gradients: toy_gradient, gradient_by_step, jacobian_chain (Gradients page)
- heatmap: the units x words heatmap (Inside the cell page)
- cell, embedding: the Inside the cell, Long range and embedding pages' own charts (imported as modules)

Callers write `from rnnlab import charts; charts.training_curves(...)`: every public name is re-exported here.
"""

from rnnlab.charts.dataset import class_balance, length_histogram, top_tokens
from rnnlab.charts.gradients import TOY_DECADES, gradient_by_step, jacobian_chain, powers_of_w, toy_gradient
from rnnlab.charts.heatmap import heatmap
from rnnlab.charts.parameters import param_stacked_bars, param_treemap
from rnnlab.charts.predictions import prediction_bars, prefix_lines, probability_color, probability_table_style
from rnnlab.charts.style import (ARCH_COLORS, CLASS_COLORS, CLASS_NAMES, EXPLODING_FILL, EXTRA_COLORS, FONT_SIZE,
                                 GROUP_COLORS, LEGEND_BELOW, LEGEND_ROW_PX, PART_COLORS, RUN_DASHES, RUN_PATTERNS,
                                 RUN_SYMBOLS, TEMPLATE, TITLE_SIZE, VANISHING_FILL, arch_of, colors_for, layout,
                                 legend_below, log_ticks, shorten, styles_for)
from rnnlab.charts.training import curve_styles, curves_frame, run_traces, smoothing_window, training_curves

__all__ = [
    "ARCH_COLORS", "CLASS_COLORS", "CLASS_NAMES", "EXPLODING_FILL", "EXTRA_COLORS", "FONT_SIZE", "GROUP_COLORS",
    "LEGEND_BELOW", "LEGEND_ROW_PX", "PART_COLORS", "RUN_DASHES", "RUN_PATTERNS", "RUN_SYMBOLS", "TEMPLATE",
    "TITLE_SIZE", "TOY_DECADES", "VANISHING_FILL", "arch_of", "class_balance", "colors_for", "gradient_by_step",
    "heatmap", "jacobian_chain", "layout", "legend_below", "length_histogram", "log_ticks", "param_stacked_bars",
    "param_treemap", "powers_of_w", "prediction_bars", "prefix_lines", "probability_color",
    "probability_table_style", "shorten", "smoothing_window", "styles_for", "curve_styles", "curves_frame",
    "run_traces", "toy_gradient", "top_tokens", "training_curves",
]
