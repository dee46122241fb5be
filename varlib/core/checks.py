"""Argument checks shared by every module: a bad value is a ValueError naming the parameter and the allowed range."""
from __future__ import annotations

import numbers

__all__ = ["check_int"]


def check_int(name: str, value, low: int = 1) -> int:
    """``value`` as an int, if it is an integer (not a bool) >= ``low``; else ValueError naming ``name``."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < low:
        raise ValueError(f"{name} must be an integer >= {low}, got {value!r}")
    return int(value)
