"""Tests for varlib.deep_linear: exact deep-linear minimizers (Ziyin, Li & Meng 2022).

Claims C1-C11 are those of the chapter's scorecard (chapters/deep_linear.py). Everything is float64 on CPU, except the
tests marked gpu (CUDA against CPU).
"""
import math

import numpy as np
import pandas as pd
import pytest
import torch
from scipy.optimize import minimize

from varlib.deep_linear import (DeepLinear, LinearTask, critical_gamma, end_to_end, ensemble_start, expected_loss,
                                expected_variance, gamma_from_weight_decay, gamma_spinodal, gamma_star, gaussian_task,
                                hessian_at_zero, homogeneous_variance, init_weights, isotropic_roots, kappa,
                                layer_norms, mc_prediction_moments, prediction_moments, reduced_loss,
                                sample_predictions, solve_global, stationarity_roots, task_from_data, train_exact,
                                train_linear_ensemble, weights_from_b)
from varlib.deep_linear.theory import _polynomial_roots

F64 = torch.float64
ISO = LinearTask(np.eye(3), np.array([1.0, 0.0, 0.0]), 1.5)  # A = M = 1, E[y^2] = 1.5
ANISO = gaussian_task(5, 1.2, 0.5, eigvals=np.linspace(0.5, 2.0, 5), n_samples=400, seed=1)


def stacked(task, net):
    """The solver's explicit weights with an ensemble axis of 1."""
    return [w.unsqueeze(0) for w in weights_from_b(solve_global(task, net), net)]


def gammas(net, n=1):
    return torch.tensor([net.gammas] * n, dtype=F64)


def F(v, task, net):
    """The vector problem (chapter Eq. eq-dl-vector):
    kappa v'A0 v - 2 v'beta + E y^2 + (D+1) gamma_bar ||v||^(2/(D+1))."""
    return (net.kappa * v @ task.A0 @ v - 2 * v @ task.beta + task.Ey2
            + (net.depth + 1) * net.gamma_bar * np.linalg.norm(v) ** (2 / (net.depth + 1)))


# ----------------------------------------------------------------------------- closed forms
@pytest.mark.parametrize("sigma2", [0.0, 1.0])
@pytest.mark.parametrize("gamma", [0.2, 0.7, 1.2, 2.0])
def test_depth1_isotropic_closed_form(gamma, sigma2):
    """D = 1, A0 = a I by hand: ||v*|| = (M - gamma)/(kappa a), L* = E y^2 - (M - gamma)^2/(kappa a), else 0."""
    a, M = 2.0, 1.0
    task = LinearTask(a * np.eye(2), np.array([0.6, 0.8]) * M, 1.3)
    net = DeepLinear(1, 4, gamma, sigma2)
    sol, A = solve_global(task, net), net.kappa * a
    assert sol.v_norm == pytest.approx(max(M - gamma, 0) / A, abs=1e-10)
    assert sol.loss == pytest.approx(task.Ey2 - max(M - gamma, 0) ** 2 / A, abs=1e-12)
    assert sol.is_zero == (gamma >= M)


@pytest.mark.parametrize("sigma2", [0.0, 0.5])
def test_depth1_matches_convex_vector_problem(sigma2):
    """D = 1 is the convex group lasso F(v) with penalty 2 gamma ||v||: an independent BFGS oracle."""
    net = DeepLinear(1, 3, 0.3, sigma2)
    sol = solve_global(ANISO, net)
    res = minimize(F, np.linalg.solve(ANISO.A0, ANISO.beta), args=(ANISO, net), method="BFGS", tol=1e-12)
    assert sol.loss == pytest.approx(res.fun, abs=1e-9)
    assert np.allclose(sol.v, res.x, atol=1e-4)


def test_gamma_zero_is_ridge_free_regression():
    net = DeepLinear(2, 4, 0.0, 1.0)
    sol = solve_global(ANISO, net)
    v = np.linalg.solve(net.kappa * ANISO.A0, ANISO.beta)
    assert np.allclose(sol.v, v, atol=1e-12)
    assert sol.loss == pytest.approx(ANISO.Ey2 - ANISO.beta @ v, abs=1e-12)


