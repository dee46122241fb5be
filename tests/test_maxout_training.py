"""Tests for varlib.maxout.training and varlib.maxout.plots (the maxout chapter's experiments)."""
import math

import matplotlib
import numpy as np
import pandas as pd
import pytest
import torch

matplotlib.use("Agg")

import varlib  # noqa: E402
from varlib.core.data import Dataset, load_dataset  # noqa: E402
from varlib.maxout import count_regions, init_maxout_net, split_widths  # noqa: E402
from varlib.maxout import plots as regions_plots  # noqa: E402
from varlib.maxout import scorecard as ms  # noqa: E402
from varlib.maxout import training as mt  # noqa: E402
from varlib.maxout.bounds import max_regions_one_layer  # noqa: E402
from varlib.maxout.profiles import CHAPTER_PROFILES


@pytest.fixture(scope="module")
def small_digits():
    d = load_dataset("digits")
    return Dataset("digits", d.X_train[:256], d.y_train[:256], d.X_test[:128], d.y_test[:128])


def test_profiles_have_the_same_keys_and_validate():
    keys = {p: set(v) for p, v in CHAPTER_PROFILES.items()}
    assert keys["smoke"] == keys["standard"] == keys["full"]
    cfg = varlib.chapter_settings("maxout", "smoke")
    assert cfg.ranks == (2, 3) and cfg.data_dir == "data"


def test_flatten_unflatten_round_trip():
    params = init_maxout_net(5, [4, 3], 3, m=4, E=2, seed=1)
    back = mt.unflatten_params(mt.flatten_params(params), 5, [4, 3], 3, 4)
    for a, b in zip([*params.weights, *params.biases, params.out_weight, params.out_bias],
                    [*back.weights, *back.biases, back.out_weight, back.out_bias]):
        assert torch.equal(a, b)
    with pytest.raises(ValueError, match="architecture needs"):
        mt.unflatten_params(mt.flatten_params(params), 5, [4, 4], 3, 4)


def test_count_cell_equals_count_regions_per_net():
    table = mt.count_cell(3, 9, 2, 3, init="sphere", seed=4)
    direct = count_regions(init_maxout_net(2, split_widths(9, 2), 3, init="sphere", E=3, seed=4))
    assert table.regions.tolist() == direct.regions.tolist()
    assert set(table.columns) >= {"K", "N", "depth", "init", "regions", "db_pieces"}


def test_deep_maximum_is_the_one_layer_maximum_at_depth_one_and_bounds_exact_counts():
    assert mt.deep_max_regions([7], 3) == max_regions_one_layer(7, 2, 3)
    assert mt.deep_max_regions([3, 3], 2) == 7 * 7
    for depth in (1, 2, 3):
        table = mt.count_cell(2, 9, depth, 3, seed=depth)
        assert (table.regions <= mt.deep_max_regions(split_widths(9, depth), 2)).all()


def test_slice_points_have_three_classes_and_are_seeded(small_digits):
    pts, labels = mt.slice_points(small_digits, seed=3)
    assert pts.shape == (3, 64) and len(set(labels)) == 3
    assert mt.slice_points(small_digits, seed=3)[1] == labels


def test_missing_mnist_falls_back_to_digits(tmp_path):
    assert mt.load_training_data(tmp_path).name == "digits"
    assert mt.load_training_data(None).name == "digits"


def test_stacked_training_equals_training_each_net_alone(small_digits):
    """Adam on stacked nets with a summed loss = separate Adam runs (Adam is elementwise)."""
    kw = dict(epochs=2, count_every=2, box=10.0, seed=5)
    params = init_maxout_net(64, [6, 5], 2, m=10, E=3, seed=2)
    together = mt.train_maxout(params, small_digits, **kw)
    one = init_maxout_net(64, [6, 5], 2, m=10, E=3, seed=2)
    alone = mt.train_maxout(mt.unflatten_params(mt.flatten_params(one)[1:2], 64, [6, 5], 2, 10), small_digits, **kw)
    h = together["history"]
    assert np.allclose(h[h.net == 1].train_loss.values, alone["history"].train_loss.values, rtol=1e-4)
    assert torch.allclose(together["flat"][1, 1], alone["flat"][1, 0], atol=1e-5)
    c = together["counts"]
    assert c[c.net == 1].regions.tolist() == alone["counts"].regions.tolist()


