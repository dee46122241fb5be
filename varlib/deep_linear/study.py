"""The deep-linear chapter's experiments as tidy tables, their summary metrics and the scorecard.

Each ``*_table`` function runs one experiment of the chapter and returns a pandas DataFrame; each ``*_metrics``
function reduces a table to the numbers the scorecard judges; :func:`deep_linear_scorecard` turns those numbers
into verdicts with the tolerances stated in the chapter, never hard-coded.

The tables that train or sample take ``device`` (default CPU): the training steps and the Monte Carlo run
there, from starting weights and noise drawn on CPU, so the numbers agree across devices to rounding; every
table comes back as plain floats. The chapter stores them with :meth:`varlib.ResultStore.call` (and ``map``),
so they take keyword arguments only: every argument is part of a stored result's key.

The scorecard, and the metrics of the signal, basin and variance experiments it judges, live in
:mod:`varlib.deep_linear.scorecard` and are re-exported here.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
import torch

from varlib.deep_linear.model import DeepLinear, LinearTask, task_from_data
from varlib.deep_linear.nets import (end_to_end, expected_loss, hessian_at_zero, init_weights, sample_predictions,
                                     train_linear_ensemble)
from varlib.deep_linear.scorecard import (BASIN_OUTCOMES, basin_metrics, basin_outcomes,  # noqa: F401
                                          deep_linear_scorecard, linear_diverged_count, shallow_signal_metrics,
                                          signal_collapse_table, signal_metrics, spinodal_signal, variance_metrics)
from varlib.deep_linear.sgd import (family_loss, isotropic_samples, l2_decay_factor, lr_schedule, mlp_forward,
                                    sgd_objective, sgd_steps, signal_samples, torch_default_init, train_sgd)
from varlib.deep_linear.theory import (critical_gamma, gamma_spinodal, gamma_star, isotropic_roots, reduced_loss,
                                       solve_global, weights_from_b)

__all__ = ["concat_tables", "isotropic_task", "isotropy_check", "anisotropic_task", "landscape_table",
           "hessian_table", "hessian_check", "threshold_table", "phase_table", "phase_metrics", "trained_table",
           "unequal_table", "trained_metrics", "variance_sweeps", "cap_sweeps", "variance_table",
           "variance_mc_table", "variance_metrics", "sgd_table", "sgd_metrics", "family_study", "family_metrics",
           "signal_table", "spinodal_signal", "signal_metrics", "signal_collapse_table", "basin_table",
           "BASIN_OUTCOMES", "basin_outcomes", "basin_metrics", "deep_linear_scorecard", "linear_diverged_count",
           "roots_table", "shallow_signal_metrics"]

_DT = torch.float64


def concat_tables(tables) -> pd.DataFrame:
    """One table from the per-item tables of a stored sweep (:meth:`varlib.ResultStore.map`), in order."""
    return pd.concat(list(tables), ignore_index=True)


def isotropic_task(*, d0: int, n: int, M: float = 1.0, noise: float = 0.5, seed: int = 0):
    """(x, y, task): samples with exactly isotropic statistics A0 = I, ||E[xy]|| = M (A = M = 1 by default),
    y = M x_1 + ``noise`` z (:func:`~varlib.deep_linear.sgd.isotropic_samples`)."""
    x, y = isotropic_samples(d0, M, n, noise, seed)
    return x, y, task_from_data(x, y)


def isotropy_check(task: LinearTask) -> dict:
    """Whether the task's own statistics are isotropic: A0 = I (to rounding), ||E[xy]|| and E[y^2]."""
    return {"A0 = I": bool(np.allclose(task.A0, np.eye(task.d0))), "||E[xy]||": float(np.linalg.norm(task.beta)),
            "E[y^2]": task.Ey2}


