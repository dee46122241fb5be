"""The variability chapter's sweeps and the tables it shows, built from the results of the cached calls.

:func:`sweep_grid` lists the (activation, budget, depth) items of a sweep of
:func:`~varlib.variability.diagnostics.variability_draws` or
:func:`~varlib.variability.checkerboard.train_checkerboard`; :func:`stack_draws` and :func:`stack_runs` join the
per-item results into one tidy table; the other functions select and shape what a chapter cell shows.
"""
from __future__ import annotations

import pandas as pd

from varlib.core.stats import interval_text
from varlib.variability.intervals import collapse_gradient_table
from varlib.variability.measures import COMPARED_ACTIVATIONS, activation_label

__all__ = ["sweep_grid", "stack_draws", "stack_runs", "landscape_examples", "shown_draws_table", "v3_depth_table",
           "single_layer_table", "collapsed_v3_table", "decomposition_table",
           "gradient_collapse_counts", "training_table", "aspect_onset_table"]


def sweep_grid(*, depths, budgets=None) -> list[dict]:
    """The items of a sweep: every activation of ``COMPARED_ACTIVATIONS``, then every budget (when ``budgets``
    is given; none for the training sweep, whose budget is fixed), then depth 1 and every depth of ``depths``.

    L = 1 is always added: it is measured, but reported apart from the depth trends (its activation ratio is
    the largest of the family, see the chapter).
    """
    per_budget = [{}] if budgets is None else [{"budget": b} for b in budgets]
    return [{"activation": a, **b, "depth": d} for a in COMPARED_ACTIVATIONS for b in per_budget
            for d in [1, *depths]]


def stack_draws(measured: list[dict]) -> pd.DataFrame:
    """The per-draw tables of a sweep of :func:`~varlib.variability.diagnostics.variability_draws`, in one."""
    return pd.concat([r["draws"] for r in measured], ignore_index=True)


def stack_runs(trained: list[dict]) -> pd.DataFrame:
    """The per-seed tables of a sweep of :func:`~varlib.variability.checkerboard.train_checkerboard`, in one."""
    return pd.concat([r["runs"] for r in trained], ignore_index=True)


def landscape_examples(measured: list[dict], *, budget: int, depths) -> dict:
    """The landscape of draw 0 at ``budget`` for each compared activation and each of ``depths``, with a note
    per panel (width, CV and V3 of that draw): ``{"landscapes": {(activation, depth): (n, n)}, "notes": {...}}``.
    """
    found = {(r["draws"].activation.iloc[0], int(r["draws"].depth.iloc[0])): r for r in measured
             if r["draws"].budget.iloc[0] == budget}
    keys = [(a, d) for a in COMPARED_ACTIVATIONS for d in depths]
    missing = [k for k in keys if k not in found]
    if missing:
        raise ValueError(f"no draws at budget {budget} for (activation, depth) {missing}; the landscape depths "
                         "must be among the depths (or 1) and the budget among the budgets")
    return {"landscapes": {k: found[k]["example"] for k in keys},
            "notes": {k: "w={width}, CV={cv:.2g}\nV3={v3:.2g}".format(**found[k]["draws"].iloc[0]) for k in keys}}


def shown_draws_table(draws: pd.DataFrame, *, vsum: pd.DataFrame, budget: int, depths) -> pd.DataFrame:
    """Draw 0 at ``budget`` and each of ``depths`` (the drawn landscapes) beside the mean and std of V3 over
    all draws at its (activation, depth) and the fraction collapsed there."""
    shown = draws[(draws.budget == budget) & (draws.draw == 0) & draws.depth.isin(depths)]
    return shown[["activation", "depth", "width", "cv", "v3", "dead", "budget"]].merge(
        vsum[["activation", "budget", "depth", "v3_mean", "v3_std", "c2c"]]).drop(columns="budget")


def _interval(mean, low, high, digits: int = 3) -> pd.Series:
    return pd.Series([interval_text(m, lo, hi, digits, "g") for m, lo, hi in zip(mean, low, high)], index=mean.index)


def v3_depth_table(vsum: pd.DataFrame) -> pd.DataFrame:
    """Per (budget, depth >= 2), one column pair per activation: mean V3 with its bootstrap 95 % interval, and the
    median with its interquartile range; then rho."""
    s = vsum[vsum.depth >= 2].assign(activation=lambda d: d.activation.map(activation_label))
    s = s.assign(mean_95=_interval(s.v3_mean, s.v3_low, s.v3_high),
                 median_iqr=_interval(s.v3_median, s.v3_q25, s.v3_q75))
    table = s.pivot(index=["budget", "depth"], columns="activation", values=["mean_95", "median_iqr"])
    table.columns = [f"{a} V3 {'mean [95 %]' if k == 'mean_95' else 'median [IQR]'}" for k, a in table.columns]
    rho = s.drop_duplicates(["budget", "depth"]).set_index(["budget", "depth"]).rho.round(3)
    return table.sort_index(axis=1).assign(rho=rho)


def single_layer_table(vsum: pd.DataFrame) -> pd.DataFrame:
    """The L = 1 rows of the summary (kept out of every depth trend): width, rho, V3 and C2C per budget."""
    return vsum[vsum.depth == 1][["activation", "budget", "width", "rho", "v3_mean", "v3_std", "c2c"]]


