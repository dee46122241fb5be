"""Where a sweep's missing items are computed: in this process (``local``) or as Ray core tasks (``ray``).

:meth:`varlib.book.results.ResultStore.map` keys every item on the driver, loads what is stored, and hands the
rest to :func:`compute_on_ray` when the store's executor is ``"ray"``. Ray is one engine from a laptop to a
multi-GPU node to a SLURM or Kubernetes cluster, and it retries a task whose worker process died. Here:

* the missing items go out in chunks that each carry about :data:`CHUNK_SECONDS` of work (Ray's start-up and
  per-task cost are ~0.1-1 s, so smaller chunks are slower than the local loop). The first item per worker goes
  alone, timed; the rest are cut into chunks from that time;
* each task sets torch's thread counts (main and small-op) to those the keys record, computes its items one by
  one and writes each result itself, atomically, into the store (which must therefore be on a filesystem every
  worker sees); an item already stored is skipped, so a task retried after its worker died stores nothing twice;
* a CPU task asks Ray for as many CPUs as it uses threads; a GPU task asks for ``num_gpus=1`` and its worker
  process serves one task only (``max_calls=1``: CUDA memory a task leaves behind dies with its process);
* an item that raises does not stop the others: they are stored, then :class:`SweepError` names the failed items'
  parameters and shows the first traceback.

The driver then reads every result back from the store, so a sweep on Ray returns what the local loop returns.

Ray is an optional extra (``pip install '.[ray]'``). Where it connects is ``ray_address``, passed to ``ray.init``:
``None`` follows Ray's own convention (the ``RAY_ADDRESS`` environment variable when set, else the Ray last started
on this machine, else a new one here), ``"auto"`` an already started cluster (``ray start --head``), ``"local"``
always a new Ray here, or ``"host:port"``. A Ray this process has initialised already is used as it is.
"""
from __future__ import annotations

import json
import math
import os
import tempfile
import time
import traceback
from pathlib import Path
from typing import Any, Callable

__all__ = ["EXECUTORS", "CHUNK_SECONDS", "GPU_CHUNK_SECONDS", "RAY_REQUIREMENT", "SweepError", "check_executor",
           "chunk_size", "compute_on_ray", "record_sweep", "sweep_status"]

EXECUTORS = ("local", "ray")
#: Seconds of work a CPU chunk should carry (planning measured 40 items of 0.1 s: 5.6 s in-process, 8.8 s on Ray
#: with one item per task).
CHUNK_SECONDS = 1.0
#: Seconds of work a GPU chunk should carry: each one starts a fresh worker process (``max_calls=1``) and CUDA.
GPU_CHUNK_SECONDS = 10.0
#: The Ray release the tests run on (the ``ray`` extra of pyproject.toml).
RAY_REQUIREMENT = "ray==2.60.0"
#: Tries of a task whose worker process died (Ray's system failures; an exception of the function is not retried).
RETRIES = 3


class SweepError(RuntimeError):
    """Items of a sweep failed on Ray; every other item was computed and stored."""


# ----------------------------------------------------------------------------- checks and connection
def check_executor(executor: Any, ray_address: Any = None) -> None:
    """``executor`` must be one of :data:`EXECUTORS` and ``ray_address`` ``None`` or a string; ``"ray"`` needs
    Ray installed. Raises before anything runs, saying what to change."""
    if executor not in EXECUTORS:
        raise ValueError(f"executor must be one of {', '.join(map(repr, EXECUTORS))}, got {executor!r}")
    if ray_address is not None and not isinstance(ray_address, str):
        raise ValueError(f"ray_address must be None (Ray's default: RAY_ADDRESS, else a local Ray), 'auto' or "
                         f"'host:port', got {ray_address!r}")
    if executor == "ray":
        _ray()


def _ray():
    """The ``ray`` module, or an ImportError that says how to install it."""
    try:
        import ray
    except ImportError:
        raise ImportError(f"executor='ray' needs Ray, which is not installed here: run pip install '.[ray]' in "
                          f"the book's folder (or pip install {RAY_REQUIREMENT}), or use executor='local'") from None
    return ray


