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
