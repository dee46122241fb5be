"""The variability chapter's tables and verdicts: summaries of the draws and of the training runs, the
Spearman correlation of variability with trainability, and the scorecard (claim, paper, ours, verdict).

Every function takes the tidy tables of :func:`~varlib.variability.diagnostics.variability_draws` and
:func:`~varlib.variability.checkerboard.train_checkerboard` (or their summaries) and returns a table or rows.
"""
from __future__ import annotations

import numpy as np

from varlib.book.report import graded, verdict
from varlib.variability.checkerboard import failed_runs

__all__ = ["SCORECARD_THRESHOLDS", "DRAW_MEASURES", "variability_summary", "training_summary", "draw_health",
           "training_health", "trainability_correlation", "variability_scorecard", "collapsed_v3_ratio",
           "collapsed_gradient_ratio", "shrink_without_collapse"]

#: The scorecard's thresholds (project choices; the rows' docstrings say how each is used).
#: ``pre_collapse``: the depths "before collapse" have at most this C2C fraction; ``rise``: Spearman(N, mean V3)
#: for "reproduced"; ``onset``: the C2C fraction that marks the onset of collapse; ``fall``: V3 at the onset at
#: most this fraction of the peak; ``related``: the collapsed draws' first-layer gradient at most this fraction
#: of the others'; ``apart``: a drop of at least this factor without collapse; ``min_collapsed``: collapsed
#: non-dead draws needed to test the gradient row; ``predict``, ``predict_p``, ``predict_part``: Spearman(V3,
#: success rate) and its p-value for "reproduced", and the correlation for "partly"; ``abs_wins``,
#: ``abs_wins_part``: share of points where |x| has the higher mean V3.
SCORECARD_THRESHOLDS = {"pre_collapse": 0.1, "rise": 0.8, "onset": 0.5, "fall": 0.5, "related": 0.1,
                        "apart": 5.0, "min_collapsed": 5, "predict": 0.7, "predict_p": 0.05, "predict_part": 0.4,
                        "abs_wins": 0.8, "abs_wins_part": 0.5}
_T = SCORECARD_THRESHOLDS


def variability_summary(draws):
    """Per (activation, budget, depth): V3 mean/std, C2C and dead fractions, medians of the gradient norms."""
    d = draws.assign(grad_ratio=draws.grad_first / draws.grad_last_hidden,
                     bias_grad_ratio=draws.bias_grad_first / draws.bias_grad_last_hidden)
    g = d.groupby(["activation", "budget", "depth"])
    return g.agg(width=("width", "first"), params=("params", "first"), activations=("activations", "first"),
                 rho=("rho", "first"), v3_mean=("v3", "mean"), v3_std=("v3", "std"), cv_median=("cv", "median"),
                 c2c=("collapsed", "mean"), c2c_strict=("collapsed_strict", "mean"), dead=("dead", "mean"),
                 active_fraction=("active_fraction", "mean"), grad_first=("grad_first", "median"),
                 grad_last_hidden=("grad_last_hidden", "median"),
                 grad_output=("grad_output", "median"), grad_ratio=("grad_ratio", "median"),
                 bias_grad_ratio=("bias_grad_ratio", "median"), draws=("draw", "size")).reset_index()


def training_summary(runs):
    """Per (activation, budget, depth): success rate, best accuracy (mean, std), median steps to success, and
    the fractions of runs that diverged and that ended at chance (judged by
    :func:`~varlib.variability.checkerboard.failed_runs`)."""
    failed = failed_runs(runs)
    ok = runs.assign(steps_ok=runs.steps_to_success.where(runs.success), diverged=failed.diverged,
                     at_chance=failed.at_chance)
    return ok.groupby(["activation", "budget", "depth"]).agg(
        width=("width", "first"), success_rate=("success", "mean"), best_accuracy=("best_accuracy", "mean"),
        best_accuracy_std=("best_accuracy", "std"), steps_to_success=("steps_ok", "median"),
        diverged=("diverged", "mean"), at_chance=("at_chance", "mean"), seeds=("seed", "size")).reset_index()


