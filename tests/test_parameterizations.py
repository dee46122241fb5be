"""varlib.integrable against the claims of Hajjar, Chizat & Giraud (2021) that a test can assert at small scale.

Small sizes, fixed seeds, margins from small-scale measurements on a synthetic task; float64 wherever an identity is
asserted. Float32 runs of the integrable nets produce subnormal numbers (activations ~ m^{-L/2}),
which are ~10x slower on CPU, so this module flushes subnormals to zero while it runs. Flushing only
covers the calling thread, and two torch threads on a shared 2-core machine were 2-20x slower than one
in these small-matrix loops, so the module pins one thread (still a fixed count: same seed, same numbers).
"""
import math
from dataclasses import replace

import numpy as np
import pytest
import torch

from varlib.core.data import make_teacher_dataset, minibatches
from varlib.integrable import (PRESETS, abc_forward, abc_loss, abc_parameterization, calibrate_step0, coord_check,
                               get_parameterization, init_params, initial_draws, make_sgd, mean_abs_preactivations,
                               numerical_rank, preactivation_change, preactivation_ranks, relative_weight_change,
                               reparameterize, squared_trace_rank, stable_rank, switch_to_later_rates, train_abc,
                               update_ranks)

LN10 = math.log(10)
D, K = 100, 10


@pytest.fixture(autouse=True)
def _one_thread_no_subnormals():
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    torch.set_flush_denormal(True)
    yield
    torch.set_flush_denormal(False)
    torch.set_num_threads(threads)


@pytest.fixture(scope="module")
def task():
    return make_teacher_dataset(n_train=2000, n_test=2000, d=D, K=K, seed=0)


def _batches(task, batch_size, steps, dtype=torch.float32):
    return minibatches(task.X_train.to(dtype), task.y_train, batch_size, steps, seed=1)


def _net(name, L, m, act, dtype=torch.float64, seed=0, **options):
    p = get_parameterization(name, L, **options)
    return p, init_params(p, initial_draws(D, m, K, L, seed=seed), act, dtype=dtype)


def _slope(widths, values) -> float:
    return float(np.polyfit(np.log(widths), np.log(values), 1)[0])


def _one_step(p, params, batches, act, eta):
    """One SGD step at the step-0 rates (calibrated on batches 0 and 1 when p.calibrate)."""
    base = calibrate_step0(p, params, act, batches[0], batches[1], eta) if p.calibrate else None
    leaves = {k: v.clone().requires_grad_(True) for k, v in params.items()}
    opt = make_sgd(p, leaves, eta, base)
    abc_loss(p, leaves, *batches[0], act).backward()
    opt.step()
    return {k: v.detach() for k, v in leaves.items()}


# ------------------------------------------------------------------ the family and its presets


def test_presets_match_table_b():
    L = 4
    table = {  # e (input, hidden, output), kappa later steps (derived from the definitions)
        "sp": ((0, .5, .5), (0, 0, 0)), "ntk": ((0, .5, .5), (0, 1, 1)), "mup": ((0, .5, 1), (-1, 0, 1)),
        "naive_ip": ((0, 1, 1), (-1, 0, 1)), "ipllr": ((0, 1, 1), (-1, 0, 1)),
        "mup_modified": ((0, 1, 1), (-1, 0, 1)), "ip_non_centered": ((0, 1, 1), (-1, 0, 1)),
    }
    for name, (e, kappa) in table.items():
        p = get_parameterization(name, L)
        assert p.e == (e[0],) + (e[1],) * (L - 1) + (e[2],), name
        assert p.kappa == (kappa[0],) + (kappa[1],) * (L - 1) + (kappa[2],), name
    kappa0 = (-(L + 1) / 2,) + (-(L - 2) / 2,) * (L - 1) + (-(L - 3) / 2,)
    assert get_parameterization("ipllr", L).kappa0 == get_parameterization("mup_modified", L).kappa0 == kappa0
    assert get_parameterization("ipllr", L).calibrate and not get_parameterization("naive_ip", L).calibrate
    assert get_parameterization("ip_non_centered", L).mean == (0, 1, 1, 1, 1)
    assert set(PRESETS) == set(table) | {"ip_bias"}


