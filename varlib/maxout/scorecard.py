"""The maxout chapter's scorecard: each verdict computed from the numbers of :mod:`varlib.maxout.training`.

Thresholds (:data:`MAXOUT_THRESHOLDS`): "far below the maximum" asks the mean count at the largest N, for depth
>= 2, to stay below a fraction ``far_below`` of an upper bound on the architecture's maximum
(:func:`varlib.maxout.training.deep_max_regions`); "barely depends on depth" asks the counts at the largest N to
vary by at most ``depth_spread`` across depths; "faster" asks the best of maxout-He, sphere and many-regions to
beat ReLU-He in mean training loss by more than one standard deviation over seeds; "regions increase during
training" is reproduced when the count rises in a fraction ``rise_full`` of the runs, partly at ``rise_part``;
the parameter slice asks for a ratio of at least ``slice_ratio`` between the largest and smallest count and a
correlation of neighbouring counts of at least ``slice_correlation``.
"""
from __future__ import annotations

import pandas as pd

from varlib.book.report import graded, verdict
from varlib.maxout.nets import split_widths
from varlib.maxout.slices import neighbour_correlation
from varlib.maxout.tables import bound_ratios, depth_spread
from varlib.maxout.training import deep_max_regions

__all__ = ["MAXOUT_THRESHOLDS", "maxout_scorecard", "parameter_slice_row"]

#: The thresholds of the maxout verdicts (see the module's docstring).
MAXOUT_THRESHOLDS = {"far_below": 1e-2, "depth_spread": 0.25, "rise_full": 0.75, "rise_part": 0.5,
                     "slice_ratio": 2.0, "slice_correlation": 0.5}


def _demo_row(demo: pd.DataFrame, seeds: pd.DataFrame) -> dict:
    r, d, grid = int(demo.regions[0]), int(demo.db_pieces[0]), int(demo.grid_regions[0])
    exact = (r, d, grid) == (216, 30, 199)
    return {"claim": "authors' demo: K = 2, N = 20, depth 3, box [−3, 3]², their seed-123 draws",
            "paper": "216 regions, 30 DB pieces, grid estimate 199 (code README)",
            "ours": f"{r} regions, {d} DB pieces, grid {grid}; our {len(seeds)} seeds: "
                    f"{seeds.regions.mean():.0f} ± {seeds.regions.std():.0f} regions, "
                    f"{seeds.db_pieces.mean():.0f} ± {seeds.db_pieces.std():.0f} DB pieces",
            "verdict": verdict(exact)}


def _far_below_row(sweep: pd.DataFrame) -> dict:
    ratio = bound_ratios(sweep)
    deep = ratio[ratio.index.get_level_values("depth") >= 2]
    shallow = ratio[ratio.index.get_level_values("depth") == 1]
    ok = float(deep.max()) <= MAXOUT_THRESHOLDS["far_below"] if len(deep) else None
    return {"claim": "practical complexity is far below the maximum",
            "paper": "qualitative (figure values not verified)",
            "ours": f"N = {int(sweep.N.max())}: mean count / upper bound on the maximum ≤ {deep.max():.1e} "
                    "for depth ≥ 2"
                    + (f"; depth 1 reaches {shallow.min():.2f}–{shallow.max():.2f} of its exact maximum"
                       if len(shallow) else ""),
            "verdict": verdict(ok)}


def _depth_row(sweep: pd.DataFrame) -> dict:
    tol, top = MAXOUT_THRESHOLDS["depth_spread"], sweep[sweep.N == sweep.N.max()]
    spread = depth_spread(sweep)
    flat = spread <= tol
    return {"claim": "region counts barely depend on depth (at fixed N)",
            "paper": "qualitative; counts near N²/2 for every depth",
            "ours": f"N = {int(top.N.max())}, depths {sorted(int(d) for d in top.depth.unique())}: (max − min)/mean "
                    "over depths = " + ", ".join(f"{s:.2f} (K = {k})" for k, s in spread.items())
                    + f"; within {tol:.0%} counts as flat",
            "verdict": verdict(bool(flat.all()) if len(spread) else None, bool(flat.any()))}