def trainability_correlation(vsum, *, tsum):
    """Spearman correlations across (activation, depth >= 2) points of a predictor and a training outcome.

    Predictors: mean V3 and the activation ratio rho (at the training budget); outcomes: success rate
    and mean best accuracy. Returns a tidy table (predictor, outcome, spearman, p_value, points).
    """
    import pandas as pd
    from scipy.stats import spearmanr

    budget = tsum.budget.iloc[0]
    if budget not in set(vsum.budget):
        raise ValueError(f"the training budget {budget} has no variability draws; add it to the budgets")
    both = tsum[tsum.depth >= 2].merge(vsum[vsum.budget == budget], on=["activation", "budget", "depth"])
    rows = []
    for pred in ("v3_mean", "rho"):
        for out in ("success_rate", "best_accuracy"):
            const = both[pred].nunique() < 2 or both[out].nunique() < 2
            r, p = (float("nan"), float("nan")) if const else spearmanr(both[pred], both[out])
            rows.append({"predictor": pred, "outcome": out, "spearman": float(r), "p_value": float(p),
                         "points": len(both)})
    return pd.DataFrame(rows)


#: The per-draw measures of :func:`~varlib.variability.diagnostics.variability_draws` that the rows read; a draw
#: with any of them non-finite (the forward or backward pass overflowed) is no evidence.
DRAW_MEASURES = ("v3", "cv", "active_fraction", "grad_first", "grad_last_hidden", "grad_output", "bias_grad_first",
                 "bias_grad_last_hidden")


def draw_health(draws) -> tuple[int, int]:
    """(draws at depths >= 2 with a non-finite measure of :data:`DRAW_MEASURES`, draws at depths >= 2)."""
    deep = draws[draws.depth >= 2]
    return int((~np.isfinite(deep[list(DRAW_MEASURES)].to_numpy(float))).any(axis=1).sum()), len(deep)


def training_health(tsum) -> tuple[int, int, int]:
    """(runs at depths >= 2 that diverged, that ended at chance, all runs at depths >= 2) from a
    :func:`training_summary`; a missing (NaN) fraction counts every run of its row as diverged."""
    deep = tsum[tsum.depth >= 2]
    count = lambda frac: int(round(float((frac * deep.seeds).sum())))  # noqa: E731
    return count(deep.diverged.fillna(1.0)), count(deep.at_chance.fillna(0.0)), int(deep.seeds.sum())


def _train_note(health) -> str:
    diverged, chance, runs = health
    return f" (runs at depths ≥ 2: diverged {diverged}/{runs}, at chance {chance}/{runs})"


def _train_usable(health) -> bool | None:
    """True when the runs are evidence of trainability: none diverged and not every one sat at chance (then no
    net learned and the outcomes say nothing about which nets train); None (no evidence) otherwise."""
    diverged, chance, runs = health
    return True if runs and not diverged and chance < runs else None


def _draw_note(health) -> str:
    bad, n = health
    return f"; {bad}/{n} draws at depths ≥ 2 have a non-finite measure (overflow): no evidence" if bad else ""


def _curves(vsum):
    """(activation, budget) -> its depth >= 2 rows sorted by depth."""
    deep = vsum[vsum.depth >= 2].sort_values("depth")
    return {key: c for key, c in deep.groupby(["activation", "budget"])}


def _pct(x: float) -> str:
    return f"{100 * x:g} %"


def _spearman(a, b) -> float:
    from scipy.stats import spearmanr

    return float("nan") if len(a) < 3 or a.nunique() < 2 or b.nunique() < 2 else float(spearmanr(a, b)[0])


