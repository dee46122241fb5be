"""The intervals of the scorecards, against closed forms and textbook values."""
import math

import numpy as np
import pytest

from varlib.core.stats import bootstrap_interval, interval_text, spearman_interval, wilson_interval


def test_wilson_matches_the_textbook_values():
    # 95 %: 0/10 -> [0, 0.2775], 5/10 -> [0.2366, 0.7634], 10/10 -> [0.7225, 1] (Wilson 1927; Newcombe 1998)
    assert wilson_interval(0, 10) == pytest.approx((0.0, 0.2775), abs=1e-4)
    assert wilson_interval(5, 10) == pytest.approx((0.2366, 0.7634), abs=1e-4)
    assert wilson_interval(10, 10) == pytest.approx((0.7225, 1.0), abs=1e-4)


def test_wilson_narrows_as_trials_grow_and_contains_the_rate():
    widths = [np.subtract(*wilson_interval(n // 3, n)[::-1]) for n in (9, 90, 900)]
    assert widths[0] > widths[1] > widths[2] > 0
    low, high = wilson_interval(30, 90)
    assert low < 1 / 3 < high


def test_wilson_without_trials_is_no_evidence_and_bad_counts_are_named():
    assert all(math.isnan(v) for v in wilson_interval(0, 0))
    with pytest.raises(ValueError, match="successes"):
        wilson_interval(11, 10)
    with pytest.raises(ValueError, match="level"):
        wilson_interval(1, 10, level=95)


def test_bootstrap_mean_interval_covers_the_normal_interval():
    x = np.random.default_rng(1).normal(3.0, 2.0, 400)
    low, high = bootstrap_interval(x)
    half = 1.96 * x.std(ddof=1) / math.sqrt(len(x))
    assert low == pytest.approx(x.mean() - half, abs=0.06) and high == pytest.approx(x.mean() + half, abs=0.06)
    assert bootstrap_interval(x, seed=5) != (low, high) and bootstrap_interval(x) == (low, high)


def test_bootstrap_median_drops_nans_and_needs_two_samples():
    low, high = bootstrap_interval([1.0, 2.0, 3.0, float("nan"), 4.0, 5.0], "median")
    assert 1.0 <= low <= 3.0 <= high <= 5.0
    assert all(math.isnan(v) for v in bootstrap_interval([1.0, float("nan")]))
    with pytest.raises(ValueError, match="statistic"):
        bootstrap_interval([1.0, 2.0], "mode")


def test_spearman_interval_is_tight_for_a_monotone_relation_and_wide_for_noise():
    x = np.arange(30.0)
    tight = spearman_interval(x, x ** 3)
    assert tight["r"] == pytest.approx(1.0) and tight["low"] == pytest.approx(1.0) and tight["n"] == 30
    noise = spearman_interval(x, np.random.default_rng(0).normal(size=30))
    assert noise["low"] < 0 < noise["high"] and noise["p"] > 0.05


def test_spearman_interval_is_nan_where_undefined():
    assert math.isnan(spearman_interval([1, 2], [3, 4])["r"])
    assert math.isnan(spearman_interval([1, 2, 3], [5, 5, 5])["low"])


def test_interval_text():
    assert interval_text(0.6789, 0.41, 0.852) == "0.68 [0.41, 0.85]"
    assert interval_text(float("nan"), 0, 1) == "n/a"
