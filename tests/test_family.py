import itertools

import pytest

from varlib.core.ensemble import built_param_count
from varlib.core.family import family_table, param_count, width_for_budget


@pytest.mark.parametrize("depth, width, d_in, d_out, act", [
    (1, 7, 2, 1, "relu"), (3, 5, 2, 1, "abs"), (8, 16, 2, 1, "relu"), (2, 4, 5, 3, "tanh"),
    (4, 3, 2, 1, "maxout:3"), (1, 2, 3, 2, "maxout:2")])
def test_formula_matches_built_module(depth, width, d_in, d_out, act):
    rank = int(act.split(":")[1]) if ":" in act else 1
    assert param_count(depth, width, d_in, d_out, rank) == built_param_count(depth, width, act, d_in, d_out)


def test_spec_formula_for_2d_inputs():
    for L, w in itertools.product(range(1, 20), range(1, 30)):
        assert param_count(L, w) == (L - 1) * w * w + (L + 3) * w + 1


def test_width_is_the_closest_to_the_budget():
    for budget, depth, rank in itertools.product([50, 333, 2000, 10_007], [1, 2, 5, 17, 64], [1, 3]):
        if param_count(depth, 1, rank=rank) > budget:
            continue
        w = width_for_budget(budget, depth, rank=rank)
        best = min(abs(param_count(depth, v, rank=rank) - budget) for v in range(1, 2 * budget))
        assert abs(param_count(depth, w, rank=rank) - budget) == best


def test_spec_width_table():
    spec = {2000: [500, 42, 25, 16, 11, 7, 5, 3], 5000: [1250, 68, 40, 26, 18, 12, 8, 6],
            10000: [2500, 98, 57, 37, 25, 17, 12, 8], 20000: [5000, 139, 80, 53, 36, 25, 17, 12]}
    table = family_table(list(spec), [1, 2, 4, 8, 16, 32, 64, 128])
    for budget, widths in spec.items():
        assert table[table.budget == budget].width.tolist() == widths


def test_activation_ratio_rises_with_depth_from_two_but_one_layer_is_largest():
    t = family_table([5000], [1, 2, 4, 8, 16, 32, 64])
    assert t[t.depth >= 2].activation_ratio.is_monotonic_increasing
    assert t.activation_ratio.iloc[0] == pytest.approx(0.25, abs=1e-3)


@pytest.mark.parametrize("kwargs, word", [
    (dict(budget=10, depth=8), "too small"), (dict(budget=2000, depth=0), "depth"),
    (dict(budget=-5, depth=2), "budget"), (dict(budget=100, depth=2.5), "depth"),
    (dict(budget=100, depth=True), "depth")])
def test_bad_inputs(kwargs, word):
    with pytest.raises(ValueError, match=word):
        width_for_budget(**kwargs)


def test_bad_width():
    with pytest.raises(ValueError, match="width"):
        param_count(3, -1)


def test_scorecard_verdicts_follow_the_numbers():
    import pandas as pd

    from varlib.book.family_report import family_scorecard

    collapsed = pd.DataFrame({"relu": [0.0, 1.0], "abs": [0.0, 0.5]}, index=pd.Index([2, 64], name="depth"))
    rows = family_scorecard(family_table([2000], [1, 2, 4, 8, 128]), collapsed, draws=20)
    assert [r["verdict"] for r in rows] == ["setup check holds", "setup check holds", "reproduced"]
    assert "within 5 % up to depth 8" in rows[0]["ours"] and "L = 1 has the largest ρ" in rows[1]["ours"]
    off = family_table([2000], [1, 2, 4]).assign(width=lambda t: t.width + 2)          # a wrong width rule
    assert family_scorecard(off, collapsed, draws=20)[0]["verdict"] == "setup check fails"
    assert "ReLU 0.00 [0.00, 0.16] → 1.00 [0.84, 1.00]" in rows[2]["ours"]
    rows = family_scorecard(family_table([20000], [2, 4, 8]), collapsed.assign(relu=[0.0, 0.2]), draws=20)
    assert [r["verdict"] for r in rows] == ["setup check holds", "setup check holds", "partly reproduced"]


def test_collapse_row_needs_intervals_apart():
    """A rise from 0/3 to 1/3 draws is within the noise of three draws: not reproduced; with 50 draws it is."""
    import pandas as pd

    from varlib.book.family_report import family_scorecard

    collapsed = pd.DataFrame({"relu": [0.0, 1 / 3], "abs": [0.0, 1 / 3]}, index=pd.Index([2, 64], name="depth"))
    table = family_table([2000], [2, 4, 8])
    assert family_scorecard(table, collapsed, draws=3)[2]["verdict"] == "not reproduced"
    assert family_scorecard(table, collapsed, draws=51)[2]["verdict"] == "reproduced"


def test_budget_misses_names_the_largest_miss():
    from varlib.book.family_report import budget_misses

    table = family_table([2000], [1, 2, 4, 8, 16, 32, 128])
    m = budget_misses(table, tol=0.05)
    worst = table.loc[table.rel_deviation.abs().idxmax()]
    assert m["worst_depth"] == worst.depth == 128 and m["worst_width"] == worst.width
    assert m["worst_params"] == param_count(128, int(worst.width)) and m["worst_miss"] == abs(worst.rel_deviation)
    assert m["within_depth"] == 16 and budget_misses(table, tol=1.0)["within_depth"] == 128
