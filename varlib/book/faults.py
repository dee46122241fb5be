"""Faults tried: each promise of the README attacked the way a reader would attack it, and what happened.

An attempt performs one attack (a bad parameter, a killed run, a damaged result file, a diverged training run...)
in an empty folder of its own and returns an :class:`Outcome`: what it observed and whether the promise held.
``tests/test_faults.py`` asserts that every attempt holds; the appendix "Faults tried" runs them all
(:func:`try_all`) and shows the table. Attempts use ``smoke`` sizes, direct library calls where a whole chapter
is not needed, and a one-chapter book (:func:`tiny_book`) where a run of the pipeline is.
"""
from __future__ import annotations

import json
import os
import pickle
import re
import signal
import subprocess
import sys
import time
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import pandas as pd
import torch

from varlib.book.archive import merge_run_log
from varlib.book.pipeline import BookError, run_book, scorecard_rows
from varlib.book.results import STALE_TEMPORARY_SECONDS, CorruptResultWarning, ResultStore
from varlib.core.activations import get_activation
from varlib.core.data import CIFAR10_FILES, load_cifar10_gray
from varlib.core.runtime import Runtime, resolve_device

__all__ = ["PROMISES", "Outcome", "Attempt", "ATTEMPTS", "try_attempt", "try_all", "promise_table", "fault_table",
           "tiny_book", "fault_work"]

#: The promises of the README that the attempts attack, by short name.
PROMISES = {
    "clear errors": "bad input gets a clear error naming the parameter and the allowed values, before any "
                    "kernel starts",
    "nothing lost": "nothing computed is lost; writes are atomic; an interrupted run resumes",
    "trusted files": "a stored or supplied file is used only when intact and made by the same call; otherwise "
                     "it is reported and recomputed (or refused), never executed",
    "runs apart": "no profile or run overwrites another's results; the same seed gives the same numbers",
    "honest scorecards": "diverged, NaN or at-chance evidence gives 'not tested', never a verdict",
}


@dataclass(frozen=True)
class Outcome:
    """What an attempt observed, and whether the promise held."""

    observed: str
    held: bool


@dataclass(frozen=True)
class Attempt:
    """One attack: ``run(root, work)`` attacks the book at ``root`` inside the empty folder ``work``."""

    name: str
    promise: str
    run: Callable[[Path, Path], Outcome]


ATTEMPTS: list[Attempt] = []


def attempt(name: str, promise: str):
    """Register the decorated ``run(root, work) -> Outcome`` as an attempt on ``promise`` (a key of PROMISES)."""
    if promise not in PROMISES:
        raise ValueError(f"promise must be one of {', '.join(PROMISES)}, got {promise!r}")

    def register(run):
        ATTEMPTS.append(Attempt(name, promise, run))
        return run
    return register


def try_attempt(one: Attempt, root: Path, work: Path) -> dict:
    """Run one attempt in ``work`` (made empty first); an unexpected exception is an outcome that did not hold."""
    work.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", CorruptResultWarning)
            outcome = one.run(Path(root).resolve(), work)
    except Exception as err:  # noqa: BLE001 - a crash is what the table must show
        outcome = Outcome(f"unexpected {type(err).__name__}: {_first_line(err)}", False)
    observed = outcome.observed.replace(str(work.resolve()), "…").replace(str(work), "…")   # paths, shortened
    return {"promise": one.promise, "attempt": one.name, "observed": observed, "held": outcome.held,
            "seconds": round(time.perf_counter() - start, 1)}


def try_all(root: Path, work: Path, progress: bool = True) -> pd.DataFrame:
    """Every attempt, each in its own folder under ``work``: one row per attempt (promise, attempt, observed,
    held, seconds)."""
    from tqdm.auto import tqdm

    rows = [try_attempt(a, root, Path(work) / f"{i:02d}") for i, a in
            enumerate(tqdm(ATTEMPTS, desc="faults", disable=not progress))]
    return pd.DataFrame(rows)


