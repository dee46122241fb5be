"""varlib.integrable.experiments: the chapter's sweeps and its scorecard, at tiny sizes on digits.

Exactness is asserted in float64 (< 1e-10 relative); verdicts are checked to follow the numbers, in both
directions. One torch thread (tiny matrices; see tests/test_parameterizations.py).
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
    assert CHAPTER_PROFILES["full"]["width"] == 1024 and CHAPTER_PROFILES["full"]["seeds"] == 5
    with pytest.raises(ValueError, match="unknown parameter"):
        varlib.chapter_settings("integrable", "smoke", widht=3)


def test_grid_sweep_and_tables(tmp_path, digits):
    import varlib

    items = ie.grid(preset=["naive_ip"], activation=["relu"], L=[2, 4], width=[16], steps=[4], batch=[32],
                    eta=[0.1], seed=[0])
    assert [it["L"] for it in items] == [2, 4] and len(items) == 2
    store = varlib.ResultStore(tmp_path, "smoke", varlib.setup("cpu", 0, 1))
    runs = ie.sweep(store, "t", digits, items, ie.train_run)
    again = ie.sweep(store, "t", digits, items, lambda *a, **k: pytest.fail("should be cached"))
    assert again[0]["summary"] == runs[0]["summary"]
    summary, hist = ie.summaries(items, runs), ie.histories(items, runs)
    assert {"L", "width", "test_acc", "final_loss", "max_dev_ln10", "change_w1"} <= set(summary.columns)
    assert len(hist) == 2 * 5 and {"step", "loss", "h1", "f", "L"} <= set(hist.columns)
    assert summary.set_index("L").max_dev_ln10[4] < 1e-2  # naive IP at L = 4 sits at ln 10


def test_abc_table_lists_e_and_kappa():
    table = ie.abc_table(4)
    assert table.loc["naive_ip", "e = a+b"] == "0 / 1 / 1" and table.loc["mup", "e = a+b"] == "0 / 0.5 / 1"
    assert table.loc["ipllr", "κ = 2a+c (t=0)"] == table.loc["mup_modified", "κ = 2a+c (t=0)"] == "-2.5 / -1 / -0.5"
    assert table.loc["ip_bias", "c (t=0)"] == "-2.5 / -3…-2 / -1"
    assert table.loc["ip_non_centered", "init mean"] == "0 / 1 / 1"


def test_symmetry_and_equivalences_are_exact(digits):
    sym = ie.symmetry_check(digits, ["mup", "naive_ip", "ipllr"], 3, 24, 3)
    assert (sym.shifted / sym.max_abs_f).max() < 1e-10
    assert (sym.c_not_shifted / sym.max_abs_f).min() > 1e-3  # the check can fail
    eq = ie.equivalence_check(digits, 4, 24, 3)
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
    scales = ie.init_scales(digits, [("naive_ip", 3)], [64, 256, 1024], ["tanh"], 2)
    slope = ie.init_slopes(scales).slope.iloc[0]
    assert abs(slope + 1.5) < 0.25 and (scales.loss - math.log(10)).abs().max() < 1e-2


def test_first_step_ranks_label_driven_for_tanh(digits):
    ranks = ie.first_step_ranks(digits, "tanh", 4, 64, 64)["ranks"]
    upd = ranks[ranks.kind == "update Δw"].set_index("layer").numerical_rank
    assert upd[5] == 9 and upd[4] == 9 and upd[1] > 20  # K - 1 in the deep layers
    assert set(ranks.kind) == {"update Δw", "pre-activation h"} and len(ranks) == 5 + 4


def test_train_run_reports_divergence_as_nan(digits):
    run = ie.train_run(digits, "ipllr", "gelu", 3, 32, 6, 64, 0.01)
    assert np.isfinite(run["summary"]["test_acc"]) and run["history"].step.max() == 6
    p = ie.get_parameterization("mup", 2)
    params = {k: torch.full_like(v, float("nan")) for k, v in
              ie.init_params(p, ie.initial_draws(64, 8, 10, 2), "relu", dtype=torch.float32).items()}
    assert math.isnan(ie._accuracy(p, params, digits.X_test, digits.y_test, "relu"))


def test_chapter_dataset_falls_back_to_digits(tmp_path):
    data, note = ie.chapter_dataset("mnist", tmp_path)
    assert data.name == "digits" and "fell back to digits" in note and "train-images-idx3-ubyte" in note
    data, note = ie.chapter_dataset("digits")
    assert data.name == "digits" and "offline" in note


# ------------------------------------------------------------------ scorecard


def _tables(good: bool):
    """Synthetic inputs of the scorecard: every claim holds (good) or fails."""
    symmetry = pd.DataFrame({"preset": ["mup"], "max_abs_f": [1.0], "shifted": [1e-15 if good else 1e-3],
                             "c_not_shifted": [0.5]})
    slopes = pd.DataFrame({"preset": ["naive_ip", "mup"], "L": [5, 5], "activation": ["relu"] * 2,
                           "slope": [-2.45 if good else -1.0, -0.5], "predicted": [-2.5, -0.5],
                           "max_loss_minus_ln10": [1e-6, 0.1]})
    naive = pd.DataFrame({"L": [2, 2, 3, 3, 4, 4], "width": [128, 512] * 3,
                          "final_loss": [1.5, 1.6, 2.0, 2.2, 2.3026, 2.3026] if good else [2.3] * 6,
                          "max_dev_ln10": [0.8, 0.7, 0.3, 0.1, 1e-5, 1e-6],
                          "change_w1": [0.5, 0.5, 1e-2, 1e-3, 2e-3, 2e-4] if good else [1e-3] * 6})
    escape = pd.DataFrame({"preset": ["naive_ip", "ipllr"], "width": [128, 128], "final_loss": [2.3026, 1.0 if good else 2.3],
                           "max_dev_ln10": [1e-5, 1.0]})
    equivalence = pd.DataFrame({"pair": ["a", "b", "c"], "relative": [1e-15, 1e-15, 1.0 if good else 1e-14]})
    rows = []
    for act in ie.SWEEP_ACTIVATIONS:
        for layer in range(1, 6):
            relu = act == "relu"
            rank = 9 if (not relu and layer >= 3 and good) or layer == 5 else 64
            rows.append({"activation": act, "kind": "update Δw", "layer": layer, "numerical_rank": rank,
                         "stable_rank": 1.5})
        for layer in range(1, 5):
            rows.append({"activation": act, "kind": "pre-activation h", "layer": layer,
                         "numerical_rank": (1 if relu else 12) if layer == 4 else 100, "stable_rank": 1.0})
    accuracy = pd.DataFrame([{"preset": p, "activation": a, "mean": acc, "std": 0.01, "count": 3}
                             for p, accs in {"mup": [0.9] * 4, "ipllr": [0.1, 0.9, 0.9, 0.9] if good else [0.9] * 4,
                                             "ip_bias": [0.1, float("nan"), 0.1, 0.1],
                                             "ip_non_centered": [0.1, 0.1, 0.12, 0.15]}.items()
                             for a, acc in zip(ie.SWEEP_ACTIVATIONS, accs)])
    return dict(symmetry=symmetry, slopes=slopes, naive=naive, escape=escape, equivalence=equivalence,
                ranks=pd.DataFrame(rows), accuracy=accuracy, batch=64)


def test_scorecard_verdicts_follow_the_numbers():
    import varlib

    good = ie.integrable_scorecard("mnist", **_tables(True))
    assert all(r["verdict"] == "reproduced" for r in good), [(r["claim"], r["verdict"]) for r in good]
    assert varlib.scorecard(good).shape == (len(good), 3)
    on_digits = {r["claim"]: r["verdict"] for r in ie.integrable_scorecard("digits", **_tables(True))}
    assert on_digits["ReLU fails under IP-LLR; GeLU/ELU/tanh learn"] == "partly reproduced"
    assert on_digits["IP-LLR is exactly a modified μP (and Naive IP is μP with √m-smaller hidden init)"] == "reproduced"
    bad = {r["claim"]: r["verdict"] for r in ie.integrable_scorecard("mnist", **_tables(False))}
    for claim in ["(a+θ, b−θ, c−2θ) on any layer leaves f unchanged along SGD", "Naive IP learns at L = 2",
                  "IP-LLR trains deep IPs where Naive IP is stuck (GeLU)", "ReLU fails under IP-LLR; GeLU/ELU/tanh learn",
                  "IP-LLR is exactly a modified μP (and Naive IP is μP with √m-smaller hidden init)",
                  "at init mean|f| ∝ m^(−L/2) for IP, m^(−1/2) for μP"]:
        assert bad[claim] == "not reproduced", claim
    assert bad["smooth σ: deep updates have rank K−1; ReLU: full rank, stable rank < 2"] == "partly reproduced"


# ------------------------------------------------------------------ figures


def test_figures_are_drawn(digits):
    import matplotlib.pyplot as plt

    scales = ie.init_scales(digits, [("naive_ip", 3), ("mup", 3)], [16, 32], ["relu", "tanh"], 1)
    items = ie.grid(preset=["ipllr", "mup"], activation=["gelu", "relu"], L=[3], width=[16], steps=[3],
                    batch=[32], eta=[0.01], seed=[0])
    runs = [ie.train_run(digits, **it) for it in items]
    hist, summary = ie.histories(items, runs), ie.summaries(items, runs)
    ranks = ie.histories([{"activation": "tanh"}], [{"history": ie.first_step_ranks(digits, "tanh", 3, 16, 32)["ranks"]}])
    figs = [iplots.init_scale_plot(scales), iplots.loss_curves(hist, "preset", "activation", log_x=True),
            iplots.coord_check_plot(hist[hist.preset == "ipllr"].assign(width=16)),
            iplots.rank_plot(ranks, 32, len(digits.y_train)), iplots.accuracy_plot(summary)]
    for fig in figs:
        assert isinstance(fig, plt.Figure) and fig.axes and not any(ax.get_title() for ax in fig.axes)
        plt.close(fig)


def test_diagnostics_stay_importable_from_parameterizations():
    import varlib.integrable as par
    import varlib.integrable.diagnostics as diag

    for name in diag.__all__:
        assert getattr(par, name) is getattr(diag, name) and name in par.__all__, name
    assert all(hasattr(par, name) for name in par.__all__)


def test_accuracy_table_counts_diverged_runs_as_zero():
    summary = pd.DataFrame({"preset": ["ipllr"] * 3, "activation": ["elu"] * 3, "test_acc": [0.9, float("nan"), 0.9]})
    row = ie.accuracy_table(summary).iloc[0]
    assert row["mean"] == pytest.approx(0.6) and row["diverged"] == 1 and row["count"] == 3
    tables = _tables(True)
    tables["accuracy"] = ie.accuracy_table(pd.concat([summary.assign(activation=a) for a in ie.SWEEP_ACTIVATIONS])
                                           .assign(preset="ipllr"))
    assert "(diverged: relu 1/3, gelu 1/3, elu 1/3, tanh 1/3)" in isc._rows_main(tables["accuracy"], "mnist")[0]["ours"]
