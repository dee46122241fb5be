"""The benchmark harness at tiny sizes: same numbers on both sides, complete records, no GPU handled."""
import json

import pandas as pd
import pytest
import torch

from benchmarks.__main__ import main
from benchmarks.suite import BENCHMARKS, SIZES, book_times
from varlib.book.bench import RECORD_FIELDS, RESULT_FIELDS, load_records, new_record, time_call, write_record


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

    from varlib.book.bench import target_table

    def row(created, device, bench, variant, size, **kw):
        return {"created": created, "device": device, "benchmark": bench, "variant": variant, "size": size, **kw}

    records = pd.DataFrame([
        row("1", "CPU (x)", "ensemble forward", "varlib loop [auto]", {}, fraction_of_matmul=0.9, speedup=1.0),
        row("2", "CPU (x)", "ensemble forward", "varlib loop [auto]", {}, fraction_of_matmul=0.3, speedup=1.0),
        row("2", "CPU (x)", "region counting", "varlib exact polygons (one net alone)", {"units": 60}, speedup=1500.0),
        row("2", "CPU (x)", "region counting", "varlib exact polygons (per net of a batch)", {"units": 60},
            speedup=5000.0),
        row("2", "CPU (x)", "region counting", "varlib exact polygons (one net alone)", {"units": 20}, speedup=50.0),
        row("2", "CPU (x)", "ensemble training", "varlib ensemble [auto]", {}, speedup=12.0),
        row("2", "CPU (x)", "ensemble training", "torch.compile'd forward + autograd + Adam (tried)", {}, speedup=3.0)])
    t = target_table(records)
    # the default path's speedup, not that of a variant only tried (whose name says "autograd")
    assert t.loc["CPU: speedup over one-at-a-time (100 nets)", "ours"] == "12"
    assert t.loc["CPU: fraction of the measured matmul rate (where compute-bound)", "verdict"] == "missed"  # 0.3
    lp = t.loc["CPU: speedup over the LP counter, one net alone at N = 60"]
    assert lp.verdict == "met" and lp.ours == "1.5e+03"          # the single net, not the batch's 5000
    assert t.loc["GPU: speedup over the per-network loop", "verdict"] == "not measured"


def test_book_targets_sum_the_latest_run_of_every_chapter_per_device():
    import pandas as pd

    from varlib.book.bench import BOOK_CHAPTERS, target_table

    def run(created, chapter, profile, device, seconds):
        return {"created": created, "device": "CPU (x)", "benchmark": "book", "variant": f"{chapter} ({profile})",
                "size": {"device": device}, "median_s": seconds}

    rows = [run("1", c, "standard", "CPU (x86_64, 2 torch threads)", 100.0) for c in BOOK_CHAPTERS]
    rows += [run("2", "variability", "standard", "CPU (x86_64, 2 torch threads)", 1500.0)]   # newer: replaces 100
    rows += [run("2", c, "full", "NVIDIA H100 80GB HBM3", 60.0) for c in BOOK_CHAPTERS[:-1]]  # one chapter missing
    t = target_table(pd.DataFrame(rows))
    total = 100 * (len(BOOK_CHAPTERS) - 1) + 1500
    assert t.loc["CPU: the whole book on the standard profile (executions)", "ours"] == f"{total} s"
    assert t.loc["CPU: the whole book on the standard profile (executions)", "verdict"] == "missed"
    assert t.loc["GPU: the whole book on the full profile (executions)", "verdict"] == "not measured"


def test_saved_for_backward_bytes_counts_each_saved_storage_once_and_skips_resident_ones():
    from benchmarks.suite import saved_for_backward_bytes

    w, x = torch.randn(8, 8, requires_grad=True), torch.randn(4, 8)
    step = lambda: ((x @ w).tanh() * (x @ w).tanh()).sum().backward()   # noqa: E731
    # x (4x8, saved by both matmuls: once), w resident, the two tanh outputs (4x8 each), float32
    assert saved_for_backward_bytes(step, [w]) == 3 * 4 * 8 * 4
    assert saved_for_backward_bytes(step, [w, x]) == 2 * 4 * 8 * 4


def test_ip_width_memory_on_cpu_is_counted_and_grows_with_width():
    from benchmarks.suite import MEMORY_METHOD

    rows = BENCHMARKS["ip_width"](torch.device("cpu"), dict(depth=2, batch=8, widths=[16, 64]), 1, 1e9)
    ours = [r for r in rows if "baseline" not in r["variant"]]
    assert all(r["peak_memory_measured"] is False and r["peak_memory_method"] == MEMORY_METHOD["cpu"] for r in rows)
    assert 0 < ours[0]["peak_memory_bytes"] < ours[1]["peak_memory_bytes"]


def _sweep_records():
    import pandas as pd

    def row(created, device, variant, width, seconds, peak, measured, method=None):
        return {"created": created, "device": device, "benchmark": "IP width sweep", "variant": variant,
                "size": {"depth": 2, "width": width}, "median_s": seconds, "peak_memory_bytes": peak,
                "peak_memory_measured": measured, "speedup": 1.0,
                **({"peak_memory_method": method} if method else {})}

    counted = "counted (saved for backward)"
    return pd.DataFrame([row("1", "CPU (x)", "ours", 16, 9.0, 2 ** 20, False),           # older: dropped
                         row("2", "CPU (x)", "ours", 32, 0.002, 2 ** 21, False, counted),
                         row("2", "CPU (x)", "ours", 16, 0.001, 2 ** 20, False, counted),
                         row("3", "NVIDIA H100", "ours", 16, 0.0001, 2 ** 22, True),        # before the field
                         row("3", "CPU (y)", "ours", 16, 0.0001, 2 ** 22, False)])


