from pathlib import Path

import pytest

from varlib.book.config import CHAPTERS, PROFILES, chapter_choices, chapter_profiles, chapter_settings, known_chapters

ROOT_DIR = Path(__file__).resolve().parents[1]


def test_profiles_share_keys_and_validate():
    for chapter in known_chapters():
        profiles = chapter_profiles(chapter)
        assert set(profiles) == set(PROFILES)
        keys = [set(p) for p in profiles.values()]
        assert all(k == keys[0] for k in keys)
        for profile in PROFILES:
            chapter_settings(chapter, profile)


def test_override_wins_and_is_marked():
    cfg = chapter_settings("family", "smoke", draws=7, depths=[2, 3], budgets=None)
    assert cfg.draws == 7 and cfg.depths == (2, 3) and cfg.grid == CHAPTERS["family"]["smoke"]["grid"]
    assert cfg.overridden == ("depths", "draws")
    assert cfg.table().loc["draws", "source"] == "override"
    with pytest.raises(AttributeError, match="no parameter"):
        cfg.nonexistent


@pytest.mark.parametrize("kwargs, word", [
    (dict(profile="huge"), "profile"), (dict(widths=[3]), "unknown parameter.*widths.*allowed"),
    (dict(draws=0), "draws"), (dict(draws=2.5), "draws"), (dict(depths=[]), "depths"),
    (dict(depths=[1, -2]), r"depths\[1\]"), (dict(sigma_b=-0.1), "sigma_b"), (dict(grid="big"), "grid")])
def test_bad_settings(kwargs, word):
    with pytest.raises(ValueError, match=word):
        chapter_settings("family", **kwargs)


def test_unknown_chapter():
    with pytest.raises(ValueError, match="allowed: family, benchmarks, faults, variability"):
        chapter_settings("nope")


def test_string_choices_are_checked_up_front():
    """A chapter's fixed-choice string parameter is refused at settings time, naming the allowed values."""
    assert chapter_choices("deep_linear")["signal_schedule"] == ("cosine", "constant")
    assert chapter_choices("family") == {}
    assert chapter_settings("deep_linear", "smoke", signal_schedule="cosine").signal_schedule == "cosine"
    with pytest.raises(ValueError, match="signal_schedule must be one of 'cosine', 'constant', got 'step'"):
        chapter_settings("deep_linear", "smoke", signal_schedule="step")
    for profile in ("smoke", "standard", "full"):
        assert chapter_settings("deep_linear", profile).signal_schedule == "constant"


def test_list_of_choices_is_checked_entry_by_entry():
    assert list(chapter_settings("maxout", "smoke", picture_inits=["sphere"]).picture_inits) == ["sphere"]
    with pytest.raises(ValueError, match="every entry of picture_inits must be one of .*'maxout_he'.*got 'xavier'"):
        chapter_settings("maxout", "smoke", picture_inits=["sphere", "xavier"])
    with pytest.raises(ValueError, match="every entry of signal_activations"):
        chapter_settings("deep_linear", "smoke", signal_activations=["gelu"])


def test_settings_from_a_parameters_cell():
    from varlib.book.config import settings_from

    cfg = settings_from("family", {"profile": "smoke", "draws": 5, "grid": None, "unrelated": 1})
    assert cfg.profile == "smoke" and cfg.draws == 5 and cfg.overridden == ("draws",)
    assert cfg.grid == chapter_settings("family", "smoke").grid
    with pytest.raises(ValueError, match="draws must be an integer"):
        settings_from("family", {"draws": 1.5})


@pytest.mark.parametrize("text, value", [("lr=3e-3", 0.003), ("lr=1.0e+30", 1e30), ("draws=10", 10),
                                         ("depths=[2, 4]", [2, 4]), ("lr=.5", 0.5), ("dataset=digits", "digits")])
def test_p_values_parse_as_numbers(text, value):
    from varlib.__main__ import _parse_param

    name, parsed = _parse_param(text)
    assert parsed == value and type(parsed) is type(value)


@pytest.mark.parametrize("name, flag", [("profile", "--profile"), ("results_dir", "--results-dir"),
                                        ("device", "--device")])
def test_p_refuses_settings_that_have_a_flag(name, flag, capsys):
    from varlib.__main__ import main

    with pytest.raises(SystemExit):
        main(["book", "--profile", "smoke", "-p", f"{name}=full"])
    assert f"use {flag}" in capsys.readouterr().err


@pytest.mark.parametrize("bad", [float("nan"), float("inf"), -float("inf")])
def test_nan_and_inf_are_refused(bad):
    with pytest.raises(ValueError, match="lr must be a finite number"):
        chapter_settings("variability", "smoke", lr=bad)


@pytest.mark.parametrize("given, words", [({"threads": 0}, "threads must be an integer >= 1"),
                                          ({"seed": -1}, "seed must be an integer >= 0"),
                                          ({"threads": 1.5}, "threads"),
                                          ({"executor": "dask"}, "executor must be one of 'local', 'ray'"),
                                          ({"ray_address": 1}, "ray_address must be None")])
def test_common_parameters_are_checked_before_a_kernel_starts(given, words, tmp_path):
    from varlib.book.pipeline import run_book

    with pytest.raises(ValueError, match=words):
        run_book(ROOT_DIR, "smoke", chapters=["family"], device="cpu", params=given, build_dir=tmp_path / "b",
                 results_dir=tmp_path / "r", progress=False, html=False)
    assert not (tmp_path / "b" / "smoke" / "executed").exists()


@pytest.mark.parametrize("chapter, given, full", [("variability", {"grid": 100000}, 256),
                                                  ("variability", {"draws": 10**12}, 1000),
                                                  ("family", {"depths": [1, 2, 10**6]}, 128)])
def test_sizes_have_an_upper_bound_named_in_the_error(chapter, given, full):
    name = next(iter(given))
    with pytest.raises(ValueError, match=rf"{name}=\d+ is over the largest allowed size {64 * full} "
                                         rf"\(64 x the full profile's {full}\).*times the memory or time"):
        chapter_settings(chapter, "smoke", **given)
    chapter_settings(chapter, "smoke", **{name: 64 * full if name != "depths" else [1, 64 * full]})


@pytest.mark.parametrize("chapter, given, words", [
    ("variability", {"success_acc": 5}, "success_acc must be between 0.5 and 1, got 5"),
    ("variability", {"success_acc": 0.3}, "success_acc must be between 0.5 and 1"),
    ("maxout", {"target_acc": 1.5}, "target_acc must be between 0.1 and 1"),
    ("family", {"budget_tol": 2.0}, "budget_tol must be between 0 and 1"),
    ("deep_linear", {"label_noise": -1.0}, "label_noise must be >= 0")])
def test_numbers_with_a_range_are_checked_against_it(chapter, given, words):
    with pytest.raises(ValueError, match=words):
        chapter_settings(chapter, "smoke", **given)


def test_a_range_may_allow_zero_where_the_default_refuses_it():
    assert chapter_settings("deep_linear", "smoke", label_noise=0.0).label_noise == 0.0
    assert chapter_settings("family", "smoke", collapse_cv=0.0).collapse_cv == 0.0
    assert chapter_settings("variability", "smoke", success_acc=1).success_acc == 1.0
    with pytest.raises(ValueError, match="lr must be > 0"):
        chapter_settings("variability", "smoke", lr=0.0)
