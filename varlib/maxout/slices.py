"""Region counts over a 2D slice of *parameter* space (Tseran & Montufar 2021, Figure 1 right).

The paper shows the number of linear regions of a 3-layer maxout net in a fixed input box as a function of a
2D affine slice of parameter space. The slice's construction is in the paper's Appendix K, which we have not
seen; we take the most direct reading:

    theta(xi_1, xi_2) = theta_0 + xi_1 theta_1 + xi_2 theta_2,     (xi_1, xi_2) in [-extent, extent]^2,

with theta_0, theta_1, theta_2 three independent draws of the same initialisation (every weight and bias of
every layer, the output layer included). Every grid point is one network; all of them are counted exactly by
:func:`varlib.maxout.regions.count_regions`, in batches of ``chunk`` networks.

Maxout units are positively homogeneous: multiplying the first layer's weights and every hidden bias by
c > 0 multiplies every pre-activation by c and keeps every activation pattern, so the counts are constant
along such rescalings (a test checks this).
"""
from __future__ import annotations

import numpy as np
import pandas as pd
import torch

from varlib.core.checks import check_int
from varlib.maxout.nets import MaxoutParams, init_maxout_net, split_widths
from varlib.maxout.regions import activation_regions, count_regions, decision_boundary

__all__ = ["parameter_plane", "parameter_slice_counts", "slice_examples", "neighbour_correlation"]


def parameter_plane(base: MaxoutParams, xi: torch.Tensor) -> MaxoutParams:
    """The nets ``theta_0 + xi[:, 0] theta_1 + xi[:, 1] theta_2`` for the three nets of ``base`` (E = 3),
    one per row of ``xi`` (P, 2): a batch of P nets."""
    if base.E != 3:
        raise ValueError(f"base must hold exactly 3 nets (theta_0, theta_1, theta_2), got E = {base.E}")
    if xi.dim() != 2 or xi.shape[1] != 2:
        raise ValueError(f"xi must have shape (P, 2), got {tuple(xi.shape)}")

    def combine(t: torch.Tensor) -> torch.Tensor:
        c = xi.to(t).view(-1, 2, *([1] * (t.dim() - 1)))
        return t[0] + c[:, 0] * t[1] + c[:, 1] * t[2]

    return MaxoutParams(tuple(map(combine, base.weights)), tuple(map(combine, base.biases)),
                        combine(base.out_weight), combine(base.out_bias))


def _base(K: int, N: int, depth: int, init: str, seed: int) -> MaxoutParams:
    return init_maxout_net(2, split_widths(N, depth), K, init=init, E=3, seed=seed)


def parameter_slice_counts(*, K: int, N: int, depth: int = 3, steps: int = 32, extent: float = 1.0,
                           init: str = "maxout_he", box: float = 3.0, seed: int = 0,
                           chunk: int = 256, device: str | torch.device = "cpu") -> pd.DataFrame:
    """Exact counts in [-box, box]^2 of the nets on a ``steps`` x ``steps`` grid of the parameter plane
    (module docstring) of N-unit, depth-``depth``, rank-K nets, counted on ``device`` (drawn on the CPU): one
    row per grid point with columns ``xi1``, ``xi2``, ``regions``, ``linear_regions``, ``db_pieces``."""
    check_int("steps", steps, 2)
    check_int("chunk", chunk, 1)
    if not extent > 0:
        raise ValueError(f"extent must be > 0, got {extent!r}")
    base = _base(K, N, depth, init, seed).to(device)
    axis = torch.linspace(-extent, extent, steps, dtype=torch.float64)
    xi = torch.cartesian_prod(axis, axis)                                     # (steps^2, 2), xi2 fastest
    tables = [count_regions(parameter_plane(base, part), (-box, box)) for part in xi.split(chunk)]
    table = pd.concat(tables, ignore_index=True).drop(columns="net")
    return table.assign(xi1=xi[:, 0].numpy(), xi2=xi[:, 1].numpy())[
        ["xi1", "xi2", "regions", "linear_regions", "db_pieces"]]


def slice_examples(table: pd.DataFrame, *, K: int, N: int, depth: int = 3, init: str = "maxout_he",
                   box: float = 3.0, seed: int = 0) -> list[tuple]:
    """Panels for :func:`varlib.maxout.plots.region_pictures`: the input-space regions and decision boundary
    of the grid points of ``table`` with the fewest and the most regions: (label, regions, boundary, net, xi)."""
    picks = table.loc[[table.regions.idxmin(), table.regions.idxmax()]]
    xi = torch.tensor(picks[["xi1", "xi2"]].to_numpy(), dtype=torch.float64)
    regions = activation_regions(parameter_plane(_base(K, N, depth, init, seed), xi), (-box, box))
    boundary = decision_boundary(regions)
    return [(f"ξ = ({r.xi1:.2f}, {r.xi2:.2f}): {int(regions.counts[i])} regions", regions, boundary, i,
             (r.xi1, r.xi2)) for i, r in enumerate(picks.itertuples())]


def neighbour_correlation(table: pd.DataFrame, column: str = "regions") -> float:
    """Pearson correlation of ``column`` between horizontally and vertically adjacent grid points of a
    :func:`parameter_slice_counts` table (pooled): near 1 when the counts form patches, near 0 for noise."""
    grid = table.pivot(index="xi2", columns="xi1", values=column).to_numpy(dtype=float)
    a = np.concatenate([grid[:, :-1].ravel(), grid[:-1, :].ravel()])
    b = np.concatenate([grid[:, 1:].ravel(), grid[1:, :].ravel()])
    return float(np.corrcoef(a, b)[0, 1]) if a.std() > 0 and b.std() > 0 else float("nan")
