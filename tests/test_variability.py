import pytest
import torch

from varlib.core.ensemble import forward, init_mlp_ensemble
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


# ----------------------------------------------------------------------------- the variability chapter
import numpy as np
import pandas as pd

from varlib import variability as V
from varlib.core.activations import get_activation
from varlib.core.ensemble import MLPEnsemble, member_module


def _grid_values(fn, n=16):
    x = grid_points(n, dtype=torch.float64)
    return fn(x[:, 0], x[:, 1]).view(n, n)


def test_v3_of_a_cubic_is_its_constant_third_difference_over_the_rms():
    n = 16
    F = _grid_values(lambda x, y: x ** 3, n)
    h = 2 / (n - 1)
    expected = 0.5 * (6 * h ** 3 + 0.0) / F.square().mean().sqrt()
    assert V.v3(F).item() == pytest.approx(expected.item(), rel=1e-9)
    G = _grid_values(lambda x, y: y ** 3 + x ** 3, n)
    assert V.v3(G).item() == pytest.approx((6 * h ** 3 / G.square().mean().sqrt()).item(), rel=1e-9)


def test_v3_ignores_planes_and_quadratics_and_sends_constants_to_zero():
    plane = _grid_values(lambda x, y: 0.3 * x - 2 * y + 0.7)
    quad = _grid_values(lambda x, y: x ** 2 + x * y - y ** 2)
    assert V.v3(plane).item() < 1e-12 and V.v3(quad).item() < 1e-12
    assert V.v3(torch.full((2, 8, 8), 5.0)).tolist() == [0.0, 0.0]
    assert V.v3(torch.zeros(8, 8)).item() == 0.0


def test_rms_normalisation_keeps_a_nearly_constant_map_near_zero():
    wiggle = _grid_values(lambda x, y: torch.sin(9 * x) * torch.cos(7 * y))
    assert V.v3(wiggle).item() > 1e-2
    assert V.v3(3.0 + 1e-6 * wiggle).item() < 1e-6          # a std normaliser would give V3(wiggle) here


def _net(activation, weights, biases):
    w = [torch.tensor(m, dtype=torch.float64).unsqueeze(0) for m in weights]
    b = [torch.tensor(v, dtype=torch.float64).unsqueeze(0) for v in biases]
    return MLPEnsemble(w, b, get_activation(activation))


def test_dead_and_collapse_flags_on_constructed_nets():
    I = [[1.0, 0.0], [0.0, 1.0]]
    healthy = _net("relu", [I, I, [[1.0, -1.0]]], [[0.0, 0.0], [0.0, 0.0], [0.0]])
    dead = _net("relu", [I, I, [[1.0, -1.0]]], [[0.0, 0.0], [-5.0, -5.0], [0.3]])    # layer 2 off everywhere
    flat = _net("abs", [I, I, [[0.0, 0.0]]], [[0.0, 0.0], [0.0, 0.0], [2.0]])          # constant, nothing dead
    for net, is_dead, is_flat in ((healthy, False, False), (dead, True, True), (flat, False, True)):
        m = V.grid_measures(net, 8)
        assert bool(m["dead"][0]) == is_dead
        assert bool(V.collapse_flags(coefficient_of_variation(m["landscapes"]))[0]) == is_flat
    all_on = _net("relu", [I, [[1.0, 1.0]]], [[2.0, 2.0], [0.0]])
    assert V.grid_measures(all_on, 8)["active_fraction"].item() == 1.0


def test_grid_measures_equal_each_network_alone_in_small_chunks():
    ens = init_mlp_ensemble(3, 5, 4, "relu", seed=1, device="cpu", dtype=torch.float64)
    m = V.grid_measures(ens, 8, max_floats=3 * 5 * 4 * 10)                # 10 points per chunk
    x = grid_points(8, dtype=torch.float64)
    for r in range(3):
        ref = member_module(ens, r)(x)[:, 0].view(8, 8)
        torch.testing.assert_close(m["landscapes"][r], ref)
    torch.testing.assert_close(m["landscapes"], landscapes(ens, 8))
    assert ((m["active_fraction"] > 0) & (m["active_fraction"] < 1)).all()


def test_grid_measures_do_not_depend_on_the_chunk_budget():
    """7 points a chunk (the last one short) vs the default single chunk: same counts, same landscapes."""
    ens = init_mlp_ensemble(6, 24, 3, "relu", seed=0, device="cpu", dtype=torch.float64)
    whole, tiny = V.grid_measures(ens, 12), V.grid_measures(ens, 12, max_floats=6 * 24 * 3 * 7)
    assert 0 < int(whole["dead"].sum()) < 6                               # both flags occur
    assert torch.equal(tiny["dead"], whole["dead"]) and torch.equal(tiny["active_fraction"], whole["active_fraction"])
    torch.testing.assert_close(tiny["landscapes"], whole["landscapes"], rtol=1e-12, atol=1e-15)
    assert whole["active_fraction"].dtype == torch.float64


def test_gradient_norms_do_not_depend_on_the_chunk_budget():
    ens = init_mlp_ensemble(5, 3, 4, "relu", seed=3, device="cpu", dtype=torch.float64)
    x, y = V.checkerboard(2, 4, dtype=torch.float64)
    whole, single = V.init_gradient_norms(ens, x, y), V.init_gradient_norms(ens, x, y, max_floats=1)
    for kind in ("weights", "biases"):
        torch.testing.assert_close(single[kind], whole[kind], rtol=1e-12, atol=1e-15)


@pytest.mark.gpu
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU (none visible to torch)")
def test_cuda_grid_measures_equal_cpu_grid_measures():
    cpu = init_mlp_ensemble(6, 24, 3, "relu", seed=0, device="cpu", dtype=torch.float64)
    gpu = init_mlp_ensemble(6, 24, 3, "relu", seed=0, device="cuda", dtype=torch.float64)
    a, b = V.grid_measures(cpu, 12), V.grid_measures(gpu, 12)
    assert torch.equal(b["dead"].cpu(), a["dead"]) and torch.equal(b["active_fraction"].cpu(), a["active_fraction"])
    torch.testing.assert_close(b["landscapes"].cpu(), a["landscapes"], rtol=1e-10, atol=1e-12)


