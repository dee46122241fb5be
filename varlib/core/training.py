"""Training R networks at once, each with its own loss, optimiser state and seed.

The ensemble's total loss is the sum of the members' losses, so the gradient of
member r's parameters comes from member r's loss alone. Adam is elementwise,
so one Adam over the stacked tensors is exactly R independent Adams:

    m <- b1 m + (1 - b1) g,   v <- b2 v + (1 - b2) g^2,
    p <- p - lr * (m / (1 - b1^t)) / (sqrt(v / (1 - b2^t)) + eps)

(PyTorch's ``torch.optim.Adam`` update, without weight decay). A member whose
loss becomes NaN or +-inf is recorded as diverged at that step and frozen; the
others go on unchanged.

A step launches a fixed handful of optimiser kernels, whatever the depth: the update
runs on one flat, parameter-major vector of the gradients (the same elementwise
operations in the same order as per tensor, so the same numbers), and one fused
``_foreach_sub_`` writes it back. On the batched path, for the activations that have a
derivative, the gradients come from the hand-written pass of :mod:`varlib.core.backprop`
straight into that vector (autograd on the loop path and for the other activations; the
same numbers). The loop never waits for the device: the frozen/diverged bookkeeping,
losses and metrics stay on it and are copied back once, at the end.
"""
from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Callable

import torch
import torch.nn.functional as F
from tqdm.auto import tqdm

from varlib.core import backprop
from varlib.core.checks import check_int
from varlib.core.ensemble import FORWARD_PATHS, MLPEnsemble, auto_path, forward

__all__ = ["LOSSES", "member_losses", "TrainResult", "train_ensemble", "training_path", "accuracy_pm1"]


