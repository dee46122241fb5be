"""Activation regions, linear regions and decision boundaries of maxout networks (Tseran & Montúfar, "On the
Expected Complexity of Maxout Networks", NeurIPS 2021).

Modules, one idea each:

* :mod:`~varlib.maxout.nets`: maxout networks as stacked tensors, the four initialisations, the authors' demo net;
* :mod:`~varlib.maxout.geometry`: batched convex polygons, boxes and planes of the input space;
* :mod:`~varlib.maxout.regions`: the exact counter (activation regions, linear regions, decision-boundary pieces);
* :mod:`~varlib.maxout.grid`: the grid estimate of the authors' pictures; :mod:`~varlib.maxout.lp`: the LP oracle;
* :mod:`~varlib.maxout.bounds`: the paper's upper bounds (Theorems 7 and 10 as the authors' code evaluates them);
* :mod:`~varlib.maxout.slices`: counts across a 2D slice of parameter space;
* :mod:`~varlib.maxout.training`: the chapter's experiments (count sweeps, training with counts in an input slice);
* :mod:`~varlib.maxout.tables`: the tables the chapter shows; :mod:`~varlib.maxout.prose`: the numbers and words
  its text reads (glued);
* :mod:`~varlib.maxout.scorecard`, :mod:`~varlib.maxout.plots`, :mod:`~varlib.maxout.profiles`.
"""
from varlib.maxout.bounds import (bias_density_constant, complexity_bounds, db_bound, db_bound_with_k,
                                  db_bound_without_k, gradient_constant, max_regions_one_layer, region_bound,
                                  region_bound_with_k, region_bound_without_k)
from varlib.maxout.geometry import Box, box_bounds, plane_basis, slice_plane
from varlib.maxout.grid import box_grid, grid_region_count
from varlib.maxout.lp import count_regions_lp
from varlib.maxout.nets import (MAXOUT_INITS, MaxoutParams, activation_pattern, as_relu, authors_demo_net,
                                init_maxout_net, maxout_forward, split_widths)
from varlib.maxout.regions import (DecisionBoundary, Regions, activation_regions, count_regions, decision_boundary,
                                   linear_region_count)

__all__ = ["MaxoutParams", "MAXOUT_INITS", "split_widths", "init_maxout_net", "as_relu", "maxout_forward",
           "activation_pattern", "authors_demo_net", "Box", "slice_plane", "box_bounds", "plane_basis",
           "Regions", "activation_regions", "linear_region_count", "DecisionBoundary", "decision_boundary",
           "count_regions", "box_grid", "grid_region_count", "count_regions_lp", "max_regions_one_layer",
           "region_bound", "region_bound_with_k", "region_bound_without_k", "db_bound", "db_bound_with_k",
           "db_bound_without_k", "complexity_bounds", "bias_density_constant", "gradient_constant"]