def test_ip_bias_exponents_and_forward():
    L, m = 4, 16
    p = get_parameterization("ip_bias", L)
    assert p.c0 == (-2.5, -3.0, -2.5, -2.0, -1.0) and p.bias_c0 == (-2.5, -2.0, -1.5, -1.0, 0.0)
    assert p.c == (-1, -2, -2, -2, -1) and p.bias_c == (-1, -1, -1, -1, 0) and not p.calibrate
    params = init_params(p, initial_draws(3, m, 2, L, seed=1), "tanh")
    assert sorted(params) == sorted([f"w{l}" for l in range(1, 6)] + [f"beta{l}" for l in range(1, 6)])
    x = torch.randn(5, 3, dtype=torch.float64)
    f, hs = abc_forward(p, params, x, "tanh", return_preactivations=True)
    expected = torch.tanh(hs[-1]) @ (params["w5"] / m).T + params["beta5"]  # bias outside the multiplier
    assert torch.allclose(f, expected, atol=1e-14)
    groups = {g["name"]: g for g in make_sgd(p, params, 0.1).param_groups}
    assert groups["beta2"]["lr"] == pytest.approx(0.1 * m ** 2.0) and groups["beta5"]["lr_later"] == 0.1


@pytest.mark.parametrize("name, act, var", [("mup", "relu", 2.0), ("ip_non_centered", "gelu", 4.0),
                                             ("sp", "tanh", 1.0)])
def test_init_follows_the_authors_constants(name, act, var):
    """w^l(0) = m^{-b_l}(mu_l + s_l Z): s = sqrt(var/(d+1)) (input), sqrt(var) (hidden), 1 (output)."""
    L, m, d = 2, 400, 30
    p = get_parameterization(name, L)
    params = init_params(p, initial_draws(d, m, 50, L, seed=5), act)
    std = {"w1": math.sqrt(var / (d + 1)), "w2": math.sqrt(var), "w3": 1.0, "beta1": math.sqrt(var)}
    for k, s in std.items():
        scale = m ** p.b[int(k[-1]) - 1]
        mean = p.mean[int(k[-1]) - 1] if k.startswith("w") else 0.0
        assert (params[k] * scale).std().item() == pytest.approx(s, rel=0.1), k
        assert (params[k] * scale).mean().item() == pytest.approx(mean, abs=0.1 * s + 1e-12), k


def test_bad_inputs_raise_clear_errors():
    with pytest.raises(ValueError, match="allowed: sp, ntk, mup, naive_ip, ipllr"):
        get_parameterization("mean_field", 3)
    with pytest.raises(ValueError, match="m \\(width\\) must be an integer >= 1"):
        initial_draws(D, 0, K, 3)
    with pytest.raises(ValueError, match="L .* must be an integer >= 1"):
        get_parameterization("mup", 0)
    with pytest.raises(ValueError, match="bias must be one of"):
        abc_parameterization(2, 0, 0, 0, bias="hidden")
    with pytest.raises(ValueError, match="b must have L\\+1 = 3 entries"):
        get_parameterization("sp", 2).__class__("x", (0, 0, 0), (0, 0), (0, 0, 0), (0, 0, 0))
    p = get_parameterization("naive_ip", 2)
    with pytest.raises(ValueError, match="half precision"):
        init_params(p, initial_draws(3, 4, 2, 2), dtype=torch.bfloat16)
    with pytest.raises(ValueError, match="different depth"):
        init_params(p, initial_draws(3, 4, 2, 3))
    with pytest.raises(ValueError, match="n_warmup_steps"):
        train_abc(p, init_params(p, initial_draws(3, 4, 2, 2)), [], n_warmup_steps=0)


# ------------------------------------------------------------------ scale at initialisation


def _shallower(draws, L):
    """The first L hidden layers of deeper draws, with the output draw kept (same Gaussians)."""
    n = len(draws) // 2
    out = {k: v for k, v in draws.items() if int(k[1:]) <= L}
    return {**out, f"Z{L + 1}": draws[f"Z{n}"], f"z{L + 1}": draws[f"z{n}"]}


