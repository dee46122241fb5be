"""The trainability atlas: the four lenses side by side on the same random nets, and which one predicts training.

Above the lenses: this package imports ``core``, ``book`` and the four lens packages (variability, maxout,
deep_linear, integrable); no lens imports it.

Modules: :mod:`varlib.atlas.cell` (one (budget, depth, activation) cell, every lens on the same draws),
:mod:`varlib.atlas.table` (the table's schema, grid and files), :mod:`varlib.atlas.predict` (rank correlations with
trainability, what each lens adds beyond depth), :mod:`varlib.atlas.scorecard` (the verdict rows),
:mod:`varlib.atlas.prose` (the values the prose reads) and :mod:`varlib.atlas.plots` (the pair plot);
``profiles.CHAPTER_PROFILES`` sizes the ``atlas`` chapter.
"""
from varlib.atlas.cell import (ATLAS_ACTIVATIONS, COUNTED_ACTIVATIONS, as_maxout_params, atlas_cell,
                               check_atlas_cell, complexity_counts, signal_scales)
from varlib.atlas.predict import (LENS_SCORES, SHOWN_SCORES, TARGET, beyond_depth, lens_correlations,
                                  partial_rank_correlation)
from varlib.atlas.prose import atlas_facts, correlation_table, lens_winners, pull_apart_sentence
from varlib.atlas.scorecard import atlas_scorecard
from varlib.atlas.table import (ATLAS_KEYS, ATLAS_SCHEMA, atlas_grid, check_atlas_table, schema_json, schema_table,
                                stack_atlas)

__all__ = ["ATLAS_ACTIVATIONS", "COUNTED_ACTIVATIONS", "as_maxout_params", "atlas_cell", "check_atlas_cell",
           "complexity_counts", "signal_scales", "LENS_SCORES", "SHOWN_SCORES", "TARGET", "beyond_depth",
           "lens_correlations", "partial_rank_correlation", "atlas_facts", "correlation_table", "lens_winners",
           "pull_apart_sentence",
           "atlas_scorecard", "ATLAS_KEYS", "ATLAS_SCHEMA", "atlas_grid", "check_atlas_table", "schema_json",
           "schema_table", "stack_atlas"]
