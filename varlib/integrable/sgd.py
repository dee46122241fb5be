"""SGD of an abc-parameterized MLP with the two-phase learning-rate schedule and the step-0 calibration.

    w^l <- w^l - eta m^{-c_l} dloss/dw^l      (one learning-rate group per tensor)

with step-0 exponents ``c0`` (rates calibrated per layer when ``p.calibrate``) and ``c`` from step 1 on
(definitions in :mod:`varlib.integrable`).
"""
from __future__ import annotations

import math
from typing import Sequence

import pandas as pd
import torch

from varlib.core.checks import check_int
from varlib.integrable.family import Parameterization
from varlib.integrable.nets import abc_loss, affine_layer, as_activation, mean_abs_preactivations_tensor, width_of

__all__ = ["make_sgd", "switch_to_later_rates", "calibrate_step0", "train_abc"]


def _layer(name: str) -> int:
    return int(name.lstrip("wbeta"))


def make_sgd(p: Parameterization, params: dict[str, torch.Tensor], eta: float,
             step0_base: Sequence[float] | None = None) -> torch.optim.SGD:
    """Plain SGD, one group per tensor: lr = base0_l m^{-c0_l} now, ``lr_later`` = eta m^{-c_l}.

    ``step0_base`` gives the L+1 step-0 base lrs of the weights (default eta); biases use eta.
    Call :func:`switch_to_later_rates` right after step 0.
    """
    if step0_base is not None and len(step0_base) != p.L + 1:
        raise ValueError(f"step0_base must have L+1 = {p.L + 1} entries, got {len(step0_base)}")
    m, groups = width_of(params), []
    for name, t in params.items():
        l = _layer(name)
        is_w = name.startswith("w")
        c0, c = (p.c0, p.c) if is_w or p.bias == "input" else (p.bias_c0, p.bias_c)
        base0 = step0_base[l - 1] if (step0_base is not None and (is_w or p.bias == "input")) else eta
        groups.append({"params": [t], "name": name, "lr": base0 * m ** -c0[l - 1],
                       "lr_later": eta * m ** -c[l - 1]})
    return torch.optim.SGD(groups, lr=eta, momentum=0.0, weight_decay=0.0)


def switch_to_later_rates(opt: torch.optim.Optimizer) -> None:
    """Second phase of the schedule: every group takes its ``lr_later``."""
    for g in opt.param_groups:
        g["lr"] = g["lr_later"]


def _leaves(params):
    return {k: v.detach().clone().requires_grad_(True) for k, v in params.items()}


def calibrate_step0(p: Parameterization, params, activation, batch0, batch1, eta: float) -> list[float]:
    """The authors' per-layer step-0 base lrs (their code's calibration of the first-step constants).

    A mock step with base lr 1 (times m^{-c0_l}) on ``batch0``; on ``batch1`` each layer's update
    contribution Delta h^l = m^{-a_l} Delta w^l x^{l-1}, x^{l-1} including the calibrated updates below.
    Raw rate r_l = 1 / mean|Delta h^l| (hidden), out_scale / mean|Delta f| (output); base lr eta (layer 1),
    min(r_l, cap) (hidden and output). The layers above see x^l built with r_l when ``p.carry == "uncapped"``
    (the authors' code: a cap changes the rate used in training, not the calibration of the next layer), with
    the capped rate when ``"capped"``.
    """
    act, m = as_activation(activation), width_of(params)
    leaves = _leaves(params)
    grads = torch.autograd.grad(abc_loss(p, leaves, *batch0, act), list(leaves.values()))
    grads = dict(zip(leaves, grads))
    new, bases, h = dict(params), [], batch1[0]  # h: the calibrated pre-activations on batch 1
    with torch.no_grad():
        for l in range(1, p.L + 2):
            names = [k for k in params if _layer(k) == l]
            delta = {k: -(m ** -_c0(p, k)) * grads[k] for k in names}  # mock step, base lr 1
            inp = h if l == 1 else act(h)
            if l == 1:
                raw = base = eta
            else:
                size = affine_layer(p, delta, l, inp, m).abs().mean().item()
                raw = p.cap if size == 0 else (p.out_scale if l == p.L + 1 else 1.0) / size
                base = min(raw, p.cap)
            bases.append(base)
            carried = raw if p.carry == "uncapped" else base
            new.update({k: params[k] + carried * delta[k] for k in names})
            h = affine_layer(p, new, l, inp, m)
    return bases


def _c0(p: Parameterization, name: str) -> float:
    use_bias = name.startswith("beta") and p.bias == "all"
    return (p.bias_c0 if use_bias else p.c0)[_layer(name) - 1]


def train_abc(p: Parameterization, params, batches: Sequence, activation="relu", eta: float = 0.01, *,
              eta0: float | None = None, n_warmup_steps: int = 1, probe: torch.Tensor | None = None):
    """SGD over ``batches`` (a list of (x (B, d), y (B,))), one step each; returns (params, history).

    Steps t < ``n_warmup_steps`` use the step-0 rates (calibrated when ``p.calibrate``, else base
    ``eta0``, default eta); later steps eta m^{-c}. ``history`` has one row per step t = 0..T: the
    batch loss at step t (NaN at T), and with ``probe`` the mean |h^l| (``h1..hL``) and mean |f|
    (``f``) on the probe inputs, for the parameters after t steps.
    """
    check_int("n_warmup_steps", n_warmup_steps)
    act = as_activation(activation)
    if p.calibrate:
        if len(batches) < 2:
            raise ValueError("calibration (p.calibrate=True) needs at least 2 batches")
        base0 = calibrate_step0(p, params, act, batches[0], batches[1], eta)
    else:
        base0 = [eta if eta0 is None else eta0] * (p.L + 1)
    params = _leaves(params)
    opt, losses, probes = make_sgd(p, params, eta, base0), [], []
    for t, (x, y) in enumerate(batches):          # no host sync per step: losses and probes stay on the device
        if t == n_warmup_steps:
            switch_to_later_rates(opt)
        loss = abc_loss(p, params, x, y, act)
        losses.append(loss.detach())
        if probe is not None:
            probes.append(mean_abs_preactivations_tensor(p, params, probe, act))
        opt.zero_grad()
        loss.backward()
        opt.step()
    if probe is not None:
        probes.append(mean_abs_preactivations_tensor(p, params, probe, act))
    history = pd.DataFrame({"step": range(len(batches) + 1),
                            "loss": (torch.stack(losses).cpu().tolist() if losses else []) + [math.nan]})
    if probes:
        stats = torch.stack(probes).cpu()
        for l in range(p.L):
            history[f"h{l + 1}"] = stats[:, l].tolist()
        history["f"] = stats[:, -1].tolist()
    return {k: v.detach() for k, v in params.items()}, history
