"""The uncertainty behind the variability chapter's rows: bootstrap resamples of the per-depth mean V3, the peak
depth and whether its intervals resolve it, V3 among the draws that have not collapsed, the cross-tabulation of
collapse against vanishing gradients, and the per-net pairing of a draw's V3 with its own training run.

Draws at different depths are independent nets, so each (activation, budget, depth) cell is resampled on its
own (percentile bootstrap, :mod:`varlib.core.stats`), with a seed fixed per cell: every interval is a pure
function of the draws table.
"""
from __future__ import annotations

import math

import numpy as np
import pandas as pd

from varlib.core.stats import (BOOTSTRAP_RESAMPLES, bootstrap_indices, percentile_interval, spearman_interval,
                               wilson_interval)

__all__ = ["LEVEL", "depth_mean_resamples", "rise_interval", "peak_resolution", "survivor_fall",
           "vanishing_ratio", "collapse_gradient_table", "paired_prediction", "onset_comparison"]

#: The level of every interval of the chapter.
LEVEL = 0.95


def _quantiles(values: np.ndarray) -> tuple[float, float]:
    return percentile_interval(values, LEVEL)


def _resampled_means(values: np.ndarray, seed: int, resamples: int = BOOTSTRAP_RESAMPLES) -> np.ndarray:
    """(resamples,) bootstrap means of ``values`` (NaN when empty)."""
    if not len(values):
        return np.full(resamples, np.nan)
    return values[bootstrap_indices(len(values), resamples, seed)].mean(1)


def depth_mean_resamples(draws: pd.DataFrame, value: str = "v3",
                         resamples: int = BOOTSTRAP_RESAMPLES) -> dict:
    """(activation, budget) -> (depths >= 2 sorted, their means, (resamples, depths) bootstrap means of ``value``),
    each depth resampled independently with seed = its depth."""
    out = {}
    for (act, budget), curve in draws[draws.depth >= 2].groupby(["activation", "budget"]):
        depths = np.sort(curve.depth.unique())
        cells = [curve.loc[curve.depth == d, value].to_numpy(float) for d in depths]
        boot = np.stack([_resampled_means(c, int(d), resamples) for c, d in zip(cells, depths)], 1)
        out[(act, budget)] = (depths, np.array([c.mean() for c in cells]), boot)
    return out


def rise_interval(depths: np.ndarray, activations: np.ndarray, means: np.ndarray, boot: np.ndarray) -> dict:
    """Spearman(N, mean V3) over ``depths`` and its bootstrap interval over the resampled means:
    ``{"r", "low", "high", "depths"}`` (NaN with fewer than three depths)."""
    from scipy.stats import rankdata, spearmanr

    if len(depths) < 3 or np.ptp(activations) == 0 or np.ptp(means) == 0:
        return {"r": math.nan, "low": math.nan, "high": math.nan, "depths": list(map(int, depths))}
    rn = rankdata(activations) - (len(depths) + 1) / 2
    rb = np.apply_along_axis(rankdata, 1, boot) - (len(depths) + 1) / 2
    with np.errstate(invalid="ignore", divide="ignore"):
        rs = (rb * rn).sum(1) / np.sqrt((rb * rb).sum(1) * (rn * rn).sum())
    low, high = _quantiles(rs)
    return {"r": float(spearmanr(activations, means)[0]), "low": low, "high": high, "depths": list(map(int, depths))}


def peak_resolution(depths: np.ndarray, means: np.ndarray, boot: np.ndarray) -> dict:
    """Where the mean peaks and how sure that is.

    Returns ``{"peak", "interior", "rise", "fall", "rivals", "share"}``: the depth of the largest mean, whether it
    lies strictly inside the depth range, whether the peak's interval lies wholly above the shallowest depth's
    (``rise``) and the deepest depth's (``fall``), the other depths whose interval reaches the peak's (the peak
    is not resolved from them) and the share of resamples whose largest mean sits at the peak depth.
    """
    at = int(np.nanargmax(means))
    ci = [_quantiles(boot[:, j]) for j in range(len(depths))]
    lo = ci[at][0]
    rivals = [int(d) for j, d in enumerate(depths) if j != at and ci[j][1] >= lo]
    share = float((np.nanargmax(np.nan_to_num(boot, nan=-np.inf), 1) == at).mean())
    return {"peak": int(depths[at]), "interior": 0 < at < len(depths) - 1, "rise": lo > ci[0][1],
            "fall": lo > ci[-1][1], "rivals": rivals, "share": share}


