"""Chapter settings: one profile picks every size; any size can still be overridden.

Profiles: ``smoke`` (CI, seconds per chapter), ``standard`` (the default: the
whole book within 30 minutes on a 2-core CPU, big enough for honest verdicts)
and ``full`` (paper scale, on a GPU when present).

:func:`chapter_settings` validates a chapter's parameters and freezes them:
an unknown name, an unknown profile, a wrong type or an out-of-range value
raises ``ValueError`` naming the parameter and what is allowed.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Mapping

import pandas as pd

from varlib.book.results import PROFILES

__all__ = ["PROFILES", "CHAPTERS", "LENSES", "COMMON", "chapter_settings", "Settings",
           "chapter_parameters", "chapter_profiles", "settings_from", "check_common", "chapter_choices",
           "chapter_ranges", "known_chapters"]

#: Parameters every chapter has, with their defaults.
#: ``executor`` and ``ray_address`` say where a sweep's missing items are computed (:mod:`varlib.book.sweeps`).
COMMON: dict[str, Any] = {"profile": "standard", "device": "auto", "seed": 0, "threads": 2,
                          "results_dir": "results", "executor": "local", "ray_address": None}

#: Per chapter, per profile: the size parameters. Every profile names the same keys.
CHAPTERS: dict[str, dict[str, dict[str, Any]]] = {
    "family": {
        "smoke": {"budgets": [500, 2000], "depths": [1, 2, 4, 8], "draws": 8, "grid": 32,
                  "landscape_budget": 2000, "landscape_depths": [1, 4, 16], "sigma_b": 0.1, "collapse_cv": 0.01,
                  "budget_tol": 0.05},
        "standard": {"budgets": [2000, 5000, 10000, 20000], "depths": [1, 2, 4, 8, 16, 32, 64, 128],
                     "draws": 50, "grid": 128, "landscape_budget": 2000,
                     "landscape_depths": [1, 2, 8, 16, 32, 64], "sigma_b": 0.1, "collapse_cv": 0.01,
                     "budget_tol": 0.05},
        "full": {"budgets": [2000, 5000, 10000, 20000], "depths": [1, 2, 4, 8, 16, 32, 64, 128],
                 "draws": 200, "grid": 256, "landscape_budget": 5000,
                 "landscape_depths": [1, 2, 8, 16, 32, 64, 128], "sigma_b": 0.1, "collapse_cv": 0.01,
                 "budget_tol": 0.05},
    },
    "benchmarks": {profile: {"records_dir": "benchmarks/records"} for profile in PROFILES},
    "faults": {profile: {} for profile in PROFILES},
}

#: The paper chapters: each is a sub-package of varlib of the same name whose ``profiles`` module holds
#: ``CHAPTER_PROFILES`` ({profile: {parameter: value}}, like the entries of :data:`CHAPTERS`) and, optionally,
#: ``CHAPTER_CHOICES`` ({parameter: allowed strings}).
LENSES: tuple[str, ...] = ("variability", "maxout", "deep_linear", "integrable", "atlas")

#: Parameters allowed to be zero (the rest of the numbers must be > 0 unless their chapter gives a range).
_NONNEGATIVE = {"sigma_b", "seed"}

#: Ranges [low, high] (both inclusive) of the family chapter's numbers; a lens's ``profiles`` module may define
#: ``CHAPTER_RANGES`` the same way. A number without a range must be > 0 (>= 0 for :data:`_NONNEGATIVE`).
_FAMILY_RANGES = {"budget_tol": (0.0, 1.0), "collapse_cv": (0.0, math.inf)}


def _check_value(name: str, value: Any, like: Any, bounds: tuple[float, float] | None = None) -> Any:
    """``value`` must have the type of ``like`` (ints are accepted for floats) and be in range: within
    ``bounds`` (inclusive) when given, else > 0 (>= 0 for :data:`_NONNEGATIVE`)."""
    if isinstance(like, list):
        if not isinstance(value, (list, tuple)) or not value:
            raise ValueError(f"{name} must be a non-empty list like {like}, got {value!r}")
        return [_check_value(f"{name}[{i}]", v, like[0], bounds) for i, v in enumerate(value)]
    if isinstance(like, bool) or isinstance(like, str):
        if type(value) is not type(like):
            raise ValueError(f"{name} must be a {type(like).__name__}, got {value!r}")
        return value
    if isinstance(value, bool) or not isinstance(value, (int, float)) or \
            (isinstance(like, int) and not isinstance(value, int)):
        raise ValueError(f"{name} must be {'an integer' if isinstance(like, int) else 'a number'}, got {value!r}")
    if not math.isfinite(value):
        raise ValueError(f"{name} must be a finite number, got {value!r}")
    if bounds is not None:
        low, high = bounds
        if not low <= value <= high:
            raise ValueError(f"{name} must be " + (f"between {low:g} and {high:g}" if math.isfinite(high) else
                                                   f">= {low:g}") + f", got {value!r}")
    elif value < 0 or (value == 0 and name.split("[")[0] not in _NONNEGATIVE):
        raise ValueError(f"{name} must be {'>= 0' if name in _NONNEGATIVE else '> 0'}, got {value!r}")
    return float(value) if isinstance(like, float) else value


#: An integer size may be at most this many times the largest value of the ``full`` profile (paper scale).
SIZE_HEADROOM = 64


def _check_size(name: str, value: Any, full: Any) -> None:
    """Integer sizes (and lists of them) are bounded by :data:`SIZE_HEADROOM` x the ``full`` profile's largest
    value, so a typo (``grid=100000``, ``draws=10**12``) is refused before it allocates or runs for days."""
    def ints(v):
        items = v if isinstance(v, (list, tuple)) else [v]
        return [x for x in items if isinstance(x, int) and not isinstance(x, bool)]

    if not ints(full) or not ints(value):
        return
    reference = max(max(ints(full)), 1)
    biggest = max(ints(value))
    if biggest > SIZE_HEADROOM * reference:
        raise ValueError(f"{name}={biggest} is over the largest allowed size {SIZE_HEADROOM * reference} "
                         f"({SIZE_HEADROOM} x the full profile's {reference}): it would need at least "
                         f"{biggest / reference:.0f} times the memory or time of the full profile's setting")


@dataclass(frozen=True)
class Settings:
    """The frozen, validated parameters of one chapter run (attribute access: ``cfg.depths``)."""

    chapter: str
    profile: str
    values: Mapping[str, Any] = field(repr=False)
    overridden: tuple[str, ...] = ()

    def __getattr__(self, name: str) -> Any:
        try:
            return self.values[name]
        except KeyError:
            raise AttributeError(f"chapter {self.chapter!r} has no parameter {name!r}; "
                                 f"it has: {', '.join(self.values)}") from None

    def as_dict(self) -> dict[str, Any]:
        return {k: (list(v) if isinstance(v, tuple) else v) for k, v in self.values.items()}

    def table(self) -> pd.DataFrame:
        """The parameters as a table, marking those overridden from the profile's defaults."""
        return pd.DataFrame({"value": [str(v) for v in self.values.values()],
                             "source": ["override" if k in self.overridden else f"profile {self.profile}"
                                        for k in self.values]}, index=pd.Index(list(self.values), name="parameter"))


