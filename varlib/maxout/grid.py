"""Grid estimate of maxout region counts: the authors' way (their pictures and "approximate number").

Evaluate every network on a steps x steps grid over a 2D box (or a 2D slice of a larger input), and count the
distinct activation patterns met. A region that holds no grid point is missed, so the estimate undercounts
small regions; the exact counter is :func:`varlib.maxout.regions.count_regions`.
"""
from __future__ import annotations

import torch

from varlib.core.checks import check_int
from varlib.core.runtime import small_op_threads
from varlib.maxout.geometry import Box, box_bounds, plane_basis
from varlib.maxout.nets import MaxoutParams, activation_pattern

__all__ = ["box_grid", "grid_region_count"]

Tensor = torch.Tensor


def box_grid(box: Box = (-3.0, 3.0), steps: int = 300) -> Tensor:
    """A steps x steps grid over the box, (steps^2, 2), float64."""
    check_int("steps", steps, 2)
    xlo, xhi, ylo, yhi = box_bounds(box)
    gx = torch.linspace(xlo, xhi, steps, dtype=torch.float64)
    gy = torch.linspace(ylo, yhi, steps, dtype=torch.float64)
    return torch.cartesian_prod(gx, gy)


def grid_region_count(params: MaxoutParams, box: Box = (-3.0, 3.0), steps: int = 300, plane=None,
                      chunk: int = 8192) -> Tensor:
    """Approximate region count per net, (E,): distinct activation patterns on a steps x steps grid
    (as the authors' pictures). Patterns are hashed by summing random 64-bit keys per
    (unit, feature). It misses regions that hold no grid point, so it undercounts."""
    A0, c0 = plane_basis(params, plane)
    x = (box_grid(box, steps) @ A0.T + c0).to(params.out_weight.device)
    N = sum(params.widths)
    keys = torch.randint(-2**62, 2**62, (N, params.K), generator=torch.Generator().manual_seed(0)).to(x.device)
    with small_op_threads():
        hashes = torch.cat([keys[torch.arange(N, device=x.device), activation_pattern(params, xc)].sum(-1)
                            for xc in x.split(chunk)], 1)                              # (E, steps^2)
        return torch.tensor([len(torch.unique(h)) for h in hashes])