# ----------------------------------------------------------------------------- the minimizer is one
NETS = [DeepLinear(1, 4, 0.1), DeepLinear(2, 4, 0.1), DeepLinear(3, 4, 0.1), DeepLinear(1, 3, 0.2, 0.7),
        DeepLinear(2, 4, 0.1, 0.7), DeepLinear(3, 3, 0.05, 1.0), DeepLinear(2, (3, 6), (0.05, 0.2, 0.1), 0.5)]


@pytest.mark.parametrize("net", NETS, ids=str)
def test_minimizer_has_zero_gradient_and_its_loss(net):
    """Property check: the explicit homogeneous weights are stationary and attain L*."""
    sol = solve_global(ANISO, net)
    ws = [w.requires_grad_(True) for w in stacked(ANISO, net)]
    loss = expected_loss(ws, ANISO, gammas(net), net.sigma2)
    grads = torch.autograd.grad(loss.sum(), ws)
    assert not sol.is_zero
    assert max(g.abs().max().item() for g in grads) < 1e-9
    assert loss.item() == pytest.approx(sol.loss, abs=1e-12)
    assert torch.allclose(end_to_end(ws)[0].detach(), torch.as_tensor(sol.v), atol=1e-12)
    # balanced layers: gamma_l ||W_l||^2 = gamma_bar b^2 (C7); equal norms b when gammas are equal
    pen = gammas(net) * layer_norms(ws).detach() ** 2
    assert torch.allclose(pen, torch.full_like(pen, net.gamma_bar * sol.b ** 2), rtol=1e-10)


@pytest.mark.parametrize("depth", [2, 3])
def test_solver_is_global(depth):
    """L* lies below a fine grid of L(b) and below multi-start local minimisation of F(v)."""
    net = DeepLinear(depth, 4, 0.1, 0.3)
    sol = solve_global(ANISO, net)
    assert sol.loss <= reduced_loss(np.linspace(0, 3, 20001), ANISO, net).min() + 1e-12
    rng = np.random.default_rng(0)
    for v0 in rng.standard_normal((8, ANISO.d0)):
        assert sol.loss <= minimize(F, v0, args=(ANISO, net), method="Nelder-Mead",
                                    options=dict(xatol=1e-10, fatol=1e-12, maxiter=4000)).fun + 1e-9
    assert F(sol.v, ANISO, net) == pytest.approx(sol.loss, abs=1e-12)


@pytest.mark.parametrize("depth", [1, 2, 3, 4])
def test_stationarity_roots_are_critical_points(depth):
    """Every polynomial root is a zero of L'(b); isotropic roots equal those of A b^2D - M b^(D-1) + gamma."""
    net = DeepLinear(depth, 4, 0.05, 0.5)
    for b in stationarity_roots(ANISO, net):
        h = 1e-6 * b
        assert abs(reduced_loss(b + h, ANISO, net) - reduced_loss(b - h, ANISO, net)) / (2 * h) < 1e-7
    iso = DeepLinear(depth, 4, 0.1)
    assert np.allclose(stationarity_roots(ISO, iso), isotropic_roots(depth, 1.0, 1.0, 0.1), atol=1e-10)


@pytest.mark.parametrize("a,beta,Ey2,depth,gamma", [
    ((51.39, 0.03717), (0.6963, 0.1517), 2.0, 2, 0.07088),  # a metastable and a global nonzero minimum
    ((30.96, 0.03108), (3.342, 0.06949), 20.0, 3, 0.03769)])  # two nonzero minima 4e-4 apart in loss
def test_anisotropic_landscape_with_two_nonzero_minima(a, beta, Ey2, depth, gamma):
    """Anisotropic A0 can give L(b) several local minima: the solver finds all four stationary points
    (max, min, max, min), both from numpy.roots and from grid brackets, and returns the best."""
    task, net = LinearTask(np.diag(a), np.array(beta), Ey2), DeepLinear(depth, 4, gamma)
    roots = stationarity_roots(task, net)
    poly = _polynomial_roots(*task.spectrum(), net)
    assert len(roots) == 4 and np.allclose(np.sort(poly[poly < 3]), roots, atol=1e-8)
    L = reduced_loss(roots, task, net)
    assert L[0] > L[1] < L[2] > L[3]
    sol = solve_global(task, net)
    assert sol.b == pytest.approx(roots[np.argmin(L)], abs=1e-10)
    assert sol.loss == pytest.approx(L.min(), abs=1e-14)
    assert sol.loss <= reduced_loss(np.linspace(0, 3, 200001), task, net).min() + 1e-14