def _connect(ray_address: str | None):
    """Ray, initialised: an existing connection is kept, else ``ray.init(address=ray_address)``."""
    ray = _ray()
    if not ray.is_initialized():
        ray.init(address=ray_address, log_to_driver=False, configure_logging=False)
    return ray


# ----------------------------------------------------------------------------- the task
def _run_chunk(spec: dict, fn: Callable, fixed: dict, chunk: list) -> tuple[list, list]:
    """On a worker: pin the keys' thread counts, then compute and store each ``(index, item, key)`` of ``chunk``
    not stored yet. Returns ``([(index, seconds)], [(index, traceback text)])``."""
    from varlib.book.results import ResultStore
    from varlib.core.runtime import setup

    rt = setup(spec["device"], spec["seed"], spec["threads"], spec["small_op_threads"])
    store = ResultStore(spec["root"], spec["profile"], rt)
    done, failed = [], []
    for index, item, key in chunk:
        start = time.perf_counter()
        try:
            if not store.load(key)[0]:  # stored already: this task is a retry after its worker died
                store.save(key, fn(**item, **fixed))
        except Exception:  # noqa: BLE001 - reported with the item's parameters by the driver
            failed.append((index, traceback.format_exc()))
            continue
        done.append((index, time.perf_counter() - start))
    return done, failed


def _options(runtime) -> dict:
    """Ray resources of one task: a GPU and a fresh process per task on CUDA, ``threads`` CPUs on the CPU."""
    if runtime.device.type == "cuda":
        return {"num_gpus": 1, "num_cpus": 1, "max_calls": 1, "max_retries": RETRIES}
    return {"num_cpus": runtime.threads, "max_retries": RETRIES}


