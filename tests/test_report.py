import time

import pytest
import torch

import varlib
from varlib.book.report import resources, run_summary, scorecard


def test_resources_report_time_memory_and_no_gpu_on_cpu():
    rt = varlib.setup("cpu", 0, 2)
    time.sleep(0.05)
    table = resources(rt)
    assert float(table.loc["wall time since setup (s)", "value"]) >= 0.0
    assert float(table.loc["peak process memory (GiB)", "value"]) > 0.01      # at least torch is loaded
    assert table.loc["peak GPU memory (GiB)", "value"] == "no GPU used"


@pytest.mark.gpu
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")
def test_resources_report_peak_gpu_memory_since_setup():
    rt = varlib.setup("cuda", 0, 2)
    x = torch.empty(2**28, dtype=torch.uint8, device="cuda")   # 0.25 GiB
    assert float(resources(rt).loc["peak GPU memory (GiB)", "value"]) >= 0.24
    del x


def test_summary_and_scorecard_tables():
    rt = varlib.setup("cpu", 0, 2)
    summary = run_summary(varlib.chapter_settings("family", "smoke"), rt)
    assert summary.loc["torch_threads_small_ops", "value"] == "1" and summary.loc["profile", "value"] == "smoke"
    with pytest.raises(ValueError, match="verdict"):
        scorecard([{"claim": "c", "paper": "p", "ours": "o", "verdict": "great"}])