def test_t1_output_scale_at_init(task):
    """mean|f| ~ m^{-L/2} for IP, ~ m^{-1/2} for muP (geometric mean over 3 draws per width)."""
    widths, seeds, x = [64, 256, 1024], range(3), task.X_test[:128].double()
    draws5 = {m: [initial_draws(D, m, K, 5, seed=s) for s in seeds] for m in widths}
    for name, L, target in [("naive_ip", 3, -1.5), ("naive_ip", 5, -2.5), ("mup", 5, -0.5)]:
        p = get_parameterization(name, L)
        for act in ("relu", "gelu", "tanh"):
            sizes = [np.exp(np.mean([np.log(mean_abs_preactivations(p, init_params(p, _shallower(dr, L), act),
                                                                    x, act)[-1]) for dr in draws5[m]]))
                     for m in widths]
            assert abs(_slope(widths, sizes) - target) < 0.2, (name, L, act, sizes)
    for L in (3, 5):  # stuck at softmax(0): the loss is ln 10
        p = get_parameterization("naive_ip", L)
        f = abc_forward(p, init_params(p, _shallower(draws5[1024][0], L), "relu"), x, "relu")
        assert abs(torch.nn.functional.cross_entropy(f, task.y_test[:128]).item() - LN10) < 1e-4


# ------------------------------------------------------------------ Naive-IP vs depth


def test_t2_naive_ip_is_stuck_at_depth_4(task):
    batches, change = _batches(task, 128, 200), {}
    for m in (128, 512):
        p, params0 = _net("naive_ip", 4, m, "relu", dtype=torch.float32)
        params, hist = train_abc(p, params0, batches, "relu", eta=0.1)
        assert (hist.loss.dropna() - LN10).abs().max() < 1e-3
        change[m] = relative_weight_change(params0, params)
        assert max(change[m][f"w{l}"] for l in (2, 3, 4)) < 1e-2
    assert change[128]["w1"] < 3e-3 and change[128]["w1"] / change[512]["w1"] >= 4


def test_t3_naive_ip_learns_at_depth_2(task):
    batches, change = _batches(task, 128, 200), {}
    for m in (128, 512):
        p, params0 = _net("naive_ip", 2, m, "relu", dtype=torch.float32)
        params, hist = train_abc(p, params0, batches, "relu", eta=0.1)
        assert hist.loss.iloc[-11:-1].mean() < 2.0
        change[m] = relative_weight_change(params0, params)
        assert min(change[m]["w1"], change[m]["w2"]) >= 0.5
    assert 0.5 < change[128]["w2"] / change[512]["w2"] < 2


# ------------------------------------------------------------------ first-step scaling


def test_t4_first_step_updates_vanish_like_predicted(task):
    widths, x = [64, 256, 1024], task.X_test[:256].double()
    batches, deltas = _batches(task, 128, 2, torch.float64), []
    for m in widths:
        p, params0 = _net("naive_ip", 4, m, "relu")
        deltas.append(preactivation_change(p, params0, _one_step(p, params0, batches, "relu", 1.0), x, "relu"))
    deltas = np.array(deltas)  # (widths, L+1)
    assert abs(_slope(widths, deltas[:, 0]) + 1.5) < 0.2  # Delta h^1 ~ m^{-(L-1)/2}
    assert abs(_slope(widths, deltas[:, 1]) + 1.0) < 0.2  # Delta h^2 ~ m^{-(L-2)/2}


# ------------------------------------------------------------------ calibrated IP-LLR


@pytest.mark.parametrize("act, bound", [("gelu", 2.25), ("elu", 1.8), ("tanh", 1.8), ("relu", None)])
def test_t5_t6_calibrated_ipllr_escapes_except_relu(task, act, bound):
    p, params0 = _net("ipllr", 4, 256, act, dtype=torch.float32)
    params, _ = train_abc(p, params0, _batches(task, 128, 150), act, eta=0.01)
    train_loss = abc_loss(p, params, task.X_train, task.y_train, act).item()
    accuracy = (abc_forward(p, params, task.X_test, act).argmax(1) == task.y_test).float().mean().item()
    if bound is None:  # ReLU stays near chance
        assert train_loss >= 2.15 and accuracy < 0.2
    else:
        assert train_loss < bound and accuracy > 0.2


def test_t5_naive_ip_stays_at_chance_in_the_same_setting(task):
    p, params0 = _net("naive_ip", 4, 256, "gelu", dtype=torch.float32)
    _, hist = train_abc(p, params0, _batches(task, 128, 150), "gelu", eta=0.01)
    assert (hist.loss.dropna() - LN10).abs().max() < 1e-4


# ------------------------------------------------------------------ ranks after one IP-LLR step