def survivor_fall(draws: pd.DataFrame, *, onset: float, min_survivors: int) -> dict:
    """Per (activation, budget): does V3 fall among the draws that have **not** collapsed?

    The peak depth is where the mean V3 of the non-collapsed draws is largest; the onset depth is the first depth
    past it whose collapsed fraction reaches ``onset``. Returns (activation, budget) -> dict with ``peak``,
    ``onset`` (None when no depth past the peak reaches it), ``early`` (a depth at or before the peak already
    reaches it: the survivors peak inside the collapse, which is evidence against a fall), ``survivors``
    (non-collapsed draws at the onset), ``ratio`` (their mean V3 over the peak's), ``low``, ``high`` (bootstrap
    interval of the ratio; NaN with fewer than ``min_survivors`` survivors) and the survivors' medians of CV and
    V3/CV at both depths (V3 = CV x V3/CV).
    """
    out = {}
    deep = draws[draws.depth >= 2].assign(v3_per_cv=lambda d: d.v3 / d.cv.where(d.cv > 0))
    for (act, budget), curve in deep.groupby(["activation", "budget"]):
        alive = curve[~curve.collapsed]
        means = alive.groupby("depth").v3.mean()
        c2c = curve.groupby("depth").collapsed.mean()
        peak = int(means.idxmax()) if len(means) else None
        hit = c2c.index[(c2c >= onset) & (c2c.index > peak)] if peak is not None else []
        row = {"peak": peak, "onset": int(hit[0]) if len(hit) else None, "survivors": 0, "ratio": math.nan,
               "low": math.nan, "high": math.nan,
               "early": peak is not None and bool((c2c[c2c.index <= peak] >= onset).any())}
        if row["onset"] is not None:
            top, late = (alive[alive.depth == row[k]] for k in ("peak", "onset"))
            row["survivors"] = len(late)
            for name, part in (("peak", top), ("onset", late)):
                row[f"cv_{name}"] = float(part.cv.median())
                row[f"v3_per_cv_{name}"] = float(part.v3_per_cv.median())
            if len(late) >= min_survivors:
                row["ratio"] = float(late.v3.mean() / top.v3.mean())
                b_top = _resampled_means(top.v3.to_numpy(float), row["peak"])
                b_late = _resampled_means(late.v3.to_numpy(float), row["onset"])
                row["low"], row["high"] = _quantiles(b_late / b_top)
        out[(act, budget)] = row
    return out


def vanishing_ratio(draws: pd.DataFrame) -> pd.Series:
    """Per draw, the backpropagated error at the first hidden layer over that at the last hidden layer,
    ``|dl/db_1| / |dl/db_L|`` at initialisation. Every hidden layer has the same width, so no width correction is
    needed; a ratio far below 1 is a vanishing gradient. NaN where the last hidden layer passes no gradient."""
    return draws.bias_grad_first / draws.bias_grad_last_hidden.where(draws.bias_grad_last_hidden > 0)