def test_large_input_dimension_uses_grid_roots():
    """With d0 = 40 distinct eigenvalues the polynomial (degree 2DK = 240 > 120) is skipped; grid brackets still
    find every stationary point and the minimizer is exact."""
    task = gaussian_task(40, 1.0, 0.5, eigvals=np.linspace(0.1, 3, 40), n_samples=1000, seed=0)
    net = DeepLinear(3, 8, 0.1, 0.5)
    assert len(_polynomial_roots(*task.spectrum(), net)) == 0
    sol = solve_global(task, net)
    assert len(sol.stationary_b) == 2 and sol.b == sol.stationary_b[-1]
    assert sol.loss <= reduced_loss(np.linspace(0, 3, 100001), task, net).min() + 1e-12
    ws = [w.requires_grad_(True) for w in stacked(task, net)]
    grads = torch.autograd.grad(expected_loss(ws, task, 0.1, 0.5).sum(), ws)
    assert max(g.abs().max().item() for g in grads) < 1e-9


# ----------------------------------------------------------------------------- thresholds
@pytest.mark.parametrize("depth,g_star,g_sp,b_star,jump", [
    (1, 1.0, 1.0, 0.0, 0.0), (2, 0.3969, 0.4725, 0.794, 0.500), (3, 0.2722, 0.3849, 0.904, 0.667),
    (4, 0.2104, 0.3470, 0.944, 0.750), (5, 0.1724, 0.3257, 0.964, 0.800), (6, 0.1463, 0.3121, 0.974, 0.833)])
def test_threshold_table(depth, g_star, g_sp, b_star, jump):
    """Section 2.4 table (A = M = 1) from the closed forms, the general critical_gamma and the solver."""
    gs = gamma_star(depth, 1.0, 1.0)
    assert gs == pytest.approx(g_star, abs=1e-4)
    assert gamma_spinodal(depth, 1.0, 1.0) == pytest.approx(g_sp, abs=1e-4)
    assert critical_gamma(ISO, depth) == pytest.approx(gs, rel=1e-9)
    below = solve_global(ISO, DeepLinear(depth, 4, gs * (1 - 1e-7)))
    above = solve_global(ISO, DeepLinear(depth, 4, gs * (1 + 1e-7)))
    assert below.v_norm == pytest.approx(jump, abs=1e-3)  # C4: jump (D-1)/D M/A, continuous for D = 1
    assert below.b == pytest.approx(b_star, abs=1e-3 if depth > 1 else 1e-2)
    assert above.is_zero
    if depth >= 2:
        assert solve_global(ISO, DeepLinear(depth, 4, gs)).tie


def test_basin_of_zero_narrows_with_depth():
    """Section 2.5 table (gamma = 0.1, A = M = 1): barrier b_s and nontrivial minimum b_l both tend to 1."""
    b_s, b_l = np.array([isotropic_roots(D, 1.0, 1.0, 0.1) for D in (2, 3, 4, 5, 6)]).T
    assert np.allclose(b_s, [0.10, 0.32, 0.47, 0.57, 0.64], atol=5e-3)
    assert np.allclose(b_l, [0.96, 0.97, 0.98, 0.98, 0.98], atol=5e-3)
    assert np.all(np.diff(b_s) > 0)


def test_noise_moves_threshold_only_for_depth_two_and_more():
    """gamma*(kappa) for D = 2, d = 4 (tabulated values); D = 1 threshold is ||beta|| for every A0, kappa."""
    got = [critical_gamma(ISO, 2, kappa((4, 4), s2)) for s2 in (0, 0.5, 1, 2, 4)]
    assert np.allclose(got, [0.397, 0.367, 0.342, 0.303, 0.250], atol=1e-3)
    assert critical_gamma(ANISO, 1, 3.0) == pytest.approx(np.linalg.norm(ANISO.beta), rel=1e-12)


@pytest.mark.parametrize("depth", [1, 2, 3])
def test_critical_gamma_anisotropic(depth):
    """General A0: the solver switches to zero exactly at critical_gamma; continuous only for D = 1."""
    gc = critical_gamma(ANISO, depth, kappa((4,) * depth, 0.5))
    below = solve_global(ANISO, DeepLinear(depth, 4, gc * (1 - 1e-6), 0.5))
    assert not below.is_zero and solve_global(ANISO, DeepLinear(depth, 4, gc * (1 + 1e-6), 0.5)).is_zero
    assert (below.v_norm < 1e-3) == (depth == 1)


