import io
import json
import tarfile

import pytest

from varlib.__main__ import main
from varlib.book.archive import archive_run, import_run, merge_run_log


def _executed(build, name, seconds, ok=True):
    (build / "smoke" / "executed" / "chapters").mkdir(parents=True, exist_ok=True)
    (build / "smoke" / "executed" / "chapters" / f"{name}.ipynb").write_text(json.dumps({"name": name}))
    merge_run_log(build / "smoke" / "runs.json", [{"name": name, "ok": ok, "seconds": seconds}])


def test_only_finished_chapters_travel(tmp_path):
    _executed(tmp_path / "_build", "family", 5.0)
    _executed(tmp_path / "_build", "maxout", 9.0, ok=False)
    (tmp_path / "_build" / "smoke" / "executed" / "chapters" / "variability.ipynb").write_text("half written")
    (made,) = archive_run("smoke", tmp_path / "out", tmp_path / "_build", tmp_path / "results")
    import tarfile
    with tarfile.open(made) as tar:
        names = sorted(tar.getnames())
    assert names == ["_build/smoke/executed/chapters/family.ipynb", "_build/smoke/runs.json"]


def test_archive_then_import_round_trip_merges_the_run_log(tmp_path):
    gpu, here = tmp_path / "gpu", tmp_path / "here"
    _executed(gpu / "_build", "variability", 60.0)
    (gpu / "results" / "smoke" / "exp").mkdir(parents=True)
    (gpu / "results" / "smoke" / "exp" / "k.pt").write_bytes(b"x" * 10)
    archives = archive_run("smoke", tmp_path / "out", gpu / "_build", gpu / "results")
    assert len(archives) == 2
    _executed(here / "_build", "family", 5.0)
    _executed(here / "_build", "variability", 300.0)
    for a in archives:
        import_run(a, here / "_build", here / "results")
    log = {r["name"]: r["seconds"] for r in json.loads((here / "_build" / "smoke" / "runs.json").read_text())}
    assert log == {"family": 5.0, "variability": 60.0}
    assert (here / "_build" / "smoke" / "executed" / "chapters" / "variability.ipynb").exists()
    assert (here / "results" / "smoke" / "exp" / "k.pt").read_bytes() == b"x" * 10


def test_results_over_the_size_limit_are_not_archived(tmp_path, capsys):
    _executed(tmp_path / "_build", "family", 1.0)
    (tmp_path / "results" / "smoke").mkdir(parents=True)
    (tmp_path / "results" / "smoke" / "big.pt").write_bytes(bytes(range(256)) * 400)
    made = archive_run("smoke", tmp_path / "out", tmp_path / "_build", tmp_path / "results", max_bytes=100)
    assert [p.name.split("-")[1] for p in made] == ["executed"] and "not kept" in capsys.readouterr().out


def test_an_interrupted_first_chapter_still_archives_its_results(tmp_path):
    (tmp_path / "results" / "full" / "phase").mkdir(parents=True)
    (tmp_path / "results" / "full" / "phase" / "a.pt").write_bytes(b"123")
    made = archive_run("full", tmp_path / "out", tmp_path / "_build", tmp_path / "results")
    assert [p.name.split("-")[1] for p in made] == ["results"]
    import_run(made[0], tmp_path / "here" / "_build", tmp_path / "here" / "results")
    assert (tmp_path / "here" / "results" / "full" / "phase" / "a.pt").read_bytes() == b"123"


def test_nothing_executed_and_foreign_archives_are_refused(tmp_path):
    with pytest.raises(FileNotFoundError, match="nothing executed"):
        archive_run("full", tmp_path, tmp_path / "_build", tmp_path / "results")
    bad = tmp_path / "bad.tar.gz"
    with tarfile.open(bad, "w:gz") as tar:
        info = tarfile.TarInfo("etc/passwd")
        info.size = 1
        tar.addfile(info, io.BytesIO(b"x"))
    with pytest.raises(ValueError, match="unexpected member"):
        import_run(bad, tmp_path / "_build", tmp_path / "results")


def test_render_only_errors_are_clear(tmp_path, capsys):
    root = tmp_path
    (root / "_toc.yml").write_text("format: jb-book\nroot: chapters/intro\n")
    assert main(["book", "--root", str(root), "--profile", "full", "--render-only"]) == 1
    assert "nothing executed on profile 'full'" in capsys.readouterr().err
    assert main(["book", "--root", str(root), "--render-only", "--chapter", "family"]) == 1
    assert "render-only takes no --chapter" in capsys.readouterr().err
