"""Batched convex polygons in the plane, for the exact region counter of :mod:`varlib.maxout.regions`.

A batch of R convex polygons is ``P (R, V, 2)`` with ``nv (R,)`` valid vertices per row (counter-clockwise,
padded after ``nv``). Operations: Sutherland-Hodgman clipping by half-planes (:func:`clip_polygons`), shoelace areas,
minimal widths (:func:`polygon_widths`), the chord of a polygon on a line, clipping of segments, and a test for shared
edges.
"""
from __future__ import annotations

from typing import Sequence

import torch

from varlib.maxout.nets import MaxoutParams

__all__ = ["Box", "WIDTH_TOL", "LENGTH_TOL", "slice_plane", "box_bounds", "box_size", "plane_basis", "check_labels",
           "clip_polygons", "polygon_areas", "polygon_widths", "pad_cat", "share_edge", "level_segments",
           "clip_segments"]

Tensor = torch.Tensor
Box = Sequence[float]

#: A polygon is a region if its minimal width exceeds WIDTH_TOL times the box's longer side (the exact counter of
#: :mod:`varlib.maxout.regions`, whose docstring says why 1e-9); the LP oracle keeps a cell that holds a disc of
#: that diameter.
WIDTH_TOL = 1e-9
#: A decision-boundary piece counts if it is longer than LENGTH_TOL times the box's longer side.
LENGTH_TOL = 1e-9


# ----------------------------------------------------------------------------- planes and boxes
def slice_plane(p1, p2, p3) -> tuple[Tensor, Tensor]:
    """The plane through three points (as the authors' MNIST slice): x = B u + origin, origin = centroid, B (n0, 2) an
    orthonormal basis of span(p2 - p1, p3 - p1) (from the SVD, as ``scipy.linalg.orth``)."""
    p = torch.stack([torch.as_tensor(q, dtype=torch.float64).flatten() for q in (p1, p2, p3)])
    D = torch.stack([p[1] - p[0], p[2] - p[0]], 1)                 # (n0, 2)
    U, S, _ = torch.linalg.svd(D, full_matrices=False)
    if D.shape[0] < 2 or S[1] <= 1e-10 * max(float(S[0]), 1e-300):
        raise ValueError("slice points p1, p2, p3 must be distinct and not collinear (they span no plane)")
    return U, p.mean(0)


def box_bounds(box: Box) -> tuple[float, float, float, float]:
    """(lo, hi) for a square or (xlo, xhi, ylo, yhi) -> (xlo, xhi, ylo, yhi)."""
    b = [float(v) for v in box]
    if len(b) == 2:
        b = b * 2
    if len(b) != 4 or b[0] >= b[1] or b[2] >= b[3]:
        raise ValueError(f"box must be (lo, hi) or (xlo, xhi, ylo, yhi) with lo < hi, got {box!r}")
    return b[0], b[1], b[2], b[3]


def box_size(box: tuple[float, float, float, float]) -> float:
    """The length the tolerances are relative to: the longer side of a box (xlo, xhi, ylo, yhi)."""
    xlo, xhi, ylo, yhi = box
    return max(xhi - xlo, yhi - ylo)


def plane_basis(params: MaxoutParams, plane) -> tuple[Tensor, Tensor]:
    if plane is None:
        if params.n0 != 2:
            raise ValueError(f"input dimension n0 = {params.n0} != 2: pass plane=slice_plane(p1, p2, p3)")
        return torch.eye(2, dtype=torch.float64), torch.zeros(2, dtype=torch.float64)
    A0, c0 = (torch.as_tensor(t, dtype=torch.float64) for t in plane)
    if A0.shape != (params.n0, 2) or c0.shape != (params.n0,):
        raise ValueError(f"plane must be (basis (n0, 2), origin (n0,)) with n0 = {params.n0}")
    return A0, c0

def check_labels(labels, m: int) -> list[int]:
    labels = list(range(m)) if labels is None else [int(v) for v in labels]
    if len(labels) < 2 or len(set(labels)) != len(labels) or not all(0 <= v < m for v in labels):
        raise ValueError(f"labels must be >= 2 distinct output indices in [0, {m}), got {labels!r}")
    return labels


def _next_index(nv: Tensor, V: int) -> Tensor:
    """(R, V): index of each vertex's successor, cyclic over the nv valid vertices of each row."""
    i = torch.arange(V, device=nv.device)
    return torch.where(i + 1 < nv[:, None], i + 1, 0)


def _take(P: Tensor, idx: Tensor) -> Tensor:
    """P (R, V, 2), idx (R, W) -> (R, W, 2)."""
    return P.gather(1, idx[..., None].expand(-1, -1, 2))


def _compact(pts: Tensor, mask: Tensor) -> tuple[Tensor, Tensor]:
    """Move the masked points of each row to the front, in order (stable sort); trim the padding."""
    nv = mask.sum(1)
    V = int(nv.max()) if len(nv) else 0
    order = torch.argsort((~mask).to(torch.int8), dim=1, stable=True)[:, :V]
    return _take(pts, order), nv


def clip_polygons(P: Tensor, nv: Tensor, a: Tensor, b: Tensor) -> tuple[Tensor, Tensor]:
    """Sutherland-Hodgman: clip convex polygons P (R, V, 2) by the half-planes a.u + b >= 0, a (R, 2), b (R,).

    Keeps vertices with s = a.u + b >= 0 and adds P + t (P_next - P), t = s / (s - s_next), on every edge
    whose endpoints have strictly opposite signs; the output stays in boundary order.
    """
    R, V, _ = P.shape
    valid = torch.arange(V, device=nv.device) < nv[:, None]
    nxt = _next_index(nv, V)
    s = torch.einsum("rvd,rd->rv", P, a) + b[:, None]
    s_next = s.gather(1, nxt)
    cross = valid & (((s > 0) & (s_next < 0)) | ((s < 0) & (s_next > 0)))
    t = s / torch.where(cross, s - s_next, torch.ones_like(s))
    X = P + t[..., None] * (_take(P, nxt) - P)
    pts = torch.stack([P, X], 2).reshape(R, 2 * V, 2)
    return _compact(pts, torch.stack([valid & (s >= 0), cross], 2).reshape(R, 2 * V))


