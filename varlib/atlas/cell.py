"""One cell of the atlas: every lens measured on the same random nets of one (budget, depth, activation).

A cell draws ``draws`` members of the equal-parameter family (2-D input, L hidden layers of the width w(P, L) whose
parameter count is closest to the budget P, one output) and measures each draw r through the four lenses, calling
the owning packages:

* variability (Yu & Zhang 2021): V3, CV, the C2C flag, the dead flag and the activation ratio rho = L w / P from
  :func:`varlib.variability.variability_draws` (a maxout net of rank K has K features per unit, so its width at a
  budget is smaller);
* complexity (Tseran & Montúfar 2021): the exact numbers of activation regions, linear regions (activation regions
  merged where adjacent ones share one affine map) and decision-boundary pieces {f = 0} of the same net in
  [-1, 1]^2 from :func:`varlib.maxout.activation_regions`, :func:`varlib.maxout.linear_region_count` and
  :func:`varlib.maxout.decision_boundary`. Maxout nets are counted as they are; ReLU and |x| nets are written as
  rank-2 maxout nets (ReLU: max(z, 0) via :func:`varlib.maxout.as_relu`; |x| = max(z, -z)). tanh nets are not
  piecewise linear: NaN;
* signal propagation: the output scale rms_x f(x) and the per-layer gradient norms of the logistic loss at
  initialisation (from the variability draws), and the output scale mean |f| of the same architecture under the
  muP and IPLLR abc-parameterizations of :mod:`varlib.integrable` (Yang & Hu 2021; Hajjar, Chizat & Giraud 2021),
  with the log-ratio of the gradient norms of its first and output weights under the same loss,
  from that package's own standard-normal draws of member r (NaN for maxout nets, which the abc-parameterizations
  of that package do not define);
* the deep-linear view (Ziyin, Li & Meng 2022): the critical weight decay gamma*(L) of the isotropic unit task
  (A = M = 1) from :func:`varlib.deep_linear.theory.gamma_star`, a function of depth alone;
* trainability: success and best accuracy on the checkerboard of the same draw r, trained by
  :func:`varlib.variability.train_checkerboard` (its member r starts from variability draw r).
"""
from __future__ import annotations

import math

import numpy as np
import pandas as pd
import torch

from varlib.atlas.table import ATLAS_SCHEMA
from varlib.core.activations import get_activation
from varlib.core.checks import check_int
from varlib.core.ensemble import forward, init_mlp_ensemble
from varlib.core.training import LOSSES
from varlib.deep_linear.theory import gamma_star
from varlib.integrable import get_parameterization, init_params
from varlib.integrable.nets import abc_forward, initial_draws, mean_abs_preactivations_tensor
from varlib.maxout import MaxoutParams, activation_regions, as_relu, decision_boundary, linear_region_count
from varlib.variability import checkerboard, family_width, train_checkerboard, variability_draws

__all__ = ["ATLAS_ACTIVATIONS", "COUNTED_ACTIVATIONS", "check_atlas_cell", "as_maxout_params", "complexity_counts",
           "signal_scales", "atlas_cell"]

#: The activations of the atlas (the variability lens draws and trains them all; ``maxout:K`` has rank K).
ATLAS_ACTIVATIONS = ("relu", "abs", "tanh", "maxout:2", "maxout:3")
#: The piecewise-linear ones, whose regions the maxout counter counts (ReLU and |x| as rank-2 maxout nets).
COUNTED_ACTIVATIONS = ("relu", "abs", "maxout:2", "maxout:3")
#: The elementwise ones, whose abc-parameterized nets :mod:`varlib.integrable` draws.
ABC_ACTIVATIONS = ("relu", "abs", "tanh")
#: The abc-parameterizations whose output scale and gradient log-ratio the atlas reports (names of
#: :data:`varlib.integrable.PRESETS`: their two columns).
SIGNAL_PARAMETERIZATIONS = {"mup": ("mup_output_scale", "mup_grad_ratio"),
                            "ipllr": ("ip_output_scale", "ip_grad_ratio")}


def check_atlas_cell(budget, depth, activation, draws, seeds) -> int:
    """Validate one cell; returns the family width. Errors name the parameter and what is allowed."""
    if activation not in ATLAS_ACTIVATIONS:
        raise ValueError(f"activation must be one of {', '.join(ATLAS_ACTIVATIONS)}, got {activation!r}")
    check_int("budget", budget, 1)
    check_int("depth", depth, 1)
    check_int("draws", draws, 1)
    if check_int("seeds", seeds, 1) > draws:
        raise ValueError(f"seeds={seeds} must be at most draws={draws}: trained net r is draw r")
    return family_width(budget, depth, activation)  # raises when the budget is too small for the depth


def as_maxout_params(weights, biases, activation: str) -> MaxoutParams:
    """An MLP (weights[l] (R, n_out K, n_in), biases[l] (R, n_out K), last layer linear with one output) as a maxout
    net with two outputs (f, 0), whose decision boundary argmax is {f = 0}. ``maxout:K`` nets keep their K features
    per unit (feature k of unit j is row j K + k, as :mod:`varlib.core.activations` groups them); ReLU and |x| nets
    become rank 2."""
    if activation not in COUNTED_ACTIVATIONS:
        raise ValueError(f"only {', '.join(COUNTED_ACTIVATIONS)} nets are maxout nets, got {activation!r}")
    if activation.startswith("maxout"):
        rank = get_activation(activation).rank
        ws = tuple(w.unflatten(1, (-1, rank)) for w in weights[:-1])   # (R, n, K, n_in)
        bs = tuple(b.unflatten(1, (-1, rank)) for b in biases[:-1])    # (R, n, K)
    else:
        sign = 0.0 if activation == "relu" else -1.0                    # second feature: 0 (ReLU) or -z (|x|)
        ws = tuple(torch.stack([w, sign * w], 2) for w in weights[:-1])  # (R, n, 2, n_in)
        bs = tuple(torch.stack([b, sign * b], 2) for b in biases[:-1])   # (R, n, 2)
    out_w = torch.cat([weights[-1], torch.zeros_like(weights[-1])], 1)  # (R, 2, n_last)
    out_b = torch.cat([biases[-1], torch.zeros_like(biases[-1])], 1)    # (R, 2)
    params = MaxoutParams(ws, bs, out_w, out_b)
    return as_relu(params) if activation == "relu" else params


