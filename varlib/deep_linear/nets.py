"""Deep linear networks as stacked float64 tensors: the exact noise-marginalised loss (Eq. 1),
batched full-batch training on it, stochastic-neuron prediction moments (exact and Monte Carlo)
and the Hessian at the origin.

Definitions and conventions are those of :mod:`varlib.deep_linear.theory`. Weights, first to last:
``W1 (E, d1, d0), ..., WD (E, dD, dD-1), U (E, dD)``, ensemble axis first.

Devices: everything random is drawn on CPU (``member_generator``) and then moved, so a CPU and a GPU run
start from the same weights. The trainers take ``device`` (where every step runs), move the loss terms
there once and read nothing back to the host inside the loop; results return to CPU (or to the weights'
own device).
"""
from __future__ import annotations

import math

import numpy as np
import pandas as pd
import torch

from varlib.core.checks import check_int as _check_int
from varlib.core.runtime import member_generator, resolve_device, small_op_threads
from varlib.deep_linear.model import DeepLinear, LinearTask
from varlib.deep_linear.theory import solve_global, weights_from_b

__all__ = ["NOISES", "OPTIMIZERS", "LINEAR_DIVERGED_GROWTH", "linear_diverged", "init_weights", "end_to_end",
           "layer_norms", "expected_loss", "train_exact", "ensemble_start", "unit_spread", "train_linear_ensemble",
           "gradient_norm", "trained_variance", "prediction_moments",
           "homogeneous_variance", "expected_variance", "sample_predictions", "mc_prediction_moments",
           "hessian_at_zero"]

_DT = torch.float64

#: A training run has diverged when its final loss is NaN or infinite, or more than this multiple of its loss at
#: the start (:func:`linear_diverged`). Every loss of the chapter is a mean square error plus an L2 term on tasks
#: with E[y^2] of order one, and a working run ends below where it started; a thousandfold rise is a blow-up.
LINEAR_DIVERGED_GROWTH = 1e3


def linear_diverged(loss, loss0) -> np.ndarray:
    """Per run, whether training diverged: the final ``loss`` is NaN or +-inf, the starting ``loss0`` is not
    finite, or ``loss`` > :data:`LINEAR_DIVERGED_GROWTH` x ``loss0`` (finite but exploded, e.g. 1e31). A diverged
    run is evidence of nothing: not of a minimum reached, nor of a collapse to zero."""
    loss, loss0 = np.asarray(loss, dtype=float), np.asarray(loss0, dtype=float)
    with np.errstate(invalid="ignore", over="ignore"):
        return ~np.isfinite(loss) | ~np.isfinite(loss0) | (loss > LINEAR_DIVERGED_GROWTH * np.abs(loss0))


def init_weights(d0: int, widths, n_nets: int, scale: float = 1.0, seed: int = 0,
                 device="cpu") -> list[torch.Tensor]:
    """Stacked Kaiming-normal weights (std = scale / sqrt(fan_in)): [W1 (E, d1, d0), ..., U (E, dD)].
    Net r draws from ``member_generator(seed, r)`` on CPU; the stack is then moved to ``device``."""
    dims = [_check_int("d0", d0, 1)] + [_check_int("width", w, 1) for w in widths]
    if not scale >= 0:
        raise ValueError(f"scale must be >= 0, got {scale}")
    nets = []
    for r in range(_check_int("n_nets", n_nets, 1)):
        g = member_generator(seed, r)
        ws = [torch.randn(dims[i + 1], dims[i], generator=g, dtype=_DT) / math.sqrt(dims[i])
              for i in range(len(dims) - 1)]
        nets.append(ws + [torch.randn(dims[-1], generator=g, dtype=_DT) / math.sqrt(dims[-1])])
    return [(scale * torch.stack(layer)).to(resolve_device(device)) for layer in zip(*nets)]


def end_to_end(weights: list[torch.Tensor]) -> torch.Tensor:
    """Mean predictor v = U W_D ... W_1, shape (E, d0)."""
    v = weights[-1].unsqueeze(-2)  # (E, 1, dD)
    for W in reversed(weights[:-1]):
        v = v @ W
    return v.squeeze(-2)


def layer_norms(weights: list[torch.Tensor]) -> torch.Tensor:
    """Frobenius norms of W1..WD, U, shape (E, D+1); all equal b at an equal-gamma optimum."""
    return torch.stack([w.flatten(1).norm(dim=1) for w in weights], dim=1)


