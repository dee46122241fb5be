"""The maxout chapter's scorecard: each verdict computed from the numbers of :mod:`varlib.maxout.training`.

Thresholds (:data:`MAXOUT_THRESHOLDS`): "far below the maximum" asks the mean count at the largest N, for depth
>= 2, to stay below a fraction ``far_below`` of an upper bound on the architecture's maximum
(:func:`varlib.maxout.training.deep_max_regions`); "barely depends on depth" asks the counts at the largest N to
vary by at most ``depth_spread`` across depths; "faster" asks the best of maxout-He, sphere and many-regions to
beat ReLU-He in mean training loss by more than one standard deviation over seeds; "regions increase during
training" is reproduced when the count rises in a fraction ``rise_full`` of the runs, partly at ``rise_part``;
the parameter slice asks for a ratio of at least ``slice_ratio`` between the largest and smallest count and a
correlation of neighbouring counts of at least ``slice_correlation``.

The two training rows report how many runs diverged and how many sit at chance (the ``diverged`` and
``at_chance`` columns of :func:`varlib.maxout.training.convergence_table`) and are "not tested" unless a fraction
``min_trained`` of the runs trained (neither diverged nor at chance). "Regions increase during training" is a
claim about training that learns, so it counts only the runs that trained; "faster" compares the mean training
losses of the runs that did not diverge (a run stuck at chance is a slow run, a diverged run has no comparable
loss), and a rank whose ReLU-He runs all diverged gives no evidence.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from varlib.book.report import verdict
from varlib.maxout.nets import split_widths
from varlib.maxout.slices import neighbour_correlation
from varlib.maxout.tables import bound_ratios, depth_spread
from varlib.maxout.training import deep_max_regions

__all__ = ["MAXOUT_THRESHOLDS", "maxout_scorecard", "parameter_slice_row"]

#: The thresholds of the maxout verdicts (see the module's docstring).
MAXOUT_THRESHOLDS = {"far_below": 1e-2, "depth_spread": 0.25, "rise_full": 0.75, "rise_part": 0.5,
                     "slice_ratio": 2.0, "slice_correlation": 0.5, "min_trained": 0.5}


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


def _health(conv: pd.DataFrame) -> tuple[pd.Series, pd.Series, str, bool]:
    """Per run (K, init, seed) of a convergence table: did it diverge (a NaN or infinite mean loss counts as
    diverged too), did it train (neither diverged nor at chance); the text "(diverged d/n, at chance c/n)"; and
    whether enough runs trained to test a claim."""
    runs = conv.set_index(["K", "init", "seed"])
    diverged = runs.diverged.astype(bool) | ~np.isfinite(runs.mean_loss.to_numpy(dtype=float))
    at_chance = runs.at_chance.astype(bool)
    trained = ~diverged & ~at_chance
    n = len(runs)
    enough = n > 0 and trained.sum() >= MAXOUT_THRESHOLDS["min_trained"] * n
    return diverged, trained, f" (diverged {diverged.sum()}/{n}, at chance {at_chance.sum()}/{n})", bool(enough)


def _init_row(conv: pd.DataFrame, target: float) -> dict:
    diverged, trained, failures, enough = _health(conv)
    ok_runs = conv[~diverged.to_numpy()]
    per = ok_runs.groupby(["K", "init"]).mean_loss.agg(["mean", "std"]).reset_index()
    wins, texts, evidence = [], [], []
    for K, d in per.groupby("K"):
        d = d.set_index("init")
        base = d.loc["relu_he"] if "relu_he" in d.index else None
        others = d.drop(index="relu_he", errors="ignore")
        texts.append(f"K = {K}: fastest {d['mean'].idxmin()}")
        if base is not None and len(others):
            best = others["mean"].idxmin()
            wins.append(bool(d.loc[best, "mean"] + d.loc[best, "std"] < base["mean"]))
            evidence += [base["mean"], d.loc[best, "mean"]]
    ept = ok_runs.groupby("init").epochs_to_target.mean()
    ours = ("; ".join(texts) + " (lowest mean training loss); epochs to "
            f"{target:.0%} test accuracy: " + ", ".join(f"{k} {v:.1f}" for k, v in ept.items())
            if enough else f"too few runs trained to compare ({trained.sum()}/{len(trained)})")
    return {"claim": "some initialisations speed up convergence of training",
            "paper": "qualitative; which init beats which not verified",
            "ours": ours + failures,
            "verdict": verdict(all(wins) if wins and enough else None, any(wins), evidence=evidence)}


def _training_row(counts: pd.DataFrame, conv: pd.DataFrame) -> dict:
    _, trained, failures, enough = _health(conv)
    first, last = counts.epoch.min(), counts.epoch.max()
    per = counts.groupby(["K", "init", "seed"]).apply(
        lambda d: d.loc[d.epoch == last, "regions"].iloc[0] / max(d.loc[d.epoch == first, "regions"].iloc[0], 1),
        include_groups=False)
    runs = len(per)
    per = per[trained.reindex(per.index, fill_value=False).to_numpy()]   # a run missing from conv: no evidence
    frac = float((per > 1).mean()) if enough and len(per) else float("nan")
    if enough:
        ours = (f"final/initial count: median {per.median():.2f}; rises in {frac:.0%} of runs"
                + (f" that trained ({len(per)}/{runs})" if len(per) < runs else ""))
    else:
        ours = f"too few runs trained to judge ({int(trained.sum())}/{len(trained)})"
    return {"claim": "regions in an input slice increase during training",
            "paper": "demo log: 111 → 178 → 193 regions (0, 5, 10 epochs)",
            "ours": ours + failures,
            "verdict": verdict(frac >= MAXOUT_THRESHOLDS["rise_full"], frac >= MAXOUT_THRESHOLDS["rise_part"],
                               evidence=[frac])}


def maxout_scorecard(*, demo: pd.DataFrame, demo_seeds: pd.DataFrame, sweep: pd.DataFrame, conv: pd.DataFrame,
                     slice_counts: pd.DataFrame, target: float) -> list[dict]:
    """Scorecard rows of the maxout chapter, each verdict computed from the numbers.

    ``demo``: :func:`~varlib.maxout.training.authors_demo_counts`; ``demo_seeds``: counts of our seeds in the
    demo setting; ``sweep``: :func:`~varlib.maxout.training.count_cell` rows (maxout-He); ``conv``:
    :func:`~varlib.maxout.training.convergence_table` (one row per training run, with its ``diverged`` and
    ``at_chance`` flags); ``slice_counts``: slice counts with K, init, seed, epoch of the same runs; ``target``:
    the test accuracy of ``conv``. The two training rows are "not tested" when too few runs trained (see the
    module's docstring)."""
    return [_demo_row(demo, demo_seeds), _far_below_row(sweep), _depth_row(sweep),
            _training_row(slice_counts, conv), _init_row(conv, target)]


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
