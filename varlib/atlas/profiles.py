"""Sizes of the ``atlas`` chapter per profile: ``smoke`` (CI), ``standard`` (the book, a few minutes on a 2-core CPU)
and ``full`` (the atlas's own scale, for a GPU and the sweep engine). :func:`varlib.chapter_settings` validates
overrides against them."""
from varlib.atlas.cell import ATLAS_ACTIVATIONS

#: Settings shared by every profile: the bias scale of the family's draws, the checkerboard and the optimiser of the
#: variability lens, the success threshold, the collapse threshold tau, the widest layer whose regions are counted
#: exactly and the bootstrap resamples of the correlations.
_SHARED = {"sigma_b": 0.1, "board": 8, "lr": 3e-3, "success_acc": 0.99, "tau": 1e-2, "count_width": 64,
           "resamples": 1000}

#: Sizes per profile: one cell per (budget, depth, activation); ``draws`` random nets a cell, the first ``seeds``
#: of which are trained (``seeds <= draws``) for ``steps`` full-batch Adam steps on ``train_grid``^2 points.
CHAPTER_PROFILES = {
    "smoke": {"budgets": [300], "depths": [2, 4], "activations": ["relu", "tanh", "maxout:3"], "draws": 4,
              "seeds": 4, "grid": 16, "train_grid": 16, "steps": 60, "eval_every": 20, **_SHARED},
    "standard": {"budgets": [2000], "depths": [2, 4, 8, 16, 32], "activations": list(ATLAS_ACTIVATIONS),
                 "draws": 24, "seeds": 24, "grid": 48, "train_grid": 16, "steps": 600, "eval_every": 50,
                 **_SHARED},
    "full": {"budgets": [2000, 10000], "depths": [1, 2, 4, 8, 16, 32, 64], "activations": list(ATLAS_ACTIVATIONS),
             "draws": 100, "seeds": 20, "grid": 128, "train_grid": 32, "steps": 3000, "eval_every": 50,
             **{**_SHARED, "count_width": 128}},
}

#: The activations the atlas takes.
CHAPTER_CHOICES = {"activations": ATLAS_ACTIVATIONS}

#: Numbers with a range other than "> 0": the success threshold is an accuracy between chance (0.5) and 1; the bias
#: scale may be 0.
CHAPTER_RANGES = {"success_acc": (0.5, 1.0), "sigma_b": (0.0, 10.0)}
