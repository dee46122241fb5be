"""The trainability atlas: its schema, every column against the package that owns it, a resumed sweep, bad input."""
import json
import math

import numpy as np
import pandas as pd
import pytest
import torch

import varlib
from varlib import atlas as A
from varlib.atlas import cell as atlas_cell_module
from varlib.book.results import ResultStore
from varlib.core.ensemble import forward, init_mlp_ensemble
from varlib.core.runtime import Runtime

#: A tiny cell: every lens, seconds.
SIZES = {"draws": 3, "seeds": 2, "grid": 8, "tau": 1e-2, "sigma_b": 0.1, "board": 4, "train_grid": 8, "steps": 10,
         "lr": 3e-3, "eval_every": 5, "success_acc": 0.99, "count_width": 64, "seed": 0, "device": "cpu"}


@pytest.fixture(scope="module")
def relu_cell():
    return A.atlas_cell(budget=200, depth=2, activation="relu", **SIZES)


def test_the_table_has_the_schema(relu_cell):
    table = A.stack_atlas([relu_cell, A.atlas_cell(budget=200, depth=2, activation="tanh", **SIZES)])
    assert list(table.columns) == list(A.ATLAS_SCHEMA)
    assert table.trained.tolist() == [True, True, False] * 2
    assert table[~table.trained].best_accuracy.isna().all()
    assert table[table.activation == "tanh"].regions.isna().all()
    schema = json.loads(A.schema_json())
    assert [f["name"] for f in schema["fields"]] == list(A.ATLAS_SCHEMA)
    assert schema["primaryKey"] == list(A.ATLAS_KEYS)
    with pytest.raises(ValueError, match="dtype"):
        A.check_atlas_table(table.astype({"depth": float}))
    with pytest.raises(ValueError, match="unique"):
        A.check_atlas_table(pd.concat([table, table.iloc[:1]]))


def test_columns_equal_what_the_owning_packages_compute(relu_cell):
    from varlib.deep_linear.theory import gamma_star
    from varlib.integrable import get_parameterization, init_params
    from varlib.integrable.nets import abc_forward, initial_draws, mean_abs_preactivations_tensor
    from varlib.maxout import as_relu, count_regions, init_maxout_net
    from varlib.variability import checkerboard, train_checkerboard, variability_draws

    keys = {k: SIZES[k] for k in ("draws", "grid", "tau", "sigma_b", "board", "train_grid", "seed", "device")}
    v = variability_draws(budget=200, depth=2, activation="relu", **keys)["draws"]
    for ours, theirs in [("v3", "v3"), ("cv", "cv"), ("c2c", "collapsed"), ("rho", "rho"), ("width", "width"),
                         ("grad_first", "grad_first"), ("grad_output", "grad_output")]:
        np.testing.assert_array_equal(relu_cell[ours].to_numpy(), v[theirs].to_numpy())
    runs = train_checkerboard(budget=200, depth=2, activation="relu", seeds=2, board=4, train_grid=8, steps=10,
                              lr=3e-3, sigma_b=0.1, eval_every=5, success_acc=0.99, seed=0, device="cpu")["runs"]
    np.testing.assert_array_equal(relu_cell.best_accuracy[:2], runs.best_accuracy)
    np.testing.assert_array_equal(relu_cell.success[:2], runs.success.astype(float))
    ens = init_mlp_ensemble(3, 2, int(v.width[0]), "relu", sigma_b=0.1, seed=0, device="cpu")
    counted = count_regions(A.as_maxout_params([w.double() for w in ens.weights],
                                               [b.double() for b in ens.biases], "relu"), (-1.0, 1.0))
    np.testing.assert_array_equal(relu_cell.regions, counted.regions.astype(float))
    np.testing.assert_array_equal(relu_cell.linear_regions, counted.linear_regions.astype(float))
    np.testing.assert_array_equal(relu_cell.db_pieces, counted.db_pieces.astype(float))
    assert (relu_cell.gamma_star == gamma_star(2, 1.0, 1.0)).all()
    x, y = checkerboard(4, 8)
    p = get_parameterization("mup", 2)
    mup = mean_abs_preactivations_tensor(p, init_params(p, initial_draws(2, int(v.width[0]), 1, 2, 0, 1), "relu"),
                                         x.double(), "relu")[-1]
    assert relu_cell.mup_output_scale[1] == pytest.approx(float(mup))
    p = get_parameterization("ipllr", 2)
    net = {k: v.requires_grad_(True) for k, v in init_params(p, initial_draws(2, int(v.width[0]), 1, 2, 0, 2),
                                                              "relu").items()}
    loss = torch.nn.functional.softplus(-y.double() * abc_forward(p, net, x.double(), "relu")).mean()
    g1, g3 = torch.autograd.grad(loss, [net["w1"], net["w3"]])
    assert relu_cell.ip_grad_ratio[2] == pytest.approx(math.log10(g1.norm() / g3.norm()))
    assert relu_cell.output_scale[0] == pytest.approx(float(forward(ens, x)[0, :, 0].double().square().mean().sqrt()))
    # the conversion is the maxout lens's: a rank-2 ReLU net of as_relu
    net = init_maxout_net(2, [3], 2, m=1, E=1)
    assert torch.equal(as_relu(net).weights[0][..., 1, :], torch.zeros(1, 3, 2, dtype=torch.float64))


