"""Benchmark harness: time a call properly, measure the device's matmul rate, write JSON records.

Speed is measured here, never asserted in tests. Each figure is the median,
min and max over ``repeats`` timed calls after ``warmup`` untimed ones; on a
GPU the device is synchronised before and after every call.
"""
from __future__ import annotations

import json
import os
import re
import statistics
import tempfile
import time
from pathlib import Path
from typing import Callable

import torch

from varlib.core.runtime import provenance

__all__ = ["time_call", "matmul_rate", "new_record", "write_record", "load_records", "RECORD_FIELDS", "TARGETS",
           "target_table", "newest_per_device", "width_sweep_table", "path_table", "timed_table", "scaling_table",
           "short_size"]

#: Fields every record has; every entry of ``record["results"]`` has ``RESULT_FIELDS``.
RECORD_FIELDS = ("created", "provenance", "cuda_available", "matmul_flops", "results")
RESULT_FIELDS = ("benchmark", "variant", "size", "median_s", "min_s", "max_s", "repeats")


def _sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def time_call(fn: Callable[[], object], device: torch.device | str = "cpu", repeats: int = 5,
              warmup: int = 1) -> dict:
    """Median/min/max seconds of ``fn()`` over ``repeats`` runs, after ``warmup`` runs."""
    if repeats < 1 or warmup < 0:
        raise ValueError(f"repeats must be >= 1 and warmup >= 0, got {repeats}, {warmup}")
    device = torch.device(device)
    for _ in range(warmup):
        fn()
    _sync(device)
    times = []
    for _ in range(repeats):
        _sync(device)
        start = time.perf_counter()
        fn()
        _sync(device)
        times.append(time.perf_counter() - start)
    return {"median_s": statistics.median(times), "min_s": min(times), "max_s": max(times), "repeats": repeats}


def matmul_rate(device: torch.device | str = "cpu", n: int | None = None, dtype=torch.float32,
                repeats: int = 5) -> float:
    """Best achieved FLOP/s of one large square matmul (2 n^3 flops, fastest of ``repeats``): the device's
    practical limit. Compare it with the best time of the benchmarked path (both from min_s)."""
    device = torch.device(device)
    n = n or (8192 if device.type == "cuda" else 2048)
    a = torch.randn(n, n, device=device, dtype=dtype)
    b = torch.randn(n, n, device=device, dtype=dtype)
    t = time_call(lambda: a @ b, device, repeats=repeats, warmup=2)
    return 2 * n ** 3 / t["min_s"]


def new_record(device: torch.device | str, matmul_flops: float) -> dict:
    """An empty record for this device, with provenance (versions, commit, threads)."""
    return {"created": time.strftime("%Y-%m-%dT%H:%M:%S"), "provenance": provenance(device),
            "cuda_available": torch.cuda.is_available(), "matmul_flops": matmul_flops, "results": []}


def write_record(record: dict, folder: str | os.PathLike) -> Path:
    """Write atomically to ``<folder>/<created>_<device>.json``; returns the path."""
    missing = [f for f in RECORD_FIELDS if f not in record]
    if missing:
        raise ValueError(f"benchmark record lacks field(s) {missing}")
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    slug = re.sub(r"[^A-Za-z0-9]+", "-", record["provenance"]["device_name"]).strip("-").lower()
    path = folder / f"{record['created'].replace(':', '')}_{slug}.json"
    fd, tmp = tempfile.mkstemp(dir=folder, suffix=".tmp")
    with os.fdopen(fd, "w") as f:
        json.dump(record, f, indent=1)
    os.replace(tmp, path)
    return path


def load_records(folder: str | os.PathLike):
    """Every record in ``folder`` as one tidy DataFrame (one row per result), newest first."""
    import pandas as pd

    paths = sorted(Path(folder).glob("*.json"), reverse=True)
    if not paths:
        raise ValueError(f"no benchmark records (*.json) in {folder}: run `python -m benchmarks` to make one")
    rows = []
    for path in paths:
        rec = json.loads(path.read_text())
        for r in rec["results"]:
            rows.append({"record": path.name, "created": rec["created"], "device": rec["provenance"]["device_name"],
                         "matmul_flops": rec["matmul_flops"], **r})
    return pd.DataFrame(rows)


def newest_per_device(results):
    """The rows of ``results`` (a slice of :func:`load_records`) that come from each device's newest record of their
    benchmark (a run of a few benchmarks, ``--only``, replaces just those)."""
    return results[results.created == results.groupby(["device", "benchmark"]).created.transform("max")]


