import pytest
import torch

from varlib.ensemble import forward, init_mlp_ensemble
from varlib.variability import coefficient_of_variation, collapse_table, grid_points, landscapes, random_landscapes


def test_grid_points_cover_the_square_row_major():
    x = grid_points(3)
    assert x.shape == (9, 2) and x[0].tolist() == [-1, -1] and x[1].tolist() == [-1, 0] and x[-1].tolist() == [1, 1]


def test_landscapes_equal_pointwise_forward_in_chunks():
    ens = init_mlp_ensemble(3, 4, 6, "abs", seed=0, device="cpu", dtype=torch.float64)
    F = landscapes(ens, 9, chunk=10)
    ref = forward(ens, grid_points(9, dtype=torch.float64))[..., 0].view(3, 9, 9)
    torch.testing.assert_close(F, ref)


def test_cv_of_constant_is_zero_and_of_varied_is_positive():
    const = torch.full((2, 8, 8), 3.0)
    assert coefficient_of_variation(const).tolist() == [0.0, 0.0]
    assert coefficient_of_variation(torch.zeros(8, 8)).item() == 0.0
    plane = grid_points(8)[:, 0].view(8, 8)
    assert coefficient_of_variation(plane).item() == pytest.approx(1.0, rel=1e-6)  # zero-mean: std == rms


def test_deep_narrow_relu_collapses_and_shallow_does_not():
    deep = random_landscapes(2000, 64, "relu", 6, 16, device="cpu")
    shallow = random_landscapes(2000, 2, "relu", 6, 16, device="cpu")
    assert (deep["cv"] < 1e-2).double().mean() >= 0.5
    assert (shallow["cv"] > 1e-2).all()
    table = collapse_table({("relu", 64): deep["cv"], ("relu", 2): shallow["cv"]})
    assert table.loc[2, "relu"] == 0.0 and table.loc[64, "relu"] >= 0.5


def test_bad_inputs():
    with pytest.raises(ValueError, match="grid"):
        grid_points(1)
    with pytest.raises(ValueError, match="threshold"):
        collapse_table({}, threshold=0)
