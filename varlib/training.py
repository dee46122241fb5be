"""Training R networks at once, each with its own loss, optimiser state and seed.

The ensemble's total loss is the sum of the members' losses, so the gradient of
member r's parameters comes from member r's loss alone. Adam is elementwise,
so one Adam over the stacked tensors is exactly R independent Adams:

    m <- b1 m + (1 - b1) g,   v <- b2 v + (1 - b2) g^2,
    p <- p - lr * (m / (1 - b1^t)) / (sqrt(v / (1 - b2^t)) + eps)

(PyTorch's ``torch.optim.Adam`` update, without weight decay). A member whose
loss becomes NaN or +-inf is recorded as diverged at that step and frozen; the
others go on unchanged.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import torch
import torch.nn.functional as F
from tqdm.auto import tqdm

from varlib.ensemble import MLPEnsemble, forward

__all__ = ["LOSSES", "member_losses", "TrainResult", "train_ensemble", "accuracy_pm1"]


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


def _adam_step(params, grads, state, t, lr, betas, eps, frozen):
    b1, b2 = betas
    for p, g, (m, v) in zip(params, grads, state):
        g = g.masked_fill(frozen.view(-1, *[1] * (g.dim() - 1)), 0.0)
        m.mul_(b1).add_(g, alpha=1 - b1)
        v.mul_(b2).addcmul_(g, g, value=1 - b2)
        denom = (v.sqrt() / (1 - b2 ** t) ** 0.5).add_(eps)
        step = (m / denom) * (lr / (1 - b1 ** t))
        p.sub_(step.masked_fill(frozen.view(-1, *[1] * (p.dim() - 1)), 0.0))


def _check_train_args(steps, lr, eval_every, loss):
    if loss not in LOSSES:
        raise ValueError(f"unknown loss {loss!r}; allowed: {', '.join(LOSSES)}")
    if isinstance(steps, bool) or not isinstance(steps, int) or steps < 1:
        raise ValueError(f"steps must be an integer >= 1, got {steps!r}")
    if not lr > 0:
        raise ValueError(f"lr must be > 0, got {lr!r}")
    if eval_every is not None and (not isinstance(eval_every, int) or eval_every < 1):
        raise ValueError(f"eval_every must be a positive integer or None, got {eval_every!r}")


def train_ensemble(ens: MLPEnsemble, x: torch.Tensor, y: torch.Tensor, *, steps: int, lr: float = 3e-3,
                   loss: str = "logistic", betas=(0.9, 0.999), eps: float = 1e-8,
                   metric: Callable | None = None, eval_every: int | None = None,
                   progress: bool = True, desc: str = "training") -> TrainResult:
    """Full-batch Adam on every member at once, in place; returns the loss/metric history.

    ``metric(out, y) -> (R,)`` is evaluated every ``eval_every`` steps and after the last.
    """
    _check_train_args(steps, lr, eval_every, loss)
    params = ens.requires_grad_(True).parameters()
    state = [(torch.zeros_like(p), torch.zeros_like(p)) for p in params]
    R = ens.members
    losses = torch.full((steps, R), float("nan"), dtype=torch.float64)
    frozen = torch.zeros(R, dtype=torch.bool, device=params[0].device)
    diverged_at = torch.full((R,), -1, dtype=torch.long)
    metrics, eval_steps = [], []
    for t in tqdm(range(steps), desc=desc, disable=not progress, mininterval=1.0):
        out = forward(ens, x)
        per = LOSSES[loss](out, y)                                   # (R,)
        if metric is not None and eval_every and t % eval_every == 0:
            metrics.append(metric(out.detach(), y).cpu())
            eval_steps.append(t)
        bad = ~torch.isfinite(per.detach()) & ~frozen
        if bad.any():
            diverged_at[bad.cpu()] = t
            frozen |= bad
        losses[t] = per.detach().cpu().to(torch.float64).masked_fill(frozen.cpu(), float("nan"))
        grads = torch.autograd.grad(per.masked_fill(frozen, 0.0).sum(), params)
        with torch.no_grad():
            _adam_step(params, grads, state, t + 1, lr, betas, eps, frozen)
    ens.requires_grad_(False)
    if metric is not None:
        with torch.no_grad():
            metrics.append(metric(forward(ens, x), y).cpu())
        eval_steps.append(steps)
    return TrainResult(losses, torch.stack(metrics) if metrics else None, eval_steps, frozen.cpu(), diverged_at)
