"""Tests for varlib.maxout.training, tables, prose, scorecard and plots (the maxout chapter's experiments)."""
import inspect
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
from varlib.maxout import prose  # noqa: E402
from varlib.maxout import scorecard as ms  # noqa: E402
from varlib.maxout import slices as region_slices  # noqa: E402
from varlib.maxout import tables  # noqa: E402
from varlib.maxout import training as mt  # noqa: E402
from varlib.maxout.bounds import max_regions_one_layer  # noqa: E402
from varlib.maxout.geometry import slice_plane  # noqa: E402
from varlib.maxout.profiles import CHAPTER_PROFILES  # noqa: E402


@pytest.fixture(scope="module")
def small_digits():
    d = load_dataset("digits")
    return Dataset("digits", d.X_train[:256], d.y_train[:256], d.X_test[:128], d.y_test[:128])


def test_profiles_have_the_same_keys_and_validate():
    keys = {p: set(v) for p, v in CHAPTER_PROFILES.items()}
    assert keys["smoke"] == keys["standard"] == keys["full"]
    cfg = varlib.chapter_settings("maxout", "smoke")
    assert cfg.ranks == (2, 3) and cfg.dataset == "digits"
    assert varlib.chapter_settings("maxout", "standard").dataset == "fashion_mnist"
    with pytest.raises(ValueError, match="dataset must be one of"):
        varlib.chapter_settings("maxout", "smoke", dataset="cifar100")
    standard = varlib.chapter_settings("maxout", "standard")     # the settings that used to be literals
    assert (standard.demo_rank, standard.demo_units, standard.demo_depth, standard.demo_nets) == (2, 20, 3, 48)
    assert (standard.theta_rank, standard.theta_units, standard.theta_depth, standard.theta_extent) == (3, 20, 3, 1.0)
    assert (standard.init_units, standard.init_depth, standard.box) == (40, 3, 3.0)
    assert (standard.lr, standard.batch) == (1e-3, 128)
    for v in CHAPTER_PROFILES.values():                             # the middle N of the sweep, 4 x nets
        assert v["init_units"] == sorted(v["units"])[len(v["units"]) // 2] and v["demo_nets"] == 4 * v["nets"]


@pytest.mark.parametrize("fn", [mt.count_cell, mt.bound_curves, mt.train_inits, mt.picture_panels, mt.count_grid,
                                region_slices.parameter_slice_counts, ms.maxout_scorecard])
def test_chapter_functions_take_keyword_arguments_only(fn):
    kinds = {p.kind for p in inspect.signature(fn).parameters.values()}
    assert kinds == {inspect.Parameter.KEYWORD_ONLY}


def test_flatten_unflatten_round_trip():
    params = init_maxout_net(5, [4, 3], 3, m=4, E=2, seed=1)
    back = mt.unflatten_params(mt.flatten_params(params), 5, [4, 3], 3, 4)
    for a, b in zip([*params.weights, *params.biases, params.out_weight, params.out_bias],
                    [*back.weights, *back.biases, back.out_weight, back.out_bias]):
        assert torch.equal(a, b)
    with pytest.raises(ValueError, match="architecture needs"):
        mt.unflatten_params(mt.flatten_params(params), 5, [4, 4], 3, 4)


def test_count_cell_equals_count_regions_per_net():
    table = mt.count_cell(K=3, N=9, depth=2, nets=3, init="sphere", seed=4)
    direct = count_regions(init_maxout_net(2, split_widths(9, 2), 3, init="sphere", E=3, seed=4))
    assert table.regions.tolist() == direct.regions.tolist()
    assert set(table.columns) >= {"K", "N", "depth", "init", "regions", "db_pieces"}


def test_deep_maximum_is_the_one_layer_maximum_at_depth_one_and_bounds_exact_counts():
    assert mt.deep_max_regions([7], 3) == max_regions_one_layer(7, 2, 3)
    assert mt.deep_max_regions([3, 3], 2) == 7 * 7
    for depth in (1, 2, 3):
        table = mt.count_cell(K=2, N=9, depth=depth, nets=3, seed=depth)
        assert (table.regions <= mt.deep_max_regions(split_widths(9, depth), 2)).all()


def test_slice_points_have_three_classes_and_are_seeded(small_digits):
    pts, labels = mt.slice_points(small_digits, seed=3)
    assert pts.shape == (3, 64) and len(set(labels)) == 3
    assert mt.slice_points(small_digits, seed=3)[1] == labels


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
    out = mt.train_inits(K=2, inits=["maxout_he", "relu_he"], seeds=2, units=12, depth=2, data=small_digits,
                         epochs=3, count_every=2, box=10.0)
    h, c = out["history"], out["counts"]
    assert sorted(c.epoch.unique()) == [0, 2, 3] and sorted(h.epoch.unique()) == [0, 1, 2, 3]
    assert set(c.init) == {"maxout_he", "relu_he"} and set(c.seed) == {0, 1} and (c.K == 2).all()
    first, last = h[h.epoch == 0].set_index("net"), h[h.epoch == 3].set_index("net")
    assert (last.train_loss < first.train_loss).all()
    assert (c.regions >= 1).all() and out["flat"].shape[:2] == (2, 4)
    panels, points = mt.slice_panels(out, small_digits, widths=[6, 6], init="maxout_he", box=10.0)
    assert len(panels) == 2 and points.shape == (3, 2) and np.abs(points).max() < 10.0
    assert int(panels[0][1].counts[0]) == int(c[(c.net == 0) & (c.epoch == 0)].regions.iloc[0])
    after = mt.slice_panels(out, small_digits, widths=[6, 6], init="relu_he", box=10.0)[0][1]   # net 2: relu_he
    assert int(after[1].counts[0]) == int(c[(c.net == 2) & (c.epoch == 3)].regions.iloc[0])
    with pytest.raises(ValueError, match="no trained net has init"):
        mt.slice_panels(out, small_digits, widths=[6, 6], init="sphere", box=10.0)


def test_evaluations_within_an_epoch_leave_training_unchanged(small_digits):
    """``evals_per_epoch`` records the loss at equal numbers of steps inside each epoch (on the first
    ``eval_inputs`` training inputs) without changing the training itself."""
    kw = dict(K=2, inits=["maxout_he"], seeds=2, units=8, depth=2, data=small_digits, epochs=2, count_every=2,
              box=10.0, batch=32)
    once, often = mt.train_inits(**kw), mt.train_inits(**kw, evals_per_epoch=4, eval_inputs=100)
    assert torch.equal(once["flat"], often["flat"])
    assert sorted(often["history"].epoch.unique()) == [0, 0.25, 0.5, 0.75, 1, 1.25, 1.5, 1.75, 2]
    h = often["history"]
    assert not np.allclose(h[h.epoch == 2].train_loss, once["history"].query("epoch == 2").train_loss)  # 100 inputs
    with pytest.raises(ValueError, match="evals_per_epoch"):
        mt.train_inits(**kw, evals_per_epoch=0)


def test_train_inits_passes_the_optimiser_settings_on(small_digits):
    kw = dict(K=2, inits=["maxout_he"], seeds=1, units=6, depth=2, data=small_digits, epochs=1, count_every=1, box=10.0)
    default, same, other = (mt.train_inits(**kw, **extra) for extra in ({}, {"lr": 1e-3, "batch": 128}, {"lr": 1e-2}))
    assert torch.equal(default["flat"], same["flat"]) and not torch.equal(default["flat"], other["flat"])
    with pytest.raises(ValueError, match="batch must be"):
        mt.train_inits(**kw, batch=0)


def test_convergence_table_finds_the_first_epoch_at_target():
    history = pd.DataFrame({"K": 2, "init": "a", "seed": 0, "epoch": [0, 1, 2, 3],
                            "test_acc": [0.1, 0.5, 0.92, 0.95], "train_loss": [2.0, 1.0, 0.5, 0.3]})
    conv = mt.convergence_table(history, target=0.9, classes=10)
    assert conv.epochs_to_target[0] == 2 and conv.final_acc[0] == 0.95
    assert conv.mean_loss[0] == pytest.approx(0.6)
    assert not conv.diverged[0] and not conv.at_chance[0]
    assert math.isnan(mt.convergence_table(history, target=0.99, classes=10).epochs_to_target[0])
    with pytest.raises(ValueError, match="classes must be"):
        mt.convergence_table(history, target=0.9, classes=1)


@pytest.mark.parametrize("late, acc, diverged, at_chance", [
    (np.nan, 0.95, True, False), (np.inf, 0.95, True, False), (2.5e31, 0.95, True, False),   # not finite, exploded
    (1.9e3, 0.95, False, False), (2.1e3, 0.95, True, False),      # the bound: 1e3 x the loss before training (2.0)
    (0.3, 0.15, False, True), (0.3, 0.16, False, False), (0.3, 0.02, False, True), (0.3, np.nan, False, True)])
def test_convergence_table_flags_diverged_and_at_chance_runs(late, acc, diverged, at_chance):
    history = pd.DataFrame({"K": 2, "init": "a", "seed": 0, "epoch": [0, 1, 2],
                            "test_acc": [0.1, 0.5, acc], "train_loss": [2.0, 1.0, late]})
    conv = mt.convergence_table(history, target=0.9, classes=10)            # chance 0.1 plus the margin
    assert (conv.diverged[0], conv.at_chance[0]) == (diverged, at_chance)
    assert mt.MAXOUT_DIVERGENCE_FACTOR == 1e3 and mt.MAXOUT_CHANCE_MARGIN == 0.05


def _sweep(depth_effect):
    rows = [{"K": K, "N": N, "depth": d, "net": r, "regions": N * N / 2 * (1 + depth_effect * (d - 1)),
             "db_pieces": N, "linear_regions": 1}
            for K in (2, 5) for N in (10, 30, 60) for d in (1, 3) for r in range(5)]
    return pd.DataFrame(rows)


def _conv(sphere_loss):
    """Runs of three inits; maxout-He's mean training loss is 0.5 (+ 0.01 seed), the sphere's ``sphere_loss``."""
    loss = {"relu_he": 1.0, "maxout_he": 0.5, "sphere": sphere_loss}
    return pd.DataFrame([{"K": 2, "init": i, "seed": s, "epochs_to_target": 3.0, "final_acc": 0.9,
                          "mean_loss": loss[i] + 0.01 * s, "diverged": False,
                          "at_chance": False} for i in ("relu_he", "maxout_he", "sphere") for s in range(5)])


def _slice(rise):
    return pd.DataFrame([{"K": 2, "init": "maxout_he", "seed": s, "epoch": e, "regions": 100 + rise * e}
                         for s in range(4) for e in (0, 10)])


def test_scorecard_verdicts_follow_the_numbers():
    demo = pd.DataFrame({"regions": [216], "db_pieces": [30], "grid_regions": [199]})
    seeds = pd.DataFrame({"regions": [150, 170], "db_pieces": [10, 12]})
    rows = ms.maxout_scorecard(demo=demo, demo_seeds=seeds, sweep=_sweep(0.0), conv=_conv(0.4), slice_counts=_slice(5),
                               target=0.9)
    assert [r["verdict"] for r in rows] == ["reproduced"] * 7
    varlib.scorecard(rows)
    rows = ms.maxout_scorecard(demo=demo.assign(regions=[215]), demo_seeds=seeds, sweep=_sweep(1.0), conv=_conv(0.6),
                               slice_counts=_slice(-5), target=0.9)
    assert [r["verdict"] for r in rows] == ["not reproduced", "reproduced", "not reproduced", "reproduced",
                                            "not reproduced", "not reproduced", "not reproduced"]
    tie = ms.maxout_scorecard(demo=demo, demo_seeds=seeds, sweep=_sweep(0.0), conv=_conv(0.5), slice_counts=_slice(5),
                              target=0.9)
    assert tie[-1]["verdict"] == "not tested"                        # equal losses: the interval cannot tell


def _history(late_loss, late_acc, inits=("relu_he", "maxout_he", "sphere"), seeds=5):
    """Training histories (epochs 0, 5, 10) of ``seeds`` runs per init; the losses and test accuracies after
    training are ``late_loss`` and ``late_acc`` (a number, or a function of init and seed)."""
    def pick(v, i, s):
        return v(i, s) if callable(v) else v

    return pd.DataFrame([{"K": 2, "init": i, "seed": s, "epoch": e,
                          "train_loss": 2.3 if e == 0 else pick(late_loss, i, s) * (1 + 0.01 * s),
                          "test_acc": 0.1 if e == 0 else pick(late_acc, i, s)}
                         for i in inits for s in range(seeds) for e in (0, 5, 10)])


def _slice_of(history, rise):
    """Slice counts of the runs of ``history`` at epochs 0 and 10 (regions 100, then 100 + 10 rise)."""
    runs = history[["K", "init", "seed"]].drop_duplicates()
    return pd.concat([runs.assign(epoch=e, regions=100 + rise * e, db_pieces=3) for e in (0, 10)],
                     ignore_index=True)


def _training_rows(history, rise=5):
    conv = mt.convergence_table(history, target=0.9, classes=10)
    demo = pd.DataFrame({"regions": [216], "db_pieces": [30], "grid_regions": [199]})
    seeds = pd.DataFrame({"regions": [150, 170], "db_pieces": [10, 12]})
    rows = ms.maxout_scorecard(demo=demo, demo_seeds=seeds, sweep=_sweep(0.0), conv=conv,
                               slice_counts=_slice_of(history, rise), target=0.9)
    varlib.scorecard(rows)                                                  # a valid table, whatever happened
    return {r["claim"]: r for r in rows}


RISE = "regions in an input slice increase during training"
FASTER = "region-raising initialisations (sphere, many-regions) speed up training"


def test_training_rows_of_a_normal_run_are_unchanged():
    """Runs that learn: verdicts and numbers as before, plus the failure counts."""
    rows = _training_rows(_history(lambda i, s: 0.4 if i == "sphere" else 0.5, 0.95))
    assert rows[RISE]["verdict"] == "reproduced" and rows[FASTER]["verdict"] == "reproduced"
    assert rows[RISE]["ours"] == ("final/initial count: median 1.50; rises in 100% of runs "
                                  "(diverged 0/15, at chance 0/15)")
    assert rows[FASTER]["ours"].startswith("mean training loss of maxout-He minus the init's [95 % interval]")
    assert rows[FASTER]["ours"].endswith("(diverged 0/15, at chance 0/15)")
    falling = _training_rows(_history(lambda i, s: 0.6 if i == "sphere" else 0.5, 0.95), rise=-5)
    assert falling[RISE]["verdict"] == "not reproduced" and falling[FASTER]["verdict"] == "not reproduced"
    assert "rises in 0% of runs (diverged 0/15" in falling[RISE]["ours"]


@pytest.mark.parametrize("late_loss, late_acc", [(np.nan, 0.0867), (np.inf, 0.0867), (1e31, 0.3), (1e31, 0.0867)])
def test_training_rows_are_not_tested_when_every_run_diverged(late_loss, late_acc):
    """All NaN, infinite or finite but exploded (1e31, even with an accuracy above chance): not tested."""
    rows = _training_rows(_history(late_loss, late_acc))
    for claim in (RISE, FASTER):
        assert rows[claim]["verdict"] == "not tested", claim
        assert "diverged 15/15" in rows[claim]["ours"] and "too few runs trained" in rows[claim]["ours"]
    others = [r["verdict"] for c, r in rows.items() if c not in (RISE, FASTER)]
    assert others == ["reproduced"] * 5                                        # rows without training keep theirs


def test_training_rows_are_not_tested_when_every_run_sits_at_chance():
    rows = _training_rows(_history(lambda i, s: 2.0 if i == "relu_he" else 1.0, 0.12))
    for claim in (RISE, FASTER):
        assert rows[claim]["verdict"] == "not tested" and "(diverged 0/15, at chance 15/15)" in rows[claim]["ours"]


def test_training_rows_are_not_tested_from_nan_evidence():
    """A convergence table that carries NaN losses without the flags: the NaN runs count as diverged."""
    history = _history(0.5, 0.95)
    conv = mt.convergence_table(history, target=0.9, classes=10).assign(mean_loss=np.nan)
    assert ms._init_row(conv, 0.9)["verdict"] == "not tested"
    assert ms._training_row(_slice_of(history, 5), conv)["verdict"] == "not tested"
    assert ms._training_row(_slice_of(history, 5), conv.iloc[0:0])["verdict"] == "not tested"   # no runs at all


def test_training_rows_judge_the_runs_that_trained_when_most_did():
    """Two of nine runs diverge (ReLU-He seeds 0, 1): the rows are tested on the runs that trained and say so;
    with maxout-He gone there is nothing to beat, so "faster" is not tested."""
    history = _history(lambda i, s: 1e31 if i == "relu_he" and s < 2 else 0.4 if i == "sphere" else 0.5, 0.95)
    rows = _training_rows(history)
    assert rows[RISE]["verdict"] == "reproduced"
    assert rows[RISE]["ours"] == ("final/initial count: median 1.50; rises in 100% of runs that trained (13/15) "
                                  "(diverged 2/15, at chance 0/15)")
    assert rows[FASTER]["verdict"] == "reproduced" and "(diverged 2/15, at chance 0/15)" in rows[FASTER]["ours"]
    gone = _training_rows(_history(lambda i, s: 1e31 if i == "maxout_he" else 0.4, 0.95))
    assert gone[FASTER]["verdict"] == "not tested" and gone[RISE]["verdict"] == "reproduced"
    most = _training_rows(_history(lambda i, s: 1e31 if s < 3 else 0.5, 0.95))    # 9 of 15 diverged
    assert most[RISE]["verdict"] == most[FASTER]["verdict"] == "not tested"


def test_growth_rows_fail_on_the_wrong_power_and_say_not_tested_without_evidence():
    cubic = pd.DataFrame([{"K": 2, "N": N, "depth": 2, "regions": float(N) ** 3, "db_pieces": N}
                          for N in (10, 20, 40) for _ in range(5)])
    assert ms._growth_row(cubic)["verdict"] == "not reproduced"
    assert ms._depth_row(cubic)["verdict"] == "not tested"                           # a single depth
    assert ms._boundary_row(cubic)["verdict"] == "not tested"                        # no depth-1 cell
    one = cubic[cubic.N == 10]
    assert ms._growth_row(one)["verdict"] == "not tested"                            # one N: no slope


def test_depth_row_grades_against_the_interval_not_the_noise():
    """Counts that do not depend on depth but are noisy: with a few nets the interval is wide and the row says
    "not tested"; with many it is flat."""
    rng = np.random.default_rng(0)

    def sweep(nets):
        return pd.DataFrame([{"K": 2, "N": 100, "depth": d, "regions": 3600 * (1 + 0.3 * rng.standard_normal()),
                              "db_pieces": 1} for d in (1, 5) for _ in range(nets)])
    assert ms._depth_row(sweep(3))["verdict"] == "not tested"
    assert ms._depth_row(sweep(200))["verdict"] == "reproduced"


def test_figures_are_drawn():
    sweep = mt.count_cell(K=2, N=6, depth=2, nets=2)
    sweep = pd.concat([sweep, mt.count_cell(K=2, N=9, depth=2, nets=2)], ignore_index=True)
    bounds = mt.bound_curves(ranks=[2], units=[6, 9], nets=2)
    assert set(bounds.curve) == {"full", "with_k", "without_k"}
    assert isinstance(regions_plots.counts_vs_units(sweep, bounds=bounds), matplotlib.figure.Figure)
    panels, table = mt.picture_panels(ranks=[2], N=6, depth=2, inits=["maxout_he"], grid_steps=50)
    assert (table.grid_regions <= table.regions).all()
    assert table.net[0] == 0 or table.db_pieces[0] > 0              # the first net whose boundary crosses
    assert isinstance(regions_plots.region_pictures(panels), matplotlib.figure.Figure)
    history = pd.DataFrame({"K": 2, "init": ["a", "b"] * 2, "seed": 0, "epoch": [0, 0, 1, 1],
                            "train_loss": [2.0, 2.1, 1.0, 1.2], "test_acc": [0.1, 0.1, 0.5, 0.4]})
    assert isinstance(regions_plots.training_curves(history), matplotlib.figure.Figure)
    assert isinstance(regions_plots.slice_counts_plot(history.assign(regions=3, db_pieces=1)),
                      matplotlib.figure.Figure)


# ----------------------------------------------------------------------------- the chapter's grids and tables
def test_count_grid_skips_layers_without_units_and_keeps_the_sweep_order():
    grid = mt.count_grid(ranks=[2, 5], units=[2, 6], depths=[1, 3])
    assert grid == [{"K": K, "N": N, "depth": d} for K in (2, 5) for N, d in ((2, 1), (6, 1), (6, 3))]


def test_authors_demo_counts_reproduce_the_readme():
    demo = mt.authors_demo_counts()
    assert demo[["regions", "linear_regions", "db_pieces", "grid_regions"]].iloc[0].tolist() == [216, 216, 30, 199]


def test_tables_summarise_the_sweep():
    sweep = _sweep(1.0)
    summary = tables.depth_summary(sweep)
    assert list(summary.columns) == ["regions", "db_pieces", "upper bound"] and len(summary) == 4
    assert summary.loc[(2, 3), "upper bound"] == mt.deep_max_regions(split_widths(60, 3), 2)
    ratios = tables.bound_ratios(sweep)
    assert ratios[(5, 1)] == pytest.approx(1800 / max_regions_one_layer(60, 2, 5))
    stats = tables.region_stats(sweep)
    assert list(stats.index) == ["mean", "std", "min", "max"] and stats.loc["max", "regions"] == 5400
    counts = _slice(5).assign(db_pieces=3)
    assert tables.slice_region_table(counts).loc[(2, "maxout_he"), ("regions", 10)] == 150
    assert tables.convergence_means(_conv(1.0)).loc[(2, "relu_he"), "mean_loss"] == pytest.approx(1.02)  # seeds 0-4
    init = pd.DataFrame({"K": 2, "init": ["a", "a", "b"], "regions": [10, 20, 40]})
    assert tables.init_region_table(init).loc[2, ("mean", "a")] == 15


# ----------------------------------------------------------------------------- the words of the prose
def test_demo_facts_place_the_authors_draw_among_our_seeds():
    demo = pd.DataFrame({"regions": [216], "db_pieces": [30], "grid_regions": [199]})
    seeds = pd.DataFrame({"regions": [100, 150, 200, 210], "linear_regions": [100, 150, 200, 210]})
    facts = prose.demo_facts(demo, seeds)
    assert facts["maxout-demo-above"] == 1.0 and facts["maxout-seeds-max"] == 210 and facts["maxout-seeds-nets"] == 4
    assert facts["maxout-demo-position"] == "sits near the top of"
    assert facts["maxout-demo-kind"] == "a rich network, not a typical one"
    assert facts["maxout-linear-words"].startswith("coincide for every one")
    low = prose.demo_facts(demo.assign(regions=[90]), seeds.assign(linear_regions=[100, 150, 199, 210]))
    assert low["maxout-demo-position"] == "sits near the bottom of" and "75%" in low["maxout-linear-words"]


def _bounds(units, ranks=(2, 5)):
    return pd.DataFrame([{"K": K, "N": float(N), "quantity": "regions", "curve": "full", "value": 1e6 * N**2}
                         for K in ranks for N in units])


def test_count_sweep_facts_read_the_growth_the_gap_and_the_depth_dependence():
    sweep = _sweep(0.0).assign(db_pieces=lambda d: np.where(d.depth == 1, d.N, 0))
    facts = prose.count_sweep_facts(sweep, _bounds([10, 60]))
    assert facts["maxout-region-slope-min"] == pytest.approx(2) and facts["maxout-region-slope-max"] == pytest.approx(2)
    assert facts["maxout-region-slope-words"] == "close to the power two of the bounds"
    assert facts["maxout-bound-gap"] == 6                                         # 1e6 N^2 / (N^2 / 2) = 2e6
    assert facts["maxout-db-slope-min"] == pytest.approx(1) and facts["maxout-deep-db-miss"] == 1.0
    assert facts["maxout-deep-db-words"] == "mostly" and facts["maxout-top-units"] == 60
    assert facts["maxout-depth-words"] == "For ranks 2 and 5 the count hardly moves with depth."
    mixed = sweep.assign(regions=np.where((sweep.K == 5) & (sweep.depth == 3), sweep.regions / 3, sweep.regions))
    assert prose.count_sweep_facts(mixed, _bounds([10, 60]))["maxout-depth-words"] == (
        "For rank 2 the count hardly moves with depth; for rank 5 the shallow networks have more regions in this "
        "box than the deep ones.")
    one = prose.count_sweep_facts(sweep[sweep.depth == 1], _bounds([10, 60]))
    assert one["maxout-depth-words"].startswith("With a single depth") and math.isnan(one["maxout-deep-ratio"])


def test_theta_slice_facts_follow_the_scorecard_thresholds():
    xi = np.linspace(-1, 1, 20)
    x1, x2 = np.meshgrid(xi, xi, indexing="ij")
    patches = pd.DataFrame({"xi1": x1.ravel(), "xi2": x2.ravel(), "regions": (100 + 200 * (x1 > 0)).ravel()})
    facts = prose.theta_slice_facts(patches, K=3, N=20, depth=3)
    assert (facts["maxout-theta-min"], facts["maxout-theta-max"]) == (100, 300)
    assert facts["maxout-theta-widths"] == "7, 7 and 6"                         # not a Python literal: glued as text
    assert facts["maxout-theta-words"] == "varying strongly, in patches"
    assert facts["maxout-theta-point"].startswith("This holds the paper's point")
    assert facts["maxout-theta-near-words"].startswith("pieces of near-maximal complexity")
    noise = patches.assign(regions=np.random.default_rng(0).integers(100, 120, len(patches)))
    facts = prose.theta_slice_facts(noise, K=3, N=20, depth=3)
    assert facts["maxout-theta-words"] == "varying little, without patches"
    assert facts["maxout-theta-point"].startswith("This does not show")


def _counts(table):
    """Slice counts with one seed from {(K, init): [(regions, db_pieces) at epochs 0, 10, 20]}."""
    return pd.DataFrame([{"K": K, "init": init, "seed": 0, "epoch": 10 * i, "regions": r, "db_pieces": d}
                         for (K, init), values in table.items() for i, (r, d) in enumerate(values)])


def test_slice_training_facts_describe_each_run():
    counts = _counts({(2, "many_regions"): [(301, 11), (522, 49), (587, 44)],
                      (2, "maxout_he"): [(1104, 34), (914, 57), (1001, 61)],
                      (2, "relu_he"): [(1113, 38), (1020, 67), (963, 67)],
                      (5, "maxout_he"): [(3066, 93), (2258, 86), (2482, 95)]})
    facts = prose.slice_training_facts(counts)
    assert facts["maxout-first-checkpoint"] == 10
    assert facts["maxout-slice-db-words"] == (
        "Between epoch 0 and epoch 10 the decision boundary gains pieces for every initialisation and rank but "
        "maxout-He at K = 5, which stays within 10%, as the classifier learns to separate the three slice classes.")
    assert facts["maxout-slice-region-words"] == (
        "The number of regions in the slice rises over the run for many-regions at K = 2 (which starts with far "
        "fewer regions than the others); it falls at first and partly recovers for maxout-He at K = 2 and "
        "maxout-He at K = 5; it falls for ReLU-He at K = 2.")
    flat = prose.slice_training_facts(_counts({(2, "sphere"): [(100, 10), (101, 10)]}))
    assert flat["maxout-slice-region-words"] == ("The number of regions in the slice stays within 10% for sphere "
                                                 "at K = 2.")
    assert "stays within 10% for sphere at K = 2" in flat["maxout-slice-db-words"]


def test_init_speed_facts_rank_the_initialisations():
    conv = pd.DataFrame([{"K": K, "init": init, "seed": s, "epochs_to_target": e + s, "mean_loss": loss}
                         for K, rows in {2: [("maxout_he", 10, 0.4), ("many_regions", 20, 0.9)],
                                         5: [("maxout_he", 8, 0.5), ("many_regions", np.nan, 0.6)]}.items()
                         for init, e, loss in rows for s in range(2)])
    init_table = pd.DataFrame({"K": [2, 2, 5, 5], "init": ["maxout_he", "many_regions"] * 2,
                               "regions": [500, 100, 1500, 1700]})
    words = prose.init_speed_facts(conv, init_table)["maxout-speed-words"]
    assert words.startswith("Maxout-He reaches the target accuracy in 8.5 to 10.5 epochs and many-regions in 20.5 (")
    some = conv.assign(epochs_to_target=conv.epochs_to_target.where(conv.init == "many_regions"))
    some = prose.init_speed_facts(some, init_table)["maxout-speed-words"]
    assert some.startswith("Many-regions reaches the target accuracy in 20.5 epochs (mean over seeds; ranges over "
                           "the trained ranks); maxout-He does not reach it.")
    assert "the fastest is maxout-He at K = 2 and maxout-He at K = 5" in words
    assert "The slowest, many-regions at K = 2, also has the fewest regions at initialisation at that rank" in words
    both = prose.init_speed_facts(conv, init_table.assign(regions=[500, 100, 1700, 1500]))["maxout-speed-words"]
    assert "The slowest, many-regions at K = 2 and many-regions at K = 5, also have" in both
    never = prose.init_speed_facts(conv.assign(epochs_to_target=np.nan), init_table)["maxout-speed-words"]
    assert never.startswith("No initialisation reaches the target accuracy. By mean training loss")
    diverged = prose.init_speed_facts(conv.assign(mean_loss=np.nan), init_table)["maxout-speed-words"]
    assert diverged == "8 of the 8 training runs diverged and are left out. No run is left to compare the " \
                       "initialisations."
    some = conv.assign(diverged=conv.init == "many_regions")
    some = prose.init_speed_facts(some, init_table)["maxout-speed-words"]
    assert some.startswith("4 of the 8 training runs diverged and are left out. Maxout-He reaches the target")


def test_glue_names_are_unique_and_prefixed():
    demo = pd.DataFrame({"regions": [216], "db_pieces": [30], "grid_regions": [199]})
    seeds = pd.DataFrame({"regions": [100, 150], "linear_regions": [100, 150]})
    patches = pd.DataFrame({"xi1": [0.0, 0.0, 1.0, 1.0], "xi2": [0.0, 1.0, 0.0, 1.0], "regions": [1, 2, 3, 5]})
    conv = _conv(1.0)
    small = load_dataset("digits")
    names = [list(f) for f in (prose.demo_facts(demo, seeds), prose.count_sweep_facts(_sweep(0.0), _bounds([10, 60])),
                               prose.theta_slice_facts(patches, K=2, N=6, depth=2), prose.training_data_facts(small),
                               prose.slice_training_facts(_slice(5).assign(db_pieces=1)),
                               prose.init_speed_facts(conv, conv.assign(regions=1)), prose.threshold_facts())]
    settings = {f"maxout-{k.replace('_', '-')}" for k in CHAPTER_PROFILES["standard"]}
    flat = [n for f in names for n in f]
    assert len(flat) == len(set(flat)) and not set(flat) & settings
    assert all(n.startswith("maxout-") for n in flat)


def test_relu_cells_and_image_slices_count_like_two_input_nets(small_digits):
    """A ReLU cell counts the rank-2 nets turned into ReLU nets; an image-slice cell counts nets on the images in
    the plane through three training images, which equals counting the 2-input net the plane induces."""
    relu = mt.count_cell(K=2, N=6, depth=1, nets=3, init="relu_he", relu=True)
    assert (relu.unit == "relu").all() and (relu.regions <= 1 + 6 + 15).all()     # 6 lines: at most 1 + N + C(N, 2)
    cell = mt.input_slice_cell(K=2, N=6, depth=2, nets=2, data=small_digits, box=10.0)
    params = init_maxout_net(64, split_widths(6, 2), 2, m=10, E=2)
    pts, labels = mt.slice_points(small_digits, 0)
    direct = count_regions(params, (-10.0, 10.0), slice_plane(*pts), labels)
    assert cell.regions.tolist() == direct.regions.tolist() and cell.db_pieces.tolist() == direct.db_pieces.tolist()
    table = tables.growth_table({"2-D input": _sweep(0.0), "slice": _sweep(0.0)})
    assert table.loc[("slice", 2, 1), "regions ~ N^"] == "2.00 [2.00, 2.00]"
    assert table.loc[("2-D input", 5, 3), "DB pieces ~ N^"] == "1.00 [1.00, 1.00]"


def test_an_untested_init_does_not_count_as_slower():
    """Sphere clearly slower than maxout-He, many-regions with too few seeds for an interval: the rank is not
    "slower" (one region-raising init is untested), so the row is "not tested", not "not reproduced"."""
    runs = [{"K": 2, "init": i, "seed": s, "epochs_to_target": 1.0, "final_acc": 0.9, "diverged": False,
             "at_chance": False, "mean_loss": {"maxout_he": 0.5, "sphere": 0.6, "many_regions": 0.4}[i] + 0.01 * s}
            for i, n in (("maxout_he", 5), ("sphere", 5), ("many_regions", 3)) for s in range(n)]
    assert ms._init_row(pd.DataFrame(runs), 0.9)["verdict"] == "not tested"
