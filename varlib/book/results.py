"""A results store: computed numbers on disk, keyed by experiment, parameters and profile.

Layout: ``<root>/<profile>/<experiment>/<key>.pt`` where ``key`` hashes the
parameters together with the device type, the torch thread counts (main and
small-op, see :func:`varlib.core.runtime.small_op_threads`) and the varlib version (same seed => same numbers only at fixed device and threads).
Profiles live in separate folders, so a smoke run never overwrites a full one.

Files are written atomically (a temporary file in the same folder, then
``os.replace``). A file that cannot be read, or whose stored parameters do not
match its key, is reported with :class:`CorruptResultWarning`, moved aside to
``*.corrupt`` and recomputed. A sweep caches each item on its own, so an
interrupted sweep resumes where it stopped.

Payloads are dicts of tensors, pandas DataFrames and plain JSON-like values;
they are loaded with ``torch.load(weights_only=True)`` (no arbitrary pickles).
"""
from __future__ import annotations

import hashlib
import json
import os
import tempfile
import warnings
from pathlib import Path
from typing import Any, Callable, Iterable

import pandas as pd
import torch
from tqdm.auto import tqdm

from varlib.core.runtime import Runtime, provenance

__all__ = ["ResultStore", "CorruptResultWarning", "PROFILES"]

PROFILES = ("smoke", "standard", "full")
_FORMAT = 1


class CorruptResultWarning(UserWarning):
    """A stored result could not be used and will be recomputed."""


def _canonical(params: dict) -> str:
    try:
        return json.dumps(params, sort_keys=True, separators=(",", ":"))
    except TypeError as err:
        raise ValueError(f"result parameters must be JSON-serialisable (numbers, strings, lists): {err}") from None


def _encode(payload: dict) -> dict:
    enc = {"tensors": {}, "tables": {}, "values": {}}
    for name, value in payload.items():
        if isinstance(value, torch.Tensor):
            enc["tensors"][name] = value.detach().cpu()
        elif isinstance(value, pd.DataFrame):
            enc["tables"][name] = _encode_table(value)
        else:
            enc["values"][name] = json.loads(json.dumps(value))
    return enc


def _decode(enc: dict) -> dict:
    out: dict[str, Any] = dict(enc["values"])
    out.update(enc["tensors"])
    for name, table in enc["tables"].items():
        out[name] = _decode_table(table)
    return out


def _encode_table(df: pd.DataFrame) -> dict:
    """A DataFrame as plain lists (exact floats), with its dtypes and index."""
    return {"columns": df.columns.tolist(), "data": [df[c].tolist() for c in df.columns],
            "dtypes": [str(t) for t in df.dtypes], "index": df.index.tolist(), "index_name": df.index.name}


def _decode_table(t: dict) -> pd.DataFrame:
    df = pd.DataFrame({i: col for i, col in enumerate(t["data"])},
                      index=pd.Index(t["index"], name=t["index_name"]))
    df.columns = t["columns"]
    return df.astype(dict(zip(t["columns"], t["dtypes"])))


class ResultStore:
    """Stores results of one profile under ``root`` for one :class:`~varlib.core.runtime.Runtime`."""

    def __init__(self, root: str | os.PathLike, profile: str, runtime: Runtime):
        if profile not in PROFILES:
            raise ValueError(f"unknown profile {profile!r}; allowed: {', '.join(PROFILES)}")
        self.root = Path(root) / profile
        self.profile = profile
        self.runtime = runtime

    def _full_params(self, params: dict) -> dict:
        import varlib

        return {"params": params, "device": self.runtime.device.type, "threads": self.runtime.threads,
                "small_op_threads": self.runtime.small_op_threads, "varlib": varlib.__version__}

    def path(self, experiment: str, params: dict) -> Path:
        key = hashlib.sha256(_canonical(self._full_params(params)).encode()).hexdigest()[:20]
        return self.root / experiment / f"{key}.pt"

    def load(self, experiment: str, params: dict) -> dict | None:
        """The stored payload, or None when absent or corrupt (corrupt files are moved aside)."""
        path = self.path(experiment, params)
        if not path.exists():
            return None
        try:
            blob = torch.load(path, weights_only=True)
            if blob.get("format") != _FORMAT or blob.get("key") != _canonical(self._full_params(params)):
                raise ValueError("stored parameters do not match the file's key")
            return _decode(blob["payload"])
        except Exception as err:  # noqa: BLE001 - any unreadable file is recomputed
            warnings.warn(f"result file {path} is corrupt ({type(err).__name__}: {err}); "
                          f"moved to {path.name}.corrupt and recomputing", CorruptResultWarning, stacklevel=2)
            os.replace(path, path.with_suffix(".pt.corrupt"))
            return None

    def save(self, experiment: str, params: dict, payload: dict) -> Path:
        """Write ``payload`` atomically with its parameters and provenance."""
        path = self.path(experiment, params)
        path.parent.mkdir(parents=True, exist_ok=True)
        blob = {"format": _FORMAT, "key": _canonical(self._full_params(params)), "experiment": experiment,
                "provenance": json.loads(json.dumps(provenance(self.runtime.device, self.runtime.seed), default=str)),
                "payload": _encode(payload)}
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.stem}.", suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as f:
                torch.save(blob, f)
                f.flush()
                os.fsync(f.fileno())
            os.replace(tmp, path)
        finally:
            if os.path.exists(tmp):
                os.unlink(tmp)
        return path

    def cached(self, experiment: str, params: dict, compute: Callable[[], dict]) -> dict:
        """Load the result for ``params`` or compute, store and return it."""
        found = self.load(experiment, params)
        if found is not None:
            return found
        payload = compute()
        self.save(experiment, params, payload)
        return _decode(_encode(payload))

    def sweep(self, experiment: str, items: Iterable[dict], compute: Callable[[dict], dict],
              desc: str | None = None, progress: bool = True) -> list[dict]:
        """Cache every item of a sweep on its own; an interrupted sweep resumes where it stopped."""
        items = list(items)
        return [self.cached(experiment, item, lambda item=item: compute(item))
                for item in tqdm(items, desc=desc or experiment, disable=not progress)]
