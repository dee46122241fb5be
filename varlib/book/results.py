"""A results store: one cached call, keyed by everything that produced the result.

``store.call(fn, **kwargs)`` returns ``fn(**kwargs)``, computed once and then read from disk.
``store.map(fn, grid, **fixed)`` does the same for every item of a sweep, each item stored on its own, so an
interrupted sweep resumes where it stopped. The key of a stored result is

* the function's qualified name (``varlib.maxout.training.count_cell``);
* **all** its actual arguments, defaults included (bound with :func:`inspect.signature`); arguments that are
  not JSON-like are keyed by a digest of their contents (tensors, arrays, DataFrames, dataclasses);
* the device type and the torch thread counts (main and small-op, see :func:`varlib.core.runtime.small_op_threads`):
  same seed => same numbers only at a fixed device and thread count;
* a content hash of the code the function can reach: every module of ``varlib.core`` and of the function's own
  sub-package (``varlib.maxout`` for a maxout function; all of varlib for a function outside it). Editing the
  maxout code recomputes the maxout results and nothing else.

Layout: ``<root>/<profile>/<function>/<key>.pt``; profiles live in separate folders, so a smoke run never
overwrites a full one. Files are written atomically (a temporary file in the same folder, then ``os.replace``).
Each file carries a sha256 of its result's bytes, checked on load: a file that cannot be read, whose stored key
does not match or whose checksum fails (a flipped bit) is reported with :class:`CorruptResultWarning`, moved aside to
``*.corrupt`` and recomputed; two processes meeting the same corrupt file both recompute. A write that fails (a full
disk) names the file and the free space; temporary files of killed writes are swept.

``store.map`` computes the missing items of a sweep in this process (``executor="local"``, the default) or as Ray
tasks (``executor="ray"``, see :mod:`varlib.book.sweeps`), which store their own results; either way the sweep
returns what is read back from the store.

Results may be tensors, arrays, pandas DataFrames, JSON-like values, and dicts, lists and tuples of these; they
are loaded with ``torch.load(weights_only=True)`` (no arbitrary pickles).
"""
from __future__ import annotations

import dataclasses
import functools
import hashlib
import inspect
import io
import json
import math
import os
import shutil
import tempfile
import warnings
import weakref
from pathlib import Path
from typing import Any, Callable, Iterable

import numpy as np
import pandas as pd
import torch
from tqdm.auto import tqdm

from varlib.core.runtime import Runtime, provenance

__all__ = ["ResultStore", "CorruptResultWarning", "PROFILES", "call_key", "code_hash", "digest"]

PROFILES = ("smoke", "standard", "full")
_FORMAT = 3
#: A temporary file older than this (seconds) was left by a killed write and is swept.
STALE_TEMPORARY_SECONDS = 3600
_PACKAGE = Path(__file__).resolve().parents[1]  # varlib/


class CorruptResultWarning(UserWarning):
    """A stored result could not be used and will be recomputed."""


# ----------------------------------------------------------------------------- the key
@functools.lru_cache(maxsize=None)
def _folder_hash(folder: Path) -> str:
    h = hashlib.sha256()
    for path in sorted(folder.rglob("*.py")):
        h.update(str(path.relative_to(_PACKAGE)).encode() + b"\0" + path.read_bytes() + b"\0")
    return h.hexdigest()


def code_hash(fn: Callable) -> str:
    """A content hash of the varlib source ``fn`` can reach: ``varlib/core`` plus ``fn``'s own sub-package
    (``varlib/maxout``, ...); all of ``varlib`` (and ``fn``'s own source) for a function defined elsewhere."""
    module = getattr(inspect.unwrap(fn), "__module__", "") or ""
    parts = module.split(".")
    if parts[0] == "varlib" and len(parts) > 2 and (_PACKAGE / parts[1]).is_dir():
        folders = sorted({_PACKAGE / "core", _PACKAGE / parts[1]})
        return hashlib.sha256("".join(_folder_hash(f) for f in folders).encode()).hexdigest()
    try:
        own = inspect.getsource(fn)
    except (OSError, TypeError):
        own = ""
    return hashlib.sha256((_folder_hash(_PACKAGE) + own).encode()).hexdigest()


