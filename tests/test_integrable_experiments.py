"""varlib.integrable.experiments: the chapter's sweeps, its prose values and its scorecard, at tiny sizes on digits.

Exactness is asserted in float64 (< 1e-10 relative); verdicts and phrases are checked to follow the numbers, in
both directions. One torch thread (tiny matrices; see tests/test_parameterizations.py).
"""
import math

import matplotlib
import numpy as np
import pandas as pd
import pytest
import torch

matplotlib.use("Agg")

from varlib.core.data import load_dataset  # noqa: E402
from varlib.integrable import experiments as ie  # noqa: E402
from varlib.integrable import plots as iplots  # noqa: E402
from varlib.integrable import scorecard as isc  # noqa: E402
from varlib.integrable.profiles import CHAPTER_PROFILES  # noqa: E402


@pytest.fixture(autouse=True)
def _one_thread():
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


@pytest.fixture(scope="module")
def digits():
    return load_dataset("digits")


def test_profiles_share_their_keys_and_validate():
    import varlib

    keys = [set(v) for v in CHAPTER_PROFILES.values()]
    assert keys[0] == keys[1] == keys[2] and set(CHAPTER_PROFILES) == {"smoke", "standard", "full"}
    cfg = varlib.chapter_settings("integrable", "standard", width=128)
    assert cfg.width == 128 and cfg.seeds >= 3 and max(cfg.init_widths) <= 1024
    assert (cfg.dataset, cfg.depth, cfg.batch, cfg.steps) == ("fashion_mnist", 6, 512, 600)  # the authors' protocol
    assert CHAPTER_PROFILES["smoke"]["dataset"] == "digits"
    assert any(m & (m - 1) for m in cfg.equiv_widths)  # a width that is not a power of two
    assert CHAPTER_PROFILES["full"]["width"] == 1024 and CHAPTER_PROFILES["full"]["seeds"] == 5
    with pytest.raises(ValueError, match="unknown parameter"):
        varlib.chapter_settings("integrable", "smoke", widht=3)
    with pytest.raises(ValueError, match="dataset must be one of"):
        varlib.chapter_settings("integrable", "smoke", dataset="imagenet")
    exact = {k: CHAPTER_PROFILES["standard"][k] for k in ("symmetry_depth", "equiv_depth", "equiv_batch", "equiv_eta")}
    assert exact == {"symmetry_depth": 3, "equiv_depth": 4, "equiv_batch": 32, "equiv_eta": 0.05}
    assert all(CHAPTER_PROFILES[p]["init_depths"] == [3, 5] for p in CHAPTER_PROFILES)


def test_chapter_grids():
    naive = ie.naive_ip_grid(depths=[2, 4], widths=[16, 32], steps=4, batch=32, eta=0.1, seed=0)
    assert [(it["L"], it["width"]) for it in naive] == [(2, 16), (2, 32), (4, 16), (4, 32)]
    assert {it["preset"] for it in naive} == {"naive_ip"} and {it["activation"] for it in naive} == {"relu"}
    seeded = ie.naive_ip_grid(depths=[2, 3], widths=[16, 32], steps=4, batch=32, eta=0.1, seed=5, seeds=2)
    assert [(it["L"], it["width"], it["seed"]) for it in seeded] == [(2, 16, 5), (2, 32, 5), (3, 16, 5), (3, 16, 6),
                                                                     (3, 32, 5), (3, 32, 6)]
    relu = ie.relu_rate_grid(depth=6, width=16, steps=4, batch=32, etas=[0.1, 1.0], seed=0, seeds=1)
    assert [(it["eta"], it["activation"], it["preset"]) for it in relu] == [(0.1, "relu", "ipllr"),
                                                                            (1.0, "relu", "ipllr")]
    escape = ie.escape_grid(depth=6, widths=[16], steps=4, batch=32, eta=0.01, seed=0)
    assert [it["preset"] for it in escape] == ["naive_ip", "ipllr"] and escape[0]["activation"] == "gelu"
    ranks = ie.rank_grid(depth=4, width=64, batch=64, eta=0.01, seed=0)
    assert [it["activation"] for it in ranks] == list(ie.SWEEP_ACTIVATIONS)
    main = ie.comparison_grid(depth=6, width=32, steps=8, batch=64, eta=0.01, seed=2, seeds=3)
    assert len(main) == len(ie.MAIN_PRESETS) * len(ie.SWEEP_ACTIVATIONS) * 3
    assert {it["seed"] for it in main} == {2, 3, 4}


def test_grid_map_and_tables(tmp_path, digits):
    import varlib

    items = ie.grid(preset=["naive_ip"], activation=["relu"], L=[2, 4], width=[16], steps=[4], batch=[32],
                    eta=[0.1], seed=[0])
    assert [it["L"] for it in items] == [2, 4] and len(items) == 2
    store = varlib.ResultStore(tmp_path, "smoke", varlib.setup("cpu", 0, 1))
    runs = store.map(ie.train_run, items, data=digits, progress=False)
    assert len(list(tmp_path.rglob("*.pt"))) == 2
    again = store.map(ie.train_run, items, data=digits, progress=False)
    assert pd.Series(again[0]["summary"]).equals(pd.Series(runs[0]["summary"]))  # NaN-aware: plateau_end is NaN
    assert len(list(tmp_path.rglob("*.pt"))) == 2
    summary, hist = ie.summaries(items, results=runs), ie.histories(items, results=runs)
    assert {"L", "width", "test_acc", "final_loss", "max_dev_ln10", "change_w1", "plateau_end",
            "final_abs_f"} <= set(summary.columns)
    assert len(hist) == 2 * 5 and {"step", "loss", "h1", "f", "L"} <= set(hist.columns)
    assert summary.set_index("L").max_dev_ln10[4] < 1e-2  # naive IP at L = 4 sits at ln 10


