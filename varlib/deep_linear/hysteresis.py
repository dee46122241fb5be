"""The first-order transition shown by training: warm-started sweeps of the weight decay, up and down.

For D >= 2 hidden layers the exact loss (Eq. 1) has the origin as a local minimum at every gamma > 0, and a
nonzero minimum that is global below gamma* and metastable up to the spinodal gamma_sp, where it disappears
(:mod:`varlib.deep_linear.theory`). A slow sweep of gamma, each stage started from the weights the previous one
ended with, therefore traces a hysteresis loop:

* **upward** from a Kaiming start below gamma*, the trained net follows the nonzero branch past gamma* and
  drops to zero only where that branch ends, at gamma_sp;
* **downward** from the collapsed net, with a small random kick at every stage, it stays at zero at every gamma:
  zero is a local minimum, so the kick decays (true of any kick this small, so it is shown, not graded);
* on the upward branch the loss crosses E[y^2] (the loss of the zero net) exactly at gamma*, where the global
  minimum changes branch.

For D = 1 the transition is continuous (second order): zero is a saddle below gamma* = ||E[xy]||, so the kicked
downward sweep leaves zero again there and both sweeps agree. All ratios below are gamma / gamma*(D).
"""
from __future__ import annotations

import numpy as np
import pandas as pd
import torch

from varlib.core.checks import check_int
from varlib.deep_linear.model import LinearTask
from varlib.deep_linear.nets import end_to_end, expected_loss, init_weights, linear_diverged, train_exact
from varlib.deep_linear.theory import gamma_spinodal, gamma_star

__all__ = ["ZERO_NORM", "SPINODAL_MARGIN", "CROSSING_TOL", "hysteresis_table", "hysteresis_metrics"]

#: A trained net "is at zero" when its end-to-end predictor has norm below this (the origin is an exact
#: stationary point; a net on the nonzero branch has ||v|| of order (D-1)/D or more).
ZERO_NORM = 1e-6

#: Past the spinodal the nonzero branch is gone but the descent to zero slows down without bound as gamma
#: approaches gamma_sp; the upward sweep is required to be at zero only from (1 + this) x gamma_sp on.
SPINODAL_MARGIN = 0.1

#: The upward branch's loss must cross E[y^2] within this relative distance of gamma* (a grid-interpolation error,
#: the exact crossing being gamma* itself).
CROSSING_TOL = 0.02


def _isotropic_scale(task: LinearTask) -> tuple[float, float]:
    """(A, M) of the task: the largest eigenvalue of A0 and ||E[xy]|| (the theory's isotropic constants)."""
    return float(np.linalg.eigvalsh(task.A0).max()), float(np.linalg.norm(task.beta))


def hysteresis_table(*, task: LinearTask, depths, gamma_ratios, seeds: int, width: int, steps: int, lr: float,
                     kick: float = 1e-3, seed: int = 0, device="cpu") -> pd.DataFrame:
    """Warm-started sweeps of gamma = ratio x gamma*(D) over the sorted ``gamma_ratios``, for every depth:
    ``seeds`` nets per depth, trained by full-batch GD on the exact loss (:func:`train_exact`, ``steps`` steps at
    ``lr`` per stage). Upward from a Kaiming start; downward from where the upward sweep ended, each stage first
    adding ``kick`` x Kaiming noise to the weights.

    One row per (direction, depth, ratio, net): direction ("up" / "down"), depth, ratio, gamma, member, loss0 (at
    the stage's start), loss, v_norm, v_start (||v|| where the stage started, after any kick), at_zero (v_norm <
    :data:`ZERO_NORM`), Ey2, gamma_sp_ratio (gamma_sp / gamma*) and diverged (:func:`linear_diverged`)."""
    check_int("seeds", seeds, 1), check_int("steps", steps, 1)
    ratios = sorted(float(r) for r in gamma_ratios)
    if not ratios or ratios[0] <= 0:
        raise ValueError(f"gamma_ratios must be positive multiples of gamma*, got {list(gamma_ratios)}")
    A, M = _isotropic_scale(task)
    rows = []
    for D in depths:
        gs = gamma_star(int(D), A, M)
        ws = init_weights(task.d0, [width] * int(D), seeds, 1.0, seed)
        for direction, order in (("up", ratios), ("down", ratios[::-1])):
            for k, r in enumerate(order):
                if direction == "down":
                    noise = init_weights(task.d0, [width] * int(D), seeds, kick, seed + 1 + k)
                    ws = [w + n for w, n in zip(ws, noise)]
                v_kick = end_to_end(ws).norm(dim=1)                 # where the stage starts (after the kick)
                gamma = torch.full((seeds,), r * gs, dtype=torch.float64)
                loss0 = expected_loss(ws, task, gamma)
                ws, loss = train_exact(ws, task, gamma, steps=steps, lr=lr, optimizer="gd", device=device)
                v = end_to_end(ws).norm(dim=1)
                for m in range(seeds):
                    rows.append({"direction": direction, "depth": int(D), "ratio": r, "gamma": r * gs, "member": m,
                                 "loss0": float(loss0[m]), "loss": float(loss[m]), "v_norm": float(v[m]),
                                 "v_start": float(v_kick[m]),
                                 "Ey2": task.Ey2, "gamma_sp_ratio": gamma_spinodal(int(D), A, M) / gs})
    df = pd.DataFrame(rows)
    return df.assign(at_zero=df.v_norm < ZERO_NORM, diverged=linear_diverged(df.loss, df.loss0))


