"""Exact global minimizers of a deep linear network with weight decay and stochastic neurons.

Ziyin, Li & Meng, "Exact Solutions of a Deep Linear Network", NeurIPS 2022 (arXiv 2202.04777).
The model, the conventions (depth D = hidden layers, gamma = wd / 2) and the 1-D reduction are
stated in :mod:`varlib.deep_linear.theory`.

Modules: :mod:`varlib.deep_linear.model` (tasks, nets, kappa), :mod:`varlib.deep_linear.theory` (the 1-D
reduction, the solver, thresholds), :mod:`varlib.deep_linear.nets` (exact-loss training, stochastic-net
moments, Hessian at zero), :mod:`varlib.deep_linear.sgd` (sampled-noise minibatch SGD, nonlinear nets),
:mod:`varlib.deep_linear.study` (the chapter's experiments), :mod:`varlib.deep_linear.scorecard` (its
scorecard) and :mod:`varlib.deep_linear.prose` (the words and numbers its text reads). Every public name of
``theory`` and ``nets`` is re-exported here.
"""
from __future__ import annotations

from varlib.deep_linear.model import (DeepLinear, LinearTask, gamma_from_weight_decay, gaussian_task,  # noqa: F401
                                      kappa, task_from_data)
from varlib.deep_linear.nets import (LINEAR_DIVERGED_GROWTH, NOISES, OPTIMIZERS, end_to_end,  # noqa: F401
                                     ensemble_start, expected_loss, expected_variance, hessian_at_zero,
                                     homogeneous_variance, init_weights, layer_norms, linear_diverged,
                                     mc_prediction_moments, prediction_moments, sample_predictions, train_exact,
                                     train_linear_ensemble, unit_spread)
from varlib.deep_linear.theory import (LinearSolution, critical_gamma, gamma_spinodal, gamma_star,  # noqa: F401
                                       isotropic_roots, reduced_loss, solve_global, stationarity_roots, weights_from_b)

__all__ = ["LinearTask", "DeepLinear", "LinearSolution", "gamma_from_weight_decay", "task_from_data", "gaussian_task",
           "kappa", "reduced_loss", "stationarity_roots", "solve_global", "weights_from_b",
           "critical_gamma", "gamma_star", "gamma_spinodal", "isotropic_roots", "NOISES", "OPTIMIZERS",
           "init_weights", "end_to_end", "layer_norms", "expected_loss", "train_exact", "ensemble_start",
           "unit_spread", "train_linear_ensemble", "prediction_moments", "homogeneous_variance",
           "expected_variance", "sample_predictions", "mc_prediction_moments", "hessian_at_zero",
           "LINEAR_DIVERGED_GROWTH", "linear_diverged"]
