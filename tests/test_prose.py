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
    "integrable": {"0.001",  # the authors' Naive-IP learning rate (their code)
                   "0.1",    # the numerator of their 2021 output calibration
                   "0.01"},  # their 2021 base learning rate
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


def _glued(notebook: Path) -> dict:
    """{name: plain text} of every value the executed notebook glued."""
    import nbformat

    nb = nbformat.read(notebook, as_version=4)
    return {o.metadata["scrapbook"]["name"]: o.data["application/papermill.record/text/plain"]
            for c in nb.cells for o in c.get("outputs", []) if "scrapbook" in o.get("metadata", {})}


@pytest.mark.slow
def test_glued_prose_follows_an_override(smoke_book, tmp_path):
    """The family chapter on smoke and again with other depths and budgets: every name its prose reads is
    glued in both runs, and the values follow the run (the deepest drawn depth, the largest budget miss)."""
    from varlib.book.pipeline import run_book

    build, _ = smoke_book
    smoke = _glued(next((build / "executed").rglob("family.ipynb")))
    run_book(ROOT, "smoke", chapters=["family"], device="cpu", html=False, progress=False,
             params={"landscape_depths": [1, 8], "budgets": [2000, 5000], "depths": [1, 2, 4, 32]},
             build_dir=tmp_path / "_build", results_dir=tmp_path / "results")
    other = _glued(next((tmp_path / "_build").rglob("family.ipynb")))
    source = (ROOT / "chapters" / "family.py").read_text()
    read = set(re.findall(r"\{glue:text\}`([\w-]+)", source))
    dynamic = {n for n in read if n not in smoke}
    assert not dynamic and read <= set(other), dynamic or read - set(other)
    assert smoke["family-deepest"] == "16" and other["family-deepest"] == "8"
    assert other["family-worst-depth"] == "32" and smoke["family-worst-budget"] != other["family-worst-budget"]


@pytest.mark.slow
def test_every_glue_name_the_prose_reads_is_glued_on_smoke(smoke_book):
    build, _ = smoke_book
    for chapter in CHAPTERS:
        glued = _glued(next((build / "executed").rglob(f"{chapter}.ipynb")))
        read = set(re.findall(r"\{glue:text\}`([\w-]+)", (ROOT / "chapters" / f"{chapter}.py").read_text()))
        assert read <= set(glued), f"{chapter}: the prose reads {sorted(read - set(glued))}, never glued"
