"""Initialisation and forward pass of an abc-parameterized MLP: shared Gaussian draws, w^l(0), logits.

    w^l(0) = m^{-b_l} (mu_l + s_l Z^l),   h^1 = m^{-a_1} (w^1 x + beta^1),   h^l = m^{-a_l} w^l x^{l-1},
    f = m^{-a_{L+1}} w^{L+1} x^L,   x^l = sigma(h^l)

(bias modes and base standard deviations s_l as in :mod:`varlib.integrable`). Tensors are named
``w1 .. w{L+1}`` and ``beta1 .. beta{L+1}``; ``params`` is a dict of them.
"""
from __future__ import annotations

import math
from functools import lru_cache

import torch
import torch.nn.functional as F

from varlib.core.activations import Activation, get_activation
from varlib.core.checks import check_int
from varlib.core.runtime import member_generator
from varlib.integrable.family import Parameterization, check_depth

__all__ = ["initial_draws", "init_params", "abc_forward", "abc_loss", "mean_abs_preactivations",
           "mean_abs_preactivations_tensor", "preactivation_change"]

_AUTHORS_VAR = {"relu": 2.0, "gelu": 4.0, "elu": 1.0, "tanh": 1.0, "identity": 1.0}


@lru_cache(maxsize=None)
def _named_activation(name: str) -> Activation:
    return get_activation(name)  # the quadrature of gelu/tanh/elu gains costs ~0.1 s: do it once


def as_activation(activation: str | Activation) -> Activation:
    return activation if isinstance(activation, Activation) else _named_activation(activation)


# ---------------------------------------------------------------- initialisation


def initial_draws(d: int, m: int, K: int, L: int, seed: int = 0, member: int = 0) -> dict[str, torch.Tensor]:
    """Standard Gaussian draws shared by every parameterization (float64, CPU).

    ``Z{l}`` has the shape of w^l ((m, d), (m, m) ..., (K, m)); ``z{l}`` the shape of beta^l.
    """
    d, m, K, L = check_int("d", d), check_int("m (width)", m), check_int("K", K), check_depth(L)
    g = member_generator(seed, member)
    shapes = [(m, d)] + [(m, m)] * (L - 1) + [(K, m)]
    out = {}
    for l, s in enumerate(shapes, start=1):
        out[f"Z{l}"] = torch.randn(s, generator=g, dtype=torch.float64)
        out[f"z{l}"] = torch.randn(s[0], generator=g, dtype=torch.float64)
    return out


def _variance(act: Activation, init_var: float | None) -> float:
    return float(init_var) if init_var is not None else _AUTHORS_VAR.get(act.name, act.gain2)


def init_params(p: Parameterization, draws: dict[str, torch.Tensor], activation: str | Activation = "relu",
                init_var: float | None = None, dtype: torch.dtype = torch.float64) -> dict[str, torch.Tensor]:
    """w^l(0) = m^{-b_l} (mu_l + s_l Z^l) and the biases of ``p.bias`` mode, as plain tensors."""
    if dtype in (torch.float16, torch.bfloat16):
        raise ValueError("half precision is not supported here (activations reach ~1e-9); use float32/64")
    if len([k for k in draws if k.startswith("Z")]) != p.L + 1:
        raise ValueError(f"draws are for a different depth: need L+1 = {p.L + 1} weight draws")
    var = _variance(as_activation(activation), init_var)
    m, d = draws["Z1"].shape
    std = [math.sqrt(var / (d + 1))] + [math.sqrt(var)] * (p.L - 1) + [1.0]
    bstd = [math.sqrt(var)] * p.L + [1.0]
    params = {}
    for l in range(1, p.L + 2):
        scale = m ** -p.b[l - 1]
        params[f"w{l}"] = (scale * (p.mean[l - 1] + std[l - 1] * draws[f"Z{l}"])).to(dtype)
        if p.bias == "all" or (p.bias == "input" and l == 1):
            bscale = scale if p.bias == "input" else 1.0
            params[f"beta{l}"] = (bscale * bstd[l - 1] * draws[f"z{l}"]).to(dtype)
    return params


# ---------------------------------------------------------------- forward pass


def width_of(params: dict[str, torch.Tensor]) -> int:
    return int(params["w1"].shape[-2])


def affine_layer(p: Parameterization, params, l: int, x: torch.Tensor, m: int) -> torch.Tensor:
    """h^l from its input x^{l-1}: (B, n_in) -> (B, n_out); linear in (w^l, beta^l)."""
    scale, beta = m ** -p.a[l - 1], params.get(f"beta{l}")
    out = x @ params[f"w{l}"].mT
    if p.bias == "all":
        return scale * out + beta
    return scale * (out if beta is None else out + beta)


def abc_forward(p: Parameterization, params: dict[str, torch.Tensor], x: torch.Tensor,
                activation: str | Activation = "relu", return_preactivations: bool = False):
    """Logits f (B, K) for inputs x (B, d); with ``return_preactivations`` also [h^1 .. h^L], each (B, m)."""
    act, m = as_activation(activation), width_of(params)
    hs, h = [], x
    for l in range(1, p.L + 2):
        h = affine_layer(p, params, l, h if l == 1 else act(h), m)
        hs.append(h)
    return (hs[-1], hs[:-1]) if return_preactivations else hs[-1]


def abc_loss(p: Parameterization, params, x: torch.Tensor, y: torch.Tensor, activation="relu") -> torch.Tensor:
    """Cross-entropy of the logits, averaged over the batch."""
    return F.cross_entropy(abc_forward(p, params, x, activation), y)


# ---------------------------------------------------------------- diagnostics


def mean_abs_preactivations(p: Parameterization, params, x: torch.Tensor, activation="relu") -> list[float]:
    """[mean|h^1|, ..., mean|h^L|, mean|f|] over the inputs x (B, d)."""
    return mean_abs_preactivations_tensor(p, params, x, activation).tolist()


def mean_abs_preactivations_tensor(p: Parameterization, params, x: torch.Tensor, activation="relu") -> torch.Tensor:
    """:func:`mean_abs_preactivations` as an (L+1,) tensor on the parameters' device (no host sync)."""
    with torch.no_grad():
        f, hs = abc_forward(p, params, x, activation, return_preactivations=True)
    return torch.stack([h.abs().mean() for h in hs + [f]])


def preactivation_change(p: Parameterization, params0, params1, x: torch.Tensor, activation="relu") -> list[float]:
    """[mean|h^l(1) - h^l(0)|] for l = 1..L and the logits (L+1 values), on the inputs x (B, d)."""
    with torch.no_grad():
        f0, h0 = abc_forward(p, params0, x, activation, return_preactivations=True)
        f1, h1 = abc_forward(p, params1, x, activation, return_preactivations=True)
    return [(b - a).abs().mean().item() for a, b in zip(h0 + [f0], h1 + [f1])]
