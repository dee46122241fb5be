"""Phase diagrams over (noise, gamma) and (signal, gamma), with trained nets on them.

For isotropic data (A0 = I, ||E[xy]|| = M) and D >= 2 hidden layers of width d with neuron noise sigma2, the
exact loss (Eq. 1) depends on the noise only through the factor kappa = (1 + sigma2 / d)^D, which multiplies A
(:mod:`varlib.deep_linear.theory`). Its thresholds,

    gamma*(D, kappa, M) = ((D - 1) / kappa)^((D-1)/(D+1)) (M / D)^(2D/(D+1)),
    gamma_sp(D, kappa, M) = M (D + 1) / (2D) [(D - 1) M / (2 D kappa)]^((D-1)/(D+1)),

draw two lines in each plane: below gamma* the global minimum is nonzero; between gamma* and gamma_sp it is zero
and a nonzero metastable minimum survives; above gamma_sp zero is the only minimum. Noise lowers both lines
(as kappa^(-(D-1)/(D+1))), a stronger signal raises them (as M^(2D/(D+1))).

A trained run (LeCun start, full-batch Adam on the exact loss) has **settled** when the gradient of its loss has
all but vanished; a run still moving is counted and is no evidence either way. A settled run is **allowed** where
it ends as the theory lets it:

* below gamma*: at the global minimum (its norm and loss those of the solver's), or at zero (zero is a local
  minimum for D >= 2, so a start may be trapped: counted, and too many trapped runs leave no evidence);
* between gamma* and gamma_sp: on the metastable branch (the larger root of the stationarity polynomial, loss
  above E[y^2]) or at zero;
* from (1 + SPINODAL_MARGIN) gamma_sp on: at zero (just past gamma_sp the descent slows down without bound,
  so runs between gamma_sp and that margin are shown, not graded).

A settled run anywhere else (a stationary point the theory does not have there) refutes the lines.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from varlib.book.report import verdict
from varlib.deep_linear.evidence import run_diverged, runs_text, sound
from varlib.deep_linear.hysteresis import SPINODAL_MARGIN, ZERO_NORM
from varlib.deep_linear.model import DeepLinear, task_from_data
from varlib.deep_linear.nets import train_linear_ensemble
from varlib.deep_linear.sgd import isotropic_samples
from varlib.deep_linear.theory import gamma_spinodal, gamma_star, isotropic_roots

__all__ = ["PLANES", "MAX_TRAPPED", "MAX_UNSETTLED", "GRAD_TOL", "BRANCH_TOL", "plane_table", "plane_metrics",
           "plane_row", "plane_prose", "with_plane_endings"]

#: The two planes: the swept quantity besides gamma, and its symbol for the reader.
PLANES = {"noise": "σ²", "signal": "M"}

#: Below gamma* a plane's evidence is its runs that left zero: when more than this fraction of them stayed
#: trapped there, the lines are not tested below gamma*.
MAX_TRAPPED = 0.5


def _region(gamma: float, g_star: float, g_sp: float) -> str:
    if gamma < g_star:
        return "nonzero"
    if gamma < g_sp:
        return "window"
    return "zero" if gamma >= (1 + SPINODAL_MARGIN) * g_sp else "edge"


def _branch_norm(row, depth: int) -> float:
    """||v|| on the theory's nonzero branch at this point: the global minimum's below gamma*, the metastable
    one's (b_l^(D+1), b_l the larger root of A b^(2D) - M b^(D-1) + gamma = 0) in the window; NaN where none."""
    if row.region == "nonzero":
        return row.v_norm_star
    roots = isotropic_roots(depth, row.kappa, row.M, row.gamma) if row.region == "window" else []
    return float(roots[-1] ** (depth + 1)) if len(roots) else float("nan")


