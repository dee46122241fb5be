"""Ensembles of R random MLPs held as stacked tensors, ensemble axis first.

Layer l of member r computes ``z = W[r] h + b[r]`` with

    weights[l]: (R, fan_out * K, fan_in)     biases[l]: (R, fan_out * K)

for the L hidden layers (K = the activation's rank; maxout reduces K features
to one unit), then a linear output layer ``(R, d_out, width)``.

Initialisation ``"variance"`` (the "well-scaled" nets of Yu & Zhang,
arXiv 2105.08911): hidden ``W ~ N(0, g^2 / fan_in)`` with the activation's
variance-preserving gain g^2, output ``W ~ N(0, 1 / fan_in)``, every bias
``~ N(0, sigma_b^2)``. Initialisation ``"torch"``: PyTorch's nn.Linear default,
``U(-1/sqrt(fan_in), 1/sqrt(fan_in))`` for weights and biases.

Each member is drawn on the CPU from its own generator
(:func:`varlib.core.runtime.member_generator`), so member r is the same network on
every device and for every ensemble size R.

Forward paths, chosen by shape and device from measurements (``benchmarks/``, the "forward paths"
benchmark): a Python loop of per-member ``addmm`` calls (without autograd into two reused buffers with
in-place activations), or one batched ``baddbmm`` per layer over the stack. On a GPU the batched path always.
On a CPU the size of one hidden layer's activations over the whole stack, R x B x width x K elements, decides:
while it fits in a few tens of MB the batched path wins (one call instead of R, 3-12x at R = 100, w = 16, L = 8,
B = 256 on 2 cores, and 2-7x in training); above that it is memory-bound and the loop, whose per-member
tensors stay in cache, wins (at R = 100, w = 16, L = 8, 256^2 points the loop reached 0.45 of the matmul rate,
the batched path 0.10). A pass that autograd records moves the crossover up, since the loop then pays its
per-op overhead twice: :data:`CPU_BATCHED_BYTES`. Training takes the batched path with a hand-written backward
wherever the activation allows (:func:`varlib.core.training.training_path`).
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import torch
from torch import nn

from varlib.core.activations import Activation, get_activation
from varlib.core.checks import check_int
from varlib.core.family import param_count
from varlib.core.runtime import member_generator, resolve_device

__all__ = ["MLPEnsemble", "init_mlp_ensemble", "forward", "auto_path", "stack_layer_bytes", "FORWARD_PATHS",
           "CPU_BATCHED_BYTES", "INITS", "member_module", "built_param_count"]

INITS = ("variance", "torch")
FORWARD_PATHS = ("auto", "loop", "batched")

#: On a CPU, ``path="auto"`` takes the batched path while one hidden layer's activations over the whole stack
#: (R x B x width x K elements) take at most this many bytes: without autograd (inference) and with it
#: (training). Measured on a 2-core x86 CPU (crossovers near 20 MB and 30-100 MB); the forward-paths benchmark
#: records both paths and the rule's choice on each machine.
CPU_BATCHED_BYTES = {"inference": 16 * 2**20, "training": 48 * 2**20}


@dataclass
class MLPEnsemble:
    """R MLPs of one architecture; ``weights``/``biases`` are lists over layers (hidden..., output)."""

    weights: list[torch.Tensor]
    biases: list[torch.Tensor]
    activation: Activation

    @property
    def members(self) -> int:
        return self.weights[0].shape[0]

    @property
    def depth(self) -> int:
        return len(self.weights) - 1

    @property
    def width(self) -> int:
        return self.weights[-1].shape[-1]

    @property
    def d_in(self) -> int:
        return self.weights[0].shape[-1]

    @property
    def d_out(self) -> int:
        return self.weights[-1].shape[1]

    def parameters(self) -> list[torch.Tensor]:
        return [t for pair in zip(self.weights, self.biases) for t in pair]

    def params_per_member(self) -> int:
        return sum(t[0].numel() for t in self.parameters())

    def requires_grad_(self, flag: bool = True) -> "MLPEnsemble":
        for t in self.parameters():
            t.requires_grad_(flag)
        return self


def _layer_shapes(depth: int, width: int, d_in: int, d_out: int, rank: int) -> list[tuple[int, int]]:
    """(fan_out, fan_in) of every weight matrix, hidden layers first."""
    fans = [d_in] + [width] * depth
    return [(width * rank, fans[l]) for l in range(depth)] + [(d_out, width)]


def _check_init_args(members, depth, width, sigma_b, init) -> None:
    for name, value in (("members", members), ("depth", depth), ("width", width)):
        check_int(name, value)
    if not sigma_b >= 0:
        raise ValueError(f"sigma_b must be >= 0, got {sigma_b!r}")
    if init not in INITS:
        raise ValueError(f"unknown init {init!r}; allowed: {', '.join(INITS)}")


def _draw_member(shapes, gain2: float, sigma_b: float, init: str, gen: torch.Generator):
    """One member's (weights, biases), drawn as one flat vector from ``gen``."""
    sizes = [o * i + o for o, i in shapes]
    flat = torch.randn(sum(sizes), generator=gen, dtype=torch.float64) if init == "variance" else \
        torch.rand(sum(sizes), generator=gen, dtype=torch.float64) * 2 - 1
    weights, biases = [], []
    for l, ((fan_out, fan_in), chunk) in enumerate(zip(shapes, flat.split(sizes))):
        w, b = chunk[: fan_out * fan_in].view(fan_out, fan_in), chunk[fan_out * fan_in:]
        if init == "variance":
            g2 = gain2 if l < len(shapes) - 1 else 1.0
            w, b = w * math.sqrt(g2 / fan_in), b * sigma_b
        else:
            w, b = w / math.sqrt(fan_in), b / math.sqrt(fan_in)
        weights.append(w)
        biases.append(b)
    return weights, biases