def test_abc_table_lists_e_and_kappa():
    table = ie.abc_table(4)
    assert table.loc["naive_ip", "e = a+b"] == "0 / 1 / 1" and table.loc["mup", "e = a+b"] == "0 / 0.5 / 1"
    assert table.loc["ipllr", "κ = 2a+c (t=0)"] == table.loc["mup_modified", "κ = 2a+c (t=0)"] == "-2.5 / -1 / -0.5"
    assert table.loc["ip_bias", "c (t=0)"] == "-2.5 / -3…-2 / -1"
    assert table.loc["ip_non_centered", "init mean"] == "0 / 1 / 1"


def test_symmetry_and_equivalences_are_exact(digits):
    sym = ie.symmetry_check(data=digits, presets=["mup", "naive_ip", "ipllr"], L=3, m=24, steps=3)
    assert (sym.shifted / sym.max_abs_f).max() < 1e-10
    assert (sym.c_not_shifted / sym.max_abs_f).min() > 1e-3  # the check can fail
    eq = ie.equivalence_check(data=digits, L=4, m=24, steps=3)
    assert eq.relative.iloc[0] < 1e-10 and eq.relative.iloc[1] < 1e-10 and eq.relative.iloc[2] > 1e-3
    assert list(eq.pair) == ["ipllr vs mup_modified", "naive_ip vs mup_shrunk", "ipllr vs mup"]


def test_init_slopes_on_exact_power_laws():
    widths = [64, 256, 1024]
    rows = [{"preset": p, "L": L, "activation": "relu", "width": m, "draw": r,
             "mean_abs_f": (1 + r) * m ** (-0.5 if p == "mup" else -L / 2), "loss": math.log(10) + 1e-6}
            for p, L in [("naive_ip", 3), ("mup", 5)] for m in widths for r in range(2)]
    slopes = ie.init_slopes(pd.DataFrame(rows)).set_index("preset")
    assert slopes.loc["naive_ip", "slope"] == pytest.approx(-1.5) and slopes.loc["mup", "slope"] == pytest.approx(-0.5)
    assert (slopes.slope == slopes.predicted).all() or np.allclose(slopes.slope, slopes.predicted)
    assert slopes.max_loss_minus_ln10.max() == pytest.approx(1e-6, rel=1e-3)


def test_init_scales_measured_slope(digits):
    scales = ie.init_scales(data=digits, depths=[3], widths=[64, 256, 1024], activations=["tanh"], draws=2)
    slopes = ie.init_slopes(scales).set_index("preset")
    ip_loss = scales[scales.preset == "naive_ip"].loss
    assert abs(slopes.loc["naive_ip", "slope"] + 1.5) < 0.25 and (ip_loss - math.log(10)).abs().max() < 1e-2
    assert slopes.loc["mup", "L"] == 3 and abs(slopes.loc["mup", "slope"] + 0.5) < 0.25  # muP at the largest depth
    with pytest.raises(ValueError, match=r"depths\[1\] must be an integer >= 1"):
        ie.init_scales(data=digits, depths=[3, 0], widths=[8], draws=1)


def test_first_step_ranks_label_driven_for_tanh(digits):
    ranks = ie.first_step_ranks(data=digits, activation="tanh", L=4, width=64, batch=64)
    upd = ranks[ranks.kind == "update Δw"].set_index("layer").numerical_rank
    assert upd[5] == 9 and upd[4] == 9 and upd[1] > 20  # K - 1 in the deep layers
    assert set(ranks.kind) == {"update Δw", "pre-activation h"} and len(ranks) == 5 + 4


def test_train_run_reports_divergence_as_nan(digits):
    run = ie.train_run(data=digits, preset="ipllr", activation="gelu", L=3, width=32, steps=6, batch=64, eta=0.01)
    assert np.isfinite(run["summary"]["test_acc"]) and run["history"].step.max() == 6
    p = ie.get_parameterization("mup", 2)
    params = {k: torch.full_like(v, float("nan")) for k, v in
              ie.init_params(p, ie.initial_draws(64, 8, 10, 2), "relu", dtype=torch.float32).items()}
    assert math.isnan(ie._accuracy(p, params, digits.X_test, digits.y_test, "relu"))


def test_chapter_dataset_falls_back_to_digits(tmp_path):
    data, note = ie.chapter_dataset("mnist", data_dir=tmp_path)
    assert data.name == "digits" and "fell back to digits" in note and "train-images-idx3-ubyte" in note
    data, note = ie.chapter_dataset("fashion_mnist", data_dir=tmp_path)
    assert data.name == "digits" and "apt-get install dataset-fashion-mnist" in note
    data, note = ie.chapter_dataset("digits")
    assert data.name == "digits" and "offline" in note and f"{len(data.y_train)} training" in note


# ------------------------------------------------------------------ scorecard


def _main_summary(accs: dict, seeds: int = 3) -> pd.DataFrame:
    """One row per run of the main comparison: every seed of (preset, activation) has the given accuracy (NaN:
    the run diverged), the final loss of a sane run."""
    return pd.DataFrame([{"preset": p, "activation": a, "seed": s, "test_acc": acc, "final_loss": 1.0,
                          "final_abs_f": 3.0, "diverged": acc != acc}
                         for p, row in accs.items() for a, acc in zip(ie.SWEEP_ACTIVATIONS, row) for s in range(seeds)])


