"""Theory: exact global minimizers of a deep linear network with weight decay and stochastic neurons.

Ziyin, Li & Meng, "Exact Solutions of a Deep Linear Network", NeurIPS 2022
(arXiv 2202.04777). Eq. 1 is the paper's loss; the paper's full text was not available to us, so the
reduction, the explicit minimizer and the thresholds below are our own derivation (checked numerically by the
tests), written in the chapter as equations eq-dl-vector, eq-dl-reduced and eq-dl-thresholds.

Definitions
-----------
* Depth ``D`` = number of hidden layers (D = 1 is a two-layer net). Widths d_1..d_D,
  input dimension d0, scalar output, no biases. Weights, first to last:
  ``W1 (d1, d0), W2 (d2, d1), ..., WD (dD, dD-1), U (dD,)``.
* Stochastic neurons: every hidden unit is multiplied, after its linear map, by an
  independent eps with E[eps] = 1, Var[eps] = sigma2 (inverted dropout p: sigma2 = p/(1-p)).
* Loss (Eq. 1), no factor 1/2 anywhere::

      L = E_x E_eps (f(x) - y)^2 + gamma_u ||U||^2 + sum_i gamma_i ||W_i||_F^2

  ``torch.optim.SGD(weight_decay=wd)`` means gamma = wd / 2; decoupled decay (AdamW) is
  a different objective. Only A0 = E[x x^T], beta = E[x y] and E[y^2] enter.
* kappa = prod_i (1 + sigma2 / d_i) (noise factor) and gamma_bar = (gamma_u prod_i gamma_i)^(1/(D+1))
  (geometric-mean decay).
* Reduced 1-D loss along the common layer scale b >= 0 (the reduced loss)::

      L(b) = E[y^2] - b^(2D) beta^T [kappa b^(2D) A0 + gamma_bar I]^(-1) beta + D gamma_bar b^2

  Its global minimum over b is the global minimum of the full nonconvex loss.

Ensemble convention: every weight tensor carries the ensemble axis first, ``(E, ...)``.

The inputs (:class:`LinearTask`, :class:`DeepLinear`, :func:`kappa`, the tasks) live in
:mod:`varlib.deep_linear.model` and are re-exported here.
"""
from __future__ import annotations

import math
import warnings
from dataclasses import dataclass

import numpy as np
import torch
from scipy.optimize import brentq, minimize_scalar, newton

from varlib.core.checks import check_int as _check_int
from varlib.core.runtime import member_generator
from varlib.deep_linear.model import (DeepLinear, LinearTask, gamma_from_weight_decay, gaussian_task,  # noqa: F401
                                      kappa, task_from_data)

__all__ = ["LinearTask", "DeepLinear", "LinearSolution", "gamma_from_weight_decay", "task_from_data",
           "gaussian_task", "kappa", "reduced_loss", "stationarity_roots", "solve_global", "weights_from_b",
           "critical_gamma", "gamma_star", "gamma_spinodal", "isotropic_roots"]

_DT = torch.float64


# ----------------------------------------------------------------------------- theory
def reduced_loss(b, task: LinearTask, net: DeepLinear) -> np.ndarray:
    """L(b) = E[y^2] - sum_k beta_k^2 b^(2D) / (kappa a_k b^(2D) + gamma_bar) + D gamma_bar b^2 (the reduced loss).

    ``b`` is any array of scales >= 0; the result has its shape. min_b L(b) is the exact global
    minimum of the full loss (Eq. 1).
    """
    a, b2 = task.spectrum()
    D, g = net.depth, net.gamma_bar
    t = np.asarray(b, np.float64)[..., None] ** (2 * D)
    with np.errstate(divide="ignore", invalid="ignore"):
        fit = np.where(t > 0, b2 * t / (net.kappa * a * t + g), 0.0).sum(-1)
    return task.Ey2 - fit + D * g * np.asarray(b, np.float64) ** 2


def _stationarity(b, a, b2, net: DeepLinear):
    """g(b) = 1 - b^(2D-2) sum_k beta_k^2 / (kappa a_k b^(2D) + gamma_bar)^2; L'(b) = 2 D gamma_bar b g(b)."""
    D, b = net.depth, np.asarray(b, np.float64)[..., None]
    return 1.0 - (b ** (2 * D - 2) * b2 / (net.kappa * a * b ** (2 * D) + net.gamma_bar) ** 2).sum(-1)


