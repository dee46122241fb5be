"""Activation functions and their variance-preserving initialisation gains.

Every activation phi in the registry carries one number, its *gain*

    g^2 = 1 / E[phi(z)^2],   z ~ N(0, 1)            (variance preservation)

so that a layer ``h' = phi(W h)`` with ``W ~ N(0, g^2 / fan_in)`` keeps the
second moment of its pre-activations at 1 when the inputs have unit second
moment.  The one rule gives the familiar special cases exactly:

* ReLU:            E[relu(z)^2] = 1/2           -> g^2 = 2   (He et al. 2015)
* |x|:             E[z^2] = 1                   -> g^2 = 1
* leaky ReLU(a):   E = (1 + a^2) / 2            -> g^2 = 2 / (1 + a^2)
* identity:                                     -> g^2 = 1
* maxout rank K:   phi = max of K i.i.d. N(0,1) -> g^2 = c_K = 1 / E[max^2]
  (the "maxout-He" constant of Tseran & Montufar 2021; c_2 = 1)

For tanh, GELU, ELU and swish (z sigmoid(z), SiLU) the expectation is computed by Gauss-Hermite
quadrature (tanh: g^2 ~ 2.54, not the LeCun value 1; pass ``gain2``
explicitly where another convention is wanted).

Activations are looked up by name with :func:`get_activation`; a name may carry
its parameter after a colon, e.g. ``"leaky_relu:0.1"`` or ``"maxout:3"``.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache
from typing import Callable

import numpy as np
import torch
import torch.nn.functional as F

__all__ = ["Activation", "get_activation", "ACTIVATIONS", "maxout_second_moment"]


@dataclass(frozen=True)
class Activation:
    """A named elementwise activation (or a maxout of ``rank`` features).

    ``fn`` maps pre-activations of shape ``(..., n * rank)`` to ``(..., n)``.
    ``gain2`` is the variance-preserving weight variance times fan-in.
    ``inplace``, where torch has one, overwrites its argument with the same values as ``fn``
    (the CPU forward reuses two buffers with it; see :mod:`varlib.core.ensemble`).
    ``with_derivative_(z, slope)``, where given, writes phi'(z) into ``slope`` and phi(z) into ``z``
    and returns ``z`` (the hand-written backward pass, :mod:`varlib.core.backprop`); phi' at a kink is
    the value autograd uses (ReLU 0 at 0, |x| 0 at 0, leaky ReLU its slope at 0).
    """

    name: str
    fn: Callable[[torch.Tensor], torch.Tensor]
    gain2: float
    rank: int = 1
    inplace: Callable[[torch.Tensor], torch.Tensor] | None = None
    with_derivative_: Callable[[torch.Tensor, torch.Tensor], torch.Tensor] | None = None

    def __call__(self, z: torch.Tensor) -> torch.Tensor:
        return self.fn(z)

    def apply_(self, z: torch.Tensor) -> torch.Tensor:
        """``fn(z)``, computed in place in ``z`` when the activation allows it (``z`` is then clobbered)."""
        return self.fn(z) if self.inplace is None else self.inplace(z)

    def __repr__(self) -> str:
        return f"Activation({self.name!r}, gain2={self.gain2:.6g}, rank={self.rank})"


def _gauss_hermite_second_moment(phi: Callable[[np.ndarray], np.ndarray], n: int = 200) -> float:
    """E[phi(z)^2] for z ~ N(0,1) by probabilists' Gauss-Hermite quadrature."""
    x, w = np.polynomial.hermite_e.hermegauss(n)
    return float(np.sum(w * phi(x) ** 2) / math.sqrt(2 * math.pi))


@lru_cache(maxsize=None)
def maxout_second_moment(rank: int) -> float:
    """E[(max of ``rank`` i.i.d. N(0,1))^2], by quadrature of its density.

    The density of the maximum of K standard normals is K phi(x) Phi(x)^(K-1).
    """
    if int(rank) != rank or rank < 2:
        raise ValueError(f"maxout rank must be an integer >= 2, got {rank!r}")
    from scipy import integrate, stats

    def integrand(x: float) -> float:
        return x * x * rank * stats.norm.pdf(x) * stats.norm.cdf(x) ** (rank - 1)

    value, _ = integrate.quad(integrand, -np.inf, np.inf, epsabs=1e-13, epsrel=1e-12)
    return float(value)


def _maxout(rank: int) -> Callable[[torch.Tensor], torch.Tensor]:
    def fn(z: torch.Tensor) -> torch.Tensor:  # (..., n*K) -> (..., n)
        return z.unflatten(-1, (-1, rank)).amax(dim=-1)

    return fn


def _elementwise(name: str, fn, np_fn, inplace=None, with_derivative_=None) -> Activation:
    return Activation(name, fn, 1.0 / _gauss_hermite_second_moment(np_fn), inplace=inplace,
                      with_derivative_=with_derivative_)


# phi'(z) into ``slope`` and phi(z) into ``z`` (see ``Activation.with_derivative_``).