def test_training_lowers_the_loss_and_counts_at_the_checkpoints(small_digits):
    out = mt.train_inits(2, ["maxout_he", "relu_he"], 2, 12, 2, small_digits, epochs=3, count_every=2, box=10.0)
    h, c = out["history"], out["counts"]
    assert sorted(c.epoch.unique()) == [0, 2, 3] and sorted(h.epoch.unique()) == [0, 1, 2, 3]
    assert set(c.init) == {"maxout_he", "relu_he"} and set(c.seed) == {0, 1} and (c.K == 2).all()
    first, last = h[h.epoch == 0].set_index("net"), h[h.epoch == 3].set_index("net")
    assert (last.train_loss < first.train_loss).all()
    assert (c.regions >= 1).all() and out["flat"].shape[:2] == (2, 4)
    panels, points = mt.slice_panels(out, small_digits, 2, [6, 6], 0, 10.0)
    assert len(panels) == 2 and points.shape == (3, 2) and np.abs(points).max() < 10.0
    assert int(panels[0][1].counts[0]) == int(c[(c.net == 0) & (c.epoch == 0)].regions.iloc[0])


def test_convergence_table_finds_the_first_epoch_at_target():
    history = pd.DataFrame({"K": 2, "init": "a", "seed": 0, "epoch": [0, 1, 2, 3],
                            "test_acc": [0.1, 0.5, 0.92, 0.95], "train_loss": [2.0, 1.0, 0.5, 0.3]})
    conv = mt.convergence_table(history, 0.9)
    assert conv.epochs_to_target[0] == 2 and conv.final_acc[0] == 0.95
    assert conv.mean_loss[0] == pytest.approx(0.6)
    assert math.isnan(mt.convergence_table(history, 0.99).epochs_to_target[0])


def _sweep(depth_effect):
    rows = [{"K": K, "N": N, "depth": d, "net": r, "regions": N * N / 2 * (1 + depth_effect * (d - 1)),
             "db_pieces": N, "linear_regions": 1} for K in (2, 5) for N in (10, 60) for d in (1, 3) for r in range(2)]
    return pd.DataFrame(rows)


def _conv(relu_loss):
    return pd.DataFrame([{"K": 2, "init": i, "seed": s, "epochs_to_target": 3.0, "final_acc": 0.9,
                          "mean_loss": (relu_loss if i == "relu_he" else 0.5) + 0.01 * s}
                         for i in ("relu_he", "maxout_he", "sphere") for s in range(3)])


def _slice(rise):
    return pd.DataFrame([{"K": 2, "init": "maxout_he", "seed": s, "epoch": e, "regions": 100 + rise * e}
                         for s in range(4) for e in (0, 10)])


def test_scorecard_verdicts_follow_the_numbers():
    demo = pd.DataFrame({"regions": [216], "db_pieces": [30]})
    seeds = pd.DataFrame({"regions": [150, 170], "db_pieces": [10, 12]})
    rows = ms.maxout_scorecard(demo, 199, seeds, _sweep(0.0), _conv(1.0), _slice(5), 0.9)
    assert [r["verdict"] for r in rows] == ["reproduced"] * 5
    varlib.scorecard(rows)
    rows = ms.maxout_scorecard(demo.assign(regions=[215]), 199, seeds, _sweep(1.0), _conv(0.5), _slice(-5), 0.9)
    assert [r["verdict"] for r in rows] == ["not reproduced", "reproduced", "not reproduced", "not reproduced",
                                            "not reproduced"]


def test_far_below_fails_when_deep_counts_reach_the_maximum():
    sweep = pd.DataFrame([{"K": 2, "N": 4, "depth": 2, "regions": 36.0, "db_pieces": 1}])
    assert ms._far_below_row(sweep)["verdict"] == "not reproduced"
    assert ms._depth_row(sweep)["verdict"] == "not tested"


def test_figures_are_drawn():
    sweep = mt.count_cell(2, 6, 2, 2).assign(depth=2)
    sweep = pd.concat([sweep, mt.count_cell(2, 9, 2, 2)], ignore_index=True)
    bounds = mt.bound_curves([2], [6, 9], nets=2)
    assert set(bounds.curve) == {"full", "with_k", "without_k"}
    assert isinstance(regions_plots.counts_vs_units(sweep, bounds), matplotlib.figure.Figure)
    panels, table = mt.picture_panels([2], 6, 2, ["maxout_he"], grid_steps=50)
    assert (table.grid_regions <= table.regions).all()
    assert table.net[0] == 0 or table.db_pieces[0] > 0              # the first net whose boundary crosses
    assert isinstance(regions_plots.region_pictures(panels), matplotlib.figure.Figure)
    history = pd.DataFrame({"K": 2, "init": ["a", "b"] * 2, "seed": 0, "epoch": [0, 0, 1, 1],
                            "train_loss": [2.0, 2.1, 1.0, 1.2], "test_acc": [0.1, 0.1, 0.5, 0.4]})
    assert isinstance(regions_plots.training_curves(history), matplotlib.figure.Figure)
    assert isinstance(regions_plots.slice_counts_plot(history.assign(regions=3, db_pieces=1)),
                      matplotlib.figure.Figure)