@pytest.fixture(scope="module")
def first_ipllr_steps(task):
    """One calibrated IP-LLR step (float64, L = 5, m = 384, batch 128) for each activation."""
    batches, out = _batches(task, 128, 2, torch.float64), {}
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    for act in ("relu", "gelu", "elu", "tanh"):
        p, params0 = _net("ipllr", 5, 384, act)
        out[act] = (p, params0, _one_step(p, params0, batches, act, 0.01))
    torch.set_num_threads(threads)
    return out


def test_t5_calibrated_first_step_gives_unit_preactivations(first_ipllr_steps, task):
    """After the calibrated step, mean |h^l| ~ 1 (l >= 2; h^1 is not calibrated), and mean |f| ~ cap / r where r is
    the output's uncapped rate (1 when the cap does not bind; tanh and ELU here: the cap binds, f is smaller)."""
    batches = _batches(task, 128, 2, torch.float64)
    for act, (p, params0, params1) in first_ipllr_steps.items():
        sizes = mean_abs_preactivations(p, params1, task.X_test[:500].double(), act)
        assert all(0.5 <= s <= 2.0 for s in sizes[1:-1]), (act, sizes)
        raw = calibrate_step0(replace(p, cap=math.inf), params0, act, batches[0], batches[1], 0.01)[-1]
        assert 0.5 <= sizes[-1] / min(1.0, p.cap / raw) <= 2.0, (act, sizes, raw)
        assert (raw > p.cap) == (act in ("tanh", "elu")), (act, raw)


@pytest.fixture(scope="module")
def calibration_inputs(task):
    """A tanh IP-LLR net (float64, L = 4, m = 64) and the two calibration batches."""
    return _batches(task, 64, 2, torch.float64), initial_draws(D, 64, K, 4, seed=0)


def _bases(calibration_inputs, **options):
    batches, draws = calibration_inputs
    p = get_parameterization("ipllr", 4, **options)
    return calibrate_step0(p, init_params(p, draws, "tanh"), "tanh", batches[0], batches[1], 0.01)


def test_calibration_caps_hidden_and_output_and_carries_the_uncapped_rate(calibration_inputs):
    """The authors' calibration: every calibrated rate (hidden and output) is capped, and the layers above are
    calibrated as if the rate were not capped, so rates with a cap are the uncapped ones clipped."""
    free = _bases(calibration_inputs, cap=math.inf)
    cap = float(np.median(free[1:]))  # binds at about half the layers, including one at least
    capped = _bases(calibration_inputs, cap=cap)
    assert capped[0] == free[0] == 0.01 and max(capped[1:]) == cap
    assert capped[1:] == [min(r, cap) for r in free[1:]]
    out_free = free[-1]
    assert _bases(calibration_inputs, cap=out_free / 2)[-1] == out_free / 2  # the output layer is capped too


def test_calibration_capped_carry_feeds_the_capped_rate_forward(calibration_inputs):
    """The variant: the layers above a binding cap see the smaller step training takes, so their update is
    smaller and their calibrated rate larger (tanh, L = 4: uncapped rates rise to layer 3, dip at layer 4)."""
    free = _bases(calibration_inputs, cap=math.inf)
    assert free[2] > free[3]
    cap = (free[2] + free[3]) / 2  # binds at layer 3, not at layer 4
    carried = _bases(calibration_inputs, cap=cap, carry="capped")
    assert carried[:3] == [0.01, free[1], cap] and free[3] < carried[3] < cap
    assert _bases(calibration_inputs, cap=math.inf, carry="capped") == free  # no cap binds: the two agree
    with pytest.raises(ValueError, match="carry must be one of"):
        get_parameterization("ipllr", 4, carry="clipped")


def test_t7_smooth_deep_updates_have_rank_k_minus_1(first_ipllr_steps):
    p, params0, params1 = first_ipllr_steps["tanh"]
    ranks = update_ranks(params0, params1).set_index("name")
    assert ranks.loc[["w3", "w4", "w5", "w6"], "numerical_rank"].tolist() == [K - 1] * 4
    assert ranks.loc["w2", "numerical_rank"] > 2 * K  # layer 2 is not label-driven yet
    p, params0, params1 = first_ipllr_steps["relu"]
    relu = update_ranks(params0, params1).set_index("name").loc[["w2", "w3", "w4", "w5"]]
    assert (relu.numerical_rank == 128).all() and (relu.stable_rank < 2).all()  # full rank, stable rank < 2