def known_chapters() -> list[str]:
    """Every chapter with a profile table."""
    return list(CHAPTERS) + [c for c in LENSES if c not in CHAPTERS]


def _profiles_module(chapter: str):
    """``varlib.<chapter>.profiles``, imported (the lens packages import ``book``, so not at module level)."""
    import importlib

    return importlib.import_module(f"varlib.{chapter}.profiles")


def chapter_profiles(chapter: str) -> dict[str, dict[str, Any]]:
    """The chapter's {profile: {parameter: default}} table."""
    if chapter in CHAPTERS:
        return CHAPTERS[chapter]
    if chapter in LENSES:
        return _profiles_module(chapter).CHAPTER_PROFILES
    raise ValueError(f"unknown chapter {chapter!r}; allowed: {', '.join(known_chapters())}")


def chapter_choices(chapter: str) -> dict[str, tuple]:
    """{parameter: allowed values} for the chapter's parameters that take one of a few strings (or a list of them)
    (``CHAPTER_CHOICES`` of the lens's profiles module, where it defines one)."""
    return dict(getattr(_profiles_module(chapter), "CHAPTER_CHOICES", {})) if chapter in LENSES else {}


def chapter_ranges(chapter: str) -> dict[str, tuple[float, float]]:
    """{parameter: (low, high)} for the chapter's numbers with a range other than "> 0" (``CHAPTER_RANGES`` of
    the lens's profiles module, where it defines one)."""
    if chapter == "family":
        return dict(_FAMILY_RANGES)
    return dict(getattr(_profiles_module(chapter), "CHAPTER_RANGES", {})) if chapter in LENSES else {}


