"""Sizes of the ``integrable`` chapter per profile (Hajjar, Chizat & Giraud, arXiv 2110.15596): ``smoke`` (CI),
``standard`` (the book), ``full`` (paper scale). :func:`varlib.chapter_settings` validates overrides against them.

The main comparison follows the authors' 2021 protocol (L = 6, batch 512, 600 SGD steps, base rate 0.01) on every
profile but ``smoke``; ``standard`` takes the largest width whose main comparison fits the book's 30-minute CPU
budget (m = 128: about 7 s per run on a 2-core CPU, 48 runs), ``full`` the paper's m = 1024 and five seeds.
"""
from varlib.core.data import DATASETS

_EXACT = {"symmetry_depth": 3, "equiv_depth": 4, "equiv_batch": 32, "equiv_eta": 0.05}  # the float64 checks

#: Sizes of the ``integrable`` chapter per profile (see :func:`varlib.chapter_settings`).
CHAPTER_PROFILES = {
    "smoke": {"dataset": "digits", "init_widths": [32, 64, 128], "init_draws": 2, "init_depths": [3, 5],
              "stuck_depths": [2, 3, 4], "stuck_widths": [32, 64], "stuck_steps": 30, "stuck_eta": 0.1,
              "stuck_batch": 64, "stuck_seeds": 2, "equiv_widths": [32, 24], "equiv_steps": 3, **_EXACT,
              "escape_widths": [32, 64], "escape_steps": 8, "calib_widths": [32, 64], "calib_seeds": 1,
              "rank_width": 64, "rank_batch": 64, "rank_inputs": 512, "depth": 4, "width": 32, "batch": 64,
              "steps": 8, "eta": 0.01, "seeds": 1, "relu_etas": [0.1], "relu_seeds": 1},
    "standard": {"dataset": "fashion_mnist", "init_widths": [128, 256, 512, 1024], "init_draws": 3,
                 "init_depths": [3, 5], "stuck_depths": [2, 3, 4], "stuck_widths": [128, 256, 512], "stuck_steps": 600,
                 "stuck_eta": 0.1, "stuck_batch": 128, "stuck_seeds": 3, "equiv_widths": [256, 300], "equiv_steps": 6,
                 **_EXACT, "escape_widths": [128, 256, 512], "escape_steps": 100,
                 "calib_widths": [128, 256, 512, 1024], "calib_seeds": 2, "rank_width": 512, "rank_batch": 512,
                 "rank_inputs": 4096, "depth": 6, "width": 128, "batch": 512, "steps": 600, "eta": 0.01, "seeds": 3,
                 "relu_etas": [0.001, 0.003, 0.03, 0.1, 0.3, 1.0], "relu_seeds": 1},
    "full": {"dataset": "fashion_mnist", "init_widths": [128, 256, 512, 1024, 2048, 4096], "init_draws": 10,
             "init_depths": [3, 5], "stuck_depths": [2, 3, 4, 5], "stuck_widths": [128, 512, 1024, 2048],
             "stuck_steps": 4690, "stuck_eta": 0.1, "stuck_batch": 128, "stuck_seeds": 5,
             "equiv_widths": [1024, 1000], "equiv_steps": 10, **_EXACT, "escape_widths": [256, 1024, 4096],
             "escape_steps": 600, "calib_widths": [256, 512, 1024, 2048, 4096], "calib_seeds": 5, "rank_width": 1024,
             "rank_batch": 512, "rank_inputs": 60000, "depth": 6, "width": 1024, "batch": 512, "steps": 600,
             "eta": 0.01, "seeds": 5, "relu_etas": [0.001, 0.003, 0.03, 0.1, 0.3, 1.0], "relu_seeds": 3},
}

#: Parameters that take one of a few strings.
CHAPTER_CHOICES = {"dataset": tuple(DATASETS)}
