"""The mean-field CV of random landscapes: the closed-form kernel maps against Monte Carlo, and the whole
recursion against wide random nets."""
import math

import pytest
import torch

from varlib.core.ensemble import init_mlp_ensemble
from varlib.variability.measures import landscapes
from varlib.variability.theory import gaussian_product_mean, mean_field_cv


@pytest.mark.parametrize("activation, phi", [("relu", torch.relu), ("abs", torch.abs)])
def test_kernel_map_equals_monte_carlo(activation, phi):
    K = torch.tensor([[1.3, 0.4, -0.9], [0.4, 0.7, 0.1], [-0.9, 0.1, 2.0]], dtype=torch.float64)
    z = torch.randn(2_000_000, 3, generator=torch.Generator().manual_seed(0), dtype=torch.float64)
    u = z @ torch.linalg.cholesky(K).T                                   # rows ~ N(0, K)
    mc = (phi(u).T @ phi(u)) / len(u)
    assert torch.allclose(gaussian_product_mean(activation, K), mc, rtol=0, atol=5e-3)


@pytest.mark.parametrize("activation, depth", [("relu", 3), ("abs", 3), ("relu", 8)])
def test_mean_field_cv_matches_wide_random_nets(activation, depth):
    ens = init_mlp_ensemble(300, depth, 256, activation, sigma_b=0.5, seed=1, device="cpu", dtype=torch.float64)
    F = landscapes(ens, 12).flatten(1)                                   # (draws, grid^2)
    ratio = F.var(dim=1, unbiased=False).mean() / (F ** 2).mean()
    assert math.sqrt(ratio) == pytest.approx(mean_field_cv(activation=activation, depths=[depth], sigma_b=0.5,
                                                           grid=12)[depth], rel=0.1)


def test_mean_field_cv_falls_with_depth_and_bias_and_names_bad_input():
    relu = mean_field_cv(activation="relu", depths=[2, 8, 32], sigma_b=0.1)
    assert relu[2] > relu[8] > relu[32] > 0
    assert mean_field_cv(activation="relu", depths=[32], sigma_b=0.5)[32] < relu[32]
    with pytest.raises(ValueError, match="closed-form kernel map for activation 'tanh'; allowed: relu, abs"):
        mean_field_cv(activation="tanh", depths=[2])
    with pytest.raises(ValueError, match="depth"):
        mean_field_cv(activation="relu", depths=[0])
