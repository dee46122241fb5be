"""Tests for varlib.maxout.regions and varlib.maxout.bounds: exact partitions, closed-form counts, the grid and LP
counters, the initialisations, and the authors' demo numbers (their README)."""
import itertools
import math

import numpy as np
import pytest
import torch

from varlib.core.activations import maxout_second_moment
from varlib.maxout import (MaxoutParams, activation_pattern, activation_regions, as_relu, authors_demo_net,
                           count_regions, count_regions_lp, decision_boundary, grid_region_count, init_maxout_net,
                           linear_region_count, maxout_forward, slice_plane, split_widths)
from varlib.maxout.geometry import WIDTH_TOL, polygon_widths
from varlib.maxout.bounds import (bias_density_constant, complexity_bounds, db_bound, db_bound_with_k,
                                  db_bound_without_k, gradient_constant, max_regions_one_layer, region_bound,
                                  region_bound_with_k, region_bound_without_k)


def _one_layer(W, b, m=2, seed=0):
    """A batch of one net with a single hidden layer W (n, K, 2), b (n, K) and a random output layer."""
    g = torch.Generator().manual_seed(seed)
    n = W.shape[0]
    return MaxoutParams((W[None].double(),), (b[None].double(),),
                        torch.randn(1, m, n, generator=g, dtype=torch.float64),
                        torch.randn(1, m, generator=g, dtype=torch.float64))


def _centroids(regions):
    P, nv = regions.polygons, regions.nv
    valid = (torch.arange(P.shape[1]) < nv[:, None])[..., None]
    return (P * valid).sum(1) / nv[:, None]


# ----------------------------------------------------------------------------- partitions are exact
@pytest.mark.parametrize("K,init", [(2, "maxout_he"), (3, "sphere"), (5, "many_regions"), (2, "relu_he")])
def test_region_areas_sum_to_box_area(K, init):
    params = init_maxout_net(2, [6, 5, 4], K, init=init, E=3, seed=1)
    regions = activation_regions(params, box=(-2.0, 3.0, -1.0, 0.5))
    per_net = torch.zeros(3, dtype=torch.float64).index_add_(0, regions.net, regions.areas())
    assert torch.allclose(per_net, torch.full((3,), 5.0 * 1.5, dtype=torch.float64), rtol=1e-10)
    assert (regions.areas() > 0).all()


def test_region_maps_and_patterns_match_the_forward_pass():
    params = init_maxout_net(2, [5, 4], 3, m=3, E=2, seed=2)
    regions = activation_regions(params)
    u = _centroids(regions)
    for e in range(2):
        r = (regions.net == e).nonzero().squeeze(1)
        f = maxout_forward(params, u[r])[e]
        assert torch.allclose(f, torch.einsum("rmd,rd->rm", regions.out_A[r], u[r]) + regions.out_c[r])
        assert torch.equal(activation_pattern(params, u[r])[e], regions.pattern[r])
    assert len(torch.unique(torch.cat([regions.net[:, None], regions.pattern], 1), dim=0)) == len(regions.net)


def test_slice_through_three_points_counts_like_the_equivalent_2d_net():
    params = init_maxout_net(6, [5, 5], 2, E=2, seed=3)
    g = torch.Generator().manual_seed(4)
    pts = torch.randn(3, 6, generator=g, dtype=torch.float64)
    B, o = slice_plane(*pts)
    assert torch.allclose(B.T @ B, torch.eye(2, dtype=torch.float64))
    sliced = activation_regions(params, box=(-4, 4), plane=(B, o))
    W1 = params.weights[0] @ B                                            # compose the embedding by hand
    b1 = params.biases[0] + params.weights[0] @ o
    flat = MaxoutParams((W1,) + params.weights[1:], (b1,) + params.biases[1:], params.out_weight, params.out_bias)
    assert torch.equal(sliced.counts, activation_regions(flat, box=(-4, 4)).counts)
    assert torch.allclose(sliced.areas().sum(), torch.tensor(2 * 64.0, dtype=torch.float64))


