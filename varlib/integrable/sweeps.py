"""The integrable chapter's constants, its dataset, the grids of its sweeps, and their results as tables.

Every experiment of :mod:`varlib.integrable.experiments` is a pure function of keyword arguments (a
:class:`~varlib.core.data.Dataset` and sizes), so the chapter runs each through the result store
(``store.call``, or ``store.map`` over a grid). :func:`grid` lists keyword sets; :func:`naive_ip_grid`,
:func:`escape_grid`, :func:`rank_grid`, :func:`comparison_grid` and :func:`relu_rate_grid` are the chapter's sweeps;
:func:`summaries`, :func:`histories` and :func:`stacked` turn their results into tables.
"""
from __future__ import annotations

import itertools
import math
from typing import Iterable

import pandas as pd

from varlib.core.data import FILE_DATASETS, Dataset, chapter_dataset  # noqa: F401  (re-exported)

__all__ = ["LN10", "PROBE_INPUTS", "MAIN_PRESETS", "SWEEP_ACTIVATIONS", "PAPER_DATASETS", "grid", "naive_ip_grid",
           "relu_rate_grid", "escape_grid", "rank_grid", "comparison_grid", "summaries", "histories", "stacked",
           "diverged_runs", "drop_diverged", "chapter_dataset"]

LN10 = math.log(10.0)
#: Test inputs on which mean |f| (at initialisation) and mean |h^l| (along training) are measured.
PROBE_INPUTS = 256
MAIN_PRESETS = ("mup", "ipllr", "ip_bias", "ip_non_centered")
SWEEP_ACTIVATIONS = ("relu", "gelu", "elu", "tanh")
PAPER_DATASETS = ("mnist", "cifar10_gray")


def grid(**axes: Iterable) -> list[dict]:
    """The Cartesian product of the axes as a list of dicts (first axis varies slowest)."""
    names = list(axes)
    return [dict(zip(names, values)) for values in itertools.product(*(list(v) for v in axes.values()))]


def naive_ip_grid(*, depths, widths, steps: int, batch: int, eta: float, seed: int, seeds: int = 1) -> list[dict]:
    """The Naive-IP runs with ReLU (the authors' stuck-IP experiment): one item per depth L and width, for
    :func:`~varlib.integrable.experiments.train_run`, with ``seeds`` seeds at L = 3 (where the end of the plateau
    is compared across widths) and one at the other depths."""
    items = []
    for L in depths:
        items += grid(preset=["naive_ip"], activation=["relu"], L=[L], width=widths, steps=[steps], batch=[batch],
                      eta=[eta], seed=list(range(seed, seed + (seeds if L == 3 else 1))))
    return items


def relu_rate_grid(*, depth: int, width: int, steps: int, batch: int, etas, seed: int, seeds: int) -> list[dict]:
    """IP-LLR with ReLU at other base rates than the main comparison's (is "ReLU fails" robust to tuning?)."""
    return grid(preset=["ipllr"], activation=["relu"], L=[depth], width=[width], steps=[steps], batch=[batch],
                eta=list(etas), seed=list(range(seed, seed + seeds)))


def escape_grid(*, depth: int, widths, steps: int, batch: int, eta: float, seed: int) -> list[dict]:
    """Naive IP and IP-LLR with GeLU at one depth: one item per preset and width, for ``train_run``."""
    return grid(preset=["naive_ip", "ipllr"], activation=["gelu"], L=[depth], width=widths, steps=[steps],
                batch=[batch], eta=[eta], seed=[seed])


def rank_grid(*, depth: int, width: int, batch: int, eta: float, seed: int) -> list[dict]:
    """One first IP-LLR step per activation of :data:`SWEEP_ACTIVATIONS`, for ``first_step_ranks``."""
    return grid(activation=list(SWEEP_ACTIVATIONS), L=[depth], width=[width], batch=[batch], eta=[eta],
                seed=[seed])


def comparison_grid(*, depth: int, width: int, steps: int, batch: int, eta: float, seed: int,
                    seeds: int) -> list[dict]:
    """The main comparison: every preset of :data:`MAIN_PRESETS` with every activation of
    :data:`SWEEP_ACTIVATIONS`, for the ``seeds`` seeds ``seed, seed + 1, ...``, for ``train_run``."""
    return grid(preset=list(MAIN_PRESETS), activation=list(SWEEP_ACTIVATIONS), L=[depth], width=[width],
                steps=[steps], batch=[batch], eta=[eta], seed=list(range(seed, seed + seeds)))


def summaries(items: list[dict], *, results: list[dict]) -> pd.DataFrame:
    """One row per run: the item's keys and the run's ``summary``."""
    return pd.DataFrame([{**it, **r["summary"]} for it, r in zip(items, results)])


def stacked(items: list[dict], *, tables: list[pd.DataFrame]) -> pd.DataFrame:
    """The tables stacked, each with its item's keys as columns."""
    return pd.concat([t.assign(**it) for it, t in zip(items, tables)], ignore_index=True)


def histories(items: list[dict], *, results: list[dict]) -> pd.DataFrame:
    """The runs' ``history`` tables stacked, with the item's keys as columns."""
    return stacked(items, tables=[r["history"] for r in results])


def diverged_runs(summary: pd.DataFrame, keys=("preset", "activation", "seed")) -> set[tuple]:
    """The ``keys`` of the runs of ``summary`` that diverged (by
    :func:`~varlib.integrable.failures.integrable_failures`)."""
    from varlib.integrable.failures import integrable_failures

    flags = integrable_failures(summary)
    return set(flags.loc[flags.diverged, list(keys)].itertuples(index=False, name=None))


def drop_diverged(history: pd.DataFrame, summary: pd.DataFrame, *, keys=("preset", "activation", "seed")):
    """The rows of ``history`` whose run (identified by ``keys``) did not diverge according to ``summary``: a mean
    curve over seeds should not silently average the survivors of a diverged run."""
    bad = diverged_runs(summary, keys)
    return history[[tuple(r) not in bad for r in history[list(keys)].itertuples(index=False, name=None)]]