def test_t6_relu_collapses_the_deepest_representation(first_ipllr_steps, task):
    x = task.X_test.double()
    for act, (p, _, params1) in first_ipllr_steps.items():
        rank = preactivation_ranks(p, params1, x, act).numerical_rank.iloc[-1]  # h^L over 2000 inputs
        assert rank <= 2 if act == "relu" else rank >= 5, (act, rank)


# ------------------------------------------------------------------ exact identities (float64)


def _trajectory(p, params, batches, act, **kw):
    params, hist = train_abc(p, params, batches, act, probe=batches[0][0], **kw)
    return hist["f"].to_numpy(), abc_forward(p, params, batches[0][0], act)


@pytest.mark.parametrize("calibrate", [False, True])
def test_t8_ipllr_is_modified_mup(task, calibrate):
    batches, draws = _batches(task, 32, 6, torch.float64), initial_draws(D, 256, K, 4, seed=2)
    kw = dict(eta=0.05, eta0=None if calibrate else 20.0)
    runs = [_trajectory(p, init_params(p, draws, "gelu"), batches, "gelu", **kw)
            for p in (get_parameterization(n, 4, calibrate=calibrate) for n in ("ipllr", "mup_modified"))]
    assert np.abs(runs[0][0] - runs[1][0]).max() < 1e-10
    assert (runs[0][1] - runs[1][1]).abs().max() < 1e-10
    assert runs[0][0][-1] > 0.1  # it did train: f left its ~m^{-2} initial scale


def test_t8_naive_ip_is_mup_with_shrunk_hidden_init(task):
    L, batches, draws = 3, _batches(task, 32, 5, torch.float64), initial_draws(D, 200, K, 3, seed=3)
    naive, mup = get_parameterization("naive_ip", L), get_parameterization("mup", L)
    shrunk = replace(mup, b=(0.5, 1.0, 1.0, 0.5))  # hidden init times m^{-1/2}
    f_ip, f_shrunk, f_mup = (_trajectory(p, init_params(p, draws, "relu"), batches, "relu", eta=0.5)[1]
                             for p in (naive, shrunk, mup))
    assert (f_ip - f_shrunk).abs().max() <= 1e-10 * f_ip.abs().max()
    assert (f_ip - f_mup).abs().max() > 1e-3 * f_ip.abs().max()  # the shrink matters


@pytest.mark.parametrize("name", ["sp", "ntk", "naive_ip", "ip_non_centered"])
def test_t8_reparameterization_symmetry(task, name):
    L, m, batches = 3, 64, _batches(task, 32, 5, torch.float64)
    draws, rng = initial_draws(D, m, K, L, seed=4), np.random.default_rng(0)
    p = q = get_parameterization(name, L)
    for layer in range(1, L + 2):
        q = reparameterize(q, layer, float(rng.uniform(-1, 1)))
    f_p, f_q = (_trajectory(r, init_params(r, draws, "tanh"), batches, "tanh", eta=0.2)[1] for r in (p, q))
    assert (f_p - f_q).abs().max() <= 1e-10 * f_p.abs().max()
    broken = replace(p, a=tuple(a + 0.5 for a in p.a), b=tuple(b - 0.5 for b in p.b))  # c not shifted
    f_b = _trajectory(broken, init_params(broken, draws, "tanh"), batches, "tanh", eta=0.2)[1]
    assert (f_p - f_b).abs().max() > 1e-3 * f_p.abs().max()


# ------------------------------------------------------------------ non-centered IP clones neurons


def test_t9_non_centered_ip_clones_neurons(task):
    x, cv = task.X_test[:256].double(), {}
    for m in (256, 1024):
        p, params = _net("ip_non_centered", 4, m, "gelu")
        f, hs = abc_forward(p, params, x, "gelu", return_preactivations=True)
        cv[m] = np.array([(h.std(dim=1) / h.mean(dim=1).abs()).mean().item() for h in hs[1:]])
        assert f.abs().mean() > 0.1
    assert np.all(np.abs(cv[1024] / cv[256] - 0.5) < 0.1), cv


# ------------------------------------------------------------------ schedule mechanics


