"""The calibrated step-0 constants of IP-LLR against width (Hajjar, Chizat & Giraud 2021, Section 4; the
authors' code calibrates them, :func:`~varlib.integrable.sgd.calibrate_step0`).

IP-LLR's step-0 rates are base_l m^{-c0_l}; the base of layer l >= 2 is r_l = 1 / mean |Delta h^l| measured on a
mock step, capped at ``cap``. After the first step mean |h^l| is then of order one **by construction** (the base
is chosen to make it so), so the interesting number is r_l itself: if the exponents c0 were exactly right r_l
would not depend on m. A fitted slope d log r_l / d log m > 0 says the exponents leave a power of m to the
calibration, and the cap binds from the width where r_l reaches it.
"""
from __future__ import annotations

import math
from typing import Iterable

import numpy as np
import pandas as pd
import torch

from varlib.core.data import Dataset, minibatches
from varlib.core.runtime import small_op_threads
from varlib.integrable.family import get_parameterization
from varlib.integrable.mechanics import log_slope
from varlib.integrable.nets import init_params, initial_draws
from varlib.integrable.sgd import calibrate_step0

__all__ = ["calibration_constants", "calibration_slopes", "EXTRAPOLATE"]

#: How far beyond the widest measured width the fitted line of a calibrated constant is extrapolated.
EXTRAPOLATE = 16


def calibration_constants(*, data: Dataset, L: int, widths: Iterable[int], activations: Iterable[str],
                          batch: int, eta: float, seeds: int, seed: int = 0, device="cpu") -> pd.DataFrame:
    """IP-LLR's calibrated step-0 bases (float32, the authors' calibration on batches 0 and 1) for each activation,
    width and seed: ``raw`` (no cap) and ``base`` (the default cap, what training uses), layers 2..L+1.
    Columns ``activation, width, seed, layer, raw, base, cap``."""
    free, rows = get_parameterization("ipllr", L, cap=math.inf), []
    capped = get_parameterization("ipllr", L)
    X, y = data.X_train.to(device, torch.float32), data.y_train.to(device)
    with small_op_threads(device):
        for act in activations:
            for m in widths:
                for s in range(seed, seed + seeds):
                    draws = {k: v.to(device) for k, v in initial_draws(data.dim, m, data.n_classes, L, s).items()}
                    params = init_params(capped, draws, act, dtype=torch.float32)
                    b0, b1 = minibatches(X, y, batch, 2, seed=s)
                    raw = calibrate_step0(free, params, act, b0, b1, eta)
                    base = [min(r, capped.cap) for r in raw]  # the authors' carry: capped = uncapped, clipped
                    rows += [{"activation": act, "width": m, "seed": s, "layer": l, "raw": r, "base": b,
                              "cap": capped.cap} for l, (r, b) in enumerate(zip(raw, base), start=1) if l >= 2]
    return pd.DataFrame(rows)


def calibration_slopes(constants: pd.DataFrame) -> pd.DataFrame:
    """Per activation and layer: the log-log slope of the geometric-mean raw base against width, the largest raw
    base, the smallest measured width where the cap binds (NaN if none), and ``binds_from``: that width, or the
    width where the fitted line reaches the cap (extrapolated, at most :data:`EXTRAPOLATE` times the widest
    measured width; NaN for a flatter line)."""
    rows = []
    for (act, layer), g in constants.groupby(["activation", "layer"], sort=False):
        gm = g.groupby("width").raw.apply(lambda v: float(np.exp(np.log(v).mean())))
        slope, cap = log_slope(gm.index, gm.values), float(g.cap.iloc[0])
        bound = g[g.raw > g.cap]
        first = float(bound.width.min()) if len(bound) else math.nan
        m0 = float(gm.index.max())
        if len(bound) or not slope > 0:
            reach = first
        else:  # log r = log r(m0) + slope (log m - log m0), solved for r = cap
            reach = m0 * (cap / float(gm.iloc[-1])) ** (1 / slope)
            reach = reach if reach <= EXTRAPOLATE * m0 else math.nan
        rows.append({"activation": act, "layer": layer, "slope": slope, "max_raw": float(g.raw.max()),
                     "capped_at": first, "binds_from": reach})
    return pd.DataFrame(rows)