def _rise_row(vsum, draws_ok: bool) -> dict:
    """Spearman(N, mean V3) per curve over its depths >= 2 with C2C <= 10 %, and whether N rises with L there."""
    pre = {k: c[c.c2c <= _T["pre_collapse"]] for k, c in _curves(vsum).items()}
    rs = {k: _spearman(c.activations, c.v3_mean) for k, c in pre.items()}
    worst = min((r for r in rs.values() if r == r), default=float("nan"))
    span = {k: f"L {c.depth.min()}–{c.depth.max()}" if len(c) else "no depth" for k, c in pre.items()}
    by_depth = all(c.activations.is_monotonic_increasing and c.activations.is_unique for c in pre.values())
    note = ("; at fixed P, N = Lw rises with L on every one of these depth ranges, so this is V3 rising with "
            "depth before collapse (N and L cannot be told apart here)" if by_depth else
            "; N does not rise monotonically with L on every range")
    return {"claim": "variability (V3) rises with the number of activations N at fixed P",
            "paper": "positive correlation (no number known)",
            "ours": f"Spearman(N, mean V3) over the depths ≥ 2 before collapse (C2C ≤ {_pct(_T['pre_collapse'])}): "
                    + ", ".join(f"{a} P={b}: {r:.2f} ({span[(a, b)]})" for (a, b), r in rs.items()) + note,
            "verdict": graded(worst if draws_ok else float("nan"), full=_T["rise"], part=1e-12)}


def collapsed_v3_ratio(draws) -> float:
    """Median V3 of the collapsed draws (depth >= 2) over that of the non-collapsed draws (NaN when a side is
    empty): near 0 when the RMS normalisation sends collapsed landscapes to V3 ~ 0."""
    return draws[draws.collapsed & (draws.depth >= 2)].v3.median() / draws[~draws.collapsed].v3.median()


def _fall_row(vsum, draws, draws_ok: bool) -> dict:
    ratios = {}
    for k, c in _curves(vsum).items():
        hit = c[c.c2c >= _T["onset"]]
        if len(hit):
            ratios[k] = float(hit.v3_mean.iloc[0] / c.v3_mean.max())
    col = collapsed_v3_ratio(draws)
    share = sum(r <= _T["fall"] for r in ratios.values()) / len(ratios) if ratios else float("nan")
    return {"claim": "variability falls as Collapse to Constant (C2C) sets in",
            "paper": "negative correlation (no number known)",
            "ours": f"V3 at the first depth with C2C ≥ {_pct(_T['onset'])}, relative to the peak V3: "
                    + (", ".join(f"{a} P={b}: {r:.2f}" for (a, b), r in ratios.items()) or "no curve collapses")
                    + f"; median V3 of collapsed / non-collapsed draws: {col:.2g}",
            "verdict": graded(share if draws_ok else float("nan"), full=1.0, part=0.5)}


def _peak_row(vsum, draws_ok: bool) -> dict:
    peaks = {k: int(c.depth.iloc[int(c.v3_mean.values.argmax())]) for k, c in _curves(vsum).items()}
    inner = {k: c.depth.min() < peaks[k] < c.depth.max() for k, c in _curves(vsum).items()}
    return {"claim": "with depth, variability first rises, peaks, then falls",
            "paper": "summary of the full text (unverified)",
            "ours": "peak depth of mean V3: " + ", ".join(f"{a} P={b}: L={d}" for (a, b), d in peaks.items()),
            "verdict": graded(sum(inner.values()) / max(len(inner), 1) if draws_ok else float("nan"), full=1.0,
                              part=0.5)}


def shrink_without_collapse(vsum) -> tuple | None:
    """Where small gradients occur without collapse: over all curves, the depth >= 2 with no collapsed draw
    whose median first-layer gradient fell the most below that of the curve's shallowest depth >= 2.

    Returns (activation, budget, depth, drop factor, shallowest depth, its gradient, shallowest gradient),
    or None when no curve has such a depth.
    """
    best = None
    for (a, b), c in _curves(vsum).items():
        base = c.iloc[0]
        for _, r in c[(c.c2c == 0) & (c.depth > base.depth) & (c.grad_first > 0)].iterrows():
            drop = float(base.grad_first / r.grad_first)
            if best is None or drop > best[3]:
                best = (a, b, int(r.depth), drop, int(base.depth), float(r.grad_first), float(base.grad_first))
    return best


