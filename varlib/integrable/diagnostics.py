"""Diagnostics of abc-MLPs: coord check across widths, relative weight change, ranks.

Split from :mod:`varlib.integrable` (which re-exports every name here). Definitions:

* coord check (microsoft/mup's README): mean |h^l| per layer over training steps, across widths;
  flat curves mean a width-stable parameterization;
* relative weight change ||w_t - w_0||_F / ||w_0||_F (the multiplier m^{-a} cancels);
* numerical rank (singular values above rtol * sigma_max), stable rank ||M||_F^2 / ||M||_op^2 and the
  authors' squared-trace rank (sum sigma^2)^2 / sum sigma^4 (their rank notebooks).
"""
from __future__ import annotations

from typing import Sequence

import pandas as pd
import torch

from varlib.integrable.family import Parameterization
from varlib.integrable.nets import abc_forward, init_params, initial_draws
from varlib.integrable.sgd import train_abc

__all__ = ["coord_check", "relative_weight_change", "numerical_rank", "stable_rank", "squared_trace_rank",
           "rank_table", "update_ranks", "preactivation_ranks"]

def coord_check(p: Parameterization, widths: Sequence[int], batches: Sequence, activation="relu",
                eta: float = 0.01, *, seed: int = 0, eta0: float | None = None,
                probe: torch.Tensor | None = None) -> pd.DataFrame:
    """mean |h^l| per layer over training steps across widths (the muP "coord check").

    Each width starts from its own seeded draws and trains on the same ``batches``. Tidy output:
    columns ``width, step, layer, mean_abs``; layer L+1 is the output f. Probe: batch 0's inputs.
    """
    x0 = batches[0][0]
    probe = x0 if probe is None else probe
    frames = []
    for m in widths:
        draws = initial_draws(x0.shape[1], m, _n_classes(batches), p.L, seed)
        params = init_params(p, draws, activation, dtype=x0.dtype)
        _, hist = train_abc(p, params, batches, activation, eta, eta0=eta0, probe=probe)
        long = hist.drop(columns="loss").melt(id_vars="step", var_name="layer", value_name="mean_abs")
        long["layer"] = long["layer"].map(lambda s: p.L + 1 if s == "f" else int(s[1:]))
        frames.append(long.assign(width=m))
    return pd.concat(frames, ignore_index=True)[["width", "step", "layer", "mean_abs"]]


def _n_classes(batches) -> int:
    return int(max(int(y.max()) for _, y in batches)) + 1


def relative_weight_change(params0, params) -> dict[str, float]:
    """||w_t - w_0||_F / ||w_0||_F per tensor (the multiplier m^{-a} cancels)."""
    return {k: ((params[k] - v).norm() / v.norm()).item() for k, v in params0.items()}


def _singular_values(M: torch.Tensor) -> torch.Tensor:
    return torch.linalg.svdvals(M.double())


def numerical_rank(M: torch.Tensor, rtol: float | None = None, s: torch.Tensor | None = None) -> int:
    """Number of singular values above ``rtol * sigma_max`` (computed in float64).

    Default ``rtol = max(M.shape) * eps(float32)``: the tolerance ``torch.matrix_rank`` applies to the
    float32 tensors of the authors' rank notebooks, so small contributions such as
    the O(m^{-1/2}) share of the initial weights are not counted. Pass ``rtol`` for another convention.
    ``s``: the singular values, if already computed.
    """
    rtol = max(M.shape) * torch.finfo(torch.float32).eps if rtol is None else rtol
    s = _singular_values(M) if s is None else s
    return int((s > rtol * s[0]).sum()) if s.numel() and s[0] > 0 else 0


def stable_rank(M: torch.Tensor, s: torch.Tensor | None = None) -> float:
    """||M||_F^2 / ||M||_op^2 = sum sigma_i^2 / sigma_1^2."""
    s = _singular_values(M) if s is None else s
    return (s.pow(2).sum() / s[0] ** 2).item()


def squared_trace_rank(M: torch.Tensor, s: torch.Tensor | None = None) -> float:
    """(sum sigma_i^2)^2 / sum sigma_i^4 (the authors' "squared-trace rank")."""
    s2 = (_singular_values(M) if s is None else s).pow(2)
    return (s2.sum() ** 2 / s2.pow(2).sum()).item()


def _rank_row(name: str, M: torch.Tensor, rtol: float | None) -> dict:
    s = _singular_values(M)
    return {"name": name, "numerical_rank": numerical_rank(M, rtol, s), "stable_rank": stable_rank(M, s),
            "squared_trace_rank": squared_trace_rank(M, s)}


def rank_table(mats: dict[str, torch.Tensor], rtol: float | None = None) -> pd.DataFrame:
    """One row per matrix: ``name, numerical_rank, stable_rank, squared_trace_rank``."""
    return pd.DataFrame([_rank_row(k, M, rtol) for k, M in mats.items()])


def update_ranks(params0, params1, rtol: float | None = None) -> pd.DataFrame:
    """Ranks of the weight updates Delta w^l = w^l(1) - w^l(0), l = 1..L+1."""
    return rank_table({k: params1[k] - v for k, v in params0.items() if k.startswith("w")}, rtol)


def preactivation_ranks(p: Parameterization, params, x: torch.Tensor, activation="relu",
                        rtol: float | None = None) -> pd.DataFrame:
    """Ranks of the hidden pre-activation matrices h^l (B, m), l = 1..L, over the inputs x."""
    with torch.no_grad():
        _, hs = abc_forward(p, params, x, activation, return_preactivations=True)
    return rank_table({f"h{l}": h for l, h in enumerate(hs, start=1)}, rtol)