# ----------------------------------------------------------------------------- closed-form counts
@pytest.mark.parametrize("n", [1, 4, 9])
def test_relu_layer_in_general_position_gives_arrangement_count(n):
    g = torch.Generator().manual_seed(n)
    W = torch.randn(n, 2, 2, generator=g, dtype=torch.float64)
    b = torch.randn(n, 2, generator=g, dtype=torch.float64)
    params = as_relu(_one_layer(W, b))
    lines = torch.cat([params.weights[0][0, :, 0], params.biases[0][0, :, 0, None]], 1)
    corners = [torch.linalg.solve(lines[[i, j], :2], -lines[[i, j], 2])
               for i, j in itertools.combinations(range(n), 2)]
    half = 1.0 + 1.5 * max([float(p.abs().max()) for p in corners], default=1.0)
    expected = 1 + n + math.comb(n, 2)
    assert int(activation_regions(params, box=(-half, half)).counts) == expected
    assert int(linear_region_count(activation_regions(params, box=(-half, half)))) == expected


@pytest.mark.parametrize("K", [2, 3, 5, 7])
def test_one_rank_k_unit_along_a_line_gives_k_pieces(K):
    """max_j [cos(theta_j) t + sin(theta_j)], theta_j = pi j / K, t = x1: support lines of points on the upper
    half circle, each the max on one interval of t, breaks at cot((theta_j + theta_{j+1}) / 2), the
    outermost at +-cot(pi / 2K). A box that misses the outer breaks sees fewer pieces."""
    theta = math.pi * torch.arange(1, K + 1, dtype=torch.float64) / K
    W = torch.stack([torch.cos(theta), torch.zeros(K, dtype=torch.float64)], 1)[None]
    params = _one_layer(W, torch.sin(theta)[None])
    half = 1.1 / math.tan(math.pi / (2 * K))
    regions = activation_regions(params, box=(-half, half))
    assert int(regions.counts) == K
    assert sorted(regions.pattern[:, 0].tolist()) == list(range(K))
    assert count_regions_lp(params, box=(-half, half))[0] == K
    assert int(activation_regions(params, box=(-0.9 * half / 1.1, half)).counts) == K - 1


@pytest.mark.parametrize("n,K", [(4, 2), (5, 3), (3, 5)])
def test_shallow_count_at_most_the_sharp_maximum(n, K):
    params = init_maxout_net(2, [n], K, E=6, seed=5)
    counts = activation_regions(params, box=(-20, 20)).counts
    assert counts.max() <= max_regions_one_layer(n, 2, K)
    assert counts.min() >= n + 1                    # every unit bends inside this large box
    assert max_regions_one_layer(n, 1, K) == 1 + n * (K - 1) and max_regions_one_layer(n, n, K) == K**n


def test_scaling_first_layer_and_box_leaves_counts_unchanged():
    params = init_maxout_net(2, [6, 6], 3, E=3, seed=6)
    for s in (7.0, 1 / 40, 1e4):
        scaled = MaxoutParams((params.weights[0] / s,) + params.weights[1:], params.biases, params.out_weight,
                              params.out_bias)
        assert count_regions(params).equals(count_regions(scaled, box=(-3 * s, 3 * s)))
    assert count_regions_lp(params, net=1) == count_regions_lp(scaled, box=(-3 * s, 3 * s), net=1)


# ----------------------------------------------------------------------------- linear regions, DB
def test_linear_regions_merge_a_unit_the_output_ignores():
    n = 6
    g = torch.Generator().manual_seed(7)
    params = as_relu(_one_layer(torch.randn(n, 2, 2, generator=g), torch.randn(n, 2, generator=g) * 0.3))
    out_w = params.out_weight.clone()
    out_w[:, :, 0] = 0.0                                                    # unit 0 does not reach the output
    params = MaxoutParams(params.weights, params.biases, out_w, params.out_bias)
    regions = activation_regions(params, box=(-60, 60))
    lines = torch.cat([params.weights[0][0, :, 0], params.biases[0][0, :, 0, None]], 1)
    assert all(float(torch.linalg.solve(lines[[i, j], :2], -lines[[i, j], 2]).abs().max()) < 60
               for i, j in itertools.combinations(range(n), 2))
    assert int(regions.counts) == 1 + n + math.comb(n, 2)
    assert int(linear_region_count(regions)) == 1 + (n - 1) + math.comb(n - 1, 2)


