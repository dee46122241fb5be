"""Landscapes of random MLPs over the data domain (Yu & Zhang, arXiv 2105.08911).

The *landscape* of a net f over [-1, 1]^2 is the n x n array F[i, j] =
f(x_i, y_j) on a uniform grid. Its coefficient of variation

    CV(F) = std(F) / rms(F),   rms(F) = sqrt(mean F^2)

is ~0 for a net that has collapsed to a constant ("Collapse to Constant",
C2C) and of order 1 for a varied one (spec section 2.5). The full variability
measures (V3, C2C and dead-layer flags, gradient norms) come with the
variability chapter.
"""
from __future__ import annotations

import torch

from varlib.ensemble import MLPEnsemble, forward

__all__ = ["grid_points", "landscapes", "coefficient_of_variation", "random_landscapes",
           "collapse_table"]


def grid_points(n: int, low: float = -1.0, high: float = 1.0, device="cpu", dtype=torch.float32) -> torch.Tensor:
    """The n*n points of a uniform grid over [low, high]^2, shape (n*n, 2), row-major in (x, y)."""
    if isinstance(n, bool) or not isinstance(n, int) or n < 2:
        raise ValueError(f"grid size n must be an integer >= 2, got {n!r}")
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
    from varlib.ensemble import init_mlp_ensemble
    from varlib.family import width_for_budget

    width = width_for_budget(budget, depth)
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
