"""Landscapes of random MLPs over the data domain (Yu & Zhang, arXiv 2105.08911).

The *landscape* of a net f over [-1, 1]^2 is the n x n array F[i, j] =
f(x_i, y_j) on a uniform grid. Its coefficient of variation

    CV(F) = std(F) / rms(F),   rms(F) = sqrt(mean F^2)

is ~0 for a net that has collapsed to a constant ("Collapse to Constant",
C2C) and of order 1 for a varied one.

V3, the landscape statistic of the variability chapter (the paper's own
formula is unknown: this is our protocol), uses third forward
differences along both grid axes, normalised by the RMS of the landscape:

    V3(F) = 1/2 (mean |D3x F| + mean |D3y F|) / rms(F),   D3x F[i, j] = F[i+3, j] - 3F[i+2, j] + 3F[i+1, j] - F[i, j]

(no h^-3 factor, so V3 is only comparable at a fixed grid size n). The RMS,
not the std, is the normaliser: a collapsed net then has V3 ~ 0 instead of
amplified residual wiggles. A draw is *collapsed* (C2C) when CV < tau and
*dead* when some hidden layer outputs exactly 0 at every grid point.

The stylised problem is a k x k checkerboard on [-1, 1]^2 with labels
+-1 = 2 ((i + j) mod 2) - 1 for cell (i, j), sampled on an m x m grid of
cell-interior points and fitted with full-batch Adam on the logistic loss.

Modules: :mod:`varlib.variability.measures` (landscapes, CV, V3, collapse and dead flags),
:mod:`varlib.variability.diagnostics` (per-draw measures, gradient norms at initialisation),
:mod:`varlib.variability.checkerboard` (the checkerboard, its training study and the rules for diverged and
at-chance runs),
:mod:`varlib.variability.intervals` (bootstrap and Wilson intervals of the rows: peak, fall among the survivors,
collapse against vanishing gradients, the per-net pairing),
:mod:`varlib.variability.sensitivity` (the sweep over bias scales and activations),
:mod:`varlib.variability.theory` (the infinite-width CV from the kernel recursion),
:mod:`varlib.variability.scorecard` (summary tables, correlation, scorecard),
:mod:`varlib.variability.tables` (the chapter's sweeps and shown tables),
:mod:`varlib.variability.prose` (sentences chosen from the computed tables) and
:mod:`varlib.variability.plots` (figures). Every public name but the figures' is re-exported here;
``profiles.CHAPTER_PROFILES`` sizes the ``variability`` chapter.
"""
from __future__ import annotations

from varlib.variability.checkerboard import (CHANCE_ACCURACY, CHANCE_MARGIN, DIVERGED_LOSS_CAP, DIVERGED_LOSS_FACTOR,
                                             checkerboard, divergence_bound, failed_runs, train_checkerboard)
from varlib.variability.diagnostics import init_gradient_norms, variability_draws
from varlib.variability.measures import (ACTIVATION_LABELS, COMPARED_ACTIVATIONS, VARIABILITY_ACTIVATIONS,
                                         activation_label, coefficient_of_variation, collapse_flags, collapse_table,
                                         family_width, grid_measures, grid_points, landscapes, random_landscapes, v3)
from varlib.variability.prose import (aspect_onset_sentence, collapse_counts_sentence, collapsed_v3_sentence,
                                      deepest_shown_sentence, gradient_apart_sentence, gradient_relation_sentence,
                                      mean_field_sentence, peaks_sentence, sensitivity_sentence,
                                      single_draws_sentence, training_failures_sentence)
from varlib.variability.theory import MEAN_FIELD_ACTIVATIONS, gaussian_product_mean, mean_field_cv
from varlib.variability.sensitivity import (abs_resists_at_every_bias, sensitivity_grid, sensitivity_onsets,
                                            sensitivity_summary, stack_sensitivity)
from varlib.variability.intervals import (LEVEL, collapse_gradient_table, depth_mean_resamples, paired_prediction,
                                          peak_resolution, rise_interval, survivor_fall, vanishing_ratio)
from varlib.variability.scorecard import (DRAW_MEASURES, SCORECARD_THRESHOLDS, collapsed_v3_ratio, draw_health,
                                          trainability_correlation, training_health, training_summary,
                                          variability_scorecard, variability_summary)
from varlib.variability.tables import (aspect_onset_table, collapsed_v3_table, decomposition_table,
                                       gradient_collapse_counts, landscape_examples, shown_draws_table,
                                       single_layer_table, stack_draws, stack_runs, sweep_grid, training_table,
                                       v3_depth_table)

__all__ = ["activation_label", "family_width", "grid_points", "landscapes", "coefficient_of_variation",
           "random_landscapes", "collapse_table",
           "VARIABILITY_ACTIVATIONS", "COMPARED_ACTIVATIONS", "ACTIVATION_LABELS", "v3", "collapse_flags",
           "grid_measures", "init_gradient_norms", "variability_draws", "checkerboard", "train_checkerboard",
           "failed_runs", "divergence_bound", "DIVERGED_LOSS_FACTOR", "DIVERGED_LOSS_CAP", "CHANCE_ACCURACY",
           "CHANCE_MARGIN", "DRAW_MEASURES", "draw_health", "training_health", "SCORECARD_THRESHOLDS",
           "variability_summary", "training_summary", "trainability_correlation",
           "variability_scorecard", "collapsed_v3_ratio", "LEVEL", "collapse_gradient_table", "depth_mean_resamples",
           "paired_prediction", "peak_resolution", "rise_interval", "survivor_fall", "vanishing_ratio",
           "sweep_grid", "stack_draws", "stack_runs", "landscape_examples", "shown_draws_table", "v3_depth_table",
           "single_layer_table", "collapsed_v3_table", "decomposition_table", "gradient_collapse_counts",
           "training_table", "aspect_onset_table", "deepest_shown_sentence",
           "single_draws_sentence", "collapse_counts_sentence", "collapsed_v3_sentence",
           "gradient_relation_sentence", "gradient_apart_sentence", "training_failures_sentence", "peaks_sentence",
           "aspect_onset_sentence", "sensitivity_sentence", "sensitivity_grid", "stack_sensitivity",
           "sensitivity_summary", "sensitivity_onsets", "abs_resists_at_every_bias", "mean_field_sentence",
           "MEAN_FIELD_ACTIVATIONS", "gaussian_product_mean", "mean_field_cv"]
