"""What the deep-linear scorecard rows count as evidence: a table of trained nets is evidence only when none of
its runs diverged (:func:`~varlib.deep_linear.nets.linear_diverged`), and every row says how many did."""
from __future__ import annotations

import numpy as np
import pandas as pd

from varlib.deep_linear.nets import linear_diverged

__all__ = ["linear_diverged_count", "run_diverged", "sound", "runs_text"]


def linear_diverged_count(runs: pd.DataFrame) -> tuple[int, int] | None:
    """(diverged, runs) of a table of trained nets with columns ``loss0`` (at the start) and ``loss`` (at the end),
    by :func:`~varlib.deep_linear.nets.linear_diverged`; None when the table lacks them (training health unknown)."""
    if "loss" not in runs or "loss0" not in runs:
        return None
    return int(linear_diverged(runs.loss, runs.loss0).sum()), len(runs)


def run_diverged(row) -> bool:
    """Whether one trained run (a table row with ``loss`` and ``loss0``) diverged, by
    :func:`~varlib.deep_linear.nets.linear_diverged`."""
    return bool(linear_diverged(np.array([row.loss]), np.array([row.loss0]))[0])


def sound(count) -> int | None:
    """Evidence value of a (diverged, runs) count for :func:`~varlib.book.report.verdict`: None (no evidence)
    when the count is unknown, there were no runs, or any run diverged; else 0."""
    return None if count is None or count[1] == 0 or count[0] > 0 else 0


def runs_text(count) -> str:
    """A (diverged, runs) count for the "ours" text: " (diverged 0/12)"."""
    return " (diverged: not recorded)" if count is None else f" (diverged {count[0]}/{count[1]})"
