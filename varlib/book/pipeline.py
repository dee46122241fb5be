"""The book pipeline: papermill executes the chapters, Jupyter Book renders them.

1. Every chapter listed in ``_toc.yml`` whose source is a Jupytext text notebook
   (``chapters/NAME.py`` in percent format, or a MyST ``.md`` with a kernelspec)
   is read with jupytext and executed by papermill with the chosen profile and
   parameters into ``<build>/<profile>/executed/``. Parameter names are checked
   against the notebook's ``parameters`` cell first (papermill itself only warns).
2. The injected-parameters cell is folded (``hide-input``).
3. A staging copy of the book (``_config.yml``, ``_toc.yml``, the executed
   notebooks, plain pages, a generated status page) is rendered from clean with
   ``jb build --all -W -n --keep-going`` and execution turned off.

Profiles build into separate folders, so no profile overwrites another.
"""
from __future__ import annotations

import ast
import json
import os
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from varlib.book.archive import merge_run_log
from varlib.book.bench import BOOK_SECONDS_TARGET
from varlib.book.config import chapter_parameters, chapter_settings, check_common, known_chapters
from varlib.book.results import PROFILES
from varlib.core.runtime import device_name, git_commit, resolve_device

__all__ = ["toc_files", "notebook_parameters", "validate_parameters", "ChapterRun", "execute_chapter",
           "stage_book", "stage_results", "build_html", "write_status", "book_time_line", "run_book", "BookError"]


class BookError(RuntimeError):
    """A problem with the book's inputs, reported to the user without a traceback."""


