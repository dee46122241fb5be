"""Maxout networks as plain tensors: parameters, the four initialisations, the forward pass.

Tseran & Montufar 2021 (arXiv 2107.00379), as in the authors' code. A hidden unit z of
rank K computes ``max_k zeta_{z,k}(x)``, ``zeta_{z,k} = w_{z,k} . h_{l-1}(x) + b_{z,k}``; a ReLU is the
rank-2 unit with the second feature fixed at 0 (:func:`as_relu`). The last layer is linear.

Parameters have the ensemble axis first (:class:`MaxoutParams`): hidden weights ``(E, n_l, K, n_{l-1})``,
hidden biases ``(E, n_l, K)``, output weight ``(E, m, n_last)``, bias ``(E, m)``.
Initialisations (the authors' ``init_method.py``): ``relu_he``, ``maxout_he``, ``sphere``, ``many_regions``;
:func:`authors_demo_net` redraws the authors' seed-123 demo net with NumPy in their draw order.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable, Sequence

import numpy as np
import torch

from varlib.core.activations import maxout_second_moment
from varlib.core.checks import check_int
from varlib.core.runtime import member_generator

__all__ = ["MaxoutParams", "MAXOUT_INITS", "split_widths", "init_maxout_net", "as_relu", "maxout_forward",
           "activation_pattern", "authors_demo_net"]

Tensor = torch.Tensor


@dataclass(frozen=True)
class MaxoutParams:
    """A batch of E maxout networks: ``weights[l]`` (E, n_l, K, n_{l-1}), ``biases[l]`` (E, n_l, K),
    ``out_weight`` (E, m, n_last), ``out_bias`` (E, m)."""

    weights: tuple[Tensor, ...]
    biases: tuple[Tensor, ...]
    out_weight: Tensor
    out_bias: Tensor

    @property
    def E(self) -> int:
        return self.out_weight.shape[0]

    @property
    def K(self) -> int:
        return self.weights[0].shape[2]

    @property
    def n0(self) -> int:
        return self.weights[0].shape[3]

    @property
    def widths(self) -> tuple[int, ...]:
        return tuple(w.shape[1] for w in self.weights)

    def to(self, device: str | torch.device) -> "MaxoutParams":
        """The same nets with every tensor on ``device``."""
        move = lambda t: t.to(device)  # noqa: E731
        return MaxoutParams(tuple(map(move, self.weights)), tuple(map(move, self.biases)),
                            move(self.out_weight), move(self.out_bias))


def split_widths(N: int, depth: int) -> list[int]:
    """Split N units over ``depth`` layers: floor(N/depth) each, remainder one each to the first layers
    (as the authors' code; N = 20, depth 3 -> [7, 7, 6]). N must be at least ``depth`` (one unit per layer)."""
    depth = check_int("depth", depth, 1)
    N = check_int("N", N, depth)
    return [N // depth + (1 if i < N % depth else 0) for i in range(depth)]


# ----------------------------------------------------------------------------- initialisations
def _gauss(g: torch.Generator, shape, std: float) -> Tensor:
    return torch.randn(shape, generator=g, dtype=torch.float64) * std


def _he_like(gain2: Callable[[int], float]):
    def init(g, n_in, n_out, K, zero_bias, legacy):
        std = math.sqrt(gain2(K) / n_in)
        w = _gauss(g, (n_out, K, n_in), std)
        b = _gauss(g, (n_out, K), std)
        return w, (torch.zeros_like(b) if zero_bias else b)
    return init


def _sphere(g, n_in, n_out, K, zero_bias, legacy):
    """(w, b) ~ maxout-He per feature, divided by ||(w, b)||, then b <- |b| - 1/sqrt(K n_in).
    ``legacy``: the authors' norm ||w + b 1|| (a broadcast in their code, not a concatenation)."""
    std = math.sqrt(1.0 / (maxout_second_moment(K) * n_in))
    w, b = _gauss(g, (n_out, K, n_in), std), _gauss(g, (n_out, K), std)
    norm = (w + b[..., None]).norm(dim=-1) if legacy else torch.cat([w, b[..., None]], -1).norm(dim=-1)
    return w / norm[..., None], (b / norm).abs() - 1.0 / math.sqrt(K * n_in)


def _many_regions(g, n_in, n_out, K, zero_bias, legacy):
    """w_j = v cos(pi j/K + 0.01 eps_j), b_j = sin(pi j/K + 0.01 eps'_j), v ~ N(0, c_K/n_in I), j = 1..K."""
    std = math.sqrt(1.0 / (maxout_second_moment(K) * n_in))
    v = _gauss(g, (n_out, 1, n_in), std)
    angle = math.pi * torch.arange(1, K + 1, dtype=torch.float64) / K
    w = v * torch.cos(angle + 0.01 * _gauss(g, (n_out, K), 1.0))[..., None]
    return w, torch.sin(angle + 0.01 * _gauss(g, (n_out, K), 1.0))


MAXOUT_INITS = {
    "relu_he": _he_like(lambda K: 2.0),
    "maxout_he": _he_like(lambda K: 1.0 / maxout_second_moment(K)),
    "sphere": _sphere,
    "many_regions": _many_regions,
}


def _draw_net(g, n0, widths, K, m, init, zero_bias, legacy):
    fn, ws, bs, n_in = MAXOUT_INITS[init], [], [], n0
    for n in widths:
        w, b = fn(g, n_in, n, K, zero_bias, legacy)
        ws, bs, n_in = ws + [w], bs + [b], n
    w_out, b_out = _he_like(lambda K: 2.0)(g, n_in, m, 1, zero_bias, legacy)   # output: N(0, 2/fan_in)
    return ws, bs, w_out[:, 0], b_out[:, 0]


def init_maxout_net(n0: int, widths: Sequence[int], K: int, *, m: int = 2, init: str = "maxout_he",
                    E: int = 1, seed: int = 0, zero_bias: bool = False,
                    legacy_sphere_norm: bool = False) -> MaxoutParams:
    """E maxout nets ``n0 -> widths -> m``, initialised as in the authors' ``init_method.py``, with
    c_K = 1/E[(max of K N(0,1))^2] from :func:`varlib.core.activations.maxout_second_moment`.

    Weights and biases of hidden layers ~ N(0, gain/fan_in), gain = 2 (``relu_he``) or c_K
    (``maxout_he``); ``sphere`` and ``many_regions`` as in :func:`_sphere`, :func:`_many_regions`.
    ``zero_bias`` applies to ``relu_he``/``maxout_he`` and to the output layer. Net r is drawn from
    ``member_generator(seed, r)``, so it does not depend on E.
    """
    if init not in MAXOUT_INITS:
        raise ValueError(f"unknown init {init!r}; allowed: {', '.join(MAXOUT_INITS)}")
    check_int("K", K, 2)
    check_int("n0", n0, 1), check_int("m", m, 1), check_int("E", E, 1)
    if len(widths) == 0:
        raise ValueError("widths must list at least one hidden layer width")
    for n in widths:
        check_int("width", n, 1)
    nets = [_draw_net(member_generator(seed, r), n0, list(widths), K, m, init, zero_bias, legacy_sphere_norm)
            for r in range(E)]
    stack = lambda i, l=None: torch.stack([net[i] if l is None else net[i][l] for net in nets])  # noqa: E731
    L = range(len(widths))
    return MaxoutParams(tuple(stack(0, l) for l in L), tuple(stack(1, l) for l in L), stack(2), stack(3))


def as_relu(params: MaxoutParams) -> MaxoutParams:
    """ReLU nets as rank-2 maxout nets: feature 1 of every hidden unit set to 0, so max(zeta_0, 0)."""
    if params.K != 2:
        raise ValueError(f"as_relu needs rank K = 2 parameters, got K = {params.K}")
    ws = tuple(torch.stack([w[:, :, 0], torch.zeros_like(w[:, :, 0])], 2) for w in params.weights)
    bs = tuple(torch.stack([b[:, :, 0], torch.zeros_like(b[:, :, 0])], 2) for b in params.biases)
    return MaxoutParams(ws, bs, params.out_weight, params.out_bias)


# ----------------------------------------------------------------------------- forward pass
def _hidden(params: MaxoutParams, x: Tensor):
    """Yield (h, choice) per hidden layer; x (E, B, n0) -> h (E, B, n_l), choice (E, B, n_l)."""
    h = x
    for w, b in zip(params.weights, params.biases):
        zeta = torch.einsum("enkp,ebp->ebnk", w, h) + b[:, None]
        h, choice = zeta.max(dim=-1)
        yield h, choice


def _batch_input(params: MaxoutParams, x: Tensor) -> Tensor:
    x = torch.as_tensor(x, dtype=params.out_weight.dtype)
    return x.expand(params.E, *x.shape) if x.dim() == 2 else x


def maxout_forward(params: MaxoutParams, x: Tensor) -> Tensor:
    """Network outputs f(x): x (B, n0) or (E, B, n0) -> (E, B, m)."""
    h = _batch_input(params, x)
    for h, _ in _hidden(params, h):
        pass
    return torch.einsum("emp,ebp->ebm", params.out_weight, h) + params.out_bias[:, None]


def activation_pattern(params: MaxoutParams, x: Tensor) -> Tensor:
    """The maximising feature of every hidden unit: x (B, n0) or (E, B, n0) -> (E, B, N) int64."""
    return torch.cat([c for _, c in _hidden(params, _batch_input(params, x))], dim=-1)


def authors_demo_net(seed: int = 123, widths: Sequence[int] = (7, 7, 6), K: int = 2) -> MaxoutParams:
    """The authors' demo net (their ``regions_and_db_main.py``): ``np.random.RandomState(seed)``, maxout-He
    hidden weights then biases (std sqrt(c_K / fan_in)) layer by layer, then the output layer (std
    sqrt(2 / fan_in)), 2D input, m = 2. With the defaults: 216 regions and 30 DB pieces in [-3, 3]^2."""
    rs, sizes, ws, bs = np.random.RandomState(seed), [2, *widths], [], []
    for fan_in, fan_out in zip(sizes[:-1], sizes[1:]):
        std = math.sqrt(1.0 / (maxout_second_moment(K) * fan_in))
        ws.append(torch.tensor(rs.normal(0.0, std, size=[fan_out, K, fan_in]))[None])
        bs.append(torch.tensor(rs.normal(0.0, std, size=[fan_out, K]))[None])
    std = math.sqrt(2.0 / sizes[-1])
    out_w, out_b = rs.normal(0.0, std, size=[2, sizes[-1]]), rs.normal(0.0, std, size=[2])
    return MaxoutParams(tuple(ws), tuple(bs), torch.tensor(out_w)[None], torch.tensor(out_b)[None])