def init_mlp_ensemble(members: int, depth: int, width: int, activation: str | Activation = "relu", *,
                      d_in: int = 2, d_out: int = 1, sigma_b: float = 0.1, init: str = "variance",
                      seed: int = 0, device: str | torch.device = "auto",
                      dtype: torch.dtype = torch.float32) -> MLPEnsemble:
    """Draw R = ``members`` random MLPs (see the module docstring for the distributions)."""
    _check_init_args(members, depth, width, sigma_b, init)
    act = get_activation(activation)
    shapes = _layer_shapes(depth, width, d_in, d_out, act.rank)
    drawn = [_draw_member(shapes, act.gain2, sigma_b, init, member_generator(seed, r)) for r in range(members)]
    dev = resolve_device(device)
    weights = [torch.stack([m[0][l] for m in drawn]).to(dev, dtype) for l in range(len(shapes))]
    biases = [torch.stack([m[1][l] for m in drawn]).to(dev, dtype) for l in range(len(shapes))]
    ens = MLPEnsemble(weights, biases, act)
    assert ens.params_per_member() == param_count(depth, width, d_in, d_out, act.rank)
    return ens


def _needs_autograd(ens: MLPEnsemble, x: torch.Tensor) -> bool:
    return torch.is_grad_enabled() and (x.requires_grad or any(t.requires_grad for t in ens.parameters()))


def _forward_loop(ens: MLPEnsemble, x: torch.Tensor, keep: list | None) -> torch.Tensor:
    """Per-member ``addmm`` calls. Without autograd and without kept pre-activations, every hidden layer
    writes into one of two reused buffers and the activation runs in place: on a 2-core CPU this halves
    the time (fresh 4 MB tensors per layer cost more than the small-K matmuls themselves)."""
    reuse = keep is None and not _needs_autograd(ens, x)
    B = x.shape[-2]
    out = torch.empty(ens.members, B, ens.d_out, dtype=ens.weights[-1].dtype, device=x.device) if reuse else None
    bufs = [torch.empty(B, ens.width * ens.activation.rank, dtype=out.dtype, device=x.device)
            for _ in range(2)] if reuse else None
    outs = []
    for r in range(ens.members):
        h = x if x.dim() == 2 else x[r]
        for l, (w, b) in enumerate(zip(ens.weights, ens.biases)):
            if reuse:
                z = torch.addmm(b[r], h, w[r].T, out=out[r] if l == ens.depth else bufs[l % 2])
            else:
                z = torch.addmm(b[r], h, w[r].T)                   # (B, fan_out*K)
            if l == ens.depth:
                outs.append(z)
                break
            if keep is not None:
                keep[l].append(z)
            h = ens.activation.apply_(z) if reuse else ens.activation(z)   # (B, fan_out)
    if keep is not None:
        keep[:] = [torch.stack(zs) for zs in keep]
    return out if reuse else torch.stack(outs)                      # (R, B, d_out)


