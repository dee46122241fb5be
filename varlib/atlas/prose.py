"""The numbers and words the atlas chapter's prose reads (glued), chosen from the computed tables."""
from __future__ import annotations

import pandas as pd

from varlib.atlas.predict import NONLINEAR_SCORES, TARGET
from varlib.core.stats import interval_text

__all__ = ["lens_winners", "correlation_table", "pull_apart_sentence", "atlas_facts"]


def lens_winners(partial: pd.DataFrame) -> pd.DataFrame:
    """Per pool (budget, activation): the lens score with the largest partial rank correlation given depth among
    those whose interval lies above 0 (``winner``, its ``r`` [low, high]); ``winner`` "none" where all fail."""
    rows = []
    for (budget, act), part in partial[partial.score.isin(NONLINEAR_SCORES)].groupby(["budget", "activation"]):
        ok = part[part.low > 0].sort_values("r", ascending=False)
        best = ok.iloc[0] if len(ok) else None
        rows.append({"budget": budget, "activation": act, "winner": "none" if best is None else best.score,
                     "partial r": "" if best is None else interval_text(best.r, best.low, best.high)})
    return pd.DataFrame(rows)


def correlation_table(correlations: pd.DataFrame, partial: pd.DataFrame) -> pd.DataFrame:
    """One row per (lens, score), one column per (budget, activation) and kind (r, partial r given depth), each
    cell ``r [low, high]`` ("n/a" where undefined)."""
    both = pd.concat([correlations.assign(kind="r"), partial.assign(kind="partial r | depth")])
    both["text"] = [interval_text(r, lo, hi) for r, lo, hi in zip(both.r, both.low, both.high)]
    both["pool"] = both.activation + " P=" + both.budget.astype(str)
    wide = both.pivot_table(index=["lens", "score"], columns=["pool", "kind"], values="text", aggfunc="first",
                            sort=False)
    return wide.reindex(columns=sorted(wide.columns, key=lambda c: (c[0], c[1] != "r")))


def pull_apart_sentence(table: pd.DataFrame, correlations: pd.DataFrame, partial: pd.DataFrame) -> str:
    """Where depth and a lens pull apart in this run: the first (budget, activation, score) of the verdict scores
    whose plain and partial correlations both exclude 0 with opposite signs, with the depth whose mean score is
    highest and that depth's mean best accuracy; a sentence saying there is none otherwise."""
    both = correlations.merge(partial, on=["budget", "activation", "score"], suffixes=("", "_partial"))
    both = both[both.score.isin(NONLINEAR_SCORES)]
    apart = both[((both.high < 0) & (both.low_partial > 0)) | ((both.low > 0) & (both.high_partial < 0))]
    if apart.empty:
        return ("In this run no lens score has plain and partial correlations of opposite signs whose intervals "
                "both exclude zero: depth and the lenses do not pull apart.")
    row = apart.iloc[0]
    pool = table[table.trained & (table.budget == row.budget) & (table.activation == row.activation)]
    means = pool.groupby("depth")[[row.score, TARGET]].mean()
    top = means[row.score].idxmax()
    return (f"In this run they do for {row.score} of {row.activation} nets (P = {row.budget}): across depths "
            f"r = {interval_text(row.r, row.low, row.high)}, within depths partial r = "
            f"{interval_text(row.r_partial, row.low_partial, row.high_partial)}. The depth with the highest mean "
            f"{row.score}, L = {top} ({means[row.score][top]:.3g}), has a mean best accuracy of "
            f"{means[TARGET][top]:.2f}, against {means[TARGET].max():.2f} at the best depth.")


def atlas_facts(table: pd.DataFrame, partial: pd.DataFrame) -> dict:
    """Values for the prose: rows, trained runs, success rate, the winners and the pools where every lens fails."""
    trained = table[table.trained]
    win = lens_winners(partial)
    pools = [f"{r.activation} (P = {r.budget})" for r in win.itertuples()]
    won = [f"{r.winner} for {p}" for r, p in zip(win.itertuples(), pools) if r.winner != "none"]
    failed = [p for r, p in zip(win.itertuples(), pools) if r.winner == "none"]
    return {"rows": len(table), "trained": len(trained), "success": float(trained.success.mean()),
            "best-accuracy": float(trained.best_accuracy.mean()), "winners": won or ["no lens in any pool"],
            "all-fail": (f"Every nonlinear lens fails beyond depth for {', '.join(failed)}." if failed else
                         "In every pool at least one nonlinear lens beats depth."), "c2c": int(table.c2c.sum())}
