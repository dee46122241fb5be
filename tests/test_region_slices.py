"""Tests for varlib.maxout.slices (counts over a 2D slice of parameter space) and its scorecard row."""
import pytest
import torch

from varlib.maxout import count_regions
from varlib.maxout.nets import MaxoutParams, init_maxout_net, split_widths
from varlib.book.report import DEMONSTRATION
from varlib.maxout.scorecard import parameter_slice_row
from varlib.maxout.slices import neighbour_correlation, parameter_plane, parameter_slice_counts, slice_examples


def _base(seed=4):
    return init_maxout_net(2, split_widths(9, 3), 3, E=3, seed=seed)


def test_plane_passes_through_its_three_draws():
    base = _base()
    nets = parameter_plane(base, torch.tensor([[0.0, 0.0], [1.0, 0.0], [0.0, -2.0]], dtype=torch.float64))
    for a, b in zip(nets.weights + nets.biases + (nets.out_weight, nets.out_bias),
                    base.weights + base.biases + (base.out_weight, base.out_bias)):
        torch.testing.assert_close(a[0], b[0], rtol=0, atol=0)
        torch.testing.assert_close(a[1], b[0] + b[1], rtol=1e-15, atol=1e-15)
        torch.testing.assert_close(a[2], b[0] - 2 * b[2], rtol=1e-15, atol=1e-15)


def test_counts_on_the_slice_equal_separate_counts_and_are_scale_invariant():
    """The grid point xi = 0 is theta_0 itself. Multiplying the first layer's weights and every hidden bias by
    c > 0 multiplies every pre-activation by c, so the counts must not change."""
    table = parameter_slice_counts(K=3, N=9, depth=3, steps=3, extent=1.0, seed=4, chunk=2)
    assert len(table) == 9 and list(table.columns) == ["xi1", "xi2", "regions", "linear_regions", "db_pieces"]
    centre = table[(table.xi1 == 0) & (table.xi2 == 0)].iloc[0]
    alone = count_regions(MaxoutParams(*(tuple(t[:1] for t in ts) for ts in (_base().weights, _base().biases)),
                                       _base().out_weight[:1], _base().out_bias[:1]), (-3.0, 3.0))
    assert (centre.regions, centre.db_pieces) == (alone.regions[0], alone.db_pieces[0])
    base = _base()
    scaled = MaxoutParams((2.5 * base.weights[0],) + base.weights[1:], tuple(2.5 * b for b in base.biases),
                          base.out_weight, base.out_bias)
    assert count_regions(scaled, (-3.0, 3.0)).regions.tolist() == count_regions(base, (-3.0, 3.0)).regions.tolist()


def test_examples_and_scorecard_row():
    table = parameter_slice_counts(K=2, N=6, depth=2, steps=4, seed=1)
    examples = slice_examples(table, K=2, N=6, depth=2, seed=1)
    assert [int(ex[1].counts[ex[3]]) for ex in examples] == [table.regions.min(), table.regions.max()]
    row = parameter_slice_row(table, K=2, N=6, depth=2)
    assert row["verdict"] == DEMONSTRATION and "upper bound" in row["ours"]      # a slice cannot refute it


def test_neighbour_correlation_tells_patches_from_noise():
    import numpy as np
    import pandas as pd

    xi = np.linspace(-1, 1, 20)
    x1, x2 = np.meshgrid(xi, xi, indexing="ij")
    smooth = pd.DataFrame({"xi1": x1.ravel(), "xi2": x2.ravel(), "regions": (100 + 50 * x1 + 30 * x2).ravel()})
    noise = smooth.assign(regions=np.random.default_rng(0).integers(100, 300, smooth.shape[0]))
    assert neighbour_correlation(smooth) > 0.9 and abs(neighbour_correlation(noise)) < 0.2
    patches = smooth.assign(regions=(100 + 200 * (x1 > 0)).ravel())
    row = parameter_slice_row(patches, K=2, N=6, depth=2)
    assert row["verdict"] == DEMONSTRATION and "×3.0" in row["ours"]
    assert "r = 0.0" in parameter_slice_row(noise, K=2, N=6, depth=2)["ours"]
    flat = smooth.assign(regions=100)                                  # no spread: no correlation, no evidence
    assert parameter_slice_row(flat, K=2, N=6, depth=2)["verdict"] == "not tested"


@pytest.mark.parametrize("kwargs, word", [({"steps": 1}, "steps"), ({"extent": 0}, "extent"),
                                          ({"chunk": 0}, "chunk")])
def test_bad_arguments_name_the_parameter(kwargs, word):
    with pytest.raises(ValueError, match=word):
        parameter_slice_counts(K=2, N=6, depth=2, **kwargs)


def test_plane_needs_three_nets():
    with pytest.raises(ValueError, match="exactly 3 nets"):
        parameter_plane(init_maxout_net(2, [3], 2, E=2), torch.zeros(1, 2))
