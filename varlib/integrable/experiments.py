"""Experiments of the ``integrable`` chapter (Hajjar, Chizat & Giraud 2021): sweeps returning tidy tables.

Every run is a pure function of keyword-only arguments (a :class:`~varlib.core.data.Dataset` and sizes), so the
chapter stores each one with ``store.call`` or, over a grid, ``store.map`` (one stored result per item).

* :func:`abc_table` and :func:`symmetry_check`: the exponents and the reparameterization symmetry
  (a + theta, b - theta, c - 2 theta), checked numerically in float64.
* :func:`init_scales`, :func:`init_slopes`: mean |f| at initialisation against width, and the loss ln 10.
* :func:`train_run`: one SGD run of a preset (float32, subnormals flushed), its loss and mean |h^l| per
  step, test accuracy and relative weight change per layer.
* :func:`equivalence_check`: IP-LLR against the modified muP (and Naive-IP against muP with a shrunk
  hidden initialisation) along SGD, float64, max |Delta f|.
* :func:`first_step_ranks`: ranks of the weight updates and of the pre-activations after one IP-LLR step.

When a run diverged or sat at chance is decided in :mod:`varlib.integrable.failures`.
The constants, :func:`grid`, the chapter's grids and the result tables are in :mod:`varlib.integrable.sweeps`;
:func:`accuracy_table` and :func:`integrable_scorecard` (one row per claim, verdicts computed from these numbers)
in :mod:`varlib.integrable.scorecard`; the values the chapter's prose reads in :mod:`varlib.integrable.prose`.
Every public name is re-exported here.

Precision: float32 for training, float64 (TF32 off) for every exactness check; never half.
"""
from __future__ import annotations

import contextlib
import itertools
import math
from dataclasses import replace
from typing import Iterable

import numpy as np
import pandas as pd
import torch

from varlib.core.checks import check_int
from varlib.core.data import Dataset, minibatches
from varlib.core.runtime import flush_denormals, small_op_threads  # noqa: F401  (flush_denormals re-exported)
from varlib.integrable.diagnostics import numerical_rank, preactivation_ranks, relative_weight_change, update_ranks
from varlib.integrable.failures import (INTEGRABLE_CHANCE_MARGIN, INTEGRABLE_DIVERGED_FACTOR,  # noqa: F401
                                        integrable_diverged, integrable_failure_note, integrable_failures,
                                        integrable_loss_ceiling, integrable_usable)
from varlib.integrable.family import get_parameterization, reparameterize
from varlib.integrable.nets import abc_forward, abc_loss, init_params, initial_draws
from varlib.integrable.prose import (calibration_story, data_story, equivalence_story, escape_story,  # noqa: F401
                                     first_step_story, init_story, main_story, naive_story, rank_story, relu_story,
                                     schedule_story)
from varlib.integrable.scorecard import accuracy_table, integrable_scorecard, seed_table  # noqa: F401
from varlib.integrable.sgd import calibrate_step0, make_sgd, train_abc
from varlib.integrable.sweeps import (LN10, MAIN_PRESETS, PAPER_DATASETS, PROBE_INPUTS, SWEEP_ACTIVATIONS,  # noqa: F401
                                      chapter_dataset, comparison_grid, escape_grid, grid, histories, naive_ip_grid,
                                      drop_diverged, rank_grid, relu_rate_grid, stacked, summaries)

__all__ = ["LN10", "PROBE_INPUTS", "MAIN_PRESETS", "SWEEP_ACTIVATIONS", "PAPER_DATASETS", "SYMMETRY_PRESETS",
           "INIT_ACTIVATIONS", "grid", "naive_ip_grid", "escape_grid", "rank_grid", "comparison_grid",
           "relu_rate_grid", "drop_diverged", "summaries",
           "histories", "stacked", "abc_table", "symmetry_check", "init_scales", "init_slopes", "train_run",
           "equivalence_check", "first_step_ranks", "accuracy_table", "seed_table", "flush_denormals", "exact_matmul",
           "integrable_scorecard", "chapter_dataset", "data_story", "init_story", "naive_story", "escape_story",
           "rank_story", "main_story", "INTEGRABLE_DIVERGED_FACTOR", "INTEGRABLE_CHANCE_MARGIN",
           "integrable_loss_ceiling", "integrable_diverged", "integrable_failures", "integrable_usable",
           "integrable_failure_note", "plateau_end", "PLATEAU_WINDOW", "PLATEAU_DROP", "first_step_story",
           "schedule_story", "calibration_story", "equivalence_story", "relu_story"]

