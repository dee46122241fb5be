"""Sampled-noise minibatch SGD and nonlinear nets for the deep-linear chapter (sampled-noise SGD, Figs. 2 and 3).

Everything the exact theory (:mod:`varlib.deep_linear.theory`) does not cover: nets trained on the samples
themselves rather than on the exact noise-marginalised loss.

* A bias-free MLP ``f(x) = U . eps_D phi(W_D ... eps_1 phi(W_1 x))`` with activation ``phi``
  (:data:`SGD_ACTIVATIONS`: linear, relu, tanh, swish) and stochastic neurons ``eps`` (E = 1, Var = sigma2; "gaussian"
  or inverted "dropout", :data:`varlib.deep_linear.nets.NOISES`). Weights ``[W1 (E, d1, d0), ..., U (E, dD)]``.
* Loss (Eq. 1) on a minibatch: mean (f - y)^2 + gamma sum_l ||W_l||^2, the L2 term explicit (coupled, no
  AdamW); plain SGD with a cosine-decayed or constant learning rate (:data:`SCHEDULES`).
* Weight decay alone: explicit L2 shrinks every weight by (1 - 2 gamma eta_t) per step, so a bias-free net of
  L weight layers with no pull from the data has its output scaled by prod_t (1 - 2 gamma eta_t)^L
  (:func:`l2_decay_factor`), about exp(-2 L gamma sum_t eta_t). It sets how fast a net below the critical
  signal can reach the zero solution, and why the schedule matters there.
* The paper's Fig. 2: the Theorem-4 weights of a D = 1 net as a function of one scalar b (the homogeneous minimizer),
  ``U = (b / sqrt(d)) 1``, ``W1 = 1 (|b| / sqrt(d)) beta^T [b^2 A0 + gamma I]^(-1)``, plugged into nets
  with other activations; a negative b flips the sign of U.
"""
from __future__ import annotations

import math

import numpy as np
import pandas as pd
import torch

from varlib.core.activations import get_activation
from varlib.core.checks import check_int as _check_int
from varlib.core.runtime import member_generator, resolve_device, small_op_threads, to_device
from varlib.deep_linear.model import LinearTask, task_from_data
from varlib.deep_linear.nets import NOISES

__all__ = ["SGD_ACTIVATIONS", "SLOPE_AT_ZERO", "isotropic_samples", "signal_samples", "torch_default_init",
           "mlp_forward", "sgd_objective", "train_sgd", "SCHEDULES", "other_schedule", "sgd_steps", "lr_schedule",
           "l2_decay_factor", "family_weights", "family_loss"]

_DT = torch.float64

#: Activations of the nonlinear comparisons (Fig. 2, 3 of the paper); swish(z) = z sigmoid(z).
SGD_ACTIVATIONS = ("linear", "relu", "tanh", "swish")

#: Effective slope at 0 of each activation: phi'(0), and for ReLU its Gaussian average E[relu'(z)] = 1/2.
SLOPE_AT_ZERO = {"linear": 1.0, "relu": 0.5, "tanh": 1.0, "swish": 0.5}


#: Learning-rate schedules of :func:`train_sgd`.
SCHEDULES = ("cosine", "constant")


def other_schedule(schedule: str) -> str:
    """The schedule of :data:`SCHEDULES` that is not ``schedule`` (the chapter compares the two)."""
    if schedule not in SCHEDULES:
        raise ValueError(f"unknown schedule {schedule!r}; allowed: {', '.join(SCHEDULES)}")
    return next(s for s in SCHEDULES if s != schedule)


def sgd_steps(n: int, epochs: int, batch: int) -> int:
    """Steps of :func:`train_sgd`: ``epochs`` passes over ``n`` samples in minibatches of ``batch`` (the last one
    may be smaller)."""
    return _check_int("epochs", epochs, 1) * math.ceil(n / _check_int("batch", batch, 1))


def lr_schedule(lr: float, steps: int, schedule: str = "cosine") -> list[float]:
    """Step sizes eta_t, t = 0 .. T-1: "cosine" eta_t = lr (1 + cos(pi t / T)) / 2 (sum about lr T / 2),
    "constant" eta_t = lr (sum lr T)."""
    if schedule not in SCHEDULES:
        raise ValueError(f"unknown schedule {schedule!r}; allowed: {', '.join(SCHEDULES)}")
    T = _check_int("steps", steps, 1)
    if schedule == "constant":
        return [lr] * T
    return [lr * 0.5 * (1 + math.cos(math.pi * t / T)) for t in range(T)]


def l2_decay_factor(gamma: float, etas, layers: int) -> float:
    """prod_t (1 - 2 gamma eta_t)^layers: the factor by which explicit L2 alone (loss term gamma ||W||^2, plain
    SGD with step sizes ``etas``) scales the output of a bias-free net of ``layers`` weight layers."""
    return float(np.prod([1 - 2 * gamma * e for e in etas]) ** _check_int("layers", layers, 1))


