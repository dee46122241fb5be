"""Intervals for the scorecards: Wilson intervals of success rates and percentile-bootstrap intervals of
means, medians and rank correlations.

*Wilson* (Wilson 1927): for k successes in n trials, z the normal quantile of the level and p = k/n, the
interval is

    (p + z^2/2n -+ z sqrt(p(1-p)/n + z^2/4n^2)) / (1 + z^2/n),

which, unlike the normal approximation, stays inside [0, 1] and is not empty at k = 0 or k = n.

*Percentile bootstrap* (Efron & Tibshirani 1993, ch. 13): resample the n observations with replacement
``resamples`` times, compute the statistic on each resample, and take the (1-level)/2 and (1+level)/2
quantiles of those values. Resamples come from a seeded generator, so an interval is a pure function of its
inputs and its seed.
"""
from __future__ import annotations

import math
from statistics import NormalDist

import numpy as np

__all__ = ["wilson_interval", "bootstrap_indices", "percentile_interval", "bootstrap_interval", "spearman_interval",
           "interval_text", "BOOTSTRAP_RESAMPLES"]

#: Resamples of every bootstrap interval unless told otherwise.
BOOTSTRAP_RESAMPLES = 2000


def _check_level(level: float) -> float:
    if not 0 < level < 1:
        raise ValueError(f"level must be between 0 and 1 (e.g. 0.95), got {level!r}")
    return NormalDist().inv_cdf((1 + level) / 2)


def wilson_interval(successes: int, trials: int, level: float = 0.95) -> tuple[float, float]:
    """Wilson score interval of a success probability from ``successes`` out of ``trials``; (nan, nan) when
    there are no trials (no evidence)."""
    z = _check_level(level)
    if trials == 0:
        return math.nan, math.nan
    if not 0 <= successes <= trials:
        raise ValueError(f"successes must be between 0 and trials={trials}, got {successes!r}")
    p, n = successes / trials, trials
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    low = 0.0 if successes == 0 else max(0.0, centre - half)           # exact ends: no rounding past the rate
    high = 1.0 if successes == trials else min(1.0, centre + half)
    return low, high


def bootstrap_indices(n: int, resamples: int = BOOTSTRAP_RESAMPLES, seed: int = 0) -> np.ndarray:
    """(resamples, n) indices drawn with replacement from range(n), from a generator seeded with ``seed``."""
    return np.random.default_rng(seed).integers(0, n, size=(resamples, n))


def percentile_interval(values, level: float = 0.95) -> tuple[float, float]:
    """The (1-level)/2 and (1+level)/2 quantiles of the finite ``values`` (bootstrap statistics, say): the percentile
    interval; (nan, nan) when none is finite."""
    _check_level(level)
    values = np.asarray(values, dtype=float)
    values = values[np.isfinite(values)]
    if not len(values):
        return math.nan, math.nan
    low, high = np.quantile(values, [(1 - level) / 2, (1 + level) / 2])
    return float(low), float(high)


def bootstrap_interval(samples, statistic: str = "mean", level: float = 0.95,
                       resamples: int = BOOTSTRAP_RESAMPLES, seed: int = 0) -> tuple[float, float]:
    """Percentile-bootstrap interval of the ``statistic`` ("mean" or "median") of ``samples`` (NaNs dropped);
    (nan, nan) with fewer than two finite samples."""
    ops = {"mean": np.mean, "median": np.median}
    if statistic not in ops:
        raise ValueError(f"statistic must be one of {', '.join(map(repr, ops))}, got {statistic!r}")
    x = np.asarray(samples, dtype=float)
    x = x[np.isfinite(x)]
    if len(x) < 2:
        return math.nan, math.nan
    return percentile_interval(ops[statistic](x[bootstrap_indices(len(x), resamples, seed)], axis=1), level)


def spearman_interval(x, y, level: float = 0.95, resamples: int = BOOTSTRAP_RESAMPLES,
                      seed: int = 0) -> dict:
    """Spearman's rank correlation of paired samples with its p-value (scipy) and a percentile-bootstrap
    interval over resampled pairs: ``{"r", "p", "low", "high", "n"}``. NaNs where it is undefined (fewer than
    three pairs, or a constant side); resamples with a constant side are dropped."""
    from scipy.stats import rankdata, spearmanr

    a, b = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    keep = np.isfinite(a) & np.isfinite(b)
    a, b = a[keep], b[keep]
    out = {"r": math.nan, "p": math.nan, "low": math.nan, "high": math.nan, "n": int(len(a))}
    if len(a) < 3 or np.ptp(a) == 0 or np.ptp(b) == 0:
        return out
    r, p = spearmanr(a, b)
    idx = bootstrap_indices(len(a), resamples, seed)
    ra, rb = (np.apply_along_axis(rankdata, 1, v[idx]) for v in (a, b))
    ra, rb = ra - ra.mean(1, keepdims=True), rb - rb.mean(1, keepdims=True)
    den = np.sqrt((ra * ra).sum(1) * (rb * rb).sum(1))
    with np.errstate(invalid="ignore", divide="ignore"):
        boot = np.where(den > 0, (ra * rb).sum(1) / den, np.nan)
    low, high = percentile_interval(boot, level)
    return {**out, "r": float(r), "p": float(p), "low": low, "high": high}


def interval_text(value: float, low: float, high: float, digits: int = 2, kind: str = "f") -> str:
    """``value [low, high]`` with ``digits`` decimals (``kind="f"``, e.g. "0.68 [0.41, 0.85]") or significant
    digits (``kind="g"``); "n/a" for NaN."""
    if value != value:
        return "n/a"
    return f"{value:.{digits}{kind}} [{low:.{digits}{kind}}, {high:.{digits}{kind}}]"
