"""The book as a whole: every chapter executes under papermill (smoke), and the strict build succeeds.

One smoke build per test session, into a temporary folder; the repository's own _build/ and results/ are
never touched.
"""
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from varlib.book.pipeline import BookError, notebook_parameters, notebook_source, run_book, toc_files

ROOT = Path(__file__).resolve().parent.parent
CHAPTERS = [Path(e).name for e in toc_files(ROOT) if notebook_source(ROOT, e)]
pytestmark = pytest.mark.slow


def _page(build, entry):
    return BeautifulSoup((build / "_build" / "html" / f"{entry}.html").read_text(), "html.parser")


def test_every_chapter_has_a_tagged_parameters_cell_with_the_common_parameters():
    for entry in toc_files(ROOT):
        source = notebook_source(ROOT, entry)
        if source:
            params = notebook_parameters(source)
            assert {"profile", "device", "seed", "threads", "results_dir"} <= set(params), entry
            assert params["profile"] == "standard" and params["device"] == "auto", entry


def test_papermill_reads_every_parameter_line(caplog):
    """papermill's parameter inspection (its help for `papermill --help-notebook`) skips a line with two '='
    (a comment like 'at L = 3') and warns; every line of every parameters cell must parse."""
    import logging

    import jupytext
    from papermill.translators import PythonTranslator

    for entry in toc_files(ROOT):
        source = notebook_source(ROOT, entry)
        if source:
            cell = next(c for c in jupytext.read(source).cells if "parameters" in c.metadata.get("tags", []))
            with caplog.at_level(logging.WARNING, logger="papermill"):
                names = {p.name for p in PythonTranslator.inspect(cell)}
            assert not caplog.records, (entry, [r.getMessage() for r in caplog.records])
            assert set(notebook_parameters(source)) <= names, entry


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_chapter_executes_on_smoke_without_errors(smoke_book, chapter):
    import nbformat

    build, _ = smoke_book
    nb = nbformat.read(next((build / "executed").rglob(f"{chapter}.ipynb")), as_version=4)
    assert nb.metadata.papermill.parameters["profile"] == "smoke"
    assert not any(c.metadata.get("papermill", {}).get("exception") for c in nb.cells)
    assert not any(o.get("output_type") == "error" for c in nb.cells for o in c.get("outputs", []))
    injected = [c for c in nb.cells if "injected-parameters" in c.metadata.get("tags", [])]
    assert len(injected) == 1 and "hide-input" in injected[0].metadata.tags


def test_strict_build_renders_every_page(smoke_book):
    build, index = smoke_book
    assert index.exists()
    for entry in toc_files(ROOT):
        page = _page(build, entry)
        assert not page.select("div.output.traceback"), entry
        assert not page.select(".output.stderr"), entry


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_chapter_page_has_numbered_figures_and_a_scorecard(smoke_book, chapter):
    build, _ = smoke_book
    entry = next(e for e in toc_files(ROOT) if Path(e).name == chapter)
    page = _page(build, entry)
    captions = [c.get_text(" ", strip=True) for c in page.select("figcaption")]
    assert captions and all(c.startswith("Fig.") for c in captions)
    assert all(img.get("src") for img in page.select("figure img"))
    assert "Scorecard" in page.get_text() and "Verdict" in page.get_text()
    links = {a.get("href", "").split("#")[-1] for a in page.select("a.reference.internal")}
    for fig in page.select("figure[id]"):
        assert fig["id"] in links, f"figure {fig['id']} is never referenced from the text"
    assert any(a.get("href", "").endswith(f"{chapter}.ipynb") for a in page.select("a")), "no .ipynb download"
    assert "Copyright 2026" in page.get_text()
    assert "Run this chapter yourself" in page.get_text() or chapter == "benchmarks"


#: Chapters whose pages still show raw Python values (a dict, a numpy scalar, a quoted string); each leaves this set
#: once its cells display tables or prose instead.
RAW_OUTPUT_PENDING = set()


@pytest.mark.parametrize("chapter", [c for c in CHAPTERS if c not in RAW_OUTPUT_PENDING])
def test_no_raw_python_output_on_pages(smoke_book, chapter):
    """A shown cell output is a table, a figure or prose, never the repr of a dict, a tuple, a quoted string or a
    numpy scalar."""
    import re

    import nbformat

    build, _ = smoke_book
    nb = nbformat.read(next((build / "executed").rglob(f"{chapter}.ipynb")), as_version=4)
    raw = re.compile(r"^\s*(?:[{(\[']|np\.|array\()")
    for cell in nb.cells:
        if {"remove-output", "remove-cell"} & set(cell.metadata.get("tags", [])):
            continue
        for out in cell.get("outputs", []):
            data = out.get("data", {})
            shown = set(data) - {"text/plain"}
            if "text/plain" in data and not shown:
                assert not raw.match(data["text/plain"]), (chapter, cell.source[-80:], data["text/plain"][:80])
            assert "np.True_" not in data.get("text/html", "") and "np.float" not in data.get("text/html", "")