def promise_table(table: pd.DataFrame) -> pd.DataFrame:
    """Per promise: the attempts made, how many held, and a verdict: "held" when every attempt held, else
    "broken" (a promise with no attempt is "not tried")."""
    rows = []
    for key, text in PROMISES.items():
        part = table[table.promise == key]
        held = int(part.held.sum())
        verdict = "not tried" if part.empty else "held" if held == len(part) else "broken"
        rows.append({"Promise": key, "Verdict": verdict, "Held": f"{held} of {len(part)}", "What it says": text})
    return pd.DataFrame(rows).set_index("Promise")


def fault_table(table: pd.DataFrame, promise: str) -> pd.DataFrame:
    """The attempts on one promise for the reader: attempt, held (✓ or ✗, first, so a phone shows it) and observed
    ("…" stands for the attempt's temporary folder)."""
    part = table[table.promise == promise]
    return pd.DataFrame({"Held": part.held.map({True: "✓ held", False: "✗ NOT HELD"}).values,
                         "Observed": part.observed.values}, index=pd.Index(part.attempt.values, name="Attempt"))


# ----------------------------------------------------------------------------- helpers
def _listed(values) -> str:
    """Values for the reader: "0 and 0", "1, 2 and 3" (no Python list brackets on the page)."""
    items = [str(v) for v in values]
    return " and ".join(items) if len(items) < 3 else ", ".join(items[:-1]) + " and " + items[-1]


def _first_line(err: BaseException | str, width: int = 240) -> str:
    text = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
    return text if len(text) <= width else text[: width - 1] + "…"


def _refused(call: Callable, words: tuple[str, ...], errors=(ValueError, BookError)) -> Outcome:
    """The promise holds when ``call()`` raises one of ``errors`` whose message has every one of ``words``."""
    try:
        result = call()
    except errors as err:
        message = _first_line(err)
        missing = [w for w in words if w not in str(err)]
        return Outcome(f"refused: {message}" + (f" (missing {missing})" if missing else ""), not missing)
    return Outcome(f"accepted, returned {result!r:.80}", False)


def _before_kernel(root: Path, work: Path, chapter: str, params: dict, *words: str, device: str = "cpu") -> Outcome:
    """``run_book`` of one chapter with ``params`` is refused with ``words``, and no kernel started."""
    outcome = _refused(lambda: run_book(root, "smoke", [chapter], device=device, params=params,
                                        build_dir=work / "b", results_dir=work / "r", html=False, progress=False),
                       words)
    started = (work / "b" / "smoke" / "executed").exists()
    return Outcome(outcome.observed + ("; but a kernel started" if started else ""), outcome.held and not started)


def _cli(*args: str, cwd: Path, timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "varlib", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=timeout)


def _last_line(text: str) -> str:
    return text.strip().splitlines()[-1] if text.strip() else "(nothing)"


def _store(folder: Path) -> ResultStore:
    return ResultStore(folder, "smoke", Runtime(torch.device("cpu"), 0, 2, 1))


def fault_work(n: int = 256, seed: int = 0, pause: float = 0.0) -> dict:
    """A small seeded computation for the attempts to store: ``n`` normal numbers, their sum (after ``pause``
    seconds, to be killed in the middle of a sweep)."""
    time.sleep(pause)
    x = torch.randn(n, generator=torch.Generator().manual_seed(seed), dtype=torch.float64)
    return {"x": x, "sum": float(x.sum())}


#: The chapter of :func:`tiny_book`: it stores one :func:`fault_work` result, waits ``wait`` seconds, then
#: raises if ``fail``.
_TINY_CHAPTER = '''# ---
# jupyter:
#   jupytext:
#     text_representation:
#       extension: .py
#       format_name: percent
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% tags=["parameters"]
profile = "standard"
device = "auto"
seed = 0
threads = 2
results_dir = "results"
wait = 0.0
fail = 0

# %%
import time
from varlib.book.faults import fault_work
from varlib.book.results import ResultStore
from varlib.core.runtime import setup

store = ResultStore(results_dir, profile, setup(device, seed, threads))
out = store.call(fault_work, n=256, seed=seed)
time.sleep(wait)
if fail:
    raise RuntimeError("this run was asked to fail")
print(repr(out["sum"]))
'''


