"""Activation regions, linear regions and decision boundaries of maxout networks in a 2D plane.

Definitions (Tseran & Montufar 2021, "On the Expected Complexity of Maxout Networks", arXiv 2107.00379;
our spec ``shared/papers/maxout.md`` sections 1.1-1.2):

* A hidden unit z of rank K computes ``max_k zeta_{z,k}(x)``, ``zeta_{z,k} = w_{z,k} . h_{l-1}(x) + b_{z,k}``.
  A ReLU is the rank-2 unit with the second feature fixed at 0 (:func:`as_relu`). The last layer is linear.
* An *activation pattern* J picks one maximising feature per unit; its *activation region* is the set of
  inputs where every picked feature attains its unit's max. For fixed J all constraints are affine, so each
  region is a convex polygon in a 2D plane. We count patterns whose region has positive area.
* A *linear region* is a maximal connected set on which the network is affine: adjacent activation regions
  with identical output map merged (spec 1.2).
* A *decision-boundary piece* is an (activation region, class pair {i, j}) for which
  ``{f_i = f_j >= f_k for the other k in the label set}`` meets the region in a segment of positive length;
  this is how the authors' code counts (spec 1.2, 2.2 step 4).

Exact counting (spec 6.1) clips convex polygons layer by layer and unit by unit, batched over regions and
over networks, in float64: no grid and no LP. A unit whose maximising feature is the same at every vertex of
a polygon does not cut it (differences of affine maps are extreme at vertices). :func:`count_regions_lp` is
the slow LP-feasibility oracle of spec 2.2, for tests and benchmarks on small nets only.

Parameters are plain tensors with the ensemble axis first (:class:`MaxoutParams`): hidden weights
``(E, n_l, K, n_{l-1})``, hidden biases ``(E, n_l, K)``, output weight ``(E, m, n_last)``, bias ``(E, m)``.
Initialisations (spec 3.1): ``relu_he``, ``maxout_he``, ``sphere``, ``many_regions``.
"""
from __future__ import annotations

import math
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Callable, Sequence

import numpy as np
import torch

from varlib.activations import maxout_second_moment
from varlib.runtime import member_generator

__all__ = ["MaxoutParams", "INITS", "split_widths", "init_maxout_net", "as_relu", "maxout_forward",
           "activation_pattern", "slice_plane", "Regions", "activation_regions", "linear_region_count",
           "DecisionBoundary", "decision_boundary", "count_regions", "grid_points", "grid_region_count",
           "count_regions_lp"]

Tensor = torch.Tensor
Box = Sequence[float]


@dataclass(frozen=True)
class MaxoutParams:
    """A batch of E maxout networks: ``weights[l]`` (E, n_l, K, n_{l-1}), ``biases[l]`` (E, n_l, K),
    ``out_weight`` (E, m, n_last), ``out_bias`` (E, m)."""

    weights: tuple[Tensor, ...]
    biases: tuple[Tensor, ...]
    out_weight: Tensor
    out_bias: Tensor

    @property
    def E(self) -> int:
        return self.out_weight.shape[0]

    @property
    def K(self) -> int:
        return self.weights[0].shape[2]

    @property
    def n0(self) -> int:
        return self.weights[0].shape[3]

    @property
    def widths(self) -> tuple[int, ...]:
        return tuple(w.shape[1] for w in self.weights)


