"""The integrable chapter's mechanism checks: how far the first Naive-IP step moves each layer, how the
non-centred IP clones its neurons, and the two-phase IP-LLR schedule (Hajjar, Chizat & Giraud 2021, Sections 3-4).

* :func:`first_step_sizes`, :func:`first_step_slopes`: Naive IP with ReLU, one SGD step at the mean-field rates
  (base rate 1, float64). The backward pass shrinks like the forward pass, so the step's update of w^1 moves the
  first layer by mean |Delta h^1| ~ m^{-(L-1)/2} and the update of w^2 moves the second by m^{-(L-2)/2}: nothing
  moves when L >= 3. (The total move of h^2 also carries W^2 Delta x^1 ~ m^{-1/2} m^{-(L-1)/2}, smaller at
  large m but not at small m when the inputs are large, as on 784-pixel images.)
* :func:`clone_spread`, :func:`clone_slopes`: IP-non-centered at initialisation. With weights of mean 1, every
  neuron of layer l >= 2 averages the same m inputs, h^l_i = (1/m) sum_j U_ij x_j = mean(x) + O(m^{-1/2}), so the
  coefficient of variation across neurons, std_i h^l_i / |mean_i h^l_i|, falls like m^{-1/2}: the neurons are
  clones of one another in the limit.
* :func:`schedule_check`: the learning-rate groups of IP-LLR are eta m^{(L+1)/2} (input, output) and
  eta m^{(L+2)/2} (hidden) at step 0, then the mean-field eta m, eta m^2, eta m; and keeping the step-0 rates for
  more steps than the first blows the loss up (why the switch is needed).

Every function is a pure function of keyword arguments, for ``store.call``; float64 with TF32 off.
"""
from __future__ import annotations

import math
from typing import Iterable

import numpy as np
import pandas as pd
import torch

from varlib.core.data import Dataset, minibatches
from varlib.core.runtime import small_op_threads
from varlib.integrable.failures import integrable_diverged
from varlib.integrable.family import get_parameterization
from varlib.integrable.nets import (abc_forward, abc_loss, affine_layer, init_params, initial_draws,
                                    preactivation_change)
from varlib.integrable.sgd import make_sgd, switch_to_later_rates, train_abc
from varlib.integrable.sweeps import PROBE_INPUTS

__all__ = ["first_step_sizes", "first_step_slopes", "clone_spread", "clone_slopes", "schedule_check",
           "log_slope"]


def log_slope(x, y) -> float:
    """The least-squares slope of log y against log x (NaN when fewer than two finite positive points)."""
    x, y = np.asarray(x, float), np.asarray(y, float)
    ok = np.isfinite(x) & np.isfinite(y) & (x > 0) & (y > 0)
    return float(np.polyfit(np.log(x[ok]), np.log(y[ok]), 1)[0]) if ok.sum() >= 2 else math.nan


def _draws(data: Dataset, m: int, L: int, seed: int, device) -> dict:
    return {k: v.to(device) for k, v in initial_draws(data.dim, m, data.n_classes, L, seed).items()}


def _float64(data: Dataset, device):
    return (data.X_train.to(device, torch.float64), data.y_train.to(device),
            data.X_test[:PROBE_INPUTS].to(device, torch.float64))


def first_step_sizes(*, data: Dataset, L: int, widths: Iterable[int], batch: int, seed: int = 0,
                     device="cpu") -> pd.DataFrame:
    """Naive IP with ReLU (float64): how far one SGD step at the mean-field rates (base rate 1, one batch) moves
    each layer on the probe inputs, per width. ``own``: mean |m^{-a_l} Delta w^l x^{l-1}(0)|, the move caused by the
    layer's own update (what the scaling argument predicts); ``delta``: mean |h^l(1) - h^l(0)|, which also carries
    the moves of the layers below (of order m^{-1/2} x theirs). Columns ``width, layer`` (1..L; L+1 is f),
    ``own, delta``."""
    X, y, probe = _float64(data, device)
    (x0, y0), = minibatches(X, y, batch, 1, seed=seed)
    p, rows = get_parameterization("naive_ip", L), []
    with small_op_threads(device):
        for m in widths:
            params0 = init_params(p, _draws(data, m, L, seed, device), "relu")
            leaves = {k: v.clone().requires_grad_(True) for k, v in params0.items()}
            abc_loss(p, leaves, x0, y0, "relu").backward()
            make_sgd(p, leaves, 1.0).step()
            params1 = {k: v.detach() for k, v in leaves.items()}
            moved = preactivation_change(p, params0, params1, probe, "relu")
            with torch.no_grad():
                _, hs = abc_forward(p, params0, probe, "relu", return_preactivations=True)
                inputs = [probe] + [torch.relu(h) for h in hs]  # x^{l-1}(0) for l = 1..L+1
                step = {k: params1[k] - params0[k] for k in params0}
                own = [affine_layer(p, step, l, inputs[l - 1], m).abs().mean().item() for l in range(1, L + 2)]
            rows += [{"width": m, "layer": l, "own": o, "delta": d}
                     for l, (o, d) in enumerate(zip(own, moved), start=1)]
    return pd.DataFrame(rows)


