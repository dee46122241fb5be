"""Command line: ``python -m varlib book [--profile P] [--chapter NAME ...] [--device D] [-p name=value ...]``."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

import yaml

from varlib.results import PROFILES
from varlib.runtime import DEVICES


def _parse_param(text: str) -> tuple[str, object]:
    name, sep, value = text.partition("=")
    if not sep or not name:
        raise argparse.ArgumentTypeError(f"-p takes name=value (e.g. -p draws=10), got {text!r}")
    return name.strip(), yaml.safe_load(value)


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
    book.add_argument("--repository-url", default=None, metavar="URL",
                      help="the book's public repository: adds repository and issue buttons to every page")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    from varlib.book import BookError, run_book

    try:
        index = run_book(args.root, args.profile, args.chapter, args.device, dict(args.params), args.build_dir,
                         args.results_dir, html=not args.no_html,
                         repository_url=args.repository_url)
    except (BookError, ValueError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    if index is not None:
        print(f"The book is at {index}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
