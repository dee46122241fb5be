"""The benchmark harness at tiny sizes: same numbers on both sides, complete records, no GPU handled."""
import json

import pytest
import torch

from benchmarks.__main__ import main
from benchmarks.suite import BENCHMARKS, SIZES, book_times
from varlib.bench import RECORD_FIELDS, RESULT_FIELDS, load_records, new_record, time_call, write_record


def test_time_call_statistics_and_bad_input():
    calls = []
    t = time_call(lambda: calls.append(1), "cpu", repeats=4, warmup=2)
    assert len(calls) == 6 and t["repeats"] == 4 and t["min_s"] <= t["median_s"] <= t["max_s"]
    with pytest.raises(ValueError, match="repeats"):
        time_call(lambda: None, repeats=0)


@pytest.mark.parametrize("name", sorted(BENCHMARKS))
def test_each_benchmark_checks_equal_numbers_and_returns_complete_rows(name):
    rows = BENCHMARKS[name](torch.device("cpu"), SIZES["quick"][name][0], 1, 1e9)
    assert len(rows) >= 2
    for row in rows:
        assert set(RESULT_FIELDS) <= set(row) and row["speedup"] > 0
    assert rows[0]["speedup"] == pytest.approx(1.0)


def test_record_round_trip_and_required_fields(tmp_path):
    rec = new_record("cpu", 1e9)
    rec["results"].append({"benchmark": "b", "variant": "v", "size": {}, "median_s": 1.0, "min_s": 1.0,
                           "max_s": 1.0, "repeats": 1})
    path = write_record(rec, tmp_path)
    assert set(RECORD_FIELDS) <= set(json.loads(path.read_text()))
    assert load_records(tmp_path).loc[0, "variant"] == "v"
    with pytest.raises(ValueError, match="lacks"):
        write_record({"created": "x"}, tmp_path)


def test_book_times_read_the_run_logs(tmp_path):
    (tmp_path / "smoke").mkdir()
    (tmp_path / "smoke" / "runs.json").write_text(json.dumps([{"name": "family", "ok": True, "seconds": 3.5,
        "started": "t", "error": "", "device": "CPU", "parameters": {"profile": "smoke"}}]))
    (row,) = book_times(tmp_path)
    assert row["variant"] == "family (smoke)" and row["median_s"] == 3.5


@pytest.mark.skipif(torch.cuda.is_available(), reason="checks the no-GPU report")
def test_quick_run_without_gpu_writes_a_record_saying_so(tmp_path, capsys):
    assert main(["--quick", "--repeats", "1", "--out", str(tmp_path), "--build-dir", str(tmp_path)]) == 0
    (path,) = tmp_path.glob("*.json")
    rec = json.loads(path.read_text())
    assert rec["cuda_available"] is False and rec["provenance"]["device"] == "cpu"
    assert "no CUDA GPU visible" in capsys.readouterr().out
    assert main(["--device", "cuda", "--out", str(tmp_path)]) == 1


def test_a_failing_benchmark_is_recorded_and_the_others_are_kept(tmp_path, monkeypatch):
    import benchmarks.__main__ as cli

    def broken(*args):
        raise RuntimeError("out of memory")

    monkeypatch.setitem(cli.BENCHMARKS, "forward", broken)
    assert main(["--quick", "--repeats", "1", "--only", "forward", "--only", "training", "--out", str(tmp_path),
                 "--build-dir", str(tmp_path)]) == 1
    (path,) = tmp_path.glob("*.json")
    rec = json.loads(path.read_text())
    assert rec["errors"][0]["benchmark"] == "forward" and "out of memory" in rec["errors"][0]["error"]
    assert {r["benchmark"] for r in rec["results"]} == {"ensemble training"}


def test_book_only_records_the_run_logs_without_timing(tmp_path):
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "runs.json").write_text(json.dumps([{"name": "family", "seconds": 30.0, "ok": True,
                                                               "started": "t", "device": "NVIDIA H100",
                                                               "parameters": {"profile": "full"}}]))
    assert main(["--book-only", "--out", str(tmp_path / "rec"), "--build-dir", str(tmp_path)]) == 0
    (path,) = (tmp_path / "rec").glob("*.json")
    rec = json.loads(path.read_text())
    assert [r["variant"] for r in rec["results"]] == ["family (full)"]
    assert rec["results"][0]["size"]["device"] == "NVIDIA H100"


def test_no_records_is_a_clear_error(tmp_path):
    with pytest.raises(ValueError, match="python -m benchmarks"):
        load_records(tmp_path)


def test_target_table_reads_the_newest_record_of_each_device():
    import pandas as pd

    from varlib.bench import target_table

    def row(created, device, bench, variant, size, **kw):
        return {"created": created, "device": device, "benchmark": bench, "variant": variant, "size": size, **kw}

    records = pd.DataFrame([
        row("1", "CPU (x)", "ensemble forward", "varlib loop [auto]", {}, fraction_of_matmul=0.9, speedup=1.0),
        row("2", "CPU (x)", "ensemble forward", "varlib loop [auto]", {}, fraction_of_matmul=0.3, speedup=1.0),
        row("2", "CPU (x)", "region counting", "varlib exact polygons", {"units": 60}, speedup=1500.0),
        row("2", "CPU (x)", "region counting", "varlib exact polygons", {"units": 20}, speedup=50.0)])
    t = target_table(records)
    assert t.loc["CPU: fraction of the measured matmul rate", "verdict"] == "missed"   # newest record: 0.3
    assert t.loc["CPU: speedup over the LP counter at N = 60", "verdict"] == "met"
    assert t.loc["GPU: speedup over the per-network loop", "verdict"] == "not measured"


def test_book_targets_sum_the_latest_run_of_every_chapter_per_device():
    import pandas as pd

    from varlib.bench import BOOK_CHAPTERS, target_table

    def run(created, chapter, profile, device, seconds):
        return {"created": created, "device": "CPU (x)", "benchmark": "book", "variant": f"{chapter} ({profile})",
                "size": {"device": device}, "median_s": seconds}

    rows = [run("1", c, "standard", "CPU (x86_64, 2 torch threads)", 100.0) for c in BOOK_CHAPTERS]
    rows += [run("2", "variability", "standard", "CPU (x86_64, 2 torch threads)", 1500.0)]   # newer: replaces 100
    rows += [run("2", c, "full", "NVIDIA H100 80GB HBM3", 60.0) for c in BOOK_CHAPTERS[:-1]]  # one chapter missing
    t = target_table(pd.DataFrame(rows))
    assert t.loc["CPU: the whole book on the standard profile (executions)", "ours"] == "2000 s"
    assert t.loc["CPU: the whole book on the standard profile (executions)", "verdict"] == "missed"
    assert t.loc["GPU: the whole book on the full profile (executions)", "verdict"] == "not measured"
