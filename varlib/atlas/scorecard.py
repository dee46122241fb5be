"""The atlas's verdict rows: does each lens predict trainability better than depth alone?

A lens's score *predicts trainability better than depth alone* in a pool (one budget and activation, the trained
draws of every depth) when the bootstrap interval of its partial rank correlation with the best accuracy given depth
(:func:`varlib.atlas.predict.beyond_depth`) lies above 0: among nets of the same depth, higher scores go with better
training. The row is "reproduced" (supported) when that holds in every pool where the score is defined, "partly"
in some, "not reproduced" in none, and "not tested" where no pool defines it. Depth alone (gamma*) is judged by its
plain rank correlation: an interval that excludes 0, of either sign.
"""
from __future__ import annotations

import pandas as pd

from varlib.atlas.predict import LENS_SCORES
from varlib.book.report import verdict
from varlib.core.stats import interval_text

__all__ = ["LENS_PAPERS", "atlas_scorecard", "pool_text"]

#: The paper behind each lens (the "paper" column: the question is this book's, the lens is the paper's).
LENS_PAPERS = {"variability": "Yu & Zhang 2021 (variability predicts trainability)",
               "complexity": "Tseran & Montúfar 2021 (exact region counts)",
               "signal propagation": "Yang & Hu 2021; Hajjar, Chizat & Giraud 2021 (gradients at initialisation)",
               "depth alone (deep linear)": "Ziyin, Li & Meng 2022 ($\\gamma^*$ depends on depth)"}


def pool_text(row) -> str:
    """``activation P=budget: r [low, high]`` for one pool's row."""
    return f"{row.activation} P={row.budget}: {interval_text(row.r, row.low, row.high)}"


def _row(lens: str, score: str, part: pd.DataFrame, claim: str, two_sided: bool) -> dict:
    part = part[(part.score == score) & (part.n >= 3)]
    defined = part[part.r == part.r]
    hits = (defined.low > 0) | (two_sided & (defined.high < 0))
    ours = "; ".join(pool_text(r) for r in part.itertuples()) or "no pool defines it"
    ok = None if defined.empty else bool(hits.all())
    return {"claim": claim, "paper": f"question of this book; lens: {LENS_PAPERS[lens]}",
            "ours": f"{'r' if two_sided else 'partial r given depth'} of {score} with best accuracy: {ours}",
            "verdict": verdict(ok, bool(hits.any()), evidence=[] if defined.empty else list(defined.r))}


def atlas_scorecard(correlations: pd.DataFrame, partial: pd.DataFrame) -> list[dict]:
    """One row per lens: the three nonlinear lenses against depth (partial correlations), then depth alone."""
    rows = [_row(lens, score, partial, f"{lens.capitalize()} ({score}) predicts trainability better than depth "
                                       "alone", two_sided=False)
            for lens, score in LENS_SCORES.items() if score != "gamma_star"]
    rows.append(_row("depth alone (deep linear)", "gamma_star", correlations,
                     "Depth alone ($\\gamma^*$) ranks trainability", two_sided=True))
    return rows
