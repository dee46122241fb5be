"""The LP-feasibility region counter of the authors' code (their ``network.py``, Tseran & Montufar 2021): the slow,
independent oracle for :func:`varlib.maxout.regions.count_regions` in tests and benchmarks. Our own implementation
with SciPy's HiGHS, and scale-free where the authors' is not:

* Every LP is posed in box-relative coordinates v = (u - box centre) / S, S the box's longer side, with every
  constraint row scaled to unit norm, so a radius or length in v is one relative to the box. Scaling the first
  layer by 1/s and the box by s poses the same LPs.
* A pattern counts as a region if a disc of *diameter* greater than ``width_tol`` (default
  :data:`varlib.maxout.geometry.WIDTH_TOL` = 1e-9, relative to S) fits in it. The exact counter keeps a polygon whose
  minimal width exceeds the same number; a disc of diameter d fits only in a polygon of width >= d, and a polygon of
  width w holds a disc of diameter 2w/3, so the two rules differ only for cells of relative width between 1e-9 and
  1.5e-9 (see :mod:`varlib.maxout.regions` for how rare real cells that thin are).
* HiGHS runs with primal and dual feasibility tolerances of 1e-10 (its default 1e-7 cannot resolve such radii).
* A decision-boundary piece counts if the segment {f_i = f_j >= f_k} in a region is longer than ``length_tol``
  (relative to S), by two LPs along the segment's line; the authors' code asks only for feasibility (a point).

The authors' code instead asks the maximising feature to win by an absolute margin of 1e-6 in value (so its notion
of a region depends on the scale of the network and the box), uses SciPy's interior-point method, and treats every
solver warning or exception as "no region": it drops the regions where its solver fails.
"""
from __future__ import annotations

from typing import Sequence

import numpy as np

from varlib.maxout.geometry import LENGTH_TOL, WIDTH_TOL, Box, box_bounds, box_size, check_labels, plane_basis
from varlib.maxout.nets import MaxoutParams

__all__ = ["count_regions_lp"]

#: HiGHS options: its smallest feasibility tolerances, so that relative radii of 1e-9 are resolved.
_HIGHS = {"primal_feasibility_tolerance": 1e-10, "dual_feasibility_tolerance": 1e-10}


def _normalise(H: np.ndarray, h: np.ndarray) -> tuple[np.ndarray, np.ndarray] | None:
    """Rows of {v : H v <= h} scaled to unit norm; rows 0 v <= h dropped, or None if one of them is violated."""
    norms = np.linalg.norm(H, axis=1)
    zero = norms == 0
    if (h[zero] < 0).any():
        return None
    return H[~zero] / norms[~zero, None], h[~zero] / norms[~zero]


def _chebyshev_radius(H: np.ndarray, h: np.ndarray) -> float:
    """Radius of the largest disc in {v : H v <= h} (0 if empty), by one HiGHS LP."""
    from scipy.optimize import linprog

    rows = _normalise(H, h)
    if rows is None:
        return 0.0
    Hn, hn = rows
    res = linprog([0.0, 0.0, -1.0], A_ub=np.hstack([Hn, np.ones((len(Hn), 1))]), b_ub=hn,
                  bounds=[(None, None), (None, None), (0, None)], method="highs", options=_HIGHS)
    return float(-res.fun) if res.status == 0 else 0.0


def _extent(H: np.ndarray, h: np.ndarray, d: np.ndarray, A_eq=None, b_eq=None) -> float:
    """max - min of d . v over {H v <= h, A_eq v = b_eq} (-1 if empty), by two HiGHS LPs."""
    from scipy.optimize import linprog

    ends = []
    for sign in (1.0, -1.0):
        res = linprog(sign * d, A_ub=H, b_ub=h, A_eq=A_eq, b_eq=b_eq, bounds=[(None, None)] * 2, method="highs",
                      options=_HIGHS)
        if res.status != 0:
            return -1.0
        ends.append(sign * res.fun)
    return ends[1] - ends[0]


def _bounding_box(H: np.ndarray, h: np.ndarray) -> np.ndarray:
    """Corners (4, 2) of the axis-parallel bounding box of {v : H v <= h}, enlarged by 1e-7 for the solver's
    tolerance (four LPs)."""
    from scipy.optimize import linprog

    lo_hi = []
    for axis in range(2):
        for sign in (1.0, -1.0):
            c = np.zeros(2)
            c[axis] = sign
            res = linprog(c, A_ub=H, b_ub=h, bounds=[(None, None)] * 2, method="highs", options=_HIGHS)
            lo_hi.append(sign * res.fun if res.status == 0 else sign * -np.inf)
    (xlo, xhi), (ylo, yhi) = (np.array(lo_hi[:2]) + [-1e-7, 1e-7]), (np.array(lo_hi[2:]) + [-1e-7, 1e-7])
    return np.array([[xlo, ylo], [xhi, ylo], [xhi, yhi], [xlo, yhi]])


def _wins_everywhere(corners: np.ndarray, G: np.ndarray, g: np.ndarray, scale: float) -> int | None:
    """The feature that beats every other (by 1e-9 * ``scale``) at all four ``corners``, or None."""
    vals = corners @ G.T + g                                                      # (4, K)
    k = int(vals[0].argmax())
    return k if (np.delete(vals[:, k:k + 1] - vals, k, axis=1) > 1e-9 * scale).all() else None