def _noise_var(sigma2, device) -> torch.Tensor | None:
    """``sigma2`` (float or per-net (E,)) as a float64 (E or 1, 1, 1, 1) tensor on ``device``, or None when
    it is 0 for every net (the noise term then vanishes). Checked >= 0 once, here: a check inside a
    training loop would stop the GPU at every step."""
    s2 = torch.as_tensor(sigma2, dtype=_DT)
    if (s2 < 0).any():
        raise ValueError("sigma2 (noise variance) must be >= 0")
    return s2.to(device).reshape(-1, 1, 1, 1) if (s2 != 0).any() else None


def _second_moment(weights, S: torch.Tensor, s2: torch.Tensor) -> torch.Tensor:
    """E_eps[h_D h_D^T] from S = E[x x^T] (E, B, d0, d0), the second-moment propagation:
    S_i = W S W^T + sigma2 diag(W S W^T).
    ``s2``: the noise variance from :func:`_noise_var`, (E or 1, 1, 1, 1), or None for no noise."""
    for W in weights[:-1]:
        S = W.unsqueeze(1) @ S @ W.unsqueeze(1).transpose(-1, -2)
        if s2 is not None:
            S = S + s2 * torch.diag_embed(torch.diagonal(S, dim1=-2, dim2=-1))
    return S


def _loss_terms(task: LinearTask, gamma, sigma2, device) -> tuple:
    """What :func:`expected_loss` needs besides the weights, moved to ``device`` once: A0 (d0, d0),
    beta (d0,), gamma (E or 1, 1 or D+1), sigma2 (E or 1, 1, 1, 1) as float64 tensors, and E[y^2] (float)."""
    g = torch.as_tensor(gamma, dtype=_DT).to(device)
    return (torch.as_tensor(task.A0, dtype=_DT).to(device), torch.as_tensor(task.beta, dtype=_DT).to(device),
            g.reshape(-1, 1) if g.ndim < 2 else g, _noise_var(sigma2, device), task.Ey2)


def _exact_loss(weights, terms: tuple) -> torch.Tensor:
    """:func:`expected_loss` from the prepared :func:`_loss_terms`; no host sync, no host-device copy."""
    A0, beta, g, s2, Ey2 = terms
    S = _second_moment(weights, A0.expand(weights[0].shape[0], 1, -1, -1), s2)[:, 0]
    U = weights[-1]
    Ef2 = (U.unsqueeze(1) @ S @ U.unsqueeze(-1)).reshape(-1)
    cross = end_to_end(weights) @ beta
    return Ef2 - 2 * cross + Ey2 + (g * torch.stack([w.flatten(1).pow(2).sum(1) for w in weights], 1)).sum(1)


def expected_loss(weights: list[torch.Tensor], task: LinearTask, gamma, sigma2=0.0) -> torch.Tensor:
    """Exact noise-marginalised Eq. 1 for each net, shape (E,), on the weights' device:
    U S_D U^T - 2 v^T beta + E[y^2] + sum_l gamma_l ||W_l||^2.
    ``gamma``: float, (E,) or (E, D+1); ``sigma2``: float or (E,). Pass float64 tensors."""
    return _exact_loss(weights, _loss_terms(task, gamma, sigma2, weights[0].device))


def _adam(ws, grads, state, lr, t, betas=(0.9, 0.999), eps=1e-8):
    """One Adam step in place (Kingma & Ba) with eps inside the root, m / sqrt(s + eps^2): ``rsqrt``
    stays fast on busy CPUs where torch's threaded ``sqrt`` of a small tensor can take milliseconds."""
    for w, g, (m, s) in zip(ws, grads, state):
        m.mul_(betas[0]).add_(g, alpha=1 - betas[0])
        s.mul_(betas[1]).addcmul_(g, g, value=1 - betas[1])
        w.sub_(lr / (1 - betas[0] ** t) * m * (s / (1 - betas[1] ** t) + eps ** 2).rsqrt())


def _gd(ws, grads, state, lr, t):
    for w, g in zip(ws, grads):
        w.sub_(lr * g)


OPTIMIZERS = {"adam": _adam, "gd": _gd}