def _linear_regions_by_all_pairs(regions, rtol=1e-9):
    """The merge by its definition: every two regions of one net with the same map, joined if they share an edge."""
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    from varlib.maxout.geometry import box_size, share_edge

    key = torch.cat([regions.out_A.flatten(1) * box_size(regions.box), regions.out_c], 1)
    q = torch.round(key / (rtol * key.abs().max())).long()
    _, group = torch.unique(torch.cat([regions.net[:, None], q], 1), dim=0, return_inverse=True)
    pairs = torch.tensor([(i, j) for g in group.unique() for i, j in
                          itertools.combinations((group == g).nonzero().squeeze(1).tolist(), 2)]).reshape(-1, 2)
    P, nv = regions.polygons, regions.nv
    pairs = pairs[share_edge(P[pairs[:, 0]], nv[pairs[:, 0]], P[pairs[:, 1]], nv[pairs[:, 1]],
                             1e-9 * box_size(regions.box))]
    R = len(nv)
    _, label = connected_components(coo_matrix(([1.0] * len(pairs), (pairs[:, 0], pairs[:, 1])), shape=(R, R)))
    first = np.unique(label, return_index=True)[1]                 # one region per component
    return torch.bincount(regions.net[torch.as_tensor(first)], minlength=regions.E)


def test_linear_regions_of_collapsing_deep_relu_nets_match_all_pairs():
    """Deep narrow ReLU nets (16 layers of 11 units) have regions that share one map far apart; the box sweep that
    picks merge candidates must find the same linear regions as comparing every pair of a map."""
    from varlib.core.ensemble import init_mlp_ensemble

    ens = init_mlp_ensemble(4, 16, 11, "relu", sigma_b=0.1, seed=0)
    ws = tuple(torch.stack([w.double(), 0 * w.double()], 2) for w in ens.weights[:-1])
    bs = tuple(torch.stack([b.double(), 0 * b.double()], 2) for b in ens.biases[:-1])
    params = as_relu(MaxoutParams(ws, bs, ens.weights[-1].double(), ens.biases[-1].double()))
    regions = activation_regions(params, box=(-1.0, 1.0))
    merged = linear_region_count(regions)
    assert (merged < regions.counts).any()                      # some regions do merge
    assert torch.equal(merged, _linear_regions_by_all_pairs(regions))


def test_decision_boundary_segments_lie_on_ties_of_the_top_labels():
    params = init_maxout_net(2, [6, 6], 2, m=4, E=2, seed=8)
    regions = activation_regions(params)
    db = decision_boundary(regions, labels=[0, 2, 3])
    assert len(db.net) > 0
    for t in (0.0, 0.5, 1.0):
        u = db.segments[:, 0] + t * (db.segments[:, 1] - db.segments[:, 0])
        f = torch.einsum("smd,sd->sm", regions.out_A[db.region], u) + regions.out_c[db.region]
        fi, fj = f.gather(1, db.pair[:, :1]).squeeze(1), f.gather(1, db.pair[:, 1:]).squeeze(1)
        assert torch.allclose(fi, fj, atol=1e-9)
        assert (fi[:, None] >= f[:, [0, 2, 3]] - 1e-9).all()


# ----------------------------------------------------------------------------- grid and LP oracles
def test_exact_count_is_at_least_the_grid_count_which_converges():
    params = init_maxout_net(2, split_widths(30, 3), 3, E=4, seed=9)
    exact = activation_regions(params).counts
    coarse, fine = grid_region_count(params, steps=40), grid_region_count(params, steps=400)
    assert (coarse <= fine).all() and (fine <= exact).all()
    assert (coarse < exact).any()
    assert (fine >= 0.85 * exact).all()


@pytest.mark.parametrize("K,widths,m", [(2, [5], 2), (2, [3, 3], 2), (2, [3, 2, 2], 3), (3, [4], 2),
                                        (3, [3, 2], 3), (3, [2, 2, 2], 2), (5, [3], 2), (5, [2, 2], 2),
                                        (5, [2, 1, 1], 3), (2, [4, 4, 4], 2), (3, [4, 3, 3], 3)])
def test_exact_counts_equal_the_lp_counter(K, widths, m):
    params = init_maxout_net(2, widths, K, m=m, E=2, seed=10 + K)
    table = count_regions(params)
    for r in range(2):
        assert count_regions_lp(params, net=r) == (table.regions[r], table.db_pieces[r])


