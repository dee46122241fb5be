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


def test_one_verdict_rule():
    from varlib.book.report import graded, verdict

    assert verdict(True) == "reproduced" and verdict(False, True) == "partly reproduced"
    assert verdict(False) == "not reproduced" and verdict(None) == "not tested"
    assert verdict(True, evidence=[1.0, float("nan")]) == "not tested"
    assert verdict(False, evidence=[None]) == "not tested"
    assert [graded(s, full=0.8, part=0.5) for s in (0.9, 0.6, 0.1, float("nan"))] == \
        ["reproduced", "partly reproduced", "not reproduced", "not tested"]


def test_setup_checks_never_count_as_reproduced():
    from varlib.book.report import SETUP_VERDICTS, setup_check

    holds, fails = setup_check("equal P", "1 %", True), setup_check("equal P", "9 %", False)
    assert (holds["verdict"], fails["verdict"]) == SETUP_VERDICTS and "not a claim of the paper" in holds["paper"]
    assert setup_check("equal P", "n/a", True, evidence=[float("nan")])["verdict"] == "not tested"
    table = scorecard([holds, fails])
    assert list(table.Verdict) == ["setup check holds", "setup check fails"]


def test_demonstrations_are_labelled_and_never_graded():
    from varlib.book.report import DEMONSTRATION, VERDICTS, demonstration

    row = demonstration("pieces differ", "qualitative", "3-9 regions")
    assert row["verdict"] == DEMONSTRATION and DEMONSTRATION not in VERDICTS and "cannot fail" in DEMONSTRATION
    assert demonstration("pieces differ", "qualitative", "n/a", evidence=[None])["verdict"] == "not tested"
    assert list(scorecard([row]).Verdict) == [DEMONSTRATION]


def test_phrase_follows_the_value():
    from varlib.book.report import phrase

    words = dict(low=-0.1, high=0.1, below="falls", between="stays flat", above="rises")
    assert [phrase(v, **words) for v in (-1, 0, 1)] == ["falls", "stays flat", "rises"]


def test_glue_names_and_values(monkeypatch):
    """Names get the chapter's prefix (underscores become hyphens); lists read as prose, never as a Python
    literal (myst-nb would show "128, 512" as "(128, 512)"); numpy scalars become Python numbers."""
    import numpy as np

    from varlib.book import report

    glued = {}
    monkeypatch.setattr(report, "glue", lambda name, value: glued.update({name: report.glue_value(value)}))
    report.glue_all({"stuck_widths": (128, 512), "unequal_gammas": [0.05, 0.2, 0.1], "seeds": 2,
                     "x": np.float64(0.5), "naive-two": "falls", "noises": ("gaussian",)}, prefix="integrable")
    assert glued == {"integrable-stuck-widths": "128 and 512", "integrable-unequal-gammas": "0.05, 0.2 and 0.1",
                     "integrable-seeds": 2, "integrable-x": 0.5, "integrable-naive-two": "falls",
                     "integrable-noises": "gaussian"}
    assert type(glued["integrable-x"]) is float and repr(glued["integrable-stuck-widths"]) == "128 and 512"
    report.glue_all({"maxout-demo-db": 30})
    assert glued["maxout-demo-db"] == 30
