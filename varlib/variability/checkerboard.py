"""The variability chapter's stylised problem, a checkerboard on [-1, 1]^2, and its training study.

The k x k checkerboard has labels +-1 = 2 ((i + j) mod 2) - 1 for cell (i, j), sampled on an m x m grid
of cell-interior points; :func:`train_checkerboard` fits family members to it with full-batch Adam on the
logistic loss and records success (training accuracy >= ``success_acc``) per seed.
"""
from __future__ import annotations

import torch

from varlib.core.checks import check_int
from varlib.variability.measures import check_activation

__all__ = ["checkerboard", "train_checkerboard"]


def checkerboard(k: int, m: int, device="cpu", dtype=torch.float32) -> tuple[torch.Tensor, torch.Tensor]:
    """The k x k checkerboard on [-1,1]^2 sampled on m x m cell-interior points: x (m^2, 2), y (m^2, 1) in +-1.

    Point coordinates are -1 + (2i + 1)/m; cell (i, j) has label 2 ((i + j) mod 2) - 1. ``m`` must be a
    multiple of ``k`` so that every cell holds (m/k)^2 points and none lies on a cell border.
    """
    check_int("board size k", k)
    check_int("training grid m", m)
    if m % k:
        raise ValueError(f"the training grid m={m} must be a multiple of the board size k={k}")
    g = -1 + (2 * torch.arange(m, dtype=torch.float64) + 1) / m
    x = torch.cartesian_prod(g, g)
    cells = ((x + 1) / 2 * k).floor().long()
    y = 2 * ((cells[:, 0] + cells[:, 1]) % 2) - 1
    return x.to(device, dtype), y.to(device, dtype).unsqueeze(1)


def train_checkerboard(*, budget: int, depth: int, activation: str, seeds: int, board: int = 8,
                       train_grid: int = 32, steps: int = 3000, lr: float = 3e-3, sigma_b: float = 0.1,
                       eval_every: int = 50, success_acc: float = 0.99, seed: int = 0, device="auto",
                       progress: bool = False) -> dict:
    """Train ``seeds`` family members at once on the checkerboard; one row per seed in ``{"runs": DataFrame}``.

    Success: training accuracy >= ``success_acc`` at some evaluation (every ``eval_every`` steps and after
    the last). ``steps_to_success`` is the first such evaluation step (-1 if never). Member r starts from
    the same weights as variability draw r of :func:`variability_draws` with the same seed.
    """
    import pandas as pd

    from varlib.core.ensemble import init_mlp_ensemble
    from varlib.core.family import width_for_budget
    from varlib.core.training import accuracy_pm1, train_ensemble

    check_activation(activation)
    if not 0 < success_acc <= 1:
        raise ValueError(f"success_acc must be in (0, 1], got {success_acc!r}")
    width = width_for_budget(budget, depth)
    ens = init_mlp_ensemble(seeds, depth, width, activation, sigma_b=sigma_b, seed=seed, device=device)
    x, y = checkerboard(board, train_grid, device=ens.weights[0].device)
    res = train_ensemble(ens, x, y, steps=steps, lr=lr, metric=accuracy_pm1, eval_every=eval_every,
                         progress=progress, desc=f"{activation} L={depth}")
    acc = res.metrics.double()                                          # (n_evals, R)
    hit = acc >= success_acc
    first = torch.tensor(res.eval_steps)[hit.int().argmax(0)]
    return {"runs": pd.DataFrame({
        "activation": activation, "budget": budget, "depth": depth, "width": width, "seed": range(seeds),
        "best_accuracy": acc.max(0).values.numpy(), "final_accuracy": acc[-1].numpy(),
        "success": hit.any(0).numpy(), "steps_to_success": torch.where(hit.any(0), first, -1).numpy(),
        "final_loss": res.final_loss.numpy(), "diverged": res.diverged.numpy()})}