def toc_files(root: Path) -> list[str]:
    """Every ``file`` entry of ``_toc.yml`` (the root first), in reading order."""
    toc_path = root / "_toc.yml"
    if not toc_path.exists():
        raise BookError(f"no _toc.yml in {root}: run from the repository root or pass --root")
    toc = yaml.safe_load(toc_path.read_text())
    found = [toc["root"]]

    def walk(node):
        if isinstance(node, dict):
            if "file" in node:
                found.append(node["file"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk({k: v for k, v in toc.items() if k != "root"})
    return found


def notebook_source(root: Path, entry: str) -> Path | None:
    """The Jupytext notebook behind a TOC entry, or None for a plain page."""
    py, md = root / f"{entry}.py", root / f"{entry}.md"
    if py.exists():
        return py
    if md.exists() and "kernelspec:" in md.read_text().split("---")[1 if md.read_text().startswith("---") else 0]:
        return md
    return None


def notebook_parameters(source: Path) -> dict:
    """Names and default values of the assignments in the notebook's ``parameters`` cell."""
    import jupytext

    nb = jupytext.read(source)
    cells = [c for c in nb.cells if "parameters" in c.get("metadata", {}).get("tags", [])]
    if len(cells) != 1:
        raise BookError(f"{source} must have exactly one cell tagged 'parameters', found {len(cells)}")
    params = {}
    for node in ast.parse(cells[0].source).body:
        target = node.targets[0] if isinstance(node, ast.Assign) else getattr(node, "target", None)
        if isinstance(target, ast.Name):
            params[target.id] = ast.literal_eval(node.value)
    return params


def validate_parameters(chapters: str, declared: dict, given: dict) -> None:
    """A name no chosen chapter declares is an error naming the allowed ones."""
    unknown = sorted(set(given) - set(declared))
    if unknown:
        raise BookError(f"chapter(s) {chapters} have no parameter(s) {', '.join(map(repr, unknown))}; "
                        f"allowed: {', '.join(declared)}")


@dataclass
class ChapterRun:
    """The outcome of executing one chapter."""

    name: str
    output: Path
    parameters: dict
    ok: bool = False
    seconds: float = 0.0
    error: str = ""
    started: str = field(default_factory=lambda: time.strftime("%Y-%m-%d %H:%M:%S"))


def _fold_injected_parameters(path: Path) -> None:
    import nbformat

    nb = nbformat.read(path, as_version=4)
    for cell in nb.cells:
        tags = cell.metadata.setdefault("tags", [])
        if "injected-parameters" in tags and "hide-input" not in tags:
            tags.append("hide-input")
    nbformat.write(nb, path)


#: A chapter's temporary notebook older than this (seconds) was left by a killed run and is removed.
STALE_RUNNING_SECONDS = 24 * 3600


#: How often a kernel that failed before running any cell is started again. Two kernels starting at once can
#: both be handed the same free port (jupyter_client picks ports before the kernel binds them), and the loser
#: dies before its first cell; running the chapter again is safe, since results are cached and writes atomic.
KERNEL_START_RETRIES = 2


def _no_cell_ran(notebook: Path) -> bool:
    """Whether papermill's notebook shows no cell started (no cell has a start time)."""
    import nbformat

    try:
        nb = nbformat.read(notebook, as_version=4)
    except (OSError, ValueError):
        return True
    return not any(c.get("metadata", {}).get("papermill", {}).get("start_time") for c in nb.cells)


def execute_chapter(source: Path, output: Path, parameters: dict, cwd: Path, progress: bool = True) -> ChapterRun:
    """Execute one Jupytext notebook with papermill; failures are recorded, not raised."""
    import jupytext
    import papermill as pm

    name = source.stem
    run = ChapterRun(name, output, parameters)
    output.parent.mkdir(parents=True, exist_ok=True)
    # the last good notebook stays until success; one temporary per process, so two runs at once do not collide
    running = output.with_name(f".{output.stem}.{os.getpid()}.running.ipynb")
    failed = output.with_name(f"{output.stem}.failed.ipynb")
    for stale in output.parent.glob(f".{output.stem}.*.running.ipynb"):   # left by a killed run
        try:
            if time.time() - stale.stat().st_mtime > STALE_RUNNING_SECONDS:
                stale.unlink()
        except FileNotFoundError:       # another run removed it first
            pass
    start = time.perf_counter()
    for attempt in range(1 + KERNEL_START_RETRIES):
        try:
            pm.execute_notebook(jupytext.read(source), str(running), parameters=parameters, cwd=str(cwd),
                                kernel_name="python3", language="python", progress_bar=progress)
            run.ok, run.error = True, ""
        except pm.PapermillExecutionError as err:
            run.error = f"{err.ename}: {err.evalue} (cell {err.exec_count}; see {failed})"
        except Exception as err:  # noqa: BLE001 - report any failure of the kernel or the notebook
            run.error = f"{type(err).__name__}: {err}"
            if attempt < KERNEL_START_RETRIES and _no_cell_ran(running):
                run.error += f" (kernel start {attempt + 1} failed; trying again)"
                continue
        break
    run.seconds = time.perf_counter() - start
    if running.exists():
        _fold_injected_parameters(running)
        os.replace(running, output if run.ok else failed)
    if run.ok and failed.exists():
        failed.unlink()
    return run


def stored_result_warnings(notebook: Path | None) -> list[str]:
    """The corrupt-result warnings a chapter printed (they would otherwise stay in the notebook's stderr)."""
    if notebook is None or not notebook.exists():
        return []
    import nbformat

    nb = nbformat.read(notebook, as_version=4)
    return [line.strip() for c in nb.cells for o in c.get("outputs", []) if o.get("name") == "stderr"
            for line in o.get("text", "").splitlines() if "CorruptResultWarning" in line]


def scorecard_rows(notebook: Path) -> list[dict]:
    """The scorecard rows (claim, paper, ours, verdict) an executed chapter glued with
    :func:`varlib.book.report.scorecard`; [] when it has none."""
    import nbformat

    for cell in reversed(nbformat.read(notebook, as_version=4).cells):
        for output in cell.get("outputs", []):
            if output.get("metadata", {}).get("scrapbook", {}).get("name") == "scorecard":
                return json.loads(output["data"]["application/papermill.record/text/plain"])
    return []


def _check_writable(folder: Path, flag: str) -> None:
    """A folder the run must write to: made if absent, else a clear error naming it and the flag to change."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
        probe = folder / f".write-test-{os.getpid()}"
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as err:
        raise BookError(f"cannot write to {folder} ({err.strerror or err}): make it writable or choose another "
                        f"folder with {flag}") from None


def book_time_line(runs: list[dict], profile: str) -> str:
    """One sentence for the status page: the sum of this build's chapter executions and, where the profile has
    a time target on the device it ran on, whether it was met (a failed chapter makes the sum incomplete)."""
    total = sum(r["seconds"] for r in runs)
    on_cpu = {str(r["device"]).startswith("CPU") for r in runs}
    line = f"All chapters of this build together: **{total:.0f} s** of execution (rendering not included)"
    if any(not r["ok"] for r in runs):
        return line + "; a chapter failed, so the time of the whole book is not known."
    target = (profile == "standard" and on_cpu == {True}) or (profile == "full" and on_cpu == {False})
    if not target:
        return line + (f"; the time target (at most {BOOK_SECONDS_TARGET} s) is set for standard on a CPU and full "
                       "on a GPU only.")
    verdict = "met" if total <= BOOK_SECONDS_TARGET else "missed"
    return line + f"; target at most {BOOK_SECONDS_TARGET} s on this profile and device: **{verdict}**."


def write_status(path: Path, runs: list[dict], profile: str) -> None:
    """The status page: one row per chapter run, then versions and the commit."""
    import importlib.metadata as md

    import torch

    lines = ["# Status of this build", "",
             f"Profile of this build: **{profile}**. Each chapter was executed by papermill; the book was then "
             "rendered by Jupyter Book with execution turned off.", "",
             "| chapter | profile | device | started | duration (s) | status | parameters |",
             "|---|---|---|---|---|---|---|"]
    for r in runs:
        params = ", ".join(f"{k}={v}" for k, v in r["parameters"].items() if k not in ("profile", "results_dir"))
        lines.append(f"| {r['name']} | {r['parameters'].get('profile', '')} | {r['device']} | {r['started']} | "
                     f"{r['seconds']:.1f} | {'ok' if r['ok'] else 'FAILED'} | {params} |")
    lines += ["", book_time_line(runs, profile)]
    versions = {"python": sys.version.split()[0], "torch": torch.__version__, "CUDA": torch.version.cuda or "none",
                "jupyter-book": md.version("jupyter-book"), "papermill": md.version("papermill"),
                "varlib": md.version("varlib"), "git commit": git_commit()}
    lines += ["", "## Environment", "", "| | version |", "|---|---|"]
    lines += [f"| {k} | {v} |" for k, v in versions.items()]
    path.write_text("\n".join(lines) + "\n")


def _staged_config(root: Path, repository_url: str | None) -> str:
    """``_config.yml``, with the repository and issue buttons switched on when a repository URL is given."""
    text = (root / "_config.yml").read_text()
    if not repository_url:
        return text
    if not repository_url.startswith(("https://", "http://")):
        raise BookError(f"repository_url must start with https:// or http://, got {repository_url!r}")
    config = yaml.safe_load(text)
    config.setdefault("repository", {}).update({"url": repository_url, "branch": "main"})
    config.setdefault("html", {}).update({"use_repository_button": True, "use_issues_button": True})
    host = repository_url.split("/")[2]
    provider = next((p for p in ("gitlab", "bitbucket") if p in host), "github")
    sphinx = config.setdefault("sphinx", {})
    sphinx["recursive_update"] = True
    sphinx.setdefault("config", {}).setdefault("html_theme_options", {})["repository_provider"] = provider
    return yaml.safe_dump(config, sort_keys=False)


def stage_book(root: Path, stage: Path, executed: Path, entries: list[str],
               repository_url: str | None = None) -> list[str]:
    """Copy the book's sources and executed notebooks into ``stage``; return the entries left out."""
    if stage.exists():
        shutil.rmtree(stage)
    stage.mkdir(parents=True)
    (stage / "_config.yml").write_text(_staged_config(root, repository_url))
    shutil.copy2(root / "references.bib", stage / "references.bib")
    if (root / "_static").is_dir():
        shutil.copytree(root / "_static", stage / "_static")
    missing = []
    for entry in entries:
        src = root / f"{entry}.md"
        nb = executed / f"{entry}.ipynb"
        dst = stage / entry
        dst.parent.mkdir(parents=True, exist_ok=True)
        if notebook_source(root, entry) is not None:
            if nb.exists():
                shutil.copy2(nb, dst.with_suffix(".ipynb"))
            else:
                missing.append(entry)
        elif src.exists():
            shutil.copy2(src, dst.with_suffix(".md"))
        else:
            missing.append(entry)
    toc = (root / "_toc.yml").read_text()
    if missing:
        toc = _drop_toc_entries(yaml.safe_load(toc), set(missing))
    (stage / "_toc.yml").write_text(toc if isinstance(toc, str) else yaml.safe_dump(toc, sort_keys=False))
    return missing


def _drop_toc_entries(node, drop: set):
    """The TOC without the entries in ``drop``, and without parts or sections left empty."""
    if isinstance(node, dict):
        return {k: _drop_toc_entries(v, drop) for k, v in node.items()
                if not (k in ("chapters", "sections", "parts") and isinstance(v, list)
                        and not _drop_toc_entries(v, drop))}
    if isinstance(node, list):
        kept = [_drop_toc_entries(v, drop) for v in node if not (isinstance(v, dict) and v.get("file") in drop)]
        return [v for v in kept if not (isinstance(v, dict) and "file" not in v and
                                        not any(k in v for k in ("chapters", "sections")))]
    return node


def stage_results(stage: Path, executed: Path, entries: list[str], profile: str, root: Path | None = None,
                  repository_url: str | None = None, jupyterhub_url: str | None = None) -> dict[str, list[dict]]:
    """Make the staged book's results from its chapters' scorecards (:mod:`varlib.book.overview`): the results
    page, the landing page's short table (in place of :data:`~varlib.book.overview.LANDING_MARKER`), and each
    chapter's downloads with a box linking them; with a ``repository_url``, a link to each chapter's source (under
    ``root``) in its "Run this chapter yourself" box, with launch links (Binder; the ``jupyterhub_url`` hub through
    nbgitpuller when given). Returns chapter -> scorecard rows."""
    from varlib.book import downloads, overview

    cards = overview.collect(executed, entries)
    for entry in entries:
        notebook, name = stage / f"{entry}.ipynb", Path(entry).name
        if notebook.exists():
            files = downloads.write_downloads(notebook.parent / "data" / name, name, cards.get(name, []),
                                              downloads.glued_tables(notebook))
            downloads.add_download_box(notebook, name, files)
            source = notebook_source(root, entry) if root is not None else None
            if repository_url and source is not None:
                downloads.add_source_link(notebook, source.relative_to(root).as_posix(), repository_url,
                                          jupyterhub_url=jupyterhub_url)
    results = stage / "chapters" / "results.md"
    if results.exists():
        results.write_text(overview.results_page(cards, profile))
    landing = stage / f"{entries[0]}.md"
    if landing.exists():
        landing.write_text(landing.read_text().replace(overview.LANDING_MARKER, overview.landing_summary(cards)))
    return cards


def build_html(stage: Path, out: Path, strict: bool = True) -> Path:
    """``jb build --all -W -n --keep-going`` of the staged book (without ``-W`` if not strict); returns index.html."""
    cmd = [sys.executable, "-c", "from jupyter_book.cli.main import main; main()", "build", str(stage),
           "--path-output", str(out), "--all", "-n", "--keep-going"] + (["-W"] if strict else [])
    if (out / "_build").exists():
        shutil.rmtree(out / "_build")
    proc = subprocess.run(cmd)
    if proc.returncode != 0:
        raise BookError(f"jupyter-book build failed (exit {proc.returncode}); see the warnings above")
    return out / "_build" / "html" / "index.html"


def run_book(root: Path, profile: str = "standard", chapters: list[str] | None = None, device: str = "auto",
             params: dict | None = None, build_dir: Path | None = None, results_dir: Path | None = None,
             html: bool = True, progress: bool = True, repository_url: str | None = None,
             execute: bool = True, jupyterhub_url: str | None = None) -> Path | None:
    """Execute the chosen chapters (all by default) and render the book; returns index.html.

    ``execute=False`` renders what ``<build_dir>/<profile>/executed`` already holds (for instance notebooks
    executed on a GPU machine and brought back with :func:`varlib.book.archive.import_run`)."""
    from tqdm.auto import tqdm

    if profile not in PROFILES:
        raise BookError(f"unknown profile {profile!r}; allowed: {', '.join(PROFILES)}")
    if not execute and (chapters or params):
        raise BookError("render-only takes no --chapter or -p: it renders what was executed before")
    _check_hub(jupyterhub_url, repository_url)
    root = Path(root).resolve()
    build = Path(build_dir or root / "_build").resolve() / profile
    results = Path(results_dir or root / "results").resolve()
    entries = toc_files(root)
    notebooks = {Path(e).name: (e, notebook_source(root, e)) for e in entries if notebook_source(root, e)}
    chosen = chapters or list(notebooks)
    unknown = [c for c in chosen if c not in notebooks]
    if unknown:
        raise BookError(f"unknown chapter(s) {', '.join(unknown)}; allowed: {', '.join(notebooks)}")
    if not execute:
        if not (build / "runs.json").exists():
            raise BookError(f"nothing executed on profile {profile!r} in {build}: run without --render-only "
                            "first, or import an archive with `python -m varlib import-run`")
        return _render(root, build, entries, profile, repository_url, jupyterhub_url)
    for folder, flag in ((build, "--build-dir"), (results, "--results-dir")):
        _check_writable(folder, flag)
    params = dict(params or {})
    dev_name = device_name(resolve_device(device))
    declared = {name: notebook_parameters(notebooks[name][1]) for name in chosen}
    validate_parameters(", ".join(chosen), {k: v for d in declared.values() for k, v in d.items()}, params)
    plans = []
    for name in chosen:
        mine = {k: v for k, v in params.items() if k in declared[name]}
        check_common(mine)
        if name in known_chapters():  # values checked before any kernel starts
            sizes = chapter_parameters(name)
            chapter_settings(name, profile, **{k: v for k, v in mine.items() if k in sizes})
        given = {"profile": profile, "device": device, "results_dir": str(results), **mine}
        plans.append((name, notebooks[name][0], notebooks[name][1],
                      {k: v for k, v in given.items() if k in declared[name]}))
    executed, runs = build / "executed", []
    for name, entry, source, parameters in tqdm(plans, desc=f"chapters ({profile})", disable=not progress):
        # recorded as running first: a killed run leaves "not ok" in the log, never the previous "ok"
        _update_run_log(build / "runs.json", [ChapterRun(name, executed / f"{entry}.ipynb", parameters,
                                                          error="running (interrupted?)")], dev_name)
        run = execute_chapter(source, executed / f"{entry}.ipynb", parameters, root, progress)
        runs.append(run)
        _update_run_log(build / "runs.json", [run], dev_name)     # at once: an interrupted build keeps it
        outcome = f"[{'ok' if run.ok else 'FAILED'}] {name}: {run.seconds:.1f} s"
        print(outcome + (f" - {run.error}" if run.error else ""))
        for line in stored_result_warnings(executed / f"{entry}.ipynb" if run.ok else None):
            print(f"[warning] {name}: {line}")
    failed = [r for r in runs if not r.ok]
    if failed:
        raise BookError(f"{len(failed)} chapter(s) failed: {', '.join(r.name for r in failed)}; "
                        "the executed notebooks with the tracebacks are listed above")
    if not html:
        return None
    return _render(root, build, entries, profile, repository_url, jupyterhub_url)


def _check_hub(jupyterhub_url: str | None, repository_url: str | None) -> None:
    """A JupyterHub link needs the repository it pulls from, and a web address."""
    if jupyterhub_url is None:
        return
    if not repository_url:
        raise BookError("--jupyterhub-url needs --repository-url: the hub pulls the chapter from that repository")
    if not str(jupyterhub_url).startswith(("https://", "http://")):
        raise BookError(f"jupyterhub_url must start with https:// or http://, got {jupyterhub_url!r}")


def _render(root: Path, build: Path, entries: list[str], profile: str, repository_url: str | None,
            jupyterhub_url: str | None = None) -> Path:
    """Stage the executed notebooks and plain pages with a status page, then build the HTML."""
    executed = build / "executed"
    stage = build / "src"
    missing = stage_book(root, stage, executed, entries, repository_url)
    if missing:
        print(f"not executed on profile {profile!r} (or no source yet), left out of this build: "
              f"{', '.join(missing)}\nthis partial build is a preview: links to the missing pages only warn "
              "(a build of the whole book treats every warning as an error)")
    write_status(stage / "chapters" / "status.md", json.loads((build / "runs.json").read_text()), profile)
    stage_results(stage, executed, entries, profile, root, repository_url, jupyterhub_url)
    return build_html(stage, build, strict=not missing)


def _update_run_log(path: Path, runs: list[ChapterRun], dev_name: str) -> None:
    """Keep the latest run of every chapter of this profile (for the status page)."""
    merge_run_log(path, [{"name": r.name, "ok": r.ok, "seconds": r.seconds, "started": r.started, "error": r.error,
                          "device": dev_name, "parameters": r.parameters} for r in runs])
