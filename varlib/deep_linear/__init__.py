"""Exact global minimizers of a deep linear network with weight decay and stochastic neurons.

Ziyin, Li & Meng, "Exact Solutions of a Deep Linear Network", NeurIPS 2022 (arXiv 2202.04777).
The model, the conventions (depth D = hidden layers, gamma = wd / 2) and the 1-D reduction are
stated in :mod:`varlib.deep_linear.theory`.

Modules: :mod:`varlib.deep_linear.model` (tasks, nets, kappa), :mod:`varlib.deep_linear.theory` (the 1-D
reduction, the solver, thresholds), :mod:`varlib.deep_linear.nets` (exact-loss training, stochastic-net
moments, Hessian at zero), :mod:`varlib.deep_linear.sgd` (sampled-noise minibatch SGD, nonlinear nets),
:mod:`varlib.deep_linear.study` (the chapter's experiments) and :mod:`varlib.deep_linear.scorecard` (its
scorecard). Every public name of linear_theory and linear_nets is re-exported here.
"""
from __future__ import annotations

from varlib.deep_linear.nets import (NOISES, OPTIMIZERS, end_to_end, ensemble_start, expected_loss,  # noqa: F401
                                expected_variance, hessian_at_zero, homogeneous_variance, init_weights,
                                layer_norms, mc_prediction_moments, prediction_moments, sample_predictions, unit_spread,
                                train_ensemble, train_exact)
from varlib.deep_linear.nets import __all__ as _nets_all
from varlib.deep_linear.model import (DeepLinear, LinearTask, gamma_from_weight_decay, gaussian_task,  # noqa: F401
                                 kappa, task_from_data)
from varlib.deep_linear.theory import (LinearSolution, critical_gamma, gamma_spinodal, gamma_star,  # noqa: F401
                                  isotropic_roots, reduced_loss, solve_global, stationarity_roots, weights_from_b)
from varlib.deep_linear.theory import __all__ as _theory_all

__all__ = [*_theory_all, *_nets_all]