def anisotropic_task(*, d0: int, n: int, var_min: float, var_max: float, noise: float = 0.5, seed: int = 0):
    """(x, y, task): Gaussian inputs with variances spread evenly from ``var_min`` to ``var_max`` (one per input),
    y = w^T x + ``noise`` z with w = (1, ..., 1) / sqrt(d0). The inputs are drawn from seed + 1, the label noise
    from ``seed``."""
    x, _ = signal_samples(d0, 1.0, n, seed=seed + 1)
    x = x * np.sqrt(np.linspace(var_min, var_max, d0))
    y = x @ (np.ones(d0) / np.sqrt(d0)) + noise * np.random.default_rng(seed).standard_normal(len(x))
    return x, y, task_from_data(x, y)


# ----------------------------------------------------------------------------- the landscape
def landscape_table(task: LinearTask, *, depths, gamma_ratios, n_b: int = 300, b_max: float = 1.4) -> pd.DataFrame:
    """Reduced loss L(b) - E[y^2] on [0, b_max] for each depth and gamma = ratio x gamma*(D)."""
    M, A = float(np.linalg.norm(task.beta)), float(np.linalg.eigvalsh(task.A0).max())
    bs, rows = np.linspace(0, b_max, n_b), []
    for D in depths:
        for r in gamma_ratios:
            g = r * gamma_star(D, A, M)
            rows += [{"depth": D, "gamma_ratio": r, "gamma": g, "b": b, "loss_gap": L - task.Ey2}
                     for b, L in zip(bs, reduced_loss(bs, task, DeepLinear(D, 4, g)))]
    return pd.DataFrame(rows)


def hessian_table(task: LinearTask, *, depths, gamma_ratios, width: int = 3) -> pd.DataFrame:
    """Smallest and largest eigenvalue of the Hessian at zero weights for each depth and ratio."""
    M, A = float(np.linalg.norm(task.beta)), float(np.linalg.eigvalsh(task.A0).max())
    rows = []
    for D in depths:
        for r in gamma_ratios:
            g = r * gamma_star(D, A, M)
            ev = torch.linalg.eigvalsh(hessian_at_zero(task, DeepLinear(D, width, g)))
            rows.append({"depth": D, "gamma_ratio": r, "gamma": g, "eig_min": float(ev.min()),
                         "eig_max": float(ev.max()), "two_gamma": 2 * g})
    return pd.DataFrame(rows)


def hessian_check(hess: pd.DataFrame, tol: float = 1e-10) -> bool:
    """The bad-minimum row from :func:`hessian_table`: for D >= 2 every eigenvalue equals 2 gamma (within ``tol``), and
    for D = 1 the origin is a saddle (a negative eigenvalue) below gamma*."""
    deep = hess[hess.depth >= 2]
    exact = ((deep.eig_min - deep.two_gamma).abs() < tol) & ((deep.eig_max - deep.two_gamma).abs() < tol)
    return bool(exact.all() and (hess[(hess.depth == 1) & (hess.gamma_ratio < 1)].eig_min < 0).all())


def threshold_table(depths, *, A: float = 1.0, M: float = 1.0) -> pd.DataFrame:
    """gamma*, gamma_sp, b at gamma* and the jump of ||v|| at gamma*, per depth (isotropic)."""
    rows = []
    for D in depths:
        gs = gamma_star(D, A, M)
        b = 0.0 if D == 1 else (D * gs / M) ** (1 / (D - 1))
        rows.append({"depth": D, "gamma_star": gs, "gamma_sp": gamma_spinodal(D, A, M), "b_at_star": b,
                     "jump": 0.0 if D == 1 else b ** (D + 1)})
    return pd.DataFrame(rows)