def test_results_page_and_downloads(smoke_book):
    """The generated results page lists every scorecard's claims; every chapter with a scorecard links its CSV and
    a ZIP of its results, and the files are in the book."""
    build, _ = smoke_book
    html = build / "_build" / "html"
    results = _page(build, "chapters/results")
    claims = results.select("table.results-table td.rt-verdict")
    assert claims and len(results.select("table.results-counts")) == 1
    assert _page(build, "chapters/intro").select("table.results-counts")
    for chapter in CHAPTERS:
        page = _page(build, next(e for e in toc_files(ROOT) if Path(e).name == chapter))
        if page.select("table.scorecard"):
            links = {a["href"] for a in page.select("a.download")}
            csv = [h for h in links if h.endswith("/scorecard.csv")]
            assert csv and any(h.endswith(f"/{chapter}-results.zip") for h in links), chapter
            assert (html / "chapters" / csv[0]).resolve().exists(), csv[0]


def test_status_page_lists_every_chapter(smoke_book):
    build, _ = smoke_book
    text = _page(build, "chapters/status").get_text(" ")
    for chapter in CHAPTERS:
        assert chapter in text
    assert "smoke" in text and "torch" in text and "FAILED" not in text


def test_unknown_parameter_and_chapter_are_rejected_before_running(tmp_path):
    with pytest.raises(BookError, match="family have no parameter.*'widht'.*allowed"):
        run_book(ROOT, "smoke", ["family"], params={"widht": 3}, build_dir=tmp_path, progress=False)
    with pytest.raises(BookError, match="unknown chapter.*allowed: family"):
        run_book(ROOT, "smoke", ["nope"], build_dir=tmp_path, progress=False)
    with pytest.raises(ValueError, match="draws must be > 0"):
        run_book(ROOT, "smoke", ["family"], params={"draws": -1}, build_dir=tmp_path, progress=False)


def test_cli_reports_bad_input_clearly():
    proc = subprocess.run([sys.executable, "-m", "varlib", "book", "--profile", "smoke", "-p", "bogus=1",
                           "--no-html", "--build-dir", "/tmp/unused"], cwd=ROOT, capture_output=True, text=True)
    assert proc.returncode == 1 and "have no parameter(s) 'bogus'; allowed:" in proc.stderr


def _one_chapter_book(tmp_path, name: str, source: str) -> Path:
    """A book of one chapter ``chapters/<name>.py`` with ``source``, in ``tmp_path/book``."""
    book = tmp_path / "book"
    (book / "chapters").mkdir(parents=True)
    for file in ("_config.yml", "references.bib"):
        shutil.copy2(ROOT / file, book / file)
    (book / "_toc.yml").write_text(f"format: jb-book\nroot: chapters/intro\nchapters:\n  - file: chapters/{name}\n")
    (book / "chapters" / "intro.md").write_text("# Intro\n")
    (book / "chapters" / f"{name}.py").write_text(source)
    return book


def test_a_raising_chapter_fails_the_run(tmp_path):
    """A book whose chapter raises: the run reports it and fails; nothing is rendered."""
    source = (ROOT / "chapters" / "family.py").read_text()
    broken = source.replace("import varlib\n", "import varlib\nraise RuntimeError('boom')\n", 1)
    book = _one_chapter_book(tmp_path, "bad", broken)
    with pytest.raises(BookError, match="1 chapter.*failed: bad"):
        run_book(book, "smoke", device="cpu", build_dir=tmp_path / "_build", results_dir=tmp_path / "r",
                 progress=False)
    assert not (tmp_path / "_build" / "smoke" / "_build").exists()


def _fake_papermill(monkeypatch, failures: list[tuple[bool, Exception]]):
    """papermill.execute_notebook replaced: each call writes a one-cell notebook (its cell started or not) and
    raises the next planned exception; once the plan is used up, the call succeeds. Returns the call count."""
    import nbformat
    import papermill as pm

    calls = []

    def execute(nb, path, **_):
        started, error = failures[len(calls)] if len(calls) < len(failures) else (True, None)
        calls.append(path)
        cell = nbformat.v4.new_code_cell("1")
        cell.metadata["papermill"] = {"start_time": "2026-01-01T00:00:00" if started else None}
        nbformat.write(nbformat.v4.new_notebook(cells=[cell]), path)
        if error is not None:
            raise error

    monkeypatch.setattr(pm, "execute_notebook", execute)
    return calls


