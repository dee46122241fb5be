"""Sizes of the ``integrable`` chapter per profile (Hajjar, Chizat & Giraud, arXiv 2110.15596): ``smoke`` (CI), ``standard`` (the book),
``full`` (paper scale). :func:`varlib.chapter_settings` validates overrides against them."""
#: Sizes of the ``integrable`` chapter per profile (config.CHAPTER_MODULES points here).
CHAPTER_PROFILES = {
    "smoke": {"dataset": "digits", "init_widths": [32, 64, 128], "init_draws": 2,
              "stuck_depths": [2, 4], "stuck_widths": [32, 64], "stuck_steps": 10, "stuck_eta": 0.1,
              "equiv_width": 32, "equiv_steps": 3, "escape_widths": [32, 64], "escape_steps": 8,
              "rank_width": 64, "rank_batch": 64, "depth": 4, "width": 32, "batch": 64, "steps": 8,
              "eta": 0.01, "seeds": 1},
    "standard": {"dataset": "digits", "init_widths": [128, 256, 512, 1024], "init_draws": 3,
                 "stuck_depths": [2, 3, 4], "stuck_widths": [128, 512], "stuck_steps": 200, "stuck_eta": 0.1,
                 "equiv_width": 256, "equiv_steps": 6, "escape_widths": [128, 256, 512], "escape_steps": 100,
                 "rank_width": 512, "rank_batch": 256, "depth": 6, "width": 256, "batch": 128, "steps": 150,
                 "eta": 0.01, "seeds": 3},
    "full": {"dataset": "mnist", "init_widths": [128, 256, 512, 1024, 2048, 4096], "init_draws": 10,
             "stuck_depths": [2, 3, 4, 5], "stuck_widths": [128, 512, 1024, 2048], "stuck_steps": 2000,
             "stuck_eta": 0.1, "equiv_width": 1024, "equiv_steps": 10, "escape_widths": [256, 1024, 4096],
             "escape_steps": 600, "rank_width": 1024, "rank_batch": 512, "depth": 6, "width": 1024,
             "batch": 512, "steps": 600, "eta": 0.01, "seeds": 5},
}
