"""The deep-linear model's inputs: data statistics (:class:`LinearTask`) and the net (:class:`DeepLinear`).

Conventions of :mod:`varlib.deep_linear.theory` (the paper's Eq. 1 and our derivation): depth ``D`` = number of
hidden layers, widths d_1..d_D, decays gamma (gamma = wd / 2 for ``torch.optim.SGD(weight_decay=wd)``),
neuron noise variance sigma2, noise factor kappa = prod_i (1 + sigma2 / d_i) and geometric-mean decay
gamma_bar = (gamma_u prod_i gamma_i)^(1/(D+1)). Only A0 = E[x x^T], beta = E[x y] and
E[y^2] of the data enter.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from varlib.core.checks import check_int as _check_int

__all__ = ["LinearTask", "DeepLinear", "gamma_from_weight_decay", "task_from_data", "gaussian_task", "kappa"]


@dataclass(frozen=True)
class LinearTask:
    """Data statistics A0 = E[x x^T] (d0, d0), beta = E[x y] (d0,), Ey2 = E[y^2].

    A0 must be symmetric positive semi-definite. A singular A0 is allowed only when beta
    lies in its range (always true for empirical statistics of one data set); otherwise
    the loss is unbounded below for D >= 2.
    """

    A0: np.ndarray
    beta: np.ndarray
    Ey2: float

    def __post_init__(self):
        A0 = np.asarray(self.A0, dtype=np.float64)
        beta = np.asarray(self.beta, dtype=np.float64).reshape(-1)
        if A0.ndim != 2 or A0.shape != (beta.size, beta.size):
            raise ValueError(f"A0 must have shape (d0, d0) = {(beta.size,) * 2}, got {A0.shape}")
        if not np.allclose(A0, A0.T, atol=1e-12 * (1 + np.abs(A0).max())):
            raise ValueError("A0 must be symmetric (it is E[x x^T])")
        evals, Q = np.linalg.eigh(A0)
        tol = 1e-10 * max(1.0, evals.max(initial=0.0))
        if evals.min() < -tol:
            raise ValueError(f"A0 must be positive semi-definite, smallest eigenvalue {evals.min():.3g}")
        off = Q[:, evals <= tol].T @ beta
        if np.linalg.norm(off) > 1e-10 * max(1.0, np.linalg.norm(beta)):
            raise ValueError("A0 is singular and beta = E[xy] has a component outside its range: the loss "
                             "is unbounded below; pass the empirical A0, beta of one data set")
        if not float(self.Ey2) >= 0:
            raise ValueError(f"Ey2 = E[y^2] must be >= 0, got {self.Ey2}")
        object.__setattr__(self, "A0", A0)
        object.__setattr__(self, "beta", beta)
        object.__setattr__(self, "Ey2", float(self.Ey2))

    @property
    def d0(self) -> int:
        return self.beta.size

    def spectrum(self) -> tuple[np.ndarray, np.ndarray]:
        """Distinct eigenvalues a_k of A0 carrying signal, and the signal beta_k^2 in each (summed)."""
        evals, Q = np.linalg.eigh(self.A0)
        b2 = (Q.T @ self.beta) ** 2
        keep = b2 > 1e-28 * max(1.0, b2.sum())
        a, b2 = evals[keep], b2[keep]
        groups = np.concatenate([[0], np.cumsum(np.diff(a) > 1e-10 * max(1.0, a.max(initial=1.0)))])
        n = groups[-1] + 1 if a.size else 0
        return np.array([a[groups == g].mean() for g in range(n)]), np.bincount(groups, b2, n)


@dataclass(frozen=True)
class DeepLinear:
    """One deep linear net: depth D >= 1, widths (int or D ints >= 1), decay gamma (float or
    D+1 floats ordered W1..WD, U; all zero or all > 0), neuron noise sigma2 >= 0."""

    depth: int
    width: int | tuple = 16
    gamma: float | tuple = 0.0
    sigma2: float = 0.0
    widths: tuple = field(init=False)
    gammas: tuple = field(init=False)

    def __post_init__(self):
        D = _check_int("depth D (number of hidden layers)", self.depth, 1)
        w = (self.width,) * D if np.ndim(self.width) == 0 else tuple(self.width)
        g = (self.gamma,) * (D + 1) if np.ndim(self.gamma) == 0 else tuple(float(x) for x in self.gamma)
        if len(w) != D or len(g) != D + 1:
            raise ValueError(f"width needs D = {D} entries and gamma D+1 = {D + 1}, "
                             f"got {len(w)} and {len(g)}")
        w = tuple(_check_int("width", x, 1) for x in w)
        if any(not x >= 0 for x in g):
            raise ValueError(f"gamma (weight decay) must be >= 0, got {g}")
        if 0 < sum(x == 0 for x in g) < len(g):
            raise ValueError("gamma must be all zero or all positive (a mix has no minimizer)")
        if not float(self.sigma2) >= 0:
            raise ValueError(f"sigma2 (noise variance) must be >= 0, got {self.sigma2}")
        object.__setattr__(self, "widths", w)
        object.__setattr__(self, "gammas", tuple(float(x) for x in g))

    @property
    def kappa(self) -> float:
        return kappa(self.widths, self.sigma2)

    @property
    def gamma_bar(self) -> float:
        """gamma_bar = (gamma_u prod_i gamma_i)^(1/(D+1)), the geometric-mean decay."""
        if len(set(self.gammas)) == 1:
            return self.gammas[0]
        return float(np.exp(np.mean(np.log(self.gammas)))) if min(self.gammas) > 0 else 0.0


def kappa(widths, sigma2: float) -> float:
    """Noise factor kappa = prod_i (1 + sigma2 / d_i); E_eps f^2 >= kappa (v^T x)^2."""
    if not float(sigma2) >= 0:
        raise ValueError(f"sigma2 must be >= 0, got {sigma2}")
    return float(np.prod([1.0 + sigma2 / _check_int("width", d, 1) for d in np.atleast_1d(widths)]))


def gamma_from_weight_decay(weight_decay: float) -> float:
    """gamma of Eq. 1 for coupled L2 ``torch.optim.SGD(weight_decay=wd)`` on the MSE: gamma = wd / 2
    (d/dW gamma ||W||^2 = 2 gamma W = wd W). Decoupled decay (AdamW) has no such gamma."""
    if not weight_decay >= 0:
        raise ValueError(f"weight_decay must be >= 0, got {weight_decay}")
    return weight_decay / 2


def task_from_data(x, y) -> LinearTask:
    """Empirical statistics of a training set x (N, d0), y (N,): A0 = x^T x / N, beta = x^T y / N."""
    x, y = np.asarray(x, np.float64), np.asarray(y, np.float64).reshape(-1)
    if x.ndim != 2 or x.shape[0] != y.size:
        raise ValueError(f"x must be (N, d0) and y (N,), got {x.shape} and {y.shape}")
    return LinearTask(x.T @ x / len(y), x.T @ y / len(y), float(y @ y / len(y)))


def gaussian_task(d0: int, M: float, noise: float = 0.5, eigvals=None, n_samples: int | None = None,
                  seed: int = 0) -> LinearTask:
    """x ~ N(0, diag(eigvals)), y = c w^T x + noise * z with ||w|| = 1 and c set so ||E[xy]|| = M.

    ``n_samples=None`` gives the population statistics, else the empirical ones of N samples.
    """
    d0 = _check_int("d0", d0, 1)
    eig = np.ones(d0) if eigvals is None else np.asarray(eigvals, np.float64)
    if eig.shape != (d0,) or eig.min() < 0 or M < 0 or noise < 0:
        raise ValueError("need eigvals of shape (d0,) >= 0, M >= 0 and noise >= 0")
    rng = np.random.default_rng(seed)
    w = rng.standard_normal(d0) * (eig > 0)
    w /= np.linalg.norm(w)
    c = M / np.linalg.norm(eig * w)
    if n_samples is None:
        return LinearTask(np.diag(eig), c * eig * w, c ** 2 * w @ (eig * w) + noise ** 2)
    x = rng.standard_normal((_check_int("n_samples", n_samples, 1), d0)) * np.sqrt(eig)
    return task_from_data(x, c * x @ w + noise * rng.standard_normal(n_samples))