# ----------------------------------------------------------------------------- the origin
@pytest.mark.parametrize("gamma,sigma2", [(0.3, 0.0), (0.3, 1.0), (1.5, 0.0)])
def test_hessian_at_zero_depth1(gamma, sigma2):
    """D = 1: eigenvalues gamma_u + gamma_w +- sqrt((gamma_u - gamma_w)^2 + 4 ||beta||^2);
    a saddle iff ||beta|| > gamma, so D = 1 has no bad minimum at zero."""
    ev = torch.linalg.eigvalsh(hessian_at_zero(ISO, DeepLinear(1, 3, gamma, sigma2)))
    assert ev.min().item() == pytest.approx(2 * gamma - 2.0, abs=1e-12)  # 0.3 -> -1.4
    assert ev.max().item() == pytest.approx(2 * gamma + 2.0, abs=1e-12)
    assert (ev.min().item() < 0) == (gamma < 1.0)
    g = (0.2, 0.8)
    ev = torch.linalg.eigvalsh(hessian_at_zero(ISO, DeepLinear(1, 2, g)))
    assert ev.min().item() == pytest.approx(sum(g) - math.sqrt((g[0] - g[1]) ** 2 + 4), abs=1e-12)


@pytest.mark.parametrize("depth", [2, 3])
@pytest.mark.parametrize("sigma2", [0.0, 1.0])
def test_hessian_at_zero_deep_is_weight_decay(depth, sigma2):
    """C3: for D >= 2 the Hessian at zero is exactly diag(2 gamma_l), positive definite, whatever the data."""
    net = DeepLinear(depth, 3, tuple(0.1 * (l + 1) for l in range(depth + 1)), sigma2)
    H = hessian_at_zero(ANISO, net)
    sizes = [ANISO.d0 * 3] + [9] * (depth - 1) + [3]
    diag = torch.cat([torch.full((n,), 2 * g, dtype=F64) for n, g in zip(sizes, net.gammas)])
    assert torch.allclose(H, torch.diag(diag), atol=1e-12)
    assert torch.linalg.eigvalsh(H).min() > 0


# ----------------------------------------------------------------------------- training
def test_trained_nets_reach_global_minimum():
    """C1: Kaiming starts, D in {1,2,3}, sigma2 in {0,1}, gamma below threshold: |L - L*| < 1e-5,
    ||v - v*|| / ||v*|| < 1e-4, every layer norm = b* to 3 decimals; and L* <= L for every net."""
    nets = [DeepLinear(D, 4, 0.1, s2) for D in (1, 2, 3) for s2 in (0.0, 1.0) for _ in range(2)]
    df = train_linear_ensemble(ANISO, nets, init="kaiming", seed=0, steps=1200, lr=0.06, optimizer="gd")
    assert (df.loss >= df.loss_star - 1e-10).all()
    assert ((df.loss - df.loss_star).abs() < 1e-5).all(), df
    assert ((df.v_norm / df.v_norm_star - 1).abs() < 1e-4).all()
    assert (df.b_dev < 5e-4).all()


def test_near_optimal_starts_stay_and_adam_agrees():
    """Solver weights + noise, trained with Adam, return to L* (both on the nonzero and on the zero branch)."""
    gs = gamma_star(2, 1.0, 1.0)
    nets = [DeepLinear(2, 4, g) for g in (0.9 * gs, 1.1 * gs)]
    gam = torch.tensor([n.gamma for n in nets], dtype=F64)
    w, loss = train_exact(ensemble_start(ISO, nets, "optimal"), ISO, gam,
                          steps=1500, lr=1e-3, optimizer="adam")
    star = [solve_global(ISO, n) for n in nets]
    assert np.allclose(loss.numpy(), [s.loss for s in star], atol=1e-8)
    assert np.allclose(end_to_end(w).norm(dim=1).numpy(), [s.v_norm for s in star], atol=1e-4)


