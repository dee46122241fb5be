"""Measures of one landscape of a random MLP over [-1, 1]^2: CV, V3, collapse (C2C) and dead layers.

The landscape of a net f is F[i, j] = f(x_i, y_j) on a uniform n x n grid over [-1, 1]^2;

    CV(F) = std(F) / rms(F),   V3(F) = 1/2 (mean |D3x F| + mean |D3y F|) / rms(F)

(D3 = third forward difference along a grid axis; definitions in :mod:`varlib.variability`). A draw is
*collapsed* (C2C) when CV < tau and *dead* when some hidden layer outputs exactly 0 at every grid point.
"""
from __future__ import annotations

import torch

from varlib.core.checks import check_int
from varlib.core.ensemble import MLPEnsemble, forward
from varlib.core.runtime import chunk_budget

__all__ = ["VARIABILITY_ACTIVATIONS", "COMPARED_ACTIVATIONS", "ACTIVATION_LABELS", "activation_label", "family_width",
           "grid_points",
           "landscapes", "coefficient_of_variation", "random_landscapes", "collapse_table", "v3", "collapse_flags",
           "grid_measures"]

#: Activations of this chapter (a name may carry a parameter: ``"leaky_relu:0.1"``, ``"maxout:3"``). A maxout net of
#: rank K has K features per unit, so its family width at a budget is smaller (:func:`family_width`).
VARIABILITY_ACTIVATIONS = ("relu", "abs", "tanh", "leaky_relu", "maxout")

#: The two activations the chapter compares (the paper's claims set |x| against ReLU), in the order of its
#: sweeps, figures and tables.
COMPARED_ACTIVATIONS = ("relu", "abs")

#: How figures and sentences name an activation.
ACTIVATION_LABELS = {"relu": "ReLU", "abs": "|x|", "tanh": "tanh", "leaky_relu:0.01": "leaky ReLU 0.01",
                     "leaky_relu:0.1": "leaky ReLU 0.1", "leaky_relu:0.2": "leaky ReLU 0.2", "maxout:2": "maxout K=2",
                     "maxout:3": "maxout K=3"}


def activation_label(activation: str) -> str:
    """How figures, tables and sentences name ``activation`` (:data:`ACTIVATION_LABELS`, else the name itself)."""
    return ACTIVATION_LABELS.get(activation, activation)


def family_width(budget: int, depth: int, activation: str) -> int:
    """The width of the equal-parameter family member of ``depth`` hidden layers closest to ``budget`` parameters,
    counting the activation's ``rank`` features per unit (1, or K for ``"maxout:K"``)."""
    from varlib.core.activations import get_activation
    from varlib.core.family import width_for_budget

    return width_for_budget(budget, depth, rank=get_activation(activation).rank)


def grid_points(n: int, low: float = -1.0, high: float = 1.0, device="cpu", dtype=torch.float32) -> torch.Tensor:
    """The n*n points of a uniform grid over [low, high]^2, shape (n*n, 2), row-major in (x, y)."""
    check_int("grid size n", n, low=2)
    g = torch.linspace(low, high, n, device=device, dtype=dtype)
    return torch.cartesian_prod(g, g)


@torch.no_grad()
def landscapes(ens: MLPEnsemble, n: int, chunk: int = 1 << 14) -> torch.Tensor:
    """Outputs of every member on the n x n grid over [-1,1]^2: shape (R, n, n) (first output only)."""
    dev, dtype = ens.weights[0].device, ens.weights[0].dtype
    x = grid_points(n, device=dev, dtype=dtype)
    out = torch.cat([forward(ens, xs)[..., 0] for xs in x.split(chunk)], dim=1)   # (R, n*n)
    return out.view(ens.members, n, n)


def coefficient_of_variation(F: torch.Tensor) -> torch.Tensor:
    """std / rms over the last two axes; 0 for a constant landscape (an all-zero one included)."""
    flat = F.flatten(-2).to(torch.float64)
    rms = flat.square().mean(-1).sqrt()
    return torch.where(rms > 0, flat.std(-1, correction=0) / rms.clamp_min(1e-300), torch.zeros_like(rms))


def random_landscapes(budget: int, depth: int, activation: str, draws: int, n: int, *, sigma_b: float = 0.1,
                      seed: int = 0, device="auto") -> dict:
    """Landscapes of ``draws`` random well-scaled family members of depth ``depth`` at ``budget``.

    Returns ``{"width", "landscapes": (draws, n, n) float32 on CPU, "cv": (draws,)}``.
    """
    from varlib.core.ensemble import init_mlp_ensemble

    width = family_width(budget, depth, check_activation(activation))
    ens = init_mlp_ensemble(draws, depth, width, activation, sigma_b=sigma_b, seed=seed, device=device)
    F = landscapes(ens, n)
    return {"width": width, "landscapes": F.float().cpu(), "cv": coefficient_of_variation(F).cpu()}