def _tables(good: bool):
    """Synthetic inputs of the scorecard: every claim holds (good) or fails, every run finite and above chance
    where the claim needs learning."""
    nan = math.nan
    symmetry = pd.DataFrame({"preset": ["mup"], "max_abs_f": [1.0], "shifted": [1e-15 if good else 1e-3],
                             "c_not_shifted": [0.5], "diverged": [False]})
    slopes = pd.DataFrame({"preset": ["naive_ip", "mup"], "L": [5, 5], "activation": ["relu"] * 2,
                           "slope": [-2.45 if good else -1.0, -0.5], "predicted": [-2.5, -0.5],
                           "max_loss_minus_ln10": [1e-6, 0.1]})
    naive = pd.DataFrame({"L": [2, 2, 3, 3, 4, 4], "width": [128, 512] * 3,
                          "final_loss": [1.5, 1.6, 2.0, 2.2, 2.3026, 2.3026] if good else [2.3] * 6,
                          "max_dev_ln10": [0.8, 0.7, 0.3, 0.1, 1e-5, 1e-6],
                          "test_acc": [0.9, 0.9, 0.4, 0.3, 0.1, 0.1] if good else [0.3] * 6,
                          "diverged": [False] * 6,
                          "change_w1": [0.5, 0.5, 1e-2, 1e-3, 2e-3, 2e-4] if good else [1e-3] * 6,
                          "plateau_end": [30, 30, 60, 150, nan, nan] if good else [30, 30, 150, 60, nan, nan]})
    second = naive[naive.L == 3].assign(plateau_end=[70, 170] if good else [160, 50])  # a second seed at L = 3
    naive = pd.concat([naive, second], ignore_index=True)
    escape = pd.DataFrame({"preset": ["naive_ip", "ipllr"], "width": [128, 128],
                           "final_loss": [2.3026, 1.0 if good else 2.3],
                           "max_dev_ln10": [1e-5, 1.0], "test_acc": [0.1, 0.7 if good else 0.3],
                           "diverged": [False, False]})
    equivalence = pd.DataFrame({"pair": ["ipllr vs mup_modified", "naive_ip vs mup_shrunk", "ipllr vs mup"] * 2,
                                "width": [256] * 3 + [300] * 3,
                                "relative": [0.0, 0.0, 1.0, 1e-16, 2e-16, 1.0 if good else 1e-14],
                                "diverged": [False] * 6})
    rows = []
    for act in ie.SWEEP_ACTIVATIONS:
        for layer in range(1, 6):
            relu = act == "relu"
            rank = 9 if (not relu and layer >= 3 and good) or layer == 5 else 64
            rows.append({"activation": act, "kind": "update Δw", "layer": layer, "numerical_rank": rank,
                         "stable_rank": 1.5, "diverged": False})
        for layer in range(1, 5):
            rows.append({"activation": act, "kind": "pre-activation h", "layer": layer,
                         "numerical_rank": (1 if relu else 12) if layer == 4 else 100, "stable_rank": 1.0,
                         "diverged": False})
    accuracy = ie.accuracy_table(_main_summary({"mup": [0.9] * 4,
                                                "ipllr": [0.1, 0.9, 0.9, 0.9] if good else [0.9] * 4,
                                                "ip_bias": [0.1] * 4, "ip_non_centered": [0.1, 0.1, 0.12, 0.15]}))
    mechanics = {"first_step": pd.DataFrame({"layer": [1, 2], "slope": [-1.45, -0.95] if good else [-0.5, -0.2],
                                             "predicted": [-1.5, -1.0], "slope_total": [-1.45, -1.5]}),
                 "clones": pd.DataFrame({"layer": [2, 3], "slope": [-0.48, -0.52] if good else [-0.1, 0.0],
                                         "predicted": [-0.5, -0.5]}),
                 "schedule": pd.DataFrame({"warmup_steps": [1, 4], "rate_error": [0.0, 0.0],
                                           "max_loss": [3.0, math.inf if good else 3.0], "diverged": [False, good]})}
    relu_sweep = pd.DataFrame({"eta": [0.001, 0.1], "test_acc": [0.1, 0.1 if good else 0.8], "final_loss": [2.3, 2.0],
                               "diverged": [False, False]})
    return dict(symmetry=symmetry, slopes=slopes, naive=naive, escape=escape, equivalence=equivalence,
                ranks=pd.DataFrame(rows).assign(input_rank=61), accuracy=accuracy, batch=64, mechanics=mechanics,
                relu_sweep=relu_sweep)


def _verdicts(dataset="mnist", **tables) -> dict:
    return {r["claim"]: r["verdict"] for r in ie.integrable_scorecard(dataset, **tables)}


RELU = "ReLU fails under IP-LLR at every base rate tried; GeLU/ELU/tanh learn"
EQUIV = ("IP-LLR is a modified μP (and Naive IP is μP with √m-smaller hidden init): equal e and κ, so equal outputs "
         "by the symmetry")
MUP = "μP learns with every activation (final loss ≥ 0.1 nats below ln 10)"
#: The rows computed from the initial draws, a single step, or the optimiser's settings, not from the runs that
#: the blown-up tables break.
UNTRAINED = ("the first Naive-IP step moves $h^1$ like $m^{-(L-1)/2}$ and $h^2$ like $m^{-(L-2)/2}$",
             "IP-non-centered clones its neurons: their spread falls like $m^{-1/2}$",
             "IP-LLR's rates: $\\eta m^{(L+1)/2}$, $\\eta m^{(L+2)/2}$ at step 0, then "
             "$\\eta m$, $\\eta m^2$, $\\eta m$",
             "the switch after step 0 is needed: more steps at the step-0 rates blow up")
