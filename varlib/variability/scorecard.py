"""The variability chapter's tables and verdicts: summaries of the draws and of the training runs, the
Spearman correlation of variability with trainability, and the scorecard (claim, paper, ours, verdict).

Every function takes the tidy tables of :func:`~varlib.variability.diagnostics.variability_draws` and
:func:`~varlib.variability.checkerboard.train_checkerboard` (or their summaries) and returns a table or rows.
"""
from __future__ import annotations

import numpy as np

from varlib.book.report import verdict
from varlib.core.stats import (bootstrap_indices, bootstrap_interval, percentile_interval, spearman_interval,
                               wilson_interval)
from varlib.variability.checkerboard import failed_runs
from varlib.variability.measures import activation_label
from varlib.variability.intervals import (LEVEL, collapse_gradient_table, depth_mean_resamples, onset_comparison,
                                          paired_prediction,
                                          peak_resolution, rise_interval, survivor_fall, vanishing_ratio)
from varlib.variability.sensitivity import abs_resists_at_every_bias

__all__ = ["SCORECARD_THRESHOLDS", "DRAW_MEASURES", "variability_summary", "training_summary", "draw_health",
           "training_health", "trainability_correlation", "variability_scorecard", "collapsed_v3_ratio"]

#: The scorecard's thresholds (project choices; the rows' docstrings say how each is used).
#: ``pre_collapse``: the depths "before collapse" have at most this C2C fraction; ``rise``: Spearman(N, mean V3)
#: for "reproduced"; ``onset``: the C2C fraction that marks the onset of collapse; ``min_survivors``: non-collapsed
#: draws needed at the onset to test the fall among them; ``vanishing``: a first/last hidden-layer error ratio
#: below it is a vanishing gradient; ``clear``: a draw shows one phenomenon *clearly* without the other when it is
#: this factor past the other's threshold; ``min_collapsed``: collapsed non-dead draws needed to test the
#: gradient row; ``min_apart``: clear cases needed for "not the same"; ``predict``, ``predict_p``,
#: ``predict_part``: Spearman(V3, success rate) and its p-value for "reproduced", and the correlation for
#: "partly"; ``min_nets``: trained nets needed for the per-net row; ``abs_wins``, ``abs_wins_part``: share of
#: points where |x| has the higher mean V3.
SCORECARD_THRESHOLDS = {"pre_collapse": 0.1, "rise": 0.8, "onset": 0.5, "min_survivors": 3, "vanishing": 0.1,
                        "clear": 10.0, "min_collapsed": 5, "min_apart": 5, "predict": 0.7, "predict_p": 0.05,
                        "predict_part": 0.4, "min_nets": 20, "abs_wins": 0.8, "abs_wins_part": 0.5}
_T = SCORECARD_THRESHOLDS


def _cell_interval(values, seed: int) -> tuple[float, float]:
    return bootstrap_interval(values, "mean", seed=seed)


def variability_summary(draws):
    """Per (activation, budget, depth): V3 mean with its bootstrap 95 % interval (``v3_low``, ``v3_high``), std,
    median and quartiles (V3 is heavy-tailed: its std exceeds its mean in deep nets); C2C fraction with its Wilson
    interval; dead fraction; medians of the gradient norms; the median and mean of the first/last hidden-layer
    error ratio (:func:`~varlib.variability.intervals.vanishing_ratio`) and the fraction of draws where it is
    below ``vanishing``."""
    d = draws.assign(grad_ratio=draws.grad_first / draws.grad_last_hidden, bias_grad_ratio=vanishing_ratio(draws))
    g = d.groupby(["activation", "budget", "depth"])
    out = g.agg(width=("width", "first"), params=("params", "first"), activations=("activations", "first"),
                rho=("rho", "first"), v3_mean=("v3", "mean"), v3_std=("v3", "std"), v3_median=("v3", "median"),
                v3_q25=("v3", lambda v: v.quantile(0.25)), v3_q75=("v3", lambda v: v.quantile(0.75)),
                cv_median=("cv", "median"), c2c=("collapsed", "mean"), c2c_count=("collapsed", "sum"),
                c2c_strict=("collapsed_strict", "mean"), dead=("dead", "mean"),
                active_fraction=("active_fraction", "mean"), grad_first=("grad_first", "median"),
                grad_last_hidden=("grad_last_hidden", "median"),
                grad_output=("grad_output", "median"), grad_ratio=("grad_ratio", "median"),
                bias_grad_ratio=("bias_grad_ratio", "median"), bias_grad_ratio_mean=("bias_grad_ratio", "mean"),
                vanishing=("bias_grad_ratio", lambda r: float((r < _T["vanishing"]).mean())),
                draws=("draw", "size")).reset_index()
    ci = [_cell_interval(c.v3.to_numpy(float), int(k[2])) for k, c in g]
    wil = [wilson_interval(int(k), int(n)) for k, n in zip(out.c2c_count, out.draws)]
    return out.assign(v3_low=[c[0] for c in ci], v3_high=[c[1] for c in ci], c2c_low=[w[0] for w in wil],
                      c2c_high=[w[1] for w in wil])