def tiny_book(folder: Path, chapter: str = _TINY_CHAPTER) -> Path:
    """A book of one chapter ``chapters/c.py`` (by default one that stores a :func:`fault_work` result) in
    ``folder/book``: what the pipeline attempts run."""
    book = folder / "book"
    (book / "chapters").mkdir(parents=True, exist_ok=True)
    (book / "_toc.yml").write_text("format: jb-book\nroot: chapters/intro\nchapters:\n  - file: chapters/c\n")
    (book / "chapters" / "intro.md").write_text("# Intro\n")
    (book / "chapters" / "c.py").write_text(chapter)
    return book


def _tiny_run(book: Path, build: Path, results: Path, **params) -> Callable[[], object]:
    return lambda: run_book(book, "smoke", device="cpu", params=params, build_dir=build, results_dir=results,
                            html=False, progress=False)


def _tiny_cli(book: Path, build: Path, results: Path, *params: str) -> subprocess.Popen:
    args = ["book", "--root", str(book), "--profile", "smoke", "--device", "cpu", "--no-html", "--build-dir",
            str(build), "--results-dir", str(results), *[a for p in params for a in ("-p", p)]]
    return subprocess.Popen([sys.executable, "-m", "varlib", *args], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            text=True, start_new_session=True)


def _tiny_result(results: Path) -> tuple[bool, dict | None]:
    """(found, result) of the one :func:`fault_work` call the tiny chapter stores under ``results``."""
    store = _store(results)
    return store.load(store.key(fault_work, {"n": 256, "seed": 0}))


def _printed_sum(notebook: Path) -> str:
    import nbformat

    nb = nbformat.read(notebook, as_version=4)
    return "".join(o.get("text", "") for c in nb.cells for o in c.get("outputs", []) if o.get("name") == "stdout")


def _log(build: Path) -> dict:
    return {r["name"]: r for r in json.loads((build / "smoke" / "runs.json").read_text())}


def _wait_for(condition: Callable[[], bool], seconds: float) -> bool:
    end = time.time() + seconds
    while time.time() < end:
        if condition():
            return True
        time.sleep(0.1)
    return False


def _kill(proc: subprocess.Popen) -> None:
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait(30)


# ----------------------------------------------------------------------------- clear errors
@attempt("-p profile=full on the command line (would run one profile with another's checks)", "clear errors")
def _profile_in_p(root, work):
    proc = _cli("book", "--profile", "smoke", "-p", "profile=full", "--no-html", "--build-dir", str(work / "b"),
                cwd=root)
    said = _last_line(proc.stderr)
    return Outcome(f"exit {proc.returncode}: {said}",
                   proc.returncode != 0 and "use --profile" in proc.stderr and not (work / "b").exists())


@attempt("-p results_dir=elsewhere on the command line", "clear errors")
def _results_dir_in_p(root, work):
    proc = _cli("book", "--profile", "smoke", "-p", f"results_dir={work / 'x'}", "--no-html", cwd=root)
    said = _last_line(proc.stderr)
    return Outcome(f"exit {proc.returncode}: {said}", proc.returncode != 0 and "use --results-dir" in proc.stderr)


@attempt("-p lr=3e-3 (a float YAML 1.1 reads as a string) with -p draws=0", "clear errors")
def _float_without_dot(root, work):
    proc = _cli("book", "--profile", "smoke", "--chapter", "variability", "-p", "lr=3e-3", "-p", "draws=0",
                "--no-html", "--build-dir", str(work / "b"), "--results-dir", str(work / "r"), cwd=root)
    said = _last_line(proc.stderr)
    return Outcome(f"lr read as a number; exit {proc.returncode}: {said}",
                   proc.returncode == 1 and "draws must be > 0" in said and "lr" not in said)


