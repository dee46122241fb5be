"""The variability chapter's sweeps and the tables it shows, built from the results of the cached calls.

:func:`sweep_grid` lists the (activation, budget, depth) items of a sweep of
:func:`~varlib.variability.diagnostics.variability_draws` or
:func:`~varlib.variability.checkerboard.train_checkerboard`; :func:`stack_draws` and :func:`stack_runs` join the
per-item results into one tidy table; the other functions select and shape what a chapter cell shows.
"""
from __future__ import annotations

import pandas as pd

from varlib.variability.measures import COMPARED_ACTIVATIONS

__all__ = ["sweep_grid", "stack_draws", "stack_runs", "landscape_examples", "shown_draws_table", "v3_depth_table",
           "single_layer_table", "collapsed_v3_table", "init_gradient_table"]


def sweep_grid(*, depths, budgets=None) -> list[dict]:
    """The items of a sweep: every activation of ``COMPARED_ACTIVATIONS``, then every budget (when ``budgets``
    is given; none for the training sweep, whose budget is fixed), then depth 1 and every depth of ``depths``.

    L = 1 is always added: it is measured, but reported apart from the depth trends (its activation ratio is
    the largest of the family, see the chapter).
    """
    per_budget = [{}] if budgets is None else [{"budget": b} for b in budgets]
    return [{"activation": a, **b, "depth": d} for a in COMPARED_ACTIVATIONS for b in per_budget
            for d in [1, *depths]]


def stack_draws(measured: list[dict]) -> pd.DataFrame:
    """The per-draw tables of a sweep of :func:`~varlib.variability.diagnostics.variability_draws`, in one."""
    return pd.concat([r["draws"] for r in measured], ignore_index=True)


def stack_runs(trained: list[dict]) -> pd.DataFrame:
    """The per-seed tables of a sweep of :func:`~varlib.variability.checkerboard.train_checkerboard`, in one."""
    return pd.concat([r["runs"] for r in trained], ignore_index=True)


def landscape_examples(measured: list[dict], *, budget: int, depths) -> dict:
    """The landscape of draw 0 at ``budget`` for each compared activation and each of ``depths``, with a note
    per panel (width, CV and V3 of that draw): ``{"landscapes": {(activation, depth): (n, n)}, "notes": {...}}``.
    """
    found = {(r["draws"].activation.iloc[0], int(r["draws"].depth.iloc[0])): r for r in measured
             if r["draws"].budget.iloc[0] == budget}
    keys = [(a, d) for a in COMPARED_ACTIVATIONS for d in depths]
    missing = [k for k in keys if k not in found]
    if missing:
        raise ValueError(f"no draws at budget {budget} for (activation, depth) {missing}; the landscape depths "
                         "must be among the depths (or 1) and the budget among the budgets")
    return {"landscapes": {k: found[k]["example"] for k in keys},
            "notes": {k: "w={width}, CV={cv:.2g}\nV3={v3:.2g}".format(**found[k]["draws"].iloc[0]) for k in keys}}


def shown_draws_table(draws: pd.DataFrame, *, vsum: pd.DataFrame, budget: int, depths) -> pd.DataFrame:
    """Draw 0 at ``budget`` and each of ``depths`` (the drawn landscapes) beside the mean and std of V3 over
    all draws at its (activation, depth) and the fraction collapsed there."""
    shown = draws[(draws.budget == budget) & (draws.draw == 0) & draws.depth.isin(depths)]
    return shown[["activation", "depth", "width", "cv", "v3", "budget"]].merge(
        vsum[["activation", "budget", "depth", "v3_mean", "v3_std", "c2c"]]).drop(columns="budget")


def v3_depth_table(vsum: pd.DataFrame) -> pd.DataFrame:
    """Mean and std of V3 and the activation ratio rho per (budget, depth >= 2), one column per activation."""
    return vsum[vsum.depth >= 2].pivot_table(index=["budget", "depth"], columns="activation",
                                             values=["v3_mean", "v3_std", "rho"])


def single_layer_table(vsum: pd.DataFrame) -> pd.DataFrame:
    """The L = 1 rows of the summary (kept out of every depth trend): width, rho, V3 and C2C per budget."""
    return vsum[vsum.depth == 1][["activation", "budget", "width", "rho", "v3_mean", "v3_std", "c2c"]]


def collapsed_v3_table(draws: pd.DataFrame) -> pd.DataFrame:
    """Median V3 of the collapsed and of the other draws (depths >= 2), per activation."""
    return draws[draws.depth >= 2].groupby(["activation", "collapsed"]).v3.median().unstack()


def init_gradient_table(vsum: pd.DataFrame, *, budget: int) -> pd.DataFrame:
    """Per activation and depth at ``budget``: C2C and dead fractions and the median loss-gradient norms at
    initialisation of the first hidden, last hidden and output layer."""
    return vsum[vsum.budget == budget][["activation", "depth", "c2c", "dead", "grad_first", "grad_last_hidden",
                                        "grad_output"]]