@pytest.mark.parametrize("activation", ["relu", "abs", "maxout:2", "maxout:3"])
def test_the_maxout_form_computes_the_same_net(activation):
    from varlib.maxout import maxout_forward

    ens = init_mlp_ensemble(2, 3, 5, activation, seed=1, device="cpu", dtype=torch.float64)
    params = A.as_maxout_params(ens.weights, ens.biases, activation)
    assert params.K == (int(activation[-1]) if activation.startswith("maxout") else 2)
    x = torch.rand(50, 2, dtype=torch.float64) * 2 - 1
    out = maxout_forward(params, x)
    torch.testing.assert_close(out[..., 0], forward(ens, x)[..., 0])
    assert (out[..., 1] == 0).all()                                        # the boundary of argmax is {f = 0}


def test_a_maxout_cell_is_counted_and_trained_at_its_own_width():
    """Rank-3 maxout: three features per unit, so a narrower net at the same budget; counted as it is, trained, and
    without abc-parameterized scales (the integrable package's nets are elementwise)."""
    from varlib.core.family import param_count, width_for_budget
    from varlib.maxout import count_regions

    table = A.atlas_cell(budget=200, depth=2, activation="maxout:3", **SIZES)
    width = width_for_budget(200, 2, rank=3)
    assert (table.width == width).all() and (table.params == param_count(2, width, rank=3)).all()
    assert width < width_for_budget(200, 2)
    ens = init_mlp_ensemble(3, 2, width, "maxout:3", sigma_b=0.1, seed=0, device="cpu")
    counted = count_regions(A.as_maxout_params([w.double() for w in ens.weights],
                                               [b.double() for b in ens.biases], "maxout:3"), (-1.0, 1.0))
    np.testing.assert_array_equal(table.regions, counted.regions.astype(float))
    assert table.best_accuracy[:2].notna().all()
    assert table[["mup_output_scale", "ip_output_scale", "mup_grad_ratio", "ip_grad_ratio"]].isna().all().all()


def _store(tmp_path):
    return ResultStore(tmp_path, "smoke", Runtime(torch.device("cpu"), 0, 2, 1))


def test_a_resumed_interrupted_sweep_recomputes_nothing_stored(tmp_path, monkeypatch):
    grid = A.atlas_grid([200], [1, 2, 3], ["relu"])
    real, calls = atlas_cell_module.variability_draws, []

    def crashing(**kw):
        if kw["depth"] == 2:
            raise KeyboardInterrupt
        calls.append(kw["depth"])
        return real(**kw)

    monkeypatch.setattr(atlas_cell_module, "variability_draws", crashing)
    with pytest.raises(KeyboardInterrupt):
        _store(tmp_path).map(A.atlas_cell, grid, progress=False, **SIZES)
    assert calls == [1]

    def counting(**kw):
        calls.append(kw["depth"])
        return real(**kw)

    monkeypatch.setattr(atlas_cell_module, "variability_draws", counting)
    cells = _store(tmp_path).map(A.atlas_cell, grid, progress=False, **SIZES)
    assert calls == [1, 2, 3]                                            # depth 1 was stored: not computed again
    assert A.stack_atlas(cells).depth.unique().tolist() == [1, 2, 3]