def test_zero_bias_relu_ties_are_counted_once():
    """With zero biases, a ReLU unit whose inputs are all dead ties 0 = 0 on a whole region: one region,
    not two (both counters give ties to the first feature). Every region is then a cone at the origin."""
    params = as_relu(init_maxout_net(2, [4, 4, 3], 2, E=3, seed=3, zero_bias=True))
    regions = activation_regions(params)
    assert torch.allclose(regions.areas().sum(), torch.tensor(3 * 36.0, dtype=torch.float64))
    assert [count_regions_lp(params, net=r)[0] for r in range(3)] == regions.counts.tolist()


def test_exact_counts_equal_the_lp_counter_in_a_slice():
    params = init_maxout_net(5, [3, 3], 3, m=3, E=1, seed=11)
    pts = torch.randn(3, 5, generator=torch.Generator().manual_seed(12), dtype=torch.float64)
    plane = slice_plane(*pts)
    table = count_regions(params, box=(-5, 5), plane=plane, labels=[0, 2])
    lp = count_regions_lp(params, box=(-5, 5), plane=plane, labels=[0, 2])
    assert lp == (table.regions[0], table.db_pieces[0])


# ----------------------------------------------------------------------------- the width tolerance
def test_polygon_widths_are_the_narrowest_strips():
    square = [[0, 0], [4, 0], [4, 1], [0, 1]]
    sliver = [[0, 0], [1, 0], [0.5, 1e-9], [0.5, 1e-9]]                       # a duplicated vertex
    hexagon = [[math.cos(a), math.sin(a)] for a in (math.pi * i / 3 for i in range(6))]
    P = torch.nn.utils.rnn.pad_sequence([torch.tensor(q, dtype=torch.float64) for q in (square, sliver, hexagon)],
                                        batch_first=True)
    widths = polygon_widths(P, torch.tensor([4, 3, 6]))
    assert torch.allclose(widths, torch.tensor([1.0, 1e-9, math.sqrt(3)], dtype=torch.float64), rtol=1e-12)
    assert polygon_widths(torch.zeros(1, 3, 2, dtype=torch.float64), torch.tensor([3])).tolist() == [0.0]


@pytest.mark.parametrize("half", [0.5, 50.0])
def test_a_strip_is_a_region_iff_wider_than_the_tolerance_for_both_counters(half):
    """Two ReLU units with parallel kinks at x = 0 and x = delta: the strip between them is a region of both
    counters iff delta > 1e-9 times the box's side (3x above or below it here), in any box (scale-free)."""
    side = 2 * half
    for factor, expected in ((3.0, 3), (1 / 3, 2)):
        delta = factor * WIDTH_TOL * side
        W = torch.tensor([[[1.0, 0.0], [0.0, 0.0]], [[1.0, 0.0], [0.0, 0.0]]])
        params = _one_layer(W, torch.tensor([[0.0, 0.0], [-delta, 0.0]]))
        assert int(activation_regions(params, box=(-half, half)).counts) == expected
        assert count_regions_lp(params, box=(-half, half))[0] == expected


def test_lp_pruning_changes_no_count():
    params = init_maxout_net(2, [4, 4], 3, m=3, E=1, seed=20)
    assert count_regions_lp(params, (-20, 20), prune=True) == count_regions_lp(params, (-20, 20))


@pytest.mark.slow
@pytest.mark.parametrize("n0,K,depth,seed", [(2, 2, 2, 3), (2, 3, 3, 0), (8, 2, 3, 4), (8, 3, 2, 16)])
def test_exact_counts_equal_the_lp_counter_on_40_unit_nets_in_a_wide_box(n0, K, depth, seed):
    """N = 40 units over 2 or 3 layers, box [-50, 50]^2, in the input plane (n0 = 2) and in a random 2D slice of
    R^8: the exact counter equals the LP counter (879/37, 1374/90, 854/45 and 1079/77 regions/DB pieces). Each net
    has real regions of relative width 7e-9 to 1.3e-6 and area under 3e-8: the former rule (area above 3e-12 times
    the box's area) dropped them and counted 877, 1372, 851 and 1077 regions."""
    params = init_maxout_net(n0, split_widths(40, depth), K, E=1, seed=seed)
    pts = torch.randn(3, n0, generator=torch.Generator().manual_seed(seed), dtype=torch.float64)
    plane = None if n0 == 2 else slice_plane(*pts)
    table = count_regions(params, box=(-50, 50), plane=plane)
    assert count_regions_lp(params, box=(-50, 50), plane=plane, prune=True) == (table.regions[0], table.db_pieces[0])
    regions = activation_regions(params, box=(-50, 50), plane=plane)
    formerly_dropped = regions.areas() <= 3e-12 * 100**2
    assert 2 <= int(formerly_dropped.sum()) <= 3
    assert (polygon_widths(regions.polygons, regions.nv)[formerly_dropped] > 5 * WIDTH_TOL * 100).all()


