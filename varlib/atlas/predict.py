"""Which lens predicts trainability: rank correlations with the trained accuracy, and what each lens adds beyond depth.

Per (budget, activation) the trained draws of every depth form one pool. For a lens score s (V3, the linear-region
count, the gradient decay, gamma*) and the target t (the best training accuracy on the checkerboard):

* the *rank correlation* is Spearman's rho(s, t) over the pool, with a percentile-bootstrap interval over draws
  (:func:`varlib.core.stats.spearman_interval`);
* the *partial rank correlation given depth* takes the ranks of s and t over the pool, subtracts their mean within
  each depth, and correlates what is left (Pearson): how well s ranks draws of the *same* depth. A score that is a
  function of depth alone (gamma*, rho) has nothing left: NaN. Its interval resamples draws within each depth.
"""
from __future__ import annotations

import math

import numpy as np
import pandas as pd

from varlib.core.stats import bootstrap_indices, percentile_interval, spearman_interval

__all__ = ["TARGET", "LENS_SCORES", "NONLINEAR_SCORES", "SHOWN_SCORES", "lens_correlations", "partial_rank_correlation",
           "beyond_depth"]

#: The trainability the lenses should predict.
TARGET = "best_accuracy"
#: The one score per lens that the verdicts use (lens: column).
LENS_SCORES = {"variability": "v3", "complexity": "linear_regions", "signal propagation": "grad_ratio",
               "depth alone (deep linear)": "gamma_star"}
#: The verdict scores of the nonlinear lenses, which must beat depth alone.
NONLINEAR_SCORES = tuple(s for s in LENS_SCORES.values() if s != "gamma_star")
#: Every score of the correlation table (column: lens).
SHOWN_SCORES = {"v3": "variability", "cv": "variability", "rho": "variability", "regions": "complexity",
                "linear_regions": "complexity", "db_pieces": "complexity", "output_scale": "signal propagation",
                "grad_ratio": "signal propagation",
                "mup_output_scale": "signal propagation", "ip_output_scale": "signal propagation",
                "mup_grad_ratio": "signal propagation", "ip_grad_ratio": "signal propagation",
                "gamma_star": "deep linear"}


def _pools(table: pd.DataFrame):
    """(budget, activation, trained rows) for every pool of the atlas."""
    trained = table[table.trained.astype(bool)]
    for (budget, activation), rows in trained.groupby(["budget", "activation"], sort=True):
        yield budget, activation, rows


def lens_correlations(table: pd.DataFrame, scores=tuple(SHOWN_SCORES), level: float = 0.95,
                      resamples: int = 1000, seed: int = 0) -> pd.DataFrame:
    """One row per (budget, activation, score): Spearman r with the target, its bootstrap interval, n."""
    rows = []
    for budget, activation, pool in _pools(table):
        for score in scores:
            s = spearman_interval(pool[score], pool[TARGET], level, resamples, seed)
            rows.append({"budget": budget, "activation": activation, "score": score,
                         "lens": SHOWN_SCORES.get(score, ""), "r": s["r"], "low": s["low"], "high": s["high"],
                         "n": s["n"]})
    return pd.DataFrame(rows)


def _within_group_ranks(values: np.ndarray, groups: list[np.ndarray]) -> np.ndarray:
    """Ranks of ``values`` (resamples, n) along the last axis, minus their mean within each block of columns."""
    from scipy.stats import rankdata

    r = rankdata(values, axis=-1)
    for g in groups:
        r[..., g] -= r[..., g].mean(-1, keepdims=True)
    return r


def _pearson(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    den = np.sqrt((a * a).sum(-1) * (b * b).sum(-1))
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(den > 1e-12, (a * b).sum(-1) / np.where(den > 1e-12, den, 1.0), np.nan)


def partial_rank_correlation(x, y, depth, level: float = 0.95, resamples: int = 1000, seed: int = 0) -> dict:
    """Rank correlation of ``x`` and ``y`` within depths (module docstring): ``{"r", "low", "high", "n"}``;
    NaN when fewer than three finite pairs or nothing varies within a depth."""
    df = pd.DataFrame({"x": x, "y": y, "d": depth}).replace([np.inf, -np.inf], np.nan).dropna()
    df = df.sort_values("d", kind="stable", ignore_index=True)
    out = {"r": math.nan, "low": math.nan, "high": math.nan, "n": len(df)}
    if len(df) < 3:
        return out
    groups = [np.flatnonzero(df.d.to_numpy() == d) for d in df.d.unique()]
    X, Y = df.x.to_numpy(float), df.y.to_numpy(float)
    r = float(_pearson(_within_group_ranks(X, groups), _within_group_ranks(Y, groups)))
    idx = np.concatenate([g[bootstrap_indices(len(g), resamples, seed + i)] for i, g in enumerate(groups)], 1)
    boot = _pearson(_within_group_ranks(X[idx], groups), _within_group_ranks(Y[idx], groups))
    low, high = percentile_interval(boot, level)
    return {**out, "r": r, "low": low, "high": high} if r == r else out


def beyond_depth(table: pd.DataFrame, scores=tuple(SHOWN_SCORES), level: float = 0.95, resamples: int = 1000,
                 seed: int = 0) -> pd.DataFrame:
    """One row per (budget, activation, score): the partial rank correlation with the target given depth."""
    rows = []
    for budget, activation, pool in _pools(table):
        for score in scores:
            s = partial_rank_correlation(pool[score], pool[TARGET], pool.depth, level, resamples, seed)
            rows.append({"budget": budget, "activation": activation, "score": score,
                         "lens": SHOWN_SCORES.get(score, ""), **s})
    return pd.DataFrame(rows)
