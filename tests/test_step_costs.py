"""scripts/step_costs.py, the README's numbers for where a training step's time goes, measures what it says."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "scripts"))
import step_costs  # noqa: E402


def test_the_step_costs_are_measured_and_add_up():
    report = step_costs.measure(steps=3, repeat=1)
    assert report["recurrent_product_us"] > 0 and report["elementwise_op_us"] > 0
    # GFLOP/s is the product's 2 x 32 x 128 x 512 operations over its measured time
    assert abs(report["recurrent_product_gflops"] - 2 * 32 * 128 * 512 / report["recurrent_product_us"] / 1e3) < 0.5
    assert abs(report["lstm_reader_per_step_us"] - report["lstm_reader_forward_backward_ms"] * 1e3 / 3) < 2  # ms kept to 2 decimals
    # The share is the two products' time (forward, and the gradient reaching the previous state) over a step's,
    # from the same measurements (to the printed rounding). How large it is, the script reports: two separately
    # timed operations on a shared machine can come out in either order, so no bound is asserted.
    share = 2 * report["recurrent_product_us"] / report["lstm_reader_per_step_us"]
    assert report["two_products_share_of_a_step"] > 0
    assert abs(report["two_products_share_of_a_step"] - share) <= 0.006 + 0.01 * share