def _relu_with_derivative_(z, slope):
    torch.gt(z, 0, out=slope)                       # 1 where z > 0, else 0
    return z.relu_()


def _abs_with_derivative_(z, slope):
    torch.sgn(z, out=slope)                         # sign(z), 0 at 0
    return z.abs_()


def _identity_with_derivative_(z, slope):
    slope.fill_(1.0)
    return z


def _tanh_with_derivative_(z, slope):
    z.tanh_()
    torch.mul(z, z, out=slope).neg_().add_(1.0)     # 1 - tanh(z)^2
    return z


def _relu(_: float | None) -> Activation:
    return Activation("relu", torch.relu, 2.0, inplace=torch.relu_, with_derivative_=_relu_with_derivative_)


def _abs(_: float | None) -> Activation:
    return Activation("abs", torch.abs, 1.0, inplace=torch.abs_, with_derivative_=_abs_with_derivative_)


def _identity(_: float | None) -> Activation:
    return Activation("identity", lambda z: z, 1.0, inplace=lambda z: z,
                      with_derivative_=_identity_with_derivative_)


def _leaky_relu(slope: float | None) -> Activation:
    a = 0.01 if slope is None else float(slope)

    def with_derivative_(z, out):
        out.fill_(a).masked_fill_(z > 0, 1.0)       # 1 where z > 0, else a
        return F.leaky_relu_(z, a)

    return Activation(f"leaky_relu:{a:g}", lambda z: F.leaky_relu(z, a), 2.0 / (1.0 + a * a),
                      inplace=lambda z: F.leaky_relu_(z, a), with_derivative_=with_derivative_)


def _tanh(_: float | None) -> Activation:
    return _elementwise("tanh", torch.tanh, np.tanh, inplace=torch.tanh_, with_derivative_=_tanh_with_derivative_)


def _gelu(_: float | None) -> Activation:
    from scipy.special import erf

    return _elementwise("gelu", F.gelu, lambda x: 0.5 * x * (1 + erf(x / math.sqrt(2))))


def _elu(_: float | None) -> Activation:
    return _elementwise("elu", F.elu, lambda x: np.where(x > 0, x, np.expm1(np.minimum(x, 0))),
                        inplace=F.elu_)


def _swish(_: float | None) -> Activation:
    return _elementwise("swish", F.silu, lambda x: x / (1 + np.exp(-x)), inplace=lambda z: F.silu(z, inplace=True))


def _maxout_activation(rank: float | None) -> Activation:
    k = 2 if rank is None else rank
    if float(k) != int(k) or int(k) < 2:
        raise ValueError(f"maxout rank must be an integer >= 2, got {rank!r} (e.g. 'maxout:3')")
    k = int(k)
    return Activation(f"maxout:{k}", _maxout(k), 1.0 / maxout_second_moment(k), rank=k)


ACTIVATIONS: dict[str, Callable[[float | None], Activation]] = {
    "relu": _relu,
    "abs": _abs,
    "leaky_relu": _leaky_relu,
    "tanh": _tanh,
    "gelu": _gelu,
    "elu": _elu,
    "identity": _identity,
    "swish": _swish,
    "maxout": _maxout_activation,
}


#: The activations whose name may carry a parameter after a colon.
_TAKES_PARAMETER = ("leaky_relu", "maxout")


def get_activation(name: str | Activation, param: float | None = None) -> Activation:
    """Look up an activation by name, e.g. ``"relu"``, ``"swish"``, ``"leaky_relu:0.1"``, ``"maxout:3"``.

    Raises ``ValueError`` naming the allowed activations for an unknown name.
    """
    if isinstance(name, Activation):
        return name
    if not isinstance(name, str):
        raise ValueError(f"activation must be a string, got {type(name).__name__}; allowed: {sorted(ACTIVATIONS)}")
    base, colon, arg = name.partition(":")
    if base not in ACTIVATIONS:
        raise ValueError(f"unknown activation {name!r}; allowed: {', '.join(sorted(ACTIVATIONS))}"
                         " (with a parameter: 'leaky_relu:0.1', 'maxout:3')")
    if colon and base not in _TAKES_PARAMETER:
        raise ValueError(f"activation {base!r} takes no parameter, got {name!r}; only "
                         f"{' and '.join(sorted(_TAKES_PARAMETER))} do (e.g. 'leaky_relu:0.1', 'maxout:3')")
    if colon:
        try:
            param = float(arg)
        except ValueError:
            raise ValueError(f"activation parameter in {name!r} must be a number (e.g. 'maxout:3')") from None
    if param is not None and not math.isfinite(param):
        raise ValueError(f"activation parameter in {name!r} must be a finite number, got {param!r}")
    return _built(base, param)


@lru_cache(maxsize=None)
def _built(base: str, param: float | None) -> Activation:
    """Each activation is built once (tanh's, GELU's, ELU's and swish's gains take a quadrature, ~3 ms)."""
    return ACTIVATIONS[base](param)
