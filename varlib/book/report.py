"""What a chapter shows the reader about itself: its settings, provenance, resources and scorecard.

A scorecard row states one claim of the paper, the paper's number, ours, and a
verdict from :data:`VERDICTS`. Verdicts are honest: "not reproduced" is a
result; a claim we could not check is "not tested".
"""
from __future__ import annotations

import resource
import time

import pandas as pd
import torch

from varlib.book.config import Settings
from varlib.core.runtime import Runtime

__all__ = ["VERDICTS", "scorecard", "run_summary", "resources"]

VERDICTS = ("reproduced", "partly reproduced", "not reproduced", "not tested")


def scorecard(rows: list[dict]) -> pd.DataFrame:
    """Rows with keys claim, paper, ours, verdict (one of :data:`VERDICTS`) as a table."""
    cols = ["claim", "paper", "ours", "verdict"]
    for i, row in enumerate(rows):
        if set(row) != set(cols):
            raise ValueError(f"scorecard row {i} must have exactly the keys {cols}, got {sorted(row)}")
        if row["verdict"] not in VERDICTS:
            raise ValueError(f"scorecard row {i}: verdict {row['verdict']!r} not in {VERDICTS}")
    return pd.DataFrame(rows, columns=cols).rename(columns=str.capitalize).set_index("Claim")


def run_summary(cfg: Settings, rt: Runtime) -> pd.DataFrame:
    """Settings and provenance of this run in one two-column table."""
    rows = {"profile": cfg.profile, **{k: str(v) for k, v in cfg.as_dict().items()},
            **{k: str(v) for k, v in rt.provenance().items()}}
    return pd.DataFrame({"value": list(rows.values())}, index=pd.Index(list(rows), name="setting"))


def resources(rt: Runtime) -> pd.DataFrame:
    """What this run used so far: wall time since :func:`varlib.setup`, the process's peak resident memory
    and, on CUDA, the peak memory allocated on the GPU (``torch.cuda.max_memory_allocated`` since setup)."""
    rows = {"wall time since setup (s)": f"{time.perf_counter() - rt.started:.1f}",
            "peak process memory (GiB)": f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20:.2f}",
            "peak GPU memory (GiB)": f"{torch.cuda.max_memory_allocated(rt.device) / 2**30:.2f}"
            if rt.device.type == "cuda" else "no GPU used"}
    return pd.DataFrame({"value": list(rows.values())}, index=pd.Index(list(rows), name="resource"))
