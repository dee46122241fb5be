"""What a chapter shows the reader about itself: its settings, provenance, resources and scorecard.

A scorecard row states one claim of the paper, the paper's number, ours, and a
verdict from :data:`VERDICTS`. Verdicts are honest: "not reproduced" is a
result; a claim we could not check is "not tested".
"""
from __future__ import annotations

import json
import resource
import time

import pandas as pd
import torch

from varlib.book.config import Settings
from varlib.core.runtime import Runtime

__all__ = ["VERDICTS", "scorecard", "run_summary", "resources", "glue", "glue_all", "glue_value", "listing", "phrase",
           "verdict", "graded", "missing", "SETUP_VERDICTS", "setup_check", "DEMONSTRATION", "demonstration",
           "Scorecard", "downloadable", "downloadable_text", "Folded", "folded"]

VERDICTS = ("reproduced", "partly reproduced", "not reproduced", "not tested")

#: Verdicts of a *setup check*: a row that tests a property of our own construction (the family has equal
#: parameter counts, say), not a claim of a paper. It can fail, and then the rows built on it are suspect, but
#: when it holds it reproduces nothing, so it never counts as "reproduced".
SETUP_VERDICTS = ("setup check holds", "setup check fails")

#: The label of a *demonstration*: a row that shows what a paper shows (a picture, a range of counts) but that no
#: result could make "not reproduced". It is graded neither way, and says so.
DEMONSTRATION = "demonstration (cannot fail)"


def missing(x) -> bool:
    """None, NaN or an empty container: no evidence."""
    if x is None:
        return True
    try:
        return bool(x != x)
    except (TypeError, ValueError):
        return False


def verdict(ok: bool | None, partly: bool = False, *, evidence=()) -> str:
    """The one verdict rule of every scorecard: "not tested" when ``ok`` is None or any value in ``evidence`` is
    missing or NaN (no evidence is never a verdict); else "reproduced" when ``ok``, "partly reproduced" when
    ``partly``, and "not reproduced" otherwise."""
    if ok is None or any(missing(x) for x in evidence):
        return "not tested"
    return "reproduced" if ok else "partly reproduced" if partly else "not reproduced"


def graded(score: float, *, full: float, part: float) -> str:
    """:func:`verdict` of a score against two thresholds: reproduced at ``score >= full``, partly at
    ``score >= part``; a NaN score is "not tested"."""
    if not part <= full:
        raise ValueError(f"graded needs part <= full, got part={part!r}, full={full!r}")
    return verdict(None if missing(score) else score >= full, not missing(score) and score >= part)


def setup_check(claim: str, ours: str, holds: bool | None, *, evidence=()) -> dict:
    """A scorecard row for a property of our construction (see :data:`SETUP_VERDICTS`): its "paper" column
    says so, its verdict is "setup check holds" or "setup check fails", and "not tested" when ``holds`` is None
    or an ``evidence`` value is missing."""
    v = verdict(holds, evidence=evidence)
    return {"claim": claim, "paper": "setup check (our construction, not a claim of the paper)", "ours": ours,
            "verdict": v if v == "not tested" else SETUP_VERDICTS[0 if holds else 1]}


def demonstration(claim: str, paper: str, ours: str, *, evidence=()) -> dict:
    """A scorecard row for a claim that no result of ours could refute (:data:`DEMONSTRATION`), or "not tested"
    when an ``evidence`` value is missing."""
    return {"claim": claim, "paper": paper, "ours": ours,
            "verdict": "not tested" if any(missing(x) for x in evidence) else DEMONSTRATION}


class Scorecard(pd.DataFrame):
    """A scorecard table (index Claim; columns Paper, Ours, Verdict) that a page shows with its verdicts first, as
    coloured badges, one anchored row per claim (:func:`varlib.book.badges.scorecard_html`). Anything derived
    from it is a plain DataFrame."""

    @property
    def _constructor(self):
        return pd.DataFrame

    def _repr_html_(self) -> str:
        from varlib.book.badges import scorecard_html

        rows = [{"claim": claim, "paper": r.Paper, "ours": r.Ours, "verdict": r.Verdict}
                for claim, r in zip(self.index, self.itertuples())]
        return scorecard_html(rows)


