"""The lenses' training loops against the plain ``nn.Module`` + ``torch.optim`` loop a reader would write instead.

Same conventions as :mod:`benchmarks.suite`: a benchmark takes ``(device, size, repeats, matmul_flops)``, checks in
float64 that both sides compute the same numbers, times each with one warm-up (:func:`varlib.book.bench.time_call`)
and returns result rows with ``speedup`` = the peer's median / this row's median (the peer row, marked "(peer)",
comes first and has speedup 1).

* :func:`bench_deep_linear_training`: :func:`varlib.deep_linear.sgd.train_sgd`, the minibatch SGD of R stacked
  bias-free nets that the deep-linear chapter spends most of its time in (its signal table, Fig. 3 of the paper),
  against R ``nn.Sequential`` of bias-free ``nn.Linear`` trained one at a time with ``torch.optim.SGD``.
* :func:`bench_abc_training`: :func:`varlib.integrable.sgd.train_abc`, the two-phase SGD of an abc-parameterized MLP
  that the integrable chapter runs for every preset, activation and seed (``train_run``), against an ``nn.Module``
  with the multipliers m^{-a_l} in its forward pass and ``torch.optim.SGD`` with one param group per tensor.

Both sides run on the same thread count (varlib's loops pin :func:`varlib.core.runtime.small_op_threads`; the peer
is run inside it too, so the comparison is of the loops, not of threading on a shared CPU) and, for the abc nets,
with subnormals flushed, as the chapter trains them.
"""
from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from benchmarks.suite import _row
from varlib.book.bench import time_call
from varlib.core.data import minibatches
from varlib.core.runtime import member_generator, small_op_threads
from varlib.deep_linear.sgd import sgd_steps, torch_default_init, train_sgd
from varlib.integrable import calibrate_step0, get_parameterization, init_params, initial_draws, train_abc
from varlib.integrable.experiments import flush_denormals

__all__ = ["LENS_SIZES", "LENS_BENCHMARKS", "bench_deep_linear_training", "bench_abc_training",
           "deep_linear_peer", "deep_linear_varlib", "abc_peer", "abc_varlib", "check_deep_linear", "check_abc"]

#: Sizes per mode and device type ("quick" is for the tests). cpu: the chapters' standard profile (deep linear:
#: the signal table's nets, 22 = 11 signals x 2 seeds, D = 2, width 32, 2000 samples, batch 100, lr 0.05, constant
#: rate, fewer epochs than its 60; integrable: depth 6, width 256, batch 128, 150 steps, eta 0.01).
LENS_SIZES = {
    "quick": {"deep_linear_training": [dict(nets=3, d0=4, width=6, depth=2, n=60, batch=20, epochs=2,
                                            activation="tanh", gamma=0.02, lr=0.05, schedule="cosine")],
              "abc_training": [dict(preset="ipllr", activation="gelu", depth=3, width=16, batch=16, steps=4,
                                    eta=0.01, d=8, classes=4, n=64)]},
    "cpu": {"deep_linear_training": [dict(nets=22, d0=10, width=32, depth=2, n=2000, batch=100, epochs=3,
                                          activation=a, gamma=0.02, lr=0.05, schedule="constant")
                                     for a in ("linear", "tanh")],
            "abc_training": [dict(preset="ipllr", activation="gelu", depth=6, width=256, batch=128, steps=150,
                                  eta=0.01, d=64, classes=10, n=1437)]},
    "cuda": {"deep_linear_training": [dict(nets=22, d0=10, width=32, depth=2, n=2000, batch=100, epochs=10,
                                           activation="tanh", gamma=0.02, lr=0.05, schedule="constant"),
                                      dict(nets=100, d0=10, width=64, depth=3, n=2000, batch=100, epochs=5,
                                           activation="tanh", gamma=0.02, lr=0.05, schedule="constant")],
             "abc_training": [dict(preset="ipllr", activation="gelu", depth=6, width=1024, batch=512, steps=300,
                                   eta=0.01, d=784, classes=10, n=10000)]},
}


# ----------------------------------------------------------------------------- deep linear nets
#: ``train_sgd``'s activations as the ``nn`` modules a reader would put in an ``nn.Sequential``.
_DL_MODULES = {"linear": nn.Identity, "tanh": nn.Tanh, "relu": nn.ReLU, "swish": nn.SiLU}