def test_ensemble_equals_per_network_training():
    """Stacked training is separable: each net trains exactly as it would alone."""
    w0 = init_weights(3, (4, 4), 3, 1.0, seed=5)
    g, s2 = torch.tensor([0.05, 0.1, 0.2], dtype=F64), torch.tensor([0.0, 0.5, 1.0], dtype=F64)
    w, loss = train_exact(w0, ISO, g, s2, steps=50, optimizer="adam")
    for k in range(3):
        wk, lk = train_exact([x[[k]] for x in w0], ISO, g[[k]], s2[[k]], steps=50, optimizer="adam")
        assert torch.allclose(lk, loss[[k]], atol=1e-12, rtol=0)
        assert all(torch.allclose(a, b[[k]], atol=1e-12, rtol=0) for a, b in zip(wk, w))


def test_depth1_any_init_reaches_global_minimum():
    """C2: D = 1 from a 1e-3 x Kaiming init reaches the global minimum: nonzero iff gamma < ||E[xy]|| = 1,
    with ||v*|| = (M - gamma)/A linear in gamma."""
    fracs = (0.25, 0.5, 0.9, 1.1, 1.5)
    df = train_linear_ensemble(ISO, [DeepLinear(1, 4, g) for g in fracs for _ in range(2)], init=1e-3, steps=1000,
                        lr=0.3, optimizer="gd")
    assert np.allclose(df.v_norm, [max(1 - g, 0) for g in fracs for _ in range(2)], atol=1e-5)
    assert np.allclose(df.loss, df.loss_star, atol=1e-9)


@pytest.mark.parametrize("depth", [2, 3])
def test_tiny_init_collapses_for_deep_nets(depth):
    """C3: D >= 2, 1e-2 x Kaiming init converges to exactly 0 at gamma = gamma*/4, though L* < E y^2."""
    net = DeepLinear(depth, 4, 0.25 * gamma_star(depth, 1.0, 1.0))
    df = train_linear_ensemble(ISO, [net] * 2, init=1e-2, steps=300, lr=0.2, optimizer="gd")
    assert (df.v_norm < 1e-10).all() and (df.v_norm_star > 0.8).all()
    assert (df.loss - df.loss_star > 0.3).all()


def test_metastable_and_spinodal():
    """C5: gamma* < gamma < gamma_sp: a large init ends on the nonzero minimum with loss > E y^2 and
    ||v|| = b_l^(D+1), b_l the larger polynomial root. C6: above gamma_sp every init goes to 0."""
    D, A, M = 2, 1.0, 1.0
    g_meta = 0.5 * (gamma_star(D, A, M) + gamma_spinodal(D, A, M))
    g_high = 1.3 * gamma_spinodal(D, A, M)
    assert len(isotropic_roots(D, A, M, g_high)) == 0
    assert len(stationarity_roots(ISO, DeepLinear(D, 4, g_high))) == 0
    b_l = isotropic_roots(D, A, M, g_meta)[-1]
    nets = [DeepLinear(D, 4, g_meta)] * 2 + [DeepLinear(D, 4, g_high)] * 2
    df = train_linear_ensemble(ISO, nets, init=1.5, steps=1000, lr=0.02, optimizer="gd")
    meta, high = df.iloc[:2], df.iloc[2:]
    assert (meta.loss > ISO.Ey2 + 0.05).all() and np.allclose(meta.v_norm, b_l ** (D + 1), atol=1e-3)
    assert (meta.loss_star == ISO.Ey2).all()
    assert (high.v_norm < 1e-6).all()


def test_only_geometric_mean_of_gammas_matters():
    """C7: permuted gammas, and equal gammas with the same geometric mean, give the same L*; training
    with unequal gammas ends balanced, gamma_l ||W_l||^2 equal in every layer."""
    g = (0.05, 0.2, 0.1)
    losses = [solve_global(ANISO, DeepLinear(2, 4, gg, 0.5)).loss for gg in (g, g[::-1], (0.1, 0.1, 0.1))]
    assert np.allclose(losses, losses[0], atol=1e-12)
    df = train_linear_ensemble(ANISO, [DeepLinear(2, (3, 5), g, 0.5)] * 2, steps=1500, lr=0.05, optimizer="gd")
    assert ((df.loss - df.loss_star).abs() < 1e-5).all() and (df.b_dev < 5e-4).all()