def train_exact(weights, task: LinearTask, gamma, sigma2=0.0, steps: int = 5000, lr: float = 1e-2,
                optimizer: str = "adam", device=None) -> tuple[list[torch.Tensor], torch.Tensor]:
    """Full-batch training of a stacked ensemble on :func:`expected_loss` (float64, cosine-decayed lr
    lr_t = lr (1 + cos(pi t / steps)) / 2; "adam" or plain "gd", both with coupled L2 as in Eq. 1).

    The summed loss is separable over nets and both optimizers act per coordinate, so every net
    trains exactly as it would alone. ``device``: where the steps run (None: where the weights are);
    the weights, A0, beta, gamma and sigma2 move there once, sigma2 >= 0 is checked once before the
    loop, and no step reads a value back to the host. Returns (trained weights, final losses (E,)) on
    the device the weights came from.
    """
    if optimizer not in OPTIMIZERS:
        raise ValueError(f"optimizer must be one of {sorted(OPTIMIZERS)}, got {optimizer!r}")
    steps = _check_int("steps", steps, 1)
    home = weights[0].device
    dev = home if device is None else resolve_device(device)
    terms = _loss_terms(task, gamma, sigma2, dev)
    ws = [w.detach().clone().to(dev, _DT).requires_grad_(True) for w in weights]
    state = [(torch.zeros_like(w), torch.zeros_like(w)) for w in ws]
    with small_op_threads(dev):
        for t in range(1, steps + 1):
            grads = torch.autograd.grad(_exact_loss(ws, terms).sum(), ws)
            with torch.no_grad():
                OPTIMIZERS[optimizer](ws, grads, state, lr * 0.5 * (1 + math.cos(math.pi * (t - 1) / steps)), t)
    with torch.no_grad():
        return [w.detach().to(home) for w in ws], _exact_loss(ws, terms).to(home)


def ensemble_start(task: LinearTask, nets: list[DeepLinear], init="kaiming", seed: int = 0,
                   device="cpu") -> list[torch.Tensor]:
    """Stacked starting weights, one member per net (all of one depth and widths).

    ``init``: "kaiming" (scale 1), a float (multiple of Kaiming), a list of those (one per net), or
    "optimal": the :func:`weights_from_b` solution plus 1e-3 x Kaiming noise. Member r draws from
    ``member_generator(seed, r)``; built on CPU, then moved to ``device``.
    """
    if len({(n.depth, n.widths) for n in nets}) != 1:
        raise ValueError("ensemble_start stacks nets of one depth and one set of widths")
    if isinstance(init, (list, tuple)):
        if len(init) != len(nets) or "optimal" in init:
            raise ValueError("a list init needs one Kaiming multiple (or 'kaiming') per net")
        scale = torch.tensor([1.0 if i == "kaiming" else float(i) for i in init], dtype=_DT)
        ws = [w * scale.reshape(-1, *[1] * (w.ndim - 1))
              for w in init_weights(task.d0, nets[0].widths, len(nets), 1.0, seed)]
    else:
        ws = init_weights(task.d0, nets[0].widths, len(nets), 1e-3 if init == "optimal" else
                          1.0 if init == "kaiming" else float(init), seed)
    if init == "optimal":
        best = [torch.stack(b) for b in zip(*(weights_from_b(solve_global(task, n), n) for n in nets))]
        ws = [b + e for b, e in zip(best, ws)]
    return [w.to(resolve_device(device)) for w in ws]


def gradient_norm(weights: list[torch.Tensor], task: LinearTask, gamma, sigma2=0.0) -> torch.Tensor:
    """Norm of the gradient of the exact loss (:func:`expected_loss`) over all of a net's weights, (E,): zero at a
    stationary point, so it tells a run that has settled from one that is still moving."""
    ws = [w.detach().clone().requires_grad_(True) for w in weights]
    grads = torch.autograd.grad(expected_loss(ws, task, gamma, sigma2).sum(), ws)
    return torch.stack([g.flatten(1).pow(2).sum(1) for g in grads], 1).sum(1).sqrt()


def unit_spread(weights: list[torch.Tensor]) -> torch.Tensor:
    """Homogeneity of each net, (E,): the largest coefficient of variation (std / mean) over layers of the
    hidden units' norms (rows of W_1..W_D, entries |U_j|). 0 at the homogeneous optimum;
    meaningful only for sigma2 > 0 (for sigma2 = 0 rotations of the hidden units are free)."""
    norms = [w.norm(dim=-1) for w in weights[:-1]] + [weights[-1].abs()]
    if norms[0].shape[1] == 1:  # one unit per layer: nothing to spread
        return torch.zeros(norms[0].shape[0], dtype=norms[0].dtype)
    return torch.stack([n.std(1) / n.mean(1).clamp_min(1e-300) for n in norms], 1).amax(1)