#: The presets of the symmetry check.
SYMMETRY_PRESETS = ("sp", "ntk", "mup", "naive_ip", "ipllr")
#: The activations of the initialisation sweep.
INIT_ACTIVATIONS = ("relu", "gelu", "tanh")


@contextlib.contextmanager
def exact_matmul():
    """TF32 off on CUDA while inside (exactness checks); a no-op on CPU."""
    old = torch.backends.cuda.matmul.allow_tf32, torch.backends.cudnn.allow_tf32
    torch.backends.cuda.matmul.allow_tf32 = torch.backends.cudnn.allow_tf32 = False
    try:
        yield
    finally:
        torch.backends.cuda.matmul.allow_tf32, torch.backends.cudnn.allow_tf32 = old


def _on(data: Dataset, device, dtype) -> Dataset:
    move = lambda t: t.to(device=device, dtype=dtype if t.is_floating_point() else t.dtype)  # noqa: E731
    return Dataset(data.name, move(data.X_train), move(data.y_train), move(data.X_test), move(data.y_test))


# ---------------------------------------------------------------- section 1: the abc family


def _groups(v: tuple, fmt="{:g}") -> str:
    """Per-layer values as 'input / hidden / output' (hidden as 'lo…hi' when it varies)."""
    hid = sorted(set(v[1:-1]))
    h = fmt.format(hid[0]) if len(hid) == 1 else f"{fmt.format(hid[0])}…{fmt.format(hid[-1])}"
    return f"{fmt.format(v[0])} / {h} / {fmt.format(v[-1])}"


def abc_table(L: int, *, presets: Iterable[str] = ("sp", "ntk", "mup", "naive_ip", "ipllr", "mup_modified",
                                                "ip_bias", "ip_non_centered")) -> pd.DataFrame:
    """Exponents per preset as 'input / hidden / output': a, b, c at t = 0 and t >= 1, e = a+b, kappa = 2a+c."""
    rows = []
    for name in presets:
        p = get_parameterization(name, L)
        rows.append({"preset": name, "a": _groups(p.a), "b": _groups(p.b), "c (t=0)": _groups(p.c0),
                     "c (t≥1)": _groups(p.c), "e = a+b": _groups(p.e), "κ = 2a+c (t=0)": _groups(p.kappa0),
                     "κ = 2a+c (t≥1)": _groups(p.kappa), "init mean": _groups(p.mean)})
    return pd.DataFrame(rows).set_index("preset")


def _logits_along(p, params, batches, act, eta, x) -> torch.Tensor:
    """Logits on x after t = 2..T steps of :func:`train_abc` (T = len(batches)), stacked (T - 1, B, K).

    From t = 2 on for every parameterization, since calibration needs batches 0 and 1.
    """
    start = min(2, len(batches))
    out = [abc_forward(p, train_abc(p, params, batches[:t], act, eta)[0], x, act) for t in
           range(start, len(batches) + 1)]
    return torch.stack(out)


def _logits_diverged(f: torch.Tensor, y: torch.Tensor) -> bool:
    """Logits along a trajectory (T, B, K) diverged: one is not finite, or the loss on ``y`` after the last step
    exceeds :func:`~varlib.integrable.failures.integrable_loss_ceiling`."""
    if not bool(torch.isfinite(f).all()):
        return True
    return torch.nn.functional.cross_entropy(f[-1], y).item() > integrable_loss_ceiling(f.shape[-1])


def _batches64(data: Dataset, batch: int, steps: int, seed: int):
    return minibatches(data.X_train.double(), data.y_train, batch, steps, seed=seed)