@pytest.mark.parametrize("L", [2, 3, 4, 5, 10, 12])
def test_t10_ipllr_learning_rate_groups(L):
    m, eta = 8, 0.01
    p = get_parameterization("ipllr", L, calibrate=False)
    opt = make_sgd(p, init_params(p, initial_draws(3, m, 2, L)), eta)
    lr = {g["name"]: g["lr"] for g in opt.param_groups}
    assert lr["w1"] == pytest.approx(eta * m ** ((L + 1) / 2)) == lr["beta1"]
    assert all(lr[f"w{l}"] == pytest.approx(eta * m ** ((L + 2) / 2)) for l in range(2, L + 1))
    assert lr[f"w{L + 1}"] == pytest.approx(eta * m ** ((L + 1) / 2))
    switch_to_later_rates(opt)
    lr = {g["name"]: g["lr"] for g in opt.param_groups}
    assert lr["w1"] == pytest.approx(eta * m) and lr[f"w{L + 1}"] == pytest.approx(eta * m)
    assert all(lr[f"w{l}"] == pytest.approx(eta * m ** 2) for l in range(2, L + 1))


def test_t10_train_switches_after_step_0(task):
    """Oracle: train_abc equals hand-written SGD with step-0 rates, then mean-field rates."""
    L, m, eta, batches = 3, 32, 0.1, _batches(task, 16, 3, torch.float64)
    p, params = _net("ipllr", L, m, "tanh", calibrate=False)
    got, _ = train_abc(p, params, batches, "tanh", eta, eta0=2.0)
    w = {k: v.clone() for k, v in params.items()}
    for t, (x, y) in enumerate(batches):
        leaves = {k: v.clone().requires_grad_(True) for k, v in w.items()}
        grads = torch.autograd.grad(abc_loss(p, leaves, x, y, "tanh"), list(leaves.values()))
        for (k, v), g in zip(w.items(), grads):
            l = int(k.lstrip("wbeta"))
            w[k] = v - (2.0 * m ** -p.c0[l - 1] if t == 0 else eta * m ** -p.c[l - 1]) * g
    assert all(torch.allclose(got[k], w[k], rtol=1e-12, atol=1e-15) for k in w)


def test_t10_keeping_the_large_rates_blows_up(task):
    batches = _batches(task, 128, 8)
    p, params0 = _net("ipllr", 4, 256, "gelu", dtype=torch.float32)
    _, ok = train_abc(p, params0, batches, "gelu", eta=0.01, n_warmup_steps=1)
    _, bad = train_abc(p, params0, batches, "gelu", eta=0.01, n_warmup_steps=4)
    assert ok.loss.dropna().max() < 10
    assert bad.loss.isna().iloc[:-1].any() or bad.loss.max() > 1e3


# ------------------------------------------------------------------ diagnostics


def test_coord_check_flat_for_mup_and_shrinking_for_naive_ip(task):
    batches, widths = _batches(task, 64, 4), [64, 256, 1024]
    mup = coord_check(get_parameterization("mup", 3), widths, batches, "relu", eta=0.1)
    assert list(mup.columns) == ["width", "step", "layer", "mean_abs"] and len(mup) == 3 * 5 * 4
    hidden = mup[mup.layer <= 3]  # muP's f itself starts at ~m^{-1/2} (see the scale at initialisation)
    spread = hidden.groupby(["step", "layer"]).mean_abs.agg(lambda v: v.max() / v.min())
    assert spread.max() < 1.5, spread
    ip = coord_check(get_parameterization("naive_ip", 3), widths, batches, "relu", eta=0.1)
    h3 = ip[(ip.layer == 3) & (ip.step == 4)].set_index("width").mean_abs
    assert h3[64] / h3[1024] > 8  # |h^3| ~ m^{-1}


def test_rank_measures_on_closed_forms():
    g = torch.Generator().manual_seed(0)
    A, B = torch.randn(40, 3, generator=g), torch.randn(3, 30, generator=g)
    assert numerical_rank(A @ B) == 3 and numerical_rank(torch.eye(7)) == 7
    assert stable_rank(torch.eye(7)) == pytest.approx(7) and squared_trace_rank(torch.eye(7)) == pytest.approx(7)
    assert stable_rank(torch.outer(torch.arange(1.0, 5), torch.ones(3))) == pytest.approx(1)
    assert stable_rank(torch.diag(torch.tensor([2.0, 1.0]))) == pytest.approx(1.25)
    params = {"w1": torch.ones(2, 2)}
    assert relative_weight_change(params, {"w1": 3 * torch.ones(2, 2)})["w1"] == pytest.approx(2.0)
