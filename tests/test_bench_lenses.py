"""The lens training benchmarks at tiny sizes: complete rows, one peer, and an equality check that bites."""
from functools import partial

import pytest
import torch

import benchmarks.lens_training as lt
from varlib.book.bench import RESULT_FIELDS

CPU = torch.device("cpu")


def test_sizes_cover_every_benchmark_in_every_mode():
    for mode in ("quick", "cpu", "cuda"):
        assert set(lt.LENS_SIZES[mode]) == set(lt.LENS_BENCHMARKS)
        assert all(isinstance(s, dict) for sizes in lt.LENS_SIZES[mode].values() for s in sizes)


@pytest.mark.parametrize("name", sorted(lt.LENS_BENCHMARKS))
def test_each_benchmark_returns_complete_rows_with_one_peer(name):
    rows = lt.LENS_BENCHMARKS[name](CPU, lt.LENS_SIZES["quick"][name][0], 1, 1e9)
    peers = [r for r in rows if "(peer)" in r["variant"] or "(baseline)" in r["variant"]]
    assert len(rows) >= 2 and len(peers) == 1
    for row in rows:
        assert set(RESULT_FIELDS) <= set(row) and row["speedup"] > 0
    assert peers[0]["speedup"] == pytest.approx(1.0)
    assert any(r["variant"].startswith("varlib") for r in rows)


@pytest.mark.parametrize("name, peer", [("deep_linear_training", "deep_linear_peer"), ("abc_training", "abc_peer")])
def test_the_equality_check_catches_a_peer_with_another_learning_rate(name, peer, monkeypatch):
    monkeypatch.setattr(lt, peer, partial(getattr(lt, peer), lr_scale=1.001))
    with pytest.raises(AssertionError, match="differ"):
        lt.LENS_BENCHMARKS[name](CPU, lt.LENS_SIZES["quick"][name][0], 1, 1e9)


@pytest.mark.parametrize("preset", ["mup", "ip_bias"])
def test_abc_peer_matches_other_presets_and_bias_modes(preset):
    lt.check_abc({**lt.LENS_SIZES["quick"]["abc_training"][0], "preset": preset, "activation": "relu"}, CPU)


def test_deep_linear_peer_matches_with_the_constant_rate_and_three_layers():
    lt.check_deep_linear({**lt.LENS_SIZES["quick"]["deep_linear_training"][0], "schedule": "constant", "depth": 3,
                          "activation": "relu"}, CPU)
