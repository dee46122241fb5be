"""Sizes of the ``maxout`` chapter per profile (Tseran & Montúfar, NeurIPS 2021): ``smoke`` (CI), ``standard``
(the book), ``full`` (paper scale). :func:`varlib.chapter_settings` validates overrides against them."""
from varlib.core.data import DATASETS
from varlib.maxout.nets import MAXOUT_INITS

#: Settings shared by every profile: the box of the counts at initialisation, our nets in the authors' demo
#: setting (K = 2, N = 20, depth 3), the region pictures, the bound curves, the slice of parameter space, the
#: comparison of initialisations and the optimiser of the authors' training demo (Adam, lr 1e-3, batch 128).
_SHARED = {"box": 3.0, "demo_rank": 2, "demo_units": 20, "demo_depth": 3, "picture_ranks": [2, 3, 5],
           "picture_depth": 3, "picture_inits": ["maxout_he", "many_regions"], "picture_candidates": 8,
           "bound_depth": 3, "bound_nets": 4, "theta_rank": 3, "theta_units": 20, "theta_depth": 3,
           "theta_extent": 1.0, "init_depth": 3, "lr": 0.001, "batch": 128, "eval_inputs": 10000}

#: Sizes of the maxout chapter per profile (``varlib.chapter_settings("maxout", profile)``).
CHAPTER_PROFILES = {
    "smoke": {"ranks": [2, 3], "units": [6, 12], "depths": [1, 2], "nets": 2, "picture_units": 12,
              "grid_steps": 100, "train_ranks": [2], "train_units": 8, "train_depth": 2, "train_seeds": 1,
              "epochs": 1, "evals_per_epoch": 1, "count_every": 1, "slice_box": 15.0, "target_acc": 0.3,
              "dataset": "digits", "theta_steps": 6, "demo_nets": 8, "init_units": 12, **_SHARED},
    "standard": {"ranks": [2, 3, 5], "units": [10, 20, 40, 70, 100], "depths": [1, 2, 3, 5], "nets": 12,
                 "picture_units": 20, "grid_steps": 300, "train_ranks": [2, 3, 5], "train_units": 60,
                 "train_depth": 3, "train_seeds": 5, "epochs": 3, "evals_per_epoch": 4, "count_every": 1,
                 "slice_box": 50.0, "target_acc": 0.8, "dataset": "fashion_mnist", "theta_steps": 32, "demo_nets": 48,
                 "init_units": 40, **_SHARED},
    "full": {"ranks": [2, 3, 5], "units": [10, 20, 40, 60, 80, 100, 150, 200], "depths": [1, 2, 3, 4, 5],
             "nets": 30, "picture_units": 20, "grid_steps": 1000, "train_ranks": [2, 3, 5], "train_units": 100,
             "train_depth": 3, "train_seeds": 8, "epochs": 10, "evals_per_epoch": 4, "count_every": 2,
             "slice_box": 50.0, "target_acc": 0.85, "dataset": "fashion_mnist", "theta_steps": 64, "demo_nets": 120,
             "init_units": 80, **_SHARED},
}

#: The chapter's string parameters and their allowed values (checked by :func:`varlib.chapter_settings`).
CHAPTER_CHOICES = {"picture_inits": MAXOUT_INITS, "dataset": tuple(DATASETS)}

#: Numbers with a range other than "> 0" (checked by :func:`varlib.chapter_settings`): the target is an accuracy
#: between chance on ten classes (0.1) and 1.
CHAPTER_RANGES = {"target_acc": (0.1, 1.0)}
