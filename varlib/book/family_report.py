"""What the family chapter reports: how far the integer widths miss their budgets, and its scorecard."""
from __future__ import annotations

import pandas as pd

from varlib.book.report import phrase, setup_check, verdict
from varlib.core.family import param_count
from varlib.core.stats import wilson_interval

__all__ = ["budget_misses", "deepest_draws", "family_scorecard"]


def _last_depth_within(table: pd.DataFrame, tol: float) -> int:
    """The largest depth d such that every depth <= d misses its budget by at most ``tol``."""
    worst = table.assign(dev=table.rel_deviation.abs()).groupby("depth").dev.max()
    bad = worst.index[worst > tol]
    return int(worst.index[worst.index < bad.min()].max()) if len(bad) else int(worst.index.max())


def budget_misses(table: pd.DataFrame, tol: float = 0.05) -> dict:
    """For :func:`~varlib.core.family.family_table`: the largest depth up to which every member is within
    ``tol`` of its budget, and the member with the largest miss (its depth, budget, width, P and relative miss)."""
    worst = table.loc[table.rel_deviation.abs().idxmax()]
    return {"within_depth": _last_depth_within(table, tol), "tol": tol, "worst_depth": int(worst.depth),
            "worst_budget": int(worst.budget), "worst_width": int(worst.width), "worst_params": int(worst.params),
            "worst_miss": float(abs(worst.rel_deviation))}


def deepest_draws(cv: dict, collapse_cv: float) -> dict:
    """What the first draw at the deepest depth looks like, per activation: its CV and the words for it.

    ``cv`` maps (activation, depth) to the per-draw CVs; a CV of exactly 0 is a flat draw, one below
    ``collapse_cv`` a collapsed one."""
    deepest = max(depth for _, depth in cv)
    out: dict = {"deepest": deepest}
    for act in sorted({a for a, _ in cv}):
        first = float(cv[(act, deepest)][0])
        out[f"deepest_{act}_cv"] = first
        out[f"deepest_{act}"] = "is exactly flat" if first == 0 else phrase(
            first, low=collapse_cv, high=collapse_cv, below="has collapsed, with only faint ripples left",
            between="sits at the collapse threshold", above="still varies")
    return out


def _closest_widths(table: pd.DataFrame) -> bool:
    """Whether every member's width gives the parameter count closest to its budget: neither w - 1 (when >= 1)
    nor w + 1 comes closer, counted by :func:`~varlib.core.family.param_count`."""
    def miss(depth, width, budget):
        return abs(param_count(depth, width) - budget)

    return all(miss(d, w, b) <= min(miss(d, v, b) for v in (w - 1, w + 1) if v >= 1)
               for d, w, b in zip(table.depth, table.width, table.budget))


def _collapse_rise(collapsed: pd.DataFrame, draws: int) -> dict:
    """Per activation: (shallowest fraction, its Wilson interval, deepest fraction, its Wilson interval, whether
    the deepest interval lies wholly above the shallowest one)."""
    shallow, deepest = collapsed.index.min(), collapsed.index.max()
    out = {}
    for act in collapsed.columns:
        fs, fd = float(collapsed.loc[shallow, act]), float(collapsed.loc[deepest, act])
        ws, wd = (wilson_interval(round(f * draws), draws) for f in (fs, fd))
        out[act] = (fs, ws, fd, wd, wd[0] > ws[1])
    return out


def family_scorecard(table: pd.DataFrame, collapsed: pd.DataFrame, *, draws: int, tol: float = 0.05) -> list[dict]:
    """Scorecard rows of the family chapter from its table and its collapse fractions.

    ``collapsed``: fraction of the ``draws`` draws with CV below the threshold, index depth, columns activation.
    Equal P (up to integer widths) and rho rising with depth are properties of our construction: setup checks,
    not claims; the first fails when some width is not the closest to its budget. The C2C row
    is reproduced when, for every activation, the Wilson 95 % interval of the collapsed fraction at the deepest
    depth lies wholly above the one at the shallowest depth (for some activations: partly).
    """
    dev = table.rel_deviation.abs()
    closest = _closest_widths(table)
    deep = table[table.depth >= 2].sort_values("depth")
    rises = bool(deep.groupby("budget").activation_ratio.apply(lambda s: s.is_monotonic_increasing).all())
    l1_max = bool((table[table.depth == 1].activation_ratio.max() >= table.activation_ratio.max() - 1e-12)) \
        if (table.depth == 1).any() else False
    shallow, deepest = collapsed.index.min(), collapsed.index.max()
    rise = _collapse_rise(collapsed, draws)
    label = {"relu": "ReLU", "abs": "|x|"}
    return [
        setup_check("every compared MLP has the parameter count closest to its budget (equal P up to integer "
                    "widths)",
                    f"no neighbouring width ($w \\pm 1$) comes closer: {'yes' if closest else 'no'}; "
                    f"max $|\\Delta P|/P$ = {dev.max():.1%}, within "
                    f"{tol * 100:g} % up to depth {_last_depth_within(table, tol)}", closest),
        setup_check("at fixed $P$, deeper nets have more activations ($\\rho = N/P$ rises with depth from $L = 2$)",
                    f"ρ monotone in depth for L ≥ 2: {'yes' if rises else 'no'}"
                    + ("; L = 1 has the largest ρ of all (a 2-D input makes its units cheap), so the rise starts "
                       "at L = 2" if l1_max else ""), rises),
        {"claim": "very deep random nets collapse to a constant (C2C)",
         "paper": "qualitative (figure values unknown)",
         "ours": f"collapsed fraction (Wilson 95 % interval, {draws} draws) at L = {shallow} → L = {deepest}: "
                 + "; ".join(f"{label.get(a, a)} {fs:.2f} [{ws[0]:.2f}, {ws[1]:.2f}] → {fd:.2f} "
                             f"[{wd[0]:.2f}, {wd[1]:.2f}]" for a, (fs, ws, fd, wd, _) in rise.items()),
         "verdict": verdict(all(r[4] for r in rise.values()), any(r[4] for r in rise.values()),
                            evidence=[r[2] for r in rise.values()])},
    ]