def complexity_counts(ens, activation: str, count_width: int) -> pd.DataFrame:
    """Exact counts in [-1, 1]^2 per draw (``regions``, ``linear_regions``, ``db_pieces``); NaN for tanh and for nets
    wider than ``count_width`` (a one-layer net of a 2k budget has ~500 lines and ~10^5 regions)."""
    nan = pd.DataFrame({c: [math.nan] * ens.members for c in ("regions", "linear_regions", "db_pieces")})
    if activation not in COUNTED_ACTIVATIONS or ens.width > count_width:
        return nan
    params = as_maxout_params([w.cpu().double() for w in ens.weights], [b.cpu().double() for b in ens.biases],
                              activation)
    regions = activation_regions(params, (-1.0, 1.0))
    return pd.DataFrame({"regions": regions.counts.cpu().double().numpy(),
                         "linear_regions": linear_region_count(regions).cpu().double().numpy(),
                         "db_pieces": decision_boundary(regions).counts.cpu().double().numpy()})


def _abc_gradient_ratio(p, params: dict, x: torch.Tensor, y: torch.Tensor, activation: str) -> float:
    """log10(|d loss / d w^1| / |d loss / d w^(L+1)|) of one abc-parameterized net at its initial weights, for the
    logistic loss of :data:`varlib.core.training.LOSSES` on (x, y)."""
    leaves = {k: v.detach().requires_grad_(True) for k, v in params.items()}
    loss = LOSSES["logistic"](abc_forward(p, leaves, x, activation)[None], y)          # (1,)
    first, last = torch.autograd.grad(loss.sum(), [leaves["w1"], leaves[f"w{p.L + 1}"]])
    return float(torch.log10(first.norm() / last.norm()))             # inf or NaN where the output weights get none


def signal_scales(ens, activation: str, x: torch.Tensor, y: torch.Tensor, seed: int) -> pd.DataFrame:
    """Per draw: ``output_scale`` = rms over x of f(x) of the family's net; under muP and IPLLR
    (:mod:`varlib.integrable`, its draws of member r at the same width and depth) the output scale mean |f| over x
    and the gradient log-ratio of :func:`_abc_gradient_ratio`. NaN for maxout nets."""
    with torch.no_grad():
        f = forward(ens, x)[..., 0]                                       # (R, B)
    out = {"output_scale": f.double().square().mean(1).sqrt().cpu().numpy()}
    xd, yd = x.cpu().double(), y.cpu().double()
    for name, (scale, ratio) in SIGNAL_PARAMETERIZATIONS.items():
        if activation not in ABC_ACTIVATIONS:
            out[scale] = out[ratio] = [math.nan] * ens.members
            continue
        p = get_parameterization(name, ens.depth)
        nets = [init_params(p, initial_draws(2, ens.width, 1, ens.depth, seed, r), activation)
                for r in range(ens.members)]
        out[scale] = [float(mean_abs_preactivations_tensor(p, net, xd, activation)[-1]) for net in nets]
        out[ratio] = [_abc_gradient_ratio(p, net, xd, yd, activation) for net in nets]
    return pd.DataFrame(out)


def atlas_cell(*, budget: int, depth: int, activation: str, draws: int, seeds: int, grid: int, tau: float,
               sigma_b: float, board: int, train_grid: int, steps: int, lr: float, eval_every: int,
               success_acc: float, count_width: int, seed: int = 0, device="auto") -> pd.DataFrame:
    """The atlas rows of one (budget, depth, activation): one per draw, the columns of
    :data:`varlib.atlas.table.ATLAS_SCHEMA` (training columns NaN for draws ``>= seeds``)."""
    check_atlas_cell(budget, depth, activation, draws, seeds)
    v = variability_draws(budget=budget, depth=depth, activation=activation, draws=draws, grid=grid, tau=tau,
                          sigma_b=sigma_b, board=board, train_grid=train_grid, seed=seed, device=device)["draws"]
    ens = init_mlp_ensemble(draws, depth, v.width[0], activation, sigma_b=sigma_b, seed=seed, device=device)
    x, y = checkerboard(board, train_grid, device=ens.weights[0].device)
    runs = train_checkerboard(budget=budget, depth=depth, activation=activation, seeds=seeds, board=board,
                              train_grid=train_grid, steps=steps, lr=lr, sigma_b=sigma_b, eval_every=eval_every,
                              success_acc=success_acc, seed=seed, device=device)["runs"]
    runs = runs.rename(columns={"seed": "draw"})[["draw", "success", "best_accuracy", "final_accuracy", "diverged"]]
    table = pd.concat([v.rename(columns={"collapsed": "c2c"}), complexity_counts(ens, activation, count_width),
                       signal_scales(ens, activation, x, y, seed)], axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        table["grad_ratio"] = np.log10(table.grad_first / table.grad_output)
    table["gamma_star"] = gamma_star(depth, 1.0, 1.0)
    table = table.merge(runs, on="draw", how="left")
    table["trained"] = table.draw < seeds
    return table[list(ATLAS_SCHEMA)].astype({k: t for k, (t, _, _) in ATLAS_SCHEMA.items()})
