"""Exact global minimizers of a deep linear network with weight decay and stochastic neurons.

Ziyin, Li & Meng, "Exact Solutions of a Deep Linear Network", NeurIPS 2022 (arXiv 2202.04777).
The model, the conventions (depth D = hidden layers, gamma = wd / 2) and the 1-D reduction are
stated in :mod:`varlib.linear_theory`.

Modules: :mod:`varlib.linear_model` (tasks, nets, kappa), :mod:`varlib.linear_theory` (the 1-D
reduction, the solver, thresholds), :mod:`varlib.linear_nets` (exact-loss training, stochastic-net
moments, Hessian at zero), :mod:`varlib.linear_sgd` (sampled-noise minibatch SGD, nonlinear nets),
:mod:`varlib.linear_study` (the chapter's experiments) and :mod:`varlib.linear_scorecard` (its
scorecard). Every public name of linear_theory and linear_nets is re-exported here.
"""
from __future__ import annotations

from varlib.linear_nets import (NOISES, OPTIMIZERS, end_to_end, ensemble_start, expected_loss,  # noqa: F401
                                expected_variance, hessian_at_zero, homogeneous_variance, init_weights,
                                layer_norms, mc_prediction_moments, prediction_moments, sample_predictions, unit_spread,
                                train_ensemble, train_exact)
from varlib.linear_nets import __all__ as _nets_all
from varlib.linear_model import (DeepLinear, LinearTask, gamma_from_weight_decay, gaussian_task,  # noqa: F401
                                 kappa, task_from_data)
from varlib.linear_theory import (LinearSolution, critical_gamma, gamma_spinodal, gamma_star,  # noqa: F401
                                  isotropic_roots, reduced_loss, solve_global, stationarity_roots, weights_from_b)
from varlib.linear_theory import __all__ as _theory_all
from varlib.linear_sgd import SCHEDULES

__all__ = [*_theory_all, *_nets_all, "CHAPTER_PROFILES", "CHAPTER_CHOICES"]

#: The chapter's string parameters and their allowed values (checked by :func:`varlib.chapter_settings`).
CHAPTER_CHOICES: dict[str, tuple] = {"signal_schedule": SCHEDULES}

#: Sizes of the deep_linear chapter per profile (see :func:`varlib.chapter_settings`).
CHAPTER_PROFILES: dict[str, dict] = {
    "smoke": {"d0": 6, "n_samples": 300, "width": 4, "seeds": 1, "phase_depths": [1, 2],
              "gamma_ratios": [0.25, 0.999, 1.1, 2.5], "steps": 300, "lr": 0.05, "trained_depths": [1, 2],
              "trained_gammas": [0.05, 0.2], "basin_depths": [1, 2], "basin_scales": [0.25, 1.0],
              "sgd_epochs": 2, "signal_values": [0.03, 0.3, 1.0], "signal_epochs": 2,
              "signal_schedule": "constant", "mc_samples": 100, "var_widths": [1, 4, 64],
              "var_noises": [0.1, 8.0, 1000.0], "var_depths": [1, 4, 12]},
    "standard": {"d0": 6, "n_samples": 2000, "width": 8, "seeds": 2, "phase_depths": [1, 2, 3, 4],
                 "gamma_ratios": [0.25, 0.5, 0.999, 1.05, 1.15, 1.6, 2.5], "steps": 3000, "lr": 0.05,
                 "trained_depths": [1, 2, 3], "trained_gammas": [0.05, 0.1, 0.2, 0.3], "basin_depths": [1, 2, 3, 4, 6],
                 "basin_scales": [0.25, 0.5, 1.0], "sgd_epochs": 150,
                 "signal_values": [0.02, 0.04, 0.06, 0.08, 0.1, 0.12, 0.15, 0.2, 0.3, 0.5, 1.0], "signal_epochs": 60,
                 "signal_schedule": "constant", "mc_samples": 2000, "var_widths": [1, 2, 4, 16, 64, 256, 1024],
                 "var_noises": [0.1, 1.0, 4.0, 16.0, 64.0, 256.0, 10000.0], "var_depths": [1, 2, 4, 6, 8, 12]},
    "full": {"d0": 6, "n_samples": 4000, "width": 16, "seeds": 8, "phase_depths": [1, 2, 3, 4, 6, 8, 10],
             "gamma_ratios": [0.1, 0.25, 0.5, 0.75, 0.9, 0.999, 1.02, 1.05, 1.1, 1.15, 1.3, 1.6, 2.0, 2.5],
             "steps": 20000, "lr": 0.02, "trained_depths": [1, 2, 3, 4, 6],
             "trained_gammas": [0.02, 0.05, 0.1, 0.15, 0.2, 0.25, 0.3], "basin_depths": [1, 2, 3, 4, 6, 8, 10],
             "basin_scales": [0.125, 0.25, 0.5, 0.75, 1.0, 1.5], "sgd_epochs": 400,
             "signal_values": [0.02, 0.03, 0.04, 0.05, 0.06, 0.08, 0.09, 0.1, 0.11, 0.12, 0.15, 0.2, 0.3, 0.5, 1.0],
             "signal_epochs": 300, "signal_schedule": "constant", "mc_samples": 10000,
             "var_widths": [1, 2, 4, 16, 64, 256, 1024],
             "var_noises": [0.1, 1.0, 4.0, 16.0, 64.0, 256.0, 10000.0], "var_depths": [1, 2, 4, 6, 8, 10, 12]},
}