def _logistic(out: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """Logistic loss on labels y in {-1, +1}: mean softplus(-y f)."""
    return F.softplus(-y * out).mean(dim=(1, 2))


def _mse(out: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    return (out - y).square().mean(dim=(1, 2))


def _cross_entropy(out: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """Softmax cross-entropy; y holds class indices of shape (B,) or (R, B)."""
    R, B, C = out.shape
    labels = y.expand(R, B) if y.dim() == 1 else y
    return F.cross_entropy(out.reshape(R * B, C), labels.reshape(-1), reduction="none").view(R, B).mean(1)


LOSSES: dict[str, Callable[[torch.Tensor, torch.Tensor], torch.Tensor]] = {
    "logistic": _logistic, "mse": _mse, "cross_entropy": _cross_entropy}


def member_losses(ens: MLPEnsemble, x: torch.Tensor, y: torch.Tensor, loss: str = "logistic") -> torch.Tensor:
    """Loss of every member, shape ``(R,)``; ``x`` (B, d_in), ``y`` (B, d_out) or (R, B, d_out)."""
    if loss not in LOSSES:
        raise ValueError(f"unknown loss {loss!r}; allowed: {', '.join(LOSSES)}")
    return LOSSES[loss](forward(ens, x), y)


def accuracy_pm1(out: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """Fraction of points where sign(f) equals the +-1 label, per member: ``(R,)``."""
    return ((out > 0) == (y > 0)).to(out.dtype).mean(dim=(1, 2))


@dataclass
class TrainResult:
    """``losses`` (steps, R): loss before each step (NaN once diverged); ``metrics`` (n_evals, R)."""

    losses: torch.Tensor
    metrics: torch.Tensor | None
    eval_steps: list[int]
    diverged: torch.Tensor
    diverged_at: torch.Tensor

    @property
    def final_loss(self) -> torch.Tensor:
        return self.losses[-1]


def _owner_index(params: list[torch.Tensor]) -> torch.Tensor:
    """Member of every element of the flat, parameter-major concatenation of ``params``: ``(sum numel,)``."""
    return torch.cat([torch.arange(p.shape[0], device=p.device).repeat_interleave(p[0].numel()) for p in params])


def _adam_step(params, g, state, t, lr, betas, eps, frozen, owner):
    """One Adam step of every unfrozen member from the flat gradient ``g`` (overwritten); ``state`` = flat
    (m, v, scratch), ``owner()`` gives :func:`_owner_index` (built on first use: 8 bytes per parameter).

    The same operations as one Adam per tensor, on the flat concatenation: about 14 kernels in all, none of which
    allocates (the step is built in ``scratch``). On a CPU, where asking costs nothing, the masks are skipped
    while no member is frozen (the index into ``owner`` reads 8 bytes per parameter); on a GPU they always run,
    so that the loop never waits for the device.
    """
    b1, b2 = betas
    m, v, step = state
    mask = None if g.device.type == "cpu" and not bool(frozen.any()) else frozen.index_select(0, owner())
    if mask is not None:
        g.masked_fill_(mask, 0.0)
    m.mul_(b1).add_(g, alpha=1 - b1)
    v.mul_(b2).addcmul_(g, g, value=1 - b2)
    torch.sqrt(v, out=step).div_((1 - b2 ** t) ** 0.5).add_(eps)               # the denominator
    torch.div(m, step, out=step).mul_(lr / (1 - b1 ** t))
    if mask is not None:
        step.masked_fill_(mask, 0.0)
    torch._foreach_sub_(params, [s.view_as(p) for s, p in zip(step.split([p.numel() for p in params]), params)])


def training_path(ens: MLPEnsemble, x: torch.Tensor) -> str:
    """The path ``train_ensemble(path="auto")`` takes: "batched" wherever the hand-written pass applies (it was
    as fast as the loop or faster at every measured CPU shape, up to 250 MB a layer; the "forward paths"
    benchmark), else the forward rule for autograd passes (:func:`varlib.core.ensemble.auto_path`)."""
    return "batched" if backprop.supports(ens) else auto_path(ens, x, autograd=True)


def _check_train_args(steps, lr, eval_every, loss):
    if loss not in LOSSES:
        raise ValueError(f"unknown loss {loss!r}; allowed: {', '.join(LOSSES)}")
    check_int("steps", steps)
    if not lr > 0:
        raise ValueError(f"lr must be > 0, got {lr!r}")
    if eval_every is not None:
        check_int("eval_every", eval_every)


def _record_step(per: torch.Tensor, t: int, frozen, diverged_at, losses) -> None:
    """Freeze members whose loss ``per`` (R,) turned non-finite at step t; store the losses. In place, on the device."""
    bad = ~torch.isfinite(per) & ~frozen
    diverged_at.masked_fill_(bad, t)
    frozen |= bad
    losses[t] = per.to(torch.float64).masked_fill(frozen, float("nan"))


def train_ensemble(ens: MLPEnsemble, x: torch.Tensor, y: torch.Tensor, *, steps: int, lr: float = 3e-3,
                   loss: str = "logistic", betas=(0.9, 0.999), eps: float = 1e-8,
                   metric: Callable | None = None, eval_every: int | None = None,
                   progress: bool = True, desc: str = "training", path: str = "auto") -> TrainResult:
    """Full-batch Adam on every member at once, in place; returns the loss/metric history.

    ``metric(out, y) -> (R,)`` is evaluated every ``eval_every`` steps and after the last. ``path`` is the
    forward path (:func:`varlib.core.ensemble.forward`); every path gives the same numbers up to rounding.
    """
    _check_train_args(steps, lr, eval_every, loss)
    if path not in FORWARD_PATHS:
        raise ValueError(f"path must be one of {', '.join(FORWARD_PATHS)}, got {path!r}")
    params = ens.requires_grad_(True).parameters()
    dev, R = params[0].device, ens.members
    owner = functools.cache(lambda: _owner_index(params))
    numel = sum(p.numel() for p in params)
    like = dict(size=(numel,), dtype=params[0].dtype, device=dev)
    state = (torch.zeros(**like), torch.zeros(**like), torch.empty(**like))           # m, v, scratch
    losses = torch.full((steps, R), float("nan"), dtype=torch.float64, device=dev)
    frozen = torch.zeros(R, dtype=torch.bool, device=dev)
    diverged_at = torch.full((R,), -1, dtype=torch.long, device=dev)
    metrics, eval_steps = [], []
    step_path = training_path(ens, x) if path == "auto" else path
    work = backprop.Workspace.of(ens, x.shape[-2]) if step_path == "batched" and backprop.supports(ens) else None
    for t in tqdm(range(steps), desc=desc, disable=not progress, mininterval=1.0):
        if work is not None:                                         # hand-written pass, flat gradient
            per, out, flat = backprop.loss_and_gradient(ens, x, lambda out: LOSSES[loss](out, y), frozen, work)
        else:                                                        # autograd
            out = forward(ens, x, path=step_path)
            per = LOSSES[loss](out, y)                               # (R,)
            grads = torch.autograd.grad(per.masked_fill(frozen, 0.0).sum(), params)
            flat = torch.cat([g.reshape(-1) for g in grads])
        if metric is not None and eval_every and t % eval_every == 0:
            metrics.append(metric(out.detach(), y))
            eval_steps.append(t)
        _record_step(per.detach(), t, frozen, diverged_at, losses)
        with torch.no_grad():
            _adam_step(params, flat, state, t + 1, lr, betas, eps, frozen, owner)
    ens.requires_grad_(False)
    if metric is not None:
        with torch.no_grad():
            metrics.append(metric(forward(ens, x, path=path), y))
        eval_steps.append(steps)
    metrics = torch.stack(metrics).cpu() if metrics else None
    return TrainResult(losses.cpu(), metrics, eval_steps, frozen.cpu(), diverged_at.cpu())