def training_summary(runs):
    """Per (activation, budget, depth): success rate with its Wilson 95 % interval, best accuracy (mean with its
    bootstrap interval, std), median steps to success, and the fractions of runs that diverged and that ended at
    chance (judged by :func:`~varlib.variability.checkerboard.failed_runs`)."""
    failed = failed_runs(runs)
    ok = runs.assign(steps_ok=runs.steps_to_success.where(runs.success), diverged=failed.diverged,
                     at_chance=failed.at_chance)
    g = ok.groupby(["activation", "budget", "depth"])
    out = g.agg(width=("width", "first"), success_rate=("success", "mean"), successes=("success", "sum"),
                best_accuracy=("best_accuracy", "mean"), best_accuracy_std=("best_accuracy", "std"),
                steps_to_success=("steps_ok", "median"), diverged=("diverged", "mean"),
                at_chance=("at_chance", "mean"), seeds=("seed", "size")).reset_index()
    wil = [wilson_interval(int(k), int(n)) for k, n in zip(out.successes, out.seeds)]
    ci = [_cell_interval(c.best_accuracy.to_numpy(float), int(k[2])) for k, c in g]
    return out.assign(success_low=[w[0] for w in wil], success_high=[w[1] for w in wil],
                      best_accuracy_low=[c[0] for c in ci], best_accuracy_high=[c[1] for c in ci])


def trainability_correlation(vsum, *, tsum):
    """Spearman correlations across (activation, depth >= 2) points of a predictor and a training outcome.

    Predictors: mean V3 and the activation ratio rho (at the training budget); outcomes: success rate
    and mean best accuracy. Returns a tidy table (predictor, outcome, spearman, p_value, low, high, points):
    ``low``, ``high`` bound the bootstrap 95 % interval over resampled points.
    """
    import pandas as pd

    budget = tsum.budget.iloc[0]
    if budget not in set(vsum.budget):
        raise ValueError(f"the training budget {budget} has no variability draws; add it to the budgets")
    both = tsum[tsum.depth >= 2].merge(vsum[vsum.budget == budget], on=["activation", "budget", "depth"])
    rows = []
    for pred in ("v3_mean", "rho"):
        for out in ("success_rate", "best_accuracy"):
            r = spearman_interval(both[pred], both[out])
            rows.append({"predictor": pred, "outcome": out, "spearman": r["r"], "p_value": r["p"], "low": r["low"],
                         "high": r["high"], "points": len(both)})
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


def _ci(low: float, high: float, digits: int = 2) -> str:
    return f"[{low:.{digits}f}, {high:.{digits}f}]"


def _single_layer_note(vsum) -> str:
    """What L = 1 says about the claim as worded (it has the most activations of the family at every budget)."""
    one, deep = vsum[vsum.depth == 1], vsum[vsum.depth >= 2]
    parts = []
    for (a, b), row in one.set_index(["activation", "budget"]).iterrows():
        others = deep[(deep.activation == a) & (deep.budget == b)]
        if len(others) and row.activations > others.activations.max():
            below = (others.v3_mean > row.v3_mean).mean()
            parts.append(f"{activation_label(a)} P={b}: N = {int(row.activations)}, mean V3 {row.v3_mean:.2g}, "
                         f"lower than at {below:.0%} of the depths ≥ 2")
    if not parts:
        return ""
    return ("; L = 1 has the most activations of the family yet low V3 (" + ", ".join(parts)
            + "): the claim as worded fails there, so L = 1 is left out")


