"""Landscapes of random MLPs over the data domain (Yu & Zhang, arXiv 2105.08911).

The *landscape* of a net f over [-1, 1]^2 is the n x n array F[i, j] =
f(x_i, y_j) on a uniform grid. Its coefficient of variation

    CV(F) = std(F) / rms(F),   rms(F) = sqrt(mean F^2)

is ~0 for a net that has collapsed to a constant ("Collapse to Constant",
C2C) and of order 1 for a varied one (spec section 2.5).

V3, the landscape statistic of the variability chapter (spec section 2.3;
the paper's own formula is unknown: this is our protocol), uses third forward
differences along both grid axes, normalised by the RMS of the landscape:

    V3(F) = 1/2 (mean |D3x F| + mean |D3y F|) / rms(F),   D3x F[i, j] = F[i+3, j] - 3F[i+2, j] + 3F[i+1, j] - F[i, j]

(no h^-3 factor, so V3 is only comparable at a fixed grid size n). The RMS,
not the std, is the normaliser: a collapsed net then has V3 ~ 0 instead of
amplified residual wiggles. A draw is *collapsed* (C2C) when CV < tau and
*dead* when some hidden layer outputs exactly 0 at every grid point.

The stylised problem is a k x k checkerboard on [-1, 1]^2 with labels
+-1 = 2 ((i + j) mod 2) - 1 for cell (i, j), sampled on an m x m grid of
cell-interior points and fitted with full-batch Adam on the logistic loss.

Modules: :mod:`varlib.variability_measures` (landscapes, CV, V3, collapse and dead flags),
:mod:`varlib.variability_diagnostics` (per-draw measures, gradient norms at initialisation),
:mod:`varlib.variability_training` (the checkerboard and its training study),
:mod:`varlib.variability_scorecard` (summary tables, correlation, scorecard). Every public name is
re-exported here; :data:`CHAPTER_PROFILES` sizes the ``variability`` chapter.
"""
from __future__ import annotations

from varlib.variability_diagnostics import init_gradient_norms, variability_draws  # noqa: F401
from varlib.variability_measures import (VARIABILITY_ACTIVATIONS, coefficient_of_variation,  # noqa: F401
                                         collapse_flags, collapse_table, grid_measures, grid_points,
                                         landscapes, random_landscapes, v3)
from varlib.variability_scorecard import (trainability_correlation, training_summary,  # noqa: F401
                                          variability_scorecard, variability_summary)
from varlib.variability_training import checkerboard, train_checkerboard  # noqa: F401

__all__ = ["grid_points", "landscapes", "coefficient_of_variation", "random_landscapes",
           "collapse_table", "VARIABILITY_ACTIVATIONS", "CHAPTER_PROFILES", "v3", "collapse_flags",
           "grid_measures", "init_gradient_norms", "variability_draws", "checkerboard", "train_checkerboard",
           "variability_summary", "training_summary", "trainability_correlation", "variability_scorecard"]

#: Sizes per profile. Variability: ``draws`` random nets per (activation, budget, depth) on a ``grid``^2
#: grid; training: ``seeds`` nets per (activation, depth) at ``train_budget`` on a ``board`` x ``board``
#: checkerboard sampled on ``train_grid``^2 points, ``steps`` full-batch Adam steps at ``lr``. L = 1 is
#: always added and reported apart from the depth trends (spec section 2.2).
CHAPTER_PROFILES = {
    "smoke": {"budgets": [500], "depths": [2, 16], "draws": 4, "grid": 24, "landscape_depths": [2, 16],
              "tau": 1e-2, "sigma_b": 0.1, "train_budget": 500, "train_depths": [2, 4], "seeds": 2,
              "steps": 40, "lr": 3e-3, "board": 4, "train_grid": 16, "eval_every": 10, "success_acc": 0.99},
    "standard": {"budgets": [2000, 5000], "depths": [2, 4, 8, 16, 32, 48, 64, 96], "draws": 50,
                 "grid": 64, "landscape_depths": [2, 8, 16, 32, 64], "tau": 1e-2, "sigma_b": 0.1,
                 "train_budget": 2000, "train_depths": [2, 4, 8, 16, 32], "seeds": 5, "steps": 1500,
                 "lr": 3e-3, "board": 8, "train_grid": 32, "eval_every": 50, "success_acc": 0.99},
    "full": {"budgets": [2000, 5000, 10000], "depths": [2, 4, 8, 16, 24, 32, 48, 64, 96, 128], "draws": 1000,
             "grid": 256, "landscape_depths": [2, 8, 16, 32, 64, 128], "tau": 1e-2, "sigma_b": 0.1,
             "train_budget": 2000, "train_depths": [2, 4, 8, 16, 24, 32, 48, 64], "seeds": 20, "steps": 3000,
             "lr": 3e-3, "board": 8, "train_grid": 32, "eval_every": 25, "success_acc": 0.99},
}