def _crossing(up: pd.DataFrame) -> float:
    """The ratio where the upward branch's mean loss first crosses E[y^2] from below, by linear interpolation
    between the grid points on the nonzero branch; +inf when the branch was reached but ended (or the grid did)
    before its loss rose to E[y^2] (no crossing: the check fails); NaN when the sweep never left zero."""
    g = up[~up.at_zero].groupby("ratio").agg(loss=("loss", "mean"), Ey2=("Ey2", "first")).reset_index()
    if g.empty:
        return float("nan")
    gap = (g.loss - g.Ey2).to_numpy()
    for i in range(1, len(g)):
        if gap[i - 1] < 0 <= gap[i]:
            r0, r1 = g.ratio.iloc[i - 1], g.ratio.iloc[i]
            return float(r0 + (r1 - r0) * -gap[i - 1] / (gap[i] - gap[i - 1]))
    return float("inf")


def hysteresis_metrics(table: pd.DataFrame) -> dict:
    """Per depth of a :func:`hysteresis_table` (ratios gamma / gamma*):

    * ``crossing``: where the upward branch's mean loss crosses E[y^2] (theory 1 for D >= 2; NaN for D = 1);
    * ``window_nonzero``: fraction of the upward runs off zero at the grid ratios inside the metastable window
      (1, gamma_sp / gamma*) (theory 1; NaN when no grid ratio lies in it or D = 1);
    * ``beyond_zero``: fraction of the upward runs at zero at the ratios from (1 + :data:`SPINODAL_MARGIN`) x
      gamma_sp / gamma* on (theory 1: the branch has ended; just past gamma_sp the descent slows down without
      bound, so those ratios are left out; NaN when there are none);
    * ``down_zero``: fraction of the downward stages at zero (theory 1 for D >= 2; shown, not graded: a kick this
      small decays whatever the landscape further out); ``down_grew``: for D = 1, whether a downward stage below
      gamma* grew at least tenfold from where it started (the kick grows at a saddle; theory True);
    * ``gamma_sp_ratio`` and ``diverged`` (diverged stages, stages, by :func:`linear_diverged` from ``loss`` and
      ``loss0``)."""
    out = {}
    for D, d in table.groupby("depth"):
        up, down = d[d.direction == "up"], d[d.direction == "down"]
        sp = float(d.gamma_sp_ratio.iloc[0])
        window = up[(up.ratio > 1) & (up.ratio < sp)]
        beyond = up[up.ratio >= sp * (1 + SPINODAL_MARGIN)]
        below = down[down.ratio < 1]
        out[int(D)] = {"crossing": _crossing(up) if D >= 2 else float("nan"),
                       "window_nonzero": float((~window.at_zero).mean()) if D >= 2 and len(window) else float("nan"),
                       "beyond_zero": float(beyond.at_zero.mean()) if len(beyond) else float("nan"),
                       "down_zero": float(down.at_zero.mean()) if len(down) else float("nan"),
                       "down_grew": bool((below.v_norm >= 10 * below.v_start).any()) if len(below) else float("nan"),
                       "gamma_sp_ratio": sp, "diverged": (int(linear_diverged(d.loss, d.loss0).sum()), len(d))}
    return out