def _workers(ray, options: dict) -> int:
    """How many tasks with ``options`` the cluster runs at once (at least one)."""
    have = ray.cluster_resources()
    if options.get("num_gpus"):
        return max(1, int(have.get("GPU", 0)))
    return max(1, int(have.get("CPU", 1) // options["num_cpus"]))


def chunk_size(seconds_per_item: float, pending: int, workers: int, chunk_seconds: float = CHUNK_SECONDS) -> int:
    """Items per chunk: enough for ``chunk_seconds`` of work at ``seconds_per_item``, but no more than an equal
    share of the ``pending`` items per worker (so every worker gets work)."""
    want = math.ceil(chunk_seconds / max(seconds_per_item, 1e-3))
    return max(1, min(want, math.ceil(pending / max(workers, 1))))


# ----------------------------------------------------------------------------- the driver
def _spec(store) -> dict:
    rt = store.runtime
    return {"root": str(Path(store.root).resolve().parent), "profile": store.profile, "device": rt.device.type,
            "seed": rt.seed, "threads": rt.threads, "small_op_threads": rt.small_op_threads}


def _describe(item: dict) -> str:
    return ", ".join(f"{k}={v!r}" for k, v in item.items()) or "(no parameters)"


def compute_on_ray(store, fn: Callable, items: list[dict], keys: list[dict], fixed: dict, *, ray_address=None,
                   desc: str | None = None, progress: bool = True, chunk_seconds: float | None = None) -> None:
    """Compute ``fn(**item, **fixed)`` for every item on Ray, each stored by its task under its key. Raises
    :class:`SweepError` naming the items that failed, after the others are stored."""
    from tqdm.auto import tqdm

    ray = _connect(ray_address)
    options = _options(store.runtime)
    seconds = chunk_seconds or (GPU_CHUNK_SECONDS if "num_gpus" in options else CHUNK_SECONDS)
    task = ray.remote(_run_chunk).options(**options)
    spec, fixed_ref, workers = _spec(store), ray.put(fixed), _workers(ray, options)
    work = [(i, item, key) for i, (item, key) in enumerate(zip(items, keys))]
    running = {task.remote(spec, fn, fixed_ref, [w]): [w] for w in work[:workers]}  # one item each, timed
    rest, failed = work[workers:], []
    with tqdm(total=len(work), desc=f"{desc or fn.__name__} (ray)", disable=not progress) as bar:
        try:
            while running:
                ready, _ = ray.wait(list(running), num_returns=1)
                times = _collect(ray, ready[0], running.pop(ready[0]), failed, bar)
                if rest and (times or not running):  # no time when the first items failed: one item per chunk
                    running.update({task.remote(spec, fn, fixed_ref, c): c for c in _chunks(rest, times, workers,
                                                                                             seconds)})
                    rest = []
        except BaseException:
            for ref in running:
                ray.cancel(ref)
            raise
    if failed:
        raise _sweep_error(fn, items, failed, len(work))


def _chunks(rest: list, times: list[float], workers: int, seconds: float) -> list[list]:
    """``rest`` cut into chunks of :func:`chunk_size` items at the mean of the first ``times`` (or one second)."""
    size = chunk_size(sum(times) / len(times) if times else seconds, len(rest), workers, seconds)
    return [rest[i:i + size] for i in range(0, len(rest), size)]


def _collect(ray, ref, chunk: list, failed: list, bar) -> list[float]:
    """The seconds of the items of a finished task; its failed items (or all, if the task itself failed after
    its retries) go to ``failed``."""
    try:
        done, errors = ray.get(ref)
    except ray.exceptions.RayError as err:
        done, errors = [], [(index, f"the task failed: {err}") for index, _, _ in chunk]
    failed.extend(errors)
    bar.update(len(chunk))
    return [s for _, s in done]


def _sweep_error(fn: Callable, items: list[dict], failed: list, total: int) -> SweepError:
    failed = sorted(failed)
    lines = [f"  {_describe(items[i])}: {text.strip().splitlines()[-1]}" for i, text in failed]
    return SweepError(f"{fn.__name__} failed on {len(failed)} of the {total} items computed on Ray (the others are "
                      "stored; a rerun computes only the missing ones):\n" + "\n".join(lines) +
                      f"\nthe first failure, for {_describe(items[failed[0][0]])}:\n{failed[0][1]}")


# ----------------------------------------------------------------------------- what a chapter's sweeps hold
def _manifest(store) -> Path:
    return Path(store.root) / "_sweeps" / f"{store.chapter}.json"


def record_sweep(store, name: str, fn: Callable, keys: list[dict]) -> None:
    """Note in ``<store>/_sweeps/<chapter>.json`` the files of the sweep ``name`` (for ``varlib sweep status``);
    a sweep of the same name from an earlier run is replaced. Written atomically."""
    path = _manifest(store)
    path.parent.mkdir(parents=True, exist_ok=True)
    sweeps = json.loads(path.read_text()) if path.exists() else {}
    sweeps[name] = {"function": keys[0]["function"] if keys else fn.__name__,
                    "files": [str(store.path(k).relative_to(store.root)) for k in keys]}
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.stem}.", suffix=".tmp")
    with os.fdopen(fd, "w") as f:
        json.dump(sweeps, f, indent=1)
    os.replace(tmp, path)


def sweep_status(root: str | os.PathLike, profile: str, chapter: str) -> list[dict]:
    """One row per sweep a run of ``chapter`` on ``profile`` has started: sweep, function, done, pending. Raises
    ``FileNotFoundError`` (saying what to run) when none has."""
    path = Path(root) / profile / "_sweeps" / f"{chapter}.json"
    if not path.exists():
        raise FileNotFoundError(f"no sweep of chapter {chapter!r} has started on profile {profile!r} under {root}: "
                                f"run `python -m varlib sweep run {chapter} --profile {profile}` (or the book) first")
    rows = []
    for name, sweep in json.loads(path.read_text()).items():
        done = sum((path.parents[1] / f).exists() for f in sweep["files"])
        rows.append({"sweep": name, "function": sweep["function"], "done": done,
                     "pending": len(sweep["files"]) - done})
    return rows
