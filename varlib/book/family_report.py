"""What the family chapter reports: how far the integer widths miss their budgets, and its scorecard."""
from __future__ import annotations

import pandas as pd

from varlib.book.report import phrase, verdict

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


def family_scorecard(table: pd.DataFrame, collapsed: pd.DataFrame, tol: float = 0.05) -> list[dict]:
    """Scorecard rows of the family chapter from its table and its collapse fractions.

    ``collapsed``: fraction of draws with CV < 1e-2, index depth, columns activation.
    """
    dev = table.rel_deviation.abs()
    deep = table[table.depth >= 2].sort_values("depth")
    rises = bool(deep.groupby("budget").activation_ratio.apply(lambda s: s.is_monotonic_increasing).all())
    l1_max = bool((table[table.depth == 1].activation_ratio.max() >= table.activation_ratio.max() - 1e-12)) \
        if (table.depth == 1).any() else False
    shallow, deepest = collapsed.index.min(), collapsed.index.max()
    relu_deep = float(collapsed.loc[deepest, "relu"]) if "relu" in collapsed else float("nan")
    flat = relu_deep >= 0.5 and float(collapsed.loc[shallow].max()) == 0.0
    return [
        {"claim": "all compared MLPs have the same number of parameters",
         "paper": "equal P (budget not stated)",
         "ours": f"max |ΔP|/P = {dev.max():.1%}; within {tol * 100:g} % up to depth {_last_depth_within(table, tol)}",
         "verdict": verdict(dev.max() <= tol, True)},
        {"claim": "at fixed P, deeper nets have more activations (ρ = N/P rises with depth)",
         "paper": "implied by 'variability rises with activations'",
         "ours": f"ρ monotone in depth for L ≥ 2: {rises}; L = 1 has the largest ρ: {l1_max}",
         "verdict": verdict(rises and not l1_max, rises)},
        {"claim": "very deep random nets collapse to a constant (C2C)",
         "paper": "qualitative (figure values unknown)",
         "ours": f"ReLU collapsed fraction at L = {deepest}: {relu_deep:.2f}; at L = {shallow}: "
                 f"{float(collapsed.loc[shallow].max()):.2f}",
         "verdict": verdict(flat, evidence=[relu_deep])},
    ]
