"""Activation regions, linear regions and decision boundaries of maxout networks in a 2D plane.

Definitions (Tseran & Montufar, "On the Expected Complexity of Maxout Networks", NeurIPS 2021, arXiv 2107.00379,
and the authors' code; the networks live in :mod:`varlib.maxout.nets`):

* An *activation pattern* J picks one maximising feature per unit; its *activation region* is the set of
  inputs where every picked feature attains its unit's max. For fixed J all constraints are affine, so each
  region is a convex polygon in a 2D plane.
* A *linear region* is a maximal connected set on which the network is affine: adjacent activation regions
  with identical output map merged.
* A *decision-boundary piece* is an (activation region, class pair {i, j}) for which
  ``{f_i = f_j >= f_k for the other k in the label set}`` meets the region in a segment of positive length;
  this is how the authors' code counts.

Exact counting clips convex polygons layer by layer and unit by unit, batched over regions and
over networks, in float64: no grid, no sampling and no LP. A unit whose maximising feature is the same at every
vertex of a polygon does not cut it (differences of affine maps are extreme at vertices).

What "exact" means. Every count is exact up to one tolerance, relative to the box's longer side S:

* a polygon is a region if its *minimal width* (the narrowest strip that holds it) exceeds
  :data:`WIDTH_TOL` = 1e-9 S (6e-9 for the box [-3, 3]^2, 1e-7 for [-50, 50]^2);
* a decision-boundary piece counts if it is longer than :data:`LENGTH_TOL` = 1e-9 S, and two regions are adjacent
  (for linear regions) if they share an edge longer than 1e-9 S.

The tolerances are scale-free: scaling the first layer by 1/s and the box by s changes no count. Why 1e-9 (measured
on 2.3 million polygon pieces of 672 random nets: maxout-He, sphere, many-regions and zero-bias ReLU
initialisations, K = 2 to 5, depth 2 to 5, boxes of half-width 3, 50 and 1000, the input plane and random slices):

* float64 noise is far below it: every piece that rounding produced (a tie through a vertex, three features tying
  at one point) had width exactly 0, and no positive width was below 8.9e-11 S;
* real regions are far above it in the boxes we use: none thinner than 3e-8 S in [-3, 3]^2, none thinner than
  1.7e-9 S in [-50, 50]^2. Thin regions become rarer about tenfold per decade of width, so the rule may drop a
  real region about once in a few million pieces at half-width 50, and more often in boxes much larger than the
  arrangement (7 pieces thinner than 1e-9 S at half-width 1000);
* the LP oracle can still decide at 1e-9 S (its solver's feasibility tolerance is 1e-10 S).

The former rule, area above 3e-12 S^2 (3e-8 in [-50, 50]^2), dropped real regions of width 7e-9 S to 1.4e-6 S:
in 102 of 160 random 40-unit nets in [-50, 50]^2 and in 14 of 64 60-unit nets (K = 3) in [-3, 3]^2 (the LP oracle
agrees with the new counts on the nine of them we checked).

:func:`count_regions_lp` (:mod:`varlib.maxout.lp`) is an LP-feasibility counter after the authors' code, for tests
and benchmarks only; it keeps a pattern if a disc of diameter 1e-9 S fits in it, so both counters mean the same
thing by "a region". The counter in the authors' shipped code is not a reference for exactness: it asks the
maximising feature to win by 1e-6 in value (a scale-dependent margin that drops regions thinner than about 1e-6
over the gradient difference) and counts a pattern as no region whenever its interior-point LP fails or raises
any warning, so it drops regions where its solver fails.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np
import torch

from varlib.core.runtime import small_op_threads
from varlib.maxout.geometry import (LENGTH_TOL, WIDTH_TOL, Box, box_bounds, box_size, check_labels, clip_polygons,
                                    clip_segments, level_segments, pad_cat, plane_basis, polygon_areas, polygon_widths,
                                    share_edge)
from varlib.maxout.nets import MaxoutParams

__all__ = ["Regions", "activation_regions", "linear_region_count", "DecisionBoundary", "decision_boundary",
           "count_regions", "WIDTH_TOL", "LENGTH_TOL"]

Tensor = torch.Tensor


# ----------------------------------------------------------------------------- exact activation regions
@dataclass(frozen=True)
class Regions:
    """Activation regions of E nets in a 2D plane (plane coordinates u).

    ``polygons`` (R, V, 2) counter-clockwise, the first ``nv[r]`` vertices valid; ``net`` (R,) network
    index; ``pattern`` (R, N) maximising feature per hidden unit; on region r the output is
    f(u) = ``out_A[r]`` u + ``out_c[r]``, shapes (R, m, 2) and (R, m); ``box`` (xlo, xhi, ylo, yhi).
    """

    polygons: Tensor
    nv: Tensor
    net: Tensor
    pattern: Tensor
    out_A: Tensor
    out_c: Tensor
    box: tuple[float, float, float, float]
    E: int

    @property
    def counts(self) -> Tensor:
        """Number of activation regions per net, (E,)."""
        return torch.bincount(self.net, minlength=self.E)

    def areas(self) -> Tensor:
        return polygon_areas(self.polygons, self.nv)


def _feature_maps(A: Tensor, c: Tensor, net: Tensor, W: Tensor, b: Tensor) -> tuple[Tensor, Tensor]:
    """Features of every unit as affine maps of u on every region: G (R, n, K, 2), g0 (R, n, K).
    A (R, p, 2), c (R, p) map u to the layer input; W (E, n, K, p), b (E, n, K); ``net`` sorted."""
    sizes = torch.bincount(net, minlength=W.shape[0]).tolist()
    parts = [(torch.einsum("nkp,rpd->rnkd", W[e], Ae), torch.einsum("nkp,rp->rnk", W[e], ce) + b[e])
             for e, (Ae, ce) in enumerate(zip(A.split(sizes), c.split(sizes))) if sizes[e]]
    return torch.cat([G for G, _ in parts]), torch.cat([g for _, g in parts])


def _children(P, nv, G, g, tol):
    """Replicate each cut polygon K times; child k is clipped by zeta_k - zeta_j >= 0 for every j != k.
    Returns the children wider than ``tol = (width, diameter)`` (absolute: the width tolerance and the box's
    diagonal) and, for each, its source row and k.

    A convex polygon of width w and diameter D has area at most w D, so one of area above width * diameter is
    wider than the tolerance: only the few children below that area have their width computed."""
    R, K = g.shape
    src, k = torch.arange(R, device=nv.device).repeat_interleave(K), torch.arange(K, device=nv.device).repeat(R)
    P, nv, G, g, rows = P[src], nv[src], G[src], g[src], torch.arange(R * K, device=nv.device)
    for i in range(K - 1):
        j = i + (i >= k).long()
        P, nv = clip_polygons(P, nv, G[rows, k] - G[rows, j], g[rows, k] - g[rows, j])
    width, diameter = tol
    ok = (nv >= 3) & (polygon_areas(P, nv) > width * diameter)
    thin = ((nv >= 3) & ~ok).nonzero().squeeze(1)
    ok[thin] = polygon_widths(P[thin], nv[thin]) > width
    return P[ok], nv[ok], src[ok], k[ok]


def _winners(P: Tensor, G: Tensor, g: Tensor) -> Tensor:
    """Index of the maximal feature at every vertex: P (R, V, 2), G (R, K, 2), g (R, K) -> (R, V)."""
    return (torch.einsum("rvd,rkd->rvk", P, G) + g[:, None]).argmax(-1)


def _unit_cuts(P: Tensor, nv: Tensor, G: Tensor, g0: Tensor, chunk: int = 8) -> tuple[Tensor, Tensor]:
    """For every region and unit: does the unit's winner vary over the polygon's vertices, (R, n) bool,
    and its winner at vertex 0, (R, n). Computed in chunks of units to bound memory."""
    valid = (torch.arange(P.shape[1], device=nv.device) < nv[:, None])[:, :, None]
    cuts, first = [], []
    for z in range(0, G.shape[1], chunk):
        win = (torch.einsum("rvd,rnkd->rvnk", P, G[:, z:z + chunk]) + g0[:, None, z:z + chunk]).argmax(-1)
        cuts.append(((win != win[:, :1]) & valid).any(1))
        first.append(win[:, 0])
    return torch.cat(cuts, 1), torch.cat(first, 1)


def _split_layer(P, nv, net, A, c, W, b, tol):
    """One hidden layer: split every region unit by unit, then compose the chosen features' maps.

    A polygon whose winning feature is the same at every vertex is not cut by the unit (differences of
    affine maps are extreme at vertices), and neither is any piece of a layer-start polygon that the unit
    does not cut; only those pieces are tested. A cut polygon is retired and its children are appended.
    ``parent`` indexes the layer-start regions, whose feature maps G, g0 all pieces share.
    """
    G, g0 = _feature_maps(A, c, net, W, b)
    parent_cut, choice = _unit_cuts(P, nv, G, g0)
    parent, alive = torch.arange(len(nv), device=nv.device), torch.ones_like(nv, dtype=torch.bool)
    for z in range(W.shape[1]):
        cand = (parent_cut[parent, z] & alive).nonzero().squeeze(1)
        Gp, gp = G[parent[cand], z], g0[parent[cand], z]
        win = _winners(P[cand], Gp, gp)
        choice[cand, z] = win[:, 0]
        cut = ((win != win[:, :1]) & (torch.arange(P.shape[1], device=nv.device) < nv[cand, None])).any(1)
        idx = cand[cut]
        if len(idx) == 0:
            continue
        alive[idx] = False
        cP, cnv, src, k = _children(P[idx], nv[idx], Gp[cut], gp[cut], tol)
        cchoice = choice[idx[src]]
        cchoice[:, z] = k
        P, nv, choice = pad_cat(P, cP), torch.cat([nv, cnv]), torch.cat([choice, cchoice])
        parent = torch.cat([parent, parent[idx[src]]])
        alive = torch.cat([alive, torch.ones_like(k, dtype=torch.bool)])
    keep = alive.nonzero().squeeze(1)
    keep = keep[torch.argsort(net[parent[keep]], stable=True)]          # keep regions sorted by net
    P, nv, parent, choice = P[keep], nv[keep], parent[keep], choice[keep]
    units = torch.arange(choice.shape[1], device=nv.device)[None, :]
    A = G[parent[:, None], units, choice]        # (R, n, 2), without materialising G[parent] (R, n, K, 2)
    c = g0[parent[:, None], units, choice]       # (R, n)
    return P, nv, parent, choice, A, c


def activation_regions(params: MaxoutParams, box: Box = (-3.0, 3.0), plane=None,
                       width_tol: float = WIDTH_TOL) -> Regions:
    """Exact activation regions of every net in ``box`` (plane coordinates), by batched polygon clipping.

    ``plane``: None for a 2D input, else (B (n0, 2), origin (n0,)) from :func:`slice_plane`, x = B u + o.
    A polygon is kept if its minimal width exceeds ``width_tol`` times the box's longer side (module docstring).
    Cost: about 0.08 s per net for N = 100, depth 3, K = 2 on one CPU thread (0.6 s for K = 5).
    """
    with small_op_threads():
        return _activation_regions(params, box_bounds(box), plane_basis(params, plane), width_tol)


def _activation_regions(params, box, plane, width_tol) -> Regions:
    (xlo, xhi, ylo, yhi), (A0, c0) = box, plane
    tol = float(width_tol) * box_size((xlo, xhi, ylo, yhi)), ((xhi - xlo) ** 2 + (yhi - ylo) ** 2) ** 0.5
    E = params.E
    dev = params.out_weight.device
    square = torch.tensor([[xlo, ylo], [xhi, ylo], [xhi, yhi], [xlo, yhi]], dtype=torch.float64, device=dev)
    P, nv, net = square.expand(E, 4, 2), torch.full((E,), 4, device=dev), torch.arange(E, device=dev)
    A0, c0 = A0.to(dev), c0.to(dev)
    A, c = A0.expand(E, *A0.shape), c0.expand(E, *c0.shape)
    pattern = torch.empty(E, 0, dtype=torch.long, device=dev)
    for W, b in zip(params.weights, params.biases):
        P, nv, parent, choice, A, c = _split_layer(P, nv, net, A, c, W.double(), b.double(), tol)
        net, pattern = net[parent], torch.cat([pattern[parent], choice], 1)
    Wo = params.out_weight.double()[net]
    out_c = torch.einsum("rmp,rp->rm", Wo, c) + params.out_bias.double()[net]
    return Regions(P, nv, net, pattern, torch.einsum("rmp,rpd->rmd", Wo, A), out_c, (xlo, xhi, ylo, yhi), E)


# ----------------------------------------------------------------------------- linear regions
def _same_map_pairs(regions: Regions, rtol: float, tol: float) -> Tensor:
    """(M, 2) candidate pairs for merging: regions of one net whose output maps agree after rounding to
    rtol * max|map| and whose bounding boxes, widened by ``tol``, touch (a shared edge longer than tol needs both).

    A sweep along u_1 within each same-map group: regions sorted by their left end, region k is paired with the
    regions after it whose left end is at most its right end; the pairs are then kept if their u_2 ranges touch.
    The pairs are those of every two regions of a group whose boxes touch, not all pairs of a group: a collapsed deep
    net has groups of thousands of regions sharing one map, millions of pairs, almost none adjacent.
    """
    key = torch.cat([regions.out_A.flatten(1) * box_size(regions.box), regions.out_c], 1)   # both in output units
    q = torch.round(key / (rtol * key.abs().max().clamp_min(1e-300))).long()
    _, group = torch.unique(torch.cat([regions.net[:, None], q], 1), dim=0, return_inverse=True)
    group = group.cpu().numpy()
    shared = np.flatnonzero(np.bincount(group)[group] > 1)          # regions whose map another region shares
    group = group[shared]
    P, nv = regions.polygons[torch.as_tensor(shared, device=regions.nv.device)], regions.nv[shared]
    valid = torch.arange(P.shape[1], device=nv.device) < nv[:, None]                               # (S, V)
    inf = torch.tensor(float("inf"), dtype=P.dtype, device=nv.device)
    lo = torch.where(valid[..., None], P, inf).amin(1).cpu().numpy()                              # (S, 2)
    hi = torch.where(valid[..., None], P, -inf).amax(1).cpu().numpy()                             # (S, 2)
    xlo = regions.box[0]
    span = box_size(regions.box) + 1.0
    # left ends, shifted so that each group sits in its own interval of the line: one sorted array for all groups
    start = group * span + (lo[:, 0] - xlo)
    order = np.argsort(start, kind="stable")
    reach = np.searchsorted(start[order], (group * span + (hi[:, 0] - xlo) + 2 * tol)[order], side="right")
    first = np.arange(len(order)) + 1
    n = np.maximum(reach - first, 0)                                                     # later boxes in range
    i = np.repeat(np.arange(len(order)), n)
    j = i + 1 + (np.arange(n.sum()) - np.repeat(np.cumsum(n) - n, n))
    a, b = order[i], order[j]
    near = (lo[b, 1] <= hi[a, 1] + 2 * tol) & (lo[a, 1] <= hi[b, 1] + 2 * tol) & (group[a] == group[b])
    pairs = np.stack([shared[a[near]], shared[b[near]]], 1)
    return torch.as_tensor(pairs, dtype=torch.long, device=regions.net.device).reshape(-1, 2)


def linear_region_count(regions: Regions, rtol: float = 1e-9) -> Tensor:
    """Number of linear regions per net, (E,): connected components of the graph whose nodes are the
    activation regions and whose edges join adjacent regions (a shared edge of positive length) with the
    same output map f(u) = A u + c (adjacent regions with identical affine map merged). For
    generic nets this equals the activation-region count."""
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    tol = 1e-9 * box_size(regions.box)
    pairs = _same_map_pairs(regions, rtol, tol)
    if len(pairs):
        P, nv = regions.polygons, regions.nv
        pairs = pairs[share_edge(P[pairs[:, 0]], nv[pairs[:, 0]], P[pairs[:, 1]], nv[pairs[:, 1]], tol)]
    R = len(regions.nv)
    graph = coo_matrix((np.ones(len(pairs)), (pairs[:, 0].cpu().numpy(), pairs[:, 1].cpu().numpy())), shape=(R, R))
    _, label = connected_components(graph, directed=False)
    first = np.unique(label, return_index=True)[1]
    return torch.bincount(regions.net[torch.as_tensor(first, device=regions.net.device)], minlength=regions.E)


# ----------------------------------------------------------------------------- decision boundary
@dataclass(frozen=True)
class DecisionBoundary:
    """Linear pieces of the decision boundary: ``segments`` (S, 2, 2) in plane coordinates, with the
    activation region (S,), network (S,) and class pair (S, 2) of each piece."""

    segments: Tensor
    region: Tensor
    net: Tensor
    pair: Tensor
    E: int

    @property
    def counts(self) -> Tensor:
        """Number of decision-boundary pieces per net, (E,)."""
        return torch.bincount(self.net, minlength=self.E)




def decision_boundary(regions: Regions, labels: Sequence[int] | None = None,
                      length_tol: float = LENGTH_TOL) -> DecisionBoundary:
    """Pieces of the decision boundary of argmax_{i in labels} f_i (the authors' convention): for
    each activation region and pair {i, j} of ``labels``, the segment {f_i = f_j} in the region, clipped
    by f_i >= f_k for the other k in ``labels``, counts if longer than ``length_tol`` times the box's longer side.
    ``labels=None``: all outputs (the code's choice for m = 2; for an MNIST slice pass the 3 slice labels)."""
    A, c = regions.out_A, regions.out_c
    labels = check_labels(labels, A.shape[1])
    tol, out = float(length_tol) * box_size(regions.box), []
    for i, j in ((i, j) for n, i in enumerate(labels) for j in labels[n + 1:]):
        seg, alive = level_segments(regions.polygons, regions.nv, A[:, i] - A[:, j], c[:, i] - c[:, j])
        for k in labels:
            if k not in (i, j):
                seg, alive = clip_segments(seg, alive, A[:, i] - A[:, k], c[:, i] - c[:, k])
        r = (alive & ((seg[:, 1] - seg[:, 0]).norm(dim=-1) > tol)).nonzero().squeeze(1)
        out.append((seg[r], r, torch.tensor([i, j], device=r.device).expand(len(r), 2)))
    region = torch.cat([r for _, r, _ in out])
    return DecisionBoundary(torch.cat([s for s, _, _ in out]), region, regions.net[region],
                            torch.cat([p for _, _, p in out]), regions.E)


def count_regions(params: MaxoutParams, box: Box = (-3.0, 3.0), plane=None,
                  labels: Sequence[int] | None = None):
    """Exact counts per net as a tidy table: columns ``net``, ``regions`` (activation regions),
    ``linear_regions``, ``db_pieces``. See :func:`activation_regions` and :func:`decision_boundary`."""
    import pandas as pd

    regions = activation_regions(params, box, plane)
    return pd.DataFrame({"net": range(params.E), "regions": regions.counts.cpu().numpy(),
                         "linear_regions": linear_region_count(regions).cpu().numpy(),
                         "db_pieces": decision_boundary(regions, labels).counts.cpu().numpy()})