def _ending(row, depth: int) -> str:
    """Where a run ended: "diverged"; "zero"; "unsettled" (nonzero and still moving: gradient norm above
    GRAD_TOL); settled nonzero runs are "global" (below gamma*, at the global minimum's norm and loss),
    "metastable" (in the window, at the metastable branch's norm, loss above E[y^2]) or "elsewhere" (a stationary
    point the theory does not have there)."""
    if run_diverged(row):
        return "diverged"
    if row.v_norm < ZERO_NORM:
        return "zero"
    if row.grad_norm > GRAD_TOL:
        return "unsettled"
    branch = _branch_norm(row, depth)
    on_branch = abs(row.v_norm - branch) <= BRANCH_TOL * branch
    if on_branch and row.region == "nonzero" and abs(row.loss - row.loss_star) < 1e-4 * (1 + abs(row.loss_star)):
        return "global"
    return "metastable" if on_branch and row.region == "window" and row.loss > row.Ey2 else "elsewhere"


_ALLOWED = {"nonzero": {"global", "zero"}, "window": {"metastable", "zero"}, "zero": {"zero"},
            "edge": {"global", "zero", "metastable", "unsettled", "elsewhere"}}
#: A run has settled when the gradient norm of its exact loss is at most this (settled runs measured at 1e-4 and
#: below, runs still moving at 2e-2 and above).
GRAD_TOL = 1e-3

#: A settled nonzero run is on the theory's branch when its ||v|| is within this relative distance of the branch's.
BRANCH_TOL = 1e-3

#: When more than this fraction of a plane's graded runs did not settle, the plane is not tested.
MAX_UNSETTLED = 0.25


def plane_table(*, plane: str, values, gammas, depth: int, width: int, seeds: int, steps: int, lr: float, d0: int,
                n: int, label_noise: float, seed: int = 0, device="cpu") -> pd.DataFrame:
    """LeCun-started nets trained by Adam on the exact loss at every (value, gamma) of a plane, one row per run.

    ``plane``: "noise" (``values`` are noise variances sigma2, on the isotropic task with M = 1) or "signal"
    (``values`` are signals M, each on its own isotropic task, noise-free units); the tasks are those of
    :func:`~varlib.deep_linear.study.isotropic_task` (``d0``, ``n`` samples, ``label_noise``, ``seed``).
    Columns: plane, value, kappa, M, gamma, gamma_star, gamma_sp, region (the theory's, see the module) and the
    training columns of :func:`~varlib.deep_linear.nets.train_linear_ensemble` (endings: :func:`with_plane_endings`)."""
    if plane not in PLANES:
        raise ValueError(f"plane must be one of {sorted(PLANES)}, got {plane!r}")
    signals = [1.0] if plane == "noise" else [float(M) for M in values]
    tasks = {M: task_from_data(*isotropic_samples(d0, M, n, label_noise, seed)) for M in signals}
    out = []
    for M, task in tasks.items():
        s2s = [float(v) for v in values] if plane == "noise" else [0.0]
        nets = [DeepLinear(depth, width, float(g), s2) for s2 in s2s for g in gammas for _ in range(seeds)]
        df = train_linear_ensemble(task, nets, "kaiming", seed=seed, steps=steps, lr=lr, optimizer="adam",
                                   device=device)
        df["value"] = df.sigma2 if plane == "noise" else M
        df["M"], df["Ey2"] = float(np.linalg.norm(task.beta)), task.Ey2
        out.append(df)
    df = pd.concat(out, ignore_index=True).assign(plane=plane)
    df["kappa"] = (1 + df.sigma2 / width) ** depth
    df["gamma"] = df.gamma_bar
    df["gamma_star"] = [gamma_star(depth, k, M) for k, M in zip(df.kappa, df.M)]
    df["gamma_sp"] = [gamma_spinodal(depth, k, M) for k, M in zip(df.kappa, df.M)]
    df["region"] = [_region(g, s, p) for g, s, p in zip(df.gamma, df.gamma_star, df.gamma_sp)]
    return df


