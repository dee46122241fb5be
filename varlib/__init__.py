"""varlib: the computing library under the Trainability Book.

One module per concept (activations, family, ensemble, training, results,
config, runtime, variability, regions, region_bounds, linear_exact,
parameterizations, data, bench, plots, report,
book); public names are
re-exported here.
"""
__version__ = "0.1.0"

from varlib.core.activations import ACTIVATIONS, Activation, get_activation, maxout_second_moment  # noqa: E402,F401
from varlib.book.config import CHAPTERS, PROFILES, Settings, chapter_settings  # noqa: E402,F401
from varlib.core.ensemble import (MLPEnsemble, built_param_count, forward, init_mlp_ensemble,  # noqa: E402,F401
                             member_module)
from varlib.core.family import family_scorecard, family_table, param_count, width_for_budget  # noqa: E402,F401
from varlib.core.data import DATASETS, Dataset, load_dataset  # noqa: E402,F401
from varlib.deep_linear import (DeepLinear, LinearSolution, LinearTask, critical_gamma,  # noqa: E402,F401
                                 gaussian_task, hessian_at_zero, prediction_moments, reduced_loss,
                                 solve_global, task_from_data)
from varlib.integrable import (PRESETS, Parameterization, abc_forward, coord_check,  # noqa: E402,F401
                                      get_parameterization, init_params, train_abc)
from varlib.maxout.bounds import complexity_bounds  # noqa: E402,F401
from varlib.maxout.regions import (MaxoutParams, activation_regions, count_regions, count_regions_lp,  # noqa: E402,F401
                            decision_boundary, grid_region_count, init_maxout_net)
from varlib.book.report import VERDICTS, resources, run_summary, scorecard  # noqa: E402,F401
from varlib.book.results import CorruptResultWarning, ResultStore  # noqa: E402,F401
from varlib.core.runtime import Runtime, provenance, resolve_device, setup  # noqa: E402,F401
from varlib.core.training import TrainResult, accuracy_pm1, member_losses, train_ensemble  # noqa: E402,F401
from varlib.variability import (checkerboard, collapse_flags, grid_measures, init_gradient_norms,  # noqa: E402,F401
                                 train_checkerboard, trainability_correlation, v3, variability_draws)
from varlib.variability import coefficient_of_variation, collapse_table, grid_points, landscapes, random_landscapes  # noqa: E402,F401