# ----------------------------------------------------------------------------- phase diagram
def phase_table(*, task: LinearTask, depths, gamma_ratios, inits: dict, seeds: int, width: int, steps: int,
                lr: float, device="cpu") -> pd.DataFrame:
    """Nets trained by full-batch GD on the exact loss, for every depth, gamma = ratio x gamma*(D), init
    ({name: multiple of Kaiming}) and seed; classified as "global" (loss within 1e-4 of L*), "zero" (||v||
    < 1e-6 while L* < E y^2: stuck), "metastable" (nonzero, loss > E y^2) or "other"."""
    M, A = float(np.linalg.norm(task.beta)), float(np.linalg.eigvalsh(task.A0).max())
    out = []
    for D in depths:
        nets, inits_, names = [], [], []
        for name, scale in inits.items():
            for r in gamma_ratios:
                nets += [DeepLinear(D, width, r * gamma_star(D, A, M))] * seeds
                inits_ += [float(scale)] * seeds
                names += [(name, r)] * seeds
        df = train_linear_ensemble(task, nets, inits_, steps=steps, lr=lr, optimizer="gd", device=device)
        df["init_name"], df["gamma_ratio"] = [n for n, _ in names], [r for _, r in names]
        out.append(df)
    df = pd.concat(out, ignore_index=True)
    df["outcome"] = [_outcome(row, task.Ey2) for row in df.itertuples()]
    return df


def _outcome(row, Ey2: float) -> str:
    if abs(row.loss - row.loss_star) < 1e-4 * (1 + abs(row.loss_star)):
        return "global"
    if row.v_norm < 1e-6:
        return "zero"
    return "metastable" if row.loss > Ey2 else "other"


def phase_metrics(phase: pd.DataFrame, *, Ey2: float) -> dict:
    """Numbers for the phase rows from :func:`phase_table` (isotropic A = M = 1), and for each claim's runs how many
    diverged (``<claim>_diverged``: (diverged, runs), :func:`~varlib.deep_linear.scorecard.linear_diverged_count`):
    ``d1`` (D = 1), ``tiny`` (tiny starts), ``jump``, ``meta`` (metastable) and ``above_sp``. The last counts the
    runs of depth >= 2 only (``above_sp_d1_zero_frac`` is D = 1's, shown: above gamma* = ||E[xy]|| a D = 1 net's only
    minimum is zero, so it says nothing about the metastable branch)."""
    d1, deep = phase[phase.depth == 1], phase[phase.depth >= 2]
    tiny = deep[(deep.init_name == "tiny") & (deep.gamma_ratio < 1)]
    kai = deep[(deep.init_name != "tiny") & (deep.gamma_ratio < 1)]
    sp = phase.depth.map(lambda D: gamma_spinodal(D, 1.0, 1.0) / gamma_star(D, 1.0, 1.0))
    window = deep[(deep.gamma_ratio > 1) & (deep.gamma_ratio < sp[deep.index]) & (deep.init_name != "tiny")]
    above = phase[(phase.gamma_ratio > sp) & (phase.depth >= 2)]      # D = 1 above gamma_sp = gamma*: trivially 0
    above_d1 = phase[(phase.gamma_ratio > sp) & (phase.depth == 1)]
    b_l = [isotropic_roots(D, 1.0, 1.0, g)[-1] ** (D + 1) for D, g in zip(window.depth, window.gamma_bar)]
    return {"d1_global_frac": float((d1.outcome == "global").mean()) if len(d1) else float("nan"),
            "tiny_zero_frac": float((tiny.outcome == "zero").mean()) if len(tiny) else float("nan"),
            "kaiming_global_frac": float((kai.outcome == "global").mean()) if len(kai) else float("nan"),
            "meta_frac": float((window.outcome == "metastable").mean()) if len(window) else float("nan"),
            "meta_above_Ey2": bool((window.loss > Ey2).all()) if len(window) else False,
            "meta_vnorm_err": float(np.max(np.abs(window.v_norm - b_l))) if len(window) else float("nan"),
            "above_sp_zero_frac": float((above.v_norm < 1e-6).mean()) if len(above) else float("nan"),
            "above_sp_d1_zero_frac": float((above_d1.v_norm < 1e-6).mean()) if len(above_d1) else float("nan"),
            "jump": _jumps(deep), "d1_diverged": linear_diverged_count(d1),
            "tiny_diverged": linear_diverged_count(tiny), "jump_diverged": linear_diverged_count(_jump_runs(deep)),
            "meta_diverged": linear_diverged_count(window), "above_sp_diverged": linear_diverged_count(above)}


