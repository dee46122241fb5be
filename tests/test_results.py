"""The cached call: a result is keyed by its function, all its arguments, the code it runs, device and threads."""
import shutil
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pytest
import torch

from varlib.book import results
from varlib.book.results import CorruptResultWarning, ResultStore, call_key, code_hash, digest
from varlib.core.runtime import Runtime, provenance, setup, small_op_threads

CALLS = []


def _store(tmp_path, profile="smoke", threads=2, small=1, device="cpu"):
    return ResultStore(tmp_path, profile, Runtime(torch.device(device), 0, threads, small))


def payload(depth: int = 3, *, scale: float = 0.5, note: str = "relu") -> dict:
    """A result with every kind of value the store keeps."""
    CALLS.append(depth)
    return {"F": torch.arange(6.0).view(2, 3) * scale, "table": pd.DataFrame({"depth": [1, depth], "v": [scale, 0.25]}),
            "width": 7, "name": note, "pair": (np.arange(3), [1.5, None]), "nested": {"a": torch.ones(2)}}


def _same(a, b):
    assert torch.equal(a["F"], b["F"]) and a["width"] == b["width"] and a["name"] == b["name"]
    pd.testing.assert_frame_equal(a["table"], b["table"])
    assert isinstance(a["pair"], tuple) and np.array_equal(a["pair"][0], b["pair"][0]) and a["pair"][1] == b["pair"][1]
    assert torch.equal(a["nested"]["a"], b["nested"]["a"])


def test_same_call_twice_computes_once_and_round_trips(tmp_path):
    store = _store(tmp_path)
    CALLS.clear()
    first = store.call(payload, depth=3)
    second = store.call(payload, depth=3)
    assert CALLS == [3]
    _same(first, payload(depth=3))
    _same(second, first)
    assert not list(tmp_path.rglob("*.tmp"))


def test_defaults_are_part_of_the_key(tmp_path):
    """Passing a default explicitly or leaving it out is the same call; any other value is another."""
    store = _store(tmp_path)
    CALLS.clear()
    store.call(payload, depth=3)
    store.call(payload, depth=3, scale=0.5)
    assert CALLS == [3]
    store.call(payload, depth=3, scale=0.25)
    store.call(payload, depth=4)
    assert CALLS == [3, 3, 4]


