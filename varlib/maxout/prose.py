"""The numbers and words the maxout chapter's prose reads, computed from the chapter's tables.

Each ``*_facts`` function returns ``{glue name: value}`` for :func:`varlib.glue`: numbers raw (the prose formats
them) and sentences chosen from the computed outcome, so the text holds for every profile and override. Glue
names start with ``maxout-``. Initialisations are named as in the text: ReLU-He, maxout-He, sphere,
many-regions.
"""
from __future__ import annotations

import math

import numpy as np
import pandas as pd

from varlib.book.report import listing, phrase
from varlib.core.data import Dataset
from varlib.maxout.nets import split_widths
from varlib.maxout.scorecard import MAXOUT_THRESHOLDS
from varlib.maxout.slices import neighbour_correlation
from varlib.maxout.growth import MIN_SAMPLES, SLOPE_TOL, depth_changes
from varlib.maxout.tables import bound_ratios
from varlib.maxout.training import MAXOUT_CHANCE_MARGIN, MAXOUT_DIVERGENCE_FACTOR, deep_max_regions

__all__ = ["demo_facts", "count_sweep_facts", "theta_slice_facts", "training_data_facts", "slice_training_facts",
           "init_speed_facts", "threshold_facts", "CHANGE_TOLERANCE"]

_NAMES = {"relu_he": "ReLU-He", "maxout_he": "maxout-He", "sphere": "sphere", "many_regions": "many-regions"}

#: Relative change below which a count "stays flat" in the training sentences (10 %).
CHANGE_TOLERANCE = 0.1


def _name(init: str) -> str:
    return _NAMES.get(init, init)


def _slope(x, y) -> float:
    """Least-squares slope of log y against log x (NaN with fewer than two distinct x)."""
    x, y = np.log(np.asarray(x, dtype=float)), np.log(np.asarray(y, dtype=float))
    return float(np.polyfit(x, y, 1)[0]) if len(np.unique(x)) >= 2 else float("nan")


def _range(values) -> tuple[float, float]:
    v = [float(x) for x in values if not math.isnan(float(x))]
    return (min(v), max(v)) if v else (float("nan"), float("nan"))


# ----------------------------------------------------------------------------- the authors' demo and our seeds
def demo_facts(demo: pd.DataFrame, seeds: pd.DataFrame) -> dict:
    """The authors' demo counts (:func:`~varlib.maxout.training.authors_demo_counts`) against our nets in the same
    setting (``seeds``, one row per net): where the demo's region count sits among ours (the fraction of our nets
    with fewer regions picks the words), and whether activation and linear regions coincide for our nets."""
    r = int(demo.regions[0])
    below = float((seeds.regions < r).mean())
    same = float((seeds.linear_regions == seeds.regions).mean())
    linear = ("coincide for every one of these random networks: every region has its own affine map"
              if same == 1 else f"coincide for {same:.0%} of these random networks; in the others, adjacent "
              "regions share an affine map and merge into one linear region")
    return {"maxout-demo-regions": r, "maxout-demo-db": int(demo.db_pieces[0]),
            "maxout-demo-grid": int(demo.grid_regions[0]), "maxout-seeds-nets": len(seeds),
            "maxout-seeds-mean": float(seeds.regions.mean()), "maxout-seeds-std": float(seeds.regions.std()),
            "maxout-seeds-max": int(seeds.regions.max()), "maxout-demo-above": below,
            "maxout-demo-position": phrase(below, low=0.25, high=0.75, below="sits near the bottom of",
                                           between="sits among", above="sits near the top of"),
            "maxout-demo-kind": phrase(below, low=0.25, high=0.75, below="a poor network, not a typical one",
                                       between="a typical network", above="a rich network, not a typical one"),
            "maxout-linear-words": linear}


