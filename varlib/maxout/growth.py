"""Growth of region counts with the number of units and with depth, and the speed of training per
initialisation, each with a percentile-bootstrap interval over the random networks (or seeds) behind it.

Tseran & Montúfar (NeurIPS 2021, Thm. 9 and Cor. 10) bound the expected number of activation regions of a
maxout network on an n0-dimensional input, in a bounded set, by a polynomial of degree n0 in the number of units
N, whatever the depth; and the expected volume of the decision boundary by one of degree n0 - 1 (Thm. 11). The
largest number of regions the same architecture can have grows exponentially with depth
(:func:`varlib.maxout.training.deep_max_regions`). So, on a 2D input, the count at initialisation should grow
like N^2 at every depth, and the decision-boundary pieces like N.

A growth exponent is the least-squares slope of log(mean count) against log N over the cells of one (K, depth);
its interval resamples the networks of every cell with replacement (one seeded generator per call, shared by the
cells) and refits, and takes the percentile interval (:func:`varlib.core.stats.percentile_interval`).
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from varlib.core.stats import BOOTSTRAP_RESAMPLES, interval_text, percentile_interval

__all__ = ["SLOPE_TOL", "MIN_SAMPLES", "growth_slopes", "fixed_width_slopes", "depth_changes", "speed_gaps",
           "estimate_text"]

#: A fitted exponent "is" the predicted integer degree when it lies within this distance of it: halfway to the
#: neighbouring degrees, the alternatives a growth law would be told apart from.
SLOPE_TOL = 0.5

#: A bootstrap interval needs at least this many networks (or seeds) in every cell it resamples: with fewer, the
#: percentile bootstrap is far too narrow (three draws resample to at most ten distinct means), and the interval
#: is NaN, which the scorecard reads as no evidence.
MIN_SAMPLES = 5


def estimate_text(value: float, low: float, high: float, digits: int = 2) -> str:
    """"1.93 [1.91, 1.95]", or "1.93 (no interval)" when the interval is missing, or "n/a"."""
    if value != value:
        return "n/a"
    return interval_text(value, low, high, digits) if low == low else f"{value:.{digits}f} (no interval)"


def _resampled_means(values: np.ndarray, resamples: int, rng: np.random.Generator) -> np.ndarray:
    """Bootstrap means of one cell's values: (resamples,)."""
    return values[rng.integers(0, len(values), size=(resamples, len(values)))].mean(1)


def _slope(logN: np.ndarray, logy: np.ndarray) -> np.ndarray:
    """Least-squares slopes of logy (..., n) against logN (n,)."""
    x = logN - logN.mean()
    with np.errstate(invalid="ignore"):                 # a resample with a zero mean: -inf, dropped as NaN
        return ((logy - logy.mean(-1, keepdims=True)) * x).sum(-1) / (x * x).sum()


def growth_slopes(sweep: pd.DataFrame, column: str = "regions", *, resamples: int = BOOTSTRAP_RESAMPLES,
                  seed: int = 0) -> pd.DataFrame:
    """Per (K, depth) of a count sweep (one row per net, columns K, depth, N and ``column``): the exponent of
    mean ``column`` against N (``slope``), its 95 % bootstrap interval (``low``, ``high``) and the number of N
    values fitted (``points``). A (K, depth) with fewer than two N values or a cell whose mean is 0 (log
    undefined) gets NaN; with fewer than :data:`MIN_SAMPLES` networks in a cell only the interval is NaN
    (resamples with a zero mean are dropped)."""
    rng, rows = np.random.default_rng(seed), []
    for (K, depth), d in sweep.groupby(["K", "depth"]):
        cells = [(N, c[column].to_numpy(float)) for N, c in d.groupby("N")]
        logN = np.log([float(N) for N, _ in cells])
        means = np.array([v.mean() for _, v in cells])
        out = {"K": int(K), "depth": int(depth), "slope": np.nan, "low": np.nan, "high": np.nan, "points": len(cells)}
        if len(cells) >= 2 and (means > 0).all():
            out["slope"] = float(_slope(logN, np.log(means)))
        if out["slope"] == out["slope"] and min(len(v) for _, v in cells) >= MIN_SAMPLES:
            boot = np.stack([_resampled_means(v, resamples, rng) for _, v in cells], 1)     # (resamples, cells)
            with np.errstate(divide="ignore"):
                out["low"], out["high"] = percentile_interval(_slope(logN, np.log(boot)))
        rows.append(out)
    return pd.DataFrame(rows)