def _signal_data(size: dict, device, dtype=torch.float64, nets: int | None = None):
    """(weights, x, y) like the chapter's signal table: x (N, d0) ~ N(0, I) shared by the nets, net r's labels
    y_r = M_r x_1 + 0.5 z with signals M_r spread from 0.02 to 1, PyTorch's default init (bias-free nets of
    ``depth`` hidden layers of ``width``) drawn per net on CPU, all moved to ``device``."""
    nets = size["nets"] if nets is None else nets
    rng = np.random.default_rng(0)
    x = rng.standard_normal((size["n"], size["d0"]))
    y = np.geomspace(0.02, 1.0, nets)[:, None] * x[:, 0] + 0.5 * rng.standard_normal(size["n"])
    w0 = torch_default_init(size["d0"], (size["width"],) * size["depth"], nets, seed=0, device=device)
    as_t = lambda a: torch.as_tensor(a, device=device, dtype=dtype)  # noqa: E731
    return [w.to(dtype) for w in w0], as_t(x), as_t(y)


def deep_linear_varlib(size: dict, w0, x, y, device) -> list[torch.Tensor]:
    """varlib: every net in one stacked ``train_sgd`` (float64 whatever the inputs' dtype)."""
    return train_sgd(w0, x, y, size["gamma"], size["activation"], epochs=size["epochs"], batch=size["batch"],
                     lr=size["lr"], seed=0, device=device, schedule=size["schedule"])


def deep_linear_peer(size: dict, w0, x, y, device, lr_scale: float = 1.0) -> list[torch.Tensor]:
    """The plain loop: per net an ``nn.Sequential`` of bias-free ``nn.Linear`` holding its starting weights, trained
    alone with ``torch.optim.SGD(lr, weight_decay=2 gamma)`` (the loss term gamma ||W||^2 has gradient 2 gamma W)
    on ``F.mse_loss``, ``CosineAnnealingLR`` for the cosine schedule, minibatches from one ``randperm`` per epoch of
    a generator seeded like ``train_sgd``'s (the same order). In the dtype of ``x``; returns the trained weights
    stacked like varlib's. ``lr_scale`` exists for the tests (a different run must fail the check)."""
    dtype, n, batch = x.dtype, x.shape[0], size["batch"]
    steps = sgd_steps(n, size["epochs"], batch)
    trained = []
    for r in range(w0[0].shape[0]):
        layers = []
        for w in w0[:-1]:
            layers += [nn.Linear(w.shape[2], w.shape[1], bias=False, device=device, dtype=dtype),
                       _DL_MODULES[size["activation"]]()]
        net = nn.Sequential(*layers, nn.Linear(w0[-1].shape[1], 1, bias=False, device=device, dtype=dtype))
        with torch.no_grad():
            for lin, w in zip(net[::2], w0):
                lin.weight.copy_(w[r].reshape(lin.weight.shape))
        opt = torch.optim.SGD(net.parameters(), lr=size["lr"] * lr_scale, weight_decay=2 * size["gamma"])
        sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, steps) if size["schedule"] == "cosine" else None
        g = member_generator(0, 0)
        for _ in range(size["epochs"]):
            perm = torch.randperm(n, generator=g).to(device)
            for i in range(0, n, batch):
                idx = perm[i:i + batch]
                loss = F.mse_loss(net(x[idx]).squeeze(-1), y[r, idx])
                opt.zero_grad()
                loss.backward()
                opt.step()
                if sched is not None:
                    sched.step()
        trained.append([lin.weight.detach() for lin in net[::2]])
    return [torch.stack(ws).reshape(w.shape).to(w.dtype) for ws, w in zip(zip(*trained), w0)]


def check_deep_linear(size: dict, device, **peer_kw) -> None:
    """Both trainings from the same float64 start on a small case (at most 4 nets, 2 epochs): the final weights
    must agree to 1e-8 (AssertionError otherwise)."""
    small = {**size, "epochs": min(size["epochs"], 2)}
    w0, x, y = _signal_data(small, device, nets=min(size["nets"], 4))
    ours = deep_linear_varlib(small, w0, x, y, device)
    with small_op_threads(device):
        peer = deep_linear_peer(small, w0, x, y, device, **peer_kw)
    for l, (a, b) in enumerate(zip(ours, peer), start=1):
        torch.testing.assert_close(a, b, rtol=1e-8, atol=1e-8, msg=f"layer {l}: train_sgd differs from the nn loop")