# ----------------------------------------------------------------------------- initialisations
def test_c_k_is_one_for_k2_and_matches_monte_carlo():
    assert maxout_second_moment(2) == pytest.approx(1.0, abs=1e-12)
    g = torch.Generator().manual_seed(13)
    n = 400_000
    for K in range(3, 8):
        sq = torch.randn(n, K, generator=g, dtype=torch.float64).amax(1) ** 2
        assert abs(float(sq.mean()) - maxout_second_moment(K)) < 5 * float(sq.std()) / math.sqrt(n)


@pytest.mark.parametrize("K", [2, 3, 6])
def test_maxout_he_weight_variance_is_c_k_over_fan_in(K):
    params = init_maxout_net(2, [40, 50], K, E=20, seed=14)
    w = params.weights[1]
    target = 1.0 / (maxout_second_moment(K) * 40)
    assert float(w.var()) == pytest.approx(target, rel=5 * math.sqrt(2 / w.numel()))
    he = init_maxout_net(2, [40, 50], K, init="relu_he", E=20, seed=14, zero_bias=True)
    assert float(he.weights[1].var()) == pytest.approx(2.0 / 40, rel=5 * math.sqrt(2 / w.numel()))
    assert float(he.biases[1].abs().max()) == 0.0


def test_sphere_normalises_each_feature_jointly_and_legacy_differs():
    K, fan_in = 3, 4
    for legacy in (False, True):
        p = init_maxout_net(2, [fan_in, 5], K, init="sphere", E=2, seed=15, legacy_sphere_norm=legacy)
        w, b = p.weights[1], p.biases[1]
        pre = (b + 1 / math.sqrt(K * fan_in)) ** 2 + (w**2).sum(-1)     # ||(w, b)||^2 before the shift
        assert torch.allclose(pre, torch.ones_like(pre)) != legacy


def test_network_r_does_not_depend_on_ensemble_size():
    small, big = (init_maxout_net(2, [3, 4], 3, E=E, seed=16, init="many_regions") for E in (2, 5))
    for a, b in zip(small.weights + small.biases, big.weights + big.biases):
        assert torch.equal(a, b[:2])
    assert not torch.equal(big.weights[0][0], big.weights[0][1])


def test_as_relu_computes_relu_of_the_first_feature():
    params = as_relu(init_maxout_net(2, [5], 2, E=2, seed=17))
    x = torch.randn(7, 2, generator=torch.Generator().manual_seed(18), dtype=torch.float64)
    h = torch.relu(torch.einsum("enp,bp->ebn", params.weights[0][:, :, 0], x) + params.biases[0][:, None, :, 0])
    expected = torch.einsum("emn,ebn->ebm", params.out_weight, h) + params.out_bias[:, None]
    assert torch.allclose(maxout_forward(params, x), expected)


# ----------------------------------------------------------------------------- the authors' demo, bounds
def test_demo_setting_counts_are_plausible():
    """K = 2, N = 20, depth 3, box [-3, 3]^2 (216 regions and 30 DB pieces for the authors' seed): mean of 16
    nets between N^2/8 and 2 N^2/2, DB pieces well below the with-K curve."""
    params = init_maxout_net(2, split_widths(20, 3), 2, E=16, seed=123)
    table = count_regions(params)
    assert 50 <= table.regions.mean() <= 400
    assert (table.linear_regions <= table.regions).all()
    assert table.db_pieces.mean() <= 100 and table.db_pieces.max() > 0