def _rise_row(vsum, boots: dict, draws_ok: bool) -> dict:
    """Spearman(N, mean V3) per curve over its depths >= 2 with C2C <= 10 %, with a bootstrap interval over the
    draws; reproduced when the worst curve reaches ``rise`` and every interval lies above 0."""
    stats = {}
    for k, c in _curves(vsum).items():
        pre = c.c2c.to_numpy() <= _T["pre_collapse"]
        depths, means, boot = boots[k]
        keep = np.isin(depths, c.depth[pre])
        stats[k] = rise_interval(depths[keep], c.activations.to_numpy()[pre], means[keep], boot[:, keep])
    rs = [s["r"] for s in stats.values()]
    full = bool(rs) and all(r == r for r in rs) and min(rs) >= _T["rise"] and all(s["low"] > 0 for s in stats.values())
    part = bool(rs) and all(r == r and r > 0 for r in rs)
    by_depth = all(c[c.c2c <= _T["pre_collapse"]].activations.is_monotonic_increasing for c in _curves(vsum).values())
    note = ("; at fixed P, N = Lw rises with L on every one of these depth ranges, so this is V3 rising with "
            "depth before collapse (N and L cannot be told apart here)" if by_depth else
            "; N does not rise monotonically with L on every range")
    span = {k: f"L {s['depths'][0]}–{s['depths'][-1]}" if s["depths"] else "no depth" for k, s in stats.items()}
    return {"claim": "variability (V3) rises with the number of activations N at fixed P",
            "paper": "positive correlation (no number known)",
            "ours": f"Spearman(N, mean V3) [95 % bootstrap interval over draws] over the depths ≥ 2 before collapse "
                    f"(C2C ≤ {_pct(_T['pre_collapse'])}): "
                    + ", ".join(f"{activation_label(a)} P={b}: {s['r']:.2f} {_ci(s['low'], s['high'])} ({span[(a, b)]})"
                                for (a, b), s in stats.items()) + note + _single_layer_note(vsum),
            "verdict": verdict(full if draws_ok and rs and all(r == r for r in rs) else None, part)}


def collapsed_v3_ratio(draws) -> float:
    """Median V3 of the collapsed draws (depth >= 2) over that of the non-collapsed draws (NaN when a side is
    empty): near 0 when the RMS normalisation sends collapsed landscapes to V3 ~ 0."""
    return draws[draws.collapsed & (draws.depth >= 2)].v3.median() / draws[~draws.collapsed].v3.median()


def _fall_row(draws, draws_ok: bool) -> dict:
    """V3 of the draws that have not collapsed, at the collapse onset against the peak
    (:func:`~varlib.variability.intervals.survivor_fall`): V3 = CV x (V3/CV) and C2C is CV < tau, so V3 falling
    *with* the collapsed draws is nearly the definition; falling among the survivors is not. A curve falls when
    the ratio's interval lies below 1; a curve whose survivors peak where half the draws have already collapsed
    counts against. Reproduced when every curve falls; partly when some do; curves that never collapse that far,
    or keep too few survivors, are named and leave the row at most partly reproduced."""
    fall = survivor_fall(draws, onset=_T["onset"], min_survivors=_T["min_survivors"])
    parts, falls, untested = [], [], 0
    for (a, b), f in fall.items():
        head = f"{activation_label(a)} P={b}"
        if f["early"]:
            falls.append(False)
            parts.append(f"{head}: the survivors' V3 peaks at L = {f['peak']}, where C2C already reaches "
                         f"{_pct(_T['onset'])} (against)")
        elif f["onset"] is None:
            untested += 1
            parts.append(f"{head}: C2C never reaches {_pct(_T['onset'])} past the peak")
        elif f["ratio"] != f["ratio"]:
            untested += 1
            parts.append(f"{head}: only {f['survivors']} draws left at L = {f['onset']}")
        else:
            falls.append(bool(f["high"] < 1))
            parts.append(f"{head}: L {f['peak']} → {f['onset']}, {f['ratio']:.2f} {_ci(f['low'], f['high'])} "
                         f"({f['survivors']} survivors; their median CV {f['cv_peak']:.2g} → {f['cv_onset']:.2g}, "
                         f"V3/CV {f['v3_per_cv_peak']:.2g} → {f['v3_per_cv_onset']:.2g})")
    return {"claim": "variability falls as Collapse to Constant (C2C) sets in",
            "paper": "negative correlation (no number known)",
            "ours": f"among the draws that have NOT collapsed, mean V3 at the first depth with C2C ≥ "
                    f"{_pct(_T['onset'])} over that at their peak depth [95 % bootstrap interval]: " + "; ".join(parts),
            "verdict": verdict(all(falls) and not untested if falls and draws_ok else None, any(falls))}


