"""The results at a glance: badges, the results page and the downloads are made from the scorecards alone."""
import zipfile

import nbformat
import pandas as pd
import pytest

from varlib.book import badges, downloads, overview
from varlib.book.report import DEMONSTRATION, VERDICTS, folded, scorecard

ROWS = {"variability": [{"claim": "V3 rises with N", "paper": "yes", "ours": "0.9", "verdict": "reproduced"},
                        {"claim": "|x| beats <ReLU>", "paper": "yes", "ours": "n/a", "verdict": "not tested"}],
        "maxout": [{"claim": "regions ~ N^2", "paper": "N^2", "ours": "N^1.9", "verdict": "partly reproduced"},
                   {"claim": "pieces differ", "paper": "Fig. 1", "ours": "3-9", "verdict": DEMONSTRATION}]}


def test_every_verdict_has_a_badge_and_unknown_ones_are_refused():
    for v in VERDICTS + (DEMONSTRATION, "setup check holds", "setup check fails"):
        assert f">{v}<" in badges.badge(v)
    with pytest.raises(ValueError, match="allowed: reproduced"):
        badges.badge("great")
    with pytest.raises(ValueError, match="row number"):
        badges.row_anchor(0)


def test_a_scorecard_shows_its_verdict_first_with_anchored_rows_and_no_index_row():
    html = scorecard(ROWS["variability"])._repr_html_()
    assert html.index("Verdict") < html.index("Claim") < html.index("Paper") < html.index("Ours")
    assert 'id="scorecard-row-1"' in html and 'id="scorecard-row-2"' in html
    assert "&lt;ReLU&gt;" in html and "<ReLU>" not in html                  # text is escaped
    assert html.count("<tr") == 3                                          # header and two rows: no index-name row
    assert list(scorecard(ROWS["variability"]).Verdict) == ["reproduced", "not tested"]


def test_the_results_page_links_every_claim_and_counts_the_verdicts():
    page = overview.results_page(ROWS, "smoke")
    for chapter, rows in ROWS.items():
        for i, _ in enumerate(rows, start=1):
            assert f'href="{chapter}.html#scorecard-row-{i}"' in page
    assert "{cite:t}`yu2021variability`" in page and "{cite:t}`tseran2021maxout`" in page
    assert "of 2 claims, this build reproduces 1; 1 is not tested here." in page
    assert "of 1 claim, this build partly reproduces 1." in page           # a demonstration is no claim
    assert page.index("Variability") < page.index("Maxout")                # the papers' order
    assert "profile **smoke**" in page


def test_the_landing_summary_has_one_sentence_per_paper_and_the_counts():
    summary = overview.landing_summary(ROWS)
    assert summary.count("\n- ") + summary.startswith("- ") == 2
    assert 'class="results-counts' in summary and "{ref}`results`" in summary
    assert overview.landing_summary({}) == "No chapter of this build has a scorecard yet."


def test_downloads_hold_the_scorecard_and_tables_and_a_box_links_them(tmp_path):
    files = downloads.write_downloads(tmp_path / "data" / "maxout", "maxout", ROWS["maxout"], {"counts": "a,b\n1,2\n"})
    assert [p.name for p in files] == ["scorecard.csv", "counts.csv", "maxout-results.zip"]
    csv = pd.read_csv(files[0])
    assert list(csv.columns) == ["verdict", "claim", "paper", "ours"] and list(csv.verdict) == [
        "partly reproduced", DEMONSTRATION]
    assert sorted(zipfile.ZipFile(files[-1]).namelist()) == ["maxout/counts.csv", "maxout/scorecard.csv"]
    assert downloads.write_downloads(tmp_path / "none", "x", [], {}) == []
    named = downloads.write_downloads(tmp_path / "data" / "atlas", "atlas", [],
                                      {"schema": "column,type\n", "schema.json": '{"fields": []}'})
    assert [p.name for p in named] == ["schema.csv", "schema.json", "atlas-results.zip"]
    box = downloads._box("atlas", named, tmp_path)
    assert "`schema (CSV) <data/atlas/schema.csv>`" in box and "`schema (JSON) <data/atlas/schema.json>`" in box

    nb = nbformat.v4.new_notebook()
    glued = nbformat.v4.new_code_cell("scorecard")
    glued.outputs = [nbformat.v4.new_output("display_data", data={"application/papermill.record/text/plain": "[]"},
                                            metadata={"scrapbook": {"name": "scorecard"}})]
    nb.cells = [nbformat.v4.new_markdown_cell("intro"), glued, nbformat.v4.new_markdown_cell("end")]
    path = tmp_path / "maxout.ipynb"
    nbformat.write(nb, path)
    downloads.add_download_box(path, "maxout", files)
    cells = nbformat.read(path, as_version=4).cells
    assert cells[2].cell_type == "markdown" and "{download}`the scorecard (CSV) <data/maxout/scorecard.csv>`" in \
        cells[2].source and "<data/maxout/maxout-results.zip>" in cells[2].source and cells[3].source == "end"