def collapsed_gradient_ratio(draws) -> tuple[float, int]:
    """(median first-layer gradient norm of the collapsed, non-dead draws over that of the non-collapsed draws,
    number of collapsed non-dead draws), depths >= 2; the ratio is NaN when a side is empty."""
    def med(sel):
        return float(draws.loc[sel, "grad_first"].median()) if sel.any() else float("nan")

    sel, ok = draws.collapsed & ~draws.dead & (draws.depth >= 2), ~draws.collapsed & (draws.depth >= 2)
    return med(sel) / med(ok), int(sel.sum())


def _gradient_row(draws, vsum, draws_ok: bool) -> dict:
    """Related: collapsed (non-dead) draws have far smaller first-layer gradients than non-collapsed ones.
    Not the same: some depth where no draw collapsed still has a much smaller first-layer gradient than L = 2."""
    first, collapsed = collapsed_gradient_ratio(draws)
    related = first <= _T["related"]
    sep = shrink_without_collapse(vsum)
    distinct = sep is not None and sep[3] >= _T["apart"]
    apart = "no depth without collapse has a smaller first-layer gradient than the shallowest" if sep is None else \
        (f"{sep[0]} P={sep[1]}, L = {sep[2]}: no draw collapsed, yet its median first-layer gradient is "
         f"{sep[5]:.2g} against {sep[6]:.2g} at L = {sep[4]}, a drop of {sep[3]:.1f}×")
    return {"claim": "C2C is related to, but not the same as, vanishing gradients", "paper": "qualitative",
            "verdict": verdict(None if collapsed < _T["min_collapsed"] else related and distinct, related or distinct,
                               evidence=[True if draws_ok else None]),
            "ours": f"related: median first-layer loss-gradient norm at init of the {collapsed} collapsed, "
                    f"non-dead draws is {first:.2g}× that of non-collapsed draws; not the same (small gradients "
                    f"without collapse): {apart}"}


def _predict_row(corr, train, draws_ok: bool) -> dict:
    """Spearman(V3, success rate) and Spearman(V3, best accuracy) from ``corr``; ``train``: :func:`training_health`.
    Needs learning somewhere and no divergence (else "not tested"): a run stuck at chance is a valid outcome
    ("this net did not train"), but when every run sits at chance there is nothing to predict."""
    get = corr.set_index(["predictor", "outcome"])
    s, p = get.loc[("v3_mean", "success_rate"), ["spearman", "p_value"]]
    b = get.loc[("v3_mean", "best_accuracy"), "spearman"]
    full = s == s and s >= _T["predict"] and p < _T["predict_p"]
    part = max(s if s == s else -1.0, b if b == b else -1.0) >= _T["predict_part"]
    return {"claim": "variability predicts trainability on the checkerboard", "paper": "'accurately' (no number)",
            "ours": f"Spearman(V3, success rate) = {s:.2f} (p = {p:.2g}); Spearman(V3, best accuracy) = {b:.2f}; "
                    f"{int(get.points.iloc[0])} (activation, depth) points" + _train_note(train),
            "verdict": verdict(None if s != s and b != b else full, part,
                               evidence=[_train_usable(train), True if draws_ok else None])}


