"""The maxout chapter's scorecard: each verdict computed from the numbers of :mod:`varlib.maxout.training` and
:mod:`varlib.maxout.growth`, with the intervals those give.

Thresholds (:data:`MAXOUT_THRESHOLDS`, :data:`varlib.maxout.growth.SLOPE_TOL`):

* growth in N: the fitted exponent of the mean count against N is the predicted degree (n0 = 2 for regions,
  n0 - 1 = 1 for decision-boundary pieces) within ``SLOPE_TOL``; reproduced when every bootstrap interval lies in
  that band, partly when every estimate does;
* depth: at the largest N, the count of the deepest networks against the shallowest changes by at most
  ``depth_change``; per rank "flat" (the interval inside +-``depth_change``), "depends" (the interval outside it)
  or unresolved; reproduced when every rank is flat, not reproduced when none is and one depends, "not tested"
  when every rank is unresolved, partly otherwise;
* faster training: sphere or many-regions against maxout-He, the initialisation they change (the gap in mean
  training loss over the loss curve, with a bootstrap interval over seeds); per rank "faster" when one of them
  has a gap interval above 0, "slower" when both lie below 0; reproduced when every rank is faster, not
  reproduced when none is and one is slower, "not tested" when every rank is unresolved;
* regions increase during training: the count rises in a fraction ``rise_full`` of the runs (``rise_part``:
  partly).

The two training rows report how many runs diverged and how many sit at chance (the ``diverged`` and
``at_chance`` columns of :func:`varlib.maxout.training.convergence_table`) and are "not tested" unless a fraction
``min_trained`` of the runs trained (neither diverged nor at chance). "Regions increase during training" is a
claim about training that learns, so it counts only the runs that trained; "faster" compares the mean training
losses of the runs that did not diverge (a run stuck at chance is a slow run, a diverged run has no comparable
loss). The parameter slice is a demonstration: a random slice of a continuous family of networks always shows a
range of counts in patches, so no result could refute it.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from varlib.book.report import demonstration, verdict
from varlib.maxout.growth import (SLOPE_TOL, depth_changes, estimate_text, fixed_width_slopes, growth_slopes,
                                  speed_gaps)
from varlib.maxout.nets import split_widths
from varlib.maxout.slices import neighbour_correlation
from varlib.maxout.tables import bound_ratios
from varlib.maxout.training import deep_max_regions

__all__ = ["MAXOUT_THRESHOLDS", "maxout_scorecard", "parameter_slice_row"]

#: The thresholds of the maxout verdicts (see the module's docstring).
MAXOUT_THRESHOLDS = {"far_below": 1e-2, "depth_change": 0.25, "rise_full": 0.75, "rise_part": 0.5,
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


def _slope_verdict(slopes: pd.DataFrame, degree: int) -> str:
    """Reproduced when every interval lies within SLOPE_TOL of ``degree``, partly when every estimate does."""
    if slopes.empty or slopes[["slope", "low", "high"]].isna().any().any():
        return verdict(None)
    inside = (slopes.low >= degree - SLOPE_TOL) & (slopes.high <= degree + SLOPE_TOL)
    near = (slopes.slope - degree).abs() <= SLOPE_TOL
    return verdict(bool(inside.all()), bool(near.all()))


def _slope_text(slopes: pd.DataFrame) -> str:
    return "; ".join(f"K = {r.K}, depth {r.depth}: {estimate_text(r.slope, r.low, r.high)}"
                     for r in slopes.itertuples())


def _growth_row(sweep: pd.DataFrame, slices: pd.DataFrame | None = None, relu: pd.DataFrame | None = None) -> dict:
    slopes, ratio = growth_slopes(sweep), bound_ratios(sweep)
    shallow, deep = (ratio[ratio.index.get_level_values("depth") == 1],
                     ratio[ratio.index.get_level_values("depth") >= 2])
    context = (f"; at N = {int(sweep.N.max())} depth 1 reaches {shallow.min():.2f}–{shallow.max():.2f} of its exact "
               "maximum" if len(shallow) else "") + (f", deeper nets ≤ {deep.max():.1e} of the bound on theirs"
                                                     if len(deep) else "")
    graded, text = slopes, "2-D input: " + _slope_text(slopes)
    if slices is not None and len(slices):
        s = growth_slopes(slices)
        graded, text = pd.concat([slopes, s], ignore_index=True), text + "; slice of the images: " + _slope_text(s)
    if relu is not None and len(relu):
        r = growth_slopes(relu)
        text += "; ReLU baseline (not graded): " + ", ".join(f"depth {x.depth}: {x.slope:.2f}" for x in r.itertuples())
    return {"claim": "regions grow like $N^{n_0} = N^2$ at every depth: far below the maximum, exponential in depth",
            "paper": "expected regions ≤ a degree-n0 polynomial in N (Thm. 9); maximum exponential in depth",
            "ours": f"exponent of the mean count in N [95 % interval], within {SLOPE_TOL:g} of 2: " + text + context,
            "verdict": _slope_verdict(graded, 2)}


def _depth_growth_row(sweep: pd.DataFrame) -> dict:
    fw = fixed_width_slopes(sweep)
    top = 2 + SLOPE_TOL
    ok = None if fw.empty or fw[["low", "high"]].isna().any().any() else bool((fw.high <= top).all())
    return {"claim": "at a fixed width, regions grow polynomially in the depth $D$ (at most like $D^{n_0}$), "
                     "not exponentially",
            "paper": "Thm. 9 at N = width × depth; the maximum grows exponentially with depth",
            "ours": "exponent of the mean count in depth [95 % interval], at most "
                    f"{top:g}: " + "; ".join(f"K = {r.K}, width {r.width}: {estimate_text(r.slope, r.low, r.high)}"
                                             f" ({r.points} depths)" for r in fw.itertuples())
                    if len(fw) else "no width with two depths in the sweep",
            "verdict": verdict(ok, ok is not None and bool((fw.low <= top).all()))}


def _boundary_row(sweep: pd.DataFrame) -> dict:
    slopes = growth_slopes(sweep, "db_pieces")
    shallow = slopes[slopes.depth == 1]
    deeper = slopes[slopes.depth > 1].dropna(subset=["slope"])
    return {"claim": "decision-boundary pieces grow like $N^{n_0-1} = N$ (depth 1)",
            "paper": "expected boundary volume ≤ a degree-(n0−1) polynomial in N (Thm. 11)",
            "ours": f"exponent in N [95 % interval], within {SLOPE_TOL:g} of 1: " + _slope_text(shallow)
                    + ("; deeper (not graded): " + ", ".join(f"K = {r.K}, depth {r.depth}: {r.slope:.2f}"
                                                            for r in deeper.itertuples()) if len(deeper) else ""),
            "verdict": _slope_verdict(shallow, 1)}


def _depth_row(sweep: pd.DataFrame) -> dict:
    tol, ch = MAXOUT_THRESHOLDS["depth_change"], depth_changes(sweep)
    flat, depends = (ch.low >= -tol) & (ch.high <= tol), (ch.high < -tol) | (ch.low > tol)
    ok = None if ch.empty or not (flat | depends).any() else bool(flat.all())
    text = "; ".join(f"K = {r.K}: {estimate_text(r.change, r.low, r.high)}" for r in ch.itertuples())
    return {"claim": "region counts barely depend on depth (at fixed N)",
            "paper": "qualitative; counts near N²/2 for every depth",
            "ours": (f"N = {int(ch.N.iloc[0])}, depth {int(ch.deep.iloc[0])} against depth {int(ch.shallow.iloc[0])}: "
                     f"relative change [95 % interval] {text}; flat within ±{tol:.0%}") if len(ch) else
                    "a single depth: nothing to compare",
            "verdict": verdict(ok, bool(flat.any()))}


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
    gaps = speed_gaps(conv[~diverged.to_numpy()])
    faster = gaps.groupby("K").low.max() > 0                       # some region-raising init has gap > 0
    slower = gaps.groupby("K").high.apply(lambda h: bool(h.notna().all() and (h < 0).all()))  # every one, resolved
    ok = None if not enough or gaps.empty or not (faster | slower).any() else bool(faster.all())
    text = "; ".join(f"K = {r.K}, {r.init}: {estimate_text(r.gap, r.low, r.high, 3)}" for r in gaps.itertuples())
    return {"claim": "region-raising initialisations (sphere, many-regions) speed up training",
            "paper": "qualitative; faster than the maxout-He baseline (values not verified)",
            "ours": (f"mean training loss of maxout-He minus the init's [95 % interval] (> 0: faster): {text}"
                     if enough else f"too few runs trained to compare ({trained.sum()}/{len(trained)})") + failures,
            "verdict": verdict(ok, bool(faster.any()))}


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
                     slice_counts: pd.DataFrame, target: float, input_slices: pd.DataFrame | None = None,
                     relu: pd.DataFrame | None = None) -> list[dict]:
    """Scorecard rows of the maxout chapter, each verdict computed from the numbers.

    ``demo``: :func:`~varlib.maxout.training.authors_demo_counts`; ``demo_seeds``: counts of our seeds in the
    demo setting; ``sweep``: :func:`~varlib.maxout.training.count_cell` rows (maxout-He); ``conv``:
    :func:`~varlib.maxout.training.convergence_table` (one row per training run, with its ``diverged`` and
    ``at_chance`` flags); ``slice_counts``: slice counts with K, init, seed, epoch of the same runs; ``target``:
    the test accuracy of ``conv``; ``input_slices``: :func:`~varlib.maxout.training.input_slice_cell` rows, graded
    with the 2-D sweep; ``relu``: :func:`~varlib.maxout.training.count_cell` rows of ReLU nets, shown only. The
    two training rows are "not tested" when too few runs trained (see the module's docstring)."""
    return [_demo_row(demo, demo_seeds), _growth_row(sweep, input_slices, relu), _depth_growth_row(sweep),
            _boundary_row(sweep), _depth_row(sweep), _training_row(slice_counts, conv), _init_row(conv, target)]


def parameter_slice_row(table: pd.DataFrame, *, K: int, N: int, depth: int = 3) -> dict:
    """Scorecard row for "parameter space has full-dimensional pieces of very different complexity" (the
    paper's abstract; Fig. 1 right), from a :func:`varlib.maxout.slices.parameter_slice_counts` table of K, N,
    depth nets: the range of counts on the slice and the correlation of neighbouring counts, and the largest
    count against the upper bound of :func:`varlib.maxout.training.deep_max_regions`. A demonstration: counts
    change continuously along a slice of a continuous family, so a range in patches is guaranteed; the pieces
    near the maximum that the paper also reports are not looked for."""
    lo, hi = int(table.regions.min()), int(table.regions.max())
    ratio, corr = hi / max(lo, 1), neighbour_correlation(table)
    return demonstration(
        "parameter space has full-dimensional pieces of very different complexity (Fig. 1 right)",
        "qualitative (abstract); also pieces near the maximum; figure values not verified",
        f"K = {K}, N = {N}, depth {depth}, {len(table)} nets on a random 2D slice: {lo}–{hi} regions "
        f"(×{ratio:.1f}); neighbouring nets correlated r = {corr:.2f}; largest / upper bound on the "
        f"maximum = {hi / deep_max_regions(split_widths(N, depth), K):.1e} (no piece near it)",
        evidence=(corr,))