def test_authors_demo_is_reproduced_exactly():
    """The authors' README: exact 216 regions and 30 DB pieces, grid estimate 199, full bounds 107,528,470 and
    2,688,211 (C_grad with the code's bias-free quirk, one net, 50 x 50 grid)."""
    params = authors_demo_net()
    table = count_regions(params)
    assert (table.regions[0], table.linear_regions[0], table.db_pieces[0]) == (216, 216, 30)
    assert int(grid_region_count(params, steps=300)) == 199
    c_bias = bias_density_constant(2, [7, 7, 6], 2)
    c_grad = gradient_constant(params, steps=50, legacy=True)
    assert int(region_bound(20, 2, 2, c_bias, c_grad, 36.0)) == 107_528_470
    assert int(db_bound(20, 2, 2, c_bias, c_grad, 36.0)) == 2_688_211


def test_bound_curves_reproduce_the_demo_numbers():
    assert region_bound_with_k(20, 2, 2) == 800 and region_bound_without_k(20, 2) == 200
    assert db_bound_with_k(20, 2, 2) == 40 and db_bound_without_k(20, 2) == 20
    assert region_bound_with_k(1, 2, 3) == 3                               # N < n0: K^N
    # the README's full bounds 107,528,470 and 2,688,211 imply one and the same C_bias * C_grad
    x_regions = math.sqrt(107_528_470 * 2 / 36) / (2**5 * 2 * 20)
    x_db = math.sqrt(2_688_211 / (36 * 2 * 2 * 20)) / 2**4
    assert x_regions == pytest.approx(x_db, rel=1e-5)
    assert float(region_bound(20, 2, 2, x_regions, 1.0, 36)) == pytest.approx(107_528_470, rel=1e-7)
    assert float(db_bound(20, 2, 2, x_regions, 1.0, 36)) == pytest.approx(2_688_211, rel=1e-5)
    # C_bias: the last layers (fan-in 7) have the smallest bias sigma = 1/sqrt(7)
    assert bias_density_constant(2, [7, 7, 6], 2) == pytest.approx(math.sqrt(7 / (2 * math.pi)))
    table = complexity_bounds([10, 20, 40], 2, 3, c_bias=1.0, c_grad=1.0, volume=36.0)
    assert set(table.curve) == {"full", "with_k", "without_k"} and len(table) == 18


def test_gradient_constant_legacy_only_differs_through_the_biases():
    params = init_maxout_net(2, [7, 7, 6], 2, E=4, seed=19, zero_bias=True)
    c = gradient_constant(params, steps=20)
    assert 0 < c < 20
    assert c == pytest.approx(gradient_constant(params, steps=20, legacy=True))
    biased = init_maxout_net(2, [7, 7, 6], 2, E=4, seed=19)
    assert gradient_constant(biased, steps=20) != pytest.approx(gradient_constant(biased, steps=20, legacy=True))


# ----------------------------------------------------------------------------- bad inputs
@pytest.mark.parametrize("call,match", [
    (lambda: init_maxout_net(2, [3], 1), "K must be"),
    (lambda: init_maxout_net(2, [3, -1], 2), "width must be"),
    (lambda: init_maxout_net(2, [], 2), "widths"),
    (lambda: init_maxout_net(2, [3], 2, init="xavier"), "allowed: relu_he"),
    (lambda: split_widths(2, 3), "N must be"),
    (lambda: split_widths(4, 0), "depth must be"),
    (lambda: region_bound_without_k(10, 0), "n0 \\(input dimension\\)"),
    (lambda: slice_plane([0, 0, 0], [1, 1, 1], [2, 2, 2]), "collinear"),
    (lambda: slice_plane([1, 2, 3], [1, 2, 3], [0, 1, 0]), "collinear"),
    (lambda: activation_regions(init_maxout_net(3, [3], 2)), "plane="),
    (lambda: activation_regions(init_maxout_net(2, [3], 2), box=(1, -1)), "box must be"),
    (lambda: decision_boundary(activation_regions(init_maxout_net(2, [3], 2)), labels=[0, 5]), "labels must"),
    (lambda: as_relu(init_maxout_net(2, [3], 3)), "K = 2"),
    (lambda: region_bound_with_k(10, 2, 1), "K \\(maxout rank\\)"),
    (lambda: maxout_second_moment(1), "rank must be"),
])
def test_bad_inputs_raise_clear_value_errors(call, match):
    with pytest.raises(ValueError, match=match):
        call()
