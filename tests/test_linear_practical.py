"""The weight-decay sweeps on real data (varlib.deep_linear.practical): collapse detection, the grid intervals of
the collapse strength, and rows that can fail or say "not tested"."""
import numpy as np
import pandas as pd
import pytest
import torch

from varlib.core.data import load_dataset
from varlib.deep_linear import practical as pr
from varlib.deep_linear.scorecard import practical_rows

GAMMAS = [0.01, 0.1, 0.3, 1.0]


def _table(rms: dict, diverged=()) -> pd.DataFrame:
    """A sweep table from {depth: logit RMS per gamma of GAMMAS} (two seeds with equal numbers)."""
    rows = [{"depth": D, "seed": s, "gamma": g, "logit_rms": r, "diverged": (D, g) in diverged, "loss0": 2.3,
             "loss": np.nan if (D, g) in diverged else 1.0}
            for D, rs in rms.items() for s in (0, 1) for g, r in zip(GAMMAS, rs)]
    t = pd.DataFrame(rows)
    return t.assign(collapsed=(t.logit_rms < 0.01) & ~t.diverged)


def test_collapse_strength_is_an_interval_of_the_grid():
    runs = pr.collapse_strengths(_table({1: [3, 2, 1, 0.5], 2: [3, 2, 0, 0], 3: [0, 0, 0, 0]}))
    by = runs.groupby("depth").first()
    assert by.loc[1, "status"] == "never" and by.loc[1, "lo"] == 1.0 and np.isinf(by.loc[1, "hi"])
    assert by.loc[2, "status"] == "collapses" and (by.loc[2, "lo"], by.loc[2, "hi"]) == (0.1, 0.3)
    assert by.loc[2, "gamma_c"] == 0.3 and by.loc[2, "before"] == pytest.approx(2 / 3)
    assert by.loc[3, "status"] == "always" and by.loc[3, "hi"] == 0.01 and np.isnan(by.loc[3, "before"])


def test_a_collapse_followed_by_recovery_is_not_a_collapse_strength():
    runs = pr.collapse_strengths(_table({2: [3, 0, 2, 0]}))
    assert runs.gamma_c.iloc[0] == 1.0 and runs.lo.iloc[0] == 0.3
    assert runs.continuous_max.iloc[0] == pytest.approx(0.7)
    odd = pr.collapse_strengths(_table({2: [0.001, 2, 0, 0]}))         # smallest gamma collapsed, then recovered
    assert (odd.status == "irregular").all() and odd.before.isna().all() and odd.lo.isna().all()


def test_depth_order_rows_pass_fail_and_say_not_tested():
    def rows(rms, diverged=()):
        return practical_rows({**pr.practical_metrics(_table(rms, diverged)), "dataset": "digits"})

    ordered = rows({1: [3, 2, 1, 0.05], 2: [3, 2.5, 0, 0], 3: [3, 0, 0, 0]})
    assert [r["verdict"] for r in ordered] == ["reproduced", "reproduced"]
    reversed_ = rows({1: [3, 0, 0, 0], 2: [3, 2.5, 2.5, 0]})
    assert reversed_[0]["verdict"] == "not reproduced"
    assert reversed_[1]["verdict"] == "partly reproduced"          # D = 2 jumps, but D = 1 collapsed by a jump
    coarse = rows({1: [3, 2, 1, 0.05], 2: [3, 2, 0, 0]})             # 2/3 left, as a linear decline could keep
    assert coarse[1]["verdict"] == "not tested"
    hidden = rows({1: [3, 2.5, 0, 0], 2: [3, 3, 3, 0], 3: [3, 3, 3, 0]})  # 1 vs 2 refutes, 2 vs 3 unresolved
    assert hidden[0]["verdict"] == "not reproduced"
    same = rows({2: [3, 2, 0, 0], 3: [3, 2, 0, 0]})
    assert same[0]["verdict"] == "not tested"                        # one interval: the grid cannot tell
    nothing = rows({1: [3, 3, 3, 3], 2: [3, 3, 3, 3]})
    assert nothing[0]["verdict"] == "not tested"
    blown = rows({1: [3, 2, 1, 0.05], 2: [3, 2, 0, 0]}, diverged={(2, 0.01)})
    assert [r["verdict"] for r in blown] == ["not tested", "not tested"] and "diverged 2/16" in blown[0]["ours"]


def test_a_shallow_net_far_from_zero_on_a_short_grid_is_not_evidence_of_a_continuous_transition():
    r = practical_rows({**pr.practical_metrics(_table({1: [3, 3, 2, 1], 2: [3, 2, 0, 0]})), "dataset": "digits"})
    assert r[1]["verdict"] == "not tested"


def test_sweep_on_digits_collapses_at_large_decay_only():
    data = load_dataset("digits")
    t = pr.weight_decay_table(data=data, depth=2, width=16, gammas=[1e-3, 3.0], seeds=2, steps=60, batch=64, lr=0.1)
    assert list(t.columns[:3]) == ["depth", "gamma", "seed"] and len(t) == 4
    assert not t[t.gamma == 1e-3].collapsed.any() and t[t.gamma == 3.0].collapsed.all()
    assert (t[t.gamma == 1e-3].test_acc > 0.3).all() and not t.diverged.any()   # chance: 0.1
    assert np.allclose(t[t.gamma == 3.0].train_ce, np.log(10), atol=1e-3)


