"""abc-parameterizations of MLPs: SP, NTK, muP and the integrable ones (IP) as points of one family.

Definitions (Yang & Hu 2021, the abc-parameterizations; Hajjar, Chizat & Giraud 2021, the integrable ones).
An MLP with L hidden layers of width m has L+1 weight tensors ``w^l`` (l = 1: m x d, l = 2..L: m x m,
l = L+1: K x m). Per layer:

    W^l = m^{-a_l} w^l                              (multiplier, applied in the forward pass)
    w^l(0) = m^{-b_l} U^l,  U^l_ij ~ N(mu_l, s_l^2)   (the stored, trainable tensor)
    w^l <- w^l - eta m^{-c_l} dloss/dw^l             (SGD, one learning-rate group per tensor)

with step-0 exponents ``c0`` and later ones ``c`` (two-phase schedule, switch right after step 0).
Forward pass, x^l = sigma(h^l):

    h^1 = m^{-a_1} (w^1 x + beta^1),  h^l = m^{-a_l} w^l x^{l-1} (l = 2..L),  f = m^{-a_{L+1}} w^{L+1} x^L

Bias modes: ``"input"`` (beta^1 only, inside the multiplier, same exponents as w^1), ``"none"``, and
``"all"`` (IP-bias: a bias on every layer, outside the multiplier, h^l = w^l (m^{-a_l} x^{l-1}) + beta^l,
with its own exponents ``bias_c0``, ``bias_c``).

Base standard deviations s_l follow the authors' code: var = 2 (ReLU), 4 (GeLU), 1 (ELU, tanh,
identity); other activations use their variance-preserving gain from :mod:`varlib.core.activations`.
Input weights have std sqrt(var / (d + 1)), hidden sqrt(var), output 1; biases sqrt(var), output 1.

Reparameterization symmetry (derived from the definitions): (a, b, c) -> (a + theta, b - theta, c - 2 theta) on any
layer leaves the trajectory of f unchanged, since W(0) = m^{-(a+b)} U and the effective step on W is
eta m^{-(2a+c)}. So each layer is really e_l = a_l + b_l and kappa_l = 2 a_l + c_l.

Modules: :mod:`varlib.integrable.family` (the exponents, the presets, the symmetry),
:mod:`varlib.integrable.nets` (draws, initialisation, forward pass, loss),
:mod:`varlib.integrable.sgd` (SGD, the two-phase schedule, the step-0 calibration) and
:mod:`varlib.integrable.diagnostics` (coord check, relative weight change, ranks); every public
name is re-exported here. ``varlib.integrable.profiles.CHAPTER_PROFILES`` sizes the ``integrable`` chapter,
whose sweeps are in :mod:`varlib.integrable.experiments`, its mechanism checks (first step, clones, schedule) in
:mod:`varlib.integrable.mechanics`, the calibrated step-0 constants against width in
:mod:`varlib.integrable.calibration`, and the values its prose reads in :mod:`varlib.integrable.prose`.

Tensors are named ``w1 .. w{L+1}`` and ``beta1 .. beta{L+1}``; ``params`` is a dict of them.
Precision: float32 or float64, never half (IP activations reach m^{-L/2} ~ 1e-9 and step-0 rates
~1e12). Float32 IP runs produce subnormal numbers, ~10x slower on CPU: callers may set
``torch.set_flush_denormal(True)`` (this module changes no global state).
"""
from __future__ import annotations

from varlib.integrable.diagnostics import (coord_check, numerical_rank, preactivation_ranks, rank_table,  # noqa: F401
                                           relative_weight_change, squared_trace_rank, stable_rank, update_ranks)
from varlib.integrable.family import (BIAS_MODES, PRESETS, Parameterization, abc_parameterization,  # noqa: F401
                                      get_parameterization, reparameterize)
from varlib.integrable.nets import (abc_forward, abc_loss, init_params, initial_draws,  # noqa: F401
                                    mean_abs_preactivations, preactivation_change)
from varlib.integrable.sgd import calibrate_step0, make_sgd, switch_to_later_rates, train_abc  # noqa: F401

__all__ = ["Parameterization", "BIAS_MODES", "PRESETS", "abc_parameterization", "get_parameterization",
           "reparameterize", "initial_draws", "init_params", "abc_forward", "abc_loss", "make_sgd",
           "switch_to_later_rates", "calibrate_step0", "train_abc", "mean_abs_preactivations",
           "preactivation_change", "coord_check", "relative_weight_change", "numerical_rank",
           "stable_rank", "squared_trace_rank", "rank_table", "update_ranks", "preactivation_ranks"]

