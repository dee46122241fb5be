"""Move executed chapters between machines: execute on a GPU machine, render on another.

A machine that lacks Jupyter Book (a lent GPU, say) executes chapters with ``python -m varlib book --no-html``
and packs what it executed with :func:`archive_run`: the executed notebooks, the run log and, when they are
small enough, the stored results, each as a ``.tar.gz`` mirroring the repository's layout
(``_build/<profile>/...``, ``results/<profile>/...``). :func:`import_run` unpacks such archives into this
checkout, merging the run log (the latest run of each chapter wins), after which
``python -m varlib book --profile <profile> --render-only`` renders the book without executing anything.
"""
from __future__ import annotations

import json
import os
import shutil
import tarfile
import tempfile
import time
from pathlib import Path

__all__ = ["archive_run", "import_run", "merge_run_log"]

#: The largest archive the device tool brings back (16 MiB per file).
MAX_ARCHIVE_BYTES = 16 * 2**20


def _pack(path: Path, members: list[tuple[Path, str]]) -> Path:
    with tarfile.open(path, "w:gz") as tar:
        for source, name in members:
            tar.add(source, arcname=name)
    return path


def archive_run(profile: str, out: Path, build_dir: Path = Path("_build"), results_dir: Path = Path("results"),
                max_bytes: int = MAX_ARCHIVE_BYTES) -> list[Path]:
    """Pack the run log ``<build_dir>/<profile>/runs.json`` and the executed notebooks of the chapters whose
    latest run succeeded (not the half-written notebook of an interrupted one) into
    ``<out>/<profile>-executed-<time>.tar.gz`` and ``<results_dir>/<profile>`` into
    ``<profile>-results-<time>.tar.gz``; a results archive larger than ``max_bytes`` is deleted again (and
    reported), since it could not be brought back. Returns the archives."""
    build, results = Path(build_dir) / profile, Path(results_dir) / profile
    if not (build / "runs.json").exists() and not results.is_dir():
        raise FileNotFoundError(f"nothing executed on profile {profile!r}: no {build / 'runs.json'} and no {results}")
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    stamp = time.strftime("%Y%m%dT%H%M%S")
    made = []
    if (build / "runs.json").exists():   # an interrupted first chapter leaves only stored results
        finished = {r["name"] for r in json.loads((build / "runs.json").read_text()) if r["ok"]}
        notebooks = [nb for nb in sorted((build / "executed").rglob("*.ipynb")) if nb.stem in finished]
        made.append(_pack(out / f"{profile}-executed-{stamp}.tar.gz",
                          [(nb, f"_build/{profile}/{nb.relative_to(build).as_posix()}") for nb in notebooks]
                          + [(build / "runs.json", f"_build/{profile}/runs.json")]))
    if results.is_dir():
        packed = _pack(out / f"{profile}-results-{stamp}.tar.gz", [(results, f"results/{profile}")])
        if packed.stat().st_size > max_bytes:
            print(f"results archive is {packed.stat().st_size / 2**20:.0f} MiB (over {max_bytes / 2**20:.0f} MiB): "
                  "not kept; the executed notebooks hold every number the book shows")
            packed.unlink()
        else:
            made.append(packed)
    return made


def merge_run_log(target: Path, incoming: list[dict]) -> None:
    """Add chapter runs to the run log at ``target``, replacing earlier runs of the same chapters (atomically,
    under a lock: two processes merging at once both keep their entries)."""
    import fcntl

    target.parent.mkdir(parents=True, exist_ok=True)
    with open(target.with_name(f".{target.name}.lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        log = json.loads(target.read_text()) if target.exists() else []
        names = {r["name"] for r in incoming}
        merged = [r for r in log if r["name"] not in names] + incoming
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.stem}.", suffix=".tmp")  # unique per writer
        with os.fdopen(fd, "w") as f:
            f.write(json.dumps(merged, indent=1, default=str))
        os.replace(tmp, target)


def import_run(archive: Path, build_dir: Path = Path("_build"), results_dir: Path = Path("results")) -> list[str]:
    """Unpack an archive of :func:`archive_run` into ``build_dir`` and ``results_dir``; returns the paths
    written. Member paths outside ``_build/`` and ``results/`` are refused."""
    written = []
    with tarfile.open(archive, "r:gz") as tar, tempfile.TemporaryDirectory() as tmp:
        for member in tar.getmembers():
            top = Path(member.name).parts[0] if member.name else ""
            if top not in ("_build", "results") or ".." in Path(member.name).parts:
                raise ValueError(f"{archive}: unexpected member {member.name!r} (only _build/ and results/)")
        tar.extractall(tmp, filter="data")
        for path in sorted(Path(tmp).rglob("*")):
            if not path.is_file():
                continue
            rel = path.relative_to(tmp)
            base = Path(build_dir) if rel.parts[0] == "_build" else Path(results_dir)
            dest = base.joinpath(*rel.parts[1:])
            if rel.name == "runs.json" and len(rel.parts) == 3:
                merge_run_log(dest, json.loads(path.read_text()))
            else:
                dest.parent.mkdir(parents=True, exist_ok=True)
                shutil.move(path, dest)
            written.append(str(dest))
    return written
