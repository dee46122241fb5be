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