def _peak_row(boots: dict, draws_ok: bool) -> dict:
    """Rise, peak, fall: the peak of mean V3 strictly inside the depth range, with its interval wholly above
    those of the shallowest and the deepest depth; the depths the peak is not resolved from are named."""
    res = {k: peak_resolution(*v) for k, v in boots.items()}
    shown = []
    for (a, b), r in res.items():
        rivals = f", not resolved from L = {', '.join(map(str, r['rivals']))}" if r["rivals"] else ", resolved"
        shown.append(f"{activation_label(a)} P={b}: L = {r['peak']} ({r['share']:.0%} of resamples{rivals}; rise "
                     f"{'significant' if r['rise'] else 'within the intervals'}, fall "
                     f"{'significant' if r['fall'] else 'within the intervals'})")
    full = [r["interior"] and r["rise"] and r["fall"] for r in res.values()]
    return {"claim": "with depth, variability first rises, peaks, then falls",
            "paper": "summary of the full text (unverified)",
            "ours": "peak of mean V3: " + "; ".join(shown),
            "verdict": verdict(all(full) if full and draws_ok else None,
                               all(r["interior"] for r in res.values()) or any(full))}


def _gradient_row(draws, tau: float, draws_ok: bool) -> dict:
    """Collapse against vanishing gradients over the non-dead draws
    (:func:`~varlib.variability.intervals.collapse_gradient_table`). *Related*: within every depth with 5 draws on
    both sides, the rate of vanishing gradients among collapsed draws has a Wilson interval wholly above the
    rate among the others (pooled over depths when no depth has both). *Not the same*: at least
    ``min_apart`` draws show one clearly without the other. Reproduced when both hold for every activation, partly
    when one holds for some; not tested with fewer than ``min_collapsed`` collapsed non-dead draws."""
    table = collapse_gradient_table(draws, vanishing=_T["vanishing"], tau=tau, clear=_T["clear"])
    parts, related, apart, enough = [], [], [], []
    for _, r in table.iterrows():
        rel = r.depths_apart == r.depths_compared > 0 if r.depths_compared else \
            r.vg_given_c2c_ci[0] > r.vg_given_no_c2c_ci[1]
        sep = r.vg_clear + r.c2c_clear >= _T["min_apart"]
        related.append(rel)
        apart.append(sep)
        enough.append(r.vg_c2c + r.c2c_only >= _T["min_collapsed"])
        given = "no draw collapsed" if r.vg_c2c + r.c2c_only == 0 else \
            f"VG in {r.vg_given_c2c:.3f} {_ci(*r.vg_given_c2c_ci, 3)} of collapsed draws"
        within = f"rates apart within {r.depths_apart} of the {r.depths_compared} depths with ≥ 5 draws on both " \
            "sides" if r.depths_compared else "no depth has 5 draws on both sides, so pooled over depths"
        parts.append(f"{activation_label(r.activation)}: {given} "
                     f"vs {r.vg_given_no_c2c:.3f} {_ci(*r.vg_given_no_c2c_ci, 3)} of the others, pooled ({within}); "
                     "VG without collapse "
                     f"in {r.vg_only} draws ({r.vg_clear} with CV ≥ {_T['clear'] * tau:g}), collapse without VG in "
                     f"{r.c2c_only} ({r.c2c_clear} with a ratio ≥ {_T['clear'] * _T['vanishing']:g})")
    ok = draws_ok and bool(enough) and all(enough)
    return {"claim": "C2C is related to, but not the same as, vanishing gradients", "paper": "qualitative",
            "ours": f"vanishing gradient (VG): backpropagated error at the first hidden layer below "
                    f"{_T['vanishing']:g}× that at the last (non-dead draws, depths ≥ 2; Wilson 95 % intervals): "
                    + "; ".join(parts),
            "verdict": verdict(all(related) and all(apart) if ok else None, any(related) or any(apart))}