def _act(name: str):
    """The function of one of :data:`SGD_ACTIVATIONS`, from :mod:`varlib.core.activations` ("linear" is its
    identity)."""
    if name not in SGD_ACTIVATIONS:
        raise ValueError(f"unknown activation {name!r}; allowed: {', '.join(SGD_ACTIVATIONS)}")
    return get_activation("identity" if name == "linear" else name).fn


def isotropic_samples(d0: int, M: float, n: int, noise: float = 0.5, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """N samples whose empirical statistics are exactly isotropic: x^T x / N = I, x^T y / N = M e_1.

    Gaussian x is whitened by its own empirical covariance; y = M x_1 + noise z with z projected
    off the span of x. So the closed forms for A0 = I (gamma*, gamma_sp, roots) hold for the very
    samples the nets train on. Returns x (N, d0), y (N,).
    """
    n, d0 = _check_int("n", n, d0 + 1), _check_int("d0", d0, 1)
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, d0))
    evals, Q = np.linalg.eigh(x.T @ x / n)
    x = x @ Q @ np.diag(evals ** -0.5) @ Q.T
    z = rng.standard_normal(n)
    z -= x @ (x.T @ z / n)
    return x, M * x[:, 0] + noise * z


def signal_samples(d0: int, M: float, n: int, noise: float = 0.5, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Plain Gaussian samples (the paper's Fig. 3 tasks): x ~ N(0, I), y = M x_1 + noise z; x (N, d0), y (N,).
    The empirical ||E[xy]|| differs from M by O(1/sqrt(N)); use :func:`task_from_data` for the theory."""
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((_check_int("n", n, 1), _check_int("d0", d0, 1)))
    return x, M * x[:, 0] + noise * rng.standard_normal(n)


def torch_default_init(d0: int, widths, n_nets: int, seed: int = 0, device="cpu") -> list[torch.Tensor]:
    """PyTorch's ``nn.Linear`` default (kaiming_uniform, a = sqrt 5): W ~ U(-1/sqrt(fan_in), 1/sqrt(fan_in)).
    Stacked [W1 (E, d1, d0), ..., U (E, dD)]; net r draws from ``member_generator(seed, r)`` on CPU, then
    the stack moves to ``device``."""
    dims = [d0, *widths]
    nets = []
    for r in range(_check_int("n_nets", n_nets, 1)):
        g = member_generator(seed, r)
        shapes = [(dims[i + 1], dims[i]) for i in range(len(widths))] + [(dims[-1],)]
        fans = dims[:-1] + [dims[-1]]
        nets.append([(2 * torch.rand(s, generator=g, dtype=_DT) - 1) / math.sqrt(f) for s, f in zip(shapes, fans)])
    return [torch.stack(layer).to(resolve_device(device)) for layer in zip(*nets)]


def _noise(s2: torch.Tensor, shape, noise: str, generator) -> torch.Tensor:
    """Multiplicative neuron noise of shape (E, B, d), E = 1, Var = s2 (E or 1, 1, 1; on CPU): as
    :data:`NOISES`, drawn on CPU."""
    if noise not in NOISES:
        raise ValueError(f"noise must be one of {sorted(NOISES)}, got {noise!r}")
    if noise == "gaussian":
        return 1 + s2.sqrt() * torch.randn(shape, generator=generator, dtype=_DT)
    return (torch.rand(shape, generator=generator, dtype=_DT) >= s2 / (1 + s2)) * (1 + s2)


def mlp_forward(weights, x: torch.Tensor, activation: str = "linear", sigma2=0.0, noise: str = "gaussian",
                generator: torch.Generator | None = None) -> torch.Tensor:
    """f(x) of every net, (E, B), for x (E or 1, B, d0); noise (per unit, per sample) only when sigma2 > 0.
    ``sigma2``: float or per-net (E,), best on CPU: the noise is drawn there from ``generator`` and then
    copied to x's device without a host sync."""
    phi, h = _act(activation), x
    s2 = torch.as_tensor(sigma2, dtype=_DT).cpu().reshape(-1, 1, 1)
    noisy = bool((s2 > 0).any())  # on CPU: no device sync
    for W in weights[:-1]:
        h = phi(h @ W.transpose(-1, -2))  # (E, B, d_i)
        if noisy:
            h = h * to_device(_noise(s2, h.shape, noise, generator), h.device)
    return (h * weights[-1].unsqueeze(1)).sum(-1)


def sgd_objective(weights, x, y, gamma, activation: str = "linear") -> torch.Tensor:
    """The objective :func:`train_sgd` descends, on the whole data and without neuron noise, per net (E,):
    mean (f - y)^2 + gamma sum_l ||W_l||^2. x (N, d0) or (E, N, d0), y (N,) or (E, N), ``gamma`` float or (E,);
    on the weights' device. Before and after training it tells whether a run diverged
    (:func:`~varlib.deep_linear.nets.linear_diverged`)."""
    dev = weights[0].device
    x = torch.as_tensor(x, dtype=_DT, device=dev)
    y = torch.as_tensor(y, dtype=_DT, device=dev)
    g = torch.as_tensor(gamma, dtype=_DT, device=dev).reshape(-1)
    with torch.no_grad():
        f = mlp_forward(weights, x.unsqueeze(0) if x.ndim == 2 else x, activation)
        pen = torch.stack([w.flatten(1).pow(2).sum(1) for w in weights], 1).sum(1)
        return ((f - y) ** 2).mean(1) + g * pen


def train_sgd(weights, x, y, gamma, activation: str = "linear", sigma2=0.0, noise: str = "gaussian",
              epochs: int = 150, batch: int = 100, lr: float = 0.02, seed: int = 0,
              device=None, schedule: str = "cosine") -> list[torch.Tensor]:
    """Minibatch SGD on sampled noise: per step, mean (f - y)^2 + gamma sum ||W_l||^2 (Eq. 1, explicit L2).

    x (N, d0) shared by all nets or (E, N, d0); y (N,) or (E, N); ``gamma``, ``sigma2`` float or (E,).
    One shuffle per epoch (shared by the nets), step sizes :func:`lr_schedule` over T steps (``schedule``
    "cosine": lr (1 + cos(pi t / T)) / 2; "constant": lr). Nets are
    independent: the summed loss is separable. ``device``: where the steps run (None: where the weights
    are); data, weights and gamma move there once, shuffles and noise are drawn on CPU from
    ``member_generator(seed, 0)`` and copied without a host sync. Returns the trained weights on the
    device they came from.
    """
    home = weights[0].device
    dev = home if device is None else resolve_device(device)
    x = torch.as_tensor(x, dtype=_DT, device=dev)
    x = x.unsqueeze(0) if x.ndim == 2 else x
    y = torch.as_tensor(y, dtype=_DT, device=dev)
    y = y.unsqueeze(0).expand(weights[0].shape[0], -1) if y.ndim == 1 else y
    g = torch.as_tensor(gamma, dtype=_DT, device=dev).reshape(-1, 1)
    s2 = torch.as_tensor(sigma2, dtype=_DT).cpu()  # stays on CPU, where the noise is drawn
    n, gen = y.shape[1], member_generator(seed, 0)
    ws = [w.detach().clone().to(dev, _DT).requires_grad_(True) for w in weights]
    etas = lr_schedule(lr, sgd_steps(n, epochs, batch), schedule)
    t = 0
    with small_op_threads(dev):
        for _ in range(epochs):
            perm = to_device(torch.randperm(n, generator=gen), dev)
            for i in range(0, n, batch):
                idx = perm[i:i + batch]
                f = mlp_forward(ws, x[:, idx], activation, s2, noise, gen)
                pen = (g * torch.stack([w.flatten(1).pow(2).sum(1) for w in ws], 1)).sum(1)
                loss = ((f - y[:, idx]) ** 2).mean(1) + pen
                grads = torch.autograd.grad(loss.sum(), ws)
                with torch.no_grad():
                    for w, gr in zip(ws, grads):
                        w.sub_(etas[t] * gr)
                t += 1
    return [w.detach().to(home) for w in ws]


def family_weights(task: LinearTask, b: float, width: int, gamma: float) -> list[torch.Tensor]:
    """The D = 1 Theorem-4 weights at scalar b (module docstring), signs r = all ones; no ensemble axis."""
    d = _check_int("width", width, 1)
    u = torch.as_tensor(np.linalg.solve(b * b * task.A0 + gamma * np.eye(task.d0), task.beta), dtype=_DT)
    r = torch.ones(d, dtype=_DT)
    return [torch.outer(r, u) * abs(b) / math.sqrt(d), r * b / math.sqrt(d)]


def family_loss(x, y, bs, width: int, gamma: float, activations=("linear", "relu", "tanh", "swish")) -> pd.DataFrame:
    """Training loss (Eq. 1, sigma = 0) along the one-parameter family of :func:`family_weights`, for each
    activation, plus its linearised prediction: the linear net with the activation's slope at zero c
    (:data:`SLOPE_AT_ZERO`), i.e. f = c v^T x. Rows: activation, b, loss, linearised."""
    if gamma <= 0:
        raise ValueError(f"the family needs gamma > 0 (the ridge inverse at b = 0), got {gamma}")
    task = task_from_data(x, y)
    xt, yt = torch.as_tensor(x, dtype=_DT).unsqueeze(0), torch.as_tensor(y, dtype=_DT)
    rows = []
    for b in bs:
        ws = [w.unsqueeze(0) for w in family_weights(task, float(b), width, gamma)]
        pen = gamma * sum(float(w.pow(2).sum()) for w in ws)
        f_lin = mlp_forward(ws, xt, "linear")[0]
        for a in activations:
            f = mlp_forward(ws, xt, a)[0]
            rows.append({"activation": a, "b": float(b), "loss": float(((f - yt) ** 2).mean()) + pen,
                         "linearised": float(((SLOPE_AT_ZERO[a] * f_lin - yt) ** 2).mean()) + pen})
    return pd.DataFrame(rows)