def bench_deep_linear_training(device: torch.device, size: dict, repeats: int, matmul_flops: float) -> list[dict]:
    """R bias-free nets trained by minibatch SGD with explicit L2: R ``nn.Sequential`` one at a time with
    ``torch.optim.SGD`` (peer) vs varlib's stacked ``train_sgd``.

    ``train_sgd`` computes in float64 only, so both are timed in float64 (the same numbers, checked on a small
    case first); a third row times the peer in float32, a reader's default dtype, which varlib cannot run (its
    weights are checked against the float64 peer's to 1e-3)."""
    check_deep_linear(size, device)
    w0, x, y = _signal_data(size, device)
    x32, y32, w32 = x.float(), y.float(), [w.float() for w in w0]

    def peer(dtype=torch.float64):
        with small_op_threads(device):
            return deep_linear_peer(size, *((w0, x, y) if dtype == torch.float64 else (w32, x32, y32)), device)

    ref = peer()
    torch.testing.assert_close([w.double() for w in peer(torch.float32)], ref, rtol=1e-3, atol=1e-4,
                               msg="the float32 nn loop strays from the float64 one")
    times = {"nn.Sequential x R, one at a time, torch.optim.SGD (peer)": time_call(peer, device, repeats),
             "varlib train_sgd, R nets stacked": time_call(lambda: deep_linear_varlib(size, w0, x, y, device),
                                                          device, repeats),
             "nn.Sequential x R, one at a time, float32 (varlib is float64 only)":
                 time_call(lambda: peer(torch.float32), device, repeats)}
    base = times["nn.Sequential x R, one at a time, torch.optim.SGD (peer)"]["median_s"]
    net_steps = size["nets"] * sgd_steps(size["n"], size["epochs"], size["batch"])
    return [_row("deep linear training", name, size, t, base, dtype="float32" if "float32" in name else "float64",
                 net_steps_per_s=net_steps / t["median_s"]) for name, t in times.items()]


# ----------------------------------------------------------------------------- abc-parameterized MLPs
#: The activations of the integrable chapter as ``nn`` modules.
_ABC_MODULES = {"relu": nn.ReLU, "gelu": nn.GELU, "elu": nn.ELU, "tanh": nn.Tanh}


class AbcMLP(nn.Module):
    """An abc-parameterized MLP the plain way: ``nn.Linear`` layers holding w^l (and beta^l), the multiplier
    m^{-a_l} applied in the forward pass (biases inside it, or outside for ``bias="all"``)."""

    def __init__(self, p, params: dict[str, torch.Tensor], activation: str):
        super().__init__()
        w1 = params["w1"]
        self.scales = [w1.shape[0] ** -a for a in p.a]
        self.bias_outside = p.bias == "all"
        self.act = _ABC_MODULES[activation]()
        self.layers = nn.ModuleList()
        for l in range(1, p.L + 2):
            w, beta = params[f"w{l}"], params.get(f"beta{l}")
            lin = nn.Linear(w.shape[1], w.shape[0], bias=beta is not None, device=w.device, dtype=w.dtype)
            with torch.no_grad():
                lin.weight.copy_(w)
                if beta is not None:
                    lin.bias.copy_(beta)
            self.layers.append(lin)

    def forward(self, x):
        for l, (lin, scale) in enumerate(zip(self.layers, self.scales)):
            x = x if l == 0 else self.act(x)
            if self.bias_outside and lin.bias is not None:
                x = scale * F.linear(x, lin.weight) + lin.bias
            else:
                x = scale * lin(x)
        return x


def _abc_case(size: dict, device, dtype):
    """(parameterization, starting params, batches): the shared draws of ``initial_draws`` (seed 0) and
    ``steps`` minibatches of ``batch`` (varlib's ``minibatches``) from n Gaussian inputs of dimension d with
    random labels among ``classes`` (the digits' shape by default)."""
    p = get_parameterization(size["preset"], size["depth"])
    draws = {k: v.to(device) for k, v in initial_draws(size["d"], size["width"], size["classes"], size["depth"],
                                                       seed=0).items()}
    params0 = init_params(p, draws, size["activation"], dtype=dtype)
    g = torch.Generator().manual_seed(1)
    X = torch.randn(size["n"], size["d"], generator=g, dtype=torch.float64).to(device, dtype)
    y = torch.randint(0, size["classes"], (size["n"],), generator=g).to(device)
    return p, params0, minibatches(X, y, size["batch"], size["steps"], seed=0)