#: The scorecard rows fed by computations that start from the initial draws only (no training, no step).
INIT_ROWS = ("at init mean|f| ∝ $m^{-L/2}$ for IP, $m^{-1/2}$ for μP", "IP (L ≥ 3) loss at init is ln 10")


def test_scorecard_verdicts_follow_the_numbers():
    import varlib

    good = ie.integrable_scorecard("mnist", **_tables(True))
    assert all(r["verdict"] in ("reproduced", "setup check holds") for r in good), [(r["claim"], r["verdict"])
                                                                                   for r in good]
    assert varlib.scorecard(good).shape == (len(good), 3)
    on_digits = _verdicts("digits", **_tables(True))
    assert on_digits[RELU] == "partly reproduced"
    assert on_digits[EQUIV] == "reproduced"
    bad = _verdicts(**_tables(False))
    for claim in ["(a+θ, b−θ, c−2θ) on any layer leaves f unchanged along SGD", "Naive IP learns at L = 2",
                  "IP-LLR trains deep IPs where Naive IP is stuck (GeLU)", RELU, EQUIV,
                  "at init mean|f| ∝ $m^{-L/2}$ for IP, $m^{-1/2}$ for μP", *UNTRAINED[:2], UNTRAINED[3],
                  "Naive IP at L = 3: the plateau at ln 10 lasts longer as m grows"]:
        assert bad[claim] == "not reproduced", claim
    assert bad["smooth σ: deep updates have rank K−1; ReLU: full rank, stable rank < 2"] == "partly reproduced"


def test_scorecard_reports_failed_fractions_and_keeps_the_normal_case():
    rows = {r["claim"]: r["ours"] for r in ie.integrable_scorecard("digits", **_tables(True))}
    assert rows["Naive IP learns at L = 2"].endswith("(by width; diverged 0/2, at chance 0/2)")
    assert rows["Naive IP is stuck at ln 10 for L ≥ 4 (at the widest m)"].endswith("(diverged 0/1, at chance 1/1)")
    escaped = _tables(True)
    narrow = (escaped["naive"].L == 4) & (escaped["naive"].width == 128)
    escaped["naive"].loc[narrow, ["max_dev_ln10", "plateau_end"]] = [0.3, 570]  # the widest net decides

    row = next(r for r in ie.integrable_scorecard("digits", **escaped) if r["claim"].startswith("Naive IP is stuck"))
    assert row["ours"].endswith("; narrower: L=4 m=128 left ln 10 at step 570")
    assert row["verdict"] == "partly reproduced"
    assert "IP-LLR diverged 0/1, at chance 0/1; Naive IP diverged 0/1, at chance 1/1" in \
        rows["IP-LLR trains deep IPs where Naive IP is stuck (GeLU)"]
    assert rows["(a+θ, b−θ, c−2θ) on any layer leaves f unchanged along SGD"].endswith("; diverged 0/1)")
    assert rows[EQUIV].endswith(
        "; diverged 0/6)")
    assert rows["after the first IP-LLR step ReLU collapses the deepest representation"] == \
        "rank h^4: relu 1, gelu 12, elu 12, tanh 12 (the inputs' rank, a ceiling for h^1: 61; diverged 0/4)"
    assert rows[RELU] == \
        ("digits: relu 0.100, gelu 0.900, elu 0.900, tanh 0.900 (diverged 0/12; at chance 3/12); ReLU by base rate "
         "η (best seed): 0.001 0.100, 0.1 0.100")
    assert all(v in rows[c] for c, v in [(INIT_ROWS[0], "over 2 fits"), (INIT_ROWS[1], "= 1.0e-06")])
    assert not any("diverged" in rows[c] for c in INIT_ROWS)
    # one seed of three diverging (as IP-LLR with ELU does in the standard profile) keeps every verdict
    tables = _tables(True)
    tables["accuracy"] = ie.accuracy_table(_main_summary({"mup": [0.9] * 4, "ipllr": [0.1, 0.9, 0.9, 0.9],
                                                          "ip_bias": [0.1] * 4, "ip_non_centered": [0.1] * 4})
                                           .assign(test_acc=lambda d: d.test_acc.mask(
                                               (d.preset == "ipllr") & (d.activation == "elu") & (d.seed == 0)),
                                               diverged=lambda d: d.test_acc.isna()))
    assert _verdicts(**tables) == _verdicts(**_tables(True))
    ours = {r["claim"]: r["ours"] for r in ie.integrable_scorecard("mnist", **tables)}
    assert "(diverged 1/12: elu 1/3; at chance 3/12)" in ours[RELU]


def _blown(how: str) -> dict:
    """The scorecard's inputs after every run failed: ``"diverged"`` (NaN losses, NaN accuracies), ``"exploded"``
    (finite losses of 1e31, accuracies at chance, no ``diverged`` flag in the run summaries: the final loss
    alone must tell) or ``"nan"`` (every computed value NaN)."""
    t = _tables(True)
    nan, big = float("nan"), 1e31
    loss = big if how == "exploded" else nan
    for name in ("naive", "escape"):
        df = t[name].assign(final_loss=loss, max_dev_ln10=loss, test_acc=0.1 if how == "exploded" else nan)
        if "change_w1" in df:
            df = df.assign(change_w1=big if how == "exploded" else nan)
        t[name] = df.drop(columns="diverged") if how == "exploded" else df.assign(diverged=True)
    t["symmetry"] = t["symmetry"].assign(diverged=True, **({"shifted": nan, "max_abs_f": nan} if how == "nan" else {}))
    t["equivalence"] = t["equivalence"].assign(diverged=True, **({"relative": nan} if how == "nan" else {}))
    t["ranks"] = t["ranks"].assign(diverged=True, **({"numerical_rank": nan, "stable_rank": nan}
                                                     if how != "exploded" else {}))
    summary = _main_summary({p: [0.1] * 4 for p in ie.MAIN_PRESETS})
    t["accuracy"] = ie.accuracy_table(summary.drop(columns="diverged").assign(final_loss=big) if how == "exploded"
                                      else summary.assign(test_acc=nan, final_loss=nan, diverged=True))
    return t