# ----------------------------------------------------------------------------- counts against N, depth and K
def _depth_sentence(sweep: pd.DataFrame) -> str:
    """Per rank at the largest N (:func:`~varlib.maxout.growth.depth_changes`): flat across depths (the interval of
    the change from the shallowest to the deepest networks within the scorecard's tolerance), more regions in the
    shallow or in the deep networks (the interval outside it), or too noisy to tell."""
    ch = depth_changes(sweep)
    if ch.empty:
        return "With a single depth, the sweep cannot show how the count depends on depth."
    tol = MAXOUT_THRESHOLDS["depth_change"]
    groups: dict[str, list[str]] = {"flat": [], "shallow": [], "deep": [], "unclear": []}
    for r in ch.itertuples():
        kind = ("flat" if -tol <= r.low and r.high <= tol else "shallow" if r.high < -tol else
                "deep" if r.low > tol else "unclear")
        groups[kind].append(str(r.K))
    words = {"flat": "the count hardly moves with depth",
             "shallow": "the shallow networks have more regions in this box than the deep ones",
             "deep": "the deep networks have more regions in this box than the shallow ones",
             "unclear": "the networks are too few to tell"}
    parts = [f"for rank{'s' if len(ks) > 1 else ''} {listing(ks)} {words[kind]}" for kind, ks in groups.items() if ks]
    text = "; ".join(parts)
    return text[0].upper() + text[1:] + "."


def count_sweep_facts(sweep: pd.DataFrame, bounds: pd.DataFrame) -> dict:
    """From a count sweep (:func:`~varlib.maxout.training.count_cell` rows) and its bound curves
    (:func:`~varlib.maxout.training.bound_curves`): the fitted growth exponents of the mean region count in N
    (per K and depth) and of the mean DB pieces at depth 1 (per K), how many powers of ten the full bound lies
    above the largest mean count at every (K, N), the fraction of nets of depth >= 2 whose boundary misses the
    box, the sentence on depth, and the ratios of the counts to the maximum at the largest N."""
    means = sweep.groupby(["K", "depth", "N"])[["regions", "db_pieces"]].mean().reset_index()
    slopes = [_slope(d.N, d.regions.clip(lower=0.5)) for _, d in means.groupby(["K", "depth"])]
    shallow = means[means.depth == 1]
    db_slopes = [_slope(d.N, d.db_pieces.clip(lower=0.5)) for _, d in shallow.groupby("K")]
    full = bounds[(bounds.quantity == "regions") & (bounds.curve == "full")]
    full = full.assign(N=full.N.astype(int)).set_index(["K", "N"]).value
    peak = means.groupby(["K", "N"]).regions.max()
    gap = np.log10(full.reindex(peak.index).to_numpy() / peak.clip(lower=0.5).to_numpy())
    deep = sweep[sweep.depth >= 2]
    miss = float((deep.db_pieces == 0).mean()) if len(deep) else float("nan")
    ratio = bound_ratios(sweep)
    levels = ratio.index.get_level_values("depth")
    lo, hi = _range(slopes)
    mid = (lo + hi) / 2
    return {"maxout-region-slope-min": lo, "maxout-region-slope-max": hi,
            "maxout-region-slope-words": "no growth exponent can be fitted" if math.isnan(mid) else
            phrase(mid, low=1.5, high=2.5, below="below the power two of the bounds",
                   between="close to the power two of the bounds", above="above the power two of the bounds"),
            "maxout-bound-gap": int(math.floor(np.nanmin(gap))) if np.isfinite(gap).any() else float("nan"),
            "maxout-db-slope-min": _range(db_slopes)[0], "maxout-db-slope-max": _range(db_slopes)[1],
            "maxout-deep-db-miss": miss,
            "maxout-deep-db-words": "is undefined" if math.isnan(miss) else
            phrase(miss, low=0.1, high=0.5, below="rarely", between="often", above="mostly"),
            "maxout-depth-words": _depth_sentence(sweep),
            "maxout-top-units": int(sweep.N.max()),
            "maxout-shallow-min": _range(ratio[levels == 1])[0], "maxout-shallow-max": _range(ratio[levels == 1])[1],
            "maxout-deep-ratio": _range(ratio[levels >= 2])[1]}


