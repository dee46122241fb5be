"""Landscapes of random MLPs over the data domain (Yu & Zhang, arXiv 2105.08911).

The *landscape* of a net f over [-1, 1]^2 is the n x n array F[i, j] =
f(x_i, y_j) on a uniform grid. Its coefficient of variation

    CV(F) = std(F) / rms(F),   rms(F) = sqrt(mean F^2)

is ~0 for a net that has collapsed to a constant ("Collapse to Constant",
C2C) and of order 1 for a varied one (spec section 2.5).

V3, the landscape statistic of the variability chapter (spec section 2.3;
the paper's own formula is unknown: this is our protocol), uses third forward
differences along both grid axes, normalised by the RMS of the landscape:

    V3(F) = 1/2 (mean |D3x F| + mean |D3y F|) / rms(F),   D3x F[i, j] = F[i+3, j] - 3F[i+2, j] + 3F[i+1, j] - F[i, j]

(no h^-3 factor, so V3 is only comparable at a fixed grid size n). The RMS,
not the std, is the normaliser: a collapsed net then has V3 ~ 0 instead of
amplified residual wiggles. A draw is *collapsed* (C2C) when CV < tau and
*dead* when some hidden layer outputs exactly 0 at every grid point.

The stylised problem is a k x k checkerboard on [-1, 1]^2 with labels
+-1 = 2 ((i + j) mod 2) - 1 for cell (i, j), sampled on an m x m grid of
cell-interior points and fitted with full-batch Adam on the logistic loss.
"""
from __future__ import annotations

import torch

from varlib.ensemble import MLPEnsemble, forward

__all__ = ["grid_points", "landscapes", "coefficient_of_variation", "random_landscapes",
           "collapse_table", "VARIABILITY_ACTIVATIONS", "CHAPTER_PROFILES", "v3", "collapse_flags",
           "grid_measures", "init_gradient_norms", "variability_draws", "checkerboard", "train_checkerboard",
           "variability_summary", "training_summary", "trainability_correlation", "variability_scorecard"]

#: Activations of this chapter (a name may carry a parameter: ``"leaky_relu:0.1"``).
VARIABILITY_ACTIVATIONS = ("relu", "abs", "tanh", "leaky_relu")

#: Sizes per profile. Variability: ``draws`` random nets per (activation, budget, depth) on a ``grid``^2
#: grid; training: ``seeds`` nets per (activation, depth) at ``train_budget`` on a ``board`` x ``board``
#: checkerboard sampled on ``train_grid``^2 points, ``steps`` full-batch Adam steps at ``lr``. L = 1 is
#: always added and reported apart from the depth trends (spec section 2.2).
CHAPTER_PROFILES = {
    "smoke": {"budgets": [500], "depths": [2, 16], "draws": 4, "grid": 24, "landscape_depths": [2, 16],
              "tau": 1e-2, "sigma_b": 0.1, "train_budget": 500, "train_depths": [2, 4], "seeds": 2,
              "steps": 40, "lr": 3e-3, "board": 4, "train_grid": 16, "eval_every": 10, "success_acc": 0.99},
    "standard": {"budgets": [2000, 5000], "depths": [2, 4, 8, 16, 32, 48, 64, 96], "draws": 50,
                 "grid": 64, "landscape_depths": [2, 8, 16, 32, 64], "tau": 1e-2, "sigma_b": 0.1,
                 "train_budget": 2000, "train_depths": [2, 4, 8, 16, 32], "seeds": 5, "steps": 1500,
                 "lr": 3e-3, "board": 8, "train_grid": 32, "eval_every": 50, "success_acc": 0.99},
    "full": {"budgets": [2000, 5000, 10000], "depths": [2, 4, 8, 16, 24, 32, 48, 64, 96, 128], "draws": 1000,
             "grid": 256, "landscape_depths": [2, 8, 16, 32, 64, 128], "tau": 1e-2, "sigma_b": 0.1,
             "train_budget": 2000, "train_depths": [2, 4, 8, 16, 24, 32, 48, 64], "seeds": 20, "steps": 3000,
             "lr": 3e-3, "board": 8, "train_grid": 32, "eval_every": 25, "success_acc": 0.99},
}