#: id(tensor) -> (weak reference, version counter, digest): a sweep passes the same data set to every item, and
#: hashing 60,000 images once per item would cost seconds each. An in-place change bumps the version counter.
_DIGESTS: dict[int, tuple[weakref.ref, int, dict]] = {}


def _tensor_digest(t: torch.Tensor, memo: bool = True) -> dict:
    seen = _DIGESTS.get(id(t)) if memo else None
    if seen is not None and seen[0]() is t and seen[1] == t._version:
        return seen[2]
    flat = t.detach().cpu().reshape(-1)
    out = {"tensor": hashlib.sha256(flat.numpy().tobytes()).hexdigest(), "dtype": str(t.dtype),
           "shape": list(t.shape)}
    if memo:
        _DIGESTS[id(t)] = (weakref.ref(t, lambda _, key=id(t): _DIGESTS.pop(key, None)), t._version, out)
    return out


def digest(value: Any, name: str = "argument") -> Any:
    """``value`` as a canonical JSON-like value: numbers, strings, lists and dicts stay; tensors, arrays and
    DataFrames become a sha256 of their contents (with dtype and shape); dataclasses their fields; devices and
    dtypes their names. Anything else is a ``TypeError`` naming ``name``."""
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else repr(value)
    if isinstance(value, (np.integer, np.floating, np.bool_)):
        return digest(value.item(), name)
    if isinstance(value, (list, tuple)):
        return [digest(v, f"{name}[{i}]") for i, v in enumerate(value)]
    if isinstance(value, dict):
        return {str(k): digest(v, f"{name}[{k!r}]") for k, v in value.items()}
    if isinstance(value, (torch.device, torch.dtype)):
        return str(value) if isinstance(value, torch.dtype) else torch.device(value).type
    if isinstance(value, torch.Tensor):
        return _tensor_digest(value)
    if isinstance(value, np.ndarray):
        return _tensor_digest(torch.from_numpy(np.ascontiguousarray(value)), memo=False)
    if isinstance(value, pd.DataFrame):
        return {"table": hashlib.sha256(pd.util.hash_pandas_object(value, index=True).values.tobytes()
                                        + str(list(value.columns)).encode()).hexdigest()}
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {"type": type(value).__qualname__,
                **{f.name: digest(getattr(value, f.name), f"{name}.{f.name}") for f in dataclasses.fields(value)}}
    raise TypeError(f"{name} of type {type(value).__name__} cannot be part of a result's key: pass numbers, "
                    "strings, lists, dicts, tensors, arrays, DataFrames or dataclasses of these")


def call_key(fn: Callable, kwargs: dict) -> dict:
    """The function's qualified name and all its actual arguments (defaults included), canonical. Raises
    ``TypeError`` naming the function's parameters when ``kwargs`` does not fit its signature."""
    target = inspect.unwrap(fn)
    name = f"{target.__module__}.{target.__qualname__}"
    try:
        bound = inspect.signature(fn).bind(**kwargs)
    except TypeError as err:
        params = ", ".join(inspect.signature(fn).parameters)
        raise TypeError(f"{name}: {err}; its parameters are: {params}") from None
    bound.apply_defaults()
    args = {k: digest(v, f"{name}({k}=...)") for k, v in bound.arguments.items()}
    return {"function": name, "arguments": args}


def _canonical(key: dict) -> str:
    return json.dumps(key, sort_keys=True, separators=(",", ":"))


# ----------------------------------------------------------------------------- the payload
def _encode(value: Any) -> Any:
    """Tensors (on CPU), DataFrames, arrays and JSON-like values, in dicts, lists and tuples, as plain
    containers that ``torch.load(weights_only=True)`` reads back."""
    if isinstance(value, torch.Tensor):
        return value.detach().cpu()
    if isinstance(value, pd.DataFrame):
        return {"__table__": _encode_table(value)}
    if isinstance(value, np.ndarray):
        return {"__array__": torch.from_numpy(np.ascontiguousarray(value))}
    if isinstance(value, tuple):
        return {"__tuple__": [_encode(v) for v in value]}
    if isinstance(value, list):
        return [_encode(v) for v in value]
    if isinstance(value, dict):
        return {"__dict__": {str(k): _encode(v) for k, v in value.items()}}
    if isinstance(value, (np.integer, np.floating, np.bool_)):
        return value.item()
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    raise TypeError(f"a result of type {type(value).__name__} cannot be stored: return tensors, arrays, "
                    "DataFrames, numbers or strings, in dicts, lists or tuples")