def test_gradient_norms_equal_per_network_autograd():
    ens = init_mlp_ensemble(4, 3, 5, "abs", seed=2, device="cpu", dtype=torch.float64)
    x, y = V.checkerboard(2, 4, dtype=torch.float64)
    g = V.init_gradient_norms(ens, x, y, max_floats=16 * 3 * 5 * 2)     # two members per chunk
    for r in range(4):
        net = member_module(ens, r)
        loss = torch.nn.functional.softplus(-y * net(x)).mean()
        loss.backward()
        lin = [m for m in net if isinstance(m, torch.nn.Linear)]
        torch.testing.assert_close(g["weights"][r], torch.stack([m.weight.grad.norm() for m in lin]))
        torch.testing.assert_close(g["biases"][r], torch.stack([m.bias.grad.norm() for m in lin]))


def test_checkerboard_labels():
    x, y = V.checkerboard(2, 4)
    assert x.shape == (16, 2) and y.shape == (16, 1)
    assert set(x[:, 0].tolist()) == {-0.75, -0.25, 0.25, 0.75}
    cell = ((x + 1) // 1).long()                                          # 2 x 2 cells of side 1
    assert torch.equal(y[:, 0], (2 * ((cell[:, 0] + cell[:, 1]) % 2) - 1).float())
    assert y.sum() == 0
    x8, y8 = V.checkerboard(8, 32)
    assert y8.sum() == 0 and y8[0].item() == -1 and y8[4].item() == 1     # 4 x 4 points per cell


def test_a_shallow_wide_abs_net_fits_a_2x2_board():
    out = V.train_checkerboard(budget=500, depth=2, activation="abs", seeds=3, board=2, train_grid=8, steps=300,
                               lr=1e-2, eval_every=25, device="cpu")["runs"]
    assert out.success.all() and (out.best_accuracy == 1.0).all()
    assert (out.steps_to_success > 0).all() and (out.steps_to_success <= 300).all()


def test_variability_draws_table_is_consistent():
    r = V.variability_draws(budget=500, depth=4, activation="relu", draws=5, grid=16, board=2, train_grid=4,
                            device="cpu")
    d = r["draws"]
    assert len(d) == 5 and d.params.iloc[0] == 4 * 0 + (4 - 1) * d.width.iloc[0] ** 2 + 7 * d.width.iloc[0] + 1
    assert (d.rho == d.activations / d.params).all()
    assert len(r["gradients"]) == 2 * 5 * (4 + 1) and r["example"].shape == (16, 16)


def test_bad_inputs_raise_clear_errors():
    with pytest.raises(ValueError, match="4 x 4"):
        V.v3(torch.zeros(3, 3))
    ens = init_mlp_ensemble(1, 2, 3, "relu", device="cpu")
    with pytest.raises(ValueError, match=">= 4"):
        V.grid_measures(ens, 3)
    for tau in (0, -1e-2):
        with pytest.raises(ValueError, match="tau"):
            V.collapse_flags(torch.zeros(2), tau)
    with pytest.raises(ValueError, match="unknown activation 'gelu'.*relu, abs"):
        V.variability_draws(budget=500, depth=2, activation="gelu", draws=2, grid=8, device="cpu")
    with pytest.raises(ValueError, match="multiple"):
        V.checkerboard(3, 8)
    with pytest.raises(ValueError, match="success_acc"):
        V.train_checkerboard(budget=500, depth=2, activation="relu", seeds=1, success_acc=1.5, device="cpu")


# ----------------------------------------------------------------------------- verdicts from numbers
DRAWS, SEEDS, COLLAPSED = 12, 4, 9          # per cell; past its peak a curve has draws 0..8 collapsed


def _synthetic(abs_better: bool = True, runs_only: bool = False):
    """Draw and training tables where the paper's story holds (or |x| and ReLU swap roles). Past its peak a curve
    has 9 of its 12 draws collapsed (V3 ~ 0, a vanishing gradient) and 3 survivors whose V3 is a quarter of the
    peak's; draw 11 of every non-collapsed cell has a vanishing gradient (ratio 0.01) without collapse. A run's
    best accuracy follows its cell's mean V3 and, within a cell, its draw's. ``runs_only``: return (draws,
    runs) instead, to change them before summarising."""
    depths, rows, runs = [2, 4, 8, 16, 32, 64], [], []
    peak = {"abs": 16, "relu": 8} if abs_better else {"abs": 8, "relu": 16}
    scale = {"abs": 4.0, "relu": 1.0} if abs_better else {"abs": 1.0, "relu": 4.0}
    for act in ("abs", "relu"):
        for d in [1, *depths]:
            past = d > peak[act]
            cell = []
            for k in range(DRAWS):
                collapse = past and k < COLLAPSED
                v3 = 1e-3 * scale[act] if collapse else scale[act] * (d if not past else peak[act] / 4)
                ratio = 1e-3 if collapse else 0.01 if k == DRAWS - 1 else 0.5
                cell.append(v3 + 0.01 * k)
                rows.append({"activation": act, "budget": 2000, "depth": d, "width": 10, "params": 2000,
                             "activations": 10 * d, "rho": d / 200, "draw": k, "v3": v3 + 0.01 * k,
                             "cv": 1e-4 if collapse else 0.5, "collapsed": collapse, "collapsed_strict": collapse,
                             "dead": False, "active_fraction": 0.5, "grad_first": 1e-3 if collapse else 0.2 / d,
                             "grad_last_hidden": 0.1, "grad_output": 0.1, "bias_grad_first": 0.1 * ratio,
                             "bias_grad_last_hidden": 0.1})
            mean = sum(cell) / len(cell)
            for k in range(SEEDS):
                acc = 0.5 + mean / 100 + 0.001 * k
                runs.append({"activation": act, "budget": 2000, "depth": d, "width": 10, "seed": k,
                             "best_accuracy": acc, "final_accuracy": acc, "success": mean > 7 - k,
                             "steps_to_success": 100, "initial_loss": 0.7, "max_loss": 0.7, "final_loss": 0.1,
                             "diverged": False})
    draws, runs = pd.DataFrame(rows), pd.DataFrame(runs)
    if runs_only:
        return draws, runs
    return _tables(draws, runs)


def _tables(draws, runs):
    vsum, tsum = V.variability_summary(draws), V.training_summary(runs)
    return draws, vsum, tsum, V.trainability_correlation(vsum, tsum=tsum), runs


def _score(draws, vsum, tsum, corr, runs) -> dict:
    return {r["claim"]: r for r in V.variability_scorecard(draws, vsum=vsum, tsum=tsum, corr=corr, runs=runs)}


RISE, FALL, PEAK, GRADIENT, PREDICT, PAIRED, ABS_V3, ABS_C2C, ABS_TRAIN = (
    "variability (V3) rises with the number of activations N at fixed P",
    "variability falls as Collapse to Constant (C2C) sets in",
    "with depth, variability first rises, peaks, then falls",
    "C2C is related to, but not the same as, vanishing gradients",
    "variability predicts trainability on the checkerboard",
    "the variability of a net predicts how well that net trains",
    "|x| gives higher variability than ReLU", "|x| resists C2C better than ReLU",
    "|x| MLPs train better than ReLU MLPs (checkerboard)")


def test_scorecard_reproduces_a_story_that_holds():
    card = _score(*_synthetic(True))
    assert list(card) == [RISE, FALL, PEAK, GRADIENT, PREDICT, PAIRED, ABS_V3, ABS_C2C, ABS_TRAIN]
    assert all(r["verdict"] == "reproduced" for r in card.values()), {c: r["verdict"] for c, r in card.items()}


def test_scorecard_rejects_abs_claims_when_relu_wins():
    card = _score(*_synthetic(False))
    for claim in (ABS_V3, ABS_C2C, ABS_TRAIN):
        assert card[claim]["verdict"] == "not reproduced", card[claim]


def test_trainability_correlation_needs_the_training_budget_among_the_budgets():
    draws, vsum, tsum, _, _ = _synthetic()
    with pytest.raises(ValueError, match="training budget"):
        V.trainability_correlation(vsum, tsum=tsum.assign(budget=5000))
    corr = V.trainability_correlation(vsum, tsum=tsum).set_index(["predictor", "outcome"])
    assert corr.loc[("v3_mean", "best_accuracy"), "spearman"] == pytest.approx(1.0)
    assert corr.loc[("v3_mean", "best_accuracy"), "low"] == pytest.approx(1.0)
    assert np.isfinite(corr.loc[("v3_mean", "success_rate"), "spearman"])


def test_summaries_carry_intervals():
    draws, vsum, tsum, _, _ = _synthetic()
    row = vsum.set_index(["activation", "depth"]).loc[("relu", 16)]
    assert row.c2c == 0.75 and row.c2c_count == 9 and row.c2c_low < 0.75 < row.c2c_high
    assert row.v3_low <= row.v3_mean <= row.v3_high and row.v3_q25 <= row.v3_median <= row.v3_q75
    assert row.vanishing == pytest.approx(10 / 12) and row.bias_grad_ratio == pytest.approx(1e-3)
    t = tsum.set_index(["activation", "depth"]).loc[("abs", 16)]
    assert 0 <= t.success_low <= t.success_rate <= t.success_high <= 1
    assert t.best_accuracy_low <= t.best_accuracy <= t.best_accuracy_high


def test_chapter_profiles_validate():
    import varlib
    from varlib.variability.profiles import CHAPTER_PROFILES

    for profile in CHAPTER_PROFILES:
        cfg = varlib.chapter_settings("variability", profile)
        assert cfg.train_budget in cfg.budgets and set(cfg.landscape_depths) <= {1, *cfg.depths}
        assert min(cfg.depths) >= 2 and min(cfg.train_depths) >= 2 and cfg.train_grid % cfg.board == 0
        assert cfg.draws >= cfg.seeds                     # training run r starts from draw r: the per-net pairing


def test_rise_row_needs_its_intervals_above_zero_and_says_what_L1_does():
    draws, vsum, tsum, corr, runs = _synthetic(True)
    row = _score(draws, vsum, tsum, corr, runs)[RISE]
    assert "|x| P=2000: 1.00 [1.00, 1.00] (L 2–16)" in row["ours"] and "ReLU P=2000: 1.00" in row["ours"]
    assert "V3 rising with depth before collapse" in row["ours"]
    flipped = vsum.assign(activations=-vsum.activations)                  # V3 now falls with N
    assert _score(draws, flipped, tsum, corr, runs)[RISE]["verdict"] == "not reproduced"
    shuffled = vsum.assign(activations=vsum.activations.where(vsum.depth != 4, 10 * 100))   # N no longer rises with L
    assert "does not rise monotonically" in _score(draws, shuffled, tsum, corr, runs)[RISE]["ours"]
    many = vsum.assign(activations=vsum.activations.where(vsum.depth != 1, 10_000))    # L = 1: most activations
    text = _score(draws, many, tsum, corr, runs)[RISE]["ours"]
    assert "L = 1 has the most activations of the family yet low V3 (|x| P=2000: N = 10000" in text
    assert "the claim as worded fails there" in text
    heavy = np.exp(np.random.default_rng(0).normal(0, 2, len(draws))) * (1 + 0.01 * draws.depth)
    noisy = draws.assign(v3=heavy)                        # a faint trend under heavy-tailed draws: not resolved
    row = _score(*_tables(noisy, runs))[RISE]
    assert row["verdict"] != "reproduced" and "[-" in row["ours"], row["ours"]


def test_fall_row_tests_the_draws_that_have_not_collapsed():
    draws, vsum, tsum, corr, runs = _synthetic(True)
    row = _score(draws, vsum, tsum, corr, runs)[FALL]
    assert "|x| P=2000: L 16 → 32" in row["ours"] and "(3 survivors;" in row["ours"]
    past = draws.depth > draws.activation.map({"abs": 16, "relu": 8})
    alive = draws.v3.where(draws.collapsed | ~past, draws.v3 * 8)      # survivors past the peak: twice its V3
    assert _score(*_tables(draws.assign(v3=alive), runs))[FALL]["verdict"] == "not reproduced"
    few = draws[~(~draws.collapsed & (draws.depth > 8) & (draws.draw < 11))]     # one survivor per late cell
    row = _score(*_tables(few, runs))[FALL]
    assert row["verdict"] == "not tested" and "only 1 draws left" in row["ours"]
    none = draws.assign(collapsed=False)
    assert _score(*_tables(none, runs))[FALL]["verdict"] == "not tested"


def test_peak_row_needs_a_peak_resolved_from_both_ends():
    draws, vsum, tsum, corr, runs = _synthetic(True)
    row = _score(draws, vsum, tsum, corr, runs)[PEAK]
    assert "|x| P=2000: L = 16 (100% of resamples, resolved; rise significant, fall significant)" in row["ours"]
    rising = draws.assign(v3=draws.depth * (1 + 0.01 * draws.draw))                 # no fall: peak at the end
    assert _score(*_tables(rising, runs))[PEAK]["verdict"] == "not reproduced"
    bump = (1 + 0.2 * (draws.depth == 16)) * np.where(draws.draw % 2, 1.9, 0.1)      # a small peak, wide intervals
    spread = draws.assign(v3=bump + 0.001 * draws.draw)
    row = _score(*_tables(spread, runs))[PEAK]
    assert row["verdict"] == "partly reproduced" and "not resolved from" in row["ours"]


def test_gradient_row_needs_relation_and_cases_apart():
    draws, vsum, tsum, corr, runs = _synthetic(True)
    row = _score(draws, vsum, tsum, corr, runs)[GRADIENT]
    assert row["verdict"] == "reproduced"
    assert ("|x|: VG in 1.000 [0.824, 1.000] of collapsed draws vs 0.111 [0.052, 0.222] of the others, pooled (no "
            "depth has 5 draws on both sides, so pooled over depths)") in row["ours"]
    t = V.collapse_gradient_table(draws, vanishing=0.1, tau=1e-2, clear=10, min_cell=3)   # survivors: 3 per cell
    assert t.set_index("activation").loc["relu", ["depths_compared", "depths_apart"]].tolist() == [3, 0]  # 9 vs 3
    assert "VG without collapse in 6 draws (6 with CV ≥ 0.1), collapse without VG in 0" in row["ours"]
    together = draws.assign(bias_grad_first=draws.bias_grad_first.where(draws.draw < 11, 0.05))   # no VG alone
    assert _score(*_tables(together, runs))[GRADIENT]["verdict"] == "partly reproduced"
    unrelated = draws.assign(bias_grad_first=0.05)                                  # no VG anywhere
    assert _score(*_tables(unrelated, runs))[GRADIENT]["verdict"] == "not reproduced"
    healthy = draws.assign(collapsed=False, cv=0.5)
    assert _score(*_tables(healthy, runs))[GRADIENT]["verdict"] == "not tested"


def test_paired_row_reads_each_net_against_its_own_draw():
    draws, vsum, tsum, corr, runs = _synthetic(True)
    row = _score(draws, vsum, tsum, corr, runs)[PAIRED]
    assert "Spearman 1.00 [1.00, 1.00]" in row["ours"] and "n = 48 nets" in row["ours"]
    reverse = runs.assign(best_accuracy=runs.best_accuracy - 0.002 * runs.seed)     # within a cell: falls with V3
    assert _score(*_tables(draws, reverse))[PAIRED]["verdict"] == "not reproduced"


def test_landscape_panels_label_every_panel_with_its_own_text():
    import matplotlib.pyplot as plt

    from varlib.book.plots import landscape_panels

    F = {(r, c): torch.rand(6, 6) for r in ("relu", "abs") for c in (2, 8)}
    notes = {key: f"{key[0]}-{key[1]}\nV3=1" for key in F}
    fig = landscape_panels(F, ["relu", "abs"], [2, 8], extra=notes)
    labels = {(r, c): fig.axes[2 * i + j].get_xlabel() for i, r in enumerate(("relu", "abs"))
              for j, c in enumerate((2, 8))}
    assert all(labels[k] == f"depth {k[1]}\n{notes[k]}" for k in F)
    bare = landscape_panels(F, ["relu", "abs"], [2, 8])
    assert [ax.get_xlabel() for ax in bare.axes[:4]] == ["", "", "depth 2", "depth 8"]
    assert len(bare.axes) == 5 and "panel scale" in bare.axes[4].get_ylabel()       # one shared colour bar
    named = landscape_panels(F, ["relu", "abs"], [2, 8], row_names={"relu": "ReLU", "abs": "|x|"})
    assert [named.axes[0].get_ylabel(), named.axes[2].get_ylabel()] == ["ReLU", "|x|"]
    plt.close("all")


# ----------------------------------------------------------------------------- the chapter's sweeps, tables and prose
import inspect


def test_functions_behind_the_cached_calls_take_keyword_arguments_only():
    for fn in (V.variability_draws, V.train_checkerboard, V.sweep_grid):
        kinds = {p.kind for p in inspect.signature(fn).parameters.values()}
        assert kinds == {inspect.Parameter.KEYWORD_ONLY}, fn.__name__


def test_sweep_grid_lists_activations_then_budgets_then_depth_one_and_the_depths():
    items = V.sweep_grid(budgets=[500, 2000], depths=[2, 4])
    assert len(items) == 2 * 2 * 3
    assert items[0] == {"activation": "relu", "budget": 500, "depth": 1}
    assert items[3] == {"activation": "relu", "budget": 2000, "depth": 1}
    assert items[-1] == {"activation": "abs", "budget": 2000, "depth": 4}
    train = V.sweep_grid(depths=[2])
    assert train == [{"activation": a, "depth": d} for a in ("relu", "abs") for d in (1, 2)]


def _small_sweep(tmp_path):
    from varlib.book.results import ResultStore
    from varlib.core.runtime import Runtime

    store = ResultStore(tmp_path, "smoke", Runtime(torch.device("cpu"), 0, torch.get_num_threads(), 1))
    grid = V.sweep_grid(budgets=[500], depths=[2])
    fixed = {"draws": 3, "grid": 8, "board": 2, "train_grid": 4, "seed": 0, "device": "cpu"}
    return store, grid, fixed, store.map(V.variability_draws, grid, progress=False, **fixed)


def test_draws_go_through_the_store_once_and_stack_into_one_table(tmp_path):
    store, grid, fixed, measured = _small_sweep(tmp_path)
    again = store.map(V.variability_draws, grid, progress=False, **fixed)
    draws = V.stack_draws(measured)
    assert len(draws) == 4 * 3 and list(draws.depth.unique()) == [1, 2]
    pd.testing.assert_frame_equal(V.stack_draws(again), draws)
    assert len(list((tmp_path / "smoke").rglob("*.pt"))) == 4
    runs = V.stack_runs([{"runs": pd.DataFrame({"seed": [0, 1]})}, {"runs": pd.DataFrame({"seed": [0]})}])
    assert runs.seed.tolist() == [0, 1, 0] and runs.index.tolist() == [0, 1, 2]


def test_landscape_examples_and_the_shown_table_use_draw_zero(tmp_path):
    _, _, _, measured = _small_sweep(tmp_path)
    draws = V.stack_draws(measured)
    vsum = V.variability_summary(draws)
    ex = V.landscape_examples(measured, budget=500, depths=[1, 2])
    assert list(ex["landscapes"]) == [("relu", 1), ("relu", 2), ("abs", 1), ("abs", 2)]
    first = draws[(draws.activation == "abs") & (draws.depth == 2) & (draws.draw == 0)].iloc[0]
    assert ex["notes"][("abs", 2)] == f"w={first.width}, CV={first.cv:.2g}\nV3={first.v3:.2g}"
    assert ex["landscapes"][("abs", 2)].shape == (8, 8)
    with pytest.raises(ValueError, match="landscape depths"):
        V.landscape_examples(measured, budget=500, depths=[4])
    shown = V.shown_draws_table(draws, vsum=vsum, budget=500, depths=[2])
    assert list(shown.columns) == ["activation", "depth", "width", "cv", "v3", "dead", "v3_mean", "v3_std", "c2c"]
    assert len(shown) == 2 and shown.set_index("activation").loc["abs", "v3"] == first.v3


def test_the_shown_tables_select_what_their_cells_show():
    draws, vsum, tsum, corr, _ = _synthetic(True)
    by_depth = V.v3_depth_table(vsum)
    assert 1 not in by_depth.index.get_level_values("depth")
    mean = vsum.set_index(["activation", "depth"]).loc[("abs", 4)]
    shown = f"{mean.v3_mean:.3g} [{mean.v3_low:.3g}, {mean.v3_high:.3g}]"
    assert by_depth.loc[(2000, 4), "|x| V3 mean [95 %]"] == shown
    assert list(by_depth.columns) == ["ReLU V3 mean [95 %]", "ReLU V3 median [IQR]", "|x| V3 mean [95 %]",
                                      "|x| V3 median [IQR]", "rho"]
    assert len(V.single_layer_table(vsum)) == 2 and (V.single_layer_table(vsum).rho == 1 / 200).all()
    med = V.collapsed_v3_table(draws)
    assert list(med.columns) == [False, True] and med.loc["relu", True] < med.loc["relu", False]
    dec = V.decomposition_table(draws, budget=2000).loc["ReLU"]
    assert dec.loc[16, "c2c"] == 0.75 and dec.loc[16, "survivors"] == 3 and dec.loc[2, "survivors"] == 12
    assert dec.loc[16, "survivors_v3_mean"] == pytest.approx(2 + 0.01 * 10)         # draws 9, 10, 11 at 8/4
    counts = V.gradient_collapse_counts(draws, vanishing=0.1, tau=1e-2, clear=10)
    assert counts.loc["ReLU", ["VG and C2C", "C2C, no VG", "VG, no C2C"]].tolist() == [27, 0, 6]
    shown = V.training_table(tsum)
    assert shown.loc[("|x|", 16), "successes"] == "4/4" and shown.loc[("|x|", 16), "success rate [95 %]"] == \
        "1 [0.51, 1]"


def _shown(cv_relu, cv_abs, v3=(0.12, 0.19), mean=(0.0043, 0.027), std=(0.018, 0.054)):
    rows = [{"activation": a, "depth": d, "width": 5, "cv": 0.5, "v3": 0.01, "v3_mean": 0.01, "v3_std": 0.01,
             "c2c": 0.0} for a in ("relu", "abs") for d in (2, 64)]
    t = pd.DataFrame(rows)
    t.loc[(t.depth == 64) & (t.activation == "relu"), "cv"] = cv_relu
    t.loc[(t.depth == 64) & (t.activation == "abs"), "cv"] = cv_abs
    for i, a in enumerate(("relu", "abs")):
        t.loc[(t.depth == 64) & (t.activation == a), ["v3", "v3_mean", "v3_std"]] = [v3[i], mean[i], std[i]]
    return t


def test_deepest_shown_sentence_follows_the_cvs():
    text = V.deepest_shown_sentence(_shown(0.0, 0.0024), tau=1e-2)
    assert text.startswith("At L = 64, the deepest depth drawn, the ReLU draw is constant to the last bit and the "
                           "|x| draw has collapsed (CV = 0.0024, below τ) but keeps faint ripples.")
    dead = _shown(5e-9, 0.3).assign(dead=lambda t: (t.activation == "relu") & (t.depth == 64))
    assert V.deepest_shown_sentence(dead, tau=1e-2).startswith(
        "At L = 64, the deepest depth drawn, the ReLU draw has a dead layer, so its output is constant (its CV of "
        "5e-09 is float rounding)")
    assert "floor of 1 % of the rms" in text
    text = V.deepest_shown_sentence(_shown(0.3, 0.0), tau=1e-2)
    assert "the ReLU draw has not collapsed (CV = 0.3)" in text and "ripples" not in text


def test_single_draws_sentence_picks_the_depth_farthest_from_its_mean():
    text = V.single_draws_sentence(_shown(0.0, 0.0024))
    assert text == ("Single draws also vary a lot: at L = 64, the ReLU draw has V3 = 0.12, far above its depth's "
                    "mean of 0.0043 ± 0.018; the |x| draw has V3 = 0.19, far above its depth's mean of 0.027 ± 0.054.")
    calm = V.single_draws_sentence(_shown(0.0, 0.0, v3=(0.011, 0.009), mean=(0.01, 0.01), std=(0.01, 0.01)))
    assert calm.startswith("Single draws stay near their depth's mean") and "close to" in calm


def test_collapse_sentences_count_from_the_draws():
    draws, vsum, tsum, corr, _ = _synthetic(True)
    text = V.collapse_counts_sentence(draws.assign(dead=draws.collapsed & (draws.activation == "relu")))
    assert text == ("Over the depths L ≥ 2, 27 of the 72 ReLU draws collapsed, all of them with a dead layer; "
                    "18 of the 72 |x| draws collapsed, none of them with a dead layer.")
    ratio = V.collapsed_v3_ratio(draws)
    assert V.collapsed_v3_sentence(draws) == (f"The median V3 of the collapsed draws is {ratio:.2g} times that of "
                                              "the others: close to zero, as the RMS normalisation intends.")
    assert "not close to zero" in V.collapsed_v3_sentence(draws.assign(v3=1.0))
    assert "No draw collapsed" in V.collapsed_v3_sentence(draws.assign(collapsed=False))


def test_gradient_sentences_follow_the_scorecard_numbers():
    draws, *_ = _synthetic(True)
    assert V.gradient_relation_sentence(draws, tau=1e-2) == (
        "Here a vanishing gradient comes with 100% of the 18 collapsed |x| draws against 11% of the 54 others; "
        "100% of the 27 collapsed ReLU draws against 13% of the 45 others.")
    assert "cannot be seen" in V.gradient_relation_sentence(draws.assign(dead=draws.collapsed), tau=1e-2)
    apart = V.gradient_apart_sentence(draws, tau=1e-2)
    assert apart.startswith("Vanishing gradients without collapse: 6 |x| draws (6 of them with CV ≥ 0.1, far from "
                            "collapse) and 6 ReLU draws")
    assert "collapse always comes with a vanishing gradient" in apart
    together = draws.assign(bias_grad_first=draws.bias_grad_first.where(draws.draw < 11, 0.05))
    assert "always come together" in V.gradient_apart_sentence(together, tau=1e-2)
    kept = draws.assign(bias_grad_first=0.05)
    assert "collapse can occur without a vanishing gradient" in V.gradient_apart_sentence(kept, tau=1e-2)
    both = draws.assign(bias_grad_first=draws.bias_grad_first.where(~(draws.collapsed & (draws.activation == "abs")
                                                                      & (draws.draw == 0)), 0.05))
    assert V.gradient_apart_sentence(both, tau=1e-2).endswith(
        "Each occurs without the other (collapse without a vanishing gradient among the |x| draws): related, but "
        "not the same.")


def test_prediction_row_keeps_its_verdicts():
    def row(s, p, b, low=0.2):
        corr = pd.DataFrame([{"predictor": "v3_mean", "outcome": "success_rate", "spearman": s, "p_value": p,
                              "low": low, "high": 1.0, "points": 10},
                             {"predictor": "v3_mean", "outcome": "best_accuracy", "spearman": b, "p_value": 0.5,
                              "low": -0.2, "high": 0.9, "points": 10}])
        draws, vsum, tsum, _, runs = _synthetic(True)
        return _score(draws, vsum, tsum, corr, runs)[PREDICT]["verdict"]

    nan = float("nan")
    assert row(0.68, 0.031, 0.88) == "partly reproduced"
    assert row(0.75, 0.01, 0.1) == "reproduced" and row(0.75, 0.2, 0.1) == "partly reproduced"
    assert row(0.75, 0.01, 0.1, low=-0.1) == "partly reproduced"           # the interval reaches 0
    assert row(0.3, 0.5, 0.3) == "not reproduced" and row(nan, nan, nan) == "not tested"
    assert row(nan, nan, 0.5) == "not tested" and row(nan, nan, 0.1) == "not tested"   # no success rate: no test


# ----------------------------------------------------------------------------- failed training is no evidence
TRAINING_ROWS = (PREDICT, PAIRED, ABS_TRAIN)


def _card(draws, runs):
    return _score(*_tables(draws, runs))


def test_the_normal_case_keeps_its_verdicts_and_reports_no_failure():
    draws, runs = _synthetic(True, runs_only=True)
    card = _card(draws, runs)
    assert all(r["verdict"] == "reproduced" for r in card.values()), card
    for claim in TRAINING_ROWS:       # 48 runs at depths >= 2; at chance (accuracy <= 0.55): |x| at L 32, 64
        assert card[claim]["ours"].endswith("(runs at depths ≥ 2: diverged 0/48, at chance 28/48)")  # ReLU 2-4, 16-64
    assert not any("non-finite" in r["ours"] for r in card.values())
    assert card[ABS_V3]["ours"] == ("mean V3 of |x| > ReLU at 6 of 6 (budget, depth ≥ 2) points (100%); the 95 % "
                                    "bootstrap interval of the difference lies above 0 at 6 and below 0 at 0")


def _check_training_rows_not_tested(card, diverged: str):
    for claim in TRAINING_ROWS:
        assert card[claim]["verdict"] == "not tested", card[claim]
        assert f"diverged {diverged}" in card[claim]["ours"]
    others = [r["verdict"] for c, r in card.items() if c not in TRAINING_ROWS]
    assert others == ["reproduced"] * 6                   # the draws are fine: their rows keep their verdicts


def test_all_diverged_runs_are_not_tested_though_their_step_zero_accuracies_differ():
    draws, runs = _synthetic(True, runs_only=True)       # lr=1e30: NaN loss from step 1, accuracies of step 0
    runs = runs.assign(diverged=True, final_loss=float("nan"), final_accuracy=0.5, success=False)
    _check_training_rows_not_tested(_card(draws, runs), "48/48")


def test_finite_but_exploded_losses_count_as_diverged():
    draws, runs = _synthetic(True, runs_only=True)       # lr=1e6: the loss is a finite 2.5e31, no NaN anywhere
    exploded = runs.assign(final_loss=2.5e31, max_loss=2.5e31, final_accuracy=0.5, success=False)
    _check_training_rows_not_tested(_card(draws, exploded), "48/48")
    one = runs.copy()
    one.loc[(one.depth == 8) & (one.seed == 0) & (one.activation == "abs"), "max_loss"] = 2.5e31
    _check_training_rows_not_tested(_card(draws, one), "1/48")
    spike = runs.assign(max_loss=600.0)                   # under 1e3 x ln 2: a bumpy run, not a diverged one
    assert all(r["verdict"] == "reproduced" for r in _card(draws, spike).values())


def test_nan_training_results_are_not_tested():
    draws, runs = _synthetic(True, runs_only=True)
    for column in ("best_accuracy", "final_accuracy", "final_loss", "initial_loss", "diverged"):
        bad = runs.copy()
        bad[column] = bad[column].astype(object if column == "diverged" else float)
        bad.loc[(bad.depth == 4) & (bad.seed == 1), column] = float("nan")
        _check_training_rows_not_tested(_card(draws, bad), "2/48")


def test_every_run_at_chance_is_not_tested_but_some_at_chance_is_evidence():
    draws, runs = _synthetic(True, runs_only=True)
    flat = runs.assign(final_accuracy=0.52, success=False)          # tiny lr: nothing learned, no divergence
    card = _card(draws, flat)
    for claim in TRAINING_ROWS:
        assert card[claim]["verdict"] == "not tested" and "at chance 48/48" in card[claim]["ours"]
    relu_stuck = runs.assign(final_accuracy=runs.final_accuracy.where(runs.activation == "abs", 0.5))
    card = _card(draws, relu_stuck)                       # ReLU never learns, |x| does: a valid comparison
    assert card[ABS_TRAIN]["verdict"] == "reproduced" and "at chance 32/48" in card[ABS_TRAIN]["ours"]


def test_non_finite_draws_make_the_rows_built_on_them_not_tested():
    draws, runs = _synthetic(True, runs_only=True)
    for column, value in (("v3", float("nan")), ("grad_output", float("inf")), ("cv", float("nan"))):
        bad = draws.copy()
        bad.loc[(bad.depth == 16) & (bad.draw == 2) & (bad.activation == "relu"), column] = value
        card = _card(bad, runs)
        for claim, row in card.items():
            if claim == ABS_TRAIN:                        # built from the runs alone
                assert row["verdict"] == "reproduced" and "non-finite" not in row["ours"]
            else:
                assert row["verdict"] == "not tested", (column, claim)
                assert row["ours"].endswith("; 1/144 draws at depths ≥ 2 have a non-finite measure (overflow): "
                                            "no evidence")


def test_failed_runs_rules():
    from varlib.variability.checkerboard import DIVERGED_LOSS_CAP, divergence_bound, failed_runs

    assert divergence_bound(0.1) == pytest.approx(1e3 * np.log(2)) and divergence_bound(2.0) == 2000.0
    assert divergence_bound(1e5) == DIVERGED_LOSS_CAP and np.isnan(divergence_bound(float("nan")))
    runs = pd.DataFrame({"initial_loss": [0.7, 0.7, 0.7, 5e6, 0.7, 0.7],
                         "max_loss": [0.7, 800.0, 0.7, 5e6, 0.7, 0.7],
                         "final_loss": [0.1, 0.1, float("inf"), 5e6, 0.1, 0.1],
                         "best_accuracy": [0.9, 0.9, 0.9, 0.9, 0.56, 0.9],
                         "final_accuracy": [0.9, 0.9, 0.9, 0.9, 0.45, 0.3], "diverged": [False] * 6})
    f = failed_runs(runs)
    assert f.diverged.tolist() == [False, True, True, True, False, False]
    assert f.at_chance.tolist() == [False, False, False, False, True, False]


def test_training_records_divergence_for_infinite_and_for_finite_blown_up_losses():
    kw = dict(budget=500, depth=2, activation="relu", seeds=2, board=2, train_grid=4, steps=6, eval_every=2,
              device="cpu")
    sane = V.train_checkerboard(lr=3e-3, **kw)["runs"]
    assert not sane.diverged.any() and (sane.diverged_at == -1).all()
    assert (sane.initial_loss > 0).all() and (sane.max_loss >= sane.initial_loss).all()
    for lr in (1e30, 1e6):
        runs = V.train_checkerboard(lr=lr, **kw)["runs"]
        assert runs.diverged.all() and (runs.diverged_at >= 1).all(), (lr, runs)
        assert V.training_summary(runs).diverged.tolist() == [1.0]


def test_aspect_onsets_interpolate_the_crossing_in_log_scale():
    vsum = pd.DataFrame({"activation": "relu", "budget": [2000] * 3 + [5000] * 3, "depth": [8, 16, 32] * 2,
                         "width": [16, 11, 7, 26, 18, 12], "c2c": [0.0, 0.25, 0.75, 0.0, 0.0, 0.5]})
    t = V.aspect_onset_table(vsum, onset=0.5).loc["ReLU"]
    assert t.loc[2000, "onset L"] == pytest.approx(np.sqrt(16 * 32))          # halfway in log between 16 and 32
    assert t.loc[2000, "onset L/w"] == pytest.approx(np.sqrt(16 / 11 * 32 / 7))
    assert t.loc[5000, "onset L"] == 32 and t.loc[5000, "first depth past it"] == 32
    text = V.aspect_onset_sentence(V.aspect_onset_table(vsum))
    assert text == ("Across budgets, ReLU has half of its draws collapsed at L/w = 2.6 to 2.7 (1×) but at L = 23 to "
                    "32 (1.4×). The onsets meet more closely in L/w than in depth, as the finite-width picture "
                    "predicts.")
    never = V.aspect_onset_table(vsum.assign(c2c=0.0))
    assert never["onset L/w"].isna().all()
    assert "does not have half of its draws collapsed" in V.aspect_onset_sentence(never)


def test_peaks_sentence_compares_the_v3_and_accuracy_peaks():
    draws, vsum, tsum, _, _ = _synthetic(True)
    text = V.peaks_sentence(vsum, tsum)
    assert text.startswith("Over the trained depths, for ReLU mean V3 peaks at L = ")
    assert text.endswith("the two peaks line up.")                 # the synthetic runs follow V3
    flipped = tsum.assign(best_accuracy=-tsum.best_accuracy)
    assert V.peaks_sentence(vsum, flipped).endswith("the two peaks do not line up.")


def test_paired_row_needs_enough_nets():
    draws, vsum, tsum, corr, runs = _synthetic(True)
    few = runs[(runs.seed < 2) & runs.depth.isin([2, 4, 8, 16, 32])]         # 2 seeds x 5 depths x 2 = 20 nets
    assert "n = 20 nets" in _score(*_tables(draws, few))[PAIRED]["ours"]
    fewer = few[few.depth != 32]
    row = _score(*_tables(draws, fewer))[PAIRED]
    assert row["verdict"] == "not tested" and "n = 16 nets" in row["ours"]


def _sensitivity(abs_later: bool = True):
    rows = []
    for act in ("relu", "abs", "tanh"):
        for sb in (0.0, 0.1, 0.5):
            for d in (2, 8, 32):
                onset = {"relu": 8, "abs": 32 if abs_later else 8, "tanh": 99}[act]
                for k in range(20):
                    rows.append({"activation": act, "sigma_b": sb, "depth": d, "width": 5, "draw": k,
                                 "collapsed": d >= onset and k < 15, "dead": False, "v3": 1.0 / d + 0.01 * k,
                                 "cv": 0.5})
    return V.sensitivity_summary(pd.DataFrame(rows))


def test_sensitivity_onsets_and_the_bias_row():
    ssum = _sensitivity(True)
    onsets = V.sensitivity_onsets(ssum)
    assert onsets.loc["ReLU", "σ_b = 0.5"] == "8 / 2" and onsets.loc["tanh", "σ_b = 0"] == "none / 2"
    assert V.sensitivity_sentence(onsets).startswith(
        "Half of the draws have collapsed at σ_b = 0, ReLU from L = 8 and |x| from L = 32, while tanh never does "
        "within the depths swept")
    draws, vsum, tsum, corr, runs = _synthetic(True)
    card = {r["claim"]: r for r in V.variability_scorecard(draws, vsum=vsum, tsum=tsum, corr=corr, runs=runs,
                                                             ssum=ssum)}
    row = card["|x| resists C2C better than ReLU at every bias scale σ_b"]
    assert row["verdict"] == "reproduced" and "σ_b = 0, L = 8: ReLU 0.75 [0.53, 0.89] vs |x| 0.00" in row["ours"]
    assert "(not graded: decided by construction" in row["ours"]
    card = {r["claim"]: r for r in V.variability_scorecard(draws, vsum=vsum, tsum=tsum, corr=corr, runs=runs,
                                                             ssum=_sensitivity(False))}
    assert card["|x| resists C2C better than ReLU at every bias scale σ_b"]["verdict"] == "not reproduced"
    items = V.sensitivity_grid(activations=["relu"], sigma_bs=[0, 0.5], depths=[2, 4])
    assert items == [{"activation": "relu", "sigma_b": s, "depth": d} for s in (0.0, 0.5) for d in (2, 4)]


def test_sensitivity_settings_are_checked():
    import varlib

    with pytest.raises(ValueError, match="sensitivity_activations must be one of"):
        varlib.chapter_settings("variability", "smoke", sensitivity_activations=["gelu"])
    with pytest.raises(ValueError, match="sensitivity_sigma_b"):
        varlib.chapter_settings("variability", "smoke", sensitivity_sigma_b=[-0.1])
    assert varlib.chapter_settings("variability", "smoke", sensitivity_sigma_b=[0.0]).sensitivity_sigma_b == (0.0,)


def test_mean_field_sentence_says_whether_infinite_width_collapses():
    never = {"relu": {2: 0.7, 96: 0.16}, "abs": {2: 0.5, 96: 0.099}}
    assert V.mean_field_sentence(never, tau=1e-2) == (
        "At infinite width the CV at L = 96 would be ReLU 0.16 and |x| 0.099, against τ = 0.01. Mean-field theory "
        "predicts no collapse within these depths: the collapse measured here is a finite-width effect.")
    some = {"relu": {2: 0.5, 32: 0.005, 96: 0.001}}
    assert "ReLU 0.001 (below τ from L = 32)" in V.mean_field_sentence(some, tau=1e-2)
