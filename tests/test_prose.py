"""Prose that follows the numbers: no markdown cell of a chapter holds a number typed from one run.

A run's numbers reach the prose through myst-nb's ``{glue:text}`` role (see :func:`varlib.glue`); numbers that the
papers or the authors' code report stay typed and say whose they are. This scan flags, in every markdown cell outside
math, inline code and glue roles: decimals, percentages and the words "standard run" / "our run". What it flags
that is a paper's number goes in :data:`PAPER_NUMBERS`, verbatim, with its chapter.
"""
import re
from pathlib import Path

import jupytext
import pytest

ROOT = Path(__file__).resolve().parents[1]
CHAPTERS = sorted(p.stem for p in (ROOT / "chapters").glob("*.py"))

#: Typed numbers that are the papers' or their authors' (chapter -> the flagged strings, verbatim).
PAPER_NUMBERS: dict[str, set[str]] = {
    "family": set(),
    "variability": set(),
    "maxout": set(),
    "deep_linear": set(),
    "integrable": set(),
    "benchmarks": set(),
}

_STRIP = [re.compile(p, re.S) for p in (r"\$\$.*?\$\$", r"\$[^$\n]+\$", r"\{glue:[a-z]+\}`[^`]*`", r"``.*?``",
                                        r"`[^`\n]*`", r"\{(?:numref|ref|eq|cite:[a-z]+|doc)\}`[^`]*`",
                                        r"\]\([^)]*\)", r"\(([a-z0-9-]+)\)=", r"arXiv \d+\.\d+")]
_FLAG = re.compile(r"(?<![\w.])\d+\.\d+(?![\w.])|(?<![\w.])\d+(?:\.\d+)?\s?%|\b(?:standard|our) run\b", re.I)


def typed_numbers(markdown: str) -> list[str]:
    """The decimals, percentages and 'standard run' phrases of ``markdown`` outside math, code, roles and links."""
    for pattern in _STRIP:
        markdown = pattern.sub(" ", markdown)
    return _FLAG.findall(markdown)


def test_the_scan_flags_typed_numbers_and_spares_glue_and_math():
    text = ("In our standard run V3 is 0.42 and 12 % collapse; {glue:text}`x:.2f` and $\\rho = 0.25$ and "
            "`lr=0.05` and {numref}`fig-1` and [paper](https://arxiv.org/abs/2105.08911) are fine.")
    assert typed_numbers(text) == ["standard run", "0.42", "12 %"]


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_no_run_number_is_typed_in_prose(chapter):
    nb = jupytext.read(ROOT / "chapters" / f"{chapter}.py")
    flagged = [n for cell in nb.cells if cell.cell_type == "markdown" for n in typed_numbers(cell.source)]
    stray = sorted(set(flagged) - PAPER_NUMBERS.get(chapter, set()))
    assert not stray, (f"chapters/{chapter}.py types numbers in its prose: {stray}. Glue this run's numbers "
                       "(varlib.glue + {glue:text}); a paper's number goes in tests/test_prose.py::PAPER_NUMBERS")
