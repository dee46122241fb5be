"""The prediction variance of trained stochastic nets along the width, noise and depth sweeps.

At the global minimum the average prediction variance is E_x Var_eps f = (kappa - 1) v*^T A0 v* (chapter Eq.
eq-dl-variance), and the v1 abstract's claim is that it goes to zero as the noise, the width or the depth grows.
Here nets are trained at every point of a sweep (:func:`~varlib.deep_linear.study.variance_sweeps`) from LeCun
starts, by Adam on the exact noise-marginalised loss, and their own variance
(:func:`~varlib.deep_linear.nets.trained_variance`, exact, no sampling) is compared with the closed form.

A run is **converged** when its loss is within CONVERGED_TOL of the exact L* (only these are evidence for the
formula), **trapped** when it ended at zero although v* is not zero (zero is a local minimum for D >= 2: the basin
experiment's subject, not this one's), **diverged** (:func:`~varlib.deep_linear.nets.linear_diverged`) or
**unsettled** (anything else: training too short at that point). Each count is shown.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from varlib.deep_linear.hysteresis import ZERO_NORM
from varlib.deep_linear.model import DeepLinear, LinearTask
from varlib.deep_linear.evidence import run_diverged
from varlib.deep_linear.nets import expected_variance, train_linear_ensemble

__all__ = ["CONVERGED_TOL", "MIN_POINTS", "trained_variance_table", "trained_variance_metrics", "coverage_table",
           "trained_variance_prose", "with_variance_endings"]

#: A trained run is converged when |L - L*| <= this x (1 + |L*|).
CONVERGED_TOL = 1e-3

#: A sweep traces the formula in training when converged runs cover at least this many of its points.
MIN_POINTS = 2


def _ending(row) -> str:
    if run_diverged(row):
        return "diverged"
    if abs(row.loss - row.loss_star) <= CONVERGED_TOL * (1 + abs(row.loss_star)):
        return "converged"
    return "trapped" if row.v_norm < ZERO_NORM < row.v_norm_star else "unsettled"


def trained_variance_table(*, task: LinearTask, sweeps: dict, seeds: int, steps: int, lr: float, seed: int = 0,
                           device="cpu") -> pd.DataFrame:
    """``seeds`` nets per point of ``sweeps`` ({name: (base DeepLinear kwargs, swept key, values)}), trained by
    Adam on the exact loss; nets of one depth and width train together. One row per run: sweep, value, the
    columns of :func:`~varlib.deep_linear.nets.train_linear_ensemble` (``variance`` is the trained net's), theory
    ((kappa - 1) v*^T A0 v*) and rel_err (|variance / theory - 1|; NaN where theory is 0); endings:
    :func:`with_variance_endings`."""
    points = [(name, val, DeepLinear(**{**base, key: val})) for name, (base, key, values) in sweeps.items()
              for val in values]
    nets = [net for _, _, net in points for _ in range(seeds)]
    df = train_linear_ensemble(task, nets, "kaiming", seed=seed, steps=steps, lr=lr, optimizer="adam", device=device)
    df["sweep"] = [name for name, _, _ in points for _ in range(seeds)]
    df["value"] = [val for _, val, _ in points for _ in range(seeds)]
    theory = {(name, val): expected_variance(task, net) for name, val, net in points}
    df["theory"] = [theory[(s, v)] for s, v in zip(df.sweep, df.value)]
    df["rel_err"] = (df.variance / df.theory.where(df.theory > 0) - 1).abs()
    return df


def with_variance_endings(df: pd.DataFrame) -> pd.DataFrame:
    """The table with each run's ``ending`` (converged, trapped, unsettled or diverged; see the module), read off
    its trained numbers."""
    return df.assign(ending=[_ending(r) for r in df.itertuples()])


def trained_variance_metrics(df: pd.DataFrame) -> dict:
    """``err``: the largest |variance / theory - 1| of the converged runs (where the optimum has v* = 0, the
    variance's size relative to the sweep's largest theory value); ``covered``: {sweep: the values with a converged
    run}; ``points``: {sweep: number of points}; ``traced``: every sweep has at least MIN_POINTS covered values;
    ``endings``: runs per ending; ``diverged``: (diverged, runs)."""
    df = with_variance_endings(df)
    ok = df[df.ending == "converged"]
    peak = df.groupby("sweep").theory.max()
    errs = np.where(ok.theory > 0, ok.rel_err, ok.variance.abs() / ok.sweep.map(peak))
    covered = {s: sorted(g.value.unique()) for s, g in ok.groupby("sweep", sort=False)}
    points = {s: g.value.nunique() for s, g in df.groupby("sweep", sort=False)}
    return {"err": float(np.max(errs)) if len(ok) else float("nan"), "covered": covered, "points": points,
            "traced": all(len(covered.get(s, ())) >= MIN_POINTS for s in points),
            "endings": df.ending.value_counts().to_dict(),
            "diverged": (int((df.ending == "diverged").sum()), len(df))}


def coverage_table(df: pd.DataFrame) -> pd.DataFrame:
    """Per sweep: its trained points, how many have a converged run, the runs per ending, and the largest
    |variance / theory - 1| of the converged runs (where the theory is not zero)."""
    df = with_variance_endings(df)
    endings = pd.crosstab(df.sweep, df.ending)
    ok = df[df.ending == "converged"]
    out = pd.DataFrame({"points": df.groupby("sweep").value.nunique(),
                        "points converged": ok.groupby("sweep").value.nunique(),
                        "largest rel. error": ok.groupby("sweep").rel_err.max()})
    out = out.join(endings).reindex(list(dict.fromkeys(df.sweep)))
    counts = [c for c in out.columns if c != "largest rel. error"]
    out[counts] = out[counts].fillna(0).astype(int)
    return out.rename_axis("sweep")


_SWEEP_WORDS = {"width": "width", "noise": "noise variance", "depth": "depth",
                "depth_noise": "depth at the vanishing decay"}


def trained_variance_prose(t: dict) -> dict:
    """The sentence on the trained nets of the variance sweeps, from :func:`trained_variance_metrics`."""
    n = t["endings"].get("converged", 0)
    reach = ", ".join(f"{_SWEEP_WORDS.get(s, s)} up to {max(v):g}" for s, v in t["covered"].items())
    other = ", ".join(f"{k} {c}" for k, c in t["endings"].items() if k != "converged") or "none"
    if n == 0:
        return {"var_trained_words": f"no run converged (the others: {other}), so trained nets give no evidence."}
    agree = "agrees with" if t["err"] < 0.05 else "does not agree with"
    return {"var_trained_words": f"the exact variance of the {n} runs that converged {agree} the formula (largest "
                                 f"relative error {t['err']:.2%}); converged runs reach {reach} (the other runs: "
                                 f"{other}). Where training does not converge the formula is not tested by it."}