def symmetry_check(*, data: Dataset, presets: Iterable[str] = SYMMETRY_PRESETS, L: int, m: int, steps: int,
                   activation="tanh", batch: int = 32, eta: float = 0.05, seed: int = 0, device="cpu") -> pd.DataFrame:
    """Each preset against itself with every layer shifted by a random theta in [-1, 1] (float64).

    Columns: ``preset, max_abs_f, shifted`` (max |Delta f| with (a+θ, b-θ, c-2θ)), ``c_not_shifted``
    (the same shift of a and b only: a different parameterization, so f differs) and ``diverged`` (the preset
    or its shifted copy diverged, by the rule of :mod:`varlib.integrable.failures` on the probe inputs' loss).
    """
    data = _on(data, device, torch.float64)
    batches, x, y = _batches64(data, batch, steps, seed), data.X_test[:PROBE_INPUTS], data.y_test[:PROBE_INPUTS]
    draws = {k: v.to(device) for k, v in initial_draws(data.dim, m, data.n_classes, L, seed).items()}
    rng, rows = np.random.default_rng(seed), []
    with exact_matmul(), small_op_threads(device):
        for name in presets:
            p = q = get_parameterization(name, L)
            thetas = rng.uniform(-1, 1, L + 1)
            for layer, th in enumerate(thetas, start=1):
                q = reparameterize(q, layer, float(th))
            broken = replace(q, c=p.c, c0=p.c0)
            f = {k: _logits_along(r, init_params(r, draws, activation), batches, activation, eta, x)
                 for k, r in (("p", p), ("q", q), ("broken", broken))}
            rows.append({"preset": name, "max_abs_f": f["p"].abs().max().item(),
                         "shifted": (f["p"] - f["q"]).abs().max().item(),
                         "c_not_shifted": (f["p"] - f["broken"]).abs().max().item(),
                         "diverged": _logits_diverged(f["p"], y) or _logits_diverged(f["q"], y)})
    return pd.DataFrame(rows)


# ---------------------------------------------------------------- section 2: initialisation


def init_scales(*, data: Dataset, depths: Iterable[int], widths: Iterable[int],
                activations: Iterable[str] = INIT_ACTIVATIONS, draws: int, device="cpu") -> pd.DataFrame:
    """mean |f| and the loss at initialisation on test inputs (float64), tidy: Naive IP at each of ``depths``
    and muP at the largest, each drawn ``draws`` times (seeds 0, 1, ...) per width.

    Columns: ``preset, L, activation, width, draw, mean_abs_f, loss``.
    """
    depths = [check_int(f"depths[{i}]", L) for i, L in enumerate(depths)]
    specs = [("naive_ip", L) for L in depths] + [("mup", max(depths))]
    data = _on(data, device, torch.float64)
    x, y, rows = data.X_test[:PROBE_INPUTS], data.y_test[:PROBE_INPUTS], []
    with small_op_threads(device):
        for (name, L), act, m, r in itertools.product(list(specs), list(activations), list(widths), range(draws)):
            rows.append(_init_row(data, name, L, act, m, r, x, y, device))
    return pd.DataFrame(rows)


def _init_row(data, name, L, act, m, r, x, y, device) -> dict:
    """One draw of one preset at initialisation: mean |f| and the loss on (x, y)."""
    p = get_parameterization(name, L)
    dr = {k: v.to(device) for k, v in initial_draws(data.dim, m, data.n_classes, L, seed=r).items()}
    f = abc_forward(p, init_params(p, dr, act), x, act)
    return {"preset": name, "L": L, "activation": act, "width": m, "draw": r,
            "mean_abs_f": f.abs().mean().item(), "loss": torch.nn.functional.cross_entropy(f, y).item()}


def _slope(x, y) -> float:
    return float(np.polyfit(np.log(x), np.log(y), 1)[0])


def init_slopes(scales: pd.DataFrame) -> pd.DataFrame:
    """Log-log slope of the geometric-mean |f| against width, the predicted slope, and max |loss - ln 10|.

    Predicted: -L/2 for the integrable presets (the forward pass averages L times over m zero-mean terms),
    -1/2 for muP.
    """
    rows = []
    for (name, L, act), g in scales.groupby(["preset", "L", "activation"], sort=False):
        gm = g.groupby("width").mean_abs_f.apply(lambda v: float(np.exp(np.log(v).mean())))
        rows.append({"preset": name, "L": L, "activation": act, "slope": _slope(gm.index, gm.values),
                     "predicted": -0.5 if name == "mup" else -L / 2,
                     "max_loss_minus_ln10": float((g.loss - LN10).abs().max())})
    return pd.DataFrame(rows)


# ---------------------------------------------------------------- training runs


def _accuracy(p, params, x, y, act) -> float:
    with torch.no_grad():
        f = abc_forward(p, params, x, act)
    return float((f.argmax(1) == y).float().mean()) if torch.isfinite(f).all() else float("nan")


