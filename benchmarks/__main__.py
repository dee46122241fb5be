"""Run every benchmark on the current device and write a JSON record.

    python -m benchmarks [--device auto|cpu|cuda] [--repeats 5] [--only forward ...] [--out benchmarks/records]
    python -m benchmarks --book-only      only the book's run times (e.g. after `python -m varlib import-run`)
"""
from __future__ import annotations

import argparse
from pathlib import Path

import torch
from tqdm import tqdm

from benchmarks.lens_training import LENS_BENCHMARKS, LENS_SIZES
from benchmarks.suite import BENCHMARKS as CORE_BENCHMARKS
from benchmarks.suite import SIZES as CORE_SIZES
from benchmarks.suite import book_times
from varlib.book.bench import matmul_rate, new_record, write_record
from varlib.core.runtime import DEVICES, setup


#: Every benchmark: the core's (ensembles, paths, regions, widths) and the lenses' training loops.
BENCHMARKS = {**CORE_BENCHMARKS, **LENS_BENCHMARKS}
SIZES = {mode: {**CORE_SIZES[mode], **LENS_SIZES[mode]} for mode in CORE_SIZES}


def main(argv=None) -> int:
    p = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    p.add_argument("--device", choices=DEVICES, default="auto")
    p.add_argument("--repeats", type=int, default=5)
    p.add_argument("--threads", type=int, default=2, help="torch CPU threads (pinned and recorded)")
    p.add_argument("--only", action="append", choices=sorted(BENCHMARKS), help="run only these (repeatable)")
    p.add_argument("--quick", action="store_true", help="tiny sizes (checks the harness, times nothing useful)")
    p.add_argument("--out", type=Path, default=Path("benchmarks/records"))
    p.add_argument("--build-dir", type=Path, default=Path("_build"), help="where the book's run logs are")
    p.add_argument("--book-only", action="store_true",
                   help="record only the book's run times from the run logs (no timing, no matmul rate)")
    args = p.parse_args(argv)
    try:
        rt = setup(args.device, 0, args.threads)
    except ValueError as err:
        print(f"error: {err}")
        return 1
    if args.book_only:
        record = new_record(rt.device, float("nan"))
        record["results"] = book_times(args.build_dir)
        print(f"{len(record['results'])} chapter runs recorded in {write_record(record, args.out)}")
        return 0
    record = new_record(rt.device, matmul_rate(rt.device, n=256 if args.quick else None))
    if not torch.cuda.is_available():
        print("no CUDA GPU visible: GPU sizes are skipped and the record says cuda_available = false")
    sizes = SIZES["quick" if args.quick else rt.device.type]
    record["errors"] = []
    for name in tqdm(args.only or list(BENCHMARKS), desc="benchmarks"):
        for size in sizes[name]:
            try:
                record["results"] += BENCHMARKS[name](rt.device, size, args.repeats, record["matmul_flops"])
            except Exception as err:  # noqa: BLE001 - keep what was measured, report the failure
                record["errors"].append({"benchmark": name, "size": size, "error": f"{type(err).__name__}: {err}"})
                print(f"error in benchmark {name} {size}: {type(err).__name__}: {err}")
            path = write_record(record, args.out)   # after every size: a crash keeps what was measured
    record["results"] += book_times(args.build_dir)
    path = write_record(record, args.out)
    print(f"matmul rate: {record['matmul_flops'] / 1e9:.1f} GFLOP/s")
    for r in record["results"]:
        extra = f"  x{r['speedup']:.2f}" if "speedup" in r else ""
        print(f"{r['benchmark']:18s} {r['variant']:32s} {r['median_s']:9.4f} s{extra}")
    print(f"record written to {path}")
    return 1 if record["errors"] else 0


if __name__ == "__main__":
    raise SystemExit(main())