def scorecard(rows: list[dict]) -> Scorecard:
    """Rows with keys claim, paper, ours, verdict (one of :data:`VERDICTS`, :data:`SETUP_VERDICTS` or
    :data:`DEMONSTRATION`) as a table.
    In a notebook the rows are also glued, as JSON under ``scorecard``, for
    :func:`varlib.book.pipeline.scorecard_rows` to read back."""
    cols = ["claim", "paper", "ours", "verdict"]
    for i, row in enumerate(rows):
        if set(row) != set(cols):
            raise ValueError(f"scorecard row {i} must have exactly the keys {cols}, got {sorted(row)}")
        if row["verdict"] not in VERDICTS + SETUP_VERDICTS + (DEMONSTRATION,):
            raise ValueError(f"scorecard row {i}: verdict {row['verdict']!r} not in "
                             f"{VERDICTS + SETUP_VERDICTS + (DEMONSTRATION,)}")
    from IPython import get_ipython

    if get_ipython() is not None:
        glue("scorecard", json.dumps([{k: str(row[k]) for k in cols} for row in rows]))
    return Scorecard(pd.DataFrame(rows, columns=cols).rename(columns=str.capitalize).set_index("Claim"))


def _plain_html(table: pd.DataFrame) -> str:
    """``table`` as HTML with every row, its index a first column (no separate row for the index's name)."""
    if not isinstance(table.index, pd.RangeIndex):
        table = table.reset_index()
    return table.to_html(index=False, max_rows=len(table) + 1, max_cols=table.shape[1] + 1)


class Folded(pd.DataFrame):
    """A table a page shows folded: its first ``fold_head`` rows (none by default), then the whole table behind a
    toggle named ``fold_summary``. Anything derived from it is a plain DataFrame."""

    _metadata = ["fold_summary", "fold_head"]

    @property
    def _constructor(self):
        return pd.DataFrame

    def _repr_html_(self) -> str:
        import html

        whole = _plain_html(pd.DataFrame(self))
        head = getattr(self, "fold_head", 0)
        shown = _plain_html(pd.DataFrame(self).head(head)) if head and len(self) > head else ""
        label = f"{html.escape(getattr(self, 'fold_summary', 'the table'))} (all {len(self)} rows)"
        return f"{shown}<details class='folded-table'><summary>{label}</summary>{whole}</details>"


def folded(table: pd.DataFrame, summary: str, head: int = 0) -> Folded:
    """``table`` shown folded behind a toggle labelled ``summary``, after its first ``head`` rows (a long table
    that would push the prose off the screen)."""
    if head < 0:
        raise ValueError(f"folded head must be >= 0, got {head!r}")
    out = Folded(table)
    out.fold_summary, out.fold_head = summary, head
    return out


def downloadable(name: str, table: pd.DataFrame) -> pd.DataFrame:
    """Offer ``table`` (the data a figure is drawn from, say) for download as ``<name>.csv`` from its chapter: it is
    glued as CSV under ``table-<name>`` and written out when the book is staged (:mod:`varlib.book.downloads`).
    ``name`` is lowercase letters, digits and hyphens. Returns ``table``, so a cell can show it too."""
    _offer(name, "", lambda: table.to_csv(index=not isinstance(table.index, pd.RangeIndex)))
    return table


def downloadable_text(name: str, text: str, suffix: str) -> str:
    """Offer ``text`` for download as ``<name>.<suffix>`` (``json``, ``txt``, ``md``) from its chapter, as
    :func:`downloadable` offers a table. Returns ``text``."""
    if suffix not in ("json", "txt", "md"):
        raise ValueError(f"suffix must be one of json, txt, md, got {suffix!r} (tables: use downloadable)")
    _offer(name, f".{suffix}", lambda: text)
    return text