def _predict_row(corr, train, draws_ok: bool) -> dict:
    """Spearman(V3, success rate) and Spearman(V3, best accuracy) from ``corr``, with their bootstrap intervals
    over points; ``train``: :func:`training_health`. Reproduced needs the correlation, its p-value and an interval
    above 0. Needs learning somewhere and no divergence (else "not tested"): a run stuck at chance is a valid
    outcome ("this net did not train"), but when every run sits at chance there is nothing to predict."""
    get = corr.set_index(["predictor", "outcome"])
    s, p, lo, hi = get.loc[("v3_mean", "success_rate"), ["spearman", "p_value", "low", "high"]]
    b, blo, bhi = get.loc[("v3_mean", "best_accuracy"), ["spearman", "low", "high"]]
    full = s == s and s >= _T["predict"] and p < _T["predict_p"] and lo > 0
    part = max(s if s == s else -1.0, b if b == b else -1.0) >= _T["predict_part"]
    return {"claim": "variability predicts trainability on the checkerboard", "paper": "'accurately' (no number)",
            "ours": f"Spearman(V3, success rate) = {s:.2f} {_ci(lo, hi)} (p = {p:.2g}); Spearman(V3, best accuracy) "
                    f"= {b:.2f} {_ci(blo, bhi)}; {int(get.points.iloc[0])} (activation, depth) points, 95 % "
                    "bootstrap intervals" + _train_note(train),
            "verdict": verdict(None if s != s else full, part,
                               evidence=[_train_usable(train), True if draws_ok else None])}


def _paired_row(draws, runs, train, draws_ok: bool) -> dict:
    """Per net: within each (activation, depth), does a draw's V3 rank predict its own run's best-accuracy rank
    (:func:`~varlib.variability.intervals.paired_prediction`)? Reproduced when the pooled Spearman has p < 0.05
    and an interval above 0; partly when it reaches ``predict_part`` without that; not tested with fewer than
    ``min_nets`` nets."""
    r = paired_prediction(draws, runs)
    full = None if r["r"] != r["r"] or r["n"] < _T["min_nets"] else r["p"] < _T["predict_p"] and r["low"] > 0
    return {"claim": "the variability of a net predicts how well that net trains",
            "paper": "a stricter, per-net reading of 'predicts trainability' (ours)",
            "ours": f"within each (activation, depth ≥ 2), rank of V3 vs rank of best accuracy of the same net, "
                    f"pooled: Spearman {r['r']:.2f} {_ci(r['low'], r['high'])} (p = {r['p']:.2g}, n = {r['n']} nets)"
                    + _train_note(train),
            "verdict": verdict(full, r["r"] == r["r"] and r["r"] >= _T["predict_part"],
                               evidence=[_train_usable(train), True if draws_ok else None])}


def _abs_v3_row(boots: dict, draws_ok: bool) -> dict:
    """|x| against ReLU per (budget, depth >= 2): the bootstrap interval of the difference of mean V3.
    Reproduced when that interval lies above 0 at >= ``abs_wins`` of the points and below 0 at none; partly when
    |x|'s mean is higher at >= ``abs_wins_part`` of them."""
    higher, above, below, points = 0, 0, 0, 0
    for b in sorted({bb for _, bb in boots}):
        if ("abs", b) not in boots or ("relu", b) not in boots:
            continue
        (da, ma, ba), (dr, mr, br) = boots[("abs", b)], boots[("relu", b)]
        for j, depth in enumerate(da):
            k = int(np.flatnonzero(dr == depth)[0]) if depth in dr else None
            if k is None:
                continue
            points += 1
            higher += ma[j] > mr[k]
            lo, hi = percentile_interval(ba[:, j] - br[:, k], LEVEL)
            above, below = above + (lo > 0), below + (hi < 0)
    win, sure = (higher / points, above / points) if points else (float("nan"), float("nan"))
    return {"claim": "|x| gives higher variability than ReLU", "paper": "qualitative",
            "ours": f"mean V3 of |x| > ReLU at {higher} of {points} (budget, depth ≥ 2) points ({win:.0%}); the 95 % "
                    f"bootstrap interval of the difference lies above 0 at {above} and below 0 at {below}",
            "verdict": verdict(sure >= _T["abs_wins"] and below == 0 if draws_ok and points else None,
                               win >= _T["abs_wins_part"])}


