"""Words and numbers for the deep-linear chapter's prose, computed from its tables and settings.

The chapter's text never types a number of the run: ``varlib.glue_all(values, prefix="deep_linear")`` puts each
value into the executed notebook (``{glue:text}`deep_linear-<name>``` in the markdown), and the sentences that
interpret a result are chosen here from the result (:func:`varlib.book.report.phrase` and small rules stated in each
docstring).
"""
from __future__ import annotations

import math

import numpy as np
import pandas as pd

from varlib.book.report import phrase
from varlib.deep_linear.hysteresis import CROSSING_TOL, SPINODAL_MARGIN
from varlib.deep_linear.scorecard import (BASIN_TRAPPED, SIGNAL_ABOVE_TOL, SIGNAL_BELOW_TOL, SIGNAL_HALF_FACTOR,
                                          practical_rows, basin_verdict, collapse_words, signal_verdict,
                                          spinodal_signal)
from varlib.deep_linear.sgd import lr_schedule, sgd_steps

__all__ = ["dropout_rate", "l2_decay_exponents", "hessian_prose", "family_prose",
           "signal_prose", "basin_prose", "init_label", "practical_prose", "hysteresis_prose", "variance_collapse"]

#: Where a net "sits on" the weight-decay-alone level: output std / that level within these bounds.
_ON_LEVEL = (0.8, 1.25)


def dropout_rate(sigma2: float) -> float:
    """Drop probability p of inverted dropout with noise variance ``sigma2``: sigma2 = p / (1 - p)."""
    if not sigma2 >= 0:
        raise ValueError(f"sigma2 must be >= 0, got {sigma2}")
    return sigma2 / (1 + sigma2)


def l2_decay_exponents(*, gamma: float, lr: float, n: int, epochs: int, batch: int, layers: int = 3) -> dict:
    """How far explicit L2 alone shrinks a bias-free net's output: the exponent x of exp(-x) = exp(-2 layers gamma
    sum_t eta_t) for the constant and the cosine schedule (``decay_constant``, ``decay_cosine``), over the
    ``decay_steps`` SGD steps of ``epochs`` passes over ``n`` samples in batches of ``batch``."""
    T = sgd_steps(n, epochs, batch)
    out = {f"decay_{s}": 2 * layers * gamma * math.fsum(lr_schedule(lr, T, s)) for s in ("constant", "cosine")}
    return {"decay_steps": T, **out}


def hessian_prose(ok: bool) -> dict:
    """``hessian_agrees``: whether the Hessian table agrees with the theory (``ok`` from
    :func:`~varlib.deep_linear.study.hessian_check`), in words."""
    return {"hessian_agrees": "agrees with this at every depth and weight decay" if ok
            else "does not agree with this everywhere"}


def family_prose(err: dict, tol: float = 0.1) -> dict:
    """Fig. 2 in words, from :func:`~varlib.deep_linear.study.family_metrics`: ``family_dev``, the largest
    relative deviation of a nonlinear net from its linearisation near the origin, and ``family_follows``,
    "follows" when it is below ``tol`` (the scorecard's tolerance), else "departs from"."""
    dev = max((e for a, e in err.items() if a != "linear"), default=float("nan"))
    return {"family_dev": dev, "family_follows": "follows" if dev < tol else "departs from"}


def _below_spinodal(table: pd.DataFrame, M_sp: float, activation: str) -> pd.DataFrame:
    """Per signal ||E[xy]|| below M_sp (rows, ascending): the ``activation`` nets' mean output std and mean
    weight-decay-alone level (``output_std``, ``decay_std``)."""
    t = table[(table.activation == activation) & (table.beta_norm < M_sp)]
    return t.groupby("beta_norm")[["output_std", "decay_std"]].mean().sort_index()


def _kept(levels: pd.DataFrame) -> pd.Series:
    """The fraction of the signal ||E[xy]|| (the index) that the output std keeps."""
    return levels.output_std / levels.index


def _span(lo: float, hi: float) -> str:
    """A range of fractions as percentages, "1%–6%", or one percentage when both ends round alike."""
    a, b = f"{lo:.0%}", f"{hi:.0%}"
    return a if a == b else f"{a}–{b}"


def _times(ratio: float) -> str:
    return f"{ratio:.2g} times"