def _init_row(conv: pd.DataFrame, target: float) -> dict:
    per = conv.groupby(["K", "init"]).mean_loss.agg(["mean", "std"]).reset_index()
    wins, texts = [], []
    for K, d in per.groupby("K"):
        d = d.set_index("init")
        base = d.loc["relu_he"] if "relu_he" in d.index else None
        best = d.drop(index="relu_he", errors="ignore")["mean"].idxmin()
        texts.append(f"K = {K}: fastest {d['mean'].idxmin()}")
        if base is not None:
            wins.append(bool(d.loc[best, "mean"] + d.loc[best, "std"] < base["mean"]))
    ept = conv.groupby("init").epochs_to_target.mean()
    return {"claim": "some initialisations speed up convergence of training",
            "paper": "qualitative; which init beats which not verified",
            "ours": "; ".join(texts) + " (lowest mean training loss); epochs to "
                    f"{target:.0%} test accuracy: " + ", ".join(f"{k} {v:.1f}" for k, v in ept.items()),
            "verdict": verdict(all(wins) if wins else None, any(wins))}


def _training_row(counts: pd.DataFrame) -> dict:
    first, last = counts.epoch.min(), counts.epoch.max()
    per = counts.groupby(["K", "init", "seed"]).apply(
        lambda d: d.loc[d.epoch == last, "regions"].iloc[0] / max(d.loc[d.epoch == first, "regions"].iloc[0], 1),
        include_groups=False)
    frac = float((per > 1).mean())
    return {"claim": "regions in an input slice increase during training",
            "paper": "demo log: 111 → 178 → 193 regions (0, 5, 10 epochs)",
            "ours": f"final/initial count: median {per.median():.2f}; rises in {frac:.0%} of runs",
            "verdict": graded(frac, full=MAXOUT_THRESHOLDS["rise_full"], part=MAXOUT_THRESHOLDS["rise_part"])}


def maxout_scorecard(*, demo: pd.DataFrame, demo_seeds: pd.DataFrame, sweep: pd.DataFrame, conv: pd.DataFrame,
                     slice_counts: pd.DataFrame, target: float) -> list[dict]:
    """Scorecard rows of the maxout chapter, each verdict computed from the numbers.

    ``demo``: :func:`~varlib.maxout.training.authors_demo_counts`; ``demo_seeds``: counts of our seeds in the
    demo setting; ``sweep``: :func:`~varlib.maxout.training.count_cell` rows (maxout-He); ``conv``:
    :func:`~varlib.maxout.training.convergence_table`; ``slice_counts``: slice counts with K, init, seed, epoch;
    ``target``: the test accuracy of ``conv``."""
    return [_demo_row(demo, demo_seeds), _far_below_row(sweep), _depth_row(sweep),
            _training_row(slice_counts), _init_row(conv, target)]


def parameter_slice_row(table: pd.DataFrame, *, K: int, N: int, depth: int = 3) -> dict:
    """Scorecard row for "parameter space has full-dimensional pieces of very different complexity" (the
    paper's abstract; Fig. 1 right), from a :func:`varlib.maxout.slices.parameter_slice_counts` table of K, N,
    depth nets: the largest count on the slice is at least ``slice_ratio`` times the smallest and adjacent grid
    points have counts correlated at least ``slice_correlation`` (patches, not noise). At best "partly
    reproduced": the paper also reports pieces with counts near the maximum, which a random slice does not look
    for; the largest count is reported against the upper bound of
    :func:`varlib.maxout.training.deep_max_regions`."""
    lo, hi = int(table.regions.min()), int(table.regions.max())
    ratio, corr = hi / max(lo, 1), neighbour_correlation(table)
    ok = ratio >= MAXOUT_THRESHOLDS["slice_ratio"] and corr >= MAXOUT_THRESHOLDS["slice_correlation"]
    return {"claim": "parameter space has full-dimensional pieces of very different complexity (Fig. 1 right)",
            "paper": "qualitative (abstract); also pieces near the maximum; figure values not verified",
            "ours": f"K = {K}, N = {N}, depth {depth}, {len(table)} nets on a random 2D slice: {lo}–{hi} regions "
                    f"(×{ratio:.1f}); neighbouring nets correlated r = {corr:.2f}; largest / upper bound on the "
                    f"maximum = {hi / deep_max_regions(split_widths(N, depth), K):.1e} (no piece near it)",
            "verdict": verdict(False, ok, evidence=(corr,))}