def test_stochastic_optimum_is_homogeneous():
    """C8: for sigma2 > 0 trained nets are homogeneous: equal hidden-unit norms, U = +-const."""
    net = DeepLinear(2, 3, 0.05, 1.0)
    w, loss = train_exact(init_weights(ISO.d0, net.widths, 2, 1.0, seed=2), ISO, 0.05, 1.0, steps=1000,
                          lr=0.15, optimizer="gd")
    assert torch.allclose(loss, torch.full_like(loss, solve_global(ISO, net).loss), atol=1e-8)
    for unit_norms in (w[0].norm(dim=2), w[1].norm(dim=2), w[2].abs()):
        spread = (unit_norms.max(dim=1).values - unit_norms.min(dim=1).values) / unit_norms.mean(dim=1)
        assert (spread < 1e-3).all(), unit_norms


# ----------------------------------------------------------------------------- prediction variance
def test_variance_closed_form_at_optimum():
    """Section 3: at the homogeneous optimum Var_eps f(x) = (kappa - 1)(v*'x)^2 exactly."""
    net = DeepLinear(3, (3, 4, 5), 0.05, 0.8)
    x = torch.randn(7, ANISO.d0, generator=torch.Generator().manual_seed(0), dtype=F64)
    mean, var = prediction_moments(stacked(ANISO, net), x, net.sigma2)
    v = solve_global(ANISO, net).v
    assert np.allclose(mean[0].numpy(), x.numpy() @ v, atol=1e-12)
    assert np.allclose(var[0].numpy(), homogeneous_variance(v, x.numpy(), net.kappa), atol=1e-12)


@pytest.mark.parametrize("noise", ["gaussian", "dropout"])
def test_variance_matches_monte_carlo(noise):
    """C9: Monte Carlo mean and variance of f(x) vs the closed form, for the optimum and random weights."""
    net, n = DeepLinear(2, 4, 0.05, 1.0), 40000
    ws = [torch.cat([a, b]) for a, b in zip(stacked(ANISO, net), init_weights(ANISO.d0, net.widths, 1, 1.0, 3))]
    x = torch.randn(4, ANISO.d0, generator=torch.Generator().manual_seed(1), dtype=F64)
    mc_mean, mc_var = mc_prediction_moments(ws, x, net.sigma2, n, noise=noise, seed=7)
    mean, var = prediction_moments(ws, x, net.sigma2)
    se_var = var * math.sqrt(2 / n) * 6  # generous: heavy tails of a product of noises
    assert torch.all((mc_mean - mean).abs() < 5 * (var / n).sqrt() + 1e-12)
    assert torch.all((mc_var - var).abs() < se_var + 1e-12)


def test_expected_loss_matches_sampled_loss():
    """The second-moment propagation vs the loss averaged over sampled noise."""
    x = torch.randn(50, 3, generator=torch.Generator().manual_seed(0), dtype=F64)
    z = torch.randn(50, generator=torch.Generator().manual_seed(1), dtype=F64)
    y = x @ torch.tensor([1.0, -0.5, 0.2], dtype=F64) + 0.3 * z
    task, ws = task_from_data(x.numpy(), y.numpy()), init_weights(3, (4, 4), 2, 1.0, seed=1)
    f = sample_predictions(ws, x, 0.5, 20000, seed=3)
    mc = ((f - y) ** 2).mean(dim=(0, 2))
    assert torch.allclose(expected_loss(ws, task, 0.0, 0.5), mc, rtol=0.02)
    noiseless = ((sample_predictions(ws, x, 0.0, 1)[0] - y) ** 2).mean(1)
    assert torch.allclose(expected_loss(ws, task, 0.0, 0.0), noiseless, rtol=1e-12)


@pytest.mark.parametrize("sweep,values", [
    ("width", [0.158, 0.215, 0.204, 0.091, 0.027, 0.0069, 0.0018]),
    ("noise", [0.012, 0.099, 0.222, 0.222, 0.099, 0.029, 0.0008]),
    ("depth", [0.089, 0.148, 0.203, 0.208, 0.187, 0.0]),
    ("depth_small_gamma", [0.238, 0.129, 0.023, 0.0005])])
