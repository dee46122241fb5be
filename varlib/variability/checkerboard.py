"""The variability chapter's stylised problem, a checkerboard on [-1, 1]^2, and its training study.

The k x k checkerboard has labels +-1 = 2 ((i + j) mod 2) - 1 for cell (i, j), sampled on an m x m grid
of cell-interior points; :func:`train_checkerboard` fits family members to it with full-batch Adam on the
logistic loss and records success (training accuracy >= ``success_acc``) per seed, and whether the run
diverged or ended at chance (:func:`failed_runs`).

*Diverged*: the loss became NaN or +-inf (:func:`~varlib.core.training.train_ensemble` then froze the net), or it
rose above ``min(DIVERGED_LOSS_FACTOR * max(initial loss, ln 2), DIVERGED_LOSS_CAP)`` = min(1e3 x max(L0, ln 2),
1e6) at some step. ln 2 is the logistic loss of the zero function, so the bound is never under about 693: a sane
run starts near ln 2 and goes down; a net whose mean logistic loss is that high has outputs of that size on the
wrong side, which only a blown-up optimiser produces. A run whose accuracy is NaN (no evidence) counts as
diverged too. *At chance*: the final training accuracy is within ``CHANCE_MARGIN`` = 0.05 of
``CHANCE_ACCURACY`` = 0.5 (labels +-1, balanced on an even board).
"""
from __future__ import annotations

import math

import torch

from varlib.core.checks import check_int
from varlib.variability.measures import check_activation, family_width

__all__ = ["checkerboard", "train_checkerboard", "failed_runs", "divergence_bound", "DIVERGED_LOSS_FACTOR",
           "DIVERGED_LOSS_CAP", "CHANCE_ACCURACY", "CHANCE_MARGIN"]

#: A run diverged when its loss exceeds this multiple of max(initial loss, ln 2) (or :data:`DIVERGED_LOSS_CAP`).
DIVERGED_LOSS_FACTOR = 1e3
#: ... or this absolute logistic loss, whatever the initial loss (no sane run on the checkerboard reaches it).
DIVERGED_LOSS_CAP = 1e6
#: Chance accuracy of the +-1 checkerboard (two balanced classes) and the margin that counts as "at chance".
CHANCE_ACCURACY = 0.5
CHANCE_MARGIN = 0.05


def divergence_bound(initial_loss):
    """The loss above which a run counts as diverged: min(1e3 x max(initial loss, ln 2), 1e6), elementwise
    (numbers, numpy arrays, pandas series or torch tensors). NaN for a NaN initial loss (that run is diverged
    anyway: its loss is not finite)."""
    if isinstance(initial_loss, torch.Tensor):
        return (DIVERGED_LOSS_FACTOR * initial_loss.clamp_min(math.log(2))).clamp_max(DIVERGED_LOSS_CAP)
    import numpy as np

    return np.minimum(DIVERGED_LOSS_FACTOR * np.maximum(initial_loss, math.log(2)), DIVERGED_LOSS_CAP)


def failed_runs(runs):
    """Per run of a runs table (:func:`train_checkerboard`): ``diverged`` and ``at_chance`` flags (a DataFrame).

    Judged from the table's columns, so a table stored or built elsewhere is judged alike: diverged when the
    stored ``diverged`` flag is set (or missing), a loss (``initial_loss``, ``max_loss``, ``final_loss``) is not
    finite, ``max_loss`` or ``final_loss`` exceeds :func:`divergence_bound` of ``initial_loss``, or an accuracy
    (``best_accuracy``, ``final_accuracy``) is NaN; at chance when ``|final_accuracy - 0.5| <= 0.05``.
    """
    import numpy as np
    import pandas as pd

    loss = runs[["initial_loss", "max_loss", "final_loss"]].to_numpy(float)
    acc = runs[["best_accuracy", "final_accuracy"]].to_numpy(float)
    bound = divergence_bound(loss[:, 0])
    with np.errstate(invalid="ignore"):
        exploded = (loss[:, 1] > bound) | (loss[:, 2] > bound)
    flag = runs.diverged.to_numpy(object)
    stored = np.array([bool(f) if f == f and f is not None else True for f in flag], dtype=bool)
    diverged = stored | ~np.isfinite(loss).all(1) | exploded | np.isnan(acc).any(1)
    at_chance = np.abs(acc[:, 1] - CHANCE_ACCURACY) <= CHANCE_MARGIN
    return pd.DataFrame({"diverged": diverged, "at_chance": at_chance}, index=runs.index)


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
    the same weights as variability draw r of :func:`variability_draws` with the same seed. Each row also holds
    the run's ``initial_loss``, ``max_loss`` (largest finite loss), ``final_loss`` (NaN once diverged),
    ``diverged`` and ``diverged_at`` (first step whose loss was non-finite or above :func:`divergence_bound`,
    -1 if none) and ``at_chance`` (rules in the module docstring).
    """
    import pandas as pd

    from varlib.core.ensemble import init_mlp_ensemble
    from varlib.core.training import accuracy_pm1, train_ensemble

    check_activation(activation)
    if not 0 < success_acc <= 1:
        raise ValueError(f"success_acc must be in (0, 1], got {success_acc!r}")
    width = family_width(budget, depth, activation)
    ens = init_mlp_ensemble(seeds, depth, width, activation, sigma_b=sigma_b, seed=seed, device=device)
    x, y = checkerboard(board, train_grid, device=ens.weights[0].device)
    res = train_ensemble(ens, x, y, steps=steps, lr=lr, metric=accuracy_pm1, eval_every=eval_every,
                         progress=progress, desc=f"{activation} L={depth}")
    acc = res.metrics.double()                                          # (n_evals, R)
    hit = acc >= success_acc
    first = torch.tensor(res.eval_steps)[hit.int().argmax(0)]
    losses = res.losses                                                 # (steps, R), NaN once diverged
    over = ~torch.isfinite(losses) | (losses > divergence_bound(losses[0]))
    top = losses.nan_to_num(nan=-math.inf).max(0).values
    runs = pd.DataFrame({
        "activation": activation, "budget": budget, "depth": depth, "width": width, "seed": range(seeds),
        "best_accuracy": acc.max(0).values.numpy(), "final_accuracy": acc[-1].numpy(),
        "success": hit.any(0).numpy(), "steps_to_success": torch.where(hit.any(0), first, -1).numpy(),
        "initial_loss": losses[0].numpy(), "max_loss": top.where(top > -math.inf, math.nan).numpy(),
        "final_loss": res.final_loss.numpy(), "diverged": (res.diverged | over.any(0)).numpy(),
        "diverged_at": torch.where(over.any(0), over.int().argmax(0), -1).numpy()})
    failed = failed_runs(runs)
    runs["diverged"], runs["at_chance"] = failed.diverged, failed.at_chance
    return {"runs": runs}