def signal_prose(sig: pd.DataFrame, compare: pd.DataFrame, *, metrics: dict, gamma: float) -> dict:
    """Fig. 3 in words and numbers, from the two :func:`~varlib.deep_linear.study.signal_table` runs (``sig`` with
    the chapter's schedule, ``compare`` with the other) and their :func:`~varlib.deep_linear.scorecard.signal_metrics`
    (``metrics``, with ``compare``):

    - ``signal_mc``, ``signal_msp``, ``compare_schedule``: M_c, M_sp and the other schedule; ``signal_below_tol``,
      ``signal_above_tol``, ``signal_half_factor``: the scorecard's tolerances;

    - ``signal_above`` / ``signal_above_words``: the largest |std f / ||v*|| - 1| of linear and tanh nets above M_c,
      and "match" or "miss" (against the scorecard's tolerance);
    - ``signal_half_<a>`` and ``signal_half_near``: where each activation crosses one half, "close to" or "far from"
      M_c (within the scorecard's factor); ``signal_relu_order``: whether ReLU falls off at a larger signal than
      both linear and tanh nets;
    - ``signal_collapse``: what linear and tanh nets keep of ||E[xy]|| below M_sp; ``signal_verdict``: the
      scorecard's verdict;
    - ``compare_kept`` and ``compare_weakest``: what the other schedule's linear nets keep of the signal below
      M_sp ("24%–43%"), and at the weakest signal against their weight-decay-alone level (on it within 0.8-1.25 times);
      ``signal_near``: the linear nets of both schedules nearest M_sp against their levels (slowed by the
      landscape when both are more than 1.25 times above it);
    - ``signal_below_relu`` / ``signal_relu_closer``: ReLU below M_sp, and whether it comes closer to zero than
      linear and tanh nets.
    """
    g, M_sp = metrics, spinodal_signal(gamma)
    lin = [a for a in ("linear", "tanh") if f"half_{a}" in g]
    above = max((g[f"above_{a}"] for a in lin), default=float("nan"))
    halves = [g[f"half_{a}"] for a in lin]
    near = bool(halves) and all(abs(np.log(h / g["M_c"])) < np.log(SIGNAL_HALF_FACTOR) for h in halves)
    relu_later = "half_relu" in g and bool(halves) and all(g["half_relu"] > h for h in halves)
    closer = "below_relu" in g and bool(lin) and all(g["below_relu"] < g[f"below_{a}"] for a in lin)
    kept = pd.DataFrame({a: _kept(_below_spinodal(sig, M_sp, a)) for a in lin})
    main, alt = _below_spinodal(sig, M_sp, "linear"), _below_spinodal(compare, M_sp, "linear")
    alt_kept = _kept(alt)
    return {"signal_mc": g["M_c"], "signal_msp": g["M_sp"], "compare_schedule": g.get("compare_schedule", ""),
            "signal_below_tol": SIGNAL_BELOW_TOL, "signal_above_tol": SIGNAL_ABOVE_TOL,
            "signal_half_factor": SIGNAL_HALF_FACTOR, "signal_above": above,
            "signal_above_words": "match" if above <= SIGNAL_ABOVE_TOL else "miss",
            **{f"signal_half_{a}": g.get(f"half_{a}", float("nan")) for a in ("linear", "tanh", "relu")},
            "signal_half_near": "close to" if near else "far from",
            "signal_relu_order": "fall off at a larger one" if relu_later else "do not fall off at a larger one",
            "signal_collapse": _collapse_words(kept, M_sp),
            "signal_verdict": signal_verdict(g),
            "compare_kept": _span(alt_kept.min(), alt_kept.max()) if len(alt) else "nothing measured",
            "compare_weakest": _weakest_words(alt),
            "signal_near": _near_words(main, alt),
            "signal_below_relu": g.get("below_relu", float("nan")),
            "signal_relu_closer": "come closer to zero still" if closer else "do not come closer to zero"}


def _collapse_words(kept: pd.DataFrame, M_sp: float) -> str:
    """What the nets keep of ||E[xy]|| (output std / signal; rows: signals below M_sp, columns: activations)."""
    if not len(kept) or not kept.shape[1]:
        return "are not measured there: no signal of this run lies below M_sp"
    s = kept.index.to_numpy()
    last = f"‖E[xy]‖ = {s[-1]:.3f} = {s[-1] / M_sp:.2f} M_sp"
    if len(s) == 1:
        return f"keep {kept.iloc[-1].max():.0%} of ‖E[xy]‖ at {last}"
    lower = kept.iloc[:-1]
    return (f"keep {_span(lower.min().min(), lower.max().max())} of ‖E[xy]‖ at signals up to "
            f"{s[-2] / M_sp:.1f} M_sp, and {kept.iloc[-1].max():.0%} just below the spinodal ({last})")