def _b_max(a, b2, kappa: float, depth: int) -> float:
    """2 ||(kappa A0)^+ beta||^(1/(D+1)): twice the largest possible optimal b (ridge shrinks ||v||)."""
    return 2 * np.sqrt((b2 / (kappa * a) ** 2).sum()) ** (1 / (depth + 1))


def _polynomial_roots(a, b2, net: DeepLinear, max_degree: int = 120) -> np.ndarray:
    """Positive real roots b of prod_k c_k^2 - s^(D-1) sum_k beta_k^2 prod_{j != k} c_j^2 (s = b^2)."""
    P, D = np.polynomial.polynomial, net.depth
    if 2 * D * len(a) > max_degree:
        return np.array([])  # numpy.roots is too ill-conditioned; the grid brackets the roots
    c2 = [P.polypow([net.gamma_bar] + [0.0] * (D - 1) + [net.kappa * ak], 2) for ak in a]
    poly = np.array([1.0])
    for ck in c2:
        poly = P.polymul(poly, ck)
    for k, bk in enumerate(b2):
        term = np.array([0.0] * (D - 1) + [bk])
        for cj in c2[:k] + c2[k + 1:]:
            term = P.polymul(term, cj)
        poly = P.polysub(poly, term)
    if not np.all(np.isfinite(poly)):
        return np.array([])
    s = np.roots(poly[::-1])
    return np.sqrt(s[(np.abs(s.imag) <= 1e-6 * (1 + np.abs(s))) & (s.real > 0)].real)


def stationarity_roots(task: LinearTask, net: DeepLinear, grid: int = 4000) -> np.ndarray:
    """All positive real b with L'(b) = 0, sorted (stationary points of the reduced loss, needs gamma > 0).

    With s = b^2 and c_k(s) = kappa a_k s^D + gamma_bar, the condition is the polynomial
    prod_k c_k^2 - s^(D-1) sum_k beta_k^2 prod_{j != k} c_j^2 = 0 of degree 2DK (K distinct
    eigenvalues of A0 carrying signal); isotropic data reduce it to A b^(2D) - M b^(D-1) + gamma = 0.
    Candidates: every real root from ``numpy.roots``, plus every sign change of g(b) on a grid
    over [0, b_max] (Brent), all polished by Newton and kept only if |g(b)| < 1e-8.
    """
    if net.gamma_bar == 0:
        raise ValueError("stationarity_roots needs gamma > 0 (the b-form is singular at gamma = 0)")
    a, b2 = task.spectrum()

    def g(b):
        return float(_stationarity(b, a, b2, net))

    bs = np.linspace(0, _b_max(a, b2, net.kappa, net.depth), _check_int("grid", grid, 10))[1:]
    gs = _stationarity(bs, a, b2, net)
    bracketed = [brentq(g, bs[i], bs[i + 1], xtol=1e-15) for i in np.flatnonzero(gs[:-1] * gs[1:] < 0)]
    b = np.sort([_polish(x, g) for x in np.concatenate([_polynomial_roots(a, b2, net), bracketed])])
    b = b[[abs(g(x)) < 1e-8 for x in b]] if b.size else b
    return b[np.concatenate([[True], np.diff(b) > 1e-9 * (1 + b[1:])])] if b.size else b


def _polish(b0: float, g) -> float:
    """Newton (secant) refinement of a root of g near b0; keeps b0 unless |g| gets smaller."""
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        b1 = float(newton(g, b0, tol=1e-15, maxiter=50, disp=False))
    near = np.isfinite(b1) and abs(b1 - b0) < 1e-3 * (1 + b0)
    return b1 if near and b1 > 0 and abs(g(b1)) < abs(g(b0)) else b0


@dataclass(frozen=True)
class LinearSolution:
    """The exact global minimizer (homogeneous layers of norm b):
    ``v = b^(2D) [kappa b^(2D) A0 + gamma_bar I]^(-1) beta``.

    ``shrink`` (K,) is v's factor b^(2D) / (kappa a_k b^(2D) + gamma_bar) in each eigen-direction
    ``a`` of A0 carrying signal; ``stationary_b`` are all positive roots of L'(b); ``tie`` marks
    gamma = gamma* where the zero and the nonzero minimum have equal loss.
    """

    loss: float
    b: float
    v: np.ndarray
    a: np.ndarray
    shrink: np.ndarray
    stationary_b: np.ndarray
    tie: bool

    @property
    def v_norm(self) -> float:
        return float(np.linalg.norm(self.v))

    @property
    def is_zero(self) -> bool:
        return self.b == 0


