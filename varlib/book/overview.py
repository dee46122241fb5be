"""The results at a glance, generated when the book is staged from the scorecards this build's chapters glued.

No verdict is copied by hand: :func:`collect` reads every executed chapter's scorecard back
(:func:`varlib.book.pipeline.scorecard_rows`), and the results page, the landing page's short table, the one
sentence per paper and the CSV downloads are all made from those rows.
"""
from __future__ import annotations

import html
from collections import Counter
from pathlib import Path

from varlib.book.badges import badge, row_anchor, text_html
from varlib.book.report import DEMONSTRATION, SETUP_VERDICTS, VERDICTS

__all__ = ["PAPERS", "OURS", "CHAPTER_PAPER", "collect", "verdict_counts", "finding", "results_page", "landing_summary",
           "LANDING_MARKER", "COUNTED"]

#: The four papers: citation key -> a short name of what they study; then the book's own comparison of them (the
#: atlas), whose claims are ours, not a paper's.
PAPERS = {"yu2021variability": "variability", "tseran2021maxout": "maxout networks",
          "ziyin2022exact": "exact deep linear solutions", "hajjar2021integrable": "integrable parameterizations",
          "atlas": "the trainability atlas (this book's own comparison)"}

#: Keys of :data:`PAPERS` that are not citations: the sentence names them in words.
OURS = {"atlas": "The trainability atlas"}

#: A short name of each paper for narrow table headers.
SHORT = {"yu2021variability": "variability", "tseran2021maxout": "maxout", "ziyin2022exact": "deep linear",
         "hajjar2021integrable": "integrable", "atlas": "atlas"}

#: Chapter -> the paper whose claims its scorecard tests (the family chapter tests Yu and Zhang's setup).
CHAPTER_PAPER = {"family": "yu2021variability", "variability": "yu2021variability", "maxout": "tseran2021maxout",
                 "deep_linear": "ziyin2022exact", "integrable": "hajjar2021integrable", "atlas": "atlas"}

#: The verdicts counted in the tables, in their order.
COUNTED = VERDICTS + (DEMONSTRATION,) + SETUP_VERDICTS

#: The line of ``chapters/intro.md`` that staging replaces by the short results table.
LANDING_MARKER = "<!-- results-summary -->"


def collect(executed: Path, entries: list[str]) -> dict[str, list[dict]]:
    """Chapter name -> its scorecard rows, for every TOC entry whose executed notebook glued a scorecard."""
    from varlib.book.pipeline import scorecard_rows

    found = {}
    for entry in entries:
        notebook = executed / f"{entry}.ipynb"
        rows = scorecard_rows(notebook) if notebook.exists() else []
        if rows:
            found[Path(entry).name] = rows
    return found


def verdict_counts(rows: list[dict]) -> Counter:
    """How many rows have each verdict."""
    return Counter(r["verdict"] for r in rows)


def _paper_rows(cards: dict[str, list[dict]]) -> dict[str, list[tuple[str, int, dict]]]:
    """Paper key -> (chapter, row number from 1, row) of every scorecard row that tests it, in chapter order."""
    papers: dict[str, list] = {}
    for chapter, rows in cards.items():
        key = CHAPTER_PAPER.get(chapter)
        if key is not None:
            papers.setdefault(key, []).extend((chapter, i, r) for i, r in enumerate(rows, start=1))
    return {k: papers[k] for k in PAPERS if k in papers}


def _words(items: list[str]) -> str:
    return ", ".join(items[:-1]) + " and " + items[-1] if len(items) > 1 else "".join(items)


def finding(key: str, rows: list[dict], chapters: list[str]) -> str:
    """One sentence on what this build found for paper ``key``, from the counts of its rows' verdicts (setup
    checks and demonstrations are counted in the tables, not here)."""
    n = verdict_counts(rows)
    claims = sum(n[v] for v in VERDICTS)
    where = ", ".join(f"{{ref}}`{c.replace('_', ' ')} <chapter-{c}>`" for c in chapters)
    done = [f"{words} {n[v]}" for v, words in (("reproduced", "reproduces"), ("partly reproduced", "partly reproduces"),
                                               ("not reproduced", "does not reproduce")) if n[v]]
    who = OURS.get(key, f"{{cite:t}}`{key}`")
    sentence = (f"{who} ({where}): of {claims} claim{'s' if claims != 1 else ''}, this build "
                f"{_words(done) if done else 'reproduces none'}")
    return sentence + (f"; {n['not tested']} {'is' if n['not tested'] == 1 else 'are'} not tested here."
                       if n["not tested"] else ".")


