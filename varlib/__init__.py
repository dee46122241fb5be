"""varlib: the computing library under the Trainability Book.

Sub-packages, one per layer or lens (a lens imports only ``core`` and ``book``):

* :mod:`varlib.core`: activations, the equal-parameter family, MLP ensembles, training, data, runtime;
* :mod:`varlib.book`: the pipeline, chapter settings, the cached call (results), scorecards, plots, benchmarks;
* :mod:`varlib.variability`, :mod:`varlib.maxout`, :mod:`varlib.deep_linear`, :mod:`varlib.integrable`: the
  four papers' lenses, each named after its chapter.

The names a chapter uses most are re-exported here.
"""
__version__ = "0.1.0"

from varlib.book.config import CHAPTERS, PROFILES, Settings, chapter_settings, settings_from
from varlib.book.family_report import budget_misses, family_scorecard
from varlib.book.report import VERDICTS, glue, glue_all, phrase, resources, run_summary, scorecard
from varlib.book.results import CorruptResultWarning, ResultStore
from varlib.book.sweeps import SweepError
from varlib.core.activations import ACTIVATIONS, Activation, get_activation, maxout_second_moment
from varlib.core.data import DATASETS, Dataset, load_dataset
from varlib.core.ensemble import MLPEnsemble, built_param_count, forward, init_mlp_ensemble, member_module
from varlib.core.family import family_table, param_count, width_for_budget
from varlib.core.runtime import Runtime, provenance, resolve_device, setup
from varlib.core.training import TrainResult, accuracy_pm1, member_losses, train_ensemble
from varlib.deep_linear import (DeepLinear, LinearSolution, LinearTask, critical_gamma, gaussian_task,
                                hessian_at_zero, prediction_moments, reduced_loss, solve_global, task_from_data)
from varlib.integrable import (PRESETS, Parameterization, abc_forward, coord_check, get_parameterization,
                               init_params, train_abc)
from varlib.maxout import (MaxoutParams, activation_regions, complexity_bounds, count_regions, count_regions_lp,
                           decision_boundary, grid_region_count, init_maxout_net)
from varlib.variability import (checkerboard, coefficient_of_variation, collapse_flags, collapse_table,
                                grid_measures, grid_points, init_gradient_norms, landscapes, random_landscapes,
                                train_checkerboard, trainability_correlation, v3, variability_draws)

__all__ = ["CHAPTERS", "PROFILES", "Settings", "chapter_settings", "settings_from", "VERDICTS", "glue", "glue_all",
           "phrase", "resources", "run_summary", "scorecard", "CorruptResultWarning", "ResultStore", "SweepError",
           "ACTIVATIONS", "Activation", "get_activation", "maxout_second_moment", "DATASETS", "Dataset",
           "load_dataset", "MLPEnsemble", "built_param_count", "forward", "init_mlp_ensemble",
           "member_module", "budget_misses", "family_scorecard", "family_table", "param_count",
           "width_for_budget", "Runtime", "provenance", "resolve_device", "setup", "TrainResult",
           "accuracy_pm1", "member_losses", "train_ensemble", "DeepLinear", "LinearSolution", "LinearTask",
           "critical_gamma", "gaussian_task", "hessian_at_zero", "prediction_moments", "reduced_loss",
           "solve_global", "task_from_data", "PRESETS", "Parameterization", "abc_forward", "coord_check",
           "get_parameterization", "init_params", "train_abc", "MaxoutParams", "activation_regions",
           "complexity_bounds", "count_regions", "count_regions_lp", "decision_boundary",
           "grid_region_count", "init_maxout_net", "checkerboard", "coefficient_of_variation",
           "collapse_flags", "collapse_table", "grid_measures", "grid_points", "init_gradient_norms",
           "landscapes", "random_landscapes", "train_checkerboard", "trainability_correlation", "v3",
           "variability_draws"]
