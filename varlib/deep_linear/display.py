"""How the deep-linear chapter shows a dict of metrics: one row per quantity, numbers to a few significant
digits, integers as integers, (diverged, runs) counts as "k/n", booleans as yes/no, nested dicts flattened
("signal: half_linear"). Tables inside the dict are left out (the chapter shows them on their own)."""
from __future__ import annotations

import numbers

import numpy as np
import pandas as pd

__all__ = ["metrics_table"]


def _shown(value, digits: int) -> str:
    if isinstance(value, (bool, np.bool_)):
        return "yes" if value else "no"
    if isinstance(value, numbers.Integral):
        return str(int(value))
    if isinstance(value, numbers.Real):
        return f"{float(value):.{digits}g}"
    if isinstance(value, tuple) and len(value) == 2 and all(isinstance(v, numbers.Integral) for v in value):
        return f"{value[0]}/{value[1]}"
    if isinstance(value, (list, tuple)):
        return ", ".join(_shown(v, digits) for v in value)
    return "—" if value is None else str(value)


def _rows(d: dict, prefix: str, digits: int):
    for key, value in d.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            yield from _rows(value, f"{name}: ", digits)
        elif not isinstance(value, (pd.DataFrame, pd.Series)):
            yield name, _shown(value, digits)


def metrics_table(d: dict, digits: int = 3) -> pd.DataFrame:
    """The dict ``d`` as a two-column table (quantity, value), readable on a phone."""
    return pd.DataFrame(list(_rows(d, "", digits)), columns=["quantity", "value"]).set_index("quantity")