def _jump_runs(deep: pd.DataFrame) -> pd.DataFrame:
    """The runs that measure the jump: non-tiny starts at the ratio closest below 1."""
    below = deep[(deep.gamma_ratio < 1) & (deep.init_name != "tiny")]
    return below[below.gamma_ratio == below.gamma_ratio.max()] if len(below) else below


def _jumps(deep: pd.DataFrame) -> dict:
    """{D: (mean trained ||v|| of non-tiny runs at the ratio closest below 1, theory jump (D-1)/D)} (A = M = 1)."""
    return {int(D): (float(g.v_norm.mean()), (D - 1) / D) for D, g in _jump_runs(deep).groupby("depth")}


# ----------------------------------------------------------------------------- theory vs trained
def trained_table(*, task: LinearTask, depths, sigma2: float, gammas, seeds: int, width: int, steps: int,
                  lr: float, device="cpu") -> pd.DataFrame:
    """Kaiming-started nets without neuron noise and with noise variance ``sigma2``, trained by GD on the exact
    loss, vs the solver, with below = (gamma < gamma* of that net)."""
    sigma2s = (0.0, sigma2)
    nets = [DeepLinear(D, width, g, s2) for D in depths for s2 in sigma2s for g in gammas for _ in range(seeds)]
    df = train_linear_ensemble(task, nets, "kaiming", steps=steps, lr=lr, optimizer="gd", device=device)
    crit = {(D, s2): critical_gamma(task, D, DeepLinear(D, width, 0.0, s2).kappa) for D in depths for s2 in sigma2s}
    df["below"] = [g < crit[(D, s2)] for D, s2, g in zip(df.depth, df.sigma2, df.gamma_bar)]
    df["rel_v_err"] = (df.v_norm / df.v_norm_star.where(df.v_norm_star > 0) - 1).abs()
    return df


def unequal_table(*, task: LinearTask, widths, gammas, sigma2: float, seeds: int, steps: int, lr: float,
                  device="cpu") -> pd.DataFrame:
    """Unequal decays: ``seeds`` Kaiming-started nets of depth len(widths) with unequal widths and unequal weight decays
    ``gammas`` (W1..WD, U), noise variance ``sigma2``, trained by GD on the exact loss, vs the solver."""
    net = DeepLinear(len(widths), tuple(widths), tuple(gammas), sigma2)
    return train_linear_ensemble(task, [net] * seeds, steps=steps, lr=lr, optimizer="gd", device=device)


def trained_metrics(df: pd.DataFrame, *, unequal: pd.DataFrame) -> dict:
    """The closed form (below threshold), unequal decays (``unequal``) and homogeneity (sigma2 > 0), each
    with its runs' (diverged, runs) (``c1_diverged``: every net of ``df``, as min(L - L*) reads them all)."""
    b = df[df.below]
    return {"c1_loss_err": float((b.loss - b.loss_star).abs().max()), "c1_v_err": float(b.rel_v_err.max()),
            "c1_b_dev": float(b.b_dev.max()), "min_gap": float((df.loss - df.loss_star).min()),
            "c7_b_dev": float(unequal.b_dev.max()),
            "c7_loss_err": float((unequal.loss - unequal.loss_star).abs().max()),
            "c8_spread": float(b[b.sigma2 > 0].unit_spread.max()), "c1_diverged": linear_diverged_count(df),
            "c7_diverged": linear_diverged_count(unequal), "c8_diverged": linear_diverged_count(b[b.sigma2 > 0])}


