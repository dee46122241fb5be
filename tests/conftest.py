from pathlib import Path

import pytest
import torch

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(autouse=True)
def _pin_threads():
    """Same seed => same numbers only at a fixed thread count: pin it for every test."""
    torch.set_num_threads(2)
    yield


def pytest_collection_modifyitems(config, items):
    if torch.cuda.is_available():
        return
    skip = pytest.mark.skip(reason="needs a CUDA GPU (none visible to torch)")
    for item in items:
        if "gpu" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(scope="session")
def smoke_book(tmp_path_factory):
    """One smoke build of the whole book per test session, in a temporary folder: (build folder, index.html)."""
    from varlib.book.pipeline import run_book

    out = tmp_path_factory.mktemp("book")
    index = run_book(ROOT, "smoke", device="cpu", build_dir=out / "_build", results_dir=out / "results",
                     progress=False)
    return out / "_build" / "smoke", index