_BAD_PARAMETERS = [
    ("threads=0", "family", {"threads": 0}, ("threads must be an integer >= 1",)),
    ("seed=-1", "family", {"seed": -1}, ("seed must be an integer >= 0",)),
    ("a misspelt parameter widht=3", "family", {"widht": 3}, ("'widht'", "allowed")),
    ("grid=100000 (40 GB at allocation)", "variability", {"grid": 100000},
     ("grid=100000 is over the largest allowed size", "times the memory or time")),
    ("draws=10**12 (would run for days)", "variability", {"draws": 10**12}, ("draws=", "largest allowed size")),
    ("lr=nan", "variability", {"lr": float("nan")}, ("lr must be a finite number",)),
    ("lr=.inf", "variability", {"lr": float("inf")}, ("lr must be a finite number",)),
    ("success_acc=5 (an accuracy above 1)", "variability", {"success_acc": 5}, ("success_acc must be between",)),
    ("target_acc=0 (an accuracy at zero)", "maxout", {"target_acc": 0.0}, ("target_acc must be between",)),
    ("an unknown initialisation in a list, picture_inits=['xavier']", "maxout", {"picture_inits": ["xavier"]},
     ("picture_inits must be one of", "'maxout_he'")),
    ("an unknown data set, dataset=imagenet", "integrable", {"dataset": "imagenet"},
     ("dataset must be one of", "'digits'")),
]

for _label, _chapter, _params, _words in _BAD_PARAMETERS:
    attempt(f"{_label} on the {_chapter} chapter", "clear errors")(
        lambda root, work, c=_chapter, p=_params, w=_words: _before_kernel(root, work, c, p, *w))


@attempt("device=tpu (no such device)", "clear errors")
def _bad_device(root, work):
    return _before_kernel(root, work, "family", {}, "device must be one of", "'cpu'", device="tpu")


@attempt("an unknown chapter --chapter nope", "clear errors")
def _unknown_chapter(root, work):
    return _before_kernel(root, work, "nope", {}, "unknown chapter", "allowed: family")


_BAD_ACTIVATIONS = [("maxout:", "must be a number"), ("relu:3", "takes no parameter"), ("leaky_relu:nan", "finite")]

for _name, _word in _BAD_ACTIVATIONS:
    attempt(f"activation {_name!r}", "clear errors")(
        lambda root, work, n=_name, w=_word: _refused(lambda: get_activation(n), (repr(n)[1:-1], w)))


@attempt("a build folder that cannot be written (a file stands in its place)", "clear errors")
def _unwritable_build(root, work):
    blocked = work / "blocked"
    blocked.write_text("a file, not a folder")
    return _refused(lambda: run_book(root, "smoke", ["family"], device="cpu", build_dir=blocked,
                                     results_dir=work / "r", html=False, progress=False),
                    (str(blocked), "--build-dir"))


# ----------------------------------------------------------------------------- nothing lost
_SWEEP = [{"seed": s} for s in range(8)]
_SWEEP_WORKER = ("import sys, torch; from pathlib import Path; from varlib.book import faults; "
                 "faults._store(Path(sys.argv[1])).map(faults.fault_work, faults._SWEEP, n=64, pause=0.4, "
                 "progress=False)")


@attempt("SIGKILL in the middle of a sweep, then the same sweep again", "nothing lost")
def _killed_sweep(root, work):
    results = work / "r"
    proc = subprocess.Popen([sys.executable, "-c", _SWEEP_WORKER, str(results)], start_new_session=True)
    stored = lambda: list(results.rglob("*.pt"))  # noqa: E731
    if not _wait_for(lambda: len(stored()) >= 3, 60):
        _kill(proc)
        return Outcome("the sweep never stored 3 items", False)
    _kill(proc)
    before = len(stored())
    store = _store(results)
    computed = [not store.load(store.key(fault_work, {"n": 64, "pause": 0.4, **item}))[0] for item in _SWEEP]
    again = store.map(fault_work, _SWEEP, n=64, pause=0.4, progress=False)      # the rerun
    same = all(torch.equal(a["x"], fault_work(n=64, **i)["x"]) for a, i in zip(again, _SWEEP))
    left = sum(computed)
    return Outcome(f"killed after {before} of {len(_SWEEP)} items; the rerun computed the other {left} and "
                   f"read the {len(_SWEEP) - left} stored; all {len(again)} equal to a fresh computation: {same}",
                   before + left == len(_SWEEP) and same and 0 < left < len(_SWEEP))


