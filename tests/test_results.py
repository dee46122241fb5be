import pandas as pd
import pytest
import torch

from varlib.book.results import CorruptResultWarning, ResultStore
from varlib.core.runtime import Runtime, provenance, setup, small_op_threads


def _store(tmp_path, profile="smoke", threads=2, small=1):
    return ResultStore(tmp_path, profile, Runtime(torch.device("cpu"), 0, threads, small))


def _payload():
    return {"F": torch.arange(6.0).view(2, 3), "table": pd.DataFrame({"depth": [1, 2], "v": [0.5, 0.25]}),
            "width": 7, "name": "relu"}


def test_round_trip_and_reuse(tmp_path):
    store, calls = _store(tmp_path), []
    first = store.cached("exp", {"depth": 3}, lambda: calls.append(1) or _payload())
    second = store.cached("exp", {"depth": 3}, lambda: calls.append(1) or _payload())
    assert calls == [1]
    for got in (first, second):
        assert torch.equal(got["F"], _payload()["F"]) and got["width"] == 7 and got["name"] == "relu"
        pd.testing.assert_frame_equal(got["table"], _payload()["table"])
    assert not list(store.path("exp", {"depth": 3}).parent.glob("*.tmp"))


def test_profiles_threads_and_params_never_share_a_file(tmp_path):
    paths = {_store(tmp_path, "smoke").path("e", {"a": 1}), _store(tmp_path, "full").path("e", {"a": 1}),
             _store(tmp_path, "smoke", threads=1).path("e", {"a": 1}), _store(tmp_path).path("e", {"a": 2}),
             _store(tmp_path, small=2).path("e", {"a": 1})}
    assert len(paths) == 5


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
        with pytest.raises(ValueError, match="small_op_threads must be a positive integer"):
            setup("cpu", 0, small_op_threads=0)
    finally:
        setup("cpu", 0, threads=2, small_op_threads=1)


@pytest.mark.parametrize("damage", [lambda b: b[: len(b) // 2], lambda b: b"not a torch file", lambda b: b""])
def test_corrupt_file_is_reported_and_recomputed(tmp_path, damage):
    store = _store(tmp_path)
    path = store.save("exp", {"k": 1}, _payload())
    path.write_bytes(damage(path.read_bytes()))
    with pytest.warns(CorruptResultWarning, match="corrupt"):
        got = store.cached("exp", {"k": 1}, _payload)
    assert torch.equal(got["F"], _payload()["F"])
    assert path.with_suffix(".pt.corrupt").exists() and store.load("exp", {"k": 1}) is not None


def test_file_with_foreign_key_is_corrupt(tmp_path):
    store = _store(tmp_path)
    other = store.save("exp", {"k": 2}, _payload())
    other.replace(store.path("exp", {"k": 1}))
    with pytest.warns(CorruptResultWarning, match="do not match"):
        assert store.load("exp", {"k": 1}) is None


def test_interrupted_sweep_resumes(tmp_path):
    store, done = _store(tmp_path), []

    def compute(item):
        if item["i"] == 3 and not done.count("crashed"):
            done.append("crashed")
            raise KeyboardInterrupt
        done.append(item["i"])
        return {"i": item["i"]}

    items = [{"i": i} for i in range(5)]
    with pytest.raises(KeyboardInterrupt):
        store.sweep("sweep", items, compute, progress=False)
    out = store.sweep("sweep", items, compute, progress=False)
    assert [o["i"] for o in out] == list(range(5))
    assert done == [0, 1, 2, "crashed", 3, 4]


def test_bad_inputs(tmp_path):
    with pytest.raises(ValueError, match="profile"):
        _store(tmp_path, "huge")
    with pytest.raises(ValueError, match="JSON"):
        _store(tmp_path).path("exp", {"f": object()})