#: The targets: (benchmark, what, device type, column, threshold[, filter]). Goals reported by the book,
#: never asserted in tests.
TARGETS = [
    ("ensemble forward", "GPU: speedup over the per-network loop", "cuda", "speedup", 30.0),
    ("ensemble forward", "GPU: fraction of the measured matmul rate (where compute-bound)", "cuda",
     "fraction_of_matmul", 0.5),
    ("ensemble forward", "CPU: fraction of the measured matmul rate (where compute-bound)", "cpu",
     "fraction_of_matmul", 0.5),
    ("ensemble training", "GPU: speedup over one-at-a-time (>= 100 nets)", "cuda", "speedup", 20.0),
    ("ensemble training", "GPU: speedup over the torch.func vmap recipe", "cuda", "speedup_vs_peer", 1.5),
    ("ensemble training", "CPU: speedup over one-at-a-time (100 nets)", "cpu", "speedup", 10.0),
    ("ensemble training", "CPU: speedup over the torch.func vmap recipe (100 nets)", "cpu", "speedup_vs_peer", 1.5),
    ("region counting", "CPU: speedup over the LP counter, one net alone at N = 60", "cpu", "speedup", 1000.0,
     {"units": 60, "variant": "one net alone"}),
    ("forward paths", "CPU: the auto path's speed / the faster path's (worst measured shape)", "cpu",
     "auto_efficiency", 0.8),
    ("forward paths", "GPU: the auto path's speed / the faster path's (worst measured shape)", "cuda",
     "auto_efficiency", 0.8),
]


def target_table(records):
    """One row per target: the best value of our auto-chosen path in the newest record per device, and met/missed."""
    import pandas as pd

    rows = []
    for benchmark, what, device_type, column, threshold, *where in TARGETS:
        mine = records[(records.benchmark == benchmark) & ~records.variant.str.contains("baseline|peer")]
        if where and len(mine):   # size entries to match; "variant": a part of the variant's name
            sizes = {k: v for k, v in where[0].items() if k != "variant"}
            mine = mine[mine["size"].map(lambda s: all(s.get(k) == v for k, v in sizes.items()))]
            if "variant" in where[0]:
                mine = mine[mine.variant.str.contains(where[0]["variant"], regex=False)]
        if len(mine):
            mine = mine[mine.apply(lambda r: _is_device(r, device_type), axis=1)]
            mine = mine[mine.created == mine.created.max()] if len(mine) else mine
            if benchmark in ("ensemble forward", "ensemble training", "forward paths") and len(mine):
                # what varlib does by default ("[auto]"; not the "autograd" of a variant that was only tried)
                mine = mine[mine.variant.str.contains("[auto]", regex=False)]
        # training and the path rule must meet their goal at every size; the forward pass where it is
        # compute-bound (its best size)
        values = mine[column] if len(mine) and column in mine else pd.Series(dtype=float)
        worst = benchmark in ("ensemble training", "forward paths")
        value = float(values.min() if worst else values.max()) if len(values) \
            else float("nan")
        verdict = "not measured" if value != value else ("met" if value >= threshold else "missed")
        rows.append({"target": what, "goal": f">= {threshold:g}", "ours": f"{value:.3g}", "verdict": verdict})
    for profile, device_type, what in BOOK_TARGETS:
        seconds = _book_seconds(records, profile, device_type)
        verdict = "not measured" if seconds != seconds else ("met" if seconds <= BOOK_SECONDS_TARGET else "missed")
        rows.append({"target": what, "goal": f"<= {BOOK_SECONDS_TARGET} s",
                     "ours": f"{seconds:.0f} s" if seconds == seconds else "nan", "verdict": verdict})
    return pd.DataFrame(rows).set_index("target")


#: The whole book's wall time, summed over its chapters' executions (rendering excluded), must stay under 30 min
#: (also scored for each build on its status page, from that build's own run log).
BOOK_SECONDS_TARGET = 1800
BOOK_TARGETS = [("standard", "cpu", "CPU: the whole book on the standard profile (executions)"),
                ("full", "cuda", "GPU: the whole book on the full profile (executions)")]

#: Chapters whose run time the book targets add up (the plain pages take no time).
BOOK_CHAPTERS = ("family", "variability", "maxout", "deep_linear", "integrable", "benchmarks", "faults")


def _book_seconds(records, profile: str, device_type: str) -> float:
    """Sum over every chapter of its latest run on ``profile`` and ``device_type``; NaN unless all ran."""
    book = records[(records.benchmark == "book") & records.variant.str.endswith(f"({profile})")]
    book = book[book.apply(lambda r: _is_device(r, device_type, r["size"].get("device", "")), axis=1)]
    if not len(book):
        return float("nan")
    book = book.assign(chapter=book.variant.str.split(" ").str[0]).sort_values("created")
    latest = book.groupby("chapter").median_s.last()
    return float(latest.sum()) if set(BOOK_CHAPTERS) <= set(latest.index) else float("nan")


def _is_device(row, device_type: str, name: str | None = None) -> bool:
    name = str(row.device) if name is None else str(name)
    return name.startswith("CPU") if device_type == "cpu" else not name.startswith("CPU")


#: What ``peak_memory_bytes`` meant in records written before rows named their ``peak_memory_method``.
OLD_MEMORY_METHOD = {True: "measured (CUDA peak)", False: "estimated (parameters + gradients)"}