def abc_varlib(size: dict, p, params0, batches):
    """varlib: ``train_abc`` (no probe). Returns (per-step losses, final params as a list, layer by layer)."""
    params, hist = train_abc(p, params0, batches, size["activation"], size["eta"])
    return torch.tensor(hist.loss.to_numpy()[:-1]), [params[k] for k in params0]


def abc_peer(size: dict, p, params0, batches, lr_scale: float = 1.0):
    """The plain loop: :class:`AbcMLP` and ``torch.optim.SGD`` with one param group per tensor, lr base0_l m^{-c0_l}
    at step 0 (base0 from the authors' calibration, varlib's ``calibrate_step0``, when the preset calibrates; else
    eta), then eta m^{-c_l} (biases of ``bias="all"``: their own exponents, base eta); ``F.cross_entropy``.
    Returns (per-step losses, final params in the order of ``params0``). ``lr_scale``: for the tests."""
    act, eta, m = size["activation"], size["eta"] * lr_scale, params0["w1"].shape[0]
    base0 = calibrate_step0(p, params0, act, batches[0], batches[1], eta) if p.calibrate else [eta] * (p.L + 1)
    model = AbcMLP(p, params0, act)
    groups = []
    for l, lin in enumerate(model.layers, start=1):
        groups.append({"params": [lin.weight], "lr": base0[l - 1] * m ** -p.c0[l - 1], "later": eta * m ** -p.c[l - 1]})
        if lin.bias is not None:
            inside = p.bias == "input"
            c0, c = (p.c0, p.c) if inside else (p.bias_c0, p.bias_c)
            groups.append({"params": [lin.bias], "lr": (base0[l - 1] if inside else eta) * m ** -c0[l - 1],
                           "later": eta * m ** -c[l - 1]})
    opt = torch.optim.SGD(groups, lr=eta)
    losses = []
    for t, (x, y) in enumerate(batches):
        if t == 1:
            for g in opt.param_groups:
                g["lr"] = g["later"]
        loss = F.cross_entropy(model(x), y)
        losses.append(loss.detach())
        opt.zero_grad()
        loss.backward()
        opt.step()
    names = {f"w{l}": lin.weight for l, lin in enumerate(model.layers, start=1)}
    names.update({f"beta{l}": lin.bias for l, lin in enumerate(model.layers, start=1) if lin.bias is not None})
    return torch.stack(losses).cpu(), [names[k].detach() for k in params0]


def check_abc(size: dict, device, **peer_kw) -> None:
    """Both trainings in float64 on a small case (width <= 64, at most 6 steps): per-step losses and final params
    must agree to 1e-8 (AssertionError otherwise)."""
    small = {**size, "width": min(size["width"], 64), "steps": min(size["steps"], 6)}
    p, params0, batches = _abc_case(small, device, torch.float64)
    with small_op_threads(device):
        l_ours, w_ours = abc_varlib(small, p, params0, batches)
        l_peer, w_peer = abc_peer(small, p, params0, batches, **peer_kw)
    torch.testing.assert_close(l_ours, l_peer.to(l_ours.dtype), rtol=1e-8, atol=1e-8,
                               msg="train_abc's losses differ from the nn loop's")
    torch.testing.assert_close(w_ours, w_peer, rtol=1e-8, atol=1e-8,
                               msg="train_abc's weights differ from the nn loop's")


def bench_abc_training(device: torch.device, size: dict, repeats: int, matmul_flops: float) -> list[dict]:
    """``steps`` SGD steps of an abc-parameterized MLP (two-phase rates, step-0 calibration when the preset has it):
    an ``nn.Module`` + ``torch.optim.SGD`` param groups (peer) vs varlib's ``train_abc``; float32, subnormals
    flushed, as the chapter's ``train_run`` (without its per-step probe). Equal losses and weights are checked
    in float64 on a small case first."""
    check_abc(size, device)
    p, params0, batches = _abc_case(size, device, torch.float32)

    def run(fn):
        with flush_denormals(), small_op_threads(device):
            return fn(size, p, params0, batches)

    times = {"nn.Module + torch.optim.SGD param groups (peer)": time_call(lambda: run(abc_peer), device, repeats),
             "varlib train_abc": time_call(lambda: run(abc_varlib), device, repeats)}
    base = times["nn.Module + torch.optim.SGD param groups (peer)"]["median_s"]
    return [_row("abc training", name, size, t, base, dtype="float32", steps_per_s=size["steps"] / t["median_s"])
            for name, t in times.items()]


LENS_BENCHMARKS = {"deep_linear_training": bench_deep_linear_training, "abc_training": bench_abc_training}