def _weakest_words(alt: pd.DataFrame) -> str:
    """The other schedule's linear nets at the weakest signal against their weight-decay-alone level."""
    if not len(alt):
        return "is not measured: no signal lies below M_sp"
    out, level = float(alt.output_std.iloc[0]), float(alt.decay_std.iloc[0])
    nums = f"({out:.4f} against {level:.4f})"
    return phrase(out / level, low=_ON_LEVEL[0], high=_ON_LEVEL[1],
                  below=f"lies below the weight-decay-alone level {nums}",
                  between=f"sits on the weight-decay-alone level {nums}: there the collapse is as fast as L2 "
                          "allows, and the schedule's step sizes are what stop it",
                  above=f"is {_times(out / level)} the weight-decay-alone level {nums}: even there the landscape "
                        "slows the collapse")


def _near_words(main: pd.DataFrame, alt: pd.DataFrame) -> str:
    """The linear nets of both schedules at the largest signal below M_sp against their weight-decay-alone levels."""
    if not len(main) or not len(alt) or alt.index[-1] not in main.index:
        return "Nearer M_sp there is no signal to compare the schedules at"
    s = float(alt.index[-1])
    r_alt = float(alt.output_std.loc[s] / alt.decay_std.loc[s])
    r_main = float(main.output_std.loc[s] / main.decay_std.loc[s])
    lead = phrase(min(r_alt, r_main), low=_ON_LEVEL[1], high=_ON_LEVEL[1],
                  below="Nearer M_sp the collapse still keeps pace with weight decay",
                  between="Nearer M_sp the collapse still keeps pace with weight decay",
                  above="Nearer M_sp both schedules are slowed by the landscape as well")
    return (f"{lead} (at ‖E[xy]‖ = {s:.3f} the other schedule's linear nets are at {_times(r_alt)}, the main "
            f"one's at {_times(r_main)} their weight-decay-alone level)")


def _diverged_by_scale(b: dict) -> dict:
    """{scale: diverged runs} over depths, from the 'escaped/trapped/diverged' counts, for scales with any."""
    counts = b.get("counts")
    if counts is None:
        return {}
    per = counts.apply(lambda row: sum(int(c.split("/")[2]) for c in row.dropna()), axis=1)
    return {float(s): int(n) for s, n in per.items() if n}


def init_label(scale: float) -> str:
    """An initial scale (x N(0, 1/fan_in)) in words: PyTorch's default nn.Linear scale is 1/sqrt(3) (uniform
    draws of that variance), He's is sqrt(2)."""
    for value, name in ((3 ** -0.5, "PyTorch's default scale"), (2 ** 0.5, "He")):
        if abs(scale - value) < 1e-3:
            return f"{name} ({scale:.3g}×)"
    return f"{scale:g}×"


def basin_prose(metrics: dict) -> dict:
    """Zero's basin in words, from :func:`~varlib.deep_linear.scorecard.basin_metrics`: ``basin_standard`` (how
    the standard 1 x Kaiming scale fared), ``basin_smaller`` (which smaller scales depth traps), ``basin_grows``,
    ``basin_standard_trapped`` and ``basin_support`` (the scorecard's verdict on the paper's claim, in words)."""
    b = metrics
    std, trapped = b["standard"], b["trapped_from"]
    if std in trapped:
        standard = f"{std:g}× N(0, 1/fan_in) was trapped from D = {trapped[std]} on"
    elif b["standard_min"] != b["standard_min"]:
        standard = f"{std:g}× N(0, 1/fan_in) was not run"
    elif b["standard_min"] <= BASIN_TRAPPED:  # not trapped by depth, so already at the shallowest net
        standard = f"{std:g}× N(0, 1/fan_in) was trapped at every depth, already at the shallowest"
    else:
        standard = f"{std:g}× N(0, 1/fan_in) escaped at every depth up to D = {b['max_depth']}"
    small = [f"{init_label(s)} from D = {D} on" for s, D in sorted(trapped.items()) if s != std]
    smaller = (f"other scales are trapped by depth (at most {BASIN_TRAPPED:.0%} of the runs escape): "
               + ", ".join(small)) if small else "no other scale is trapped by depth"
    grows = ("grows with depth" if b["spread"] > 0 else "does not change with depth at these scales") \
        if b["narrows"] else "does not grow steadily with depth"
    support = {"reproduced": "supported", "partly reproduced": "only partly supported",
               "not reproduced": "not supported"}.get(basin_verdict(b), "not tested here")
    div = b.get("diverged") or (0, 0)
    diverged = (f"{div[0]} of the {div[1]} runs diverged (counted as neither): "
                + ", ".join(f"{init_label(s)} {n}" for s, n in _diverged_by_scale(b).items())
                if div[0] else "no run diverged")
    return {"basin_standard": standard, "basin_smaller": smaller, "basin_grows": grows, "basin_diverged": diverged,
            "basin_standard_trapped": "is trapped" if std in trapped else "is not trapped",
            "basin_support": support}


