"""Bounds on the number of regions and decision-boundary pieces of maxout networks.

Tseran & Montufar 2021 (arXiv 2107.00379), as the authors' ``formula.py`` evaluates them. For a maxout net with
N hidden units of rank K on an input set X of dimension n0 (regime N >= n0), the expected number of
activation regions is at most

    C(K n0, 2 n0) (T K N)^{n0} vol(X) / n0!,            T  = 2^5 C_bias C_grad,

and the expected number of linear pieces of the decision boundary at most

    C(K (n0-1), 2 (n0-1)) T'^{n0} (2 K N)^{n0-1} vol(X) / (n0-1)!,   T' = 2^4 C_bias C_grad,

as evaluated by the authors' ``formula.py``. The "with K" curves drop T, T' and vol(X):
C(K n0, 2 n0) (K N)^{n0} / n0! and C(K(n0-1), 2(n0-1)) (K N)^{n0-1} / (n0-1)!; the "without K" curves are
the Hanin-Rolnick references N^{n0} / n0! and N^{n0-1} / (n0-1)!. For N < n0 the region bounds are K^N.

C_bias bounds the density of every bias (max over hidden layers of 1/(sqrt(2 pi) sigma_l)); C_grad bounds
the moments of the input-gradients of the units, estimated on a grid (:func:`gradient_constant`).
The sharp maximum for one layer of n units (Montufar, Ren & Zhang 2021) is sum_{j<=n0} C(n, j) (K-1)^j.
"""
from __future__ import annotations

import math
from typing import Sequence

import numpy as np
import torch

from varlib.core.activations import maxout_second_moment
from varlib.core.checks import check_int
from varlib.maxout.geometry import box_bounds, plane_basis
from varlib.maxout.grid import box_grid
from varlib.maxout.nets import MAXOUT_INITS, MaxoutParams

__all__ = ["max_regions_one_layer", "region_bound", "region_bound_with_k", "region_bound_without_k",
           "db_bound", "db_bound_with_k", "db_bound_without_k", "complexity_bounds",
           "bias_density_constant", "gradient_constant"]


def _check(N, n0: int, K: int | None = None) -> np.ndarray:
    N = np.asarray(N, dtype=float)
    if np.any(N < 1):
        raise ValueError(f"N (total hidden units) must be >= 1, got {N!r}")
    check_int("n0 (input dimension)", n0, 1)
    if K is not None:
        check_int("K (maxout rank)", K, 2)
    return N


def max_regions_one_layer(n: int, n0: int, K: int) -> int:
    """Maximum number of regions of one layer of n rank-K units on R^{n0}: sum_{j=0}^{n0} C(n, j)(K-1)^j."""
    _check(n, n0, K)
    return sum(math.comb(n, j) * (K - 1) ** j for j in range(n0 + 1))


def region_bound_without_k(N, n0: int) -> np.ndarray:
    """Reference N^{n0} / n0! (Hanin & Rolnick 2019; the measured counts sit near it)."""
    N = _check(N, n0)
    return N**n0 / math.factorial(n0)


def region_bound_with_k(N, n0: int, K: int) -> np.ndarray:
    """C(K n0, 2 n0) (K N)^{n0} / n0!; K^N for N < n0."""
    N = _check(N, n0, K)
    return np.where(N >= n0, math.comb(K * n0, 2 * n0) * (K * N) ** n0 / math.factorial(n0), float(K) ** N)


def region_bound(N, n0: int, K: int, c_bias: float, c_grad: float, volume: float) -> np.ndarray:
    """C(K n0, 2 n0) (T K N)^{n0} vol(X) / n0!, T = 2^5 C_bias C_grad; K^N for N < n0."""
    N = _check(N, n0, K)
    T = 2**5 * c_bias * c_grad
    full = math.comb(K * n0, 2 * n0) * (T * K * N) ** n0 * volume / math.factorial(n0)
    return np.where(N >= n0, full, float(K) ** N)


def db_bound_without_k(N, n0: int) -> np.ndarray:
    """Reference N^{n0-1} / (n0-1)!."""
    N = _check(N, n0)
    return N ** (n0 - 1) / math.factorial(n0 - 1)


def db_bound_with_k(N, n0: int, K: int) -> np.ndarray:
    """C(K(n0-1), 2(n0-1)) (K N)^{n0-1} / (n0-1)!."""
    N = _check(N, n0, K)
    return math.comb(K * (n0 - 1), 2 * (n0 - 1)) * (K * N) ** (n0 - 1) / math.factorial(n0 - 1)