def collapse_gradient_table(draws: pd.DataFrame, *, vanishing: float, tau: float, clear: float,
                            min_cell: int = 5) -> pd.DataFrame:
    """Collapse against vanishing gradients, per activation, over the non-dead draws at depths >= 2.

    A draw has a *vanishing gradient* (VG) when :func:`vanishing_ratio` < ``vanishing`` and has *collapsed* when
    its CV < ``tau``. Columns: the four counts of the 2 x 2 table (``vg_c2c``, ``vg_only``, ``c2c_only``,
    ``neither``), the rates P(VG | C2C) and P(VG | no C2C) with Wilson intervals, and the draws that show one
    phenomenon clearly without the other: VG with CV >= ``clear`` x tau (``vg_clear``) and C2C with a ratio
    >= ``clear`` x vanishing (``c2c_clear``). Pooled rates mix depths (deep cells have both more collapse and
    more VG), so ``depths_compared`` counts the (budget, depth) cells with at least ``min_cell`` collapsed and
    ``min_cell`` other draws, and ``depths_apart`` those where the VG rate of the collapsed draws has a Wilson
    interval wholly above the others'.
    """
    rows = []
    ok = draws[(draws.depth >= 2) & ~draws.dead].assign(ratio=vanishing_ratio)
    ok = ok[np.isfinite(ok.ratio)]
    for act, d in ok.groupby("activation", sort=False):
        vg, c2c = d.ratio < vanishing, d.cv < tau
        counts = {"vg_c2c": int((vg & c2c).sum()), "vg_only": int((vg & ~c2c).sum()),
                  "c2c_only": int((~vg & c2c).sum()), "neither": int((~vg & ~c2c).sum())}
        given_c2c, given_not = int(c2c.sum()), int((~c2c).sum())
        compared = apart = 0                       # within one (budget, depth): no depth confounding
        for _, cell in d.groupby(["budget", "depth"]):
            cvg, cc = cell.ratio < vanishing, cell.cv < tau
            if cc.sum() >= min_cell and (~cc).sum() >= min_cell:
                compared += 1
                apart += wilson_interval(int((cvg & cc).sum()), int(cc.sum()))[0] > \
                    wilson_interval(int((cvg & ~cc).sum()), int((~cc).sum()))[1]
        rows.append({"activation": act, **counts, "depths_compared": compared, "depths_apart": int(apart),
                     "vg_given_c2c": counts["vg_c2c"] / given_c2c if given_c2c else math.nan,
                     "vg_given_c2c_ci": wilson_interval(counts["vg_c2c"], given_c2c),
                     "vg_given_no_c2c": counts["vg_only"] / given_not if given_not else math.nan,
                     "vg_given_no_c2c_ci": wilson_interval(counts["vg_only"], given_not),
                     "vg_clear": int((vg & (d.cv >= clear * tau)).sum()),
                     "c2c_clear": int((c2c & (d.ratio >= clear * vanishing)).sum())})
    return pd.DataFrame(rows)


def paired_prediction(draws: pd.DataFrame, runs: pd.DataFrame) -> dict:
    """Does the V3 of a net predict how well **that** net trains? Training run r of an (activation, depth)
    starts from variability draw r, so the two tables pair up. Within each (activation, depth >= 2) cell both the
    V3 and the best accuracy are turned into ranks (fractions in (0, 1]), which removes the depth effect, and the
    ranks of all cells are pooled: :func:`~varlib.core.stats.spearman_interval` of the pooled ranks."""
    budget = runs.budget.iloc[0]
    both = runs[runs.depth >= 2].merge(draws[draws.budget == budget], left_on=["activation", "budget", "depth", "seed"],
                                       right_on=["activation", "budget", "depth", "draw"])
    cells = both.groupby(["activation", "depth"])
    ranked = both.assign(v3_rank=cells.v3.rank(pct=True), acc_rank=cells.best_accuracy.rank(pct=True))
    return spearman_interval(ranked.v3_rank, ranked.acc_rank)


def onset_comparison(summary: pd.DataFrame, *, onset: float) -> tuple | None:
    """At ReLU's collapse onset (its first depth whose collapsed fraction reaches ``onset``), the collapsed
    fractions of ReLU and |x| with their Wilson intervals, from one curve of a summary with columns activation,
    depth, c2c, c2c_low, c2c_high. Returns (depth, relu fraction, relu interval, |x| fraction, |x| interval,
    |x|'s interval wholly below ReLU's), or None when ReLU never gets there or |x| has no row at that depth."""
    relu = summary[summary.activation == "relu"].sort_values("depth")
    hit = relu[relu.c2c >= onset]
    other = summary[summary.activation == "abs"].set_index("depth")
    if not len(hit) or hit.depth.iloc[0] not in other.index:
        return None
    r, o = hit.iloc[0], other.loc[hit.depth.iloc[0]]
    return (int(r.depth), float(r.c2c), (r.c2c_low, r.c2c_high), float(o.c2c), (o.c2c_low, o.c2c_high),
            bool(o.c2c_high < r.c2c_low))