def test_variance_sweeps(sweep, values):
    """C9, tabulated values: E_x Var = (kappa - 1) v*'A0 v* is non-monotonic, then -> 0 in d, sigma2, D
    (exactly 0 at D = 12, gamma = 0.05 where the net has collapsed)."""
    task = LinearTask(np.eye(3), np.array([1.0, 0.0, 0.0]), 1.25)
    nets = {"width": [DeepLinear(2, d, 0.05, 1.0) for d in (1, 2, 4, 16, 64, 256, 1024)],
            "noise": [DeepLinear(1, 8, 1e-9, s2) for s2 in (0.1, 1, 4, 16, 64, 256, 1e4)],
            "depth": [DeepLinear(D, 8, 0.05, 1.0) for D in (1, 2, 4, 6, 8, 12)],
            "depth_small_gamma": [DeepLinear(D, 8, 1e-6, 1.0) for D in (8, 16, 32, 64)]}[sweep]
    assert np.allclose([expected_variance(task, net) for net in nets], values, rtol=0.03, atol=2e-4)


def test_weight_decay_convention():
    """torch.optim.SGD(weight_decay=wd) on the plain MSE takes the same step as gradient descent on
    Eq. 1 with gamma = wd / 2."""
    wd, lr = 0.3, 0.05
    w0 = init_weights(ISO.d0, (4, 4), 1, 1.0, seed=4)
    ws = [w.clone().requires_grad_(True) for w in w0]
    opt = torch.optim.SGD(ws, lr=lr, weight_decay=wd)
    expected_loss(ws, ISO, 0.0).sum().backward()
    opt.step()
    ours, _ = train_exact(w0, ISO, gamma_from_weight_decay(wd), steps=1, lr=lr, optimizer="gd")
    assert all(torch.allclose(a.detach(), b, atol=1e-14) for a, b in zip(ws, ours))


# ----------------------------------------------------------------------------- inputs
@pytest.mark.parametrize("kwargs,match", [
    (dict(depth=0), "depth"), (dict(depth=1.5), "depth"), (dict(depth=2, width=0), "width"),
    (dict(depth=2, width=-3), "width"), (dict(depth=2, gamma=-0.1), "gamma"),
    (dict(depth=2, sigma2=-1.0), "sigma2"), (dict(depth=2, gamma=(0.1, 0.0, 0.1)), "gamma"),
    (dict(depth=2, width=(3, 4, 5)), "width")])
def test_bad_network_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        DeepLinear(**kwargs)


def test_bad_task_and_calls():
    with pytest.raises(ValueError, match="range"):
        LinearTask(np.diag([1.0, 0.0]), np.array([1.0, 0.5]), 2.0)  # singular A0, beta outside its range
    with pytest.raises(ValueError, match="positive semi-definite"):
        LinearTask(np.diag([1.0, -1.0]), np.array([1.0, 0.0]), 2.0)
    with pytest.raises(ValueError, match="symmetric"):
        LinearTask(np.array([[1.0, 0.5], [0.0, 1.0]]), np.array([1.0, 0.0]), 2.0)
    with pytest.raises(ValueError, match="gamma > 0"):
        stationarity_roots(ISO, DeepLinear(2, 4, 0.0))
    with pytest.raises(ValueError, match="noise must be one of"):
        sample_predictions(init_weights(3, (2,), 1), torch.ones(1, 3, dtype=F64), 0.5, 10, noise="uniform")
    with pytest.raises(ValueError, match="optimizer must be one of"):
        train_exact(init_weights(3, (2,), 1), ISO, 0.1, steps=1, optimizer="adamw")
    with pytest.raises(ValueError, match="sigma2"):
        kappa((4, 4), -0.5)
    with pytest.raises(ValueError, match="depth"):
        gamma_star(0, 1.0, 1.0)
    with pytest.raises(ValueError, match="weight_decay"):
        gamma_from_weight_decay(-1e-4)


def test_singular_covariance_allowed_when_beta_in_range():
    """Fewer samples than inputs: A0 is singular but beta lies in its range; the solution is still exact."""
    x = np.random.default_rng(0).standard_normal((3, 6))
    task = task_from_data(x, x @ np.ones(6))
    net = DeepLinear(2, 4, 0.05)
    ws = [w.requires_grad_(True) for w in stacked(task, net)]
    grads = torch.autograd.grad(expected_loss(ws, task, 0.05).sum(), ws)
    assert max(g.abs().max().item() for g in grads) < 1e-9
    assert not solve_global(task, net).is_zero


# ----------------------------------------------------------------------------- devices
def _device_case():
    """Three nets with per-net decays and noise (one noise-free), D = 2, on the anisotropic task."""
    return (init_weights(ANISO.d0, (4, 4), 3, 1.0, seed=5), torch.tensor([0.05, 0.1, 0.2], dtype=F64),
            torch.tensor([0.0, 0.5, 1.0], dtype=F64))


