"""Sizes and settings of the ``deep_linear`` chapter per profile (Ziyin, Li & Meng, NeurIPS 2022): ``smoke`` (CI),
``standard`` (the book), ``full`` (paper scale). :func:`varlib.chapter_settings` validates overrides against them.

Besides the sizes that grow with the profile, every setting of an experiment (its weight decay, learning rate,
batch, task size, the nets it compares) is a parameter here, the same in every profile, so that each stored
result is keyed on all of it and any of it can be overridden (``-p signal_gamma=0.03``).
"""
from varlib.core.data import DATASETS
from varlib.deep_linear.nets import NOISES
from varlib.deep_linear.sgd import SCHEDULES, SGD_ACTIVATIONS

#: Initial scales (x N(0, 1/fan_in)) a reader would use: PyTorch's default nn.Linear (uniform draws of variance
#: 1/(3 fan_in)) and He's sqrt(2).
_PYTORCH, _HE = 3 ** -0.5, 2 ** 0.5

#: Weight decays of the practical sweep on real data: log-spaced, denser (steps of about 15 %) where D = 2 and 3
#: collapse, so that a jump can be told from a continuous decline at the grid's spacing.
_PRACTICAL_GAMMAS = [0.001, 0.003, 0.01, 0.02, 0.04, 0.06, 0.08, 0.095, 0.11, 0.13, 0.16, 0.19, 0.22, 0.26, 0.3, 0.35,
                     0.45, 0.65, 1.0, 1.5]

#: Weight decays of the hysteresis sweeps, as multiples of gamma*(D): points in the metastable windows of D = 2
#: (up to 1.19) and D = 3 (up to 1.41), and beyond them.
_HYSTERESIS_RATIOS = [0.5, 0.8, 0.95, 1.05, 1.15, 1.3, 1.4, 1.6, 2.0, 2.5]

#: Weight decays of the (noise, gamma) and (signal, gamma) planes: log-like, denser where gamma* and gamma_sp of
#: D = 2 cross the planes' noises and signals.
_PLANE_GAMMAS = [0.05, 0.08, 0.12, 0.16, 0.2, 0.25, 0.3, 0.4, 0.6]

#: Settings shared by every profile: the experiments' fixed choices (see the chapter's parameters cell).
_FIXED = {
    "label_noise": 0.5, "threshold_depths": [1, 2, 3, 4, 5, 6], "landscape_depths": [1, 2, 3],
    "landscape_ratios": [0.5, 0.9, 1.0, 1.1, 1.3], "hessian_depths": [1, 2, 3], "hessian_ratios": [0.25, 0.9, 1.5],
    "hessian_width": 3, "tiny_scale": 0.01, "aniso_d0": 8, "aniso_n_samples": 2000, "aniso_var_min": 0.5,
    "aniso_var_max": 2.0, "trained_sigma2": 1.0, "unequal_gammas": [0.05, 0.2, 0.1], "unequal_sigma2": 0.5,
    "var_gamma": 0.05, "var_sigma2": 1.0, "var_width": 8, "var_depth": 2, "var_noise_depth": 1,
    "var_noise_gamma": 1e-6, "var_vanishing_depths": [1, 2, 4, 8, 16, 32, 64], "mc_inputs": 32,
    "mc_max_width": 256, "mc_max_noise": 16.0, "mc_max_vanishing_depth": 8, "sgd_depths": [1, 2],
    "sgd_noises": ["gaussian", "dropout"], "sgd_sigma2": 1.0, "sgd_gamma": 0.1, "sgd_batch": 100, "sgd_lr": 0.02,
    "family_d0": 10, "family_n_samples": 2000, "family_width": 32, "family_gamma": 0.3, "family_b_max": 1.5,
    "family_points": 61, "signal_activations": ["linear", "tanh", "relu"], "signal_compare_activations": ["linear"],
    "signal_shallow_activations": ["linear", "relu"],
    "signal_gamma": 0.02, "signal_d0": 10, "signal_n_samples": 2000, "signal_width": 32, "signal_batch": 100,
    "signal_lr": 0.05, "basin_gamma_ratio": 0.5, "practical_depths": [1, 2, 3], "practical_width": 64,
    "practical_batch": 256, "practical_lr": 0.1, "hysteresis_depths": [1, 2, 3], "hysteresis_kick": 1e-3,
    "plane_depth": 2, "plane_lr": 0.01, "multi_variances": [1.0, 0.001], "multi_signals": [1.0, 0.1],
    "multi_gamma": 0.15, "multi_depth": 2, "multi_scales": [0.1, 0.3, 0.5, 1.0, 1.5, 2.0], "multi_lr": 0.01,
    "var_train_lr": 0.01, "var_train_max_width": 64, "var_train_max_noise": 64.0, "var_train_max_depth": 6,
}

