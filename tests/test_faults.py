"""The fault suite: every attempt of :mod:`varlib.book.faults` on the book must hold (the appendix "Faults tried"
shows the same attempts as a table)."""
from pathlib import Path

import pytest

import varlib  # noqa: F401 - the whole package, as a reader imports it
from varlib.book.faults import ATTEMPTS, PROMISES, try_attempt

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize("one", ATTEMPTS, ids=[f"{a.promise}: {a.name}" for a in ATTEMPTS])
def test_the_promise_holds(one, tmp_path):
    row = try_attempt(one, ROOT, tmp_path)
    assert row["held"], row["observed"]


def test_every_promise_is_attacked():
    assert {a.promise for a in ATTEMPTS} == set(PROMISES)
    assert len({a.name for a in ATTEMPTS}) == len(ATTEMPTS), "two attempts share a name"


def test_a_crashing_attempt_is_a_row_that_did_not_hold(tmp_path):
    from varlib.book.faults import Attempt

    def crash(root, work):
        raise RuntimeError(f"boom in {work}")

    row = try_attempt(Attempt("crash", "nothing lost", crash), ROOT, tmp_path / "w")
    assert row["held"] is False and row["observed"] == "unexpected RuntimeError: boom in …"


def test_one_broken_attempt_breaks_its_promise():
    import pandas as pd

    from varlib.book.faults import fault_table, promise_table

    table = pd.DataFrame({"promise": ["clear errors", "clear errors", "nothing lost"], "attempt": ["a", "b", "c"],
                          "observed": ["x", "y", "z"], "held": [True, False, True], "seconds": [0.1, 0.1, 0.1]})
    promises = promise_table(table)
    assert promises.Verdict.to_dict() == {"clear errors": "broken", "nothing lost": "held",
                                          "trusted files": "not tried", "runs apart": "not tried",
                                          "honest scorecards": "not tried"}
    assert promises.loc["clear errors", "Held"] == "1 of 2"
    assert fault_table(table, "clear errors").Held.tolist() == ["✓ held", "✗ NOT HELD"]
