"""Tables the maxout chapter shows: each one summarises a computed table of :mod:`varlib.maxout.training` or
:mod:`varlib.maxout.slices` for the reader (means over networks or seeds, rounded for display)."""
from __future__ import annotations

import pandas as pd

from varlib.maxout.nets import split_widths
from varlib.maxout.training import deep_max_regions

__all__ = ["region_stats", "bound_ratios", "depth_spread", "depth_summary", "init_region_table", "slice_region_table",
           "convergence_means"]


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


def depth_spread(sweep: pd.DataFrame) -> pd.Series:
    """Per K at the largest N of a count sweep: (max - min) / mean over depths of the mean number of regions
    (0 when the count does not depend on depth). Empty when the sweep has a single depth."""
    top = sweep[sweep.N == sweep.N.max()]
    means = top.groupby(["K", "depth"]).regions.mean().unstack("depth")
    if means.shape[1] < 2:
        return pd.Series(dtype=float, name="depth spread")
    return ((means.max(axis=1) - means.min(axis=1)) / means.mean(axis=1)).rename("depth spread")


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


def convergence_means(conv: pd.DataFrame) -> pd.DataFrame:
    """Mean over seeds of :func:`varlib.maxout.training.convergence_table` per (K, init): epochs to the target
    accuracy, mean training loss and final test accuracy, rounded to three decimals."""
    return conv.groupby(["K", "init"])[["epochs_to_target", "mean_loss", "final_acc"]].mean().round(3)
