"""Sweeps on Ray (``executor="ray"``): a local Ray with 2 CPUs, tasks of one torch thread each.

The same results as the local loop, bit for bit; a worker killed mid-sweep has its task retried and nothing stored
twice; a killed driver's rerun computes only what is missing; an item that raises is named, the others are stored.
"""
import collections
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import torch

ray = pytest.importorskip("ray", reason="Ray is not installed (pip install '.[ray]'; `make test` installs it)")

from varlib.book.results import ResultStore  # noqa: E402
from varlib.book.sweeps import SweepError  # noqa: E402
from varlib.core.runtime import Runtime, setup  # noqa: E402

TESTS = Path(__file__).resolve().parent
ITEMS = [{"i": i} for i in range(8)]


def work(i: int, folder: str, pause: float = 0.0, kill_at: int = -1, fail_at: int = -1) -> dict:
    """A seeded result for item ``i``, logging ``<job> <i>`` to ``folder/calls.log`` first. ``kill_at``: that
    item's first call kills its own worker process (SIGKILL); ``fail_at``: that item raises."""
    job = ray.get_runtime_context().get_job_id()
    with open(Path(folder) / "calls.log", "a") as log:
        log.write(f"{job} {i}\n")
    if i == kill_at and _first(Path(folder) / "killed"):
        os.kill(os.getpid(), signal.SIGKILL)
    if i == fail_at:
        raise ValueError(f"item {i} cannot be computed")
    time.sleep(pause)
    return {"x": torch.randn(16, generator=torch.Generator().manual_seed(i)), "i": i}


def _first(marker: Path) -> bool:
    """True once only (the marker is created exclusively)."""
    try:
        os.close(os.open(marker, os.O_CREAT | os.O_EXCL | os.O_WRONLY))
        return True
    except FileExistsError:
        return False


def _calls(folder: Path) -> list[tuple[str, int]]:
    lines = (folder / "calls.log").read_text().split() if (folder / "calls.log").exists() else []
    return [(job, int(i)) for job, i in zip(lines[::2], lines[1::2])]


def _store(root, executor="ray", address=None) -> ResultStore:
    return ResultStore(root, "smoke", Runtime(torch.device("cpu"), 0, 1, 1), executor=executor, ray_address=address)


def _stored(root) -> list[Path]:
    return sorted(Path(root).rglob("*.pt"))


@pytest.fixture(scope="module")
def cluster():
    """A local Ray with 2 CPUs for this module; this file's functions travel to the workers by value."""
    ray.cloudpickle.register_pickle_by_value(sys.modules[__name__])
    context = ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False, configure_logging=False)
    yield context.address_info["address"]
    ray.shutdown()


def test_a_sweep_on_ray_equals_the_local_sweep_bit_for_bit(cluster, tmp_path):
    """A chapter's sweep (variability measures of random nets), same seeds and one thread: the stored bytes and
    the returned tables are the same as the local loop's."""
    import pandas as pd

    import varlib.variability as V
    from varlib.variability.tables import sweep_grid

    rt = setup("cpu", 0, 1)
    grid, fixed = sweep_grid(budgets=[500], depths=[2, 4]), dict(draws=8, grid=32, seed=0, device=rt.device)
    local = ResultStore(tmp_path / "local", "smoke", rt).map(V.variability_draws, grid, progress=False, **fixed)
    on_ray = _store(tmp_path / "ray").map(V.variability_draws, grid, progress=False, **fixed)
    for a, b in zip(local, on_ray, strict=True):
        pd.testing.assert_frame_equal(a["draws"], b["draws"], check_exact=True)
        pd.testing.assert_frame_equal(a["gradients"], b["gradients"], check_exact=True)
        assert torch.equal(a["example"], b["example"])
    sums = [[torch.load(p, weights_only=True)["sha256"] for p in _stored(tmp_path / side)] for side in ("local", "ray")]
    assert len(sums[0]) == len(grid) and sums[0] == sums[1]


def test_a_killed_worker_has_its_task_retried_and_nothing_is_lost_or_stored_twice(cluster, tmp_path):
    """Item 3's first call kills its worker (SIGKILL) after item 2 of the same chunk is stored: Ray retries the
    task, which skips item 2 and computes 3 and 4 again; every item is stored once, with the right numbers."""
    out = _store(tmp_path / "r").map(work, ITEMS, progress=False, folder=str(tmp_path), kill_at=3)
    assert (tmp_path / "killed").exists()
    assert [r["i"] for r in out] == list(range(8))
    assert all(torch.equal(r["x"], torch.randn(16, generator=torch.Generator().manual_seed(r["i"]))) for r in out)
    counts = collections.Counter(i for _, i in _calls(tmp_path))
    assert counts == {i: 2 if i == 3 else 1 for i in range(8)}
    assert len(_stored(tmp_path / "r")) == 8


DRIVER = """import sys; sys.path.insert(0, {tests!r})
import ray, test_ray_sweeps as t
ray.cloudpickle.register_pickle_by_value(t)
ray.init(address={address!r}, log_to_driver=False, configure_logging=False)
t._store({root!r}).map(t.work, t.ITEMS, progress=False, folder={folder!r}, pause=0.4)
"""


def test_a_killed_driver_is_resumed_by_a_rerun_that_computes_only_what_is_missing(cluster, tmp_path):
    """A driver (its own process, on this Ray) is killed once 2 of 8 items are stored; its job's tasks die with
    it. The rerun computes exactly the items not stored, each once."""
    code = DRIVER.format(tests=str(TESTS), address=cluster, root=str(tmp_path / "r"), folder=str(tmp_path))
    driver = subprocess.Popen([sys.executable, "-c", code], start_new_session=True)
    deadline = time.monotonic() + 60
    while len(_stored(tmp_path / "r")) < 2 and driver.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    os.killpg(driver.pid, signal.SIGKILL)
    driver.wait()
    time.sleep(2.0)  # the dead job's workers are killed by Ray; a task in flight would have finished by now
    before = {p.name for p in _stored(tmp_path / "r")}
    assert 2 <= len(before) < 8
    mine = ray.get_runtime_context().get_job_id()
    out = _store(tmp_path / "r").map(work, ITEMS, progress=False, folder=str(tmp_path), pause=0.4)
    rerun = [i for job, i in _calls(tmp_path) if job == mine]
    assert sorted(rerun) == sorted(set(range(8)) - {r["i"] for r in out if _name(tmp_path, r["i"]) in before})
    assert len(rerun) == 8 - len(before) and [r["i"] for r in out] == list(range(8))


def _name(tmp_path, i: int) -> str:
    store = _store(tmp_path / "r")
    return store.path(store.key(work, {"i": i, "folder": str(tmp_path), "pause": 0.4})).name


def test_an_item_that_raises_is_named_and_the_others_are_stored(cluster, tmp_path):
    """The error names the item's parameters and shows its traceback; the 7 other items are stored, so a rerun
    computes only the failed one (which fails again)."""
    store = _store(tmp_path / "r")
    for submitted in (8, 1):
        with pytest.raises(SweepError, match=rf"(?s)work failed on 1 of the {submitted} items computed on Ray.*"
                                             r"i=5: ValueError: item 5 cannot be computed.*Traceback.*in work"):
            store.map(work, ITEMS, progress=False, folder=str(tmp_path), fail_at=5)
        assert len(_stored(tmp_path / "r")) == 7
    assert sorted(i for _, i in _calls(tmp_path)) == [0, 1, 2, 3, 4, 5, 5, 6, 7]