@pytest.mark.parametrize("how", ["diverged", "exploded", "nan"])
def test_scorecard_is_not_tested_when_training_failed(how):
    tables = _blown(how)
    rows = ie.integrable_scorecard("mnist", **tables)
    verdicts = {r["claim"]: r["verdict"] for r in rows}
    trained = [c for c in verdicts if c not in INIT_ROWS + UNTRAINED]
    assert len(trained) == 13 and all(verdicts[c] == "not tested" for c in trained), verdicts
    assert all(verdicts[c] == "reproduced" for c in INIT_ROWS)  # no training there: unchanged
    ours = {r["claim"]: r["ours"] for r in rows}
    assert "diverged 2/2" in ours["Naive IP learns at L = 2"]
    assert "diverged 1/1" in ours["(a+θ, b−θ, c−2θ) on any layer leaves f unchanged along SGD"]
    assert ours[MUP].endswith("(diverged 12/12: relu 3/3, gelu 3/3, elu 3/3, tanh 3/3; "
                                                              "at chance 0/12)")
    assert "; diverged 4/4)" in ours["after the first IP-LLR step ReLU collapses the deepest representation"]


def test_at_chance_fails_only_claims_that_need_learning():
    tables = _tables(True)
    tables["naive"] = tables["naive"].assign(test_acc=0.1)  # every Naive-IP run at chance
    tables["escape"] = tables["escape"].assign(test_acc=0.12)
    tables["accuracy"] = ie.accuracy_table(_main_summary({p: [0.1] * 4 for p in ie.MAIN_PRESETS}))
    v = _verdicts(**tables)
    for claim in ["Naive IP learns at L = 2", "IP-LLR trains deep IPs where Naive IP is stuck (GeLU)",
                  RELU, MUP]:
        assert v[claim] == "not tested", claim
    for claim in ["Naive IP is stuck at ln 10 for L ≥ 4 (at the widest m)",
                  "Naive IP weights barely move, less as m grows (L = 4)",
                  "Naive IP at L = 3: the plateau at ln 10 lasts longer as m grows", "IP-bias stays at chance",
                  "IP-non-centered barely learns (neurons are clones)"]:
        assert v[claim] == "reproduced", claim


def test_diverged_and_at_chance_rules():
    ceiling = ie.integrable_loss_ceiling(10)
    assert ceiling == pytest.approx(1e2 * math.log(10)) and ie.INTEGRABLE_CHANCE_MARGIN == 0.05
    assert ie.integrable_diverged([2.3, float("nan"), 1.0]) and ie.integrable_diverged([2.3, float("inf")])
    assert ie.integrable_diverged([2.3] + [2.5e31] * 9)  # finite but exploded
    assert ie.integrable_diverged([2.3] * 10, test_acc=float("nan"))  # the test logits overflowed
    assert not ie.integrable_diverged([2.3, 3e10] + [0.5] * 18)  # a one-step spike that recovers
    assert not ie.integrable_diverged([2.3, 2.0, 0.9 * ceiling]) and ie.integrable_diverged([2.3, 2.0, 1.1 * ceiling])
    assert not ie.integrable_diverged([])
    runs = ie.integrable_failures(pd.DataFrame({"test_acc": [0.15, 0.1501, float("nan"), 0.1, 0.9],
                                                "final_loss": [2.3, 2.3, 2.3, 1e31, 0.2]}))
    assert runs.at_chance.tolist() == [True, False, False, False, False]
    assert runs.diverged.tolist() == [False, False, True, True, False]
    assert ie.integrable_failure_note(runs) == "diverged 2/5, at chance 1/5"
    assert ie.integrable_failure_note(runs, chance=False) == "diverged 2/5"
    assert ie.integrable_usable(runs, learn=True).tolist() == [False, True, False, False, True]
    assert ie.integrable_usable(runs, learn=False).tolist() == [True, True, False, False, True]


def test_blown_up_runs_are_flagged_and_never_raise(digits):
    kw = dict(data=digits, L=3, width=16, steps=6, batch=32)
    sane = ie.train_run(preset="mup", activation="tanh", eta=0.01, **kw)["summary"]
    exploded = ie.train_run(preset="mup", activation="tanh", eta=1e6, **kw)["summary"]  # tanh: finite logits
    nan = ie.train_run(preset="ipllr", activation="relu", eta=1e30, **kw)["summary"]
    assert not sane["diverged"] and exploded["diverged"] and nan["diverged"]
    assert math.isfinite(exploded["final_loss"]) and exploded["final_loss"] > ie.integrable_loss_ceiling(10)
    assert math.isnan(nan["final_loss"]) and math.isnan(nan["max_dev_ln10"])  # a NaN loss is not skipped
    ranks = ie.first_step_ranks(data=digits, activation="relu", L=3, width=16, batch=32, eta=math.inf)
    assert ranks.diverged.all() and ranks.numerical_rank.isna().all()  # no SVD of a non-finite matrix
    assert not ie.first_step_ranks(data=digits, activation="relu", L=3, width=16, batch=32).diverged.any()
    small = dict(data=digits, L=3, m=16, steps=3)
    assert not ie.symmetry_check(presets=["mup"], **small).diverged.any()
    assert ie.symmetry_check(presets=["mup"], eta=1e6, **small).diverged.all()
    assert not ie.equivalence_check(**small).diverged.any() and ie.equivalence_check(eta=1e30, **small).diverged.all()