def grid_points(n: int, low: float = -1.0, high: float = 1.0, device="cpu", dtype=torch.float32) -> torch.Tensor:
    """The n*n points of a uniform grid over [low, high]^2, shape (n*n, 2), row-major in (x, y)."""
    if isinstance(n, bool) or not isinstance(n, int) or n < 2:
        raise ValueError(f"grid size n must be an integer >= 2, got {n!r}")
    g = torch.linspace(low, high, n, device=device, dtype=dtype)
    return torch.cartesian_prod(g, g)


@torch.no_grad()
def landscapes(ens: MLPEnsemble, n: int, chunk: int = 1 << 14) -> torch.Tensor:
    """Outputs of every member on the n x n grid over [-1,1]^2: shape (R, n, n) (first output only)."""
    dev, dtype = ens.weights[0].device, ens.weights[0].dtype
    x = grid_points(n, device=dev, dtype=dtype)
    out = torch.cat([forward(ens, xs)[..., 0] for xs in x.split(chunk)], dim=1)   # (R, n*n)
    return out.view(ens.members, n, n)


def coefficient_of_variation(F: torch.Tensor) -> torch.Tensor:
    """std / rms over the last two axes; 0 for a constant landscape (an all-zero one included)."""
    flat = F.flatten(-2).to(torch.float64)
    rms = flat.square().mean(-1).sqrt()
    return torch.where(rms > 0, flat.std(-1, correction=0) / rms.clamp_min(1e-300), torch.zeros_like(rms))


def random_landscapes(budget: int, depth: int, activation: str, draws: int, n: int, *, sigma_b: float = 0.1,
                      seed: int = 0, device="auto") -> dict:
    """Landscapes of ``draws`` random well-scaled family members of depth ``depth`` at ``budget``.

    Returns ``{"width", "landscapes": (draws, n, n) float32 on CPU, "cv": (draws,)}``.
    """
    from varlib.ensemble import init_mlp_ensemble
    from varlib.family import width_for_budget

    width = width_for_budget(budget, depth)
    ens = init_mlp_ensemble(draws, depth, width, activation, sigma_b=sigma_b, seed=seed, device=device)
    F = landscapes(ens, n)
    return {"width": width, "landscapes": F.float().cpu(), "cv": coefficient_of_variation(F).cpu()}


def collapse_table(cv: dict, threshold: float = 1e-2):
    """Fraction of draws with CV < ``threshold`` per depth (rows) and activation (columns).

    ``cv`` maps ``(activation, depth)`` to a tensor of per-draw CVs.
    """
    import pandas as pd

    if not threshold > 0:
        raise ValueError(f"threshold must be > 0, got {threshold!r}")
    rows = [{"activation": a, "depth": d, "collapsed": float((v < threshold).double().mean())}
            for (a, d), v in cv.items()]
    return pd.DataFrame(rows).pivot(index="depth", columns="activation", values="collapsed")


# ----------------------------------------------------------------------------- measures of one landscape

def _check_activation(activation: str) -> str:
    if not isinstance(activation, str) or activation.split(":")[0] not in VARIABILITY_ACTIVATIONS:
        raise ValueError(f"unknown activation {activation!r} for the variability measures; allowed: "
                         f"{', '.join(VARIABILITY_ACTIVATIONS)} (leaky_relu may carry its slope: 'leaky_relu:0.1')")
    return activation


def v3(F: torch.Tensor) -> torch.Tensor:
    """RMS-normalised third differences of landscapes ``F`` (..., n, n) -> (...); 0 for a constant 0 map."""
    if F.dim() < 2 or min(F.shape[-2:]) < 4:
        raise ValueError(f"V3 needs a grid of at least 4 x 4 points (third differences), got {tuple(F.shape)}")
    F = F.to(torch.float64)
    d3 = 0.5 * (torch.diff(F, n=3, dim=-2).abs().mean((-2, -1)) + torch.diff(F, n=3, dim=-1).abs().mean((-2, -1)))
    rms = F.square().mean((-2, -1)).sqrt()
    return torch.where(rms > 0, d3 / rms.clamp_min(1e-300), torch.zeros_like(rms))


