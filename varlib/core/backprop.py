"""Every member's gradient by hand: one batched pass forward and one back through the stack.

For hidden layer l, ``z_l = W_l h_{l-1} + b_l`` and ``h_l = phi(z_l)`` (``h_0 = x``); the output layer is
``f = W_{L+1} h_L + b_{L+1}``. Given ``g_l = dloss/dz_l`` of shape (R, B, fan_out), back-propagation is

    dW_l = g_l^T h_{l-1}   (R, fan_out, fan_in)        db_l = sum over the B points of g_l
    g_{l-1} = (g_l W_l) * phi'(z_{l-1})

three batched products and one elementwise product per layer. Autograd computes the same quantities (the
same operations in the same order, so the same numbers), but on a CPU it pays for a fresh tensor at every
node, which at a few hundred points costs more than the products themselves. Here every tensor of the pass
lives in a :class:`Workspace` allocated once per training run, and the gradients land in one flat,
parameter-major vector, the layout the Adam step (:mod:`varlib.core.training`) works on. For 100 nets of
width 16 to 256 on 256 to 1024 points the pass took 0.55-0.7 of the time of autograd on the same batched
products (2-core CPU); the benchmarks appendix records training against the ``torch.func`` recipe.

It needs phi'(z) (``Activation.with_derivative_``): ReLU, |x|, leaky ReLU, tanh and the identity have one;
the others (maxout, GELU, ELU, swish) train through autograd (:func:`supports`).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import torch

from varlib.core.ensemble import MLPEnsemble

__all__ = ["Workspace", "supports", "loss_and_gradient"]


def supports(ens: MLPEnsemble) -> bool:
    """Whether the hand-written pass applies: the activation has a derivative (``with_derivative_``)."""
    return ens.activation.with_derivative_ is not None


@dataclass
class Workspace:
    """The tensors of one pass at B points, allocated once: per hidden layer its output h and phi'(z); two
    buffers for g; the flat gradient and its per-parameter views (same order as ``ens.parameters()``)."""

    h: list[torch.Tensor]           # L x (R, B, width)
    slope: list[torch.Tensor]       # L x (R, B, width): phi'(z_l)
    g: list[torch.Tensor]           # 2 x (R, B, width)
    dw_t: list[torch.Tensor | None]  # L + 1 x (R, fan_in, fan_out): dW_l transposed, where formed so
    flat: torch.Tensor              # (parameters of the whole stack,)
    grads: list[torch.Tensor]       # views of ``flat`` shaped like ``ens.parameters()``

    @classmethod
    def of(cls, ens: MLPEnsemble, points: int) -> "Workspace":
        if not supports(ens):
            raise ValueError(f"activation {ens.activation.name!r} has no derivative for the hand-written pass; "
                             "train it through autograd (train_ensemble does so itself)")
        w = ens.weights[0]
        layer = dict(size=(ens.members, points, w.shape[1]), dtype=w.dtype, device=w.device)
        params = ens.parameters()
        flat = torch.empty(sum(p.numel() for p in params), dtype=w.dtype, device=w.device)
        grads = [c.view_as(p) for c, p in zip(flat.split([p.numel() for p in params]), params)]
        return cls([torch.empty(**layer) for _ in range(ens.depth)], [torch.empty(**layer) for _ in range(ens.depth)],
                   [torch.empty(**layer) for _ in range(2)],
                   [torch.empty(w.shape[0], w.shape[2], w.shape[1], dtype=w.dtype, device=w.device)
                    if _transposed_is_faster(w.shape[2], w.shape[1]) else None for w in ens.weights], flat, grads)


def _forward(ens: MLPEnsemble, x: torch.Tensor, work: Workspace) -> tuple[list[torch.Tensor], torch.Tensor]:
    """Inputs of every layer [x, h_1, ..., h_L] and the outputs (R, B, d_out); fills ``work.h`` and ``work.slope``."""
    h = x if x.dim() == 3 else x.expand(ens.members, *x.shape)              # (R, B, d_in)
    inputs = [h]
    for l in range(ens.depth):
        z = torch.baddbmm(ens.biases[l].unsqueeze(1), h, ens.weights[l].transpose(1, 2), out=work.h[l])
        h = ens.activation.with_derivative_(z, work.slope[l])              # h_l in place of z_l
        inputs.append(h)
    out = torch.baddbmm(ens.biases[-1].unsqueeze(1), h, ens.weights[-1].transpose(1, 2))
    return inputs, out                                                      # out: (R, B, d_out)


def _transposed_is_faster(fan_in: int, fan_out: int) -> bool:
    """Whether dW (fan_out x fan_in per member) is faster as (h^T g)^T plus a copy than as g^T h on a CPU: for a
    thin first layer (fan_in < fan_out: 6x at fan_in = 2) and for small square layers (1.4x at 16 x 16), but not
    at fan_out = 1 (g^T h is 10x faster) nor for large layers (at 256 x 256 the transposing copy costs 4 ms)."""
    return fan_in < fan_out or (fan_in == fan_out and fan_in * fan_out <= 64 * 64)


def _backward(ens: MLPEnsemble, inputs: list[torch.Tensor], g: torch.Tensor, work: Workspace) -> torch.Tensor:
    """The flat gradient of every parameter, from ``g`` = dloss/d(outputs) (R, B, d_out)."""
    for l in range(ens.depth, -1, -1):
        h = inputs[l]
        if _transposed_is_faster(h.shape[2], g.shape[2]):    # dW_l as (h^T g)^T, then a transposing copy
            work.grads[2 * l].copy_(torch.bmm(h.transpose(1, 2), g, out=work.dw_t[l]).transpose(1, 2))
        else:                                                 # dW_l = g^T h, straight into the gradient
            torch.bmm(g.transpose(1, 2), h, out=work.grads[2 * l])
        torch.sum(g, 1, out=work.grads[2 * l + 1])                            # db_l: (R, fan_out)
        if l == 0:
            return work.flat
        w, into = ens.weights[l], work.g[l % 2]
        # g W_l; with one output (fan_out = 1) an outer product, as a broadcast product (5x a bmm with K = 1)
        gw = torch.mul(g, w, out=into) if w.shape[1] == 1 else torch.bmm(g, w, out=into)
        g = gw.mul_(work.slope[l - 1])                                          # g_{l-1}: (R, B, width)
    raise AssertionError("unreachable")


def loss_and_gradient(ens: MLPEnsemble, x: torch.Tensor, member_loss: Callable[[torch.Tensor], torch.Tensor],
                      frozen: torch.Tensor, work: Workspace):
    """One pass: ``(per, out, flat)``, the loss of every member (R,), the outputs (R, B, d_out) and the flat
    gradient of ``sum(per)`` over the unfrozen members (``work.flat``, overwritten by the next pass).

    ``member_loss(out) -> (R,)``; only it runs under autograd, on the outputs alone.
    """
    with torch.no_grad():
        inputs, out = _forward(ens, x, work)
    out.requires_grad_(True)
    with torch.enable_grad():
        per = member_loss(out)
        (g,) = torch.autograd.grad(per.masked_fill(frozen, 0.0).sum(), out)
    with torch.no_grad():
        flat = _backward(ens, inputs, g, work)
    return per.detach(), out.detach(), flat