def _abs_c2c_row(vsum, draws_ok: bool) -> dict:
    """At ReLU's collapse onset (first depth with C2C >= ``onset``) of each budget, |x|'s collapsed fraction has a
    Wilson interval wholly below ReLU's: reproduced at every budget; partly when it is lower at every budget, or
    significantly lower at some; not tested when ReLU never collapses that far."""
    parts, later = [], []
    deep = vsum[vsum.depth >= 2]
    for b in sorted(deep.budget.unique()):
        found = onset_comparison(deep[deep.budget == b], onset=_T["onset"])
        if found is None:
            parts.append(f"P={b}: ReLU's C2C never reaches {_pct(_T['onset'])}")
            continue
        depth, rf, ri, af, ai, sig = found
        later.append((sig, af < rf))
        parts.append(f"P={b}, L = {depth}: ReLU {rf:.2f} {_ci(*ri)} vs |x| {af:.2f} {_ci(*ai)}")
    return {"claim": "|x| resists C2C better than ReLU", "paper": "summary of the full text (unverified)",
            "ours": f"collapsed fraction at ReLU's collapse onset (first depth with C2C ≥ {_pct(_T['onset'])}; Wilson "
                    "95 % intervals): " + "; ".join(parts),
            "verdict": verdict(all(sig for sig, _ in later) if later and draws_ok else None,
                               all(lower for _, lower in later) or any(sig for sig, _ in later))}


def _abs_training_row(runs, train) -> dict:
    """Success counts pooled over depths >= 2 (Wilson intervals) and the bootstrap interval of the difference in
    mean best accuracy; reproduced when |x|'s success interval lies wholly above ReLU's and the accuracy
    difference's interval above 0; partly when either point estimate is higher; not tested unless the runs are
    usable (:func:`_train_usable`)."""
    deep = runs[runs.depth >= 2]
    get = {a: deep[deep.activation == a] for a in ("abs", "relu")}
    rate = {a: float(g.success.mean()) if len(g) else float("nan") for a, g in get.items()}
    wil = {a: wilson_interval(int(g.success.sum()), len(g)) for a, g in get.items()}
    acc = {a: float(g.best_accuracy.mean()) if len(g) else float("nan") for a, g in get.items()}
    boot = [get[a].best_accuracy.to_numpy(float) for a in ("abs", "relu")]
    if all(len(v) > 1 for v in boot):
        diff = boot[0][bootstrap_indices(len(boot[0]), seed=1)].mean(1) - boot[1][bootstrap_indices(len(boot[1]),
                                                                                                    seed=2)].mean(1)
        lo, hi = percentile_interval(diff, LEVEL)
    else:
        lo = hi = float("nan")
    s_win, b_win = rate["abs"] > rate["relu"], acc["abs"] > acc["relu"]
    s_sure = wil["abs"][0] > wil["relu"][1]                             # Wilson intervals apart
    return {"claim": "|x| MLPs train better than ReLU MLPs (checkerboard)", "paper": "implied by the two claims above",
            "ours": f"success rate over depths ≥ 2 (Wilson 95 %): |x| {rate['abs']:.2f} {_ci(*wil['abs'])} vs ReLU "
                    f"{rate['relu']:.2f} {_ci(*wil['relu'])}; mean best accuracy {acc['abs']:.3f} vs "
                    f"{acc['relu']:.3f}, difference {_ci(lo, hi, 3)}" + _train_note(train),
            "verdict": verdict(s_sure and lo > 0, s_win or b_win,
                               evidence=[*rate.values(), *acc.values(), _train_usable(train)])}