def split_widths(N: int, depth: int) -> list[int]:
    """Split N units over ``depth`` layers: floor(N/depth) each, remainder one each to the first layers
    (spec 1.1; N = 20, depth 3 -> [7, 7, 6])."""
    if not isinstance(depth, int) or depth < 1:
        raise ValueError(f"depth must be a positive integer, got {depth!r}")
    if not isinstance(N, int) or N < depth:
        raise ValueError(f"N must be an integer >= depth = {depth} (at least one unit per layer), got {N!r}")
    return [N // depth + (1 if i < N % depth else 0) for i in range(depth)]


# ----------------------------------------------------------------------------- initialisations (spec 3.1)
def _gauss(g: torch.Generator, shape, std: float) -> Tensor:
    return torch.randn(shape, generator=g, dtype=torch.float64) * std


def _he_like(gain2: Callable[[int], float]):
    def init(g, n_in, n_out, K, zero_bias, legacy):
        std = math.sqrt(gain2(K) / n_in)
        w = _gauss(g, (n_out, K, n_in), std)
        b = _gauss(g, (n_out, K), std)
        return w, (torch.zeros_like(b) if zero_bias else b)
    return init


def _sphere(g, n_in, n_out, K, zero_bias, legacy):
    """(w, b) ~ maxout-He per feature, divided by ||(w, b)||, then b <- |b| - 1/sqrt(K n_in).
    ``legacy``: the authors' norm ||w + b 1|| (a broadcast, not a concatenation; spec 3.1 quirk)."""
    std = math.sqrt(1.0 / (maxout_second_moment(K) * n_in))
    w, b = _gauss(g, (n_out, K, n_in), std), _gauss(g, (n_out, K), std)
    norm = (w + b[..., None]).norm(dim=-1) if legacy else torch.cat([w, b[..., None]], -1).norm(dim=-1)
    return w / norm[..., None], (b / norm).abs() - 1.0 / math.sqrt(K * n_in)


def _many_regions(g, n_in, n_out, K, zero_bias, legacy):
    """w_j = v cos(pi j/K + 0.01 eps_j), b_j = sin(pi j/K + 0.01 eps'_j), v ~ N(0, c_K/n_in I), j = 1..K."""
    std = math.sqrt(1.0 / (maxout_second_moment(K) * n_in))
    v = _gauss(g, (n_out, 1, n_in), std)
    angle = math.pi * torch.arange(1, K + 1, dtype=torch.float64) / K
    w = v * torch.cos(angle + 0.01 * _gauss(g, (n_out, K), 1.0))[..., None]
    return w, torch.sin(angle + 0.01 * _gauss(g, (n_out, K), 1.0))


INITS = {
    "relu_he": _he_like(lambda K: 2.0),
    "maxout_he": _he_like(lambda K: 1.0 / maxout_second_moment(K)),
    "sphere": _sphere,
    "many_regions": _many_regions,
}


def _draw_net(g, n0, widths, K, m, init, zero_bias, legacy):
    fn, ws, bs, n_in = INITS[init], [], [], n0
    for n in widths:
        w, b = fn(g, n_in, n, K, zero_bias, legacy)
        ws, bs, n_in = ws + [w], bs + [b], n
    w_out, b_out = _he_like(lambda K: 2.0)(g, n_in, m, 1, zero_bias, legacy)   # output: N(0, 2/fan_in)
    return ws, bs, w_out[:, 0], b_out[:, 0]


def init_maxout_net(n0: int, widths: Sequence[int], K: int, *, m: int = 2, init: str = "maxout_he",
                    E: int = 1, seed: int = 0, zero_bias: bool = False,
                    legacy_sphere_norm: bool = False) -> MaxoutParams:
    """E maxout nets ``n0 -> widths -> m``, initialised as in spec 3.1 (table) with
    c_K = 1/E[(max of K N(0,1))^2] from :func:`varlib.activations.maxout_second_moment`.

    Weights and biases of hidden layers ~ N(0, gain/fan_in), gain = 2 (``relu_he``) or c_K
    (``maxout_he``); ``sphere`` and ``many_regions`` as in :func:`_sphere`, :func:`_many_regions`.
    ``zero_bias`` applies to ``relu_he``/``maxout_he`` and to the output layer. Net r is drawn from
    ``member_generator(seed, r)``, so it does not depend on E.
    """
    if init not in INITS:
        raise ValueError(f"unknown init {init!r}; allowed: {', '.join(INITS)}")
    _check_int("K", K, 2)
    _check_int("n0", n0, 1), _check_int("m", m, 1), _check_int("E", E, 1)
    if len(widths) == 0:
        raise ValueError("widths must list at least one hidden layer width")
    for n in widths:
        _check_int("width", n, 1)
    nets = [_draw_net(member_generator(seed, r), n0, list(widths), K, m, init, zero_bias, legacy_sphere_norm)
            for r in range(E)]
    stack = lambda i, l=None: torch.stack([net[i] if l is None else net[i][l] for net in nets])  # noqa: E731
    L = range(len(widths))
    return MaxoutParams(tuple(stack(0, l) for l in L), tuple(stack(1, l) for l in L), stack(2), stack(3))


def _check_int(name: str, value, low: int) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < low:
        raise ValueError(f"{name} must be an integer >= {low}, got {value!r}")


def as_relu(params: MaxoutParams) -> MaxoutParams:
    """ReLU nets as rank-2 maxout nets: feature 1 of every hidden unit set to 0, so max(zeta_0, 0)."""
    if params.K != 2:
        raise ValueError(f"as_relu needs rank K = 2 parameters, got K = {params.K}")
    ws = tuple(torch.stack([w[:, :, 0], torch.zeros_like(w[:, :, 0])], 2) for w in params.weights)
    bs = tuple(torch.stack([b[:, :, 0], torch.zeros_like(b[:, :, 0])], 2) for b in params.biases)
    return MaxoutParams(ws, bs, params.out_weight, params.out_bias)


# ----------------------------------------------------------------------------- forward pass
def _hidden(params: MaxoutParams, x: Tensor):
    """Yield (h, choice) per hidden layer; x (E, B, n0) -> h (E, B, n_l), choice (E, B, n_l)."""
    h = x
    for w, b in zip(params.weights, params.biases):
        zeta = torch.einsum("enkp,ebp->ebnk", w, h) + b[:, None]
        h, choice = zeta.max(dim=-1)
        yield h, choice


def _batch_input(params: MaxoutParams, x: Tensor) -> Tensor:
    x = torch.as_tensor(x, dtype=params.out_weight.dtype)
    return x.expand(params.E, *x.shape) if x.dim() == 2 else x


def maxout_forward(params: MaxoutParams, x: Tensor) -> Tensor:
    """Network outputs f(x): x (B, n0) or (E, B, n0) -> (E, B, m)."""
    h = _batch_input(params, x)
    for h, _ in _hidden(params, h):
        pass
    return torch.einsum("emp,ebp->ebm", params.out_weight, h) + params.out_bias[:, None]


def activation_pattern(params: MaxoutParams, x: Tensor) -> Tensor:
    """The maximising feature of every hidden unit: x (B, n0) or (E, B, n0) -> (E, B, N) int64."""
    return torch.cat([c for _, c in _hidden(params, _batch_input(params, x))], dim=-1)


# ----------------------------------------------------------------------------- planes and boxes
def slice_plane(p1, p2, p3) -> tuple[Tensor, Tensor]:
    """The plane through three points (spec 2.1): x = B u + origin, origin = centroid, B (n0, 2) an
    orthonormal basis of span(p2 - p1, p3 - p1) (from the SVD, as ``scipy.linalg.orth``)."""
    p = torch.stack([torch.as_tensor(q, dtype=torch.float64).flatten() for q in (p1, p2, p3)])
    D = torch.stack([p[1] - p[0], p[2] - p[0]], 1)                 # (n0, 2)
    U, S, _ = torch.linalg.svd(D, full_matrices=False)
    if D.shape[0] < 2 or S[1] <= 1e-10 * max(float(S[0]), 1e-300):
        raise ValueError("slice points p1, p2, p3 must be distinct and not collinear (they span no plane)")
    return U, p.mean(0)


def _box(box: Box) -> tuple[float, float, float, float]:
    """(lo, hi) for a square or (xlo, xhi, ylo, yhi) -> (xlo, xhi, ylo, yhi)."""
    b = [float(v) for v in box]
    if len(b) == 2:
        b = b * 2
    if len(b) != 4 or b[0] >= b[1] or b[2] >= b[3]:
        raise ValueError(f"box must be (lo, hi) or (xlo, xhi, ylo, yhi) with lo < hi, got {box!r}")
    return b[0], b[1], b[2], b[3]


def _plane(params: MaxoutParams, plane) -> tuple[Tensor, Tensor]:
    if plane is None:
        if params.n0 != 2:
            raise ValueError(f"input dimension n0 = {params.n0} != 2: pass plane=slice_plane(p1, p2, p3)")
        return torch.eye(2, dtype=torch.float64), torch.zeros(2, dtype=torch.float64)
    A0, c0 = (torch.as_tensor(t, dtype=torch.float64) for t in plane)
    if A0.shape != (params.n0, 2) or c0.shape != (params.n0,):
        raise ValueError(f"plane must be (basis (n0, 2), origin (n0,)) with n0 = {params.n0}")
    return A0, c0


# ----------------------------------------------------------------------------- convex polygons, batched
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


def _clip(P: Tensor, nv: Tensor, a: Tensor, b: Tensor) -> tuple[Tensor, Tensor]:
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


def _areas(P: Tensor, nv: Tensor) -> Tensor:
    """Shoelace area of each polygon (positive for counter-clockwise order): (R,)."""
    Q = _take(P, _next_index(nv, P.shape[1]))
    cr = P[..., 0] * Q[..., 1] - P[..., 1] * Q[..., 0]
    return 0.5 * torch.where(torch.arange(P.shape[1], device=nv.device) < nv[:, None], cr, 0.0).sum(1)


def _pad_cat(*Ps: Tensor) -> Tensor:
    V = max(P.shape[1] for P in Ps)
    return torch.cat([torch.nn.functional.pad(P, (0, 0, 0, V - P.shape[1])) for P in Ps])


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
        return _areas(self.polygons, self.nv)


def _feature_maps(A: Tensor, c: Tensor, net: Tensor, W: Tensor, b: Tensor) -> tuple[Tensor, Tensor]:
    """Features of every unit as affine maps of u on every region: G (R, n, K, 2), g0 (R, n, K).
    A (R, p, 2), c (R, p) map u to the layer input; W (E, n, K, p), b (E, n, K); ``net`` sorted."""
    sizes = torch.bincount(net, minlength=W.shape[0]).tolist()
    parts = [(torch.einsum("nkp,rpd->rnkd", W[e], Ae), torch.einsum("nkp,rp->rnk", W[e], ce) + b[e])
             for e, (Ae, ce) in enumerate(zip(A.split(sizes), c.split(sizes))) if sizes[e]]
    return torch.cat([G for G, _ in parts]), torch.cat([g for _, g in parts])


def _children(P, nv, G, g, tol):
    """Replicate each cut polygon K times; child k is clipped by zeta_k - zeta_j >= 0 for every j != k.
    Returns the surviving children and, for each, its source row and k."""
    R, K = g.shape
    src, k = torch.arange(R, device=nv.device).repeat_interleave(K), torch.arange(K, device=nv.device).repeat(R)
    P, nv, G, g, rows = P[src], nv[src], G[src], g[src], torch.arange(R * K, device=nv.device)
    for i in range(K - 1):
        j = i + (i >= k).long()
        P, nv = _clip(P, nv, G[rows, k] - G[rows, j], g[rows, k] - g[rows, j])
    ok = (nv >= 3) & (_areas(P, nv) > tol)
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
        P, nv, choice = _pad_cat(P, cP), torch.cat([nv, cnv]), torch.cat([choice, cchoice])
        parent = torch.cat([parent, parent[idx[src]]])
        alive = torch.cat([alive, torch.ones_like(k, dtype=torch.bool)])
    keep = alive.nonzero().squeeze(1)
    keep = keep[torch.argsort(net[parent[keep]], stable=True)]          # keep regions sorted by net
    P, nv, parent, choice = P[keep], nv[keep], parent[keep], choice[keep]
    A = G[parent].gather(2, choice[..., None, None].expand(-1, -1, 1, 2)).squeeze(2)   # (R, n, 2)
    c = g0[parent].gather(2, choice[..., None]).squeeze(2)                              # (R, n)
    return P, nv, parent, choice, A, c


def activation_regions(params: MaxoutParams, box: Box = (-3.0, 3.0), plane=None,
                       area_tol: float | None = None) -> Regions:
    """Exact activation regions of every net in ``box`` (plane coordinates), by batched polygon clipping.

    ``plane``: None for a 2D input, else (B (n0, 2), origin (n0,)) from :func:`slice_plane`, x = B u + o.
    Regions of area <= ``area_tol`` (default 3e-12 * box area, i.e. 1e-10 for [-3, 3]^2) are dropped.
    Cost: about 0.08 s per net for N = 100, depth 3, K = 2 on one CPU thread (0.6 s for K = 5).
    """
    with _one_thread():
        return _activation_regions(params, _box(box), _plane(params, plane), area_tol)


@contextmanager
def _one_thread():
    """Run with one intra-op thread: the ops are many and small, and two threads on a shared 2-core box
    made the counter 20x slower (0.8 s vs 17 s for 10 nets, N = 100). The thread count is restored."""
    n = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(n)


def _activation_regions(params, box, plane, area_tol) -> Regions:
    (xlo, xhi, ylo, yhi), (A0, c0) = box, plane
    tol = 3e-12 * (xhi - xlo) * (yhi - ylo) if area_tol is None else float(area_tol)
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
def _cross(u: Tensor, v: Tensor) -> Tensor:
    return u[..., 0] * v[..., 1] - u[..., 1] * v[..., 0]


def _share_edge(P1: Tensor, nv1: Tensor, P2: Tensor, nv2: Tensor, tol: float) -> Tensor:
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


def _same_map_pairs(regions: Regions, rtol: float) -> Tensor:
    """(M, 2) pairs of regions of one net whose output maps agree after rounding to rtol * max|map|."""
    key = torch.cat([regions.out_A.flatten(1), regions.out_c], 1)
    q = torch.round(key / (rtol * key.abs().max().clamp_min(1e-300))).long()
    _, group = torch.unique(torch.cat([regions.net[:, None], q], 1), dim=0, return_inverse=True)
    sizes = torch.bincount(group)
    shared = (sizes > 1).nonzero().squeeze(1).tolist()
    pairs = [torch.combinations((group == gi).nonzero().squeeze(1)) for gi in shared]
    return torch.cat(pairs) if pairs else torch.empty(0, 2, dtype=torch.long, device=group.device)


def linear_region_count(regions: Regions, rtol: float = 1e-9) -> Tensor:
    """Number of linear regions per net, (E,): connected components of the graph whose nodes are the
    activation regions and whose edges join adjacent regions (a shared edge of positive length) with the
    same output map f(u) = A u + c (spec 1.2: merge adjacent regions with identical affine map). For
    generic nets this equals the activation-region count."""
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    pairs = _same_map_pairs(regions, rtol)
    if len(pairs):
        P, nv = regions.polygons, regions.nv
        tol = 1e-9 * max(regions.box[1] - regions.box[0], regions.box[3] - regions.box[2])
        pairs = pairs[_share_edge(P[pairs[:, 0]], nv[pairs[:, 0]], P[pairs[:, 1]], nv[pairs[:, 1]], tol)]
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


def _level_segment(P: Tensor, nv: Tensor, a: Tensor, b: Tensor) -> tuple[Tensor, Tensor]:
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


def _clip_segment(seg: Tensor, alive: Tensor, a: Tensor, b: Tensor) -> tuple[Tensor, Tensor]:
    """Keep the part of each segment (R, 2, 2) where a.u + b >= 0."""
    v = torch.einsum("rsd,rd->rs", seg, a) + b[:, None]
    alive = alive & ~((v[:, 0] < 0) & (v[:, 1] < 0))
    t = torch.where(v < 0, v / torch.where(v < 0, v - v.flip(1), torch.ones_like(v)), torch.zeros_like(v))
    return seg + t[..., None] * (seg.flip(1) - seg), alive


def _label_pairs(labels, m: int) -> list[int]:
    labels = list(range(m)) if labels is None else [int(v) for v in labels]
    if len(labels) < 2 or len(set(labels)) != len(labels) or not all(0 <= v < m for v in labels):
        raise ValueError(f"labels must be >= 2 distinct output indices in [0, {m}), got {labels!r}")
    return labels


def decision_boundary(regions: Regions, labels: Sequence[int] | None = None,
                      length_tol: float = 1e-9) -> DecisionBoundary:
    """Pieces of the decision boundary of argmax_{i in labels} f_i (spec 1.2, authors' convention): for
    each activation region and pair {i, j} of ``labels``, the segment {f_i = f_j} in the region, clipped
    by f_i >= f_k for the other k in ``labels``, counts if longer than ``length_tol``. ``labels=None``: all
    outputs (the code's choice for m = 2; for an MNIST slice pass the 3 slice labels)."""
    A, c = regions.out_A, regions.out_c
    labels = _label_pairs(labels, A.shape[1])
    out = []
    for i, j in ((i, j) for n, i in enumerate(labels) for j in labels[n + 1:]):
        seg, alive = _level_segment(regions.polygons, regions.nv, A[:, i] - A[:, j], c[:, i] - c[:, j])
        for k in labels:
            if k not in (i, j):
                seg, alive = _clip_segment(seg, alive, A[:, i] - A[:, k], c[:, i] - c[:, k])
        r = (alive & ((seg[:, 1] - seg[:, 0]).norm(dim=-1) > length_tol)).nonzero().squeeze(1)
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
    return pd.DataFrame({"net": range(params.E), "regions": regions.counts.numpy(),
                         "linear_regions": linear_region_count(regions).numpy(),
                         "db_pieces": decision_boundary(regions, labels).counts.numpy()})


# ----------------------------------------------------------------------------- grid estimate (spec 2.3)
def grid_points(box: Box = (-3.0, 3.0), steps: int = 300) -> Tensor:
    """A steps x steps grid over the box, (steps^2, 2), float64."""
    _check_int("steps", steps, 2)
    xlo, xhi, ylo, yhi = _box(box)
    gx = torch.linspace(xlo, xhi, steps, dtype=torch.float64)
    gy = torch.linspace(ylo, yhi, steps, dtype=torch.float64)
    return torch.cartesian_prod(gx, gy)


def grid_region_count(params: MaxoutParams, box: Box = (-3.0, 3.0), steps: int = 300, plane=None,
                      chunk: int = 8192) -> Tensor:
    """Approximate region count per net, (E,): distinct activation patterns on a steps x steps grid
    (as the authors' pictures; spec 2.3). Patterns are hashed by summing random 64-bit keys per
    (unit, feature). It misses regions that hold no grid point, so it undercounts."""
    A0, c0 = _plane(params, plane)
    x = (grid_points(box, steps) @ A0.T + c0).to(params.out_weight.device)
    N = sum(params.widths)
    keys = torch.randint(-2**62, 2**62, (N, params.K), generator=torch.Generator().manual_seed(0)).to(x.device)
    with _one_thread():
        hashes = torch.cat([keys[torch.arange(N, device=x.device), activation_pattern(params, xc)].sum(-1)
                            for xc in x.split(chunk)], 1)                              # (E, steps^2)
        return torch.tensor([len(torch.unique(h)) for h in hashes])


# ----------------------------------------------------------------------------- LP oracle (spec 2.2)
def _chebyshev_radius(H: np.ndarray, h: np.ndarray) -> float:
    """Radius of the largest disc in {u : H u <= h} (0 if empty), by one HiGHS LP."""
    from scipy.optimize import linprog

    norms = np.linalg.norm(H, axis=1, keepdims=True)
    res = linprog([0.0, 0.0, -1.0], A_ub=np.hstack([H, norms]), b_ub=h,
                  bounds=[(None, None), (None, None), (0, None)], method="highs")
    return float(-res.fun) if res.status == 0 else 0.0


def _lp_children(region, Wz: np.ndarray, bz: np.ndarray, radius_tol: float) -> list:
    """Children of one region for one unit: for each k, add zeta_j - zeta_k <= 0 (j != k); keep if a disc
    of radius > radius_tol fits. Features identical on the region (e.g. a dead ReLU, 0 = 0) go to the
    first index, as argmax does."""
    H, h, A, c, rows, offs = region
    G, g = Wz @ A, Wz @ c + bz                                                    # (K, 2), (K,)
    same = (np.abs(G[:, None] - G[None]).max(-1) <= 1e-12) & (np.abs(g[:, None] - g[None]) <= 1e-12)
    out = []
    for k in range(len(g)):
        if same[k, :k].any():
            continue
        o = [j for j in range(len(g)) if j != k]
        Hk, hk = np.vstack([H, G[o] - G[k]]), np.concatenate([h, g[k] - g[o]])
        if _chebyshev_radius(Hk, hk) > radius_tol:
            out.append((Hk, hk, A, c, rows + [G[k]], offs + [g[k]]))
    return out


def _lp_db_pieces(regions: list, Wo: np.ndarray, bo: np.ndarray, labels: list[int]) -> int:
    """Feasibility LPs {f_i = f_j, f_i >= f_k (other labels)} in each region, as the authors' code."""
    from scipy.optimize import linprog

    count = 0
    for H, h, A, c in regions:
        F, f = Wo @ A, Wo @ c + bo
        for n, i in enumerate(labels):
            for j in labels[n + 1:]:
                o = [k for k in labels if k not in (i, j)]
                Hk, hk = np.vstack([H, F[o] - F[i]]), np.concatenate([h, f[i] - f[o]])
                res = linprog([0.0, 0.0], A_ub=Hk, b_ub=hk, A_eq=(F[i] - F[j])[None], b_eq=[f[j] - f[i]],
                              bounds=[(None, None)] * 2, method="highs")
                count += res.status == 0
    return count


def count_regions_lp(params: MaxoutParams, box: Box = (-3.0, 3.0), plane=None, net: int = 0,
                     labels: Sequence[int] | None = None, radius_tol: float = 1e-9) -> tuple[int, int]:
    """(activation regions, DB pieces) of network ``net`` by LP feasibility (spec 2.2), the independent
    oracle for tests: regions are refined unit by unit; a pattern is kept if its constraints (in plane
    coordinates, with the box) admit a disc of radius > ``radius_tol``. About K * R LPs per unit:
    small nets only."""
    xlo, xhi, ylo, yhi = _box(box)
    A0, c0 = (t.numpy() for t in _plane(params, plane))
    labels = _label_pairs(labels, params.out_weight.shape[1])
    regions = [(np.array([[1.0, 0], [-1, 0], [0, 1], [0, -1]]), np.array([xhi, -xlo, yhi, -ylo]), A0, c0)]
    for W, b in zip(params.weights, params.biases):
        W, b = W[net].double().numpy(), b[net].double().numpy()
        current = [(H, h, A, c, [], []) for H, h, A, c in regions]
        for z in range(W.shape[0]):
            current = [kid for reg in current for kid in _lp_children(reg, W[z], b[z], radius_tol)]
        regions = [(H, h, np.array(rows), np.array(offs)) for H, h, _, _, rows, offs in current]
    Wo, bo = params.out_weight[net].double().numpy(), params.out_bias[net].double().numpy()
    return len(regions), _lp_db_pieces(regions, Wo, bo, labels)
