"""abc-parameterizations of MLPs: SP, NTK, muP and the integrable ones (IP) as points of one family.

Definitions (spec ``papers/integrable.md`` section 1; Yang & Hu 2021; Hajjar, Chizat & Giraud 2021).
An MLP with L hidden layers of width m has L+1 weight tensors ``w^l`` (l = 1: m x d, l = 2..L: m x m,
l = L+1: K x m). Per layer:

    W^l = m^{-a_l} w^l                              (multiplier, applied in the forward pass)
    w^l(0) = m^{-b_l} U^l,  U^l_ij ~ N(mu_l, s_l^2)   (the stored, trainable tensor)
    w^l <- w^l - eta m^{-c_l} dloss/dw^l             (SGD, one learning-rate group per tensor)

with step-0 exponents ``c0`` and later ones ``c`` (two-phase schedule, switch right after step 0).
Forward pass (spec section 1, "general form"), x^l = sigma(h^l):

    h^1 = m^{-a_1} (w^1 x + beta^1),  h^l = m^{-a_l} w^l x^{l-1} (l = 2..L),  f = m^{-a_{L+1}} w^{L+1} x^L

Bias modes: ``"input"`` (beta^1 only, inside the multiplier, same exponents as w^1), ``"none"``, and
``"all"`` (IP-bias: a bias on every layer, outside the multiplier, h^l = w^l (m^{-a_l} x^{l-1}) + beta^l,
with its own exponents ``bias_c0``, ``bias_c``).

Base standard deviations s_l follow the authors' code: var = 2 (ReLU), 4 (GeLU), 1 (ELU, tanh,
identity); other activations use their variance-preserving gain from :mod:`varlib.activations`.
Input weights have std sqrt(var / (d + 1)), hidden sqrt(var), output 1; biases sqrt(var), output 1.

Reparameterization symmetry (spec Table B): (a, b, c) -> (a + theta, b - theta, c - 2 theta) on any
layer leaves the trajectory of f unchanged, since W(0) = m^{-(a+b)} U and the effective step on W is
eta m^{-(2a+c)}. So each layer is really e_l = a_l + b_l and kappa_l = 2 a_l + c_l.

Diagnostics (coord check, relative weight change, ranks) live in :mod:`varlib.parameterization_diagnostics`
and are re-exported here; :data:`CHAPTER_PROFILES` sizes the ``integrable`` chapter, whose sweeps are in
:mod:`varlib.integrable_experiments`.

Tensors are named ``w1 .. w{L+1}`` and ``beta1 .. beta{L+1}``; ``params`` is a dict of them.
Precision: float32 or float64, never half (IP activations reach m^{-L/2} ~ 1e-9 and step-0 rates
~1e12). Float32 IP runs produce subnormal numbers, ~10x slower on CPU: callers may set
``torch.set_flush_denormal(True)`` (this module changes no global state).
"""
from __future__ import annotations

import math
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import Callable, Sequence

import pandas as pd
import torch
import torch.nn.functional as F

from varlib.activations import Activation, get_activation
from varlib.checks import check_int
from varlib.runtime import member_generator

__all__ = ["Parameterization", "BIAS_MODES", "PRESETS", "abc_parameterization", "get_parameterization",
           "reparameterize", "initial_draws", "init_params", "abc_forward", "abc_loss", "make_sgd",
           "switch_to_later_rates", "calibrate_step0", "train_abc", "mean_abs_preactivations",
           "preactivation_change", "coord_check", "relative_weight_change", "numerical_rank",
           "stable_rank", "squared_trace_rank", "rank_table", "update_ranks", "preactivation_ranks",
           "CHAPTER_PROFILES"]

BIAS_MODES = ("input", "none", "all")
_AUTHORS_VAR = {"relu": 2.0, "gelu": 4.0, "elu": 1.0, "tanh": 1.0, "identity": 1.0}


@lru_cache(maxsize=None)
def _named_activation(name: str) -> Activation:
    return get_activation(name)  # the quadrature of gelu/tanh/elu gains costs ~0.1 s: do it once


def _act(activation: str | Activation) -> Activation:
    return activation if isinstance(activation, Activation) else _named_activation(activation)


def _tup(v: Sequence[float] | None) -> tuple[float, ...] | None:
    return None if v is None else tuple(float(x) for x in v)


