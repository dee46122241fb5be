"""Command line of the book pipeline.

    python -m varlib book [--profile P] [--chapter NAME ...] [--device D] [-p name=value ...] [--render-only]
    python -m varlib archive [--profile P] --out DIR       pack what was executed (on a GPU machine, say)
    python -m varlib import-run ARCHIVE.tar.gz ...         unpack it here, then `book --render-only`
    python -m varlib sweep run CHAPTER [--profile P] [--executor ray] [--ray-address A] [-p name=value ...]
    python -m varlib sweep status CHAPTER [--profile P]    done / pending items of each sweep the chapter started
"""
from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

import yaml

from varlib.book.results import PROFILES
from varlib.core.runtime import DEVICES


#: Settings that have their own flag: ``-p`` may not set them (it would run one profile with another's checks).
_FLAGGED = {"profile": "--profile", "results_dir": "--results-dir", "device": "--device"}
#: ... and these, in ``sweep run`` only (``book`` takes them as ``-p executor=ray -p ray_address=auto``).
_SWEEP_FLAGGED = {"executor": "--executor", "ray_address": "--ray-address"}
_NUMBER = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?")


def _parse_param(text: str) -> tuple[str, object]:
    """``name=value`` with a YAML value; numbers such as ``3e-3`` (which YAML 1.1 reads as a string) are numbers."""
    name, sep, value = text.partition("=")
    name = name.strip()
    if not sep or not name:
        raise argparse.ArgumentTypeError(f"-p takes name=value (e.g. -p draws=10), got {text!r}")
    if name in _FLAGGED:
        raise argparse.ArgumentTypeError(f"{name} is not a -p parameter: use {_FLAGGED[name]}")
    parsed = yaml.safe_load(value)
    if isinstance(parsed, str) and _NUMBER.fullmatch(parsed.strip()):
        parsed = float(parsed)
    return name, parsed


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m varlib", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    book = sub.add_parser("book", help="execute the chapters with papermill and render the book")
    book.add_argument("--profile", choices=PROFILES, default="standard",
                      help="smoke (CI, seconds), standard (default, <= 30 min on 2 CPU cores), full (paper scale)")
    book.add_argument("--chapter", action="append", metavar="NAME", help="execute only this chapter (repeatable)")
    book.add_argument("--device", choices=DEVICES, default="auto", help="auto picks CUDA when present")
    book.add_argument("-p", dest="params", action="append", type=_parse_param, default=[], metavar="NAME=VALUE",
                      help="override a chapter parameter, e.g. -p draws=10 -p 'depths=[2,4,8]'")
    book.add_argument("--root", type=Path, default=Path.cwd(), help="the book's root (holds _toc.yml)")
    book.add_argument("--build-dir", type=Path, default=None, help="default: <root>/_build")
    book.add_argument("--results-dir", type=Path, default=None, help="default: <root>/results")
    book.add_argument("--no-html", action="store_true", help="execute only, do not render")
    book.add_argument("--render-only", action="store_true",
                      help="render what was executed before (e.g. imported with import-run), execute nothing")
    book.add_argument("--repository-url", default=None, metavar="URL",
                      help="the book's public repository: adds repository and issue buttons to every page")
    book.add_argument("--jupyterhub-url", default=None, metavar="URL",
                      help="with --repository-url: each chapter's run box also opens the chapter on this JupyterHub "
                           "(nbgitpuller pulls the repository there)")
    archive = sub.add_parser("archive", help="pack the executed notebooks, run log and results of a profile")
    archive.add_argument("--profile", choices=PROFILES, default="full")
    archive.add_argument("--out", type=Path, required=True, help="folder for the .tar.gz archives")
    archive.add_argument("--build-dir", type=Path, default=Path("_build"))
    archive.add_argument("--results-dir", type=Path, default=Path("results"))
    imp = sub.add_parser("import-run", help="unpack archives made by `archive` into this checkout")
    imp.add_argument("archives", type=Path, nargs="+")
    imp.add_argument("--build-dir", type=Path, default=Path("_build"))
    imp.add_argument("--results-dir", type=Path, default=Path("results"))
    _add_sweep_parser(sub)
    return parser


