"""Sizes of the ``maxout`` chapter per profile (Tseran & Montúfar, NeurIPS 2021): ``smoke`` (CI), ``standard`` (the book),
``full`` (paper scale). :func:`varlib.chapter_settings` validates overrides against them."""
#: Sizes of the maxout chapter per profile (``varlib.chapter_settings("maxout", profile)``).
CHAPTER_PROFILES = {
    "smoke": {"ranks": [2, 3], "units": [6, 12], "depths": [1, 2], "nets": 2, "picture_units": 12,
              "grid_steps": 100, "train_ranks": [2], "train_units": 8, "train_depth": 2, "train_seeds": 1,
              "epochs": 1, "count_every": 1, "slice_box": 15.0, "target_acc": 0.3, "data_dir": "data", "theta_steps": 6},
    "standard": {"ranks": [2, 3, 5], "units": [10, 20, 40, 70, 100], "depths": [1, 2, 3, 5], "nets": 6,
                 "picture_units": 20, "grid_steps": 300, "train_ranks": [2, 5], "train_units": 60,
                 "train_depth": 3, "train_seeds": 3, "epochs": 30, "count_every": 10, "slice_box": 15.0,
                 "target_acc": 0.9, "data_dir": "data", "theta_steps": 32},
    "full": {"ranks": [2, 3, 5], "units": [10, 20, 40, 60, 80, 100, 150, 200], "depths": [1, 2, 3, 4, 5],
             "nets": 30, "picture_units": 20, "grid_steps": 1000, "train_ranks": [2, 3, 5], "train_units": 100,
             "train_depth": 3, "train_seeds": 5, "epochs": 50, "count_every": 5, "slice_box": 50.0,
             "target_acc": 0.95, "data_dir": "data", "theta_steps": 64},
}
