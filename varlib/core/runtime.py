"""Where and how a computation runs: device, threads, seeds, provenance.

Same seed => same numbers holds only on the same device with the same number of
torch threads (1 vs 2 CPU threads differ by ~4e-9 in float32 sums), so every
stored result records :func:`provenance`, and :func:`setup` pins the thread
count before anything is computed. Loops over many tiny tensors run inside
:func:`small_op_threads`, on their own pinned count (1 unless set), which is
recorded beside the main one.
"""
from __future__ import annotations

import contextlib
import os
import platform
import subprocess
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import torch

from varlib.core.checks import check_int

__all__ = ["DEVICES", "resolve_device", "device_name", "member_generator", "member_seed",
           "setup", "Runtime", "provenance", "git_commit", "small_op_threads", "flush_denormals", "to_device",
           "chunk_budget"]

DEVICES = ("auto", "cpu", "cuda")

#: torch CPU threads inside :func:`small_op_threads` (set by :func:`setup`).
_SMALL_OP_THREADS = 1


def resolve_device(device: str | torch.device = "auto") -> torch.device:
    """``"auto"`` -> CUDA when available, else CPU. ``"cuda"`` without a GPU is an error."""
    if isinstance(device, torch.device):
        return device
    base = str(device).split(":")[0]
    if base not in DEVICES:
        raise ValueError(f"device must be one of {DEVICES} (or 'cuda:N'), got {device!r}")
    if base == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if base == "cuda" and not torch.cuda.is_available():
        raise ValueError("device='cuda' was asked for but torch sees no CUDA GPU; use device='auto' or 'cpu'")
    return torch.device(device)


def device_name(device: torch.device) -> str:
    """Human-readable device: the GPU model, or the CPU with its thread count."""
    if device.type == "cuda":
        return torch.cuda.get_device_name(device)
    return f"CPU ({platform.machine()}, {torch.get_num_threads()} torch threads)"


def member_seed(seed: int, member: int) -> int:
    """A 63-bit seed for ensemble member ``member`` of a run seeded with ``seed``.

    Derived with numpy's SeedSequence, so member r's draws do not depend on how
    many members the ensemble has (growing R keeps the first draws).
    """
    state = np.random.SeedSequence([int(seed), int(member)]).generate_state(2, dtype=np.uint32)
    return int(state[0]) << 31 | int(state[1]) >> 1


def member_generator(seed: int, member: int) -> torch.Generator:
    """A CPU generator for one ensemble member (draw on CPU, then move: same nets on any device)."""
    return torch.Generator().manual_seed(member_seed(seed, member))


def git_commit(repo: str | Path | None = None) -> str:
    """The current git commit (with ``-dirty`` if the tree has changes), or ``"unknown"``.

    ``VARLIB_COMMIT`` in the environment takes precedence: a copy of the working tree without ``.git`` (on a
    lent GPU machine, say) is told its commit that way."""
    if os.environ.get("VARLIB_COMMIT"):
        return os.environ["VARLIB_COMMIT"]
    cwd = Path(repo) if repo else Path(__file__).resolve().parent
    try:
        sha = subprocess.run(["git", "rev-parse", "--short=12", "HEAD"], cwd=cwd, capture_output=True,
                             text=True, timeout=10, check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=cwd,
                               capture_output=True, text=True, timeout=10).stdout.strip()
        return sha + ("-dirty" if dirty else "")
    except (OSError, subprocess.SubprocessError):
        return "unknown"


def to_device(t: torch.Tensor, device) -> torch.Tensor:
    """A CPU tensor on ``device``; to CUDA through pinned memory, asynchronously (no host sync in a loop)."""
    if torch.device(device).type != "cuda":
        return t.to(device)
    return t.pin_memory().to(device, non_blocking=True)


def chunk_budget(device: torch.device, dtype: torch.dtype, budgets: dict, safety: int = 8) -> int:
    """``budgets[device.type]`` (the CPU entry for other devices); on CUDA also at most 1/``safety`` of the
    free memory, counted in elements of ``dtype`` (on an 80 GB GPU the fixed budget is the smaller)."""
    budget = budgets.get(device.type, budgets["cpu"])
    if device.type == "cuda":
        free, _ = torch.cuda.mem_get_info(device)
        budget = min(budget, free // (safety * dtype.itemsize))
    return budget


@contextlib.contextmanager
def flush_denormals():
    """Flush subnormal floats to zero while inside, then restore. Weights that weight decay or a vanishing
    parameterization drive towards zero (~1e-40 in float32) are otherwise subnormal, and CPU arithmetic on them
    is 10-100x slower. It covers the calling thread only (see :func:`small_op_threads`)."""
    torch.set_flush_denormal(True)
    try:
        yield
    finally:
        torch.set_flush_denormal(False)


@contextlib.contextmanager
def small_op_threads(device: str | torch.device | None = None):
    """Run on the pinned small-op thread count (1 unless :func:`setup` says otherwise) while inside,
    on CPU (``device=None`` means always), then restore the main count.

    Loops over many small tensors (region clipping, tiny deep linear nets, IP training) were 10-20x
    slower with two intra-op threads on a shared 2-core CPU: threading only adds synchronisation there,
    and ``set_flush_denormal`` covers only the calling thread. The count is part of every result key
    and of :func:`provenance` (``torch_threads_small_ops``).
    """
    if device is not None and torch.device(device).type != "cpu":
        yield
        return
    threads = torch.get_num_threads()
    torch.set_num_threads(_SMALL_OP_THREADS)
    try:
        yield
    finally:
        torch.set_num_threads(threads)


@dataclass(frozen=True)
class Runtime:
    """The resolved execution context of one chapter run."""

    device: torch.device
    seed: int
    threads: int
    small_op_threads: int = 1
    started: float = field(default_factory=time.perf_counter, compare=False)

    def provenance(self) -> dict:
        return provenance(self.device, self.seed)


def setup(device: str = "auto", seed: int = 0, threads: int = 2, small_op_threads: int = 1) -> Runtime:
    """Resolve the device, pin torch's CPU thread counts (main and small-op) and return the :class:`Runtime`."""
    global _SMALL_OP_THREADS
    for name, value in (("threads", threads), ("small_op_threads", small_op_threads)):
        check_int(name, value, 1)
    check_int("seed", seed, 0)
    device = resolve_device(device)
    torch.set_num_threads(threads)
    _SMALL_OP_THREADS = small_op_threads
    if device.type == "cuda":
        torch.cuda.reset_peak_memory_stats(device)
    return Runtime(device, seed, threads, small_op_threads)


def provenance(device: torch.device | str = "cpu", seed: int | None = None) -> dict:
    """Everything needed to say where a number came from."""
    import varlib

    device = resolve_device(device)
    info = {
        "varlib": varlib.__version__,
        "commit": git_commit(),
        "python": sys.version.split()[0],
        "torch": str(torch.__version__),
        "cuda": torch.version.cuda or "none",
        "device": str(device),
        "device_name": device_name(device),
        "torch_threads": torch.get_num_threads(),
        "torch_threads_small_ops": _SMALL_OP_THREADS,
    }
    if seed is not None:
        info["seed"] = seed
    return info


def as_dict(runtime: Runtime) -> dict:  # pragma: no cover - convenience
    return {**asdict(runtime), "device": str(runtime.device)}