def _decode(value: Any) -> Any:
    if isinstance(value, list):
        return [_decode(v) for v in value]
    if isinstance(value, dict):
        if "__table__" in value:
            return _decode_table(value["__table__"])
        if "__array__" in value:
            return value["__array__"].numpy()
        if "__tuple__" in value:
            return tuple(_decode(v) for v in value["__tuple__"])
        return {k: _decode(v) for k, v in value["__dict__"].items()}
    return value


def _encode_table(df: pd.DataFrame) -> dict:
    """A DataFrame as plain lists (exact floats), with its dtypes and index."""
    return {"columns": df.columns.tolist(), "data": [df[c].tolist() for c in df.columns],
            "dtypes": [str(t) for t in df.dtypes], "index": df.index.tolist(), "index_name": df.index.name}


def _decode_table(t: dict) -> pd.DataFrame:
    df = pd.DataFrame({i: col for i, col in enumerate(t["data"])},
                      index=pd.Index(t["index"], name=t["index_name"]))
    df.columns = t["columns"]
    return df.astype(dict(zip(t["columns"], t["dtypes"])))


# ----------------------------------------------------------------------------- the store
def _sweep_stale_temporaries(folder: Path) -> None:
    """Remove the temporary files of writes that were killed (older than :data:`STALE_TEMPORARY_SECONDS`; a
    younger one may belong to a write in progress in another process)."""
    import time

    for tmp in folder.glob(".*.tmp"):
        try:
            if time.time() - tmp.stat().st_mtime > STALE_TEMPORARY_SECONDS:
                tmp.unlink()
        except FileNotFoundError:
            pass