def _grid_minima(task, net, grid: int) -> list[float]:
    """Local minima of L(b) on a dense grid over [0, b_max], each refined by bounded Brent."""
    a, b2 = task.spectrum()
    bs = np.linspace(0, _b_max(a, b2, net.kappa, net.depth), grid)
    L = reduced_loss(bs, task, net)
    idx = [i for i in range(1, grid - 1) if L[i] <= L[i - 1] and L[i] <= L[i + 1]] + [int(np.argmin(L))]
    return [minimize_scalar(lambda b: float(reduced_loss(b, task, net)), bounds=(bs[max(i - 1, 0)],
            bs[min(i + 1, grid - 1)]), method="bounded", options={"xatol": 1e-13}).x for i in idx]


def solve_global(task: LinearTask, net: DeepLinear, grid: int = 4000) -> LinearSolution:
    """Global minimum of Eq. 1: min over b >= 0 of L(b), candidates b = 0, every real root of the
    stationarity polynomial, and every refined local minimum of a dense grid.

    Zero wins when L(b) >= L(0) = E[y^2]. gamma = 0 is solved directly: v = (kappa A0)^+ beta,
    with the balanced representative b = ||v||^(1/(D+1)) (layer norms are then not determined).
    """
    a, b2 = task.spectrum()
    if net.gamma_bar == 0 or a.size == 0:
        v = np.linalg.pinv(net.kappa * task.A0) @ task.beta
        loss = task.Ey2 - float(task.beta @ v)
        return LinearSolution(loss, np.linalg.norm(v) ** (1 / (net.depth + 1)), v, a, 1 / (net.kappa * a),
                              np.array([]), False)
    roots = stationarity_roots(task, net, grid)
    cand = np.concatenate([[0.0], roots, _grid_minima(task, net, grid)])
    L = reduced_loss(cand, task, net)
    i = int(np.argmin(L))
    tie = bool(net.depth >= 2 and np.any(np.abs(reduced_loss(roots, task, net) - task.Ey2)
                                         <= 1e-10 * max(1.0, task.Ey2)))
    b = _polish(float(cand[i]), lambda b: float(_stationarity(b, a, b2, net))) if L[i] < task.Ey2 else 0.0
    t = b ** (2 * net.depth)
    evals, Q = np.linalg.eigh(task.A0)
    v = Q @ (t / (net.kappa * t * evals + net.gamma_bar) * (Q.T @ task.beta))
    loss = float(reduced_loss(b, task, net))
    return LinearSolution(loss, b, v, a, t / (net.kappa * a * t + net.gamma_bar), roots, tie)


def weights_from_b(sol: LinearSolution, net: DeepLinear, signs_seed: int | None = None) -> list[torch.Tensor]:
    """Explicit homogeneous weights [W1, ..., WD, U] (no ensemble axis) of the homogeneous minimizer.

    Layer l has Frobenius norm b_l = b sqrt(gamma_bar / gamma_l) (so gamma_l ||W_l||^2 = gamma_bar b^2):
    U = b_u r_D / sqrt(d_D), W_i = b_i r_i r_{i-1}^T / sqrt(d_i d_{i-1}), W1 = r_1 v^T / (P sqrt(d_1))
    with P = b_u prod_{i>=2} b_i. Signs r_i are all +1, or random +-1 from ``signs_seed``.
    """
    D, d, g = net.depth, net.widths, np.array(net.gammas)
    scale = np.sqrt(net.gamma_bar / g) if net.gamma_bar > 0 else np.ones(D + 1)
    bl = sol.b * scale  # norms of W1..WD, U
    gen = None if signs_seed is None else member_generator(signs_seed, 0)
    r = [torch.ones(w, dtype=_DT) if gen is None else
         torch.randint(0, 2, (w,), generator=gen).to(_DT) * 2 - 1 for w in d]
    Ws = [bl[i] * torch.outer(r[i], r[i - 1]) / math.sqrt(d[i] * d[i - 1]) for i in range(1, D)]
    U = bl[D] * r[-1] / math.sqrt(d[-1])
    P = float(np.prod(bl[1:]))
    v = torch.as_tensor(sol.v, dtype=_DT)
    W1 = torch.outer(r[0], v) / (P * math.sqrt(d[0])) if P > 0 else torch.zeros(d[0], v.numel(), dtype=_DT)
    return [W1, *Ws, U]