def test_a_folded_table_shows_its_head_and_the_rest_behind_a_toggle():
    table = folded(pd.DataFrame({"x": range(30)}), "All the rows", head=5)
    html = table._repr_html_()
    assert "<details" in html and "All the rows (all 30 rows)" in html
    assert html.split("<details")[0].count("<tr") == 6 and table.x.sum() == sum(range(30))
    with pytest.raises(ValueError, match="head"):
        folded(table, "x", head=-1)


def test_the_run_box_links_the_chapters_source_when_a_repository_is_given(tmp_path):
    assert downloads.source_url("https://github.com/a/b/", "chapters/x.py") == \
        "https://github.com/a/b/blob/main/chapters/x.py"
    assert downloads.source_url("https://gitlab.com/a/b", "c.py") == "https://gitlab.com/a/b/-/blob/main/c.py"
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell(f"# X\n\n{downloads.RUN_BOX}\n:class: note\n`make book`\n:::\n\nafter")]
    path = tmp_path / "x.ipynb"
    nbformat.write(nb, path)
    assert downloads.add_source_link(path, "chapters/x.py", "https://github.com/a/b")
    text = nbformat.read(path, as_version=4).cells[0].source
    assert text.index("[chapters/x.py](https://github.com/a/b/blob/main/chapters/x.py)") < text.index(":::\n\nafter")
    assert "(https://mybinder.org/v2/gh/a/b/main?urlpath=lab/tree/chapters/x.py)" in text
    assert downloads.binder_url("https://gitlab.com/a/b", "c.py") == \
        "https://mybinder.org/v2/gl/a%2Fb/main?urlpath=lab/tree/c.py"
    assert downloads.binder_url("https://bitbucket.org/a/b", "c.py") is None
    hub = downloads.jupyterhub_link("https://hub.example.org/", "https://github.com/a/b", "chapters/x.py")
    assert hub == ("https://hub.example.org/hub/user-redirect/git-pull?repo=https%3A%2F%2Fgithub.com%2Fa%2Fb"
                   "&branch=main&urlpath=lab%2Ftree%2Fb%2Fchapters%2Fx.py")
    nbformat.write(nb, path)
    assert downloads.add_source_link(path, "chapters/x.py", "https://github.com/a/b", jupyterhub_url="https://h.org")
    assert "[open on JupyterHub](https://h.org/hub/user-redirect/git-pull?" in \
        nbformat.read(path, as_version=4).cells[0].source
    nb.cells = [nbformat.v4.new_markdown_cell("no box")]
    nbformat.write(nb, path)
    assert not downloads.add_source_link(path, "chapters/x.py", "https://github.com/a/b")


def test_dollar_math_in_a_scorecard_is_typeset_and_the_rest_escaped():
    html = badges.text_html("spread falls like $m^{-1/2}$ for <IP>, $x<1$")
    assert html == ('spread falls like <span class="math notranslate nohighlight">\\(m^{-1/2}\\)</span> for '
                    '&lt;IP&gt;, <span class="math notranslate nohighlight">\\(x&lt;1\\)</span>')
    assert badges.text_html("costs $5") == "costs $5"                     # a lone dollar is text
    row = {"claim": "$\\rho$ rises", "paper": "p", "ours": "o", "verdict": "reproduced"}
    assert '<span class="math notranslate nohighlight">\\(\\rho\\)</span> rises' in scorecard([row])._repr_html_()
    assert '\\(\\rho\\)</span> rises</a>' in overview.results_page({"family": [row]}, "smoke")


def test_the_atlas_has_its_own_section_on_the_results_page():
    """The atlas's rows are the book's own claims: counted in their own column and section, named in words (no
    citation key)."""
    from varlib.book import overview

    cards = {"variability": [{"claim": "c1", "verdict": "reproduced"}],
             "atlas": [{"claim": "variability predicts trainability better than depth alone",
                        "verdict": "partly reproduced"}]}
    page = overview.results_page(cards, "standard")
    assert "## The trainability atlas (this book's own comparison)" in page and "(results-atlas)=" in page
    assert "The trainability atlas ({ref}`atlas <chapter-atlas>`): of 1 claim" in page
    assert "{cite:t}`atlas`" not in page and "atlas.html#" in page


def test_a_jupyterhub_link_needs_the_repository_it_pulls_from(tmp_path):
    from varlib.book.pipeline import BookError, run_book

    with pytest.raises(BookError, match="needs --repository-url"):
        run_book(tmp_path, jupyterhub_url="https://hub.example.org")
    with pytest.raises(BookError, match="must start with https://"):
        run_book(tmp_path, jupyterhub_url="hub.example.org", repository_url="https://github.com/a/b")