class ResultStore:
    """Stores the results of one profile under ``root`` for one :class:`~varlib.core.runtime.Runtime`."""

    def __init__(self, root: str | os.PathLike, profile: str, runtime: Runtime, *, executor: str = "local",
                 ray_address: str | None = None, chapter: str | None = None):
        """``executor`` computes a sweep's missing items: ``"local"`` (in this process) or ``"ray"`` (Ray tasks
        at ``ray_address``, see :mod:`varlib.book.sweeps`; ``root`` must then be on a filesystem every Ray worker
        sees). ``chapter`` names the chapter whose sweeps ``python -m varlib sweep status`` reports."""
        from varlib.book.sweeps import check_executor

        if profile not in PROFILES:
            raise ValueError(f"unknown profile {profile!r}; allowed: {', '.join(PROFILES)}")
        check_executor(executor, ray_address)
        self.root = Path(root) / profile
        self.profile = profile
        self.runtime = runtime
        self.executor, self.ray_address, self.chapter = executor, ray_address, chapter

    def key(self, fn: Callable, kwargs: dict) -> dict:
        """Everything a stored result of ``fn(**kwargs)`` is keyed on (see the module's docstring)."""
        return {**call_key(fn, kwargs), "code": code_hash(fn), "device": self.runtime.device.type,
                "threads": self.runtime.threads, "small_op_threads": self.runtime.small_op_threads}

    def path(self, key: dict) -> Path:
        return self.root / key["function"] / f"{hashlib.sha256(_canonical(key).encode()).hexdigest()[:24]}.pt"

    def load(self, key: dict) -> tuple[bool, Any]:
        """(True, the stored result) or (False, None) when absent or corrupt (corrupt files are moved aside)."""
        path = self.path(key)
        if not path.exists():
            return False, None
        try:
            blob = torch.load(path, weights_only=True)
            if blob.get("format") != _FORMAT or blob.get("key") != _canonical(key):
                raise ValueError("the stored key does not match the file's name")
            if hashlib.sha256(blob["result"]).hexdigest() != blob.get("sha256"):
                raise ValueError("the result's checksum does not match (a changed or damaged byte)")
            return True, _decode(torch.load(io.BytesIO(blob["result"]), weights_only=True))
        except FileNotFoundError:
            return False, None  # another process moved it aside meanwhile
        except Exception as err:  # noqa: BLE001 - any unreadable file is recomputed
            warnings.warn(f"result file {path} is corrupt ({type(err).__name__}: {err}); "
                          f"moved to {path.name}.corrupt and recomputing", CorruptResultWarning, stacklevel=3)
            try:
                os.replace(path, path.with_suffix(".pt.corrupt"))
            except FileNotFoundError:
                pass  # another process (a second run, a sweep worker) moved it first
            return False, None

    def save(self, key: dict, result: Any) -> Path:
        """Write ``result`` atomically with its key, a sha256 of its bytes and its provenance. A failed write
        leaves no file behind and says which file, and how much space its disk has left."""
        path = self.path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        _sweep_stale_temporaries(path.parent)
        buffer = io.BytesIO()
        torch.save(_encode(result), buffer)
        data = buffer.getvalue()
        blob = {"format": _FORMAT, "key": _canonical(key), "sha256": hashlib.sha256(data).hexdigest(),
                "provenance": json.loads(json.dumps(provenance(self.runtime.device, self.runtime.seed), default=str)),
                "result": data}
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.stem}.", suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as f:
                torch.save(blob, f)
                f.flush()
                os.fsync(f.fileno())
            os.replace(tmp, path)
        except (OSError, RuntimeError) as err:
            free = shutil.disk_usage(path.parent).free
            raise OSError(f"could not write the result file {path} ({len(data) / 2**20:.1f} MiB): {err}; "
                          f"{free / 2**20:.0f} MiB free on its disk. If the disk is full, free space or point "
                          "--results-dir elsewhere, then rerun: finished results are kept") from err
        finally:
            if os.path.exists(tmp):
                os.unlink(tmp)
        return path

    def call(self, fn: Callable, /, **kwargs: Any) -> Any:
        """``fn(**kwargs)``, computed once: the stored result when one has this key, else computed and stored.
        Arguments are checked against ``fn``'s signature (and made into a key) before anything runs."""
        key = self.key(fn, kwargs)
        found, result = self.load(key)
        if found:
            return result
        result = fn(**kwargs)
        self.save(key, result)
        return _decode(_encode(result))

    def map(self, fn: Callable, grid: Iterable[dict], /, *, desc: str | None = None, progress: bool = True,
            **fixed: Any) -> list[Any]:
        """``[fn(**item, **fixed) for item in grid]``, each item computed once and stored on its own (an
        interrupted sweep resumes where it stopped). Every item's arguments are checked before the first runs.
        With ``executor="ray"`` the items not stored yet are computed as Ray tasks, then all are read back."""
        items = [dict(item) for item in grid]
        for item in items:
            both = sorted(set(item) & set(fixed))
            if both:
                raise TypeError(f"{', '.join(both)} given both in the grid and as a fixed argument")
        keys = [self.key(fn, {**item, **fixed}) for item in items]
        if self.chapter is not None:
            from varlib.book.sweeps import record_sweep

            record_sweep(self, desc or fn.__name__, fn, keys)
        if self.executor == "ray":
            return self._map_on_ray(fn, items, keys, fixed, desc, progress)
        out = []
        for item, key in zip(tqdm(items, desc=desc or fn.__name__, disable=not progress), keys):
            found, result = self.load(key)
            if not found:
                result = fn(**item, **fixed)
                self.save(key, result)
                result = _decode(_encode(result))
            out.append(result)
        return out

    def _map_on_ray(self, fn: Callable, items: list[dict], keys: list[dict], fixed: dict, desc: str | None,
                    progress: bool) -> list[Any]:
        """The stored results of ``items``, after computing the missing ones on Ray (each task stores its own)."""
        from varlib.book.sweeps import compute_on_ray

        loaded = [self.load(key) for key in keys]
        missing = [i for i, (found, _) in enumerate(loaded) if not found]
        if missing:
            compute_on_ray(self, fn, [items[i] for i in missing], [keys[i] for i in missing], fixed,
                           ray_address=self.ray_address, desc=desc, progress=progress)
        for i in missing:
            loaded[i] = self.load(keys[i])
            if not loaded[i][0]:
                call = ", ".join(f"{k}={v!r}" for k, v in items[i].items())
                raise RuntimeError(f"the result of {fn.__name__}({call})"
                                   f" is not in {self.path(keys[i])} after its Ray task finished: is the results "
                                   "folder on a filesystem every Ray worker sees? Rerun to compute it")
        return [result for _, result in loaded]