def critical_gamma(task: LinearTask, depth: int, kappa: float = 1.0, grid: int = 2000) -> float:
    """gamma_bar* above which zero is the global minimizer, for any A0 and D (the critical weight decay).

    Nonzero wins iff some b > 0 has L(b) < E[y^2], i.e. D gamma < b^(2D-2) sum_k beta_k^2 /
    (kappa a_k b^(2D) + gamma). The right side falls in gamma, so this holds iff gamma < gamma(b),
    the unique root of that equation, and gamma* = sup_b gamma(b). D = 1 gives ||beta|| for every
    A0 and kappa (the continuous transition); isotropic D >= 2 gives :func:`gamma_star`.
    """
    D = _check_int("depth D", depth, 1)
    if not kappa >= 1:
        raise ValueError(f"kappa = prod (1 + sigma2/d_i) must be >= 1, got {kappa}")
    a, b2 = task.spectrum()
    if D == 1 or a.size == 0:
        return float(np.sqrt(b2.sum()))

    def gamma_of_b(b):
        def phi(g):
            return D * g - b ** (2 * D - 2) * (b2 / (kappa * a * b ** (2 * D) + g)).sum()

        return brentq(phi, 0.0, b ** (D - 1) * np.sqrt(b2.sum() / D) + 1e-300, xtol=1e-16, rtol=1e-15)

    bmax = _b_max(a, b2, kappa, D)
    bs = np.linspace(bmax / grid, bmax, grid)
    i = int(np.argmax([gamma_of_b(b) for b in bs]))
    res = minimize_scalar(lambda b: -gamma_of_b(b), bounds=(bs[max(i - 1, 0)], bs[min(i + 1, grid - 1)]),
                          method="bounded", options={"xatol": 1e-12})
    return float(-res.fun)


def gamma_star(depth: int, A: float, M: float) -> float:
    """Isotropic threshold (A = kappa a, M = ||beta||): M for D = 1, else
    gamma* = ((D-1)/A)^((D-1)/(D+1)) (M/D)^(2D/(D+1)) (chapter Eq. eq-dl-thresholds)."""
    D = _check_int("depth D", depth, 1)
    if A <= 0 or M < 0:
        raise ValueError(f"need A > 0 and M >= 0, got A={A}, M={M}")
    return float(M) if D == 1 else ((D - 1) / A) ** ((D - 1) / (D + 1)) * (M / D) ** (2 * D / (D + 1))


def gamma_spinodal(depth: int, A: float, M: float) -> float:
    """Largest gamma with a nonzero local minimum (isotropic, the spinodal of chapter Eq. eq-dl-thresholds):
    gamma_sp = M (D+1)/(2D) [(D-1) M / (2 D A)]^((D-1)/(D+1)); equals M for D = 1."""
    D = _check_int("depth D", depth, 1)
    if A <= 0 or M < 0:
        raise ValueError(f"need A > 0 and M >= 0, got A={A}, M={M}")
    return M * (D + 1) / (2 * D) * ((D - 1) * M / (2 * D * A)) ** ((D - 1) / (D + 1))


def isotropic_roots(depth: int, A: float, M: float, gamma: float) -> np.ndarray:
    """Positive real roots of A b^(2D) - M b^(D-1) + gamma = 0 (isotropic stationarity) via ``numpy.roots``.
    For D >= 2: none, or (b_s, b_l) = (barrier, nontrivial local minimum)."""
    D = _check_int("depth D", depth, 1)
    if A <= 0 or M < 0 or gamma < 0:
        raise ValueError(f"need A > 0, M >= 0 and gamma >= 0, got A={A}, M={M}, gamma={gamma}")
    coef = np.zeros(2 * D + 1)
    coef[0] = A
    coef[D + 1] -= M
    coef[-1] += gamma
    r = np.roots(coef)
    return np.sort(r[(np.abs(r.imag) < 1e-9) & (r.real > 0)].real)
