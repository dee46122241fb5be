"""How verdicts look: one coloured badge per verdict, and the scorecard as an HTML table built around it.

The same badge, colours and row anchors serve a chapter's scorecard and the generated results page, so a
verdict looks the same wherever it appears and every link to a row lands on it. The colours are Paul Tol's
colour-blind-safe set; every badge also says its verdict in words, so no meaning rests on colour alone. The
table's look (verdict first, rows that become cards on a phone) is in ``_static/verdicts.css``.
"""
from __future__ import annotations

import html
import re

__all__ = ["VERDICT_CLASSES", "badge", "row_anchor", "text_html", "scorecard_html"]

#: Inline math in a scorecard's text: ``$...$`` (no ``$`` inside).
_MATH = re.compile(r"\$([^$]+)\$")

#: Verdict -> CSS class of its badge (colours in ``_static/verdicts.css``).
VERDICT_CLASSES = {"reproduced": "verdict-reproduced", "partly reproduced": "verdict-partly",
                   "not reproduced": "verdict-not-reproduced", "not tested": "verdict-not-tested",
                   "setup check holds": "verdict-setup-holds", "setup check fails": "verdict-setup-fails",
                   "demonstration (cannot fail)": "verdict-demonstration"}


def badge(verdict: str) -> str:
    """The verdict as a coloured badge (an HTML ``span``); an unknown verdict is an error naming the known."""
    if verdict not in VERDICT_CLASSES:
        raise ValueError(f"verdict {verdict!r} has no badge; allowed: {', '.join(VERDICT_CLASSES)}")
    return f'<span class="verdict-badge {VERDICT_CLASSES[verdict]}">{html.escape(verdict)}</span>'


def row_anchor(number: int) -> str:
    """The HTML id of scorecard row ``number`` (from 1), the target of the results page's links."""
    if number < 1:
        raise ValueError(f"row number must be >= 1, got {number!r}")
    return f"scorecard-row-{number}"


def text_html(text: str) -> str:
    """``text`` escaped for HTML, its ``$...$`` spans as inline math that MathJax typesets on the page (the same
    markup Sphinx gives ``$...$`` in prose), so a table shows $m^{-L/2}$, not m^(-L/2)."""
    parts = _MATH.split(str(text))
    return "".join(html.escape(p) if i % 2 == 0 else
                   f'<span class="math notranslate nohighlight">\\({html.escape(p)}\\)</span>'
                   for i, p in enumerate(parts))


def _cell(label: str, text: str, css: str) -> str:
    """One table cell; ``data-label`` names its column where a phone shows rows as cards."""
    return f'<td class="{css}" data-label="{label}">{text}</td>'


def scorecard_html(rows: list[dict]) -> str:
    """The scorecard as an HTML table: verdict badge first, then claim, paper and ours; one anchored row per
    claim (:func:`row_anchor`), so the results page can link to it. Text is escaped; ``$...$`` is math."""
    head = "".join(f'<th class="sc-{c}">{c.capitalize()}</th>' for c in ("verdict", "claim", "paper", "ours"))
    body = []
    for i, row in enumerate(rows, start=1):
        cells = [_cell("Verdict", badge(row["verdict"]), "sc-verdict")]
        cells += [_cell(c.capitalize(), text_html(row[c]), f"sc-{c}") for c in ("claim", "paper", "ours")]
        body.append(f'<tr id="{row_anchor(i)}">{"".join(cells)}</tr>')
    return (f'<table class="scorecard"><thead><tr>{head}</tr></thead>'
            f'<tbody>{"".join(body)}</tbody></table>')