# ------------------------------------------------------------------ figures


def test_figures_are_drawn(digits):
    import matplotlib.pyplot as plt

    scales = ie.init_scales(data=digits, depths=[3], widths=[16, 32], activations=["relu", "tanh"], draws=1)
    items = ie.grid(preset=["ipllr", "mup"], activation=["gelu", "relu"], L=[3], width=[16], steps=[3],
                    batch=[32], eta=[0.01], seed=[0])
    runs = [ie.train_run(data=digits, **it) for it in items]
    hist, summary = ie.histories(items, results=runs), ie.summaries(items, results=runs)
    ranks = ie.stacked([{"activation": "tanh"}],
                       tables=[ie.first_step_ranks(data=digits, activation="tanh", L=3, width=16, batch=32)])
    figs = [iplots.init_scale_plot(scales), iplots.loss_curves(hist, col="preset", hue="activation", log_x=True),
            iplots.coord_check_plot(hist[hist.preset == "ipllr"].assign(width=16)),
            iplots.rank_plot(ranks, batch=32, n_inputs=len(digits.y_train)), iplots.accuracy_plot(summary),
            iplots.loss_curves(hist.iloc[:0], col="preset", hue="activation"),
            iplots.relu_rate_plot(summary.assign(eta=0.1), summary.assign(eta=0.01)),
            iplots.calibration_plot(pd.DataFrame({"activation": "tanh", "width": [16, 32], "layer": 2,
                                                  "raw": [3.0, 5.0], "cap": 1000.0}))]
    for fig in figs:
        assert isinstance(fig, plt.Figure) and fig.axes and not any(ax.get_title() for ax in fig.axes)
        plt.close(fig)


def test_diagnostics_stay_importable_from_parameterizations():
    import varlib.integrable as par
    import varlib.integrable.diagnostics as diag

    for name in diag.__all__:
        assert getattr(par, name) is getattr(diag, name) and name in par.__all__, name
    assert all(hasattr(par, name) for name in par.__all__)


def test_seed_table_is_narrow():
    acc = ie.accuracy_table(_main_summary({"mup": [0.9, 0.8, 0.1, float("nan")]}))
    table = ie.seed_table(acc)
    assert table.loc["mup", "relu"] == "0.90–0.90" and table.loc["mup", "tanh"] == "0.00–0.00 (3/0)"
    assert table.loc["mup", "elu"] == "0.10–0.10 (0/3)"


def test_accuracy_table_counts_diverged_runs_as_zero():
    summary = pd.DataFrame({"preset": ["ipllr"] * 4, "activation": ["elu"] * 4,
                            "test_acc": [0.9, float("nan"), 0.9, 0.12], "final_loss": [0.3, 0.3, 2e31, 2.3]})
    row = ie.accuracy_table(summary).iloc[0]  # NaN accuracy, or a final loss of 2e31: diverged, counted as 0
    assert row["mean"] == pytest.approx(0.255) and row["diverged"] == 2 and row["at_chance"] == 1
    assert row["count"] == 4
    tables = _tables(True)
    tables["accuracy"] = ie.accuracy_table(pd.concat([summary.assign(activation=a) for a in ie.SWEEP_ACTIVATIONS]))
    assert ("(diverged 8/16: relu 2/4, gelu 2/4, elu 2/4, tanh 2/4; at chance 4/16)"
            in isc._rows_main(tables["accuracy"], "mnist")[0]["ours"])


# ------------------------------------------------------------------ the values the prose reads


def test_data_and_init_stories(digits):
    story = ie.data_story(digits)
    assert story["n-train"] == len(digits.y_train) and story["probe"] == min(256, len(digits.y_test))
    assert story["paper-batch-share"] == pytest.approx(512 / len(digits.y_train))
    slopes = _tables(True)["slopes"]
    assert ie.init_story(slopes)["init-slopes-agree"] == "agree with"
    assert ie.init_story(slopes)["init-loss-gap"] == pytest.approx(1e-6)
    assert ie.init_story(_tables(False)["slopes"])["init-slopes-agree"] == "depart from"


def test_naive_story_follows_the_numbers():
    good = ie.naive_story(_tables(True)["naive"])
    assert good["naive-two"] == "falls, to a final loss of 1.60 or less"
    assert good["naive-deep"] == "at the widest m stays within 1e-06 of ln 10 at every step"
    assert good["naive-three"] == ("ends later as the width grows (median over seeds: at step 65 at m = 128, at "
                                   "step 160 at m = 512)")
    assert good["naive-w1"] == "shrinks 10-fold from m = 128 to m = 512 (L = 4)"
    bad = _tables(False)["naive"].assign(max_dev_ln10=0.5, final_loss=[2.3, 2.2, 2.2, 2.1, 2.3, 2.3, 2.2, 2.1],
                                         change_w1=[1e-3, 1e-3, 1e-3, 1e-3, 1e-3, 2e-3, 1e-3, 1e-3])
    bad = ie.naive_story(bad)
    assert bad["naive-two"].startswith("does not fall")
    assert bad["naive-deep"] == "at the widest m leaves ln 10 (by up to 0.50)"
    late = _tables(True)["naive"]
    late.loc[(late.L == 4) & (late.width == 128), "plateau_end"] = 570
    assert ie.naive_story(late)["naive-deep"].endswith("; narrower nets leave it after a plateau: L = 4, m = 128 "
                                                       "at step 570")
    assert bad["naive-three"].startswith("does not end later")
    assert bad["naive-w1"].startswith("does not shrink (it grows 2.0")
    one = ie.naive_story(pd.DataFrame({"L": [3], "width": [64], "final_loss": [2.0], "max_dev_ln10": [0.3],
                                       "test_acc": [0.3], "change_w1": [1e-3], "plateau_end": [50]}))
    assert "not trained" in one["naive-two"] and "not trained" in one["naive-deep"]
    assert "one width" in one["naive-w1"] and "cannot be compared" in one["naive-three"]