# ----------------------------------------------------------------------------- the slice of parameter space
def theta_slice_facts(table: pd.DataFrame, *, K: int, N: int, depth: int) -> dict:
    """From a :func:`~varlib.maxout.slices.parameter_slice_counts` table of rank-K, N-unit, depth-``depth`` nets:
    the widths, the smallest and largest count and their ratio, the correlation of neighbouring counts, the
    largest count against the upper bound on the maximum, and the sentences that read them (with the
    scorecard's thresholds)."""
    lo, hi = int(table.regions.min()), int(table.regions.max())
    ratio, corr = hi / max(lo, 1), neighbour_correlation(table)
    strong, patches = ratio >= MAXOUT_THRESHOLDS["slice_ratio"], corr >= MAXOUT_THRESHOLDS["slice_correlation"]
    near = hi / deep_max_regions(split_widths(N, depth), K)
    point = "holds" if strong and patches else "does not show"
    return {"maxout-theta-widths": listing([str(n) for n in split_widths(N, depth)]),
            "maxout-theta-min": lo, "maxout-theta-max": hi, "maxout-theta-ratio": ratio, "maxout-theta-corr": corr,
            "maxout-theta-words": ("varying strongly" if strong else "varying little")
            + (", in patches" if patches else ", without patches"),
            "maxout-theta-point": f"This {point} the paper's point that parameter space holds full-dimensional "
                                  "pieces of very different complexity.",
            "maxout-theta-near": near,
            "maxout-theta-near-words": "pieces of near-maximal complexity, which the paper also reports, are not "
                                       "found by a random slice" if near < MAXOUT_THRESHOLDS["far_below"] else
                                       "this slice reaches close to the pieces of near-maximal complexity that "
                                       "the paper also reports"}


# ----------------------------------------------------------------------------- training
def training_data_facts(data: Dataset) -> dict:
    """The data set the chapter trains on: its name and sizes."""
    return {"maxout-data-name": data.name, "maxout-train-images": len(data.y_train),
            "maxout-test-images": len(data.y_test), "maxout-input-dim": data.dim}


def _trend(first: float, mid: float, last: float, tol: float) -> str:
    """'rises', 'recovers' (falls at first, then partly recovers), 'falls' or 'flat' (within ``tol``) for the
    counts at epoch 0, at the first checkpoint and at the last."""
    if last > first * (1 + tol):
        return "rises"
    if mid < first * (1 - tol) and last > mid:
        return "recovers"
    return "falls" if last < first * (1 - tol) else "flat"


def slice_training_facts(counts: pd.DataFrame, tol: float = CHANGE_TOLERANCE) -> dict:
    """From the slice counts during training (columns K, init, seed, epoch, regions, db_pieces): the first
    checkpoint after epoch 0, and two sentences. DB pieces: does the boundary gain pieces (by more than ``tol``
    relative) between epoch 0 and the first checkpoint, per (K, init)? Regions: does the mean count rise over the
    run, fall, fall at first and partly recover, or stay within ``tol``? A rising run that starts with fewer than
    half the median initial count of its rank is marked."""
    mean = counts.groupby(["K", "init", "epoch"])[["regions", "db_pieces"]].mean()
    epochs = sorted(counts.epoch.unique())
    first_epoch = int(epochs[1]) if len(epochs) > 1 else int(epochs[0])
    db: dict[str, list[str]] = {"gains": [], "flat": [], "loses": []}
    reg: dict[str, list[str]] = {"rises": [], "recovers": [], "falls": [], "flat": []}
    for (K, init), d in mean.groupby(level=["K", "init"]):
        d = d.droplevel(["K", "init"])
        label = f"{_name(init)} at K = {K}"
        d0, d1 = d.db_pieces.iloc[0], d.loc[first_epoch, "db_pieces"]
        db["gains" if d1 > d0 * (1 + tol) else "loses" if d1 < d0 * (1 - tol) else "flat"].append(label)
        kind = _trend(d.regions.iloc[0], d.loc[first_epoch, "regions"], d.regions.iloc[-1], tol)
        start = mean.xs(epochs[0], level="epoch").regions.xs(K, level="K")
        if kind == "rises" and d.regions.iloc[0] < 0.5 * start.median():
            label += " (which starts with far fewer regions than the others)"
        reg[kind].append(label)
    runs = sum(len(v) for v in db.values())
    other = {"flat": f"which stays within {tol:.0%}", "loses": "which loses pieces"}
    if len(db["gains"]) == runs:
        db_text = "the decision boundary gains pieces for every initialisation and rank"
    elif 2 * len(db["gains"]) >= runs:
        but = [f"{label}, {other[k]}" if len(db[k]) == 1 else label for k in ("flat", "loses") for label in db[k]]
        db_text = f"the decision boundary gains pieces for every initialisation and rank but {listing(but)}"
    else:
        parts = [f"gains pieces for {listing(db['gains'])}"] if db["gains"] else []
        parts += [f"stays within {tol:.0%} for {listing(db['flat'])}"] if db["flat"] else []
        parts += [f"loses pieces for {listing(db['loses'])}"] if db["loses"] else []
        db_text = "the decision boundary " + "; it ".join(parts)
    if 2 * len(db["gains"]) >= runs:
        db_text += ", as the classifier learns to separate the three slice classes"
    words = {"rises": "rises over the run for", "recovers": "falls at first and partly recovers for",
             "falls": "falls for", "flat": f"stays within {tol:.0%} for"}
    reg_text = "; it ".join(f"{words[k]} {listing(v)}" for k, v in reg.items() if v)
    return {"maxout-first-checkpoint": first_epoch,
            "maxout-slice-db-words": f"Between epoch 0 and epoch {first_epoch} {db_text}.",
            "maxout-slice-region-words": f"The number of regions in the slice {reg_text}."}