def width_sweep_table(records):
    """The IP width sweeps of the newest record per device, one row per device, variant and width m: time of
    one forward + backward pass (ms) and its memory (MiB). ``memory`` says how that was obtained: measured by
    the CUDA allocator (peak growth during the pass) or, on a CPU, counted (tensors saved for backward; records
    older than that count held the bytes of parameters and gradients)."""
    import pandas as pd

    sweep = records[records.benchmark == "IP width sweep"]
    if not len(sweep):
        raise ValueError("no 'IP width sweep' results in these records: run `python -m benchmarks` to make one")
    sweep = newest_per_device(sweep)
    method = sweep.get("peak_memory_method", pd.Series(index=sweep.index, dtype=object))
    method = [m if isinstance(m, str) else OLD_MEMORY_METHOD[bool(measured)]     # records before the field
              for m, measured in zip(method, sweep["peak_memory_measured"])]
    return pd.DataFrame({
        "device": sweep.device.values, "variant": sweep.variant.values,
        "width": sweep["size"].map(lambda s: s["width"]).values,
        "ms_per_step": 1e3 * sweep.median_s.values,
        "memory_mib": sweep.peak_memory_bytes.values / 2 ** 20,
        "memory": method,
    }).sort_values(["device", "variant", "width"], ignore_index=True)


def path_table(records):
    """The forward-paths benchmark of the newest record per device: per shape and mode, the milliseconds of the
    loop and the batched path, the faster one, the one ``path="auto"`` picks, and the size of one layer."""
    import pandas as pd

    paths = newest_per_device(records[records.benchmark == "forward paths"])
    if not len(paths):
        return pd.DataFrame()
    rows = []
    for (device, key), part in paths.groupby([paths.device, paths["size"].map(lambda s: str(sorted(s.items())))],
                                             sort=False):
        size = part["size"].iloc[0]
        ms = {v.split(": ")[1].split(" ")[0]: 1000 * t for v, t in zip(part.variant, part.median_s)}
        picked = part.variant[part.variant.str.contains("auto")].str.split(": ").str[1].str.split(" ").str[0]
        rows.append({"device": device, "mode": size["mode"], "R": size["members"], "depth": size["depth"],
                     "width": size["width"], "points": size["points"], "layer MB": size.get("layer_MB"),
                     "loop ms": round(ms["loop"], 1), "batched ms": round(ms["batched"], 1),
                     "faster": min(ms, key=ms.get), "auto picks": picked.iloc[0] if len(picked) else "?"})
    table = pd.DataFrame(rows)
    return _device_column_if_several(table)


def scaling_table(records):
    """The scaling sweeps of the newest record per device, one row per shape and variant: which sweep ("nets R" at
    width 16, or "width" at R = 100), R, width, what ("forward" or "training"), the path, microseconds per net (per
    net and step for training), and whether varlib's rule picks that path there (the peer: never)."""
    import pandas as pd

    sweep = newest_per_device(records[records.benchmark == "scaling"])
    if not len(sweep):
        return pd.DataFrame()
    R = sweep["size"].map(lambda s: s["members"])
    width = sweep["size"].map(lambda s: s["width"])
    table = pd.DataFrame({"device": sweep.device.values, "R": R.values, "width": width.values,
                          "what": sweep.variant.str.split(": ").str[0].values,
                          "path": sweep.variant.str.split(": ").str[1].values,
                          "us_per_net": sweep.us_per_net.values, "auto": sweep.auto.astype(bool).values})
    by_r = table[table.width == 16].assign(sweep="nets R")
    by_width = table[table.R == 100].assign(sweep="width")
    return pd.concat([by_r, by_width], ignore_index=True)


def short_size(size: dict) -> str:
    """A size dict as one short line: ``members=100 width=16 depth=4 points=1024 steps=50``."""
    def short(v):
        return f"{v[0]}…{v[-1]}" if isinstance(v, (list, tuple)) and len(v) > 2 else str(v).replace(" ", "")
    return " ".join(f"{k}={short(v)}" for k, v in size.items())


def timed_table(latest):
    """The timed rows of ``latest`` (newest record per device) for the reader: benchmark, variant, size on one line,
    milliseconds, speedups over the baseline and (training) the peer, fraction of the matmul rate; the device
    column only when several devices have records."""
    import pandas as pd

    timed = latest[~latest.benchmark.isin(["book", "forward paths", "scaling"])]
    table = pd.DataFrame({"device": timed.device.values, "benchmark": timed.benchmark.values,
                          "variant": timed.variant.values, "size": timed["size"].map(short_size).values,
                          "ms": (1000 * timed.median_s).round(2).values})
    for column, name in (("speedup", "× baseline"), ("speedup_vs_peer", "× peer"),
                         ("fraction_of_matmul", "of matmul rate")):
        values = timed[column].round(3) if column in timed else pd.Series(float("nan"), index=timed.index)
        table[name] = values.astype(object).where(values.notna(), "–").values      # "–": not measured for this row
    return _device_column_if_several(table)


def _device_column_if_several(table):
    """``table`` without its device column when every row comes from one device."""
    return table if table.device.nunique() > 1 else table.drop(columns="device")