def test_escape_story_follows_the_numbers():
    def history(h1):
        return pd.DataFrame([{"preset": p, "L": 3, "width": w, "step": t, "loss": 2.3, "h3": 1e-5 if t == 0 else h1}
                             for p in ("naive_ip", "ipllr") for w in (16, 32) for t in (0, 1, 2)])

    good = ie.escape_story(_tables(True)["escape"], history=history(0.8))
    assert good["escape-naive"] == "stays within 1e-05 of ln 10 at every step"
    assert good["escape-ipllr"] == "descends, to a final loss of 1.00 or less"
    assert good["escape-lift"] == "from 1.0e-05 or less at step 0 to between 0.8 and 0.8 after it"
    assert good["escape-order"] == "of order one at every width"
    bad = ie.escape_story(_tables(False)["escape"].assign(max_dev_ln10=0.5), history=history(1e-3))
    assert bad["escape-naive"] == "leaves ln 10 (by up to 0.50)" and bad["escape-ipllr"].startswith("does not")
    assert bad["escape-order"] == "not of order one at every width"


def test_rank_story_follows_the_numbers():
    good = ie.rank_story(_tables(True)["ranks"], batch=64)
    assert good["rank-tanh"] == "9 (that is, K − 1)" and good["rank-relu"] == "64"
    assert good["rank-relu-full"] == "close to full rank" and good["rank-relu-stable"] == 1.5
    assert good["rank-relu-h"] == 1 and good["rank-collapse"].startswith("it collapses")
    ranks = _tables(False)["ranks"]
    ranks.loc[(ranks.activation == "relu") & (ranks.kind == "pre-activation h"), "numerical_rank"] = 30
    ranks.loc[(ranks.activation == "relu") & (ranks.kind == "update Δw") & (ranks.layer == 3), "numerical_rank"] = 20
    bad = ie.rank_story(ranks, batch=64)
    assert bad["rank-tanh"] == "9, 64 (not all K − 1 = 9)" and bad["rank-relu"] == "20–64"
    assert bad["rank-relu-full"] == "short of full rank" and bad["rank-collapse"] == "it does not collapse"


def test_main_story_follows_the_numbers():
    accuracy = _tables(True)["accuracy"].assign(diverged=[0, 1] + [0] * 14)

    def history(bias_end):
        return pd.DataFrame([{"preset": p, "activation": a, "seed": 0, "step": t,
                              "loss": {0: 3.0, 1: 50.0 if p == "ipllr" else 2.5, 2: bias_end, 3: float("nan")}[t]}
                             for p in ie.MAIN_PRESETS for a in ("relu", "tanh") for t in range(4)])

    story = ie.main_story(accuracy, history=history(2.4))
    assert story["main-runs"] == 48 and story["main-diverged"] == 1 and story["main-ipllr-peak"] == 50.0
    assert story["main-bias-start"] == 3.0 and story["main-bias-end"] == 2.4 and story["main-bias-side"] == "above"
    assert story["main-bias-trend"].startswith("moves towards it")
    assert ie.main_story(accuracy, history=history(4.0))["main-bias-trend"].startswith("does not move towards it")


def test_stories_say_when_runs_diverged():
    blown = _blown("diverged")
    naive = ie.naive_story(blown["naive"])
    assert naive["naive-two"] == "diverged in 2 of 2 runs" and naive["naive-deep"] == "diverged in 2 of 2 runs"
    assert naive["naive-three"] == "diverged in 4 of 4 runs"
    assert naive["naive-w1"] == "cannot be compared: the runs at L = 4 diverged in 2 of 2 runs"
    history = pd.DataFrame([{"preset": p, "L": 3, "width": 16, "step": t, "loss": 2.3, "h3": 1.0}
                            for p in ("naive_ip", "ipllr") for t in (0, 1, 2)])
    escape = ie.escape_story(_blown("exploded")["escape"], history=history)  # no flag: the 1e31 loss tells
    assert escape["escape-naive"] == escape["escape-ipllr"] == "diverged in 1 of 1 runs"
    ranks = ie.rank_story(blown["ranks"], batch=64)
    assert ranks["rank-tanh"].startswith("not measured") and ranks["rank-relu"].startswith("not measured")
    assert ranks["rank-relu-h"] == "not measured" and math.isnan(ranks["rank-relu-stable"])
    kept = _tables(True)["ranks"]
    kept.loc[kept.activation == "elu", "diverged"] = True  # another activation's step diverged: no change
    assert ie.rank_story(kept, batch=64) == ie.rank_story(_tables(True)["ranks"], batch=64)


def test_main_story_peak_leaves_out_diverged_runs():
    nan = float("nan")
    history = pd.DataFrame([{"preset": "ipllr", "activation": a, "seed": 0, "step": t, "loss": loss}
                            for a, losses in {"relu": [2.3, 40.0, 0.5, nan], "elu": [2.3, 3e10, nan, nan]}.items()
                            for t, loss in enumerate(losses)]
                           + [{"preset": "ip_bias", "activation": "relu", "seed": 0, "step": t, "loss": 2.5}
                              for t in range(4)])
    story = ie.main_story(_tables(True)["accuracy"], history=history)
    assert story["main-ipllr-peak"] == 40.0  # the diverged ELU run's last finite loss (3e10) is no spike
    assert ie.main_story(_blown("diverged")["accuracy"], history=history)["main-bias-trend"] == \
        "diverged in 12 of 12 runs"