def train_linear_ensemble(task: LinearTask, nets: list[DeepLinear], init="kaiming", seed: int = 0, device="cpu",
                   **train_kw) -> pd.DataFrame:
    """Train nets (any depths, gammas, noise) from ``init`` and compare with :func:`solve_global`.

    ``init``: one start for all nets (see :func:`ensemble_start`) or a list with one per net.
    Nets of one depth and widths train together as one stacked ensemble (those from "optimal" apart)
    (:func:`train_exact`, ``train_kw``: steps, lr, optimizer) on ``device``; the trained weights come back
    to CPU for the comparison. One row per net, in the order of ``nets``: net (its index),
    depth, gamma_bar, sigma2, init, member, loss0 (the exact loss at the start, for :func:`linear_diverged`),
    loss, v_norm, loss_star, v_norm_star, b_star,
    b_dev = max_l | ||W_l|| sqrt(gamma_l / gamma_bar) - b* | (0 at the balanced optimum)
    unit_spread (:func:`unit_spread`, 0 when homogeneous), variance (:func:`trained_variance`) and grad_norm
    (:func:`gradient_norm`, 0 at a stationary point).
    """
    inits = list(init) if isinstance(init, (list, tuple)) else [init] * len(nets)
    if len(inits) != len(nets):
        raise ValueError(f"init needs one entry per net ({len(nets)}), got {len(inits)}")
    keys = [(n.depth, n.widths, i == "optimal") for n, i in zip(nets, inits)]
    rows = []
    for key in dict.fromkeys(keys):
        idx = [r for r, k in enumerate(keys) if k == key]
        group = [nets[r] for r in idx]
        gam = torch.tensor([n.gammas for n in group], dtype=_DT)
        start = inits[idx[0]] if key[2] else [inits[r] for r in idx]
        w0, s2 = ensemble_start(task, group, start, seed), torch.tensor([n.sigma2 for n in group], dtype=_DT)
        loss0 = expected_loss(w0, task, gam, s2)  # on CPU, before training
        w, loss = train_exact(w0, task, gam, s2, device=device, **train_kw)  # back on CPU
        v, norms, spread = end_to_end(w).norm(dim=1), layer_norms(w), unit_spread(w)
        var, grad = trained_variance(w, task, s2), gradient_norm(w, task, gam, s2)
        for k, (r, net) in enumerate(zip(idx, group)):
            sol = solve_global(task, net)
            scaled = norms[k] * (gam[k] / net.gamma_bar).sqrt() if net.gamma_bar > 0 else norms[k]
            rows.append(dict(net=r, depth=net.depth, gamma_bar=net.gamma_bar, sigma2=net.sigma2,
                             init=inits[r], member=k, loss0=float(loss0[k]), loss=float(loss[k]), v_norm=float(v[k]),
                             loss_star=sol.loss, v_norm_star=sol.v_norm, b_star=sol.b,
                             b_dev=float((scaled - sol.b).abs().max()), unit_spread=float(spread[k]),
                             variance=float(var[k]), grad_norm=float(grad[k])))
    return pd.DataFrame(rows).sort_values("net", ignore_index=True)


# ----------------------------------------------------------------------------- stochastic nets
def trained_variance(weights, task: LinearTask, sigma2) -> torch.Tensor:
    """E_x Var_eps f of any weights over the task's inputs, (E,): U S_D U^T - v^T A0 v, with S_D the second
    moment of the last hidden layer propagated from S_0 = A0 (:func:`_second_moment`). ``sigma2``: float or (E,)."""
    A0 = torch.as_tensor(task.A0, dtype=_DT, device=weights[0].device)
    S = _second_moment(weights, A0.expand(weights[0].shape[0], 1, -1, -1), _noise_var(sigma2, A0.device))[:, 0]
    U, v = weights[-1], end_to_end(weights)
    return (U.unsqueeze(1) @ S @ U.unsqueeze(-1)).reshape(-1) - ((v @ A0) * v).sum(1)