# ----------------------------------------------------------------------------- stochastic nets
def variance_sweeps(*, widths, noises, depths, depth: int, width: int, sigma2: float, gamma: float,
                    noise_depth: int, noise_gamma: float, noise_depths=()) -> dict:
    """The sweeps of the prediction variance, {name: (base DeepLinear kwargs, swept key, values)}:
    width (at ``depth``, ``sigma2``, ``gamma``), noise variance (at ``noise_depth``, ``width``, ``noise_gamma``),
    depth (at ``width``, ``sigma2``, ``gamma``) and, when ``noise_depths`` are given, depth at a vanishing weight
    decay ("depth_noise": at ``width``, ``sigma2``, ``noise_gamma``), where no collapse to zero intervenes and the
    noise factor kappa, compounding over the layers, drives the variance to zero."""
    out = {"width": ({"depth": depth, "sigma2": sigma2, "gamma": gamma}, "width", list(widths)),
           "noise": ({"depth": noise_depth, "width": width, "gamma": noise_gamma}, "sigma2", list(noises)),
           "depth": ({"width": width, "sigma2": sigma2, "gamma": gamma}, "depth", list(depths))}
    if len(noise_depths):
        out["depth_noise"] = ({"width": width, "sigma2": sigma2, "gamma": noise_gamma}, "depth", list(noise_depths))
    return out


def cap_sweeps(sweeps: dict, *, limits: dict) -> dict:
    """``sweeps`` with each named sweep cut to the values <= its limit (``limits``: {sweep name: largest value};
    sweeps not named keep every value)."""
    return {k: (base, key, [v for v in values if k not in limits or v <= limits[k]])
            for k, (base, key, values) in sweeps.items()}


def variance_table(task: LinearTask, *, sweeps: dict) -> pd.DataFrame:
    """Closed-form E_x Var_eps f = (kappa - 1) v*^T A0 v* along each sweep (:func:`variance_sweeps`)."""
    rows = []
    for name, (base, key, values) in sweeps.items():
        for val in values:
            net = DeepLinear(**{**base, key: val})
            v = solve_global(task, net).v
            rows.append({"sweep": name, "value": val, "variance": float((net.kappa - 1) * v @ task.A0 @ v),
                         "kappa": net.kappa, "v_norm": float(np.linalg.norm(v))})
    return pd.DataFrame(rows)


def variance_mc_table(*, x, task: LinearTask, sweeps: dict, n_samples: int, noises=("gaussian", "dropout"),
                      seed: int = 0, device="cpu") -> pd.DataFrame:
    """Monte Carlo E_x Var_eps f at the solver's homogeneous weights (random signs), inputs ``x`` (B, d0),
    for every point of ``sweeps`` (as :func:`variance_table`) and noise kind, sampled on ``device``."""
    xt, rows = torch.as_tensor(x, dtype=_DT, device=device), []
    for name, (base, key, values) in sweeps.items():
        for val in values:
            net = DeepLinear(**{**base, key: val})
            sol = solve_global(task, net)
            w = [t.unsqueeze(0).to(device) for t in weights_from_b(sol, net, signs_seed=seed)]
            for noise in noises:
                f = sample_predictions(w, xt, net.sigma2, n_samples, noise, seed)  # (S, 1, B)
                rows.append({"sweep": name, "value": val, "noise": noise, "mc_variance": float(f.var(0).mean()),
                             "theory": float((net.kappa - 1) * np.mean((x @ sol.v) ** 2))})
    return pd.DataFrame(rows)