def polygon_areas(P: Tensor, nv: Tensor) -> Tensor:
    """Shoelace area of each polygon (positive for counter-clockwise order): (R,)."""
    Q = _take(P, _next_index(nv, P.shape[1]))
    cr = P[..., 0] * Q[..., 1] - P[..., 1] * Q[..., 0]
    return 0.5 * torch.where(torch.arange(P.shape[1], device=nv.device) < nv[:, None], cr, 0.0).sum(1)


def polygon_widths(P: Tensor, nv: Tensor) -> Tensor:
    """Minimal width of each convex polygon (the narrowest strip that holds it): (R,), 0 for a polygon whose
    vertices all coincide.

    The narrowest strip of a convex polygon has one side flush with an edge, so the width is the minimum over
    edges of the polygon's extent along the edge's unit normal. The extent (max - min of the projections)
    is at least the minimal width along *any* direction, so a near-duplicate vertex, whose edge direction is
    rounding noise, cannot make the result smaller than the true width. Cost O(R V^2).
    """
    V = P.shape[1]
    valid = torch.arange(V, device=nv.device) < nv[:, None]                      # (R, V)
    e = _take(P, _next_index(nv, V)) - P                                          # (R, V, 2) edge vectors
    length = e.norm(dim=-1)
    edge_ok = valid & (length > 0)
    normal = torch.stack([-e[..., 1], e[..., 0]], -1) / torch.where(edge_ok, length, 1.0)[..., None]
    proj = torch.einsum("rid,rvd->riv", normal, P - P[:, :1])                      # (R, edges, vertices)
    hi = torch.where(valid[:, None], proj, -torch.inf).amax(-1)
    lo = torch.where(valid[:, None], proj, torch.inf).amin(-1)
    w = torch.where(edge_ok, hi - lo, torch.inf).amin(-1) if V else torch.zeros_like(nv, dtype=P.dtype)
    return torch.where(edge_ok.any(1), w, torch.zeros_like(w))


def pad_cat(*Ps: Tensor) -> Tensor:
    V = max(P.shape[1] for P in Ps)
    return torch.cat([torch.nn.functional.pad(P, (0, 0, 0, V - P.shape[1])) for P in Ps])


def _cross(u: Tensor, v: Tensor) -> Tensor:
    return u[..., 0] * v[..., 1] - u[..., 1] * v[..., 0]


def share_edge(P1: Tensor, nv1: Tensor, P2: Tensor, nv2: Tensor, tol: float) -> Tensor:
    """(M,) whether polygons P1[i] and P2[i] share a boundary segment longer than ``tol``: some edge of
    each lies on one line (distances <= tol) and their projections overlap by more than tol."""
    a, b = P1[:, :, None], _take(P1, _next_index(nv1, P1.shape[1]))[:, :, None]        # (M, V1, 1, 2)
    p, q = P2[:, None], _take(P2, _next_index(nv2, P2.shape[1]))[:, None]               # (M, 1, V2, 2)
    d = b - a
    L = d.norm(dim=-1).clamp_min(1e-300)
    on = (_cross(d, p - a).abs() <= tol * L) & (_cross(d, q - a).abs() <= tol * L)
    tp, tq = ((p - a) * d).sum(-1) / L**2, ((q - a) * d).sum(-1) / L**2
    overlap = (torch.minimum(torch.maximum(tp, tq), torch.ones_like(tp))
               - torch.maximum(torch.minimum(tp, tq), torch.zeros_like(tp))) * L > tol
    ar = lambda V: torch.arange(V, device=nv1.device)  # noqa: E731
    valid = (ar(P1.shape[1]) < nv1[:, None])[:, :, None] & (ar(P2.shape[1]) < nv2[:, None])[:, None]
    return (on & overlap & valid).flatten(1).any(1)


def level_segments(P: Tensor, nv: Tensor, a: Tensor, b: Tensor) -> tuple[Tensor, Tensor]:
    """The chord {a.u + b = 0} of each convex polygon: endpoints (R, 2, 2) and whether it exists (R,)."""
    V = P.shape[1]
    nxt = _next_index(nv, V)
    s = torch.einsum("rvd,rd->rv", P, a) + b[:, None]
    s_next = s.gather(1, nxt)
    cross = (torch.arange(V, device=nv.device) < nv[:, None]) & ((s >= 0) != (s_next >= 0))
    t = s / torch.where(cross, s - s_next, torch.ones_like(s))
    X = P + t[..., None] * (_take(P, nxt) - P)
    first2 = torch.argsort((~cross).to(torch.int8), dim=1, stable=True)[:, :2]
    return _take(X, first2), cross.sum(1) >= 2


def clip_segments(seg: Tensor, alive: Tensor, a: Tensor, b: Tensor) -> tuple[Tensor, Tensor]:
    """Keep the part of each segment (R, 2, 2) where a.u + b >= 0."""
    v = torch.einsum("rsd,rd->rs", seg, a) + b[:, None]
    alive = alive & ~((v[:, 0] < 0) & (v[:, 1] < 0))
    t = torch.where(v < 0, v / torch.where(v < 0, v - v.flip(1), torch.ones_like(v)), torch.zeros_like(v))
    return seg + t[..., None] * (seg.flip(1) - seg), alive