def prediction_moments(weights, x: torch.Tensor, sigma2: float) -> tuple[torch.Tensor, torch.Tensor]:
    """Exact mean and variance over the neuron noise of f(x) for any weights, each (E, B).
    Mean = v^T x; second moment by the propagation of :func:`expected_loss` with S_0 = x x^T."""
    x = torch.as_tensor(x, dtype=_DT, device=weights[0].device)
    S0 = (x.unsqueeze(-1) * x.unsqueeze(-2)).expand(weights[0].shape[0], -1, -1, -1)
    S, U = _second_moment(weights, S0, _noise_var(sigma2, x.device)), weights[-1][:, None]
    mean = end_to_end(weights) @ x.T
    return mean, (U.unsqueeze(-2) @ S @ U.unsqueeze(-1))[..., 0, 0] - mean ** 2


def homogeneous_variance(v, x, kappa: float) -> np.ndarray:
    """Var_eps f(x) = (kappa - 1)(v^T x)^2 at the homogeneous optimum (chapter Eq. eq-dl-variance); v (d0,), x (B, d0).
    Averaged over data it is (kappa - 1) v^T A0 v."""
    return (kappa - 1) * (np.asarray(x) @ np.asarray(v)) ** 2


def expected_variance(task: LinearTask, net: DeepLinear) -> float:
    """E_x Var_eps f = (kappa - 1) v*^T A0 v* at the global minimum (chapter Eq. eq-dl-variance); 0 once collapsed."""
    v = solve_global(task, net).v
    return float((net.kappa - 1) * v @ task.A0 @ v)


NOISES = {
    "gaussian": lambda s2, shape, g: 1 + math.sqrt(s2) * torch.randn(shape, generator=g, dtype=_DT),
    "dropout": lambda s2, shape, g: (torch.rand(shape, generator=g, dtype=_DT) >= s2 / (1 + s2)) * (1 + s2),
}


def sample_predictions(weights, x, sigma2: float, n_samples: int, noise: str = "gaussian",
                       seed: int = 0) -> torch.Tensor:
    """Monte Carlo f(x) with fresh neuron noise per sample, shape (S, E, B).

    ``noise``: "gaussian" (eps ~ N(1, sigma2)) or "dropout" (inverted dropout, p = sigma2/(1+sigma2)).
    Noise is drawn on CPU from ``member_generator(seed, 0)``, then moved to the weights' device."""
    if noise not in NOISES:
        raise ValueError(f"noise must be one of {sorted(NOISES)}, got {noise!r}")
    if not sigma2 >= 0:
        raise ValueError(f"sigma2 must be >= 0, got {sigma2}")
    g = member_generator(seed, 0)
    S = _check_int("n_samples", n_samples, 1)
    dev = weights[0].device
    h = torch.as_tensor(x, dtype=_DT, device=dev).expand(S, weights[0].shape[0], -1, -1)  # (S, E, B, d0)
    for W in weights[:-1]:
        h = h @ W.transpose(-1, -2)
        h = h * NOISES[noise](sigma2, h.shape, g).to(dev)
    return (h * weights[-1][None, :, None, :]).sum(-1)  # (S, E, B, dD) . (E, dD)


def mc_prediction_moments(weights, x, sigma2: float, n_samples: int, noise: str = "gaussian",
                          seed: int = 0) -> tuple[torch.Tensor, torch.Tensor]:
    """Monte Carlo estimates of the mean and variance of f(x) over the neuron noise, each (E, B);
    compare with :func:`prediction_moments` (exact) or :func:`homogeneous_variance` (at the optimum)."""
    f = sample_predictions(weights, x, sigma2, n_samples, noise, seed)
    return f.mean(0), f.var(0)


def hessian_at_zero(task: LinearTask, net: DeepLinear) -> torch.Tensor:
    """Hessian of the exact loss (Eq. 1) at all-zero weights, (P, P) over the flattened [W1..WD, U].

    For D = 1 each hidden unit has the block [[2 gamma_u, -2 beta^T], [-2 beta, 2 gamma_w I]]
    (a saddle iff ||beta||^2 > gamma_u gamma_w); for D >= 2 it is exactly diag(2 gamma_l), positive definite.
    """
    dims = [task.d0, *net.widths]
    shapes = [(dims[i + 1], dims[i]) for i in range(net.depth)] + [(dims[-1],)]
    sizes = [math.prod(s) for s in shapes]

    def loss(theta):
        ws = [p.reshape(1, *s) for p, s in zip(torch.split(theta, sizes), shapes)]
        return expected_loss(ws, task, torch.tensor([net.gammas], dtype=_DT), net.sigma2)[0]

    return torch.autograd.functional.hessian(loss, torch.zeros(sum(sizes), dtype=_DT))