def chapter_parameters(chapter: str) -> list[str]:
    """The size parameters a chapter accepts (besides :data:`COMMON`)."""
    return list(chapter_profiles(chapter)["standard"])


def chapter_settings(chapter: str, profile: str = "standard", **overrides: Any) -> Settings:
    """Validate ``overrides`` (``None`` = take the profile's value) against the chapter's profile."""
    allowed = chapter_parameters(chapter)
    if profile not in PROFILES:
        raise ValueError(f"unknown profile {profile!r}; allowed: {', '.join(PROFILES)}")
    unknown = sorted(set(overrides) - set(allowed))
    if unknown:
        raise ValueError(f"unknown parameter(s) {', '.join(map(repr, unknown))} for chapter {chapter!r}; "
                         f"allowed: {', '.join(allowed + list(COMMON))}")
    defaults = chapter_profiles(chapter)[profile]
    given = {k: v for k, v in overrides.items() if v is not None}
    ranges = chapter_ranges(chapter)
    values = {k: _check_value(k, given.get(k, defaults[k]), defaults[k], ranges.get(k)) for k in allowed}
    for k in given:
        _check_size(k, values[k], chapter_profiles(chapter)["full"][k])
    for k, options in chapter_choices(chapter).items():
        for v in values[k] if isinstance(values[k], list) else [values[k]]:
            if v not in options:
                what = "every entry of " + k if isinstance(values[k], list) else k
                raise ValueError(f"{what} must be one of {', '.join(map(repr, options))}, got {v!r}")
    values = {k: tuple(v) if isinstance(v, list) else v for k, v in values.items()}
    return Settings(chapter, profile, MappingProxyType(values), tuple(sorted(given)))


def settings_from(chapter: str, namespace: Mapping[str, Any]) -> Settings:
    """:func:`chapter_settings` from a chapter's parameters cell: ``namespace`` (the notebook's ``globals()``)
    holds ``profile`` and the chapter's parameters (``None`` or absent = the profile's value)."""
    return chapter_settings(chapter, namespace.get("profile", "standard"),
                            **{k: namespace.get(k) for k in chapter_parameters(chapter)})


def check_common(values: Mapping[str, Any]) -> None:
    """The common parameters given (``seed`` an integer >= 0, ``threads`` an integer >= 1, ``executor`` local or
    ray, the latter installed, ``ray_address`` None or a string), checked before any kernel starts
    (:func:`varlib.setup` and :class:`~varlib.book.results.ResultStore` check them again inside the chapter)."""
    from varlib.book.sweeps import check_executor
    from varlib.core.checks import check_int

    if "seed" in values:
        check_int("seed", values["seed"], 0)
    if "threads" in values:
        check_int("threads", values["threads"], 1)
    if "executor" in values or "ray_address" in values:
        check_executor(values.get("executor", COMMON["executor"]), values.get("ray_address"))