def collapsed_v3_table(draws: pd.DataFrame) -> pd.DataFrame:
    """Median V3 of the collapsed and of the other draws (depths >= 2), per activation."""
    return draws[draws.depth >= 2].groupby(["activation", "collapsed"]).v3.median().unstack()


def decomposition_table(draws: pd.DataFrame, *, budget: int) -> pd.DataFrame:
    """V3 = CV x (V3 / CV) per activation and depth >= 2 at ``budget``: the collapsed fraction, the medians of CV,
    V3 / CV and V3 over all draws, and the mean V3 of the draws that have not collapsed (with their count)."""
    d = draws[(draws.budget == budget) & (draws.depth >= 2)]
    d = d.assign(v3_per_cv=d.v3 / d.cv.where(d.cv > 0))
    g = d.groupby(["activation", "depth"], sort=False)
    out = g.agg(c2c=("collapsed", "mean"), cv_median=("cv", "median"), v3_per_cv_median=("v3_per_cv", "median"),
                v3_median=("v3", "median"))
    alive = d[~d.collapsed].groupby(["activation", "depth"])
    out["survivors"] = alive.size().reindex(out.index).fillna(0).astype(int)
    out["survivors_v3_mean"] = alive.v3.mean().reindex(out.index)
    return out.rename(index=activation_label, level=0)


def gradient_collapse_counts(draws: pd.DataFrame, *, vanishing: float, tau: float, clear: float) -> pd.DataFrame:
    """The 2 x 2 table of collapse against vanishing gradients per activation
    (:func:`~varlib.variability.intervals.collapse_gradient_table`) as counts, with the two conditional rates."""
    t = collapse_gradient_table(draws, vanishing=vanishing, tau=tau, clear=clear)
    t = t.assign(activation=t.activation.map(activation_label)).set_index("activation")
    shown = t[["vg_c2c", "c2c_only", "vg_only", "neither", "vg_clear", "c2c_clear"]].rename(columns={
        "vg_c2c": "VG and C2C", "c2c_only": "C2C, no VG", "vg_only": "VG, no C2C", "neither": "neither",
        "vg_clear": f"VG with CV ≥ {clear * tau:g}", "c2c_clear": f"C2C with ratio ≥ {clear * vanishing:g}"})
    for name, col in (("P(VG | C2C)", "vg_given_c2c"), ("P(VG | no C2C)", "vg_given_no_c2c")):
        shown[name] = [interval_text(v, lo, hi) for v, (lo, hi) in zip(t[col], t[f"{col}_ci"])]
    return shown


def training_table(tsum: pd.DataFrame) -> pd.DataFrame:
    """Per activation and depth: successes out of seeds with the Wilson 95 % interval of the rate, mean best
    accuracy with its bootstrap interval, median steps to success, and the fractions diverged and at chance."""
    t = tsum.assign(activation=tsum.activation.map(activation_label))
    return pd.DataFrame({
        "activation": t.activation, "depth": t.depth, "width": t.width,
        "successes": [f"{int(k)}/{int(n)}" for k, n in zip(t.successes, t.seeds)],
        "success rate [95 %]": _interval(t.success_rate, t.success_low, t.success_high, 2),
        "best accuracy [95 %]": _interval(t.best_accuracy, t.best_accuracy_low, t.best_accuracy_high, 3),
        "steps to success": t.steps_to_success, "diverged": t.diverged, "at chance": t.at_chance}).set_index(
            ["activation", "depth"])


def aspect_onset_table(vsum: pd.DataFrame, *, onset: float = 0.5) -> pd.DataFrame:
    """Per (activation, budget): the depth-to-width ratio L/w and the depth L at which the collapsed fraction first
    reaches ``onset``, each interpolated linearly in its logarithm between the two depths around the crossing (NaN
    when it never does), and the first depth at or past the onset. Finite-width theory puts L/w, not L, in charge
    of how far a deep ReLU net's signal fluctuates (Hanin & Nica 2020), so onsets at different budgets should
    meet in L/w more closely than in L."""
    import numpy as np

    def crossing(x: np.ndarray, frac: np.ndarray, k: int) -> float:
        if k == 0:
            return float(x[0])
        t = (onset - frac[k - 1]) / (frac[k] - frac[k - 1])
        return float(np.exp(np.log(x[k - 1]) + t * (np.log(x[k]) - np.log(x[k - 1]))))

    rows = []
    for (act, budget), c in vsum[vsum.depth >= 2].sort_values("depth").groupby(["activation", "budget"], sort=False):
        depth, frac = c.depth.to_numpy(float), c.c2c.to_numpy(float)
        hit = np.flatnonzero(frac >= onset)
        k = int(hit[0]) if len(hit) else None
        rows.append({"activation": activation_label(act), "budget": budget,
                     "onset L/w": crossing(depth / c.width.to_numpy(float), frac, k) if k is not None else np.nan,
                     "onset L": crossing(depth, frac, k) if k is not None else np.nan,
                     "first depth past it": int(depth[k]) if k is not None else np.nan})
    return pd.DataFrame(rows).set_index(["activation", "budget"])