# ------------------------------------------------------------------ mechanisms, calibration, plateau


def test_plateau_end_reads_the_trailing_mean():
    flat, W = [math.log(10)] * 50, ie.PLATEAU_WINDOW
    assert math.isnan(ie.plateau_end(flat)) and math.isnan(ie.plateau_end(flat[:W - 1]))
    drop = flat[:30] + [1.0] * 40  # the trailing mean crosses ln 10 - 0.1 after 2 steps of the drop
    assert ie.plateau_end(drop) == 31
    assert math.isnan(ie.plateau_end(flat[:30] + [float("nan")] + [1.0] * 40))  # diverged before it ended


def test_mechanics_follow_the_theory(digits):
    from varlib.integrable import mechanics as mech

    sizes = mech.first_step_sizes(data=digits, L=4, widths=[64, 256, 1024], batch=128)
    slopes = mech.first_step_slopes(sizes, L=4)
    assert slopes.predicted.tolist() == [-1.5, -1.0] and ((slopes.slope - slopes.predicted).abs() < 0.2).all(), slopes
    spread = mech.clone_spread(data=digits, L=4, widths=[256, 1024])
    clones = mech.clone_slopes(spread)
    assert clones.layer.tolist() == [2, 3, 4] and ((clones.slope + 0.5).abs() < 0.1).all(), clones
    sched = mech.schedule_check(data=digits, L=4, width=256, batch=128, eta=0.01)
    assert sched.warmup_steps.tolist() == [1, 4] and sched.rate_error.max() < 1e-12
    assert sched.diverged.tolist() == [False, True], sched
    assert math.isnan(mech.log_slope([1.0], [2.0])) and mech.log_slope([1, 4], [2, 1]) == pytest.approx(-0.5)


def test_calibration_constants_and_slopes(digits):
    from varlib.integrable import calibration as cal

    c = cal.calibration_constants(data=digits, L=3, widths=[32, 64], activations=["relu", "tanh"], batch=64,
                                  eta=0.01, seeds=2)
    assert len(c) == 2 * 2 * 2 * 3 and set(c.layer) == {2, 3, 4} and (c.base == c.raw.clip(upper=c.cap)).all()
    law = pd.DataFrame([{"activation": "tanh", "width": m, "seed": 0, "layer": 2, "raw": 10.0 * m ** 0.5,
                         "base": min(10.0 * m ** 0.5, 1000.0), "cap": 1000.0} for m in (64, 256, 1024)])
    row = cal.calibration_slopes(law).iloc[0]
    assert row.slope == pytest.approx(0.5) and math.isnan(row.capped_at)
    assert row.binds_from == pytest.approx(10000.0)  # 10 sqrt(m) = 1000 at m = 10^4
    assert math.isnan(cal.calibration_slopes(law.assign(raw=law.raw / 100)).iloc[0].binds_from)  # at 10^8: too far
    flat = cal.calibration_slopes(law.assign(raw=5.0)).iloc[0]
    assert abs(flat.slope) < 1e-12 and math.isnan(flat.binds_from)  # never reaches the cap


def test_new_stories_and_drop_diverged():
    t = _tables(True)
    eq = ie.equivalence_story(t["equivalence"])
    assert eq["equiv-gaps"] == "m = 256: exactly 0, m = 300: 2.0e-16"
    first = ie.first_step_story(t["mechanics"]["first_step"], t["mechanics"]["clones"])
    assert first["first-slope-h1"] == -1.45 and first["clone-slopes"] == "-0.52 to -0.48"
    sched = ie.schedule_story(t["mechanics"]["schedule"])
    assert sched["warmup-more"] == 4 and sched["warmup-verdict"] == "blows up"
    assert ie.schedule_story(_tables(False)["mechanics"]["schedule"])["warmup-verdict"] == "does not blow up"
    calib = pd.DataFrame({"activation": ["tanh", "tanh", "relu", "relu"], "layer": [2, 3, 2, 3],
                          "slope": [0.6, 0.7, 0.0, 0.01], "capped_at": [512.0, math.nan, math.nan, math.nan],
                          "binds_from": [512.0, 800.0, math.nan, math.nan]})
    story = ie.calibration_story(calib)
    assert story["calib-slopes"] == "tanh 0.60 to 0.60; relu 0.00 to 0.00"  # hidden layers: all but the output
    assert story["calib-binds"] == "tanh from m = 512 (measured); relu at no width up to 16 times the widest measured"
    relu = ie.relu_story(t["relu_sweep"].assign(test_acc=[0.1, 0.3]), t["accuracy"])
    assert relu["relu-best"] == 0.3 and relu["relu-best-eta"] == 0.1 and relu["smooth-worst"] == 0.9
    main = _main_summary({"ipllr": [0.1, 0.9, float("nan"), 0.9]}, seeds=2)
    hist = pd.DataFrame([{**r, "step": t, "loss": 1.0} for r in main[["preset", "activation", "seed"]].to_dict(
        "records") for t in range(3)])
    kept = ie.drop_diverged(hist, main)
    assert len(kept) == len(hist) - 2 * 3 and "elu" not in set(kept.activation)
    assert ie.main_story(ie.accuracy_table(main), history=hist)["main-diverged-runs"] == "none"  # losses all fine
    story = ie.main_story(ie.accuracy_table(main), history=hist, summary=main)
    assert story["main-diverged-runs"] == "ipllr with elu (seed 0), ipllr with elu (seed 1)"
