"""The integrable chapter's constants, its dataset, and cached sweeps over grids of runs.

Every experiment of :mod:`varlib.integrable.experiments` is a pure function of a
:class:`~varlib.core.data.Dataset` and keyword sizes; :func:`grid` lists the keyword sets, :func:`sweep`
runs and caches one result per item, :func:`summaries` and :func:`histories` stack the results as tables.
"""
from __future__ import annotations

import itertools
import math
from typing import Callable, Iterable

import pandas as pd

from varlib.core.data import Dataset

__all__ = ["LN10", "MAIN_PRESETS", "SWEEP_ACTIVATIONS", "PAPER_DATASETS", "grid", "sweep", "summaries", "histories",
           "chapter_dataset"]

LN10 = math.log(10.0)
MAIN_PRESETS = ("mup", "ipllr", "ip_bias", "ip_non_centered")
SWEEP_ACTIVATIONS = ("relu", "gelu", "elu", "tanh")
PAPER_DATASETS = ("mnist", "cifar10_gray")


def grid(**axes: Iterable) -> list[dict]:
    """The Cartesian product of the axes as a list of dicts (first axis varies slowest)."""
    names = list(axes)
    return [dict(zip(names, values)) for values in itertools.product(*(list(v) for v in axes.values()))]


def sweep(store, experiment: str, data: Dataset, items: list[dict], run: Callable[..., dict],
          device="cpu", desc: str | None = None) -> list[dict]:
    """``run(data, device=device, **item)`` for every item, each cached in ``store`` (keyed with the dataset)."""
    keyed = [{"dataset": data.name, **item} for item in items]
    return store.sweep(experiment, keyed, lambda it: run(data, device=device, **{k: v for k, v in it.items()
                                                                                if k != "dataset"}),
                       desc=desc or experiment)


def summaries(items: list[dict], results: list[dict]) -> pd.DataFrame:
    """One row per run: the item's keys and the run's ``summary``."""
    return pd.DataFrame([{**it, **r["summary"]} for it, r in zip(items, results)])


def histories(items: list[dict], results: list[dict]) -> pd.DataFrame:
    """The runs' ``history`` tables stacked, with the item's keys as columns."""
    return pd.concat([r["history"].assign(**it) for it, r in zip(items, results)], ignore_index=True)


def chapter_dataset(name: str, data_dir=None) -> tuple[Dataset, str]:
    """Load ``name``; a paper dataset whose files are absent falls back to digits. Returns (data, note)."""
    from varlib.core.data import load_dataset

    if name in PAPER_DATASETS:
        try:
            return load_dataset(name, data_dir), f"{name} read from {data_dir}"
        except (ValueError, FileNotFoundError) as err:
            return load_dataset("digits"), f"{name} unavailable ({err}); fell back to digits"
    return load_dataset(name, data_dir), f"{name} (offline, bundled with scikit-learn)"
