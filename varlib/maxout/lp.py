"""The LP-feasibility region counter of the authors' code (their ``network.py``): the slow,
independent oracle for :func:`varlib.maxout.regions.count_regions` in tests and benchmarks. Our own implementation
with SciPy's HiGHS: a pattern is kept if its constraints admit a disc of positive radius."""
from __future__ import annotations

from typing import Sequence

import numpy as np

from varlib.maxout.geometry import Box, box_bounds, check_labels, plane_basis
from varlib.maxout.nets import MaxoutParams

__all__ = ["count_regions_lp"]


def _chebyshev_radius(H: np.ndarray, h: np.ndarray) -> float:
    """Radius of the largest disc in {u : H u <= h} (0 if empty), by one HiGHS LP."""
    from scipy.optimize import linprog

    norms = np.linalg.norm(H, axis=1, keepdims=True)
    res = linprog([0.0, 0.0, -1.0], A_ub=np.hstack([H, norms]), b_ub=h,
                  bounds=[(None, None), (None, None), (0, None)], method="highs")
    return float(-res.fun) if res.status == 0 else 0.0


def _lp_children(region, Wz: np.ndarray, bz: np.ndarray, radius_tol: float) -> list:
    """Children of one region for one unit: for each k, add zeta_j - zeta_k <= 0 (j != k); keep if a disc
    of radius > radius_tol fits. Features identical on the region (e.g. a dead ReLU, 0 = 0) go to the
    first index, as argmax does."""
    H, h, A, c, rows, offs = region
    G, g = Wz @ A, Wz @ c + bz                                                    # (K, 2), (K,)
    same = (np.abs(G[:, None] - G[None]).max(-1) <= 1e-12) & (np.abs(g[:, None] - g[None]) <= 1e-12)
    out = []
    for k in range(len(g)):
        if same[k, :k].any():
            continue
        o = [j for j in range(len(g)) if j != k]
        Hk, hk = np.vstack([H, G[o] - G[k]]), np.concatenate([h, g[k] - g[o]])
        if _chebyshev_radius(Hk, hk) > radius_tol:
            out.append((Hk, hk, A, c, rows + [G[k]], offs + [g[k]]))
    return out


def _lp_db_pieces(regions: list, Wo: np.ndarray, bo: np.ndarray, labels: list[int]) -> int:
    """Feasibility LPs {f_i = f_j, f_i >= f_k (other labels)} in each region, as the authors' code."""
    from scipy.optimize import linprog

    count = 0
    for H, h, A, c in regions:
        F, f = Wo @ A, Wo @ c + bo
        for n, i in enumerate(labels):
            for j in labels[n + 1:]:
                o = [k for k in labels if k not in (i, j)]
                Hk, hk = np.vstack([H, F[o] - F[i]]), np.concatenate([h, f[i] - f[o]])
                res = linprog([0.0, 0.0], A_ub=Hk, b_ub=hk, A_eq=(F[i] - F[j])[None], b_eq=[f[j] - f[i]],
                              bounds=[(None, None)] * 2, method="highs")
                count += res.status == 0
    return count


def count_regions_lp(params: MaxoutParams, box: Box = (-3.0, 3.0), plane=None, net: int = 0,
                     labels: Sequence[int] | None = None, radius_tol: float = 1e-9) -> tuple[int, int]:
    """(activation regions, DB pieces) of network ``net`` by LP feasibility (as the authors' code), the independent
    oracle for tests: regions are refined unit by unit; a pattern is kept if its constraints (in plane
    coordinates, with the box) admit a disc of radius > ``radius_tol``. About K * R LPs per unit:
    small nets only."""
    xlo, xhi, ylo, yhi = box_bounds(box)
    A0, c0 = (t.numpy() for t in plane_basis(params, plane))
    labels = check_labels(labels, params.out_weight.shape[1])
    regions = [(np.array([[1.0, 0], [-1, 0], [0, 1], [0, -1]]), np.array([xhi, -xlo, yhi, -ylo]), A0, c0)]
    for W, b in zip(params.weights, params.biases):
        W, b = W[net].double().numpy(), b[net].double().numpy()
        current = [(H, h, A, c, [], []) for H, h, A, c in regions]
        for z in range(W.shape[0]):
            current = [kid for reg in current for kid in _lp_children(reg, W[z], b[z], radius_tol)]
        regions = [(H, h, np.array(rows), np.array(offs)) for H, h, _, _, rows, offs in current]
    Wo, bo = params.out_weight[net].double().numpy(), params.out_bias[net].double().numpy()
    return len(regions), _lp_db_pieces(regions, Wo, bo, labels)