def sgd_table(*, x, y, depths, noises, sigma2: float, gamma: float, seeds: int, width: int, epochs: int,
              batch: int, lr: float, n_mc: int, seed: int = 0, device="cpu") -> pd.DataFrame:
    """Sampled-noise training and its variance: minibatch SGD with sampled neuron noise from Kaiming, then the exact
    loss vs L*, ||v|| vs ||v*||, and the Monte Carlo E_x Var_eps f vs (kappa - 1) E_x (v^T x)^2 of the trained v.
    ``loss0``: each net's exact loss at the start (for :func:`~varlib.deep_linear.nets.linear_diverged`)."""
    task, rows = task_from_data(x, y), []
    xt = torch.as_tensor(x[:256], dtype=_DT, device=device)
    for D in depths:
        net = DeepLinear(D, width, gamma, sigma2)
        sol = solve_global(task, net)
        for noise in noises:
            w0 = init_weights(task.d0, net.widths, seeds, 1.0, seed, device)
            loss0 = expected_loss(w0, task, gamma, sigma2).cpu()
            w = train_sgd(w0, x, y, gamma, "linear", sigma2, noise, epochs, batch, lr, seed)
            loss = expected_loss(w, task, gamma, sigma2)
            v = end_to_end(w)
            mc = sample_predictions(w, xt, sigma2, n_mc, noise, seed).var(0).mean(-1)
            th = (net.kappa - 1) * ((xt @ v.T) ** 2).mean(0)
            loss, v, mc, th = (t.cpu() for t in (loss, v, mc, th))
            rows += [{"depth": D, "noise": noise, "member": k, "loss0": float(loss0[k]), "loss": float(loss[k]),
                      "loss_star": sol.loss,
                      "v_norm": float(v[k].norm()), "v_norm_star": sol.v_norm, "mc_variance": float(mc[k]),
                      "theory_variance": float(th[k])} for k in range(seeds)]
    df = pd.DataFrame(rows)
    df["rel_loss_err"] = (df.loss / df.loss_star - 1).abs()
    df["rel_var_err"] = (df.mc_variance / df.theory_variance - 1).abs()
    return df


def sgd_metrics(sgd: pd.DataFrame) -> dict:
    """Sampled-noise SGD from :func:`sgd_table`: the largest |L / L* - 1| over nets (``loss_err``) and (diverged, runs)
    (``diverged``)."""
    return {"loss_err": float(sgd.rel_loss_err.max()), "diverged": linear_diverged_count(sgd)}


# ----------------------------------------------------------------------------- beyond linear
def family_study(*, d0: int, n: int, width: int, gamma: float, b_max: float, points: int, noise: float = 0.5,
                 seed: int = 0) -> tuple[pd.DataFrame, float]:
    """Fig. 2: (table, b*). On the task y = x_1 + ``noise`` z (d0 inputs, n samples), the D = 1 global minimum's
    scale b* of a width-``width`` net with weight decay ``gamma``, and :func:`~varlib.deep_linear.sgd.family_loss`
    at ``points`` scales b evenly from -b_max b* to b_max b*."""
    x, y = signal_samples(d0, 1.0, n, noise, seed)
    b_star = solve_global(task_from_data(x, y), DeepLinear(1, width, gamma)).b
    return family_loss(x, y, np.linspace(-b_max, b_max, points) * b_star, width, gamma), b_star


def family_metrics(fam: pd.DataFrame, *, b_star: float, window: float = 0.25) -> dict:
    """Fig. 2: per activation, max |L - L_linearised| over |b| <= window b*, relative to the largest gap
    |L_linearised - L(0)| there (0 = the linear landscape with slope phi'(0) is exact near the origin)."""
    near = fam[fam.b.abs() <= window * b_star + 1e-12]
    out = {}
    for a, g in near.groupby("activation"):
        L0 = float(g.loc[g.b.abs().idxmin(), "linearised"])
        out[a] = float((g.loss - g.linearised).abs().max() / max((g.linearised - L0).abs().max(), 1e-300))
    return out


