"""The computing core every lens builds on; it imports no other part of varlib.

* :mod:`~varlib.core.activations`: the one activation registry, with variance-preserving gains;
* :mod:`~varlib.core.family`: the equal-parameter family of MLPs (width for a parameter budget);
* :mod:`~varlib.core.ensemble`: R random MLPs as stacked tensors, and their forward pass;
* :mod:`~varlib.core.training`: R nets trained at once with full-batch Adam;
* :mod:`~varlib.core.data`: the bundled and packaged data sets;
* :mod:`~varlib.core.runtime`: devices, seeds, thread counts, provenance;
* :mod:`~varlib.core.checks`: argument checks that name the parameter;
* :mod:`~varlib.core.stats`: Wilson and bootstrap intervals for the scorecards.
"""
from varlib.core.activations import ACTIVATIONS, Activation, get_activation, maxout_second_moment
from varlib.core.checks import check_int
from varlib.core.data import DATASETS, Dataset, load_dataset, minibatches
from varlib.core.ensemble import MLPEnsemble, forward, init_mlp_ensemble, member_module
from varlib.core.family import family_table, param_count, width_for_budget
from varlib.core.runtime import Runtime, provenance, resolve_device, setup, small_op_threads
from varlib.core.stats import bootstrap_interval, interval_text, spearman_interval, wilson_interval
from varlib.core.training import TrainResult, accuracy_pm1, member_losses, train_ensemble

__all__ = ["ACTIVATIONS", "Activation", "get_activation", "maxout_second_moment", "check_int", "DATASETS",
           "Dataset", "load_dataset", "minibatches", "MLPEnsemble", "forward", "init_mlp_ensemble", "member_module",
           "family_table", "param_count", "width_for_budget", "Runtime", "provenance", "resolve_device", "setup",
           "small_op_threads", "wilson_interval", "bootstrap_interval", "spearman_interval", "interval_text",
           "TrainResult", "accuracy_pm1", "member_losses", "train_ensemble"]