def with_plane_endings(df: pd.DataFrame) -> pd.DataFrame:
    """A plane's table with ``ending`` (:func:`_ending`, read off the trained numbers each time, never stored) and
    ``allowed`` (whether the theory lets a run end that way in its region)."""
    ending = [_ending(r, int(r.depth)) for r in df.itertuples()]
    return df.assign(ending=ending, allowed=[e in _ALLOWED[r] for e, r in zip(ending, df.region)])


def plane_metrics(df: pd.DataFrame) -> dict:
    """Counts of one plane's graded runs (region other than "edge"): ``runs``, ``allowed``, ``wrong`` (the
    refuting runs as "value/gamma: ending in region"), ``trapped`` (zero below gamma*) of ``below`` runs below
    gamma*, ``diverged`` (diverged, graded runs), ``endings`` per region."""
    df = with_plane_endings(df)
    graded = df[df.region != "edge"]
    below = graded[graded.region == "nonzero"]
    bad = graded[~graded.allowed & ~graded.ending.isin(["diverged", "unsettled"])]
    return {"runs": len(graded), "allowed": int(graded.allowed.sum()),
            "wrong": [f"{v:g}/{g:.3g}: {e} in {r}" for v, g, e, r in zip(bad.value, bad.gamma, bad.ending, bad.region)],
            "trapped": int((below.ending == "zero").sum()), "below": len(below),
            "unsettled": int((graded.ending == "unsettled").sum()),
            "diverged": (int((graded.ending == "diverged").sum()), len(graded)),
            "endings": {r: g.ending.value_counts().to_dict() for r, g in graded.groupby("region")}}


def plane_row(planes: dict) -> dict:
    """One scorecard row for the planes ({plane: :func:`plane_metrics`}). Reproduced when every graded run of
    every plane ends where the theory allows; not reproduced when one does not; not tested when a run diverged,
    a plane has no graded run, more than MAX_UNSETTLED of its runs did not settle, or more than MAX_TRAPPED of its
    runs below gamma* stayed trapped at zero."""
    parts, wrong, enough = [], [], []
    for name, m in planes.items():
        sym = PLANES[name]
        parts.append(f"({sym}, γ): {m['allowed']}/{m['runs']} runs where the theory allows, {m['unsettled']} not "
                     f"settled, {m['trapped']}/{m['below']} below γ* trapped at zero")
        wrong += m["wrong"]
        enough.append(m["runs"] > 0 and m["below"] > 0 and m["trapped"] <= MAX_TRAPPED * m["below"]
                      and m["unsettled"] <= MAX_UNSETTLED * m["runs"])
    div = tuple(map(sum, zip(*(m["diverged"] for m in planes.values())))) if planes else None
    words = "; ".join(parts) + (f"; against it: {', '.join(wrong[:4])}" if wrong else "")
    return {"claim": "the transition moves with noise and signal as $\\gamma^*(\\kappa, M)$ and "
                     "$\\gamma_{sp}(\\kappa, M)$ predict",
            "paper": "Thm. 4 with $\\kappa = (1 + \\sigma^2/d)^D$; the lines in these planes: derived here (not in "
                     "the paper)",
            "ours": words + runs_text(div),
            "verdict": verdict(not wrong if all(enough) else None, evidence=(sound(div),) if all(enough) else (None,))}


def plane_prose(planes: dict) -> dict:
    """The sentence on the planes, from {plane: :func:`plane_metrics`}."""
    parts = [f"in the ({PLANES[k]}, γ) plane {m['allowed']} of {m['runs']} graded runs end where the theory allows "
             f"({m['trapped']} of the {m['below']} below γ* trapped at zero, {m['unsettled']} unsettled)"
             for k, m in planes.items()]
    wrong = [w for m in planes.values() for w in m["wrong"]]
    tail = (f" Against the lines: {', '.join(wrong[:4])}." if wrong else
            " No settled run ends where the theory forbids it: the lines move with noise and signal as predicted.")
    text = "; ".join(parts)
    return {"plane_words": text[0].upper() + text[1:] + "." + tail}