def _forward_batched(ens: MLPEnsemble, x: torch.Tensor, keep: list | None) -> torch.Tensor:
    """One ``baddbmm`` per layer over the stack; the activation runs in place when nothing keeps ``z``."""
    inplace = keep is None and not _needs_autograd(ens, x)
    h = x if x.dim() == 3 else x.expand(ens.members, *x.shape)      # (R, B, d_in)
    for l, (w, b) in enumerate(zip(ens.weights, ens.biases)):
        z = torch.baddbmm(b.unsqueeze(1), h, w.transpose(1, 2))     # (R, B, fan_out*K)
        if l == ens.depth:
            return z
        if keep is not None:
            keep[l] = z
        h = ens.activation.apply_(z) if inplace else ens.activation(z)
    raise AssertionError("unreachable")


def auto_path(ens: MLPEnsemble, x: torch.Tensor, autograd: bool | None = None) -> str:
    """The path ``forward(path="auto")`` takes: "batched" on a GPU; on a CPU "batched" while R x B x width x K
    elements of one hidden layer fit in :data:`CPU_BATCHED_BYTES` (its training entry when autograd records the
    pass, or when ``autograd`` says it will), else "loop"."""
    if x.device.type != "cpu":
        return "batched"
    autograd = _needs_autograd(ens, x) if autograd is None else autograd
    budget = CPU_BATCHED_BYTES["training" if autograd else "inference"]
    return "batched" if stack_layer_bytes(ens, x.shape[-2]) <= budget else "loop"


def stack_layer_bytes(ens: MLPEnsemble, points: int) -> int:
    """Bytes of one hidden layer's pre-activations over the whole stack at ``points`` inputs: R x B x width x K."""
    return ens.members * points * ens.weights[0].shape[1] * ens.weights[0].element_size()


def forward(ens: MLPEnsemble, x: torch.Tensor, path: str = "auto", return_preactivations: bool = False):
    """Outputs ``(R, B, d_out)`` of every member at inputs ``x``: ``(B, d_in)`` shared or ``(R, B, d_in)``.

    With ``return_preactivations`` also returns the list of hidden pre-activations,
    each ``(R, B, width * K)``. ``path``: ``"auto"`` (by shape and device, :func:`auto_path`), ``"loop"`` or
    ``"batched"``; every path gives the same numbers up to float rounding (summation order).
    """
    if path not in FORWARD_PATHS:
        raise ValueError(f"unknown forward path {path!r}; allowed: {', '.join(FORWARD_PATHS)}")
    if x.shape[-1] != ens.d_in or x.dim() not in (2, 3):
        raise ValueError(f"x must have shape (B, {ens.d_in}) or (R, B, {ens.d_in}), got {tuple(x.shape)}")
    if path == "auto":
        path = auto_path(ens, x)
    keep = ([[] for _ in range(ens.depth)] if path == "loop" else [None] * ens.depth) \
        if return_preactivations else None
    out = (_forward_loop if path == "loop" else _forward_batched)(ens, x, keep)
    return (out, keep) if return_preactivations else out


class _Maxout(nn.Module):
    def __init__(self, act: Activation):
        super().__init__()
        self.act = act

    def forward(self, z):
        return self.act(z)


def member_module(ens: MLPEnsemble, r: int) -> nn.Sequential:
    """Member r as an ordinary ``nn.Sequential`` (a copy): the independent oracle in tests."""
    layers: list[nn.Module] = []
    for l, (w, b) in enumerate(zip(ens.weights, ens.biases)):
        lin = nn.Linear(w.shape[2], w.shape[1], dtype=w.dtype, device=w.device)
        with torch.no_grad():
            lin.weight.copy_(w[r])
            lin.bias.copy_(b[r])
        layers.append(lin)
        if l < ens.depth:
            layers.append(_Maxout(ens.activation))
    return nn.Sequential(*layers)


def built_param_count(depth: int, width: int, activation: str | Activation = "relu",
                      d_in: int = 2, d_out: int = 1) -> int:
    """Parameters of the member built as an ordinary ``nn.Sequential`` (independent of the formula)."""
    ens = init_mlp_ensemble(1, depth, width, activation, d_in=d_in, d_out=d_out, device="cpu")
    return sum(p.numel() for p in member_module(ens, 0).parameters())