def test_seed_s_starts_every_gamma_from_the_same_weights():
    w = pr.relu_mlp_init(5, [4, 4], 3, seeds=[0, 1, 0])
    assert torch.equal(w[0][0], w[0][2]) and not torch.equal(w[0][0], w[0][1])


@pytest.mark.parametrize("kw, word", [({"gammas": []}, "gammas"), ({"gammas": [-1.0]}, "gammas"),
                                      ({"depth": 0}, "depth"), ({"steps": 0}, "steps")])
def test_bad_arguments_name_the_parameter(kw, word):
    args = {"data": load_dataset("digits"), "depth": 1, "width": 4, "gammas": [0.1], "seeds": 1, "steps": 1,
            "batch": 8, "lr": 0.1, **kw}
    with pytest.raises(ValueError, match=word):
        pr.weight_decay_table(**args)


# ----------------------------------------------------------------------------- the hysteresis sweeps (C4)
def test_hysteresis_loop_for_two_layers_and_none_for_one():
    """Warm-started sweeps on the isotropic task: D = 2 follows the nonzero branch past gamma* up to the spinodal
    and stays at zero coming down (kicked); D = 1 leaves zero again below gamma*; the upward loss crosses E[y^2]
    at gamma*."""
    from varlib.deep_linear import hysteresis as hy
    from varlib.deep_linear import study as st

    _, _, iso = st.isotropic_task(d0=4, n=400)
    t = hy.hysteresis_table(task=iso, depths=[1, 2], gamma_ratios=[0.5, 0.95, 1.05, 1.5, 2.0], seeds=2, width=4,
                            steps=1500, lr=0.05)
    assert set(t.direction) == {"up", "down"} and len(t) == 2 * 2 * 5 * 2 and not t.diverged.any()
    m = hy.hysteresis_metrics(t)
    assert abs(m[2]["crossing"] - 1) < hy.CROSSING_TOL and m[2]["window_nonzero"] == 1 and m[2]["beyond_zero"] == 1
    assert m[2]["down_zero"] == 1 and m[1]["down_grew"] is True and np.isnan(m[1]["crossing"])
    up = t[(t.direction == "up") & (t.depth == 2)].groupby("ratio").v_norm.mean()
    assert up[1.05] > 0.3 and up[2.0] < hy.ZERO_NORM                  # metastable past gamma*, gone past gamma_sp


def test_hysteresis_row_fails_without_a_loop_and_says_not_tested_without_evidence():
    from varlib.deep_linear.scorecard import hysteresis_row

    loop = {"crossing": 1.0, "window_nonzero": 1.0, "beyond_zero": 1.0, "down_zero": 1.0, "gamma_sp_ratio": 1.19,
            "diverged": (0, 20)}
    shallow = {"down_grew": True, "diverged": (0, 20)}
    assert hysteresis_row({1: shallow, 2: loop})["verdict"] == "reproduced"
    none = {**loop, "window_nonzero": 0.0, "crossing": float("inf")}   # drops at gamma*: no crossing on the branch
    assert hysteresis_row({1: {**shallow, "down_grew": False}, 2: none})["verdict"] == "not reproduced"
    assert hysteresis_row({2: {**loop, "window_nonzero": float("nan")}})["verdict"] == "not tested"
    assert hysteresis_row({2: {**loop, "diverged": (1, 20)}})["verdict"] == "not tested"
    assert hysteresis_row({1: shallow})["verdict"] == "not tested"                # no depth >= 2


def test_a_branch_that_ends_before_gamma_star_has_no_crossing_and_fails():
    """Up sweep nonzero to 0.95 gamma* and at zero from 1.05: no crossing (+inf), an empty window: not reproduced,
    never "not tested"."""
    from varlib.deep_linear import hysteresis as hy
    from varlib.deep_linear.scorecard import hysteresis_row

    rows = [{"direction": d, "depth": 2, "ratio": r, "member": 0, "loss0": 1.0, "loss": 0.5 if r < 1 else 1.0,
             "v_norm": 0.5 if (d == "up" and r < 1) else 0.0, "v_start": 0.0, "Ey2": 1.0, "gamma_sp_ratio": 1.19}
            for d in ("up", "down") for r in (0.5, 0.95, 1.05, 1.15, 1.6, 2.0)]
    t = pd.DataFrame(rows)
    m = hy.hysteresis_metrics(t.assign(at_zero=t.v_norm < hy.ZERO_NORM))
    assert m[2]["crossing"] == float("inf") and m[2]["window_nonzero"] == 0
    assert hysteresis_row(m)["verdict"] == "not reproduced"


def test_hysteresis_sweep_names_a_bad_ratio():
    from varlib.deep_linear import hysteresis as hy
    from varlib.deep_linear import study as st

    _, _, iso = st.isotropic_task(d0=3, n=100)
    with pytest.raises(ValueError, match="gamma_ratios"):
        hy.hysteresis_table(task=iso, depths=[2], gamma_ratios=[0.0, 1.0], seeds=1, width=2, steps=1, lr=0.1)