def init_speed_facts(conv: pd.DataFrame, init_table: pd.DataFrame) -> dict:
    """From :func:`~varlib.maxout.training.convergence_table` and the counts at initialisation per (K, init):
    the epochs each initialisation needs to reach the target (mean over seeds, range over ranks), the fastest and
    slowest initialisation per rank by mean training loss, and whether the slowest one of a rank is also the one
    with the fewest regions at initialisation there. Runs that diverged (the ``diverged`` column, or a NaN or
    infinite mean loss) are left out of all of it, and the text says how many there were."""
    losses = conv.mean_loss.to_numpy(dtype=float)
    bad = ~np.isfinite(losses) | (conv.diverged.to_numpy(dtype=bool) if "diverged" in conv else False)
    failed = (f"{int(bad.sum())} of the {len(conv)} training runs diverged and are left out. " if bad.any()
              else "")
    conv = conv[~bad]
    if conv.empty:
        return {"maxout-speed-words": failed + "No run is left to compare the initialisations."}
    per = conv.groupby(["K", "init"]).agg(epochs=("epochs_to_target", "mean"), loss=("mean_loss", "mean"))
    reached, never = [], []
    for init, d in per.groupby(level="init"):
        lo, hi = _range(d.epochs)
        if math.isnan(lo):
            never.append(_name(init))
        else:
            reached.append((lo, _name(init), f"{lo:.1f}" if lo == hi else f"{lo:.1f} to {hi:.1f}"))
    reached.sort()
    if reached:
        text = listing([f"{reached[0][1]} reaches the target accuracy in {reached[0][2]} epochs"]
                     + [f"{name} in {epochs}" for _, name, epochs in reached[1:]])
        text = text[0].upper() + text[1:] + " (mean over seeds; ranges over the trained ranks)"
        if never:
            text += f"; {listing(never)} {'does' if len(never) == 1 else 'do'} not reach it"
        text += ". "
    else:
        text = "No initialisation reaches the target accuracy. "
    fast, slow, fewest = [], [], []
    regions = init_table.groupby(["K", "init"]).regions.mean()
    for K, d in per.groupby(level="K"):
        d = d.droplevel("K")
        fast.append(f"{_name(d.loss.idxmin())} at K = {K}")
        slow.append(f"{_name(d.loss.idxmax())} at K = {K}")
        if K in regions.index.get_level_values("K") and regions.xs(K, level="K").idxmin() == d.loss.idxmax():
            fewest.append(f"{_name(d.loss.idxmax())} at K = {K}")
    text += f"By mean training loss the fastest is {listing(fast)}, the slowest {listing(slow)}."
    if fewest:
        verb, rank = ("has", "that rank") if len(fewest) == 1 else ("have", "their ranks")
        text += (f" The slowest, {listing(fewest)}, also {verb} the fewest regions at initialisation at {rank} "
                 "(table of initialisations above).")
    return {"maxout-speed-words": failed + text}


def threshold_facts() -> dict:
    """The scorecard's thresholds (:data:`varlib.maxout.scorecard.MAXOUT_THRESHOLDS`,
    :data:`varlib.maxout.growth.SLOPE_TOL`, :data:`~varlib.maxout.growth.MIN_SAMPLES`) and the rules for a failed
    training run (:data:`varlib.maxout.training.MAXOUT_DIVERGENCE_FACTOR` and
    :data:`~varlib.maxout.training.MAXOUT_CHANCE_MARGIN`), for the text that explains the verdicts."""
    return {**{f"maxout-threshold-{k.replace('_', '-')}": v for k, v in MAXOUT_THRESHOLDS.items()},
            "maxout-divergence-factor": MAXOUT_DIVERGENCE_FACTOR, "maxout-chance-margin": MAXOUT_CHANCE_MARGIN,
            "maxout-slope-tol": SLOPE_TOL, "maxout-min-samples": MIN_SAMPLES}
