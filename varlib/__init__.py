"""varlib: the computing library under the Trainability Book.

One module per concept (activations, family, ensemble, training, results,
config, runtime, variability, regions, region_bounds, linear_exact,
parameterizations, data, bench, plots, report,
book); public names are
re-exported here.
"""
__version__ = "0.1.0"

from varlib.book.config import CHAPTERS, PROFILES, Settings, chapter_settings  # noqa: E402,F401
from varlib.book.report import VERDICTS, resources, run_summary, scorecard  # noqa: E402,F401
from varlib.book.results import CorruptResultWarning, ResultStore  # noqa: E402,F401
from varlib.core.activations import ACTIVATIONS, Activation, get_activation, maxout_second_moment  # noqa: E402,F401
from varlib.core.data import DATASETS, Dataset, load_dataset  # noqa: E402,F401
from varlib.core.ensemble import MLPEnsemble, built_param_count, forward, init_mlp_ensemble, member_module  # noqa: E402,F401
from varlib.core.family import family_scorecard, family_table, param_count, width_for_budget  # noqa: E402,F401
from varlib.core.runtime import Runtime, provenance, resolve_device, setup  # noqa: E402,F401
from varlib.core.training import TrainResult, accuracy_pm1, member_losses, train_ensemble  # noqa: E402,F401
from varlib.deep_linear import (  # noqa: E402,F401
                             DeepLinear,
                             LinearSolution,
                             LinearTask,
                             critical_gamma,
                             gaussian_task,
                             hessian_at_zero,
                             prediction_moments,
                             reduced_loss,
                             solve_global,
                             task_from_data,
)
from varlib.integrable import (  # noqa: E402,F401
                             PRESETS,
                             Parameterization,
                             abc_forward,
                             coord_check,
                             get_parameterization,
                             init_params,
                             train_abc,
)
from varlib.maxout import (  # noqa: E402,F401
                             MaxoutParams,
                             activation_regions,
                             count_regions,
                             count_regions_lp,
                             decision_boundary,
                             grid_region_count,
                             init_maxout_net,
)
from varlib.maxout.bounds import complexity_bounds  # noqa: E402,F401
from varlib.variability import (  # noqa: E402,F401  # noqa: E402,F401
                             checkerboard,
                             coefficient_of_variation,
                             collapse_flags,
                             collapse_table,
                             grid_measures,
                             grid_points,
                             init_gradient_norms,
                             landscapes,
                             random_landscapes,
                             train_checkerboard,
                             trainability_correlation,
                             v3,
                             variability_draws,
)