def _add_sweep_parser(sub) -> None:
    """``sweep run`` executes one chapter (its sweeps on the executor chosen) without rendering; ``sweep status``
    shows how far each of its sweeps is."""
    from varlib.book.sweeps import EXECUTORS

    sweep = sub.add_parser("sweep", help="run a chapter's sweeps (on Ray, say) into the results store, or show "
                                         "how far they are")
    actions = sweep.add_subparsers(dest="action", required=True)
    run = actions.add_parser("run", help="execute the chapter, its sweeps on --executor, storing every result")
    status = actions.add_parser("status", help="done and pending items of each sweep the chapter has started")
    for p in (run, status):
        p.add_argument("chapter", metavar="CHAPTER", help="a chapter's name, e.g. variability")
        p.add_argument("--profile", choices=PROFILES, default="standard")
        p.add_argument("--results-dir", type=Path, default=None,
                       help="default: <root>/results; with Ray, on a filesystem every worker sees")
        p.add_argument("--root", type=Path, default=Path.cwd(), help="the book's root (holds _toc.yml)")
    run.add_argument("--executor", choices=EXECUTORS, default="local",
                     help="local: in the chapter's process; ray: missing sweep items as Ray tasks")
    run.add_argument("--ray-address", default=None, metavar="ADDRESS",
                     help="'auto' (a cluster started with `ray start --head`), 'host:port', or none: RAY_ADDRESS "
                          "when set, else a local Ray")
    run.add_argument("--device", choices=DEVICES, default="auto", help="auto picks CUDA when present")
    run.add_argument("-p", dest="params", action="append", type=_parse_param, default=[], metavar="NAME=VALUE",
                     help="override a chapter parameter, e.g. -p draws=10")
    run.add_argument("--build-dir", type=Path, default=None, help="default: <root>/_build")


def _sweep_command(args) -> int:
    """``sweep run``: the chapter executed (no HTML) with ``executor`` and ``ray_address`` as parameters;
    ``sweep status``: one line per sweep."""
    from varlib.book.pipeline import run_book
    from varlib.book.sweeps import sweep_status

    results = args.results_dir or args.root / "results"
    if args.action == "status":
        rows = sweep_status(results, args.profile, args.chapter)
        width = max(len(r["sweep"]) for r in rows)
        print(f"{'sweep':<{width}}  {'done':>6}  {'pending':>7}  function")
        for r in rows:
            print(f"{r['sweep']:<{width}}  {r['done']:>6}  {r['pending']:>7}  {r['function']}")
        return 0
    params = {**dict(args.params), "executor": args.executor}
    if args.ray_address is not None:
        params["ray_address"] = args.ray_address
    run_book(args.root, args.profile, [args.chapter], args.device, params, args.build_dir, results, html=False)
    where = f" --results-dir {args.results_dir}" if args.results_dir else ""
    print(f"{args.chapter}: every result is stored under {results / args.profile}; "
          f"`python -m varlib sweep status {args.chapter} --profile {args.profile}{where}` shows them")
    return 0


def _archive_commands(args) -> int:
    from varlib.book.archive import archive_run, import_run

    if args.command == "archive":
        for path in archive_run(args.profile, args.out, args.build_dir, args.results_dir):
            print(f"wrote {path} ({path.stat().st_size / 2**20:.1f} MiB)")
    else:
        for archive in args.archives:
            print(f"{archive}: {len(import_run(archive, args.build_dir, args.results_dir))} files imported")
    return 0


def _check_sweep_params(params: list) -> None:
    for name, _ in params:
        if name in _SWEEP_FLAGGED:
            raise ValueError(f"{name} is not a -p parameter of `sweep run`: use {_SWEEP_FLAGGED[name]}")


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    from varlib.book.pipeline import BookError, run_book

    try:
        if args.command == "sweep":
            _check_sweep_params(args.params if args.action == "run" else [])
            return _sweep_command(args)
        if args.command != "book":
            return _archive_commands(args)
        index = run_book(args.root, args.profile, args.chapter, args.device, dict(args.params), args.build_dir,
                         args.results_dir, html=not args.no_html,
                         repository_url=args.repository_url, execute=not args.render_only,
                         jupyterhub_url=args.jupyterhub_url)
    except (BookError, ValueError, FileNotFoundError, ImportError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    if index is not None:
        print(f"The book is at {index}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