@pytest.mark.parametrize("change, message", [
    ({"activation": "maxout:4"}, "activation must be one of relu, abs, tanh, maxout:2, maxout:3"),
    ({"activation": "sigmoid"}, "activation must be one of relu, abs, tanh"),
    ({"depth": 0}, "depth"),
    ({"budget": 0}, "budget"),
    ({"budget": 10, "depth": 8}, "too small"),
    ({"seeds": 5}, "seeds=5 must be at most draws=3"),
])
def test_bad_cells_raise_clear_errors(change, message):
    kw = {"budget": 200, "depth": 2, "activation": "relu", **SIZES, **change}
    with pytest.raises(ValueError, match=message):
        A.atlas_cell(**kw)


def test_bad_settings_raise_clear_errors():
    with pytest.raises(ValueError, match="activations must be one of"):
        varlib.chapter_settings("atlas", "smoke", activations=["gelu"])
    with pytest.raises(ValueError, match="depths"):
        varlib.chapter_settings("atlas", "smoke", depths=[0])
    with pytest.raises(ValueError, match="budgets"):
        varlib.chapter_settings("atlas", "smoke", budgets=[-5])


def test_partial_rank_correlation_is_within_depth():
    depth = np.repeat([2, 4, 8], 10)
    y = depth + np.tile(np.arange(10), 3) / 100
    assert math.isnan(A.partial_rank_correlation(depth, y, depth)["r"])  # a function of depth adds nothing
    r = A.partial_rank_correlation(y, y, depth, resamples=50)
    assert r["r"] == pytest.approx(1.0) and r["low"] == pytest.approx(1.0)
    r = A.partial_rank_correlation(-np.tile(np.arange(10), 3), y, depth, resamples=50)
    assert r["r"] == pytest.approx(-1.0)


def _partial(lows):
    rows = [{"budget": 2000, "activation": a, "score": s, "lens": "", "r": 0.5 if lo == lo else math.nan, "low": lo,
             "high": 0.9, "n": 10} for a, lo in lows.items() for s in A.LENS_SCORES.values()]
    return pd.DataFrame(rows)


@pytest.mark.parametrize("lows, verdict", [({"relu": 0.1, "abs": 0.2}, "reproduced"),
                                           ({"relu": 0.1, "abs": -0.2}, "partly reproduced"),
                                           ({"relu": -0.1, "abs": -0.2}, "not reproduced"),
                                           ({"relu": math.nan}, "not tested")])
def test_scorecard_verdicts_can_fail(lows, verdict):
    rows = A.atlas_scorecard(_partial(lows), _partial(lows))
    assert rows[0]["claim"].startswith("Variability (v3) predicts trainability better than depth alone")
    assert {r["verdict"] for r in rows} == {verdict}


def test_the_pull_apart_sentence_follows_the_table():
    """A score higher at the depth that trains worse, but ranking nets within each depth: depth and lens pull apart."""
    rows = []
    for depth, base_v3, base_acc in ((2, 0.0, 0.9), (4, 1.0, 0.6)):
        rows += [{"budget": 100, "depth": depth, "activation": "tanh", "draw": i, "trained": True,
                  "v3": base_v3 + i / 100, "best_accuracy": base_acc + i / 100} for i in range(12)]
    table = pd.DataFrame(rows)
    for score in ("linear_regions", "grad_ratio"):
        table[score] = 0.0
    sentence = A.pull_apart_sentence(table, A.lens_correlations(table, scores=("v3",), resamples=200),
                                     A.beyond_depth(table, scores=("v3",), resamples=200))
    assert sentence.startswith("In this run they do for v3 of tanh nets") and "L = 4" in sentence
    table["v3"] = table.best_accuracy                                       # now the lens agrees with depth
    sentence = A.pull_apart_sentence(table, A.lens_correlations(table, scores=("v3",), resamples=200),
                                     A.beyond_depth(table, scores=("v3",), resamples=200))
    assert sentence.startswith("In this run no lens score")