def _abs_rows(vsum, tsum, train, draws_ok: bool) -> list[dict]:
    """|x| against ReLU: V3 and C2C onset from the draws; training from ``tsum`` (valid only when
    :func:`_train_usable` of ``train``: a ReLU net stuck at chance is evidence, all nets at chance are not)."""
    deep = vsum[vsum.depth >= 2].pivot_table(index=["budget", "depth"], columns="activation",
                                            values=["v3_mean", "c2c"])
    win = float((deep["v3_mean"]["abs"] > deep["v3_mean"]["relu"]).mean())
    onset = {b: {a: (c.depth[c.c2c >= _T["onset"]].min() if (c.c2c >= _T["onset"]).any() else float("inf"))
                 for (a, bb), c in _curves(vsum).items() if bb == b} for b in vsum.budget.unique()}
    later = [o["abs"] > o["relu"] for o in onset.values() if o.get("relu", float("inf")) < float("inf")]
    t = tsum[tsum.depth >= 2].groupby("activation")[["success_rate", "best_accuracy"]].mean()
    s_win, b_win = t.loc["abs", "success_rate"] > t.loc["relu", "success_rate"], \
        t.loc["abs", "best_accuracy"] > t.loc["relu", "best_accuracy"]
    return [
        {"claim": "|x| gives higher variability than ReLU", "paper": "qualitative",
         "ours": f"mean V3 of |x| > ReLU at {win:.0%} of (budget, depth ≥ 2) points",
         "verdict": graded(win if draws_ok else float("nan"), full=_T["abs_wins"], part=_T["abs_wins_part"])},
        {"claim": "|x| resists C2C better than ReLU", "paper": "summary of the full text (unverified)",
         "ours": f"first depth with C2C ≥ {_pct(_T['onset'])} (ReLU vs |x|): "
                 + ", ".join(f"P={b}: {o.get('relu')} vs {o.get('abs')}" for b, o in onset.items()),
         "verdict": graded(sum(later) / len(later) if later and draws_ok else float("nan"), full=1.0, part=0.5)},
        {"claim": "|x| MLPs train better than ReLU MLPs (checkerboard)", "paper": "implied by the two claims above",
         "ours": f"mean success rate over depths: |x| {t.loc['abs', 'success_rate']:.2f} vs ReLU "
                 f"{t.loc['relu', 'success_rate']:.2f}; mean best accuracy {t.loc['abs', 'best_accuracy']:.3f} vs "
                 f"{t.loc['relu', 'best_accuracy']:.3f}" + _train_note(train),
         "verdict": verdict(s_win and b_win, s_win or b_win,
                            evidence=[*t.loc[["abs", "relu"], ["success_rate", "best_accuracy"]].to_numpy().ravel(),
                                      _train_usable(train)])},
    ]


def variability_scorecard(draws, *, vsum, tsum, corr) -> list[dict]:
    """Scorecard rows (claim, paper, ours, verdict) computed from the chapter's tables (depths >= 2 only).

    Thresholds (project choices): *rise*: Spearman(N, mean V3) over the depths with C2C <= 10 %, worst
    curve >= 0.8 reproduced, > 0 partly; at fixed P, N rises with L, so this is V3 rising with depth before
    collapse. *Fall*: V3 at the first depth with C2C >= 50 % at most half the
    peak, for every curve (some: partly). *Peak*: the V3 peak strictly inside the depth range for every
    curve (half: partly). *Gradients*: "related" when the median first-layer gradient of the collapsed
    non-dead draws is <= 10 % of that of the non-collapsed draws; "not the same" when some (activation,
    budget, depth) with no collapsed draw has a median first-layer gradient >= 5x below the curve's shallowest
    depth >= 2; both reproduced, one partly; fewer than 5 collapsed non-dead draws: not tested. *Prediction*:
    Spearman(V3, success rate) >= 0.7 with p < 0.05 reproduced; >= 0.4 for success rate or best accuracy
    partly. *|x| vs ReLU*: higher mean V3 at >= 80 % of points (>= 50 %: partly); later C2C onset
    (CV < tau for half the draws) at every budget; higher mean success rate and best accuracy (one: partly).

    Failed computations are no evidence. The two training rows (prediction, |x| trains better) report how many
    runs at depths >= 2 diverged and how many ended at chance
    (:func:`~varlib.variability.checkerboard.failed_runs`: loss non-finite or above
    min(1e3 x max(initial loss, ln 2), 1e6); final accuracy within 0.05 of 0.5) and are "not tested" when any
    run diverged, when every run sat at chance, or when their numbers are NaN. Every row built from the draws is
    "not tested" when a draw at depth >= 2 has a non-finite measure (:func:`draw_health`), and then says so.
    """
    train, (bad, n) = training_health(tsum), draw_health(draws)
    ok, note = bad == 0, _draw_note((bad, n))
    v3_row, c2c_row, trains_better = _abs_rows(vsum, tsum, train, ok)
    from_draws = [_rise_row(vsum, ok), _fall_row(vsum, draws, ok), _peak_row(vsum, ok), _gradient_row(draws, vsum, ok),
                  _predict_row(corr, train, ok), v3_row, c2c_row]
    return [*({**r, "ours": r["ours"] + note} for r in from_draws), trains_better]