def _lp_children(region, Wz: np.ndarray, bz: np.ndarray, radius_tol: float, prune: bool) -> list:
    """Children of one region for one unit: for each k, add zeta_j - zeta_k <= 0 (j != k); keep if a disc
    of radius > radius_tol fits. Features identical on the region (e.g. a dead ReLU, 0 = 0) go to the
    first index, as argmax does.

    ``prune``: if one feature beats the others (by a relative 1e-9) at every corner of a box that holds the region,
    it wins on the whole region and the unit does not cut it: the region is its only child, and no LP is solved.
    A region starts with its parent's box (``tight`` False) and gets its own bounding box (four LPs) the first
    time its parent's is not enough."""
    H, h, A, c, rows, offs, corners, tight = region
    G, g = Wz @ A, Wz @ c + bz                                                    # (K, 2), (K,)
    scale = max(np.abs(G).max(), np.abs(g).max())
    if prune:
        k = _wins_everywhere(corners, G, g, scale)
        if k is None and not tight:
            corners, tight = _bounding_box(*_normalise(H, h)), True
            k = _wins_everywhere(corners, G, g, scale)
        if k is not None:
            return [(H, h, A, c, rows + [G[k]], offs + [g[k]], corners, tight)]
    tie = 1e-12 * scale
    same = (np.abs(G[:, None] - G[None]).max(-1) <= tie) & (np.abs(g[:, None] - g[None]) <= tie)
    out = []
    for k in range(len(g)):
        if same[k, :k].any():
            continue
        o = [j for j in range(len(g)) if j != k]
        Hk, hk = np.vstack([H, G[o] - G[k]]), np.concatenate([h, g[k] - g[o]])
        if _chebyshev_radius(Hk, hk) > radius_tol:
            out.append((Hk, hk, A, c, rows + [G[k]], offs + [g[k]], corners, tight and len(out) == 0))
    if len(out) > 1:                                             # cut: the children's boxes are not tight
        out = [kid[:7] + (False,) for kid in out]
    return out


def _lp_db_pieces(regions: list, Wo: np.ndarray, bo: np.ndarray, labels: list[int], length_tol: float) -> int:
    """Pieces {f_i = f_j, f_i >= f_k (other labels)} in each region longer than ``length_tol``."""
    count = 0
    for H, h, A, c in regions:
        F, f = Wo @ A, Wo @ c + bo
        for n, i in enumerate(labels):
            for j in labels[n + 1:]:
                o = [k for k in labels if k not in (i, j)]
                rows = _normalise(np.vstack([H, F[o] - F[i]]), np.concatenate([h, f[i] - f[o]]))
                a = F[i] - F[j]
                if rows is None or not np.linalg.norm(a) > 0:
                    continue
                na = np.linalg.norm(a)
                d = np.array([-a[1], a[0]]) / na                                # unit direction of the line
                count += _extent(*rows, d, A_eq=(a / na)[None], b_eq=[(f[j] - f[i]) / na]) > length_tol
    return count


def count_regions_lp(params: MaxoutParams, box: Box = (-3.0, 3.0), plane=None, net: int = 0,
                     labels: Sequence[int] | None = None, width_tol: float = WIDTH_TOL,
                     length_tol: float = LENGTH_TOL, prune: bool = False) -> tuple[int, int]:
    """(activation regions, DB pieces) of network ``net`` by LP feasibility (as the authors' code), the independent
    oracle for tests: regions are refined unit by unit; a pattern is kept if its constraints (with the box) admit a
    disc of diameter > ``width_tol``, and a DB piece if it is longer than ``length_tol``, both relative to the box's
    longer side (module docstring). About K * R LPs per unit: small nets only. ``prune=True`` skips the LPs of
    units that provably do not cut a region (four LPs for a bounding box of a region instead, when its parent's
    box is not enough); the same counts, 2-3 times faster on 40-unit nets."""
    xlo, xhi, ylo, yhi = box_bounds(box)
    S, o = box_size((xlo, xhi, ylo, yhi)), np.array([(xlo + xhi) / 2, (ylo + yhi) / 2])
    a, b = (xhi - xlo) / (2 * S), (yhi - ylo) / (2 * S)                  # the box is [-a, a] x [-b, b] in v
    A0, c0 = (t.numpy() for t in plane_basis(params, plane))
    A0, c0 = A0 * S, A0 @ o + c0                                        # x = A0 u + c0 with u = o + S v
    labels = check_labels(labels, params.out_weight.shape[1])
    H0, h0 = np.array([[1.0, 0], [-1, 0], [0, 1], [0, -1]]), np.array([a, a, b, b])
    corners = np.array([[-a, -b], [a, -b], [a, b], [-a, b]])
    regions = [(H0, h0, A0, c0, corners, True)]
    for W, bias in zip(params.weights, params.biases):
        W, bias = W[net].double().numpy(), bias[net].double().numpy()
        current = [(H, h, A, c, [], [], *bbox) for H, h, A, c, *bbox in regions]
        for z in range(W.shape[0]):
            current = [kid for reg in current for kid in _lp_children(reg, W[z], bias[z], width_tol / 2, prune)]
        regions = [(H, h, np.array(rows), np.array(offs), *bbox) for H, h, _, _, rows, offs, *bbox in current]
    Wo, bo = params.out_weight[net].double().numpy(), params.out_bias[net].double().numpy()
    return len(regions), _lp_db_pieces([r[:4] for r in regions], Wo, bo, labels, length_tol)
