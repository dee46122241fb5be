"""Sizes of the ``variability`` chapter per profile (Yu & Zhang, arXiv 2105.08911): ``smoke`` (CI),
``standard`` (the book), ``full`` (paper scale). :func:`varlib.chapter_settings` validates overrides against them."""
#: Sizes per profile. Variability: ``draws`` random nets per (activation, budget, depth) on a ``grid``^2
#: grid; training: ``seeds`` nets per (activation, depth) at ``train_budget`` on a ``board`` x ``board``
#: checkerboard sampled on ``train_grid``^2 points, ``steps`` full-batch Adam steps at ``lr``. L = 1 is
#: always added and reported apart from the depth trends. Training run r starts from draw r, so ``draws`` must be
#: at least ``seeds`` for the per-net pairing. Sensitivity: ``sensitivity_draws`` draws per (activation, sigma_b,
#: depth) at ``train_budget`` for each of ``sensitivity_activations`` and ``sensitivity_sigma_b``.
CHAPTER_PROFILES = {
    "smoke": {"budgets": [500], "depths": [2, 16], "draws": 4, "grid": 24, "landscape_depths": [2, 16],
              "tau": 1e-2, "sigma_b": 0.1, "train_budget": 500, "train_depths": [2, 4], "seeds": 2,
              "steps": 40, "lr": 3e-3, "board": 4, "train_grid": 16, "eval_every": 10, "success_acc": 0.99,
              "sensitivity_activations": ["relu", "abs", "tanh"], "sensitivity_sigma_b": [0.0, 0.5],
              "sensitivity_draws": 4},
    "standard": {"budgets": [2000, 5000], "depths": [2, 4, 8, 16, 32, 48, 64, 96], "draws": 200,
                 "grid": 64, "landscape_depths": [2, 8, 16, 32, 64], "tau": 1e-2, "sigma_b": 0.1,
                 "train_budget": 2000, "train_depths": [2, 4, 8, 16, 32], "seeds": 10, "steps": 3000,
                 "lr": 3e-3, "board": 8, "train_grid": 32, "eval_every": 50, "success_acc": 0.99,
                 "sensitivity_activations": ["relu", "abs", "tanh", "leaky_relu:0.1"],
                 "sensitivity_sigma_b": [0.0, 0.1, 0.5], "sensitivity_draws": 50},
    "full": {"budgets": [2000, 5000, 10000], "depths": [2, 4, 8, 16, 24, 32, 48, 64, 96, 128], "draws": 1000,
             "grid": 256, "landscape_depths": [2, 8, 16, 32, 64, 128], "tau": 1e-2, "sigma_b": 0.1,
             "train_budget": 2000, "train_depths": [2, 4, 8, 16, 24, 32, 48, 64], "seeds": 20, "steps": 3000,
             "lr": 3e-3, "board": 8, "train_grid": 32, "eval_every": 25, "success_acc": 0.99,
             "sensitivity_activations": ["relu", "abs", "tanh", "leaky_relu:0.1"],
             "sensitivity_sigma_b": [0.0, 0.1, 0.5], "sensitivity_draws": 200},
}

#: Numbers with a range other than "> 0" (checked by :func:`varlib.chapter_settings`): a success threshold is an
#: accuracy between chance (0.5) and 1; a bias scale may be 0.
CHAPTER_RANGES = {"success_acc": (0.5, 1.0), "sensitivity_sigma_b": (0.0, 10.0)}

#: The activations the sensitivity sweep may take (leaky ReLU with its negative slope after the colon).
CHAPTER_CHOICES = {"sensitivity_activations": ("relu", "abs", "tanh", "leaky_relu:0.01", "leaky_relu:0.1",
                                               "leaky_relu:0.2")}