@dataclass(frozen=True)
class Parameterization:
    """Per-layer exponents, all of length L+1 (layers 1..L+1); width- and activation-free.

    ``mean``: init mean mu_l of U^l (zeros unless non-centered). ``calibrate``: step-0 base learning
    rates from :func:`calibrate_step0` (hidden capped at ``cap``, output scaled by ``out_scale``).
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


def _check_L(L) -> int:
    return check_int("L (number of hidden layers)", L)


def abc_parameterization(L: int, a, b, c, c0=None, name: str = "abc", **options) -> Parameterization:
    """The generic member: each of a, b, c, c0 is a number, an (input, hidden, output) triple or L+1 values.

    ``c0`` (step-0 lr exponents) defaults to ``c``; ``options`` go to :class:`Parameterization`.
    """
    L = _check_L(L)
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


def _ipllr(L, calibrate: bool = True, cap: float = 1000.0, out_scale: float = 1.0, **o):
    """IP-LLR (spec Table A): step-0 exponents -(L+1)/2, -(L+2)/2, -(L+1)/2, then Naive-IP's."""
    c0 = (-(L + 1) / 2, -(L + 2) / 2, -(L + 1) / 2)
    return abc_parameterization(L, (0, 1, 1), 0, (-1, -2, -1), c0=c0, name="ipllr", calibrate=calibrate,
                                cap=cap, out_scale=out_scale, **o)


def _mup_modified(L, calibrate: bool = True, cap: float = 1000.0, out_scale: float = 1.0, **o):
    """muP with e_hidden = 1 and step-0 lrs times m^{(L-1)/2} (in/out), m^{(L-2)/2} (hidden): = IP-LLR."""
    c0 = (-(L - 1) / 2, -(L - 2) / 2, -(L - 1) / 2)
    return abc_parameterization(L, (-.5, 0, .5), (.5, 1, .5), 0, c0=c0, name="mup_modified",
                                calibrate=calibrate, cap=cap, out_scale=out_scale, **o)


def _ip_bias(L, **o):
    """IP-bias (``FcIPLLRBias``, spec Table A): all biases on, outside the multiplier, no calibration."""
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
    return PRESETS[name](_check_L(L), **options)


def reparameterize(p: Parameterization, layer: int, theta: float) -> Parameterization:
    """(a_l, b_l, c_l, c0_l) -> (a_l + theta, b_l - theta, c_l - 2 theta, c0_l - 2 theta) at ``layer`` (1-based).

    Leaves f unchanged along SGD (spec Table B), except for ``bias="all"`` biases, which sit outside
    the multiplier and are not shifted.
    """
    if not 1 <= layer <= p.L + 1:
        raise ValueError(f"layer must be in 1..{p.L + 1}, got {layer!r}")

    def shift(v, d):
        return tuple(x + d if i == layer - 1 else x for i, x in enumerate(v))

    return replace(p, name=f"{p.name}+theta", a=shift(p.a, theta), b=shift(p.b, -theta),
                   c=shift(p.c, -2 * theta), c0=shift(p.c0, -2 * theta))


# ---------------------------------------------------------------- initialisation


def initial_draws(d: int, m: int, K: int, L: int, seed: int = 0, member: int = 0) -> dict[str, torch.Tensor]:
    """Standard Gaussian draws shared by every parameterization (float64, CPU).

    ``Z{l}`` has the shape of w^l ((m, d), (m, m) ..., (K, m)); ``z{l}`` the shape of beta^l.
    """
    d, m, K, L = check_int("d", d), check_int("m (width)", m), check_int("K", K), _check_L(L)
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
    var = _variance(_act(activation), init_var)
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


def _width(params: dict[str, torch.Tensor]) -> int:
    return int(params["w1"].shape[-2])


def _affine(p: Parameterization, params, l: int, x: torch.Tensor, m: int) -> torch.Tensor:
    """h^l from its input x^{l-1}: (B, n_in) -> (B, n_out); linear in (w^l, beta^l)."""
    scale, beta = m ** -p.a[l - 1], params.get(f"beta{l}")
    out = x @ params[f"w{l}"].mT
    if p.bias == "all":
        return scale * out + beta
    return scale * (out if beta is None else out + beta)


def abc_forward(p: Parameterization, params: dict[str, torch.Tensor], x: torch.Tensor,
                activation: str | Activation = "relu", return_preactivations: bool = False):
    """Logits f (B, K) for inputs x (B, d); with ``return_preactivations`` also [h^1 .. h^L], each (B, m)."""
    act, m = _act(activation), _width(params)
    hs, h = [], x
    for l in range(1, p.L + 2):
        h = _affine(p, params, l, h if l == 1 else act(h), m)
        hs.append(h)
    return (hs[-1], hs[:-1]) if return_preactivations else hs[-1]