def practical_prose(metrics: dict) -> dict:
    """The weight-decay sweeps on real data in words, from :func:`~varlib.deep_linear.practical.practical_metrics`
    (plus ``dataset``): ``practical_where`` (each depth's collapse interval), ``practical_order`` (does the
    collapse strength fall with depth: in every run, in the median, not, or the grid cannot tell),
    ``practical_jump`` and ``practical_shallow`` (what is left of the output just before the collapse) and
    ``practical_verdicts`` (the two rows' verdicts)."""
    p = metrics
    order = ("cannot be told on this grid" if p["order"] is None else
             "falls with depth in every run: no run of a deeper net collapses at a larger γ than any run of a "
             "shallower one" if p["order"] else
             "falls with depth in the median run, though the runs' intervals overlap" if p["order_median"] else
             "does not fall with depth")
    shallow = ("have no run on the grid" if p["shallow"] != p["shallow"] else
               f"keep at most {p['shallow']:.0%} of their output at the smallest γ before they collapse"
               if p["shallow_collapses"] else
               f"shrink to at most {p['shallow']:.0%} of their output at the smallest γ and never collapse on the grid")
    jump = ({True: f"drop to zero from at least {p['jumps']:.0%} of their output at the smallest γ, more than a "
                   f"continuous decline could keep at this grid spacing ({p['jump_bound']:.0%})",
             False: f"include a run that keeps only {p['jumps']:.0%} of its output before it collapses"}
            .get(p["deep_jump"], "cannot be told apart from a continuous decline on this grid (or do not all "
                                 "collapse on it)"))
    rows = practical_rows(p)
    return {"practical_where": collapse_words(p["runs"]), "practical_order": order, "practical_jump": jump,
            "practical_shallow": shallow, "practical_data_name": p["dataset"],
            "practical_verdict_order": rows[0]["verdict"], "practical_verdict_jump": rows[1]["verdict"]}


def hysteresis_prose(metrics: dict) -> dict:
    """The hysteresis sweeps in words, from :func:`~varlib.deep_linear.hysteresis.hysteresis_metrics` ({depth:
    metrics}): ``hysteresis_words`` (per depth where the loop opens and closes) and the row's tolerances."""
    parts = []
    for D, x in metrics.items():
        if D == 1:
            grew = x["down_grew"] is True
            parts.append("For D = 1 a kicked downward stage " + ("grows off zero again below γ*, so the two sweeps "
                         "agree: no loop." if grew else "does not grow off zero below γ*, unlike the theory's saddle."))
            continue
        c = x["crossing"]
        cross = ("never reaches E[y²] before the branch ends" if c == float("inf") else "is not measured" if c != c
                 else f"crosses E[y²] at {c:.3f} γ*")
        held = x["window_nonzero"] == 1 and x["beyond_zero"] == 1
        parts.append(f"For D = {D} the upward branch's loss {cross}; the net "
                     + ("stays off zero up to the spinodal γ_sp = " if held else
                        "does not follow the nonzero branch exactly to the spinodal γ_sp = ")
                     + f"{x['gamma_sp_ratio']:.2f} γ* and " + ("is at zero beyond it" if held else "its end")
                     + ", while the downward sweep " + ("stays at zero at every γ: a loop." if x["down_zero"] == 1
                                                       else "leaves zero at some γ."))
    return {"hysteresis_words": " ".join(parts), "hysteresis_crossing_tol": CROSSING_TOL,
            "hysteresis_margin": SPINODAL_MARGIN}


def variance_collapse(var: pd.DataFrame) -> dict:
    """The depth sweep of the prediction variance in words (from :func:`~varlib.deep_linear.study.variance_table`):
    ``variance_collapse``, a sentence saying where the variance drops to zero between two swept depths, and why, or
    that it does not within the sweep."""
    d = var[var.sweep == "depth"].sort_values("value")
    zero = d[d.v_norm < 1e-12]
    if d.empty or zero.empty:
        return {"variance_collapse": "Along the depth sweep the variance stays above zero at every swept depth."}
    first = zero.iloc[0]
    before = d[d.value < first.value]
    if before.empty:
        return {"variance_collapse": f"Along the depth sweep the variance is zero already at D = {first.value:g}, "
                                     "the shallowest swept depth: the optimal net is zero there."}
    last = before.iloc[-1]
    return {"variance_collapse": f"Along the depth sweep the variance does not fade: it drops from "
                                 f"{last.variance:.3g} at D = {last.value:g} to exactly zero at D = {first.value:g}, "
                                 "where the predictor itself collapses. That is the first-order transition again: at "
                                 "fixed γ the critical γ*(D) falls with depth, and once it passes γ the optimal net is "
                                 "zero, with no variance at all."}