def test_editing_the_code_recomputes(tmp_path, monkeypatch):
    """A copy of the package whose maxout code differs by one line changes the key of maxout functions only."""
    from varlib.deep_linear.study import phase_table
    from varlib.maxout.training import count_cell

    copy = tmp_path / "varlib"
    shutil.copytree(results._PACKAGE, copy, ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.setattr(results, "_PACKAGE", copy)
    results._folder_hash.cache_clear()
    before = {f: code_hash(f) for f in (count_cell, phase_table)}
    store = _store(tmp_path / "store")
    key_before = store.key(count_cell, dict(K=2, N=4, depth=1, nets=1))
    with open(copy / "maxout" / "training.py", "a") as f:
        f.write("\n# an edit\n")
    results._folder_hash.cache_clear()
    try:
        assert code_hash(count_cell) != before[count_cell]
        assert code_hash(phase_table) == before[phase_table]
        assert store.path(store.key(count_cell, dict(K=2, N=4, depth=1, nets=1))) != store.path(key_before)
    finally:
        results._folder_hash.cache_clear()


def test_an_edited_function_recomputes_its_stored_result(tmp_path, monkeypatch):
    store = _store(tmp_path)
    CALLS.clear()
    store.call(payload, depth=2)
    monkeypatch.setattr(results, "code_hash", lambda fn: "edited")
    store.call(payload, depth=2)
    store.call(payload, depth=2)
    assert CALLS == [2, 2]


def test_profiles_devices_threads_and_arguments_never_share_a_file(tmp_path):
    def path(store, **kw):
        return store.path(store.key(payload, {"depth": 1, **kw}))

    paths = {path(_store(tmp_path, "smoke")), path(_store(tmp_path, "full")), path(_store(tmp_path, threads=1)),
             path(_store(tmp_path), depth=2), path(_store(tmp_path, small=2)), path(_store(tmp_path, device="meta"))}
    assert len(paths) == 6


@dataclass(frozen=True)
class Task:
    x: torch.Tensor
    name: str


def test_digest_keys_contents_not_identity():
    a, b = torch.arange(4.0), torch.arange(4.0)
    assert digest(a) == digest(b) and digest(a) != digest(a + 1) and digest(a) != digest(a.double())
    assert digest(Task(a, "t")) == digest(Task(b.clone(), "t")) != digest(Task(a, "u"))
    assert digest(np.arange(3)) == digest(torch.arange(3))
    c = torch.zeros(3)
    before = digest(c)
    c += 1  # in place: the memo must not hand back the old digest
    assert digest(c) == digest(torch.ones(3)) != before
    df = pd.DataFrame({"a": [1.0, 2.0]})
    assert digest(df) == digest(df.copy()) != digest(df * 2)
    assert digest((1, [2.0, {"k": torch.device("cpu")}])) == [1, [2.0, {"k": "cpu"}]]
    with pytest.raises(TypeError, match="step"):
        digest(object(), "step")


def test_bad_arguments_fail_before_anything_runs(tmp_path):
    store = _store(tmp_path)
    CALLS.clear()
    with pytest.raises(TypeError, match="depht.*parameters are: depth, scale, note"):
        store.call(payload, depht=3)
    with pytest.raises(TypeError, match="depth given both"):
        store.map(payload, [{"depth": 1}], depth=2)
    with pytest.raises(TypeError, match="cannot be part of a result's key"):
        store.map(payload, [{"depth": 1}, {"depth": object()}])
    assert CALLS == []
    with pytest.raises(ValueError, match="profile"):
        _store(tmp_path, "huge")
    assert call_key(payload, {"depth": 1})["arguments"] == {"depth": 1, "scale": 0.5, "note": "relu"}


def test_small_op_thread_count_is_pinned_restored_and_recorded():
    try:
        rt = setup("cpu", 0, threads=2, small_op_threads=1)
        assert rt.small_op_threads == 1 and provenance("cpu")["torch_threads_small_ops"] == 1
        with small_op_threads("cpu"):
            assert torch.get_num_threads() == 1
        assert torch.get_num_threads() == 2
        setup("cpu", 0, threads=1, small_op_threads=2)
        with small_op_threads():
            assert torch.get_num_threads() == 2
        assert torch.get_num_threads() == 1 and provenance("cpu")["torch_threads_small_ops"] == 2
        with pytest.raises(ValueError, match="small_op_threads must be an integer >= 1"):
            setup("cpu", 0, small_op_threads=0)
    finally:
        setup("cpu", 0, threads=2, small_op_threads=1)


def flaky(i: int, crash_at: int = -1) -> dict:
    if i == crash_at and "crashed" not in CALLS:
        CALLS.append("crashed")
        raise KeyboardInterrupt
    CALLS.append(i)
    return {"i": i}


def test_interrupted_map_resumes(tmp_path):
    store = _store(tmp_path)
    CALLS.clear()
    grid = [{"i": i} for i in range(5)]
    with pytest.raises(KeyboardInterrupt):
        store.map(flaky, grid, crash_at=3, progress=False)
    out = store.map(flaky, grid, crash_at=3, progress=False)
    assert [o["i"] for o in out] == list(range(5))
    assert CALLS == [0, 1, 2, "crashed", 3, 4]


def test_a_corrupt_file_moved_by_another_process_is_not_an_error(tmp_path, monkeypatch):
    """Two runs meet the same corrupt file: the second finds it gone when it moves it aside, and recomputes."""
    store = _store(tmp_path)
    key = store.key(payload, {"depth": 1})
    path = store.save(key, payload(depth=1))
    real_load = torch.load

    def load_then_vanish(f, *args, **kwargs):
        if isinstance(f, (str, type(path))):
            path.unlink()  # the other process moves it aside right after we opened it
            raise ValueError("garbage")
        return real_load(f, *args, **kwargs)

    monkeypatch.setattr(results.torch, "load", load_then_vanish)
    with pytest.warns(CorruptResultWarning):
        assert store.load(key) == (False, None)


# ----------------------------------------------------------------------------- executors (no Ray needed here)
@pytest.mark.parametrize("kwargs, words", [
    (dict(executor="dask"), "executor must be one of 'local', 'ray', got 'dask'"),
    (dict(executor="ray", ray_address=6379), "ray_address must be None")])
def test_a_wrong_executor_is_refused_naming_the_allowed_values(tmp_path, kwargs, words):
    with pytest.raises(ValueError, match=words):
        ResultStore(tmp_path, "smoke", Runtime(torch.device("cpu"), 0, 2, 1), **kwargs)


def test_executor_ray_without_ray_says_how_to_install_it(tmp_path, monkeypatch):
    monkeypatch.setitem(__import__("sys").modules, "ray", None)  # `import ray` fails as if absent
    with pytest.raises(ImportError, match=r"executor='ray' needs Ray.*pip install '\.\[ray\]'.*executor='local'"):
        ResultStore(tmp_path, "smoke", Runtime(torch.device("cpu"), 0, 2, 1), executor="ray")


@pytest.mark.parametrize("seconds, pending, workers, size", [(0.1, 38, 2, 10), (0.01, 38, 2, 19), (2.0, 10, 2, 1),
                                                              (0.5, 1, 4, 1), (0.0, 6, 2, 3)])
def test_a_chunk_carries_about_a_second_of_work_and_every_worker_gets_one(seconds, pending, workers, size):
    from varlib.book.sweeps import chunk_size

    assert chunk_size(seconds, pending, workers) == size


def test_sweep_status_counts_done_and_pending_items_per_sweep(tmp_path, capsys):
    """A chapter's store notes each sweep's files; `python -m varlib sweep status` counts which exist."""
    from varlib.__main__ import main

    store = ResultStore(tmp_path, "smoke", Runtime(torch.device("cpu"), 0, 2, 1), chapter="demo")
    CALLS.clear()
    with pytest.raises(KeyboardInterrupt):
        store.map(flaky, [{"i": i} for i in range(5)], desc="flaky sweep", crash_at=3, progress=False)
    store.map(payload, [{"depth": d} for d in (1, 2)], progress=False)
    assert main(["sweep", "status", "demo", "--profile", "smoke", "--results-dir", str(tmp_path)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[1].split()[:4] == ["flaky", "sweep", "3", "2"] and lines[2].split()[:3] == ["payload", "2", "0"]
    assert main(["sweep", "status", "other", "--profile", "smoke", "--results-dir", str(tmp_path)]) == 1
    assert "no sweep of chapter 'other' has started" in capsys.readouterr().err


def test_sweep_run_executes_the_chapter_with_the_executor_as_parameters(tmp_path, monkeypatch, capsys):
    """`sweep run` is the book's run of one chapter, without HTML, with executor and ray_address as parameters."""
    from varlib.__main__ import main
    from varlib.book import pipeline

    seen = {}
    monkeypatch.setattr(pipeline, "run_book", lambda *args, **kwargs: seen.update(args=args, kwargs=kwargs))
    assert main(["sweep", "run", "maxout", "--profile", "full", "--executor", "ray", "--ray-address", "auto",
                 "-p", "nets=3", "--results-dir", str(tmp_path)]) == 0
    assert seen["args"][1:5] == ("full", ["maxout"], "auto", {"nets": 3, "executor": "ray", "ray_address": "auto"})
    assert seen["args"][6] == tmp_path and seen["kwargs"] == {"html": False}
    assert main(["sweep", "run", "maxout", "-p", "executor=ray"]) == 1
    assert "use --executor" in capsys.readouterr().err