def abc_loss(p: Parameterization, params, x: torch.Tensor, y: torch.Tensor, activation="relu") -> torch.Tensor:
    """Cross-entropy of the logits, averaged over the batch."""
    return F.cross_entropy(abc_forward(p, params, x, activation), y)


# ---------------------------------------------------------------- SGD and the two-phase schedule


def _layer(name: str) -> int:
    return int(name.lstrip("wbeta"))


def make_sgd(p: Parameterization, params: dict[str, torch.Tensor], eta: float,
             step0_base: Sequence[float] | None = None) -> torch.optim.SGD:
    """Plain SGD, one group per tensor: lr = base0_l m^{-c0_l} now, ``lr_later`` = eta m^{-c_l}.

    ``step0_base`` gives the L+1 step-0 base lrs of the weights (default eta); biases use eta.
    Call :func:`switch_to_later_rates` right after step 0.
    """
    if step0_base is not None and len(step0_base) != p.L + 1:
        raise ValueError(f"step0_base must have L+1 = {p.L + 1} entries, got {len(step0_base)}")
    m, groups = _width(params), []
    for name, t in params.items():
        l = _layer(name)
        is_w = name.startswith("w")
        c0, c = (p.c0, p.c) if is_w or p.bias == "input" else (p.bias_c0, p.bias_c)
        base0 = step0_base[l - 1] if (step0_base is not None and (is_w or p.bias == "input")) else eta
        groups.append({"params": [t], "name": name, "lr": base0 * m ** -c0[l - 1],
                       "lr_later": eta * m ** -c[l - 1]})
    return torch.optim.SGD(groups, lr=eta, momentum=0.0, weight_decay=0.0)


def switch_to_later_rates(opt: torch.optim.Optimizer) -> None:
    """Second phase of the schedule: every group takes its ``lr_later``."""
    for g in opt.param_groups:
        g["lr"] = g["lr_later"]


def _leaves(params):
    return {k: v.detach().clone().requires_grad_(True) for k, v in params.items()}


def calibrate_step0(p: Parameterization, params, activation, batch0, batch1, eta: float) -> list[float]:
    """The authors' per-layer step-0 base lrs (spec section 1, "Calibrating the first-step constants").

    A mock step with base lr 1 (times m^{-c0_l}) on ``batch0``; on ``batch1`` each layer's update
    contribution Delta h^l = m^{-a_l} Delta w^l x^{l-1}, x^{l-1} including the calibrated updates below.
    Base lr: eta (layer 1), min(1 / mean|Delta h^l|, cap) (hidden), out_scale / mean|Delta f| (output).
    """
    act, m = _act(activation), _width(params)
    leaves = _leaves(params)
    grads = torch.autograd.grad(abc_loss(p, leaves, *batch0, act), list(leaves.values()))
    grads = dict(zip(leaves, grads))
    new, bases, h = dict(params), [], batch1[0]  # h: the calibrated pre-activations on batch 1
    with torch.no_grad():
        for l in range(1, p.L + 2):
            names = [k for k in params if _layer(k) == l]
            delta = {k: -(m ** -_c0(p, k)) * grads[k] for k in names}  # mock step, base lr 1
            inp = h if l == 1 else act(h)
            size = _affine(p, delta, l, inp, m).abs().mean().item() if l > 1 else 0.0
            base = eta if l == 1 else _ratio(p.out_scale if l == p.L + 1 else 1.0, size,
                                              math.inf if l == p.L + 1 else p.cap)
            bases.append(base)
            new.update({k: params[k] + base * delta[k] for k in names})
            h = _affine(p, new, l, inp, m)
    return bases


def _c0(p: Parameterization, name: str) -> float:
    use_bias = name.startswith("beta") and p.bias == "all"
    return (p.bias_c0 if use_bias else p.c0)[_layer(name) - 1]


def _ratio(num: float, den: float, cap: float) -> float:
    return cap if den == 0 else min(num / den, cap)