def signal_table(*, signals, activations, gamma: float, d0: int, n: int, width: int, seeds: int, epochs: int,
                 batch: int, lr: float, noise: float = 0.5, seed: int = 0, device="cpu",
                 schedule: str = "cosine", depth: int = 2) -> pd.DataFrame:
    """Fig. 3 (right): nets with ``depth`` hidden layers (the paper's D = 2 by default; D = 1 is the contrast, with no
    trap) (PyTorch default init, width ``width``) trained by minibatch SGD with explicit
    L2 gamma and learning-rate ``schedule`` on tasks y = M x_1 + noise; final output std over the training
    inputs vs the linear theory. Also per net: ``init_std``, its output std at initialisation, and
    ``decay_std`` = init_std x :func:`~varlib.deep_linear.sgd.l2_decay_factor`, where weight decay alone would
    have brought it; ``loss0`` and ``loss``: the objective of :func:`~varlib.deep_linear.sgd.sgd_objective` on
    the training data at the start and at the end (for :func:`~varlib.deep_linear.nets.linear_diverged`)."""
    data = [signal_samples(d0, M, n, noise, seed) for M in signals]  # same x and noise, scaled signal
    x, y = data[0][0], np.repeat(np.stack([d[1] for d in data]), seeds, axis=0)
    tasks = [task_from_data(*d) for d in data]
    sols = [solve_global(t, DeepLinear(depth, width, gamma)) for t in tasks]
    etas = lr_schedule(lr, sgd_steps(n, epochs, batch), schedule)
    nets = [(M, t, s) for M, t, s in zip(signals, tasks, sols) for _ in range(seeds)]
    rows = []
    for a in activations:
        w0 = torch_default_init(d0, (width,) * depth, len(signals) * seeds, seed, device)
        decay = l2_decay_factor(gamma, etas, len(w0))
        w = train_sgd(w0, x, y, gamma, a, epochs=epochs, batch=batch, lr=lr, seed=seed, schedule=schedule)
        xt = torch.as_tensor(x, dtype=_DT, device=w[0].device).unsqueeze(0)
        std0, std = (mlp_forward(v, xt, a).std(1).cpu() for v in (w0, w))
        loss0, loss = (sgd_objective(v, x, y, gamma, a).cpu() for v in (w0, w))
        rows += [{"activation": a, "schedule": schedule, "depth": depth, "signal": M,
                  "beta_norm": float(np.linalg.norm(t.beta)),
                  "member": k % seeds, "output_std": float(std[k]), "theory_std": float(np.sqrt(s.v @ t.A0 @ s.v)),
                  "init_std": float(std0[k]), "decay_std": float(std0[k]) * decay, "loss0": float(loss0[k]),
                  "loss": float(loss[k])}
                 for k, (M, t, s) in enumerate(nets)]
    return pd.DataFrame(rows)


# ----------------------------------------------------------------------------- basin of zero
def basin_table(*, task: LinearTask, depths, scales, seeds: int, width: int, steps: int, lr: float,
                gamma_ratio: float = 0.5, device="cpu") -> pd.DataFrame:
    """Zero's basin vs depth: GD from ``scale`` x N(0, 1/fan_in) at gamma = ratio x gamma*(D); each run's
    ``outcome`` is one of :data:`BASIN_OUTCOMES` (:func:`basin_outcomes`), and ``escaped`` says whether it escaped."""
    M, A = float(np.linalg.norm(task.beta)), float(np.linalg.eigvalsh(task.A0).max())
    out = []
    for D in depths:
        net = DeepLinear(D, width, gamma_ratio * gamma_star(D, A, M))
        starts = [float(s) for s in scales for _ in range(seeds)]
        df = train_linear_ensemble(task, [net] * len(starts), starts, steps=steps, lr=lr, optimizer="gd", device=device)
        out.append(df.assign(scale=df["init"]))
    df = pd.concat(out, ignore_index=True)
    df["outcome"] = basin_outcomes(df)
    df["escaped"] = df.outcome == "escaped"
    return df


def roots_table(depths, *, gamma_ratio: float = 0.5, A: float = 1.0, M: float = 1.0) -> pd.DataFrame:
    """Barrier b_s (edge of zero's basin; 0 for D = 1) and nonzero minimum b_l at gamma = ratio x gamma*(D)."""
    rows = []
    for D in depths:
        r = isotropic_roots(D, A, M, gamma_ratio * gamma_star(D, A, M))
        rows.append({"depth": D, "b_s": 0.0 if D == 1 else float(r[0]), "b_l": float(r[-1])})
    return pd.DataFrame(rows)
