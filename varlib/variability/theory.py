"""The infinite-width (mean-field) prediction of how flat a random landscape becomes with depth.

At infinite width the pre-activations of a layer are a Gaussian process over the inputs (Poole et al. 2016;
Schoenholz et al. 2017), with kernel K_l(x, x'). For this family (first layer N(0, g^2 / 2) on a 2-D input,
hidden layers N(0, g^2 / w), output N(0, 1 / w), biases N(0, sigma_b^2)):

    K_1(x, x') = g^2 / 2 x.x' + sigma_b^2,
    K_{l+1}(x, x') = g_{l+1}^2 E[phi(u) phi(v)] + sigma_b^2,   (u, v) ~ N(0, K_l on {x, x'}),

with g_{L+1} = 1 for the output. For ReLU and |x| the Gaussian expectation has a closed form (Cho & Saul 2009):
with s = sqrt(K(x, x) K(x', x')) and theta = arccos(K(x, x') / s),

    ReLU: E = s / (2 pi) (sin theta + (pi - theta) cos theta),
    |x|:  E = 2 s / pi   (sin theta + (pi / 2 - theta) cos theta).

The landscape's expected spread over the grid relative to its expected second moment is then

    CV_mf^2 = 1 - mean_{x, x'} K_out(x, x') / mean_x K_out(x, x),

the mean-field counterpart of the CV = std / rms of :mod:`varlib.variability.measures`. It carries no width:
whatever collapse it misses is a finite-width effect.
"""
from __future__ import annotations

import math

import torch

from varlib.core.checks import check_int

__all__ = ["MEAN_FIELD_ACTIVATIONS", "gaussian_product_mean", "mean_field_cv"]

#: The activations with a closed-form kernel map, and their variance-preserving gains g^2.
MEAN_FIELD_ACTIVATIONS = {"relu": 2.0, "abs": 1.0}


def gaussian_product_mean(activation: str, K: torch.Tensor) -> torch.Tensor:
    """E[phi(u) phi(v)] for every pair of a kernel matrix ``K`` (n, n): (u, v) centred Gaussian with variances
    K[i, i], K[j, j] and covariance K[i, j]."""
    if activation not in MEAN_FIELD_ACTIVATIONS:
        raise ValueError(f"no closed-form kernel map for activation {activation!r}; allowed: "
                         f"{', '.join(MEAN_FIELD_ACTIVATIONS)}")
    d = K.diagonal().clamp_min(0).sqrt()
    s = torch.outer(d, d)
    theta = torch.arccos((K / s.clamp_min(1e-300)).clamp(-1.0, 1.0))
    if activation == "relu":
        return s / (2 * math.pi) * (theta.sin() + (math.pi - theta) * theta.cos())
    return 2 * s / math.pi * (theta.sin() + (math.pi / 2 - theta) * theta.cos())


def mean_field_cv(*, activation: str, depths, sigma_b: float = 0.1, grid: int = 16) -> dict[int, float]:
    """CV_mf of the output landscape of an infinitely wide net at each depth in ``depths`` (number of hidden
    layers), on a ``grid`` x ``grid`` grid over [-1, 1]^2 (the module docstring gives the recursion)."""
    check_int("grid", grid, low=2)
    depths = sorted({check_int("depth", d) for d in depths})
    if sigma_b < 0:
        raise ValueError(f"sigma_b must be >= 0, got {sigma_b!r}")
    g2 = MEAN_FIELD_ACTIVATIONS.get(activation)
    if g2 is None:
        gaussian_product_mean(activation, torch.zeros(1, 1))             # raises the error naming the choices
    axis = torch.linspace(-1.0, 1.0, grid, dtype=torch.float64)
    x = torch.cartesian_prod(axis, axis)                                 # (grid^2, 2)
    K = g2 / 2 * x @ x.T + sigma_b ** 2                                  # first hidden layer
    out = {}
    for layer in range(1, depths[-1] + 1):
        E = gaussian_product_mean(activation, K)
        if layer in depths:
            K_out = E + sigma_b ** 2
            out[layer] = math.sqrt(max(0.0, 1.0 - float(K_out.mean() / K_out.diagonal().mean())))
        K = g2 * E + sigma_b ** 2
    return out
