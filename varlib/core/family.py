"""The equal-parameter MLP family (Yu & Zhang, arXiv 2105.08911).

An MLP ``d_in -> L hidden layers of width w -> d_out``, biases everywhere and
activations of rank K (K = 1 for elementwise ones, K > 1 for maxout, whose
hidden layers carry K affine features per unit), has

    P(L, w) = K (d_in + 1) w + (L - 1) K (w + 1) w + (w + 1) d_out
            = (L - 1) K w^2 + (K (d_in + L) + d_out) w + d_out

parameters. For d_in = 2, d_out = 1, K = 1 (the inputs of Yu & Zhang) this is
``P(L, w) = (L - 1) w^2 + (L + 3) w + 1``.

At a fixed budget P the family picks, for every depth L, the integer width
whose count is closest to P; deeper nets are then narrower and have more
activations N = L w (activation ratio rho = N / P).
"""
from __future__ import annotations

import math

import pandas as pd

from varlib.core.checks import check_int

__all__ = ["param_count", "width_for_budget", "family_table"]


def param_count(depth: int, width: int, d_in: int = 2, d_out: int = 1, rank: int = 1) -> int:
    """Exact number of trainable parameters P(L, w) of the family member (formula above)."""
    L = check_int("depth", depth)
    w = check_int("width", width)
    check_int("d_in", d_in)
    check_int("d_out", d_out)
    K = check_int("rank", rank)
    return K * (d_in + 1) * w + (L - 1) * K * (w + 1) * w + (w + 1) * d_out


def width_for_budget(budget: int, depth: int, d_in: int = 2, d_out: int = 1, rank: int = 1) -> int:
    """The integer width w >= 1 whose P(depth, w) is closest to ``budget`` (ties: the smaller w).

    Raises ``ValueError`` when even width 1 needs more than ``budget`` parameters.
    """
    check_int("budget", budget)
    smallest = param_count(depth, 1, d_in, d_out, rank)
    if smallest > budget:
        raise ValueError(f"budget={budget} is too small for depth={depth}: width 1 already has "
                         f"{smallest} parameters; raise the budget or lower the depth")
    a = (depth - 1) * rank
    b = rank * (d_in + depth) + d_out
    c = d_out - budget
    root = -c / b if a == 0 else (-b + math.sqrt(b * b - 4 * a * c)) / (2 * a)
    candidates = {max(1, math.floor(root)), max(1, math.ceil(root))}
    return min(sorted(candidates), key=lambda w: abs(param_count(depth, w, d_in, d_out, rank) - budget))


def family_table(budgets, depths, d_in: int = 2, d_out: int = 1, rank: int = 1) -> pd.DataFrame:
    """One row per (budget, depth): width, exact P, its relative deviation, N = L w and rho = N / P."""
    rows = []
    for budget in budgets:
        for depth in depths:
            w = width_for_budget(budget, depth, d_in, d_out, rank)
            p = param_count(depth, w, d_in, d_out, rank)
            rows.append({"budget": budget, "depth": depth, "width": w, "params": p,
                         "rel_deviation": (p - budget) / budget, "activations": depth * w,
                         "activation_ratio": depth * w / p})
    return pd.DataFrame(rows)