def collapse_flags(cv: torch.Tensor, tau: float = 1e-2) -> torch.Tensor:
    """C2C flags: CV < ``tau`` (a project choice, default 1e-2)."""
    if isinstance(tau, bool) or not isinstance(tau, (int, float)) or not tau > 0:
        raise ValueError(f"the collapse threshold tau must be a number > 0, got {tau!r}")
    return cv < tau


@torch.no_grad()
def grid_measures(ens: MLPEnsemble, n: int, max_floats: int = 1 << 25) -> dict:
    """Landscapes (R, n, n), dead-layer flags (R,) and ReLU-active fractions (R,) in one chunked pass.

    *dead*: some hidden layer outputs exactly 0 for every unit at every grid point. *active fraction*:
    mean over hidden units and grid points of [pre-activation > 0]. The pass keeps every layer's
    pre-activations of a chunk of points, (R, chunk, L w) floats, at most ``max_floats``.
    """
    if isinstance(n, bool) or not isinstance(n, int) or n < 4:
        raise ValueError(f"grid size n must be an integer >= 4 (V3 takes third differences), got {n!r}")
    x = grid_points(n, device=ens.weights[0].device, dtype=ens.weights[0].dtype)
    chunk = max(64, max_floats // (ens.members * ens.depth * ens.weights[0].shape[1]))
    alive = torch.zeros(ens.members, ens.depth, dtype=torch.bool, device=x.device)
    active = torch.zeros(ens.members, dtype=torch.float64, device=x.device)
    outs = []
    for xs in x.split(chunk):
        out, pre = forward(ens, xs, return_preactivations=True)      # (R, B, 1), L x (R, B, w)
        outs.append(out[..., 0])
        for l, z in enumerate(pre):
            alive[:, l] |= (ens.activation(z) != 0).flatten(1).any(1)
            active += (z > 0).flatten(1).double().sum(1)
    F = torch.cat(outs, 1).view(ens.members, n, n)
    units = ens.depth * ens.weights[0].shape[1] * n * n
    return {"landscapes": F, "dead": ~alive.all(1), "active_fraction": active / units}


def _member_slice(ens: MLPEnsemble, idx: slice) -> MLPEnsemble:
    return MLPEnsemble([w[idx] for w in ens.weights], [b[idx] for b in ens.biases], ens.activation)


def init_gradient_norms(ens: MLPEnsemble, x: torch.Tensor, y: torch.Tensor, loss: str = "logistic",
                        max_floats: int = 1 << 24) -> dict:
    """Per-layer gradient norms of every member's loss at its current weights.

    Returns ``{"weights": (R, L + 1), "biases": (R, L + 1)}``: Frobenius norms of d loss / d W_l and
    d loss / d b_l for the L hidden layers, then the output layer. The bias gradient is the backpropagated
    error summed over the data, sum_i d loss / d z_l(x_i): the quantity that vanishes under
    "vanishing gradients". Members go through in chunks of at most ``max_floats`` stored activations.
    """
    from varlib.training import member_losses

    per_chunk = max(1, max_floats // (x.shape[0] * ens.depth * ens.weights[0].shape[1]))
    norms = {"weights": [], "biases": []}
    for start in range(0, ens.members, per_chunk):
        part = _member_slice(ens, slice(start, start + per_chunk))
        part = MLPEnsemble([w.detach().requires_grad_(True) for w in part.weights],
                           [b.detach().requires_grad_(True) for b in part.biases], part.activation)
        grads = torch.autograd.grad(member_losses(part, x, y, loss).sum(), part.weights + part.biases)
        for kind, gs in (("weights", grads[:ens.depth + 1]), ("biases", grads[ens.depth + 1:])):
            norms[kind].append(torch.stack([g.flatten(1).norm(dim=1) for g in gs], 1))
    return {kind: torch.cat(v).detach() for kind, v in norms.items()}


# ----------------------------------------------------------------------------- draws, checkerboard, training

def variability_draws(budget: int, depth: int, activation: str, draws: int, n: int, *, tau: float = 1e-2,
                      sigma_b: float = 0.1, board: int = 8, train_grid: int = 32, seed: int = 0,
                      device="auto") -> dict:
    """Every measure of ``draws`` random family members of one (budget, depth, activation).

    Returns ``{"draws": DataFrame (one row per draw), "gradients": DataFrame (draw, layer, parameter, grad_norm),
    "example": (n, n) landscape of draw 0}``. Gradients are of the logistic loss on the checkerboard.
    """
    import pandas as pd

    from varlib.ensemble import init_mlp_ensemble
    from varlib.family import param_count, width_for_budget

    _check_activation(activation)
    collapse_flags(torch.zeros(1), tau)                                 # validates tau
    width = width_for_budget(budget, depth)
    ens = init_mlp_ensemble(draws, depth, width, activation, sigma_b=sigma_b, seed=seed, device=device)
    m = grid_measures(ens, n)
    F, cv = m["landscapes"], coefficient_of_variation(m["landscapes"])
    x, y = checkerboard(board, train_grid, device=F.device)
    grads = init_gradient_norms(ens, x, y)
    g, gb = grads["weights"].cpu().double(), grads["biases"].cpu().double()
    P = param_count(depth, width)
    rows = pd.DataFrame({"activation": activation, "budget": budget, "depth": depth, "width": width, "params": P,
                         "activations": depth * width, "rho": depth * width / P, "draw": range(draws),
                         "v3": v3(F).cpu().numpy(), "cv": cv.cpu().numpy(),
                         "collapsed": collapse_flags(cv, tau).cpu().numpy(),
                         "collapsed_strict": collapse_flags(cv, tau / 10).cpu().numpy(),
                         "dead": m["dead"].cpu().numpy(), "active_fraction": m["active_fraction"].cpu().numpy(),
                         "grad_first": g[:, 0].numpy(), "grad_last_hidden": g[:, depth - 1].numpy(),
                         "grad_output": g[:, depth].numpy(), "bias_grad_first": gb[:, 0].numpy(),
                         "bias_grad_last_hidden": gb[:, depth - 1].numpy()})
    layers = pd.DataFrame({"activation": activation, "budget": budget, "depth": depth,
                           "draw": torch.arange(draws).repeat_interleave(depth + 1).repeat(2).numpy(),
                           "layer": torch.arange(1, depth + 2).repeat(2 * draws).numpy(),
                           "parameter": ["weight"] * (draws * (depth + 1)) + ["bias"] * (draws * (depth + 1)),
                           "grad_norm": torch.cat([g.flatten(), gb.flatten()]).numpy()})
    return {"draws": rows, "gradients": layers, "example": F[0].float().cpu()}


def checkerboard(k: int, m: int, device="cpu", dtype=torch.float32) -> tuple[torch.Tensor, torch.Tensor]:
    """The k x k checkerboard on [-1,1]^2 sampled on m x m cell-interior points: x (m^2, 2), y (m^2, 1) in +-1.

    Point coordinates are -1 + (2i + 1)/m; cell (i, j) has label 2 ((i + j) mod 2) - 1. ``m`` must be a
    multiple of ``k`` so that every cell holds (m/k)^2 points and none lies on a cell border.
    """
    for name, v in (("board size k", k), ("training grid m", m)):
        if isinstance(v, bool) or not isinstance(v, int) or v < 1:
            raise ValueError(f"{name} must be a positive integer, got {v!r}")
    if m % k:
        raise ValueError(f"the training grid m={m} must be a multiple of the board size k={k}")
    g = -1 + (2 * torch.arange(m, dtype=torch.float64) + 1) / m
    x = torch.cartesian_prod(g, g)
    cells = ((x + 1) / 2 * k).floor().long()
    y = 2 * ((cells[:, 0] + cells[:, 1]) % 2) - 1
    return x.to(device, dtype), y.to(device, dtype).unsqueeze(1)


def train_checkerboard(budget: int, depth: int, activation: str, seeds: int, *, board: int = 8,
                       train_grid: int = 32, steps: int = 3000, lr: float = 3e-3, sigma_b: float = 0.1,
                       eval_every: int = 50, success_acc: float = 0.99, seed: int = 0, device="auto",
                       progress: bool = False) -> dict:
    """Train ``seeds`` family members at once on the checkerboard; one row per seed in ``{"runs": DataFrame}``.

    Success: training accuracy >= ``success_acc`` at some evaluation (every ``eval_every`` steps and after
    the last). ``steps_to_success`` is the first such evaluation step (-1 if never). Member r starts from
    the same weights as variability draw r of :func:`variability_draws` with the same seed.
    """
    import pandas as pd

    from varlib.ensemble import init_mlp_ensemble
    from varlib.family import width_for_budget
    from varlib.training import accuracy_pm1, train_ensemble

    _check_activation(activation)
    if not 0 < success_acc <= 1:
        raise ValueError(f"success_acc must be in (0, 1], got {success_acc!r}")
    width = width_for_budget(budget, depth)
    ens = init_mlp_ensemble(seeds, depth, width, activation, sigma_b=sigma_b, seed=seed, device=device)
    x, y = checkerboard(board, train_grid, device=ens.weights[0].device)
    res = train_ensemble(ens, x, y, steps=steps, lr=lr, metric=accuracy_pm1, eval_every=eval_every,
                         progress=progress, desc=f"{activation} L={depth}")
    acc = res.metrics.double()                                          # (n_evals, R)
    hit = acc >= success_acc
    first = torch.tensor(res.eval_steps)[hit.int().argmax(0)]
    return {"runs": pd.DataFrame({
        "activation": activation, "budget": budget, "depth": depth, "width": width, "seed": range(seeds),
        "best_accuracy": acc.max(0).values.numpy(), "final_accuracy": acc[-1].numpy(),
        "success": hit.any(0).numpy(), "steps_to_success": torch.where(hit.any(0), first, -1).numpy(),
        "final_loss": res.final_loss.numpy(), "diverged": res.diverged.numpy()})}


# ----------------------------------------------------------------------------- tables and verdicts

def variability_summary(draws):
    """Per (activation, budget, depth): V3 mean/std, C2C and dead fractions, medians of the gradient norms."""
    d = draws.assign(grad_ratio=draws.grad_first / draws.grad_last_hidden,
                     bias_grad_ratio=draws.bias_grad_first / draws.bias_grad_last_hidden)
    g = d.groupby(["activation", "budget", "depth"])
    return g.agg(width=("width", "first"), params=("params", "first"), activations=("activations", "first"),
                 rho=("rho", "first"), v3_mean=("v3", "mean"), v3_std=("v3", "std"), cv_median=("cv", "median"),
                 c2c=("collapsed", "mean"), c2c_strict=("collapsed_strict", "mean"), dead=("dead", "mean"),
                 active_fraction=("active_fraction", "mean"), grad_first=("grad_first", "median"),
                 grad_last_hidden=("grad_last_hidden", "median"),
                 grad_output=("grad_output", "median"), grad_ratio=("grad_ratio", "median"),
                 bias_grad_ratio=("bias_grad_ratio", "median"), draws=("draw", "size")).reset_index()


def training_summary(runs):
    """Per (activation, budget, depth): success rate, best accuracy (mean, std), median steps to success."""
    ok = runs.assign(steps_ok=runs.steps_to_success.where(runs.success))
    return ok.groupby(["activation", "budget", "depth"]).agg(
        width=("width", "first"), success_rate=("success", "mean"), best_accuracy=("best_accuracy", "mean"),
        best_accuracy_std=("best_accuracy", "std"), steps_to_success=("steps_ok", "median"),
        diverged=("diverged", "mean"), seeds=("seed", "size")).reset_index()


def trainability_correlation(vsum, tsum):
    """Spearman correlations across (activation, depth >= 2) points of a predictor and a training outcome.

    Predictors: mean V3 and the activation ratio rho (at the training budget); outcomes: success rate
    and mean best accuracy. Returns a tidy table (predictor, outcome, spearman, p_value, points).
    """
    import pandas as pd
    from scipy.stats import spearmanr

    budget = tsum.budget.iloc[0]
    if budget not in set(vsum.budget):
        raise ValueError(f"the training budget {budget} has no variability draws; add it to the budgets")
    both = tsum[tsum.depth >= 2].merge(vsum[vsum.budget == budget], on=["activation", "budget", "depth"])
    rows = []
    for pred in ("v3_mean", "rho"):
        for out in ("success_rate", "best_accuracy"):
            const = both[pred].nunique() < 2 or both[out].nunique() < 2
            r, p = (float("nan"), float("nan")) if const else spearmanr(both[pred], both[out])
            rows.append({"predictor": pred, "outcome": out, "spearman": float(r), "p_value": float(p),
                         "points": len(both)})
    return pd.DataFrame(rows)


def _curves(vsum):
    """(activation, budget) -> its depth >= 2 rows sorted by depth."""
    deep = vsum[vsum.depth >= 2].sort_values("depth")
    return {key: c for key, c in deep.groupby(["activation", "budget"])}


def _spearman(a, b) -> float:
    from scipy.stats import spearmanr

    return float("nan") if len(a) < 3 or a.nunique() < 2 or b.nunique() < 2 else float(spearmanr(a, b)[0])


def _grade(score: float, full: float, part: float) -> str:
    if score != score:                                              # NaN: nothing to judge
        return "not tested"
    return "reproduced" if score >= full else "partly reproduced" if score >= part else "not reproduced"


def _rise_row(vsum) -> dict:
    rs = {k: _spearman(c.activations[c.c2c <= 0.1], c.v3_mean[c.c2c <= 0.1]) for k, c in _curves(vsum).items()}
    worst = min((r for r in rs.values() if r == r), default=float("nan"))
    return {"claim": "variability (V3) rises with the number of activations N at fixed P",
            "paper": "positive correlation (no number known)",
            "ours": "Spearman(N, mean V3) over depths ≥ 2 with C2C ≤ 10 %: "
                    + ", ".join(f"{a} P={b}: {r:.2f}" for (a, b), r in rs.items()),
            "verdict": _grade(worst, 0.8, 0.0 + 1e-12)}


def _fall_row(vsum, draws) -> dict:
    ratios = {}
    for k, c in _curves(vsum).items():
        hit = c[c.c2c >= 0.5]
        if len(hit):
            ratios[k] = float(hit.v3_mean.iloc[0] / c.v3_mean.max())
    col = draws[draws.collapsed & (draws.depth >= 2)].v3.median() / draws[~draws.collapsed].v3.median()
    share = sum(r <= 0.5 for r in ratios.values()) / len(ratios) if ratios else float("nan")
    return {"claim": "variability falls as Collapse to Constant (C2C) sets in",
            "paper": "negative correlation (no number known)",
            "ours": "V3 at the first depth with C2C ≥ 50 %, relative to the peak V3: "
                    + (", ".join(f"{a} P={b}: {r:.2f}" for (a, b), r in ratios.items()) or "no curve collapses")
                    + f"; median V3 of collapsed / non-collapsed draws: {col:.2g}",
            "verdict": _grade(share, 1.0, 0.5)}


def _peak_row(vsum) -> dict:
    peaks = {k: int(c.depth.iloc[int(c.v3_mean.values.argmax())]) for k, c in _curves(vsum).items()}
    inner = {k: c.depth.min() < peaks[k] < c.depth.max() for k, c in _curves(vsum).items()}
    return {"claim": "with depth, variability first rises, peaks, then falls",
            "paper": "summary of the full text (unverified)",
            "ours": "peak depth of mean V3: " + ", ".join(f"{a} P={b}: L={d}" for (a, b), d in peaks.items()),
            "verdict": _grade(sum(inner.values()) / max(len(inner), 1), 1.0, 0.5)}


def _gradient_row(draws) -> dict:
    """Collapsed (non-dead) nets keep a trainable output layer while their first layer's gradient shrinks."""
    def med(col, sel):
        return float(draws.loc[sel, col].median()) if sel.any() else float("nan")

    sel, ok = draws.collapsed & ~draws.dead & (draws.depth >= 2), ~draws.collapsed
    out = med("grad_output", sel) / med("grad_output", ok)
    first = med("grad_first", sel) / med("grad_first", ok)
    verdict = "not tested" if sel.sum() < 5 else _grade(out, 0.1, 0.01)
    return {"claim": "C2C is related to, but not the same as, vanishing gradients",
            "paper": "qualitative", "verdict": verdict,
            "ours": f"{int(sel.sum())} collapsed, non-dead draws vs non-collapsed ones, ratio of median loss-gradient "
                    f"norms at init: output layer {out:.2g}, first hidden layer {first:.2g}; "
                    f"dead draws: first-layer gradient {med('grad_first', draws.dead):.2g}"}


def _predict_row(corr) -> dict:
    get = corr.set_index(["predictor", "outcome"])
    s, p = get.loc[("v3_mean", "success_rate"), ["spearman", "p_value"]]
    b = get.loc[("v3_mean", "best_accuracy"), "spearman"]
    full = s == s and s >= 0.7 and p < 0.05
    part = max(s if s == s else -1.0, b if b == b else -1.0) >= 0.4
    verdict = "reproduced" if full else "partly reproduced" if part else \
        "not tested" if s != s and b != b else "not reproduced"
    return {"claim": "variability predicts trainability on the checkerboard", "paper": "'accurately' (no number)",
            "ours": f"Spearman(V3, success rate) = {s:.2f} (p = {p:.2g}); Spearman(V3, best accuracy) = {b:.2f}; "
                    f"{int(get.points.iloc[0])} (activation, depth) points",
            "verdict": verdict}


def _abs_rows(vsum, tsum) -> list[dict]:
    deep = vsum[vsum.depth >= 2].pivot_table(index=["budget", "depth"], columns="activation",
                                            values=["v3_mean", "c2c"])
    win = float((deep["v3_mean"]["abs"] > deep["v3_mean"]["relu"]).mean())
    onset = {b: {a: (c.depth[c.c2c >= 0.5].min() if (c.c2c >= 0.5).any() else float("inf"))
                 for (a, bb), c in _curves(vsum).items() if bb == b} for b in vsum.budget.unique()}
    later = [o["abs"] > o["relu"] for o in onset.values() if o.get("relu", float("inf")) < float("inf")]
    t = tsum[tsum.depth >= 2].groupby("activation")[["success_rate", "best_accuracy"]].mean()
    s_win, b_win = t.loc["abs", "success_rate"] > t.loc["relu", "success_rate"], \
        t.loc["abs", "best_accuracy"] > t.loc["relu", "best_accuracy"]
    return [
        {"claim": "|x| gives higher variability than ReLU", "paper": "qualitative",
         "ours": f"mean V3 of |x| > ReLU at {win:.0%} of (budget, depth ≥ 2) points",
         "verdict": _grade(win, 0.8, 0.5)},
        {"claim": "|x| resists C2C better than ReLU", "paper": "summary of the full text (unverified)",
         "ours": "first depth with C2C ≥ 50 % (ReLU vs |x|): "
                 + ", ".join(f"P={b}: {o.get('relu')} vs {o.get('abs')}" for b, o in onset.items()),
         "verdict": _grade(sum(later) / len(later), 1.0, 0.5) if later else "not tested"},
        {"claim": "|x| MLPs train better than ReLU MLPs (checkerboard)", "paper": "implied by the two claims above",
         "ours": f"mean success rate over depths: |x| {t.loc['abs', 'success_rate']:.2f} vs ReLU "
                 f"{t.loc['relu', 'success_rate']:.2f}; mean best accuracy {t.loc['abs', 'best_accuracy']:.3f} vs "
                 f"{t.loc['relu', 'best_accuracy']:.3f}",
         "verdict": "reproduced" if s_win and b_win else "partly reproduced" if s_win or b_win else "not reproduced"},
    ]


def variability_scorecard(draws, vsum, tsum, corr) -> list[dict]:
    """Scorecard rows (claim, paper, ours, verdict) computed from the chapter's tables (depths >= 2 only).

    Thresholds (project choices): *rise*: Spearman(N, mean V3) over the depths with C2C <= 10 %, worst
    curve >= 0.8 reproduced, > 0 partly. *Fall*: V3 at the first depth with C2C >= 50 % at most half the
    peak, for every curve (some: partly). *Peak*: the V3 peak strictly inside the depth range for every
    curve (half: partly). *Gradients*: collapsed non-dead draws keep >= 10 % (>= 1 %: partly) of the
    non-collapsed median output-layer gradient; fewer than 5 such draws: not tested. *Prediction*:
    Spearman(V3, success rate) >= 0.7 with p < 0.05 reproduced; >= 0.4 for success rate or best accuracy
    partly. *|x| vs ReLU*: higher mean V3 at >= 80 % of points (>= 50 %: partly); later C2C onset
    (CV < tau for half the draws) at every budget; higher mean success rate and best accuracy (one: partly).
    """
    return [_rise_row(vsum), _fall_row(vsum, draws), _peak_row(vsum), _gradient_row(draws),
            _predict_row(corr), *_abs_rows(vsum, tsum)]