def _counts_table(papers: dict[str, list], link: str) -> str:
    """Verdict x paper counts as an HTML table: one row per verdict that occurs (its badge first), one column per
    paper (linked to its section of the results page) and one for all; narrow enough for a phone."""
    shown = [v for v in COUNTED if any(r["verdict"] == v for rows in papers.values() for _, _, r in rows)]
    counts = {key: verdict_counts([r for _, _, r in rows]) for key, rows in papers.items()}
    head = "<th>verdict</th>" + "".join(f'<th><a href="{link}#results-{key}">{html.escape(SHORT[key])}</a></th>'
                                        for key in papers) + "<th>all</th>"
    body = "".join(f"<tr><td>{badge(v)}</td>" + "".join(f"<td>{counts[k][v]}</td>" for k in papers)
                   + f"<td><strong>{sum(c[v] for c in counts.values())}</strong></td></tr>" for v in shown)
    return (f'<div class="results-scroll"><table class="results-counts results-table"><thead><tr>{head}</tr>'
            f'</thead><tbody>{body}</tbody></table></div>')


def _claims_table(rows: list[tuple[str, int, dict]]) -> str:
    """Every claim of one paper: its verdict badge and the claim, linked to its row in its chapter's scorecard."""
    body = "".join(f'<tr><td class="rt-verdict">{badge(r["verdict"])}</td><td><a href="{chapter}.html#'
                   f'{row_anchor(i)}">{text_html(r["claim"])}</a></td>'
                   f'<td class="rt-chapter">{chapter.replace("_", " ")}</td></tr>' for chapter, i, r in rows)
    return ('<table class="results-table"><thead><tr><th>verdict</th><th>claim (links to its scorecard row)</th>'
            f'<th class="rt-chapter">chapter</th></tr></thead><tbody>{body}</tbody></table>')


def results_page(cards: dict[str, list[dict]], profile: str) -> str:
    """The Markdown of the results page: counts per paper and verdict, then per paper one sentence and every
    claim with its verdict."""
    papers = _paper_rows(cards)
    lines = ["(results)=", "# Results at a glance", "",
             f"Every verdict of every chapter's scorecard in this build (profile **{profile}**), generated from "
             "the scorecards themselves. A claim links to its row in its chapter, where the paper's number and ours "
             "stand beside the verdict. On the `smoke` profile most claims are *not tested*: its sizes are too "
             "small to decide them. Each scorecard can be downloaded as CSV from its chapter. Symbols such as "
             "$\\rho$, $\\gamma^*$ and $m$ are explained on the {ref}`notation` page.", "",
             "## Counts", "", _counts_table(papers, "results.html"), ""]
    for key, rows in papers.items():
        chapters = list(dict.fromkeys(c for c, _, _ in rows))
        lines += [f"({'results-' + key})=", f"## {PAPERS[key].capitalize()}", "",
                  finding(key, [r for _, _, r in rows], chapters), "", _claims_table(rows), ""]
    if not papers:
        lines += ["No chapter of this build has a scorecard yet."]
    return "\n".join(lines) + "\n"


def landing_summary(cards: dict[str, list[dict]]) -> str:
    """The landing page's short table: one sentence per paper and the counts, pointing to the results page."""
    papers = _paper_rows(cards)
    if not papers:
        return "No chapter of this build has a scorecard yet."
    sentences = [f"- {finding(key, [r for _, _, r in rows], list(dict.fromkeys(c for c, _, _ in rows)))}"
                 for key, rows in papers.items()]
    return "\n".join(sentences + ["", _counts_table(papers, "results.html"), "",
                                  "Every claim with its verdict: {ref}`results`."]) + "\n"
