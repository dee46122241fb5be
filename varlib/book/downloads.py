"""A chapter's results as files a reader can download: its scorecard and the tables behind its figures, as CSV,
and all of them in one ZIP, linked from a box the staging step adds after the chapter's scorecard.

Chapters mark a table for download with :func:`varlib.book.report.downloadable`, which glues it as CSV under
``table-<name>``, and any other text (a JSON schema, say) with :func:`varlib.book.report.downloadable_text`, under
``table-<name>.<suffix>``; the scorecard is read back from its own glue. Nothing is written while a chapter runs:
the files are made from the executed notebook when the book is staged.
"""
from __future__ import annotations

import csv
import io
import zipfile
from pathlib import Path

__all__ = ["TABLE_PREFIX", "glued_tables", "write_downloads", "add_download_box", "source_url", "add_source_link"]

#: The title of the box in which a chapter says how to run it; the source link goes inside it.
RUN_BOX = ":::{admonition} Run this chapter yourself"

#: Glue names of downloadable tables start with this.
TABLE_PREFIX = "table-"


def glued_tables(notebook: Path) -> dict[str, str]:
    """Name -> text of every table (CSV) and file the executed notebook glued with
    :func:`~varlib.book.report.downloadable` (name without suffix: CSV) or
    :func:`~varlib.book.report.downloadable_text` (name with its suffix)."""
    import nbformat

    found = {}
    for cell in nbformat.read(notebook, as_version=4).cells:
        for output in cell.get("outputs", []):
            name = output.get("metadata", {}).get("scrapbook", {}).get("name", "")
            if name.startswith(TABLE_PREFIX):
                found[name[len(TABLE_PREFIX):]] = output["data"]["application/papermill.record/text/plain"]
    return found


def _scorecard_csv(rows: list[dict]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=["verdict", "claim", "paper", "ours"], lineterminator="\n")
    writer.writeheader()
    writer.writerows({k: r[k] for k in writer.fieldnames} for r in rows)
    return out.getvalue()


def write_downloads(folder: Path, chapter: str, scorecard: list[dict], tables: dict[str, str]) -> list[Path]:
    """Write ``scorecard.csv``, one ``<name>.csv`` per table and ``<chapter>-results.zip`` (all of them) into
    ``folder`` (a table named with a suffix, ``schema.json``, keeps it); returns the files written (the ZIP last).
    Nothing is written when there is nothing to offer."""
    files = ({"scorecard": _scorecard_csv(scorecard)} if scorecard else {}) | tables
    if not files:
        return []
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name, text in files.items():
        path = folder / (name if "." in name else f"{name}.csv")
        path.write_text(text)
        written.append(path)
    bundle = folder / f"{chapter}-results.zip"
    with zipfile.ZipFile(bundle, "w", zipfile.ZIP_DEFLATED) as zf:
        for path in written:
            zf.write(path, f"{chapter}/{path.name}")
    return written + [bundle]


def _box(chapter: str, files: list[Path], base: Path) -> str:
    """The Markdown of the download box: the scorecard, each table, and the ZIP of all."""
    def link(path: Path, label: str) -> str:
        return f"{{download}}`{label} <{path.relative_to(base).as_posix()}>`"

    by_name = {p.name: p for p in files if p.suffix != ".zip"}           # a table may come as CSV and JSON
    parts = [link(by_name.pop("scorecard.csv"), "the scorecard (CSV)")] if "scorecard.csv" in by_name else []
    if by_name:
        parts.append("the tables behind the figures: " + ", ".join(
            link(p, f"{p.stem} ({p.suffix[1:].upper()})") for p in by_name.values()))
    parts.append(link(files[-1], "all of them in one ZIP"))
    return "\n".join([":::{admonition} Download this chapter's results", ":class: seealso",
                      "; ".join(parts) + ".", ":::"])


def add_download_box(notebook: Path, chapter: str, files: list[Path]) -> None:
    """Insert the download box into a staged notebook, right after the cell that glued the scorecard (at the
    end when there is none)."""
    import nbformat

    if not files:
        return
    nb = nbformat.read(notebook, as_version=4)
    at = len(nb.cells)
    for i, cell in enumerate(nb.cells):
        if any(o.get("metadata", {}).get("scrapbook", {}).get("name") == "scorecard" for o in cell.get("outputs", [])):
            at = i + 1
    nb.cells.insert(at, nbformat.v4.new_markdown_cell(_box(chapter, files, notebook.parent)))
    nbformat.write(nb, notebook)


def source_url(repository_url: str, path: str, branch: str = "main") -> str:
    """The web page of file ``path`` in the repository (GitHub, GitLab or Bitbucket layout)."""
    base = repository_url.rstrip("/")
    host = base.split("/")[2] if "//" in base else ""
    middle = "-/blob" if "gitlab" in host else "src" if "bitbucket" in host else "blob"
    return f"{base}/{middle}/{branch}/{path}"


def binder_url(repository_url: str, path: str, branch: str = "main") -> str | None:
    """A Binder launch of file ``path`` in JupyterLab (jupytext, in requirements.txt, opens the percent-format
    chapter as a notebook), for a GitHub or GitLab repository; None elsewhere (Binder builds neither Bitbucket
    repositories nor others). Colab is not offered: it opens only ``.ipynb`` files, and none is committed."""
    parts = repository_url.rstrip("/").split("/")
    if len(parts) < 5 or not any(h in parts[2] for h in ("github", "gitlab")):
        return None
    owner, repo = parts[3], parts[4]
    spec = f"gh/{owner}/{repo}" if "github" in parts[2] else f"gl/{owner}%2F{repo}"
    return f"https://mybinder.org/v2/{spec}/{branch}?urlpath=lab/tree/{path}"


def jupyterhub_link(hub_url: str, repository_url: str, path: str, branch: str = "main") -> str:
    """Open file ``path`` on the JupyterHub at ``hub_url``: nbgitpuller's link clones (or updates) the repository in
    the reader's home there and opens the chapter in JupyterLab."""
    from urllib.parse import quote

    repo = repository_url.rstrip("/")
    folder = repo.split("/")[-1].removesuffix(".git")
    return (f"{hub_url.rstrip('/')}/hub/user-redirect/git-pull?repo={quote(repo, safe='')}&branch={branch}"
            f"&urlpath={quote(f'lab/tree/{folder}/{path}', safe='')}")


def add_source_link(notebook: Path, source: str, repository_url: str, jupyterhub_url: str | None = None) -> bool:
    """Add a link to the chapter's source ``source`` (a path in the repository), a Binder launch where the host
    allows one (:func:`binder_url`) and, given a hub, a JupyterHub one (:func:`jupyterhub_link`), inside its "Run
    this chapter yourself" box; returns whether the box was found."""
    import nbformat

    nb = nbformat.read(notebook, as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "markdown" and RUN_BOX in cell.source:
            lines = cell.source.split("\n")
            start = next(i for i, line in enumerate(lines) if line.startswith(RUN_BOX))
            end = next(i for i in range(start + 1, len(lines)) if lines[i].strip() == ":::")
            launches = [(label, url) for label, url in (
                ("launch on Binder", binder_url(repository_url, source)),
                ("open on JupyterHub", jupyterhub_link(jupyterhub_url, repository_url, source) if jupyterhub_url
                 else None)) if url]
            launch = (" Run it in the browser: " + ", ".join(f"[{label}]({url})" for label, url in launches) + "."
                      if launches else "")
            lines.insert(end, f"The source of this chapter: [{source}]({source_url(repository_url, source)}).{launch}")
            cell.source = "\n".join(lines)
            nbformat.write(nb, notebook)
            return True
    return False