def test_width_sweep_table_keeps_the_newest_record_per_device_in_ms_and_mib():
    import pandas as pd

    from varlib.book.bench import width_sweep_table

    t = width_sweep_table(_sweep_records())
    cpu = t[t.device == "CPU (x)"]
    assert list(cpu.width) == [16, 32] and cpu.ms_per_step.tolist() == pytest.approx([1.0, 2.0])
    assert cpu.memory_mib.tolist() == pytest.approx([1.0, 2.0]) and set(cpu.memory) == {"counted (saved for backward)"}
    assert t[t.device == "NVIDIA H100"].memory.item() == "measured (CUDA peak)"
    assert t[t.device == "CPU (y)"].memory.item() == "estimated (parameters + gradients)"
    with pytest.raises(ValueError, match="IP width sweep"):
        width_sweep_table(pd.DataFrame({"benchmark": ["book"], "created": ["1"], "device": ["CPU (x)"]}))


def test_benchmark_figures_have_one_panel_per_benchmark_and_short_size_labels():
    import matplotlib

    matplotlib.use("Agg")
    import pandas as pd

    from varlib.book import bench, plots

    records = pd.concat([_sweep_records(), pd.DataFrame([
        {"created": "2", "device": "CPU (x)", "benchmark": "region counting", "variant": v,
         "size": {"units": n, "depth": 3}, "median_s": 1.0, "speedup": s}
        for n in (20, 60) for v, s in (("LP (baseline)", 1.0), ("ours", 900.0))])])
    fig = plots.speedup_bars(records)
    assert len(fig.axes) == 2
    labels = [t.get_text() for t in fig.axes[1].get_legend().get_texts()]
    assert labels == ["units=20", "units=60"] and "depth=3" in fig.axes[1].get_xlabel()
    assert len(plots.width_sweep(bench.width_sweep_table(records)).axes) == 2
    matplotlib.pyplot.close("all")


def test_path_table_and_target_read_the_forward_paths_benchmark():
    from varlib.book.bench import path_table, target_table

    rows = BENCHMARKS["paths"](torch.device("cpu"), SIZES["quick"]["paths"][0], 1, 1e9)
    rows += BENCHMARKS["paths"](torch.device("cpu"), SIZES["quick"]["paths"][1], 1, 1e9)
    records = pd.DataFrame([{"created": "1", "device": "CPU (x)", **r} for r in rows])
    table = path_table(records)
    assert table["mode"].tolist() == ["inference", "training"] and set(table["auto picks"]) == {"batched"}
    assert set(table.faster) <= {"loop", "batched"}
    auto = [r for r in rows if "[auto]" in r["variant"]]
    assert len(auto) == 2 and all(0 < r["auto_efficiency"] <= 1 for r in auto)
    target = target_table(records).loc["CPU: the auto path's speed / the faster path's (worst measured shape)"]
    assert float(target.ours) == pytest.approx(min(r["auto_efficiency"] for r in auto), rel=1e-2)


def test_timed_table_puts_a_size_on_one_line_and_shows_the_peer():
    from varlib.book.bench import timed_table

    rows = BENCHMARKS["training"](torch.device("cpu"), SIZES["quick"]["training"][0], 1, 1e9)
    latest = pd.DataFrame([{"created": "1", "device": "CPU (x)", **r} for r in rows])
    table = timed_table(latest)
    assert "device" not in table and table["size"].iloc[0] == "members=3 width=4 depth=2 points=16 steps=3"
    peer = table.variant.str.contains("peer")
    assert (table.loc[~peer & ~table.variant.str.contains("baseline"), "× peer"] != "–").all()
    assert (table.loc[peer, "× peer"] == "–").all()
    two = timed_table(pd.concat([latest, latest.assign(device="GPU (y)")]))
    assert "device" in two


def test_scaling_sweep_table_and_figure():
    """The scaling benchmark's rows become one table row per shape and path, split into the R and width sweeps
    through R = 100, width 16; the figure has the four panels and rings varlib's picks."""
    import matplotlib

    matplotlib.use("Agg")
    from varlib.book import bench, plots

    size = SIZES["quick"]["scaling"][0]
    rows = []
    for r, w in ((10, 16), (100, 16), (100, 8)):     # the quick size's shape, renamed: the table keys on R, width
        rows += [{**row, "size": {**size, "members": r, "width": w}}
                 for row in BENCHMARKS["scaling"](torch.device("cpu"), size, 1, 1e9)]
    records = pd.DataFrame([{"created": "1", "device": "CPU (x)", **r} for r in rows])
    table = bench.scaling_table(records)
    assert set(zip(table.sweep, table.R, table.width)) == {("nets R", 10, 16), ("nets R", 100, 16),
                                                            ("width", 100, 16), ("width", 100, 8)}
    assert set(table.path) == {"loop", "batched", "torch.func (peer)"}
    assert not table[table.path.str.contains("peer")].auto.any()
    assert table.groupby(["sweep", "R", "width", "what"]).auto.sum().eq(1).all()    # one pick per shape
    fig = plots.scaling_lines(table)
    assert len(fig.axes) == 4
    matplotlib.pyplot.close("all")