@attempt("SIGKILL during a rerun of a chapter (its last good notebook on disk)", "nothing lost")
def _killed_rerun(root, work):
    book, build, results = tiny_book(work), work / "b", work / "r"
    _tiny_run(book, build, results)()
    notebook = build / "smoke" / "executed" / "chapters" / "c.ipynb"
    good = notebook.read_bytes()
    proc = _tiny_cli(book, build, results, "wait=60")
    running = lambda: list(notebook.parent.glob(".c.*.running.ipynb"))  # noqa: E731
    started = _wait_for(lambda: bool(running()) and "running" in _log(build)["c"].get("error", ""), 60)
    time.sleep(1.0)
    _kill(proc)
    kept, entry = notebook.read_bytes() == good, _log(build)["c"]
    return Outcome(f"rerun {'killed while running' if started else 'never started'}; last good notebook "
                   f"{'kept byte for byte' if kept else 'LOST'}; run log says ok={entry['ok']} "
                   f"({entry.get('error', '')})", started and kept and entry["ok"] is False)


@attempt("a rerun of a chapter that now raises", "nothing lost")
def _raising_rerun(root, work):
    book, build, results = tiny_book(work), work / "b", work / "r"
    _tiny_run(book, build, results)()
    executed = build / "smoke" / "executed" / "chapters"
    good = (executed / "c.ipynb").read_bytes()
    refused = _refused(_tiny_run(book, build, results, fail=1), ("failed: c",))
    kept, failed = (executed / "c.ipynb").read_bytes() == good, (executed / "c.failed.ipynb").exists()
    ok = _log(build)["c"]["ok"]
    return Outcome(f"{refused.observed}; last good notebook {'kept' if kept else 'LOST'}; the failed one "
                   f"{'kept beside it' if failed else 'missing'}; run log ok={ok}",
                   refused.held and kept and failed and ok is False)


@attempt("a full disk while a result is written", "nothing lost")
def _disk_full(root, work):
    from unittest import mock

    from varlib.book import results as results_module

    store, real_save = _store(work / "r"), torch.save

    def disk_full(obj, f, *args, **kwargs):
        if isinstance(obj, dict) and "sha256" in obj:
            raise RuntimeError("[enforce fail at inline_container.cc:672] . unexpected pos 1408 vs 1302")
        return real_save(obj, f, *args, **kwargs)

    with mock.patch.object(results_module.torch, "save", disk_full):
        refused = _refused(lambda: store.call(fault_work, seed=1), ("could not write the result file", "free"),
                           errors=(OSError,))
    left = [p.name for p in (work / "r").rglob("*") if p.is_file()]
    return Outcome(refused.observed + (f"; left behind: {left}" if left else "; nothing left behind"),
                   refused.held and not left)


@attempt("a temporary file left by a killed write, two hours old", "nothing lost")
def _stale_temporary(root, work):
    store = _store(work / "r")
    key = store.key(fault_work, {"seed": 2})
    folder = store.path(key).parent
    folder.mkdir(parents=True)
    old = folder / ".killed.tmp"
    old.write_bytes(b"half a file")
    os.utime(old, (time.time() - 2 * STALE_TEMPORARY_SECONDS,) * 2)
    store.call(fault_work, seed=2)
    return Outcome(f"swept by the next write: {'no' if old.exists() else 'yes'}", not old.exists())


def _merge_many(target: str, name: str, count: int) -> None:
    for i in range(count):
        merge_run_log(Path(target), [{"name": name, "ok": True, "i": i}])


@attempt("two processes writing the run log at once (200 entries each)", "nothing lost")
def _racing_run_log(root, work):
    import multiprocessing

    target = work / "runs.json"
    ctx = multiprocessing.get_context("fork")
    workers = [ctx.Process(target=_merge_many, args=(str(target), name, 200)) for name in ("a", "b")]
    for w in workers:
        w.start()
    for w in workers:
        w.join(120)
    log = {r["name"]: r["i"] for r in json.loads(target.read_text())}
    kept = ", ".join(f"{name}: {i}" for name, i in sorted(log.items()))
    return Outcome(f"exit codes {_listed(w.exitcode for w in workers)}; the log keeps the last entry of each writer "
                   f"({kept})",
                   [w.exitcode for w in workers] == [0, 0] and log == {"a": 199, "b": 199})