#: The plateau at ln 10 ends at the first step whose trailing mean batch loss over PLATEAU_WINDOW steps is below
#: ln 10 - PLATEAU_DROP.
PLATEAU_WINDOW, PLATEAU_DROP = 20, 0.1


def plateau_end(losses) -> float:
    """The step at which a run leaves the plateau at ln 10: the first t whose mean batch loss over steps
    t - PLATEAU_WINDOW + 1 .. t is below ln 10 - PLATEAU_DROP (NaN if it never does, or a loss is not finite first)."""
    losses = np.asarray(losses, dtype=float)
    if losses.size < PLATEAU_WINDOW:
        return math.nan
    trailing = np.convolve(losses, np.ones(PLATEAU_WINDOW) / PLATEAU_WINDOW, mode="valid")  # ends at t = W-1..
    below = np.nonzero(np.isfinite(trailing) & (trailing < LN10 - PLATEAU_DROP))[0]
    bad = np.nonzero(~np.isfinite(trailing))[0]
    if not below.size or (bad.size and bad[0] < below[0]):
        return math.nan
    return float(below[0] + PLATEAU_WINDOW - 1)


def train_run(*, data: Dataset, preset: str, activation: str, L: int, width: int, steps: int, batch: int,
              eta: float, seed: int = 0, device="cpu") -> dict:
    """One float32 SGD run of ``preset`` on ``data`` from the seeded shared draws.

    Returns ``history`` (step, loss, h1..hL, f: mean |h^l| on 256 test inputs) and ``summary``:
    ``test_acc`` (NaN when the logits diverged), ``final_loss`` (mean loss of the last 10 % of steps),
    ``max_dev_ln10`` (max |loss - ln 10| over the run; both NaN when a loss was NaN), ``diverged`` (by
    :func:`~varlib.integrable.failures.integrable_diverged`), ``change_w{l}`` (relative weight change),
    ``plateau_end`` (:func:`plateau_end`) and ``final_abs_f`` (mean |f| on the probe inputs after the last step).
    """
    data = _on(data, device, torch.float32)
    p = get_parameterization(preset, L)
    draws = {k: v.to(device) for k, v in initial_draws(data.dim, width, data.n_classes, L, seed).items()}
    params0 = init_params(p, draws, activation, dtype=torch.float32)
    batches = minibatches(data.X_train, data.y_train, batch, steps, seed=seed)
    with flush_denormals(), small_op_threads(device):
        params, hist = train_abc(p, params0, batches, activation, eta, probe=data.X_test[:PROBE_INPUTS])
        acc = _accuracy(p, params, data.X_test, data.y_test, activation)
    losses = hist.loss.iloc[:-1]  # the last row (after the last step) has no batch loss
    change = {f"change_{k}": v for k, v in relative_weight_change(params0, params).items() if k.startswith("w")}
    summary = {"test_acc": acc, "final_loss": float(losses.iloc[-max(1, len(losses) // 10):].mean(skipna=False)),
               "max_dev_ln10": float((losses - LN10).abs().max(skipna=False)),
               "diverged": integrable_diverged(losses.to_numpy(), test_acc=acc, classes=data.n_classes), **change,
               "plateau_end": plateau_end(losses.to_numpy()), "final_abs_f": float(hist.f.iloc[-1])}
    return {"history": hist, "summary": summary}


# ---------------------------------------------------------------- section 4: exact equivalences


def equivalence_check(*, data: Dataset, L: int, m: int, steps: int, activation="gelu", batch: int = 32,
                      eta: float = 0.05, seed: int = 0, device="cpu") -> pd.DataFrame:
    """max |Delta f| over t = 2..steps SGD steps between parameterizations built from the same draws (float64).

    Pairs: IP-LLR vs modified muP (both calibrated); Naive-IP vs muP with hidden init times m^{-1/2};
    and, for contrast, IP-LLR vs muP. Columns ``pair, width, max_abs_f, max_abs_df, relative`` and ``diverged`` (either
    net diverged, by the rule of :mod:`varlib.integrable.failures` on the probe inputs' loss).
    """
    data = _on(data, device, torch.float64)
    batches, x, y = _batches64(data, batch, steps, seed), data.X_test[:PROBE_INPUTS], data.y_test[:PROBE_INPUTS]
    draws = {k: v.to(device) for k, v in initial_draws(data.dim, m, data.n_classes, L, seed).items()}
    mup = get_parameterization("mup", L)
    shrunk = replace(mup, name="mup_shrunk", b=(0.5,) + (1.0,) * (L - 1) + (0.5,))
    pairs = [("ipllr", get_parameterization("ipllr", L), get_parameterization("mup_modified", L)),
             ("naive_ip", get_parameterization("naive_ip", L), shrunk),
             ("ipllr", get_parameterization("ipllr", L), mup)]
    rows = []
    with exact_matmul(), small_op_threads(device):
        for label, p, q in pairs:
            fp, fq = (_logits_along(r, init_params(r, draws, activation), batches, activation, eta, x)
                      for r in (p, q))
            df = (fp - fq).abs().max().item()
            rows.append({"pair": f"{label} vs {q.name}", "width": m, "max_abs_f": fp.abs().max().item(),
                         "max_abs_df": df,
                         "relative": df / fp.abs().max().item(),
                         "diverged": _logits_diverged(fp, y) or _logits_diverged(fq, y)})
    return pd.DataFrame(rows)


# ---------------------------------------------------------------- section 5: ranks after one step


def _first_step(p, params, batches, act, eta):
    """One SGD step at the calibrated step-0 rates (calibration on batches 0 and 1)."""
    base = calibrate_step0(p, params, act, batches[0], batches[1], eta) if p.calibrate else None
    leaves = {k: v.clone().requires_grad_(True) for k, v in params.items()}
    abc_loss(p, leaves, *batches[0], act).backward()
    make_sgd(p, leaves, eta, base).step()
    return {k: v.detach() for k, v in leaves.items()}


def first_step_ranks(*, data: Dataset, activation: str, L: int, width: int, batch: int, eta: float = 0.01,
                     inputs: int | None = None, seed: int = 0, device="cpu") -> pd.DataFrame:
    """Ranks after one calibrated IP-LLR step (float64): updates Delta w^l and h^l over the first ``inputs``
    training inputs (all when None); ``input_rank`` is the numerical rank of those inputs, a ceiling for h^1's
    rank (h^1 is affine in x: at most that rank + 1).

    Columns ``kind, layer, numerical_rank, stable_rank, input_rank`` and ``diverged`` (the step diverged: a parameter
    or the loss on those inputs after it is not finite, or that loss exceeds
    :func:`~varlib.integrable.failures.integrable_loss_ceiling`); the ranks are NaN when a value is not finite.
    """
    data = _on(data, device, torch.float64)
    p = get_parameterization("ipllr", L)
    params0 = init_params(p, {k: v.to(device) for k, v in initial_draws(data.dim, width, data.n_classes, L,
                                                                        seed).items()}, activation)
    X, y = data.X_train[:inputs], data.y_train[:inputs]
    with exact_matmul(), small_op_threads(device):
        params1 = _first_step(p, params0, _batches64(data, batch, 2, seed), activation, eta)
        with torch.no_grad():
            loss = abc_loss(p, params1, X, y, activation).item()
        finite = math.isfinite(loss) and all(bool(torch.isfinite(v).all()) for v in params1.values())
        if finite:
            upd = update_ranks(params0, params1)
            pre = preactivation_ranks(p, params1, X, activation)
        else:  # the SVD of a non-finite matrix fails: no ranks
            upd = _no_ranks([k for k in params0 if k.startswith("w")])
            pre = _no_ranks([f"h{l}" for l in range(1, L + 1)])
    ranks = pd.concat([upd.assign(kind="update Δw"), pre.assign(kind="pre-activation h")], ignore_index=True)
    ranks["layer"] = ranks.name.str.lstrip("wh").astype(int)
    ranks["diverged"] = not (finite and loss <= integrable_loss_ceiling(data.n_classes))
    ranks["input_rank"] = numerical_rank(X)
    return ranks[["kind", "layer", "numerical_rank", "stable_rank", "input_rank", "diverged"]]


def _no_ranks(names: list[str]) -> pd.DataFrame:
    """The rows of :func:`~varlib.integrable.diagnostics.rank_table` for ``names``, every rank NaN."""
    return pd.DataFrame({"name": names, "numerical_rank": math.nan, "stable_rank": math.nan,
                         "squared_trace_rank": math.nan})