@pytest.mark.parametrize("started, runs, ok", [(False, 2, True), (True, 1, False)])
def test_a_kernel_that_dies_before_its_first_cell_is_started_again(monkeypatch, tmp_path, started, runs, ok):
    """Two kernels starting at once can be handed the same port; the one that dies before running a cell is
    started again. A failure after a cell started is the chapter's and is reported, not retried."""
    from varlib.book.pipeline import execute_chapter

    source = tmp_path / "c.py"
    source.write_text("# %%\n1\n")
    calls = _fake_papermill(monkeypatch, [(started, RuntimeError("Kernel died before replying to kernel_info"))])
    run = execute_chapter(source, tmp_path / "out" / "c.ipynb", {}, tmp_path, progress=False)
    assert (len(calls), run.ok) == (runs, ok)
    assert (tmp_path / "out" / ("c.ipynb" if ok else "c.failed.ipynb")).exists()
    assert ok or "Kernel died" in run.error


def test_a_kernel_that_never_starts_is_reported_after_the_retries(monkeypatch, tmp_path):
    from varlib.book.pipeline import KERNEL_START_RETRIES, execute_chapter

    source = tmp_path / "c.py"
    source.write_text("# %%\n1\n")
    calls = _fake_papermill(monkeypatch, [(False, RuntimeError("no kernel"))] * 10)
    run = execute_chapter(source, tmp_path / "out" / "c.ipynb", {}, tmp_path, progress=False)
    assert len(calls) == 1 + KERNEL_START_RETRIES and not run.ok and "no kernel" in run.error


def test_repository_url_adds_the_buttons(tmp_path):
    from varlib.book.pipeline import _staged_config

    text = _staged_config(ROOT, "https://example.org/team/trainability-book")
    assert "use_repository_button: true" in text and "https://example.org/team/trainability-book" in text
    assert _staged_config(ROOT, None) == (ROOT / "_config.yml").read_text()
    with pytest.raises(BookError, match="https://"):
        _staged_config(ROOT, "example.org/x")


def test_dropping_toc_entries_removes_parts_left_empty():
    from varlib.book.pipeline import _drop_toc_entries

    toc = {"format": "jb-book", "root": "intro",
           "parts": [{"caption": "A", "chapters": [{"file": "a"}]},
                     {"caption": "B", "chapters": [{"file": "b", "sections": [{"file": "c"}]}, {"file": "d"}]}]}
    assert _drop_toc_entries(toc, {"a", "c"}) == {"format": "jb-book", "root": "intro",
                                                  "parts": [{"caption": "B",
                                                             "chapters": [{"file": "b"}, {"file": "d"}]}]}


def test_an_unwritable_build_folder_is_a_clear_error(tmp_path):
    """A build folder that cannot be written (here: a file stands where it should be, which even root cannot
    write into) is reported with its path and the flag to change, before anything runs."""
    blocked = tmp_path / "blocked"
    blocked.write_text("a file, not a folder")
    with pytest.raises(BookError, match=r"cannot write to .*blocked.*--build-dir"):
        run_book(ROOT, "smoke", chapters=["family"], device="cpu", build_dir=blocked, results_dir=tmp_path / "r",
                 progress=False, html=False)


def test_corrupt_result_warnings_reach_the_command_line(tmp_path):
    import nbformat

    from varlib.book.pipeline import stored_result_warnings

    nb = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell("x")
    cell.outputs = [nbformat.v4.new_output("stream", name="stderr", text="/x/results.py:1: CorruptResultWarning: "
                                           "result file r/a.pt is corrupt (ValueError: bad); moved\n  warn(...)\n")]
    nb.cells = [cell]
    nbformat.write(nb, tmp_path / "c.ipynb")
    assert stored_result_warnings(tmp_path / "c.ipynb") == [
        "/x/results.py:1: CorruptResultWarning: result file r/a.pt is corrupt (ValueError: bad); moved"]
    assert stored_result_warnings(None) == []


def test_the_status_page_scores_this_builds_own_time():
    from varlib.book.pipeline import book_time_line

    def run(name, seconds, device="CPU (x86_64, 2 torch threads)", ok=True):
        return {"name": name, "seconds": seconds, "device": device, "ok": ok}

    assert book_time_line([run("a", 400.0), run("b", 18.4)], "standard").endswith(
        "**418 s** of execution (rendering not included); target at most 1800 s on this profile and device: **met**.")
    assert "**missed**" in book_time_line([run("a", 1701.0), run("b", 200.0)], "standard")
    assert "not known" in book_time_line([run("a", 10.0), run("b", 5.0, ok=False)], "standard")
    assert "set for standard on a CPU and full on a GPU only" in book_time_line([run("a", 10.0)], "smoke")
    assert "**met**" in book_time_line([run("a", 900.0, device="NVIDIA H200")], "full")