def _offer(name: str, suffix: str, text) -> None:
    """Glue ``text()`` under ``table-<name><suffix>`` when a kernel runs (:mod:`varlib.book.downloads` writes it)."""
    import re

    if not re.fullmatch(r"[a-z0-9][a-z0-9-]*", name):
        raise ValueError(f"downloadable name must be lowercase letters, digits and hyphens, got {name!r}")
    from IPython import get_ipython

    if get_ipython() is not None:
        glue(f"table-{name}{suffix}", text())


def run_summary(cfg: Settings, rt: Runtime) -> Folded:
    """Settings and provenance of this run in one two-column table, shown folded (:func:`folded`)."""
    rows = {"profile": cfg.profile, **{k: str(v) for k, v in cfg.as_dict().items()},
            **{k: str(v) for k, v in rt.provenance().items()}}
    table = pd.DataFrame({"value": list(rows.values())}, index=pd.Index(list(rows), name="setting"))
    return folded(table, "Settings and provenance of this run")


def resources(rt: Runtime) -> pd.DataFrame:
    """What this run used so far: wall time since :func:`varlib.setup`, the process's peak resident memory
    and, on CUDA, the peak memory allocated on the GPU (``torch.cuda.max_memory_allocated`` since setup)."""
    rows = {"wall time since setup (s)": f"{time.perf_counter() - rt.started:.1f}",
            "peak process memory (GiB)": f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20:.2f}",
            "peak GPU memory (GiB)": f"{torch.cuda.max_memory_allocated(rt.device) / 2**30:.2f}"
            if rt.device.type == "cuda" else "no GPU used"}
    return pd.DataFrame({"value": list(rows.values())}, index=pd.Index(list(rows), name="resource"))


class _Text(str):
    """A string whose plain-text form is itself (no quotes), so ``{glue:text}`` shows it as prose."""

    def __repr__(self) -> str:
        return str(self)


def listing(items) -> str:
    """Items as prose: "a", "a and b", "a, b and c" (numbers with ``:g``). Glued text must not read as a Python
    literal: myst-nb evaluates ``{glue:text}`` values, and "128, 512" would come out as "(128, 512)"."""
    words = [f"{v:g}" if isinstance(v, (int, float)) and not isinstance(v, bool) else str(v) for v in items]
    return ", ".join(words[:-1]) + " and " + words[-1] if len(words) > 1 else "".join(words)


def glue_value(value):
    """``value`` as :func:`glue` stores it: strings as plain text, lists and tuples as a :func:`listing`, numpy
    and torch scalars as Python numbers, anything else unchanged."""
    if isinstance(value, (list, tuple)):
        value = listing(value)
    if isinstance(value, str):
        return _Text(value)
    if hasattr(value, "item") and not isinstance(value, (pd.DataFrame, pd.Series)):
        return value.item()
    return value


def glue(name: str, value) -> None:
    """Put ``value`` (in the form of :func:`glue_value`) into the executed notebook under ``name``, for the prose
    to read with myst-nb's ``{glue:text}`name``` role (numbers may carry a format: ``{glue:text}`name:.2f```).
    Works the way ``myst_nb.glue(name, value, display=False)`` does, without needing myst-nb where it runs."""
    from IPython.core.formatters import format_display_data
    from IPython.display import display

    bundle, metadata = format_display_data(glue_value(value))
    metadata["scrapbook"] = {"name": name, "mime_prefix": "application/papermill.record/"}
    display({f"application/papermill.record/{k}": v for k, v in bundle.items()}, raw=True, metadata=metadata)


def glue_all(values: dict, prefix: str | None = None) -> None:
    """:func:`glue` every item of ``values``: as ``<prefix>-<key>`` (underscores in keys become hyphens), or
    under its key as it is when ``prefix`` is None."""
    for key, value in values.items():
        glue(str(key) if prefix is None else f"{prefix}-{str(key).replace('_', '-')}", value)


def phrase(value: float, *, low: float, high: float, below: str, between: str, above: str) -> str:
    """The words for a computed ``value``: ``below`` under ``low``, ``above`` over ``high``, else ``between``
    (a sentence that interprets a result is chosen by the result, not written for one run)."""
    if not low <= high:
        raise ValueError(f"phrase needs low <= high, got low={low!r}, high={high!r}")
    return below if value < low else above if value > high else between