# ----------------------------------------------------------------------------- trusted files
def _damaged(work: Path, damage: Callable[[Path], None]) -> Outcome:
    """Store a result, damage its file, call again: reported, moved aside, recomputed to the same numbers."""
    store = _store(work / "r")
    first = store.call(fault_work, seed=3)
    path = store.path(store.key(fault_work, {"seed": 3}))
    damage(path)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        again = store.call(fault_work, seed=3)
    said = [str(w.message) for w in caught if issubclass(w.category, CorruptResultWarning)]
    same = torch.equal(first["x"], again["x"])
    aside = path.with_suffix(".pt.corrupt").exists()
    return Outcome(f"{'warned: ' + _first_line(said[0], 150) if said else 'no warning'}; moved aside: "
                   f"{'yes' if aside else 'no'}; recomputed to the same numbers: {'yes' if same else 'no'}",
                   bool(said) and aside and same)


def _flip_a_bit(path: Path) -> None:
    blob = torch.load(path, weights_only=True)
    data = bytearray(blob["result"])
    data[len(data) // 2] ^= 0x10
    torch.save({**blob, "result": bytes(data)}, path)


def _foreign(path: Path) -> None:
    other = _store(path.parents[2])
    other.call(fault_work, seed=4)
    other.path(other.key(fault_work, {"seed": 4})).replace(path)


class _Payload:
    """Unpickling this runs ``touch <marker>``."""

    def __init__(self, marker: Path):
        self.marker = marker

    def __reduce__(self):
        return (os.system, (f"touch {self.marker}",))


def _malicious(path: Path) -> None:
    with open(path, "wb") as f:
        pickle.dump({"result": _Payload(path.parent / "PWNED")}, f)


for _label, _damage in [("a truncated result file", lambda p: p.write_bytes(p.read_bytes()[: p.stat().st_size // 2])),
                        ("a result file of garbage bytes", lambda p: p.write_bytes(b"not a torch file")),
                        ("an empty result file", lambda p: p.write_bytes(b"")),
                        ("one flipped bit inside a stored tensor", _flip_a_bit),
                        ("another call's result copied over this one's file", _foreign)]:
    attempt(_label, "trusted files")(lambda root, work, d=_damage: _damaged(work, d))


@attempt("a result file holding a pickle that runs a shell command", "trusted files")
def _malicious_result(root, work):
    outcome = _damaged(work, _malicious)
    ran = any(p.name == "PWNED" for p in work.rglob("*"))
    return Outcome(outcome.observed + ("; the payload RAN" if ran else "; the payload never ran"),
                   outcome.held and not ran)


@attempt("a CIFAR-10 batch file holding a pickle that runs a shell command", "trusted files")
def _malicious_cifar(root, work):
    folder = work / "cifar-10-batches-py"
    folder.mkdir()
    for name in CIFAR10_FILES:
        with open(folder / name, "wb") as f:
            pickle.dump({b"data": _Payload(work / "PWNED"), b"labels": [0]}, f)
    refused = _refused(lambda: load_cifar10_gray(work), ("refusing to load",), errors=(pickle.UnpicklingError,))
    ran = (work / "PWNED").exists()
    return Outcome(refused.observed + ("; the payload RAN" if ran else "; the payload never ran"),
                   refused.held and not ran)


# ----------------------------------------------------------------------------- runs apart
@attempt("two runs of a chapter at once, same folders, a corrupt result file present", "runs apart")
def _concurrent_runs(root, work):
    book, build, results = tiny_book(work), work / "b", work / "r"
    _tiny_run(book, build, results)()
    stored = next(results.rglob("*.pt"))
    stored.write_bytes(b"garbage")
    procs = [_tiny_cli(book, build, results, "wait=2") for _ in range(2)]
    said = [p.communicate(timeout=300)[0] for p in procs]
    codes = [p.returncode for p in procs]
    warned = sum("[warning] c:" in s and "CorruptResultWarning" in s for s in said)
    loads = _tiny_result(results)[0]
    leftovers = list((build / "smoke" / "executed" / "chapters").glob(".*.running.ipynb"))
    return Outcome(f"exit codes {_listed(codes)}; {warned} of 2 reported the corrupt file on the command line; the "
                   f"result loads afterwards: {'yes' if loads else 'no'}; temporaries left: {len(leftovers)}",
                   codes == [0, 0] and warned >= 1 and loads and not leftovers)


@attempt("the same chapter run twice at once into two results folders", "runs apart")
def _same_numbers(root, work):
    book = tiny_book(work)
    procs = [_tiny_cli(book, work / f"b{i}", work / f"r{i}") for i in (1, 2)]
    printed = [p.communicate(timeout=300)[0] for p in procs]     # read as they run: a full pipe would block
    codes = [p.returncode for p in procs]
    notebooks = [work / f"b{i}" / "smoke" / "executed" / "chapters" / "c.ipynb" for i in (1, 2)]
    if not all(nb.exists() for nb in notebooks):
        tails = [" | ".join(out.strip().splitlines()[-3:]) for out in printed]
        return Outcome(f"exit codes {_listed(codes)}; a run left no notebook; last lines: {' | '.join(tails)}", False)
    sums = [_printed_sum(nb).strip() for nb in notebooks]
    loaded = [_tiny_result(work / f"r{i}") for i in (1, 2)]
    same = all(found for found, _ in loaded) and torch.equal(loaded[0][1]["x"], loaded[1][1]["x"])
    printed_same = "the same" if sums[0] == sums[1] != "" else f"different ({_listed(sums)})"
    return Outcome(f"exit codes {_listed(codes)}; printed sums {printed_same} ({sums[0]}); stored tensors "
                   f"identical: {'yes' if same else 'no'}",
                   codes == [0, 0] and sums[0] == sums[1] != "" and same)


@attempt("the smoke and standard profiles into one results folder", "runs apart")
def _profiles_apart(root, work):
    runtime = Runtime(resolve_device("cpu"), 0, 2, 1)
    paths = [ResultStore(work / "r", p, runtime).path(ResultStore(work / "r", p, runtime).key(fault_work, {}))
             for p in ("smoke", "standard")]
    return Outcome(f"smoke writes {paths[0].relative_to(work)}, standard {paths[1].relative_to(work)}",
                   paths[0].parts[-3] == "smoke" and paths[1].parts[-3] == "standard" and paths[0] != paths[1])


# ----------------------------------------------------------------------------- honest scorecards
_DIVERGED = re.compile(r"diverged (\d+)/(\d+)")


def _diverged_rows(root: Path, work: Path, chapter: str, params: dict, at_least: int) -> Outcome:
    """Run ``chapter`` on smoke with ``params`` that make training diverge: every scorecard row reporting diverged
    runs must be "not tested", and at least ``at_least`` rows must report them."""
    run_book(root, "smoke", [chapter], device="cpu", params=params, build_dir=work / "b", results_dir=work / "r",
             html=False, progress=False)
    rows = scorecard_rows(work / "b" / "smoke" / "executed" / "chapters" / f"{chapter}.ipynb")
    hit = [r for r in rows if any(int(k) > 0 for k, _ in _DIVERGED.findall(r["ours"]))]
    graded = [r["claim"] for r in hit if r["verdict"] != "not tested"]
    counts = pd.Series([r["verdict"] for r in rows]).value_counts().to_dict() if rows else {}
    return Outcome(f"{len(hit)} of {len(rows)} rows report diverged runs, "
                   + (f"graded anyway: {'; '.join(graded)}" if graded else "all 'not tested'")
                   + "; verdicts: " + ", ".join(f"{v} {n}" for v, n in counts.items()),
                   len(hit) >= at_least and not graded)


for _chapter, _params, _rows in [("variability", {"lr": 1e30}, 2), ("variability", {"lr": 1e6}, 2),
                                 ("maxout", {"lr": 1e30}, 2), ("deep_linear", {"lr": 1e30}, 8),
                                 ("integrable", {"eta": 1e30}, 7)]:
    _setting = ", ".join(f"{k}={v:g}" for k, v in _params.items())
    attempt(f"{_chapter} chapter on smoke with {_setting} (training diverges)", "honest scorecards")(
        lambda root, work, c=_chapter, p=_params, n=_rows: _diverged_rows(root, work, c, p, n))