def fixed_width_slopes(sweep: pd.DataFrame, *, resamples: int = BOOTSTRAP_RESAMPLES, seed: int = 0) -> pd.DataFrame:
    """Growth in depth at a fixed width: per K, over the cells of a count sweep whose N units split evenly into
    layers of one width w (N = w x depth), the exponent of the mean regions against depth with its interval
    (:func:`growth_slopes` with depth in the place of N), for the width with the most such depths. Since N grows
    like the depth there, the bound predicts the degree n0 again, where the maximum grows exponentially. Columns
    K, width, slope, low, high, points (depths); empty when no width has two depths."""
    even = sweep[sweep.N % sweep.depth == 0]
    even = even.assign(width=even.N // even.depth)
    rows = []
    for K, d in even.groupby("K"):
        depths = d.groupby("width").depth.nunique()
        if depths.max() < 2:
            continue
        w = int(depths.idxmax())
        cells = d[d.width == w]
        g = growth_slopes(cells.assign(N=cells.depth, depth=w), resamples=resamples, seed=seed)
        r = g.iloc[0]
        rows.append({"K": int(K), "width": w, "slope": r.slope, "low": r.low, "high": r.high, "points": int(r.points)})
    return pd.DataFrame(rows, columns=["K", "width", "slope", "low", "high", "points"])


def depth_changes(sweep: pd.DataFrame, *, resamples: int = BOOTSTRAP_RESAMPLES, seed: int = 0) -> pd.DataFrame:
    """Per K at the largest N of a count sweep: ``change`` = mean regions of the deepest networks / of the
    shallowest - 1 (0 when the count does not depend on depth), its 95 % bootstrap interval (networks resampled
    within both depths) and the two depths. A fixed pair of depths, not the spread (max - min) over all of them:
    with a few networks per depth, noise alone makes a spread positive and its bootstrap interval biased. The
    interval is NaN with fewer than :data:`MIN_SAMPLES` networks at either depth."""
    rng, top, rows = np.random.default_rng(seed), sweep[sweep.N == sweep.N.max()], []
    for K, d in top.groupby("K"):
        lo, hi = d.depth.min(), d.depth.max()
        if lo == hi:
            continue
        a, b = (d[d.depth == x].regions.to_numpy(float) for x in (lo, hi))
        boot = _resampled_means(b, resamples, rng) / _resampled_means(a, resamples, rng) - 1
        low, high = percentile_interval(boot) if min(len(a), len(b)) >= MIN_SAMPLES else (np.nan, np.nan)
        rows.append({"K": int(K), "N": int(d.N.iloc[0]), "shallow": int(lo), "deep": int(hi),
                     "change": float(b.mean() / a.mean() - 1), "low": low, "high": high})
    return pd.DataFrame(rows, columns=["K", "N", "shallow", "deep", "change", "low", "high"])


def speed_gaps(conv: pd.DataFrame, *, baseline: str = "maxout_he", inits=("sphere", "many_regions"),
               resamples: int = BOOTSTRAP_RESAMPLES, seed: int = 0) -> pd.DataFrame:
    """Per (K, init) of a convergence table (one row per run: K, init, seed, mean_loss; runs that diverged
    already removed): ``gap`` = mean over seeds of the baseline's mean training loss minus the init's (positive:
    the init trains faster, its loss curve lies lower) with a 95 % bootstrap interval (seeds of the two inits
    resampled independently) and the seeds of each. NaN when either side has fewer than :data:`MIN_SAMPLES`
    runs; an init of ``inits`` with no run at that K has no row."""
    rng, rows = np.random.default_rng(seed), []
    for K, d in conv.groupby("K"):
        base = d[d.init == baseline].mean_loss.to_numpy(float)
        for init in [i for i in inits if i in set(d.init)]:                 # inits not run at all are no row
            runs = d[d.init == init].mean_loss.to_numpy(float)
            out = {"K": int(K), "init": init, "gap": np.nan, "low": np.nan, "high": np.nan, "seeds": len(runs),
                   "baseline_seeds": len(base)}
            if min(len(base), len(runs)) >= MIN_SAMPLES:
                boot = _resampled_means(base, resamples, rng) - _resampled_means(runs, resamples, rng)
                out.update(gap=float(base.mean() - runs.mean()), **dict(zip(("low", "high"),
                                                                            percentile_interval(boot))))
            rows.append(out)
    return pd.DataFrame(rows, columns=["K", "init", "gap", "low", "high", "seeds", "baseline_seeds"])