def first_step_slopes(sizes: pd.DataFrame, *, L: int) -> pd.DataFrame:
    """Log-log slope against width of the layer's own move (``own``) and of the total move (``delta``) for
    l = 1, 2, and the predicted -(L - l)/2 of the own move."""
    rows = []
    for l in (1, 2):
        g = sizes[sizes.layer == l].sort_values("width")
        rows.append({"layer": l, "slope": log_slope(g.width, g.own), "predicted": -(L - l) / 2,
                     "slope_total": log_slope(g.width, g.delta)})
    return pd.DataFrame(rows)


def clone_spread(*, data: Dataset, L: int, widths: Iterable[int], activation: str = "gelu", seed: int = 0,
                 device="cpu") -> pd.DataFrame:
    """IP-non-centered at initialisation (float64): per width and hidden layer l >= 2, the coefficient of
    variation of h^l across neurons, std_i h^l_i / |mean_i h^l_i|, averaged over the probe inputs; and mean |f|.
    Columns ``width, layer, cv, mean_abs_f``."""
    _, _, probe = _float64(data, device)
    p, rows = get_parameterization("ip_non_centered", L), []
    with small_op_threads(device), torch.no_grad():
        for m in widths:
            f, hs = abc_forward(p, init_params(p, _draws(data, m, L, seed, device), activation), probe, activation,
                                return_preactivations=True)
            for l, h in enumerate(hs[1:], start=2):  # h: (B, m)
                cv = (h.std(dim=1) / h.mean(dim=1).abs()).mean().item()
                rows.append({"width": m, "layer": l, "cv": cv, "mean_abs_f": f.abs().mean().item()})
    return pd.DataFrame(rows)


def clone_slopes(spread: pd.DataFrame) -> pd.DataFrame:
    """Log-log slope of the neuron spread (cv) against width per layer, and the predicted -1/2."""
    return pd.DataFrame([{"layer": l, "slope": log_slope(g.width, g.cv), "predicted": -0.5}
                         for l, g in spread.groupby("layer")])


def schedule_check(*, data: Dataset, L: int, width: int, batch: int, eta: float, steps: int = 8,
                   warmup_steps: Iterable[int] = (1, 4), activation: str = "gelu", seed: int = 0,
                   device="cpu") -> pd.DataFrame:
    """The IP-LLR schedule: ``rate_error``, the largest relative gap between the learning-rate groups and
    eta m^{-c0} at step 0 / eta m^{-c} after the switch (uncalibrated, so the base is eta); and, for each
    ``warmup_steps`` k (steps at the calibrated step-0 rates before the switch), the run's largest batch loss
    and whether it ``diverged`` (float32, subnormals flushed). One row per k."""
    p = get_parameterization("ipllr", L, calibrate=False)
    opt = make_sgd(p, init_params(p, initial_draws(data.dim, width, data.n_classes, L, seed)), eta)
    m, errors = width, []
    for phase, c in (("step 0", p.c0), ("later", p.c)):
        if phase == "later":
            switch_to_later_rates(opt)
        for g in opt.param_groups:
            want = eta * m ** -c[int(g["name"].lstrip("wbeta")) - 1]
            errors.append(abs(g["lr"] - want) / want)
    q = get_parameterization("ipllr", L)
    params0 = init_params(q, _draws(data, width, L, seed, device), activation, dtype=torch.float32)
    batches = minibatches(data.X_train.to(device, torch.float32), data.y_train.to(device), batch, steps, seed=seed)
    rows = []
    torch.set_flush_denormal(True)
    try:
        with small_op_threads(device):
            for k in warmup_steps:
                _, hist = train_abc(q, params0, batches, activation, eta, n_warmup_steps=int(k))
                losses = hist.loss.iloc[:-1].to_numpy()
                rows.append({"warmup_steps": int(k), "rate_error": max(errors),
                             "max_loss": float(np.nanmax(np.where(np.isfinite(losses), losses, np.inf))),
                             "diverged": integrable_diverged(losses, classes=data.n_classes)})
    finally:
        torch.set_flush_denormal(False)
    return pd.DataFrame(rows)
