"""The maxout chapter's scorecard: each verdict computed from the numbers of :mod:`varlib.maxout.training`.

Thresholds: "far below the maximum" asks the mean count at the largest N, for depth >= 2, to stay below
1 % of an upper bound on the architecture's maximum (:func:`varlib.maxout.training.deep_max_regions`); "barely depends on
depth" asks the counts at the largest N to vary by at most 25 % across depths; "faster" asks the best of
maxout-He, sphere and many-regions to beat ReLU-He in mean training loss by more than one standard
deviation over seeds.
"""
from __future__ import annotations

import pandas as pd

from varlib.maxout.nets import split_widths
from varlib.maxout.training import deep_max_regions

__all__ = ["maxout_scorecard"]


def _demo_row(demo: pd.DataFrame, grid: int, seeds: pd.DataFrame) -> dict:
    r, d = int(demo.regions[0]), int(demo.db_pieces[0])
    exact = (r, d, grid) == (216, 30, 199)
    return {"claim": "authors' demo: K = 2, N = 20, depth 3, box [−3, 3]², their seed-123 draws",
            "paper": "216 regions, 30 DB pieces, grid estimate 199 (code README)",
            "ours": f"{r} regions, {d} DB pieces, grid {grid}; our {len(seeds)} seeds: "
                    f"{seeds.regions.mean():.0f} ± {seeds.regions.std():.0f} regions, "
                    f"{seeds.db_pieces.mean():.0f} ± {seeds.db_pieces.std():.0f} DB pieces",
            "verdict": "reproduced" if exact else "not reproduced"}


def _far_below_row(sweep: pd.DataFrame) -> dict:
    top = sweep[sweep.N == sweep.N.max()]
    ratio = top.groupby(["K", "depth"]).apply(
        lambda d: d.regions.mean() / deep_max_regions(split_widths(int(d.N.iloc[0]), int(d.name[1])),
                                                      int(d.name[0])), include_groups=False)
    deep = ratio[ratio.index.get_level_values("depth") >= 2]
    shallow = ratio[ratio.index.get_level_values("depth") == 1]
    ok = len(deep) > 0 and float(deep.max()) <= 1e-2
    return {"claim": "practical complexity is far below the maximum",
            "paper": "qualitative (figure values not verified)",
            "ours": f"N = {int(top.N.max())}: mean count / upper bound on the maximum ≤ {deep.max():.1e} for depth ≥ 2"
                    + (f"; depth 1 reaches {shallow.min():.2f}–{shallow.max():.2f} of its exact maximum"
                       if len(shallow) else ""),
            "verdict": ("reproduced" if ok else "not reproduced") if len(deep) else "not tested"}


def _depth_row(sweep: pd.DataFrame, tol: float = 0.25) -> dict:
    top = sweep[sweep.N == sweep.N.max()]
    means = top.groupby(["K", "depth"]).regions.mean().unstack("depth")
    spread = (means.max(axis=1) - means.min(axis=1)) / means.mean(axis=1)
    flat = spread <= tol
    verdict = ("reproduced" if flat.all() else "partly reproduced" if flat.any() else "not reproduced") \
        if means.shape[1] > 1 else "not tested"
    return {"claim": "region counts barely depend on depth (at fixed N)",
            "paper": "qualitative; counts near N²/2 for every depth",
            "ours": f"N = {int(top.N.max())}, depths {list(means.columns)}: (max − min)/mean over depths = "
                    + ", ".join(f"{s:.2f} (K = {k})" for k, s in spread.items()) + f"; within {tol:.0%} counts as flat",
            "verdict": verdict}


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
    verdict = "not tested" if not wins else \
        "reproduced" if all(wins) else "partly reproduced" if any(wins) else "not reproduced"
    return {"claim": "some initialisations speed up convergence of training",
            "paper": "qualitative; which init beats which not verified",
            "ours": "; ".join(texts) + " (lowest mean training loss); epochs to "
                    f"{target:.0%} test accuracy: " + ", ".join(f"{k} {v:.1f}" for k, v in ept.items()),
            "verdict": verdict}


def _training_row(counts: pd.DataFrame) -> dict:
    first, last = counts.epoch.min(), counts.epoch.max()
    per = counts.groupby(["K", "init", "seed"]).apply(
        lambda d: d.loc[d.epoch == last, "regions"].iloc[0] / max(d.loc[d.epoch == first, "regions"].iloc[0], 1),
        include_groups=False)
    frac = float((per > 1).mean())
    return {"claim": "regions in an input slice increase during training",
            "paper": "demo log: 111 → 178 → 193 regions (0, 5, 10 epochs)",
            "ours": f"final/initial count: median {per.median():.2f}; rises in {frac:.0%} of runs",
            "verdict": "reproduced" if frac >= 0.75 else "partly reproduced" if frac >= 0.5 else "not reproduced"}


def maxout_scorecard(demo: pd.DataFrame, demo_grid: int, demo_seeds: pd.DataFrame, sweep: pd.DataFrame,
                     conv: pd.DataFrame, slice_counts: pd.DataFrame, target: float) -> list[dict]:
    """Scorecard rows of the maxout chapter, each verdict computed from the numbers.

    ``demo``: :func:`count_regions` of the authors' demo net; ``demo_grid``: its 300 x 300 grid count;
    ``demo_seeds``: counts of our seeds in the demo setting; ``sweep``: :func:`count_cell` rows (maxout-He);
    ``conv``: :func:`convergence_table`; ``slice_counts``: slice counts with K, init, seed, epoch."""
    return [_demo_row(demo, demo_grid, demo_seeds), _far_below_row(sweep), _depth_row(sweep),
            _training_row(slice_counts), _init_row(conv, target)]