#: Sizes of the deep_linear chapter per profile (see :func:`varlib.chapter_settings`).
CHAPTER_PROFILES = {
    "smoke": {"d0": 6, "n_samples": 300, "width": 4, "seeds": 1, "phase_depths": [1, 2],
              "gamma_ratios": [0.25, 0.999, 1.1, 2.5], "steps": 300, "lr": 0.05, "trained_depths": [1, 2],
              "trained_gammas": [0.05, 0.2], "unequal_widths": [4, 12], "basin_depths": [1, 2],
              "basin_scales": [0.25, 1.0], "basin_seeds": 1, "sgd_epochs": 2, "signal_values": [0.03, 0.06, 0.3, 1.0],
              "signal_epochs": 2,
              "signal_schedule": "constant", "mc_samples": 100, "var_widths": [1, 4, 64],
              "var_noises": [0.1, 8.0, 1000.0], "var_depths": [1, 4, 12], "practical_dataset": "digits",
              "practical_gammas": [0.01, 0.03, 0.1, 0.3, 1.0], "practical_seeds": 1, "practical_steps": 100,
              "hysteresis_ratios": [0.5, 0.95, 1.05, 1.3, 2.0], "hysteresis_steps": 300, "plane_noises": [0.0, 4.0],
              "plane_signals": [0.5, 2.0], "plane_gammas": [0.05, 0.2, 0.6], "plane_steps": 300, "multi_steps": 300,
              "var_train_steps": 200, **_FIXED},
    "standard": {"d0": 6, "n_samples": 2000, "width": 8, "seeds": 2, "phase_depths": [1, 2, 3, 4],
                 "gamma_ratios": [0.25, 0.5, 0.999, 1.05, 1.15, 1.6, 2.5], "steps": 3000, "lr": 0.05,
                 "trained_depths": [1, 2, 3], "trained_gammas": [0.05, 0.1, 0.2, 0.3], "unequal_widths": [8, 24],
                 "basin_depths": [1, 2, 3, 4, 6, 8, 10], "basin_scales": [0.25, 0.5, _PYTORCH, 1.0, _HE],
                 "basin_seeds": 6, "sgd_epochs": 150,
                 "signal_values": [0.02, 0.04, 0.06, 0.08, 0.1, 0.12, 0.15, 0.2, 0.3, 0.5, 1.0], "signal_epochs": 60,
                 "signal_schedule": "constant", "mc_samples": 2000, "var_widths": [1, 2, 4, 16, 64, 256, 1024],
                 "var_noises": [0.1, 1.0, 4.0, 16.0, 64.0, 256.0, 10000.0], "var_depths": [1, 2, 4, 6, 8, 9, 10, 12],
                 "practical_dataset": "fashion_mnist", "practical_gammas": _PRACTICAL_GAMMAS, "practical_seeds": 3,
                 "practical_steps": 600, "hysteresis_ratios": _HYSTERESIS_RATIOS, "hysteresis_steps": 1500,
                 "plane_noises": [0.0, 0.5, 1.0, 2.0, 4.0], "plane_signals": [0.25, 0.5, 1.0, 2.0, 4.0],
                 "plane_gammas": _PLANE_GAMMAS, "plane_steps": 3000, "multi_steps": 5000, "var_train_steps": 3000,
                 **_FIXED},
    "full": {"d0": 6, "n_samples": 4000, "width": 16, "seeds": 8, "phase_depths": [1, 2, 3, 4, 6, 8, 10],
             "gamma_ratios": [0.1, 0.25, 0.5, 0.75, 0.9, 0.999, 1.02, 1.05, 1.1, 1.15, 1.3, 1.6, 2.0, 2.5],
             "steps": 20000, "lr": 0.02, "trained_depths": [1, 2, 3, 4, 6],
             "trained_gammas": [0.02, 0.05, 0.1, 0.15, 0.2, 0.25, 0.3], "unequal_widths": [16, 48],
             "basin_depths": [1, 2, 3, 4, 6, 8, 10], "basin_scales": [0.125, 0.25, 0.5, _PYTORCH, 0.75, 1.0, _HE],
             "basin_seeds": 16,
             "sgd_epochs": 400,
             "signal_values": [0.02, 0.03, 0.04, 0.05, 0.06, 0.08, 0.09, 0.1, 0.11, 0.12, 0.15, 0.2, 0.3, 0.5, 1.0],
             "signal_epochs": 300, "signal_schedule": "constant", "mc_samples": 10000,
             "var_widths": [1, 2, 4, 16, 64, 256, 1024],
             "var_noises": [0.1, 1.0, 4.0, 16.0, 64.0, 256.0, 10000.0], "var_depths": [1, 2, 4, 6, 8, 9, 10, 12],
             "practical_dataset": "fashion_mnist", "practical_seeds": 5, "practical_steps": 3000,
             "hysteresis_ratios": [0.5, 0.7, 0.8, 0.9, 0.95, 1.02, 1.05, 1.1, 1.15, 1.2, 1.3, 1.4, 1.5, 1.6, 1.8, 2.0,
                                   2.5], "hysteresis_steps": 5000,
             "practical_gammas": [0.001, 0.003, 0.01, 0.02, 0.03, 0.04, 0.05, 0.06, 0.07, 0.08, 0.09, 0.1, 0.11, 0.13,
                                  0.16, 0.19, 0.22, 0.26, 0.3, 0.35, 0.45, 0.55, 0.65, 0.8, 1.0, 1.2, 1.5, 2.0],
             "plane_noises": [0.0, 0.5, 1.0, 2.0, 4.0, 8.0], "plane_signals": [0.2, 0.3, 0.5, 0.7, 1.0, 1.5, 2.0, 4.0],
             "plane_gammas": [0.04, 0.05, 0.065, 0.08, 0.1, 0.12, 0.14, 0.16, 0.18, 0.2, 0.22, 0.25, 0.28, 0.32, 0.4,
                              0.5, 0.6], "plane_steps": 10000, "multi_steps": 10000, "var_train_steps": 10000,
             **_FIXED},
}

#: The chapter's string parameters and their allowed values (checked by :func:`varlib.chapter_settings`).
CHAPTER_CHOICES = {
    "signal_schedule": SCHEDULES,
    "sgd_noises": tuple(NOISES),
    "signal_activations": SGD_ACTIVATIONS,
    "signal_compare_activations": SGD_ACTIVATIONS,
    "signal_shallow_activations": SGD_ACTIVATIONS,
    "practical_dataset": tuple(DATASETS),
}

#: Numbers with a range other than "> 0" (checked by :func:`varlib.chapter_settings`): noise-free labels and nets are
#: allowed.
CHAPTER_RANGES = {"label_noise": (0.0, float("inf")), "plane_noises": (0.0, float("inf"))}