def db_bound(N, n0: int, K: int, c_bias: float, c_grad: float, volume: float) -> np.ndarray:
    """C(K(n0-1), 2(n0-1)) T'^{n0} (2 K N)^{n0-1} vol(X) / (n0-1)!, T' = 2^4 C_bias C_grad."""
    N = _check(N, n0, K)
    T = 2**4 * c_bias * c_grad
    return (math.comb(K * (n0 - 1), 2 * (n0 - 1)) * T**n0 * (2 * K * N) ** (n0 - 1) * volume
            / math.factorial(n0 - 1))


def complexity_bounds(N: Sequence[int], n0: int, K: int, c_bias: float | None = None,
                      c_grad: float | None = None, volume: float | None = None):
    """Tidy table of all curves over N: columns N, quantity ('regions' or 'db_pieces'), curve ('full',
    'with_k', 'without_k'), value. 'full' only when c_bias, c_grad and volume are given."""
    import pandas as pd

    N = np.atleast_1d(np.asarray(N, dtype=float))
    curves = {("regions", "with_k"): region_bound_with_k(N, n0, K),
              ("regions", "without_k"): region_bound_without_k(N, n0),
              ("db_pieces", "with_k"): db_bound_with_k(N, n0, K),
              ("db_pieces", "without_k"): db_bound_without_k(N, n0)}
    if None not in (c_bias, c_grad, volume):
        curves[("regions", "full")] = region_bound(N, n0, K, c_bias, c_grad, volume)
        curves[("db_pieces", "full")] = db_bound(N, n0, K, c_bias, c_grad, volume)
    return pd.DataFrame([{"N": n, "quantity": q, "curve": c, "value": float(v)}
                         for (q, c), vals in curves.items() for n, v in zip(N, np.broadcast_to(vals, N.shape))])


def bias_density_constant(n0: int, widths: Sequence[int], K: int, init: str = "maxout_he") -> float:
    """C_bias as the authors' code estimates it: max over hidden layers of 1/(sqrt(2 pi) sigma_l), with
    sigma_l^2 = gain / fan_in, gain = 2 for ``relu_he`` and c_K = 1/E[max^2] otherwise (``sphere`` and
    ``many_regions`` reuse the maxout-He sigma, as in their code)."""
    if init not in MAXOUT_INITS:
        raise ValueError(f"unknown init {init!r}; allowed: {', '.join(MAXOUT_INITS)}")
    gain = 2.0 if init == "relu_he" else 1.0 / maxout_second_moment(K)
    fan_ins = [n0, *widths[:-1]]
    return max(1.0 / (math.sqrt(2 * math.pi) * math.sqrt(gain / f)) for f in fan_ins)


def _unit_gradients(params: MaxoutParams, x: torch.Tensor, J: torch.Tensor, legacy: bool) -> torch.Tensor:
    """Sum over hidden and output units of ||d unit / d u|| at every point: (E, P).
    x (E, P, n0) inputs, J (E, P, n0, 2) = dx/du. ``legacy``: the biases are left out (as in the code)."""
    h, total = x, 0.0
    for W, b in zip(params.weights, params.biases):
        zeta = torch.einsum("enkp,ebp->ebnk", W, h) + (0.0 if legacy else b[:, None])
        choice = zeta.argmax(-1)                                                       # (E, P, n)
        JK = torch.einsum("enkp,ebpd->ebnkd", W, J)
        J = JK.gather(3, choice[..., None, None].expand(*choice.shape, 1, 2)).squeeze(3)   # (E, P, n, 2)
        h = zeta.gather(3, choice[..., None]).squeeze(3)
        total = total + J.norm(dim=-1).sum(-1)
    return total + torch.einsum("emp,ebpd->ebmd", params.out_weight, J).norm(dim=-1).sum(-1)


def gradient_constant(params: MaxoutParams, box=(-3.0, 3.0), steps: int = 50, plane=None,
                      legacy: bool = False) -> float:
    """C_grad estimate (as the authors' code makes it): at each point of a steps x steps grid, the sum over hidden
    and output units of ||grad_u unit||, divided by the number N of hidden units; averaged over the E nets (the
    code used one net and notes it should be averaged), then the max over the grid. ``legacy=True``
    reproduces the code's quirk: its forward pass for this estimate leaves out every bias, so the argmax
    is that of the bias-free net."""
    A0, c0 = plane_basis(params, plane)
    u = box_grid(box_bounds(box), steps)
    x = (u @ A0.T + c0).expand(params.E, -1, -1)
    J = A0.expand(params.E, len(u), *A0.shape)
    per_point = _unit_gradients(params, x, J, legacy) / sum(params.widths)               # (E, P)
    return float(per_point.mean(0).max())