def train_abc(p: Parameterization, params, batches: Sequence, activation="relu", eta: float = 0.01, *,
              eta0: float | None = None, n_warmup_steps: int = 1, probe: torch.Tensor | None = None):
    """SGD over ``batches`` (a list of (x (B, d), y (B,))), one step each; returns (params, history).

    Steps t < ``n_warmup_steps`` use the step-0 rates (calibrated when ``p.calibrate``, else base
    ``eta0``, default eta); later steps eta m^{-c}. ``history`` has one row per step t = 0..T: the
    batch loss at step t (NaN at T), and with ``probe`` the mean |h^l| (``h1..hL``) and mean |f|
    (``f``) on the probe inputs, for the parameters after t steps.
    """
    if not isinstance(n_warmup_steps, int) or n_warmup_steps < 1:
        raise ValueError(f"n_warmup_steps must be an integer >= 1, got {n_warmup_steps!r}")
    act = _act(activation)
    if p.calibrate:
        if len(batches) < 2:
            raise ValueError("calibration (p.calibrate=True) needs at least 2 batches")
        base0 = calibrate_step0(p, params, act, batches[0], batches[1], eta)
    else:
        base0 = [eta if eta0 is None else eta0] * (p.L + 1)
    params = _leaves(params)
    opt, rows = make_sgd(p, params, eta, base0), []
    for t, (x, y) in enumerate(batches):
        if t == n_warmup_steps:
            switch_to_later_rates(opt)
        loss = abc_loss(p, params, x, y, act)
        rows.append({"step": t, "loss": loss.item(), **_probe_stats(p, params, probe, act)})
        opt.zero_grad()
        loss.backward()
        opt.step()
    rows.append({"step": len(batches), "loss": math.nan, **_probe_stats(p, params, probe, act)})
    return {k: v.detach() for k, v in params.items()}, pd.DataFrame(rows)


def _probe_stats(p, params, probe, act) -> dict[str, float]:
    if probe is None:
        return {}
    vals = mean_abs_preactivations(p, params, probe, act)
    return {**{f"h{l}": v for l, v in enumerate(vals[:-1], start=1)}, "f": vals[-1]}


# ---------------------------------------------------------------- diagnostics


def mean_abs_preactivations(p: Parameterization, params, x: torch.Tensor, activation="relu") -> list[float]:
    """[mean|h^1|, ..., mean|h^L|, mean|f|] over the inputs x (B, d)."""
    with torch.no_grad():
        f, hs = abc_forward(p, params, x, activation, return_preactivations=True)
    return [h.abs().mean().item() for h in hs + [f]]


def preactivation_change(p: Parameterization, params0, params1, x: torch.Tensor, activation="relu") -> list[float]:
    """[mean|h^l(1) - h^l(0)|] for l = 1..L and the logits (L+1 values), on the inputs x (B, d)."""
    with torch.no_grad():
        f0, h0 = abc_forward(p, params0, x, activation, return_preactivations=True)
        f1, h1 = abc_forward(p, params1, x, activation, return_preactivations=True)
    return [(b - a).abs().mean().item() for a, b in zip(h0 + [f0], h1 + [f1])]


# ---------------------------------------------------------------- chapter profiles and re-exports

#: Sizes of the ``integrable`` chapter per profile (config.CHAPTER_MODULES points here).
CHAPTER_PROFILES = {
    "smoke": {"dataset": "digits", "init_widths": [32, 64, 128], "init_draws": 2,
              "stuck_depths": [2, 4], "stuck_widths": [32, 64], "stuck_steps": 10, "stuck_eta": 0.1,
              "equiv_width": 32, "equiv_steps": 3, "escape_widths": [32, 64], "escape_steps": 8,
              "rank_width": 64, "rank_batch": 64, "depth": 4, "width": 32, "batch": 64, "steps": 8,
              "eta": 0.01, "seeds": 1},
    "standard": {"dataset": "digits", "init_widths": [128, 256, 512, 1024], "init_draws": 3,
                 "stuck_depths": [2, 3, 4], "stuck_widths": [128, 512], "stuck_steps": 200, "stuck_eta": 0.1,
                 "equiv_width": 256, "equiv_steps": 6, "escape_widths": [128, 256, 512], "escape_steps": 100,
                 "rank_width": 512, "rank_batch": 256, "depth": 6, "width": 256, "batch": 128, "steps": 150,
                 "eta": 0.01, "seeds": 3},
    "full": {"dataset": "mnist", "init_widths": [128, 256, 512, 1024, 2048, 4096], "init_draws": 10,
             "stuck_depths": [2, 3, 4, 5], "stuck_widths": [128, 512, 1024, 2048], "stuck_steps": 2000,
             "stuck_eta": 0.1, "equiv_width": 1024, "equiv_steps": 10, "escape_widths": [256, 1024, 4096],
             "escape_steps": 600, "rank_width": 1024, "rank_batch": 512, "depth": 6, "width": 1024,
             "batch": 512, "steps": 600, "eta": 0.01, "seeds": 5},
}

from varlib.parameterization_diagnostics import (coord_check, numerical_rank, preactivation_ranks,  # noqa: E402
                                                 rank_table, relative_weight_change, squared_trace_rank,
                                                 stable_rank, update_ranks)