def test_explicit_cpu_device_is_the_default_bit_for_bit():
    """device="cpu" (or the weights' own device, the default) changes no number of train_exact or
    train_linear_ensemble."""
    w0, g, s2 = _device_case()
    for opt in ("adam", "gd"):
        w, loss = train_exact(w0, ANISO, g, s2, steps=40, lr=0.02, optimizer=opt)
        wc, lc = train_exact(w0, ANISO, g, s2, steps=40, lr=0.02, optimizer=opt, device="cpu")
        assert torch.equal(loss, lc) and all(torch.equal(a, b) for a, b in zip(w, wc)), opt
    nets = [DeepLinear(2, 4, 0.1, 1.0), DeepLinear(1, 3, 0.2), DeepLinear(2, 4, 0.3)]
    kw = dict(init=["kaiming", 0.5, "optimal"], seed=2, steps=30, lr=0.05, optimizer="gd")
    pd.testing.assert_frame_equal(train_linear_ensemble(ANISO, nets, device="cpu", **kw),
                                  train_linear_ensemble(ANISO, nets, **kw), check_exact=True)
    start = ensemble_start(ANISO, nets[:1] * 2, "kaiming", seed=1, device="cpu")
    assert all(torch.equal(a, b) for a, b in zip(start, ensemble_start(ANISO, nets[:1] * 2, "kaiming", seed=1)))


def test_zero_noise_drops_the_noise_term_exactly():
    """sigma2 = 0 for every net skips the noise term (decided on the host, once): same loss and gradient as
    the noise term evaluated with sigma2 = 0 beside a noisy net; a negative sigma2 fails before any step."""
    w0, g, _ = _device_case()
    ws = [w.clone().requires_grad_(True) for w in w0]
    mixed = expected_loss(ws, ANISO, g, torch.tensor([0.0, 0.0, 1.0], dtype=F64))
    clean = expected_loss(ws, ANISO, g, 0.0)
    assert torch.equal(mixed[:2], clean[:2])
    gm, gc = (torch.autograd.grad(loss[:2].sum(), ws) for loss in (mixed, clean))
    assert all(torch.equal(a, b) for a, b in zip(gm, gc))
    with pytest.raises(ValueError, match="sigma2"):
        train_exact(w0, ANISO, g, torch.tensor([0.1, -0.5, 0.0], dtype=F64), steps=1)


@pytest.mark.gpu
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU (none visible to torch)")
def test_cuda_training_equals_cpu():
    """Training on CUDA from the same CPU-drawn start matches CPU to 1e-10 (float64); results come back to CPU
    (train_linear_ensemble, and train_exact from CPU weights) or stay on CUDA (train_exact from CUDA weights)."""
    w0, g, s2 = _device_case()
    for opt in ("adam", "gd"):
        w, loss = train_exact(w0, ANISO, g, s2, steps=200, lr=0.02, optimizer=opt)
        wg, lg = train_exact(w0, ANISO, g, s2, steps=200, lr=0.02, optimizer=opt, device="cuda")
        assert lg.device.type == "cpu" and all(t.device.type == "cpu" for t in wg)
        torch.testing.assert_close(lg, loss, rtol=0, atol=1e-10)
        for a, b in zip(wg, w):
            torch.testing.assert_close(a, b, rtol=0, atol=1e-10)
    wc, lc = train_exact([t.cuda() for t in w0], ANISO, g.cuda(), s2.cuda(), steps=200, lr=0.02, optimizer="gd")
    assert lc.device.type == "cuda" and wc[0].device.type == "cuda"
    torch.testing.assert_close(lc.cpu(), loss, rtol=0, atol=1e-10)
    nets = [DeepLinear(2, 4, 0.1, 1.0), DeepLinear(1, 3, 0.2), DeepLinear(3, 4, 0.05), DeepLinear(2, 4, 0.3)]
    kw = dict(init=["kaiming", 0.5, 1e-2, "optimal"], seed=2, steps=300, lr=0.05, optimizer="gd")
    pd.testing.assert_frame_equal(train_linear_ensemble(ANISO, nets, device="cuda", **kw),
                                  train_linear_ensemble(ANISO, nets, **kw), check_exact=False, rtol=0, atol=1e-10)
