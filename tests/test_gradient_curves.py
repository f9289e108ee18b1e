"""rnnlab.gradient_curves: the page's words follow the measured curves (falls, level, rises, with the ratio)."""

import pandas as pd
import pytest

from rnnlab import gradient_curves


def _curves(trained_factor, untrained_factor=0.7, steps=20, column="gradient_norm"):
    rows = [dict(model="M", arch="GRU", trained=trained, distance=d, **{column: factor**d})
            for trained, factor in ((True, trained_factor), (False, untrained_factor)) for d in range(steps)]
    return pd.DataFrame(rows)


def test_a_falling_curve_is_called_falling_with_its_ratio():
    frame = _curves(0.5)
    ratios = gradient_curves.curve_ratios(frame).set_index("trained")
    assert ratios.loc[True, "ratio"] == pytest.approx(0.5**19) and ratios.loc[True, "trend"] == "falls"
    text = gradient_curves.describe_curves(frame)
    assert f"trained, its line falls from the last word to the 19th before it (x{0.5**19:.2g})" in text
    assert "Trained or not, these networks show the vanishing" in text


def test_a_rising_curve_is_called_rising_and_the_difference_explained():
    frame = _curves(1.2)
    text = gradient_curves.describe_curves(frame)
    assert f"trained, its line rises from the last word to the 19th before it (x{1.2**19:.2g})" in text
    assert f"untrained, its line falls from the last word to the 19th before it (x{0.7**19:.2g})" in text
    assert "The untrained networks show the vanishing the lesson describes" in text
    assert gradient_curves.describe_curves(_curves(1.0)).count("stays about level") == 1


def test_a_chain_is_read_from_the_word_before_the_last():
    frame = _curves(1.5, column="jacobian_norm")
    frame.loc[frame["distance"] == 0, "jacobian_norm"] = 1.0
    ratios = gradient_curves.curve_ratios(frame, "jacobian_norm").set_index("trained")
    assert ratios.loc[True, "ratio"] == pytest.approx(1.5**19 / 1.5)
