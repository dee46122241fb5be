"""Sizes of the ``integrable`` chapter per profile (Hajjar, Chizat & Giraud, arXiv 2110.15596): ``smoke`` (CI),
``standard`` (the book), ``full`` (paper scale). :func:`varlib.chapter_settings` validates overrides against them."""
from varlib.core.data import DATASETS

_EXACT = {"symmetry_depth": 3, "equiv_depth": 4, "equiv_batch": 32, "equiv_eta": 0.05}  # the float64 checks

#: Sizes of the ``integrable`` chapter per profile (see :func:`varlib.chapter_settings`).
CHAPTER_PROFILES = {
    "smoke": {"dataset": "digits", "init_widths": [32, 64, 128], "init_draws": 2, "init_depths": [3, 5],
              "stuck_depths": [2, 4], "stuck_widths": [32, 64], "stuck_steps": 10, "stuck_eta": 0.1,
              "equiv_width": 32, "equiv_steps": 3, **_EXACT, "escape_widths": [32, 64], "escape_steps": 8,
              "rank_width": 64, "rank_batch": 64, "depth": 4, "width": 32, "batch": 64, "steps": 8,
              "eta": 0.01, "seeds": 1},
    "standard": {"dataset": "digits", "init_widths": [128, 256, 512, 1024], "init_draws": 3, "init_depths": [3, 5],
                 "stuck_depths": [2, 3, 4], "stuck_widths": [128, 512], "stuck_steps": 200, "stuck_eta": 0.1,
                 "equiv_width": 256, "equiv_steps": 6, **_EXACT, "escape_widths": [128, 256, 512],
                 "escape_steps": 100, "rank_width": 512, "rank_batch": 256, "depth": 6, "width": 256, "batch": 128,
                 "steps": 150, "eta": 0.01, "seeds": 3},
    "full": {"dataset": "mnist", "init_widths": [128, 256, 512, 1024, 2048, 4096], "init_draws": 10,
             "init_depths": [3, 5], "stuck_depths": [2, 3, 4, 5], "stuck_widths": [128, 512, 1024, 2048],
             "stuck_steps": 2000, "stuck_eta": 0.1, "equiv_width": 1024, "equiv_steps": 10, **_EXACT,
             "escape_widths": [256, 1024, 4096], "escape_steps": 600, "rank_width": 1024, "rank_batch": 512,
             "depth": 6, "width": 1024, "batch": 512, "steps": 600, "eta": 0.01, "seeds": 5},
}

#: Parameters that take one of a few strings.
CHAPTER_CHOICES = {"dataset": tuple(DATASETS)}
