"""Collapse and gradient diagnostics of random family members at initialisation.

:func:`variability_draws` measures every draw of one (budget, depth, activation): V3, CV, the C2C and
dead flags of :mod:`varlib.variability.measures`, the ReLU-active fraction, and the per-layer gradient
norms of :func:`init_gradient_norms` (logistic loss on the checkerboard of
:mod:`varlib.variability.checkerboard`), which tell collapse apart from vanishing gradients.
"""
from __future__ import annotations

import torch

from varlib.core.ensemble import MLPEnsemble
from varlib.core.runtime import chunk_budget
from varlib.variability.checkerboard import checkerboard
from varlib.variability.measures import (check_activation, coefficient_of_variation, collapse_flags, family_width,
                                        grid_measures, v3)

__all__ = ["init_gradient_norms", "variability_draws"]

#: Stored activations that one chunk of members may hold in :func:`init_gradient_norms`, per device type
#: (autograd keeps a few tensors of this size; on a GPU a full-profile ensemble takes a handful of chunks).
GRADIENT_FLOATS = {"cpu": 1 << 24, "cuda": 1 << 28}


def _member_slice(ens: MLPEnsemble, idx: slice) -> MLPEnsemble:
    return MLPEnsemble([w[idx] for w in ens.weights], [b[idx] for b in ens.biases], ens.activation)


def init_gradient_norms(ens: MLPEnsemble, x: torch.Tensor, y: torch.Tensor, loss: str = "logistic",
                        max_floats: int | None = None) -> dict:
    """Per-layer gradient norms of every member's loss at its current weights.

    Returns ``{"weights": (R, L + 1), "biases": (R, L + 1)}``: Frobenius norms of d loss / d W_l and
    d loss / d b_l for the L hidden layers, then the output layer. The bias gradient is the backpropagated
    error summed over the data, sum_i d loss / d z_l(x_i): the quantity that vanishes under
    "vanishing gradients". Members go through in chunks of at most ``max_floats`` stored activations
    (default: ``GRADIENT_FLOATS`` of the device).
    """
    from varlib.core.training import member_losses

    if max_floats is None:
        max_floats = chunk_budget(x.device, ens.weights[0].dtype, GRADIENT_FLOATS, safety=32)
    per_chunk = max(1, max_floats // (x.shape[0] * ens.depth * ens.weights[0].shape[1]))
    norms = {"weights": [], "biases": []}
    for start in range(0, ens.members, per_chunk):
        part = _member_slice(ens, slice(start, start + per_chunk))
        part = MLPEnsemble([w.detach().requires_grad_(True) for w in part.weights],
                           [b.detach().requires_grad_(True) for b in part.biases], part.activation)
        grads = torch.autograd.grad(member_losses(part, x, y, loss).sum(), part.weights + part.biases)
        for kind, gs in (("weights", grads[:ens.depth + 1]), ("biases", grads[ens.depth + 1:])):
            norms[kind].append(torch.stack([g.flatten(1).norm(dim=1) for g in gs], 1))
    return {kind: torch.cat(v).detach() for kind, v in norms.items()}


# ----------------------------------------------------------------------------- draws, checkerboard, training

def variability_draws(*, budget: int, depth: int, activation: str, draws: int, grid: int, tau: float = 1e-2,
                      sigma_b: float = 0.1, board: int = 8, train_grid: int = 32, seed: int = 0,
                      device="auto") -> dict:
    """Every measure of ``draws`` random family members of one (budget, depth, activation).

    Landscapes are taken on a ``grid`` x ``grid`` grid over [-1, 1]^2. Returns ``{"draws": DataFrame (one row
    per draw), "gradients": DataFrame (draw, layer, parameter, grad_norm), "example": (grid, grid) landscape of
    draw 0}``. Gradients are of the logistic loss on the ``board`` x ``board`` checkerboard sampled on
    ``train_grid`` x ``train_grid`` points.
    """
    import pandas as pd

    from varlib.core.activations import get_activation
    from varlib.core.ensemble import init_mlp_ensemble
    from varlib.core.family import param_count

    check_activation(activation)
    collapse_flags(torch.zeros(1), tau)                                 # validates tau
    width = family_width(budget, depth, activation)
    ens = init_mlp_ensemble(draws, depth, width, activation, sigma_b=sigma_b, seed=seed, device=device)
    m = grid_measures(ens, grid)
    F, cv = m["landscapes"], coefficient_of_variation(m["landscapes"])
    x, y = checkerboard(board, train_grid, device=F.device)
    grads = init_gradient_norms(ens, x, y)
    g, gb = grads["weights"].cpu().double(), grads["biases"].cpu().double()
    P = param_count(depth, width, rank=get_activation(activation).rank)
    rows = pd.DataFrame({"activation": activation, "budget": budget, "depth": depth, "width": width, "params": P,
                         "activations": depth * width, "rho": depth * width / P, "draw": range(draws),
                         "v3": v3(F).cpu().numpy(), "cv": cv.cpu().numpy(),
                         "collapsed": collapse_flags(cv, tau).cpu().numpy(),
                         "collapsed_strict": collapse_flags(cv, tau / 10).cpu().numpy(),
                         "dead": m["dead"].cpu().numpy(), "active_fraction": m["active_fraction"].cpu().numpy(),
                         "grad_first": g[:, 0].numpy(), "grad_last_hidden": g[:, depth - 1].numpy(),
                         "grad_output": g[:, depth].numpy(), "bias_grad_first": gb[:, 0].numpy(),
                         "bias_grad_last_hidden": gb[:, depth - 1].numpy()})
    layers = pd.DataFrame({"activation": activation, "budget": budget, "depth": depth,
                           "draw": torch.arange(draws).repeat_interleave(depth + 1).repeat(2).numpy(),
                           "layer": torch.arange(1, depth + 2).repeat(2 * draws).numpy(),
                           "parameter": ["weight"] * (draws * (depth + 1)) + ["bias"] * (draws * (depth + 1)),
                           "grad_norm": torch.cat([g.flatten(), gb.flatten()]).numpy()})
    return {"draws": rows, "gradients": layers, "example": F[0].float().cpu()}