def _abs_bias_row(ssum, draws_ok: bool) -> dict:
    """The |x|-resists-C2C rule of :func:`_abs_c2c_row` at every bias scale of the sensitivity sweep
    (:func:`~varlib.variability.sensitivity.abs_resists_at_every_bias`). At sigma_b = 0 the comparison is decided
    by construction (a bias-free ReLU net collapses only by dying, and an |x| net cannot die), so it is shown but
    not graded. Reproduced when the rule holds at every other scale where ReLU reaches the onset, and there are at
    least two; partly when |x| is lower at every such scale or significantly lower at some; not tested at none,
    or when a draw of the sweep has a non-finite measure."""
    res = abs_resists_at_every_bias(ssum, onset=_T["onset"])
    scales = sorted(ssum.sigma_b.unique())
    parts = [f"σ_b = {s:g}, L = {d}: ReLU {rf:.2f} {_ci(*ri)} vs |x| {af:.2f} {_ci(*ai)}"
             + (" (not graded: decided by construction, ReLU collapses only by dying there and |x| cannot die)"
                if s == 0 else "") for s, (d, rf, ri, af, ai, _) in sorted(res.items())]
    parts += [f"σ_b = {s:g}: ReLU's C2C never reaches {_pct(_T['onset'])}" for s in scales if float(s) not in res]
    graded = {s: r for s, r in res.items() if s != 0}
    later = [r[5] for r in graded.values()]
    lower = [r[3] < r[1] for r in graded.values()]
    bad = int(ssum.bad.sum()) if "bad" in ssum else 0
    note = f"; {bad} draws of the sweep have a non-finite measure: no evidence" if bad else ""
    return {"claim": "|x| resists C2C better than ReLU at every bias scale σ_b",
            "paper": "robustness of the claim above (ours; the paper's bias scale is unknown)",
            "ours": "collapsed fraction at ReLU's onset, training budget (Wilson 95 %): " + "; ".join(parts) + note,
            "verdict": verdict(all(later) and len(later) >= 2 if later and draws_ok and not bad else None,
                               all(lower) or any(later))}


def variability_scorecard(draws, *, vsum, tsum, corr, runs, tau: float = 1e-2, ssum=None) -> list[dict]:
    """Scorecard rows (claim, paper, ours, verdict) computed from the chapter's tables (depths >= 2 only), each
    with its 95 % intervals (bootstrap over draws, runs or points; Wilson for fractions).

    Thresholds (project choices, :data:`SCORECARD_THRESHOLDS`): *rise*: Spearman(N, mean V3) over the depths with
    C2C <= 10 %, worst curve >= 0.8 with every interval above 0 reproduced, every curve > 0 partly; at fixed P,
    N rises with L, so this is V3 rising with depth before collapse. *Fall*: among the draws that have not
    collapsed, mean V3 at the first depth with C2C >= 50 % below the peak's, interval below 1, for every curve
    (some: partly). *Peak*: an interior peak whose interval lies above those of both ends, for every curve (an
    interior peak everywhere, or a resolved one somewhere: partly). *Gradients*: collapse and vanishing
    gradients are related (VG far more common among collapsed draws, Wilson intervals apart) and apart (>= 5
    draws show one clearly without the other), for every activation; fewer than 5 collapsed non-dead draws: not
    tested. *Prediction*: Spearman(V3, success rate) >= 0.7 with p < 0.05 and an interval above 0 reproduced;
    >= 0.4 for success rate or best accuracy partly. *Per net*: the pooled within-cell Spearman with p < 0.05
    and an interval above 0 (>= 0.4 alone: partly). *|x| vs ReLU*: higher mean V3 at >= 80 % of points and
    significantly lower at none (>= 50 %: partly); at ReLU's onset, |x|'s collapsed fraction significantly
    lower at every budget; higher success rate and best accuracy, the latter significantly (one: partly).
    With ``ssum`` (the sensitivity summary), the |x|-resists-C2C rule is also checked at every bias scale of that
    sweep.

    Failed computations are no evidence. The training rows report how many runs at depths >= 2 diverged and how
    many ended at chance (:func:`~varlib.variability.checkerboard.failed_runs`: loss non-finite or above
    min(1e3 x max(initial loss, ln 2), 1e6); final accuracy within 0.05 of 0.5) and are "not tested" when any
    run diverged, when every run sat at chance, or when their numbers are NaN. Every row built from the draws is
    "not tested" when a draw at depth >= 2 has a non-finite measure (:func:`draw_health`), and then says so.
    """
    train, (bad, n) = training_health(tsum), draw_health(draws)
    ok, note = bad == 0, _draw_note((bad, n))
    boots = depth_mean_resamples(draws)                 # (activation, budget) -> per-depth resampled mean V3
    from_draws = [_rise_row(vsum, boots, ok), _fall_row(draws, ok), _peak_row(boots, ok),
                  _gradient_row(draws, tau, ok), _predict_row(corr, train, ok), _paired_row(draws, runs, train, ok),
                  _abs_v3_row(boots, ok), _abs_c2c_row(vsum, ok)]
    if ssum is not None:
        from_draws.append(_abs_bias_row(ssum, ok))
    return [*({**r, "ours": r["ours"] + note} for r in from_draws), _abs_training_row(runs, train)]
