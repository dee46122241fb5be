"""The abc family of MLP parameterizations and its named points: SP, NTK, muP and the integrable ones (IP).

Per layer l = 1..L+1 (definitions in :mod:`varlib.integrable`): W^l = m^{-a_l} w^l,
w^l(0) = m^{-b_l} U^l, and SGD steps of eta m^{-c_l} on w^l (step-0 exponents ``c0``, later ``c``).
:class:`Parameterization` holds the exponents; :data:`PRESETS` maps each name to its preset;
:func:`reparameterize` applies the symmetry (a, b, c) -> (a + theta, b - theta, c - 2 theta).
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Callable, Sequence

from varlib.core.checks import check_int

__all__ = ["Parameterization", "BIAS_MODES", "CARRY_MODES", "abc_parameterization", "PRESETS", "get_parameterization",
           "reparameterize"]

BIAS_MODES = ("input", "none", "all")
#: What the step-0 calibration hands on to the next layer when a cap binds (see :func:`calibrate_step0`).
CARRY_MODES = ("uncapped", "capped")


def _tup(v: Sequence[float] | None) -> tuple[float, ...] | None:
    return None if v is None else tuple(float(x) for x in v)


@dataclass(frozen=True)
class Parameterization:
    """Per-layer exponents, all of length L+1 (layers 1..L+1); width- and activation-free.

    ``mean``: init mean mu_l of U^l (zeros unless non-centered). ``calibrate``: step-0 base learning
    rates from :func:`calibrate_step0` (hidden and output capped at ``cap``, output scaled by ``out_scale``;
    ``carry`` in :data:`CARRY_MODES` says whether the next layer's calibration sees the uncapped rate, as in
    the authors' code, or the capped one that training uses).
    """

    name: str
    a: tuple[float, ...]
    b: tuple[float, ...]
    c0: tuple[float, ...]
    c: tuple[float, ...]
    mean: tuple[float, ...] | None = None
    bias: str = "input"
    bias_c0: tuple[float, ...] | None = None
    bias_c: tuple[float, ...] | None = None
    calibrate: bool = False
    cap: float = 1000.0
    out_scale: float = 1.0
    carry: str = "uncapped"

    def __post_init__(self):
        for k in ("a", "b", "c0", "c", "mean", "bias_c0", "bias_c"):
            object.__setattr__(self, k, _tup(getattr(self, k)))
        n = len(self.a)
        if n < 2:
            raise ValueError(f"a needs L+1 >= 2 entries (L >= 1 hidden layers), got {self.a}")
        for k in ("mean", "bias_c0", "bias_c"):
            if getattr(self, k) is None:
                object.__setattr__(self, k, (0.0,) * n if k == "mean" else self.c0 if k == "bias_c0" else self.c)
        for k in ("b", "c0", "c", "mean", "bias_c0", "bias_c"):
            if len(getattr(self, k)) != n:
                raise ValueError(f"{k} must have L+1 = {n} entries like a, got {getattr(self, k)}")
        if self.bias not in BIAS_MODES:
            raise ValueError(f"bias must be one of {BIAS_MODES}, got {self.bias!r}")
        if self.carry not in CARRY_MODES:
            raise ValueError(f"carry must be one of {CARRY_MODES}, got {self.carry!r}")
        if not (self.cap > 0 and self.out_scale > 0):
            raise ValueError(f"cap and out_scale must be > 0, got cap={self.cap}, out_scale={self.out_scale}")

    @property
    def L(self) -> int:
        return len(self.a) - 1

    @property
    def e(self) -> tuple[float, ...]:
        """e_l = a_l + b_l: entries of W^l(0) scale like m^{-e_l}."""
        return tuple(x + y for x, y in zip(self.a, self.b))

    @property
    def kappa(self) -> tuple[float, ...]:
        """kappa_l = 2 a_l + c_l: the effective lr on W^l is eta m^{-kappa_l} (later steps)."""
        return tuple(2 * x + y for x, y in zip(self.a, self.c))

    @property
    def kappa0(self) -> tuple[float, ...]:
        return tuple(2 * x + y for x, y in zip(self.a, self.c0))


def _expand(v, L: int, what: str) -> tuple[float, ...]:
    """A scalar, an (input, hidden, output) triple, or L+1 per-layer values -> L+1 values."""
    if isinstance(v, (int, float)):
        return (float(v),) * (L + 1)
    v = tuple(v)
    if len(v) == L + 1:
        return v
    if len(v) == 3:
        return (v[0],) + (v[1],) * (L - 1) + (v[2],)
    raise ValueError(f"{what} must be a number, an (input, hidden, output) triple or {L + 1} values, got {v}")


def check_depth(L) -> int:
    return check_int("L (number of hidden layers)", L)


def abc_parameterization(L: int, a, b, c, c0=None, name: str = "abc", **options) -> Parameterization:
    """The generic member: each of a, b, c, c0 is a number, an (input, hidden, output) triple or L+1 values.

    ``c0`` (step-0 lr exponents) defaults to ``c``; ``options`` go to :class:`Parameterization`.
    """
    L = check_depth(L)
    c = _expand(c, L, "c")
    c0 = c if c0 is None else _expand(c0, L, "c0")
    mean = options.pop("mean", None)
    mean = None if mean is None else _expand(mean, L, "mean")
    return Parameterization(name, _expand(a, L, "a"), _expand(b, L, "b"), c0, c, mean=mean, **options)


def _sp(L, **o):
    return abc_parameterization(L, 0, (0, .5, .5), 0, name="sp", **o)


def _ntk(L, **o):
    return abc_parameterization(L, (0, .5, .5), 0, 0, name="ntk", **o)


def _mup(L, **o):
    return abc_parameterization(L, (-.5, 0, .5), .5, 0, name="mup", **o)


def _naive_ip(L, **o):
    return abc_parameterization(L, (0, 1, 1), 0, (-1, -2, -1), name="naive_ip", **o)


def _ipllr(L, calibrate: bool = True, cap: float = 1000.0, out_scale: float = 1.0, carry: str = "uncapped", **o):
    """IP-LLR (the authors' ``base_ipllr.py``): step-0 exponents -(L+1)/2, -(L+2)/2, -(L+1)/2, then Naive-IP's."""
    c0 = (-(L + 1) / 2, -(L + 2) / 2, -(L + 1) / 2)
    return abc_parameterization(L, (0, 1, 1), 0, (-1, -2, -1), c0=c0, name="ipllr", calibrate=calibrate,
                                cap=cap, out_scale=out_scale, carry=carry, **o)


def _mup_modified(L, calibrate: bool = True, cap: float = 1000.0, out_scale: float = 1.0, carry: str = "uncapped",
                  **o):
    """muP with e_hidden = 1 and step-0 lrs times m^{(L-1)/2} (in/out), m^{(L-2)/2} (hidden): = IP-LLR."""
    c0 = (-(L - 1) / 2, -(L - 2) / 2, -(L - 1) / 2)
    return abc_parameterization(L, (-.5, 0, .5), (.5, 1, .5), 0, c0=c0, name="mup_modified",
                                calibrate=calibrate, cap=cap, out_scale=out_scale, carry=carry, **o)


def _ip_bias(L, **o):
    """IP-bias (the authors' ``FcIPLLRBias``): all biases on, outside the multiplier, no calibration."""
    c0 = [-(L + 1) / 2] + [-(L - l + 4) / 2 for l in range(2, L + 1)] + [-1.0]
    bias_c0 = [-(L - l + 2) / 2 for l in range(1, L + 1)] + [0.0]
    return abc_parameterization(L, (0, 1, 1), 0, (-1, -2, -1), c0=c0, name="ip_bias", bias="all",
                                bias_c0=bias_c0, bias_c=[-1.0] * L + [0.0], **o)


def _ip_non_centered(L, **o):
    return abc_parameterization(L, (0, 1, 1), 0, (-1, -2, -1), name="ip_non_centered", mean=(0, 1, 1), **o)


PRESETS: dict[str, Callable[..., Parameterization]] = {
    "sp": _sp, "ntk": _ntk, "mup": _mup, "naive_ip": _naive_ip, "ipllr": _ipllr,
    "ip_bias": _ip_bias, "ip_non_centered": _ip_non_centered, "mup_modified": _mup_modified,
}


def get_parameterization(name: str, L: int, **options) -> Parameterization:
    """A named preset for L hidden layers; ``options`` (e.g. ``calibrate``, ``cap``) go to it."""
    if name not in PRESETS:
        raise ValueError(f"unknown parameterization {name!r}; allowed: {', '.join(PRESETS)}")
    return PRESETS[name](check_depth(L), **options)


def reparameterize(p: Parameterization, layer: int, theta: float) -> Parameterization:
    """(a_l, b_l, c_l, c0_l) -> (a_l + theta, b_l - theta, c_l - 2 theta, c0_l - 2 theta) at ``layer`` (1-based).

    Leaves f unchanged along SGD (W(0) = m^{-(a+b)} U and the step on W is eta m^{-(2a+c)}), except for
    ``bias="all"`` biases, which sit outside the multiplier and are not shifted.
    """
    if not 1 <= layer <= p.L + 1:
        raise ValueError(f"layer must be in 1..{p.L + 1}, got {layer!r}")

    def shift(v, d):
        return tuple(x + d if i == layer - 1 else x for i, x in enumerate(v))

    return replace(p, name=f"{p.name}+theta", a=shift(p.a, theta), b=shift(p.b, -theta),
                   c=shift(p.c, -2 * theta), c0=shift(p.c0, -2 * theta))
