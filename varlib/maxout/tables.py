"""Tables the maxout chapter shows: each one summarises a computed table of :mod:`varlib.maxout.training` or
:mod:`varlib.maxout.slices` for the reader (means over networks or seeds, rounded for display)."""
from __future__ import annotations

import numpy as np
import pandas as pd

from varlib.maxout.growth import depth_changes, estimate_text, growth_slopes, speed_gaps
from varlib.maxout.nets import split_widths
from varlib.maxout.training import deep_max_regions

__all__ = ["region_stats", "bound_ratios", "growth_table", "depth_change_table", "depth_summary", "init_region_table",
           "slice_region_table", "speed_gap_table", "convergence_means"]


def region_stats(table: pd.DataFrame) -> pd.DataFrame:
    """Mean, standard deviation, minimum and maximum over networks of the activation regions, linear regions
    and DB pieces of a count table (one row per network), rounded to one decimal."""
    stats = table[["regions", "linear_regions", "db_pieces"]].describe()
    return stats.loc[["mean", "std", "min", "max"]].round(1)


def bound_ratios(sweep: pd.DataFrame) -> pd.Series:
    """Per (K, depth) at the largest N of a count sweep: the mean number of regions divided by the upper bound
    on the architecture's maximum (:func:`varlib.maxout.training.deep_max_regions`; for depth 1 the exact
    maximum)."""
    N = int(sweep.N.max())
    means = sweep[sweep.N == N].groupby(["K", "depth"]).regions.mean()
    bounds = [deep_max_regions(split_widths(N, int(d)), int(K)) for K, d in means.index]
    return (means / bounds).rename("regions / upper bound")


def growth_table(sweeps: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """Per labelled count sweep and (K, depth): the exponent in N of the mean regions and of the mean DB pieces
    with their 95 % bootstrap intervals (:func:`varlib.maxout.growth.growth_slopes`), as "slope [low, high]"
    text; ``sweeps`` maps a label (the input, the unit) to a sweep."""
    parts = []
    for label, sweep in sweeps.items():
        g = {c: growth_slopes(sweep, c) for c in ("regions", "db_pieces")}
        parts.append(pd.DataFrame({
            "counted in": label, "K": g["regions"].K, "depth": g["regions"].depth,
            "regions ~ N^": [estimate_text(r.slope, r.low, r.high) for r in g["regions"].itertuples()],
            "DB pieces ~ N^": [estimate_text(r.slope, r.low, r.high) for r in g["db_pieces"].itertuples()]}))
    return pd.concat(parts, ignore_index=True).set_index(["counted in", "K", "depth"])


def depth_change_table(sweep: pd.DataFrame) -> pd.DataFrame:
    """Per K at the largest N: the relative change of the mean regions from the shallowest to the deepest
    networks with its 95 % bootstrap interval (:func:`varlib.maxout.growth.depth_changes`), rounded."""
    return depth_changes(sweep).set_index("K").round(2)


def depth_summary(sweep: pd.DataFrame) -> pd.DataFrame:
    """Per (K, depth) at the largest N of a count sweep: the mean regions and DB pieces over networks (rounded)
    and the upper bound on the maximum number of regions of that architecture."""
    N = int(sweep.N.max())
    summary = sweep[sweep.N == N].groupby(["K", "depth"])[["regions", "db_pieces"]].mean().round(0)
    summary["upper bound"] = [deep_max_regions(split_widths(N, int(d)), int(K)) for K, d in summary.index]
    return summary


def init_region_table(table: pd.DataFrame) -> pd.DataFrame:
    """Mean and standard deviation over networks of the regions per rank K (rows) and initialisation
    (columns), rounded."""
    return table.groupby(["K", "init"]).regions.agg(["mean", "std"]).round(0).unstack("init")


def slice_region_table(counts: pd.DataFrame) -> pd.DataFrame:
    """Mean over seeds of the regions and DB pieces in the input slice per (K, init) (rows) and epoch
    (columns), rounded."""
    return counts.groupby(["K", "init", "epoch"])[["regions", "db_pieces"]].mean().round(0).unstack("epoch")


def speed_gap_table(conv: pd.DataFrame) -> pd.DataFrame:
    """Per (K, init) of :func:`varlib.maxout.training.convergence_table`, over the runs that did not diverge: the
    gap in mean training loss, maxout-He minus sphere or many-regions, with its 95 % bootstrap interval over seeds
    (:func:`varlib.maxout.growth.speed_gaps`; > 0: the init trains faster), rounded."""
    ok = conv[~conv.diverged.astype(bool) & np.isfinite(conv.mean_loss.to_numpy(dtype=float))]
    return speed_gaps(ok).set_index(["K", "init"]).round(3)


def convergence_means(conv: pd.DataFrame) -> pd.DataFrame:
    """Mean over seeds of :func:`varlib.maxout.training.convergence_table` per (K, init): epochs to the target
    accuracy, mean training loss and final test accuracy, rounded to three decimals."""
    return conv.groupby(["K", "init"])[["epochs_to_target", "mean_loss", "final_acc"]].mean().round(3)