def collapse_table(cv: dict, threshold: float = 1e-2):
    """Fraction of draws with CV < ``threshold`` per depth (rows) and activation (columns).

    ``cv`` maps ``(activation, depth)`` to a tensor of per-draw CVs.
    """
    import pandas as pd

    if not threshold > 0:
        raise ValueError(f"threshold must be > 0, got {threshold!r}")
    rows = [{"activation": a, "depth": d, "collapsed": float((v < threshold).double().mean())}
            for (a, d), v in cv.items()]
    return pd.DataFrame(rows).pivot(index="depth", columns="activation", values="collapsed")


# ----------------------------------------------------------------------------- measures of one landscape

def check_activation(activation: str) -> str:
    if not isinstance(activation, str) or activation.split(":")[0] not in VARIABILITY_ACTIVATIONS:
        raise ValueError(f"unknown activation {activation!r} for the variability measures; allowed: "
                         f"{', '.join(VARIABILITY_ACTIVATIONS)} (leaky_relu may carry its slope, 'leaky_relu:0.1', "
                         "and maxout its rank, 'maxout:3')")
    return activation


def v3(F: torch.Tensor) -> torch.Tensor:
    """RMS-normalised third differences of landscapes ``F`` (..., n, n) -> (...); 0 for a constant 0 map."""
    if F.dim() < 2 or min(F.shape[-2:]) < 4:
        raise ValueError(f"V3 needs a grid of at least 4 x 4 points (third differences), got {tuple(F.shape)}")
    F = F.to(torch.float64)
    d3 = 0.5 * (torch.diff(F, n=3, dim=-2).abs().mean((-2, -1)) + torch.diff(F, n=3, dim=-1).abs().mean((-2, -1)))
    rms = F.square().mean((-2, -1)).sqrt()
    return torch.where(rms > 0, d3 / rms.clamp_min(1e-300), torch.zeros_like(rms))


def collapse_flags(cv: torch.Tensor, tau: float = 1e-2) -> torch.Tensor:
    """C2C flags: CV < ``tau`` (a project choice, default 1e-2)."""
    if isinstance(tau, bool) or not isinstance(tau, (int, float)) or not tau > 0:
        raise ValueError(f"the collapse threshold tau must be a number > 0, got {tau!r}")
    return cv < tau


#: Floats that one chunk of a chunked pass may keep, per device type: cache-sized on a CPU; on a GPU a few
#: GB, so that a deep ensemble goes through in tens of chunks instead of thousands of launch-bound ones.
CHUNK_FLOATS = {"cpu": 1 << 25, "cuda": 1 << 30}


@torch.no_grad()
def grid_measures(ens: MLPEnsemble, n: int, max_floats: int | None = None) -> dict:
    """Landscapes (R, n, n), dead-layer flags (R,) and ReLU-active fractions (R,) in one chunked pass.

    *dead*: some hidden layer outputs exactly 0 for every unit at every grid point. *active fraction*:
    mean over hidden units and grid points of [pre-activation > 0]. The pass keeps every layer's
    pre-activations of a chunk of points, (R, chunk, L w) floats, at most ``max_floats``: by default
    ``CHUNK_FLOATS`` of the device (and never under 64 points a chunk); a given ``max_floats`` is obeyed
    down to one point a chunk. The chunking leaves the counts (dead, active) exact and the landscapes
    equal up to the rounding of matmuls of another size.
    """
    check_int("grid size n", n, low=4)            # V3 takes third differences
    w0 = ens.weights[0]
    x = grid_points(n, device=w0.device, dtype=w0.dtype)
    per_point = ens.members * ens.depth * w0.shape[1]
    if max_floats is None:
        chunk = max(64, chunk_budget(w0.device, w0.dtype, CHUNK_FLOATS) // per_point)
    else:
        chunk = max(1, max_floats // per_point)
    alive = torch.zeros(ens.members, ens.depth, dtype=torch.bool, device=x.device)
    active = torch.zeros(ens.members, dtype=torch.int64, device=x.device)
    outs = []
    for xs in x.split(chunk):
        out, pre = forward(ens, xs, return_preactivations=True)      # (R, B, 1), L x (R, B, w)
        outs.append(out[..., 0])
        for l, z in enumerate(pre):
            alive[:, l] |= (ens.activation(z) != 0).flatten(1).any(1)
            active += torch.count_nonzero(z > 0, dim=(1, 2))         # units on, (R,)
    F = torch.cat(outs, 1).view(ens.members, n, n)
    units = ens.depth * w0.shape[1] * n * n
    return {"landscapes": F, "dead": ~alive.all(1), "active_fraction": active.double() / units}
