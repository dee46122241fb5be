# ---
# jupyter:
#   jupytext:
#     text_representation:
#       extension: .py
#       format_name: percent
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# (chapter-deep_linear)=
# # Exact solutions of deep linear networks
#
# {cite:t}`ziyin2022exact` solve a deep linear network with L2 weight decay and stochastic neurons exactly:
# the global minimizer is known in closed form up to one scalar $b$. Two consequences concern trainability.
# With more than one hidden layer the zero solution is a local minimum for every weight decay $\gamma > 0$
# (a "bad minimum"), and the transition to it is of first order; and the prediction variance of a stochastic
# net vanishes as noise, width or depth grow. The deep linear setting is the one of {cite:t}`saxe2014exact`.
#
# :::{admonition} Claims tested here
# :class: tip
# Each claim is labelled with where the paper, or its companion
# ([Ziyin & Ueda, 2022](https://arxiv.org/abs/2205.12510)), makes it; "derived here" marks a consequence of the
# solution that we derived and test, not a statement of the paper.
# 1. The global minimum of the nonconvex loss is the minimum of a one-dimensional function of $b$, and
#    trained nets reach it; only the geometric mean of the weight decays matters; with noise the optimum is
#    homogeneous (Thm. 4). With anisotropic data that function can have several local minima (derived here).
# 2. One hidden layer ($D = 1$) has no bad minimum and a continuous transition; for $D \ge 2$ the origin is a
#    local minimum for every $\gamma > 0$ (abstract) and the minimizer jumps to zero at $\gamma^*$ (companion
#    paper), with a metastable window up to $\gamma_{sp}$ (derived here); noise and signal move $\gamma^*$
#    (Thm. 4).
# 3. The prediction variance of a stochastic net goes to zero as noise, width or depth go to infinity
#    (abstract of v1), and sampled-noise SGD reaches the exact optimum (derived here).
# 4. Near the origin the linear landscape describes ReLU, tanh and Swish nets (Fig. 2); weak-signal nonlinear
#    nets collapse to zero near the linear critical signal (Fig. 3, right).
# 5. On real images, weight decay collapses ReLU nets to zero, deeper ones at a smaller strength, with a jump
#    for two or more hidden layers (Fig. 1, right, on a CPU-sized stand-in).
# :::
#
# :::{admonition} Run this chapter yourself
# :class: note
# `python -m varlib book --chapter deep_linear --profile smoke` (seconds) or `--profile full` (GPU scale);
# any size below can be overridden, e.g. `-p seeds=4`, and so can every setting of an experiment, e.g.
# `-p signal_gamma=0.03`.
# :::
#
# **Sources.** The paper's full text was not available to us. The formulas below are our own derivation, which
# agrees with every statement of the paper we could confirm; the paper's normalisation of $b$ may differ by width
# factors. The optimizer, learning rates, step counts and data sizes of the paper's figures are unknown; ours are
# stated where used, and each is a parameter of this chapter.

# %% tags=["parameters"]
profile = "standard"     # smoke | standard | full: picks every size below
device = "auto"          # auto | cpu | cuda
seed = 0                 # one seed makes the chapter reproducible
threads = 2              # torch CPU threads (pinned: numbers depend on it)
results_dir = "results"  # computed results are stored here, one folder per profile
executor = "local"       # local | ray: where a sweep's missing items run (ray: pip install .[ray])
ray_address = None       # with ray: None (RAY_ADDRESS, else a local Ray) | auto | host:port
d0 = None                # input dimension of the isotropic tasks
n_samples = None         # training samples per task
width = None             # hidden width of the exact-loss nets
seeds = None             # random starts per setting
phase_depths = None      # depths D of the phase diagram
gamma_ratios = None      # weight decays of the phase diagram, as multiples of gamma*(D)
steps = None             # full-batch GD steps on the exact loss
lr = None                # GD learning rate (cosine-decayed)
trained_depths = None    # depths of the theory-vs-trained comparison
trained_gammas = None    # weight decays of the theory-vs-trained comparison
basin_depths = None      # depths of the basin-of-zero experiment
basin_scales = None      # initial scales (x N(0, 1/fan_in)) of the basin experiment
basin_seeds = None       # runs per scale and depth of the basin experiment
sgd_epochs = None        # epochs of sampled-noise minibatch SGD
signal_values = None     # signals M of the nonlinear collapse experiment
signal_epochs = None     # SGD epochs of the nonlinear collapse experiment
signal_schedule = None   # its learning rate: constant | cosine (the other one is run on linear nets to compare)
mc_samples = None        # Monte Carlo noise samples per input
var_widths = None        # widths of the variance sweep
var_noises = None        # noise variances of the variance sweep
var_depths = None        # depths of the variance sweep
label_noise = None       # standard deviation of the label noise of every task
threshold_depths = None  # depths of the threshold table
landscape_depths = None  # depths of the reduced-loss figure
landscape_ratios = None  # its weight decays, as multiples of gamma*(D)
hessian_depths = None    # depths of the Hessian-at-zero table
hessian_ratios = None    # its weight decays, as multiples of gamma*(D)
hessian_width = None     # hidden width of the nets whose Hessian is computed
tiny_scale = None        # the tiny start of the phase diagram, as a multiple of LeCun (N(0, 1/fan_in))
aniso_d0 = None          # input dimension of the anisotropic task
aniso_n_samples = None   # its training samples
aniso_var_min = None     # its smallest input variance
aniso_var_max = None     # its largest input variance
trained_sigma2 = None    # neuron-noise variance of the noisy nets (the others have none)
unequal_widths = None    # hidden widths of the nets with unequal layers and weight decays
unequal_gammas = None    # their weight decays, W1 .. WD then U
unequal_sigma2 = None    # their neuron-noise variance
var_gamma = None         # weight decay of the width and depth sweeps of the variance
var_sigma2 = None        # noise variance of the width and depth sweeps
var_width = None         # width of the noise and depth sweeps
var_depth = None         # depth of the width sweep
var_noise_depth = None   # depth of the noise sweep
var_noise_gamma = None   # weight decay of the noise sweep
var_vanishing_depths = None  # depths of the variance sweep at the noise sweep's vanishing weight decay
mc_inputs = None         # training inputs of the Monte Carlo variance
mc_max_width = None      # largest width sampled by Monte Carlo
mc_max_noise = None      # largest noise variance sampled by Monte Carlo
mc_max_vanishing_depth = None  # largest depth of the vanishing-decay sweep sampled by Monte Carlo
sgd_depths = None        # depths of the sampled-noise SGD runs
sgd_noises = None        # their noise kinds: gaussian and/or dropout
sgd_sigma2 = None        # their noise variance
sgd_gamma = None         # their weight decay
sgd_batch = None         # their minibatch size
sgd_lr = None            # their learning rate (cosine-decayed)
family_d0 = None         # input dimension of the Fig. 2 task
family_n_samples = None  # its samples
family_width = None      # width of the Fig. 2 nets
family_gamma = None      # their weight decay
family_b_max = None      # the family runs over b in [-b_max, b_max] x b*
family_points = None     # number of values of b
signal_activations = None          # activations of the Fig. 3 nets
signal_compare_activations = None  # activations rerun with the other schedule
signal_shallow_activations = None  # activations of the one-hidden-layer nets of the same experiment
signal_gamma = None      # weight decay of the Fig. 3 nets
signal_d0 = None         # input dimension of the Fig. 3 tasks
signal_n_samples = None  # their samples
signal_width = None      # width of the Fig. 3 nets
signal_batch = None      # their minibatch size
signal_lr = None         # their learning rate
basin_gamma_ratio = None  # weight decay of the basin experiment, as a multiple of gamma*(D)
hysteresis_depths = None  # depths of the warm-started weight-decay sweeps
hysteresis_ratios = None  # their weight decays, as multiples of gamma*(D), swept up and then down
hysteresis_steps = None   # GD steps per stage of the sweeps
hysteresis_kick = None    # noise (x LeCun, N(0, 1/fan_in)) added at every stage of the downward sweep
practical_dataset = None  # images of the weight-decay sweeps: fashion_mnist | digits | mnist (with data_dir)
practical_depths = None   # hidden layers D of the ReLU MLPs of the weight-decay sweeps
practical_width = None    # their hidden width
practical_gammas = None   # their weight decays gamma (loss + gamma sum ||W||^2)
practical_seeds = None    # runs per (D, gamma); seed s starts every gamma from the same weights
practical_steps = None    # SGD steps of each run
practical_batch = None    # their minibatch size
practical_lr = None       # their constant learning rate
data_dir = None           # folder with the idx files (None: Fashion-MNIST from Debian's dataset-fashion-mnist)
plane_depth = None        # hidden layers of the nets of the (noise, gamma) and (signal, gamma) planes
plane_noises = None       # noise variances of the (noise, gamma) plane
plane_signals = None      # signals ||E[xy]|| of the (signal, gamma) plane
plane_gammas = None       # weight decays of both planes
plane_steps = None        # Adam steps on the exact loss of the planes' nets
plane_lr = None           # their learning rate (cosine-decayed)
multi_variances = None    # input variances of the task with several minima
multi_signals = None      # its E[x_k y]
multi_gamma = None        # weight decay of its nets
multi_depth = None        # their hidden layers
multi_scales = None       # their starting scales, as multiples of LeCun
multi_steps = None        # their Adam steps on the exact loss
multi_lr = None           # their learning rate (cosine-decayed)
var_train_steps = None    # Adam steps of the trained nets along the variance sweeps
var_train_lr = None       # their learning rate (cosine-decayed)
var_train_max_width = None  # largest width of the variance sweeps that is trained
var_train_max_noise = None  # largest noise variance that is trained
var_train_max_depth = None  # largest depth that is trained (both depth sweeps)

# %% tags=["remove-output"]
import pandas as pd
from IPython.display import Markdown

import varlib
from varlib.book import plots
from varlib.book.report import downloadable
from varlib.core.data import chapter_dataset
from varlib.deep_linear import LINEAR_DIVERGED_GROWTH
from varlib.deep_linear import display as dd
from varlib.deep_linear import hysteresis as hy
from varlib.deep_linear import multiminima as mm
from varlib.deep_linear import plane_plots as pp
from varlib.deep_linear import planes as pl
from varlib.deep_linear import plots as lp
from varlib.deep_linear import practical as pr
from varlib.deep_linear import prose as dp
from varlib.deep_linear import sgd as ls
from varlib.deep_linear import study as st
from varlib.deep_linear import trained_variance as tv

cfg = varlib.settings_from("deep_linear", globals())  # the parameters above, validated and frozen
rt = varlib.setup(device, seed, threads)
store = varlib.ResultStore(results_dir, profile, rt, executor=executor, ray_address=ray_address,
                           chapter="deep_linear")
plots.set_style()

# %% tags=["remove-cell"]
varlib.glue_all({**cfg.as_dict(), "sgd_dropout_rate": dp.dropout_rate(cfg.sgd_sigma2),
                "diverged_growth": LINEAR_DIVERGED_GROWTH, "collapse_fraction": pr.COLLAPSE_FRACTION,
                "jump_min": pr.JUMP_MIN, "var_converged_tol": tv.CONVERGED_TOL, "multi_match_tol": mm.MATCH_TOL,
                "plane_grad_tol": pl.GRAD_TOL},
               prefix="deep_linear")
varlib.glue_all(dp.l2_decay_exponents(gamma=cfg.signal_gamma, lr=cfg.signal_lr, n=cfg.signal_n_samples,
                                      epochs=cfg.signal_epochs, batch=cfg.signal_batch), prefix="deep_linear")

# %% [markdown]
# The settings and the provenance of this run (device, thread count, versions, commit):

# %%
varlib.run_summary(cfg, rt)

# %% [markdown]
# ## The model and its one-dimensional reduction
#
# A bias-free net with $D$ hidden layers (the depth; $D = 1$ is a two-layer net), widths $d_i$ and a scalar
# output computes $f(x) = \sum U_{i_D}\epsilon^{(D)}_{i_D} W^{(D)}_{i_D i_{D-1}}\cdots\epsilon^{(1)}_{i_1}
# W^{(1)}_{i_1 i}x_i$, where every hidden unit carries independent noise with $\mathbb E\epsilon = 1$,
# $\mathrm{Var}\,\epsilon = \sigma^2$ (inverted dropout with rate $p$ has $\sigma^2 = p/(1-p)$). The loss
# (the paper's Eq. 1) has no factor $1/2$:
#
# $$
# L = \mathbb E_x\mathbb E_\epsilon\,(f(x)-y)^2 + \gamma_u\|U\|^2 + \sum_i \gamma_i \|W^{(i)}\|_F^2 .
# $$ (eq-dl-loss)
#
# In PyTorch terms, `SGD(weight_decay=wd)` is $\gamma = wd/2$; decoupled decay (AdamW) is a different
# objective and is not used. Only $A_0 = \mathbb E[xx^\top]$, $\beta = \mathbb E[xy]$ and $\mathbb E[y^2]$
# enter, and **we always compute them from the very samples the nets train on**.
# With the mean predictor $v = U W^{(D)}\cdots W^{(1)}$, the noise factor $\kappa = \prod_i(1+\sigma^2/d_i)$
# and the geometric-mean decay $\bar\gamma = (\gamma_u\prod_i\gamma_i)^{1/(D+1)}$, Cauchy–Schwarz and AM–GM
# give the global minimum of {eq}`eq-dl-loss` as that of the vector problem
#
# $$
# F(v) = \kappa\, v^\top A_0 v - 2v^\top\beta + \mathbb E[y^2] + (D+1)\,\bar\gamma\,\|v\|^{2/(D+1)},
# $$ (eq-dl-vector)
#
# reached by *homogeneous* layers of equal norm $b$ (rank one, all units of a layer equal up to sign).
# The minimizer is a ridge regression with a self-consistent ridge,
# $v = b^{2D}[\kappa b^{2D}A_0 + \bar\gamma I]^{-1}\beta$, and $b$ minimises the reduced loss
#
# $$
# L(b) = \mathbb E[y^2] - b^{2D}\beta^\top[\kappa b^{2D}A_0+\bar\gamma I]^{-1}\beta + D\bar\gamma b^2 .
# $$ (eq-dl-reduced)
#
# For isotropic data ($A_0 = aI$, $A = \kappa a$, $M = \|\beta\|$) the stationary points solve
# $A b^{2D} - M b^{D-1} + \gamma = 0$. For $D=1$ the minimizer is nonzero iff $\gamma < M$ and shrinks
# continuously; for $D \ge 2$ it jumps to zero at
#
# $$
# \gamma^* = \Big(\tfrac{D-1}{A}\Big)^{\frac{D-1}{D+1}}\Big(\tfrac{M}{D}\Big)^{\frac{2D}{D+1}}, \qquad
# \gamma_{sp} = \tfrac{M(D+1)}{2D}\Big[\tfrac{(D-1)M}{2DA}\Big]^{\frac{D-1}{D+1}},
# $$ (eq-dl-thresholds)
#
# with a jump of $\|v\|$ equal to $(D-1)/D$ of the unregularised $M/A$, and a nonzero *metastable* minimum
# up to the spinodal $\gamma_{sp}$. `varlib.solve_global` solves {eq}`eq-dl-reduced` for any $A_0$ (every
# real root of the stationarity polynomial plus a dense grid, then the best); the thresholds for $A = M = 1$:

# %%
st.threshold_table(cfg.threshold_depths).round(4)

# %% [markdown]
# Our isotropic tasks are exactly isotropic *in sample*: Gaussian inputs are whitened by their own empirical
# covariance and the label noise is projected off the inputs, so $A_0 = I$ and $\|\beta\| = M = 1$ hold for the
# training set itself ($y = x_1 + \epsilon$, with Gaussian label noise $\epsilon$ of standard deviation
# {glue:text}`deep_linear-label-noise`).

# %%
x, y, iso = st.isotropic_task(d0=cfg.d0, n=cfg.n_samples, noise=cfg.label_noise, seed=rt.seed)
dd.metrics_table(st.isotropy_check(iso), digits=6)

# %% [markdown]
# ## The landscape along the reduction
#
# {numref}`fig-deep_linear-landscape` draws {eq}`eq-dl-reduced` for $D$ = {glue:text}`deep_linear-landscape-depths`
# at several $\gamma/\gamma^*$. One hidden layer has a single minimum that slides continuously to $b=0$ as
# $\gamma \to \gamma^* = M$; for $D \ge 2$ the origin is always a local minimum, separated by a barrier from a
# nonzero minimum, which loses to zero at $\gamma^*$ and disappears at $\gamma_{sp}$.

# %% mystnb={"figure": {"caption": "Reduced loss $L(b) - \\mathbb E[y^2]$ along the common layer scale $b$ for the depths `landscape_depths` (A = M = 1), at weight decays given as multiples of the critical $\\gamma^*(D)$ (`landscape_ratios`). Below zero: better than the zero solution.", "name": "fig-deep_linear-landscape"}}
land = st.landscape_table(iso, depths=cfg.landscape_depths, gamma_ratios=cfg.landscape_ratios)
fig = lp.reduced_loss_panels(downloadable("landscape", land))

# %% [markdown]
# The Hessian of the full loss at zero weights (computed by autograd, width {glue:text}`deep_linear-hessian-width`)
# is the check: by the theory, for $D = 1$ the origin is a saddle below $\gamma^*$ (negative eigenvalue), and for
# $D \ge 2$ the Hessian is exactly $2\gamma I$, positive definite for every $\gamma > 0$. The table
# {glue:text}`deep_linear-hessian-agrees`.

# %%
hess = st.hessian_table(iso, depths=cfg.hessian_depths, gamma_ratios=cfg.hessian_ratios, width=cfg.hessian_width)
hessian_ok = st.hessian_check(hess)
varlib.glue_all(dp.hessian_prose(hessian_ok), prefix="deep_linear")
hess.round(4)

# %% [markdown]
# (deep-linear-phase)=
# ## Phase diagram over $(\gamma, D)$
#
# We train width-`width` nets (here {glue:text}`deep_linear-width`) by full-batch gradient descent on the exact
# loss (float64, cosine-decayed learning rate `lr` = {glue:text}`deep_linear-lr`, `steps` =
# {glue:text}`deep_linear-steps` steps) from two starts: LeCun's ($W \sim \mathcal N(0, 1/\text{fan-in})$, He's
# scale without its $\sqrt 2$) and a tiny one ({glue:text}`deep_linear-tiny-scale` $\times$ LeCun).
# Each run is classified as *global* (loss within
# $10^{-4}$ of the exact $L^*$), *zero* (stuck at the origin although $L^* < \mathbb E[y^2]$), *metastable*
# (nonzero, loss above $\mathbb E[y^2]$) or *other*.

# %%
grid = [{"depths": [D]} for D in cfg.phase_depths]  # stored per depth
phase = st.concat_tables(store.map(
    st.phase_table, grid, desc="phase", task=iso, gamma_ratios=cfg.gamma_ratios, seeds=cfg.seeds,
    inits={"tiny": cfg.tiny_scale, "kaiming": 1.0}, width=cfg.width, steps=cfg.steps, lr=cfg.lr, device=rt.device))
pm = st.phase_metrics(phase, Ey2=iso.Ey2)
varlib.glue_all({k: pm[k] for k in ("tiny_zero_frac", "d1_global_frac", "meta_frac")}, prefix="deep_linear")
phase.pivot_table(index=["depth", "init_name"], columns="gamma_ratio", values="outcome", aggfunc="first")

# %% mystnb={"figure": {"caption": "Left: norm of the end-to-end predictor against $\\gamma/\\gamma^*(D)$; lines are the exact global minimum, markers trained nets (crosses LeCun starts, circles tiny ones; circles at $\\|v\\| = 0$ below $\\gamma^*$ are $D \\ge 2$ tiny starts stuck at the origin). Right: the $(D,\\gamma)$ plane with the critical $\\gamma^*$ and the spinodal $\\gamma_{sp}$; each marker is a run, coloured by where it ended.", "name": "fig-deep_linear-phase"}}
fig = lp.phase_diagram(downloadable("phase", phase), task=iso, width=cfg.width,
                       depths_theory=range(1, max(cfg.phase_depths) + 1))

# %% [markdown]
# {numref}`fig-deep_linear-phase` shows the two transitions of the theory: the $D = 1$ curve reaches zero
# continuously, the deeper ones jump by $(D-1)/D$ (trained $\|v\|$ just below $\gamma^*$, against the theory):

# %%
pd.DataFrame(pm["jump"], index=["trained", "theory (D−1)/D"]).T.rename_axis("D").round(3)

# %% [markdown]
# Below $\gamma^*$, {glue:text}`deep_linear-tiny-zero-frac:.0%` of the tiny starts of $D \ge 2$ nets stay at zero,
# even where the global minimum is far away. Any start this small must: near zero the data term of a $D \ge 2$
# net is of order $\|W\|^{D+1}$ and the penalty of order $\|W\|^2$, so this shows that zero has a basin, not how
# large it is, and the scorecard grades the bad-minimum row on the Hessian at zero alone
# ({ref}`deep-linear-metastable` measures the basin). Meanwhile {glue:text}`deep_linear-d1-global-frac:.0%` of
# the $D = 1$ runs reach the global minimum, from either start. Of the LeCun starts between $\gamma^*$ and
# $\gamma_{sp}$, {glue:text}`deep_linear-meta-frac:.0%` end on the metastable branch ({ref}`deep-linear-metastable`).
#
# ### The transition by training: a hysteresis loop
#
# A jump in the global minimum is a statement about the landscape; a first-order transition also shows in
# training as hysteresis. We sweep $\gamma$ slowly over `hysteresis_ratios` $\times\,\gamma^*(D)$ on the isotropic
# task, {glue:text}`deep_linear-hysteresis-steps` GD steps per stage, each stage started from the weights the
# previous one ended with: **upward** from a LeCun start, then **downward** from where the upward sweep ended,
# with a kick of {glue:text}`deep_linear-hysteresis-kick:g` $\times$ LeCun noise added at every stage. For
# $D \ge 2$ the theory predicts a loop: going up, the net follows the nonzero branch past $\gamma^*$ and drops to
# zero only where that branch ends, at $\gamma_{sp}$; going down, zero is a local minimum at every $\gamma$, so
# the kick decays and the net stays at zero. On the upward branch the loss crosses $\mathbb E[y^2]$, the loss of
# the zero net, exactly at $\gamma^*$. For $D = 1$ zero is a saddle below $\gamma^*$: the kick grows there and
# the two sweeps agree (no loop).

# %%
hyst = store.call(hy.hysteresis_table, task=iso, depths=cfg.hysteresis_depths, gamma_ratios=cfg.hysteresis_ratios,
                  seeds=cfg.seeds, width=cfg.width, steps=cfg.hysteresis_steps, lr=cfg.lr, kick=cfg.hysteresis_kick,
                  seed=rt.seed, device=rt.device)
hm = hy.hysteresis_metrics(hyst)
varlib.glue_all(dp.hysteresis_prose(hm), prefix="deep_linear")
pd.DataFrame(hm).T.drop(columns="diverged").round(3)

# %% mystnb={"figure": {"caption": "Warm-started sweeps of the weight decay on the isotropic task: trained $\\|v\\|$ against $\\gamma/\\gamma^*(D)$, upward from a LeCun start (solid) and downward from the collapsed net with a small kick at every stage (dashed), one colour per depth. Grey: $\\gamma^*$; dotted: each depth's spinodal $\\gamma_{sp}$, where the nonzero branch ends.", "name": "fig-deep_linear-hysteresis"}}
fig = lp.hysteresis_panel(downloadable("hysteresis", hyst))

# %% [markdown]
# {numref}`fig-deep_linear-hysteresis`: {glue:text}`deep_linear-hysteresis-words` The scorecard's hysteresis row
# asks, for every $D \ge 2$, the crossing within {glue:text}`deep_linear-hysteresis-crossing-tol:.0%` of
# $\gamma^*$, every upward run off zero inside the metastable window and at zero from
# {glue:text}`deep_linear-hysteresis-margin:.0%` past $\gamma_{sp}$ on (just past it the descent slows down without
# bound), and for $D = 1$ a kicked downward stage below $\gamma^*$ that grows at least tenfold. That the
# downward sweep of $D \ge 2$ stays at zero is shown, not graded: a kick this small decays whatever the landscape
# further out (the basin experiment below measures how far out).

# %% [markdown]
# ### Noise and signal move the transition
#
# Neuron noise enters the loss only through the factor $\kappa = \prod_i(1 + \sigma^2/d_i)$, which multiplies
# $A$ in {eq}`eq-dl-thresholds`, and the data through $M = \|\mathbb E[xy]\|$: noise lowers $\gamma^*$ and
# $\gamma_{sp}$ as $\kappa^{-(D-1)/(D+1)}$, a stronger signal raises them as $M^{2D/(D+1)}$. We train
# $D$ = {glue:text}`deep_linear-plane-depth` nets of width {glue:text}`deep_linear-width` from LeCun starts
# ({glue:text}`deep_linear-plane-steps` Adam steps on the exact loss, learning rate
# {glue:text}`deep_linear-plane-lr`, cosine-decayed) at every weight decay of `plane_gammas` and every noise
# variance of `plane_noises` (on the isotropic task, $M = 1$), and again at every signal of `plane_signals`
# (isotropic tasks $y = Mx_1 + \epsilon$, no neuron noise), {glue:text}`deep_linear-seeds` runs per point.
# The theory allows a run below $\gamma^*$ to end at the global minimum or, trapped, at zero; between $\gamma^*$
# and $\gamma_{sp}$ on the metastable branch or at zero; and from
# {glue:text}`deep_linear-hysteresis-margin:.0%` past $\gamma_{sp}$ on only at zero. A nonzero run has *settled*
# when the gradient norm of its loss is at most {glue:text}`deep_linear-plane-grad-tol:.0e`; one still moving is
# counted and is no evidence either way. A settled run at any other stationary point (a nonzero one where the
# theory has none, or one whose norm is not the branch's) refutes the lines.

# %%
planes = dict(zip(pl.PLANES, store.map(
    pl.plane_table, [{"plane": "noise", "values": cfg.plane_noises}, {"plane": "signal", "values": cfg.plane_signals}],
    desc="planes", gammas=cfg.plane_gammas, depth=cfg.plane_depth, width=cfg.width, seeds=cfg.seeds,
    steps=cfg.plane_steps, lr=cfg.plane_lr, d0=cfg.d0, n=cfg.n_samples, label_noise=cfg.label_noise, seed=rt.seed,
    device=rt.device)))
plane_m = {k: pl.plane_metrics(df) for k, df in planes.items()}
varlib.glue_all(pl.plane_prose(plane_m), prefix="deep_linear")
pd.DataFrame({k: m["endings"] for k, m in plane_m.items()}).rename_axis("theory's region")

# %% mystnb={"figure": {"caption": "The transition of $D$ = `plane_depth` nets in two planes: the weight decay against the noise factor $\\kappa = (1 + \\sigma^2/d)^D$ (left, isotropic task with $M = 1$) and against the signal $M = \\|\\mathbb E[xy]\\|$ (right, no neuron noise). Solid: $\\gamma^*$, where the global minimum jumps to zero; dashed: $\\gamma_{sp}$, where the nonzero branch ends. Each marker is a trained run, coloured by where it ended; the runs of one point are spread sideways a little.", "name": "fig-deep_linear-planes"}}
downloadable("planes", pd.concat(planes.values(), ignore_index=True))
fig = pp.plane_panels(planes, depth=cfg.plane_depth)

# %% [markdown]
# {numref}`fig-deep_linear-planes`: {glue:text}`deep_linear-plane-words`

# %% [markdown]
# ## Theory against trained nets
#
# Anisotropic data ($d_0$ = {glue:text}`deep_linear-aniso-d0`, input variances spread evenly from
# {glue:text}`deep_linear-aniso-var-min` to {glue:text}`deep_linear-aniso-var-max`, $y = w^\top x + \epsilon$
# with $w = (1, \dots, 1)/\sqrt{d_0}$ and label noise of standard deviation {glue:text}`deep_linear-label-noise`,
# {glue:text}`deep_linear-aniso-n-samples` samples), nets without neuron noise and with Gaussian neuron noise of
# variance $\sigma^2$ = {glue:text}`deep_linear-trained-sigma2` (trained on the exact noise-marginalised loss,
# which propagates second moments layer by layer), LeCun starts, GD as above. The comparison is made only where
# $\gamma$ is below the critical value of that net (computed for this $A_0$ and $\kappa$), as LeCun starts
# above it may stop on the metastable branch.

# %%
xa, ya, aniso = st.anisotropic_task(d0=cfg.aniso_d0, n=cfg.aniso_n_samples, var_min=cfg.aniso_var_min,
                                    var_max=cfg.aniso_var_max, noise=cfg.label_noise, seed=rt.seed)
gd = {"task": aniso, "seeds": cfg.seeds, "steps": cfg.steps, "lr": cfg.lr, "device": rt.device}
tr = store.call(st.trained_table, depths=cfg.trained_depths, sigma2=cfg.trained_sigma2, gammas=cfg.trained_gammas,
                width=cfg.width, **gd)
unequal = store.call(st.unequal_table, widths=cfg.unequal_widths, gammas=cfg.unequal_gammas,
                     sigma2=cfg.unequal_sigma2, **gd)
tm = st.trained_metrics(tr, unequal=unequal)
varlib.glue_all(tm, prefix="deep_linear")
tr.groupby(["depth", "sigma2", "gamma_bar"])[["below", "loss", "loss_star", "rel_v_err", "b_dev", "unit_spread"]].max()

# %% mystnb={"figure": {"caption": "How far trained nets end from the exact solution, against $\\gamma$, for each depth and noise level (every seed a marker; log scale, values below $10^{-16}$ drawn there): the loss gap $|L - L^*|$ (left) and the largest deviation of a layer norm from the balanced $b^*$ (right). Dashed: the tolerances of the scorecard's closed-form row, which grades the runs below their net's critical $\\gamma$; past it the exact solution is zero, and a LeCun start may sit on the metastable branch instead, far above the tolerance.", "name": "fig-deep_linear-trained"}}
fig = lp.trained_vs_theory(downloadable("trained", tr))

# %% [markdown]
# {numref}`fig-deep_linear-trained`: below the threshold the trained losses are within
# {glue:text}`deep_linear-c1-loss-err:.1e` of the exact minimum $L^*$ and every layer norm is within
# {glue:text}`deep_linear-c1-b-dev:.1e` of $b^*$ (Thm. 4). With unequal weight decays
# ({glue:text}`deep_linear-unequal-gammas`) and unequal widths ({glue:text}`deep_linear-unequal-widths`), noise
# variance {glue:text}`deep_linear-unequal-sigma2`, only $\bar\gamma$ enters: the loss is within
# {glue:text}`deep_linear-c7-loss-err:.1e` of the exact minimum and each layer carries
# $\gamma_l\|W_l\|^2 = \bar\gamma b^2$ to within {glue:text}`deep_linear-c7-b-dev:.1e`. With noise the hidden
# units' norms agree to a coefficient of variation of {glue:text}`deep_linear-c8-spread:.1e` (the
# `unit_spread` column).

# %%
dd.metrics_table(tm)

# %% [markdown]
# ### Anisotropic data: several local minima
#
# The reduction of {eq}`eq-dl-reduced` holds for any $A_0$; along an eigenvector of variance $a_k$ the data
# term gains a step of height $\beta_k^2/(\kappa a_k)$ that switches on near $b^{2D} \approx \gamma/(\kappa a_k)$.
# A direction of small variance and large gain switches on at a larger $b$, so for $D \ge 2$ the reduced loss can
# have a second nonzero minimum. Our task has two inputs of variances {glue:text}`deep_linear-multi-variances`
# and $\mathbb E[x_k y]$ = {glue:text}`deep_linear-multi-signals` (population statistics, label noise as above);
# $D$ = {glue:text}`deep_linear-multi-depth`, width {glue:text}`deep_linear-width`, $\gamma$ =
# {glue:text}`deep_linear-multi-gamma`. Is a local minimum of $L(b)$ also one of the network, or a saddle that
# training leaves? We train nets from LeCun starts scaled by `multi_scales`
# ({glue:text}`deep_linear-multi-scales`), {glue:text}`deep_linear-seeds` each, by Adam on the exact loss
# ({glue:text}`deep_linear-multi-steps` steps), and match each run to the stationary point whose predictor norm
# and loss it ended at (within {glue:text}`deep_linear-multi-match-tol:.1%`).

# %%
multi_task = mm.two_scale_task(variances=cfg.multi_variances, signals=cfg.multi_signals, label_noise=cfg.label_noise)
points = mm.minima_table(multi_task, depth=cfg.multi_depth, width=cfg.width, gamma=cfg.multi_gamma)
multi = store.call(mm.multi_minima_table, task=multi_task, depth=cfg.multi_depth, width=cfg.width,
                   gamma=cfg.multi_gamma, scales=cfg.multi_scales, seeds=cfg.seeds, steps=cfg.multi_steps,
                   lr=cfg.multi_lr, seed=rt.seed, device=rt.device)
multi_m = mm.multi_minima_metrics(multi, points)
varlib.glue_all(mm.multi_minima_prose(multi_m), prefix="deep_linear")
points.assign(loss=points.loss - multi_task.Ey2).rename(columns={"loss": "L(b) − E[y²]"}).round(4)

# %% mystnb={"figure": {"caption": "The anisotropic task with several minima. Left: its reduced loss $L(b) - \\mathbb E[y^2]$, with the stationary points the solver finds (filled: minima, open: maxima). Right: the norm of each trained net's predictor against its starting scale (crosses; $10^{-3}$ stands for zero), with the minima's norms dashed.", "name": "fig-deep_linear-multi-minima"}}
fig = pp.multi_minima_panel(downloadable("multi-minima", multi), points, task=multi_task, depth=cfg.multi_depth,
                            width=cfg.width, gamma=cfg.multi_gamma)

# %% [markdown]
# {numref}`fig-deep_linear-multi-minima`: {glue:text}`deep_linear-multi-words` Where each start ended:

# %%
multi_m["counts"]

# %% [markdown]
# ## Stochastic nets: the prediction variance
#
# At the homogeneous optimum $f(x) = v^{*\top}x\prod_i S_i/d_i$ with $S_i$ the sum of a layer's noises, so
#
# $$
# \mathrm{Var}_\epsilon f(x) = (\kappa - 1)(v^{*\top}x)^2, \qquad
# \mathbb E_x\mathrm{Var}_\epsilon f = (\kappa-1)\,v^{*\top}A_0v^* .
# $$ (eq-dl-variance)
#
# {numref}`fig-deep_linear-variance` sweeps width ($D$ = {glue:text}`deep_linear-var-depth`, $\sigma^2$ =
# {glue:text}`deep_linear-var-sigma2`, $\gamma$ = {glue:text}`deep_linear-var-gamma`), noise ($D$ =
# {glue:text}`deep_linear-var-noise-depth`, $d$ = {glue:text}`deep_linear-var-width`, $\gamma$ =
# {glue:text}`deep_linear-var-noise-gamma`) and depth ($d$ = {glue:text}`deep_linear-var-width`, $\sigma^2$ =
# {glue:text}`deep_linear-var-sigma2`, $\gamma$ = {glue:text}`deep_linear-var-gamma`) on the isotropic task, and depth
# once more at the noise sweep's vanishing $\gamma$ ({glue:text}`deep_linear-var-noise-gamma`), over
# `var_vanishing_depths`: there no collapse to zero intervenes, and the noise factor $\kappa$, compounding over the
# layers, drives the variance to zero by itself. The
# markers are Monte Carlo estimates with sampled Gaussian and dropout noise at the solver's weights (random
# signs), on {glue:text}`deep_linear-mc-inputs` training inputs; we sample only up to width
# {glue:text}`deep_linear-mc-max-width`, $\sigma^2 \le$ {glue:text}`deep_linear-mc-max-noise` and, at the vanishing
# decay, depth $\le$ {glue:text}`deep_linear-mc-max-vanishing-depth`, to bound memory and the heavy tails of
# high-rate dropout and of a product of many noisy layers (a sample variance from a few thousand draws of such a
# product is off by tens of percent).

# %%
sweeps = st.variance_sweeps(widths=cfg.var_widths, noises=cfg.var_noises, depths=cfg.var_depths,
                            depth=cfg.var_depth, width=cfg.var_width, sigma2=cfg.var_sigma2, gamma=cfg.var_gamma,
                            noise_depth=cfg.var_noise_depth, noise_gamma=cfg.var_noise_gamma,
                            noise_depths=cfg.var_vanishing_depths)
var = st.variance_table(iso, sweeps=sweeps)
mc = store.call(st.variance_mc_table, x=x[:cfg.mc_inputs], task=iso, n_samples=cfg.mc_samples, seed=rt.seed,
                sweeps=st.cap_sweeps(sweeps, limits={"width": cfg.mc_max_width, "noise": cfg.mc_max_noise,
                                                     "depth_noise": cfg.mc_max_vanishing_depth}),
                device=rt.device)
var.pivot_table(index="value", columns="sweep", values="variance")

# %% [markdown]
# The formula is for the global minimum; do trained nets have that variance? At every point of the sweeps up to
# width {glue:text}`deep_linear-var-train-max-width`, noise variance {glue:text}`deep_linear-var-train-max-noise`
# and depth {glue:text}`deep_linear-var-train-max-depth` we train {glue:text}`deep_linear-seeds` nets from LeCun
# starts by Adam on the exact loss ({glue:text}`deep_linear-var-train-steps` steps, learning rate
# {glue:text}`deep_linear-var-train-lr`, cosine-decayed) and compute their own prediction variance exactly, by the
# same second-moment propagation as the loss. Only the runs whose loss is within
# {glue:text}`deep_linear-var-converged-tol:.1%` of $L^*$ are compared with the formula; a run that ended at zero
# although $v^* \ne 0$ is *trapped* (zero's basin, below), and any other is *unsettled*. The runs per ending:

# %%
trained_var = store.call(
    tv.trained_variance_table, task=iso, seeds=cfg.seeds, steps=cfg.var_train_steps, lr=cfg.var_train_lr,
    sweeps=st.cap_sweeps(sweeps, limits={"width": cfg.var_train_max_width, "noise": cfg.var_train_max_noise,
                                         "depth": cfg.var_train_max_depth, "depth_noise": cfg.var_train_max_depth}),
    seed=rt.seed, device=rt.device)
tv.coverage_table(trained_var)

# %% mystnb={"figure": {"caption": "Average prediction variance of stochastic nets against width, noise variance, depth, and depth at a vanishing weight decay: closed form at the global minimum over the training set (lines); Monte Carlo with Gaussian and dropout noise at the optimal weights on the first `mc_inputs` training inputs (markers, multiplied by the closed form's ratio of training set to those inputs); the exact variance of trained nets that converged (black crosses). For $\\gamma > 0$ and $D \\ge 2$ the variance is exactly zero once the net has collapsed.", "name": "fig-deep_linear-variance"}}
downloadable("variance-trained", trained_var), downloadable("variance-monte-carlo", mc)
fig = lp.variance_panels(downloadable("variance", var), mc=mc, trained=trained_var)

# %% tags=["remove-cell"]
varlib.glue_all(dp.variance_collapse(var), prefix="deep_linear")

# %% [markdown]
# {glue:text}`deep_linear-variance-collapse`

# %% [markdown]
# Sampled-noise training (and the variance of nets trained that way): minibatch SGD (batch
# {glue:text}`deep_linear-sgd-batch`, learning rate {glue:text}`deep_linear-sgd-lr`, cosine decay,
# {glue:text}`deep_linear-sgd-epochs` epochs, explicit L2) with {glue:text}`deep_linear-sgd-noises` noise
# ($\sigma^2$ = {glue:text}`deep_linear-sgd-sigma2`, i.e. dropout rate $p$ = {glue:text}`deep_linear-sgd-dropout-rate`),
# from LeCun starts, for $D$ = {glue:text}`deep_linear-sgd-depths` on the anisotropic task with $\gamma$ =
# {glue:text}`deep_linear-sgd-gamma`. We report the exact loss of the trained weights against $L^*$ and the Monte
# Carlo variance against {eq}`eq-dl-variance` evaluated at the trained $v$.

# %%
sgd = store.call(st.sgd_table, x=xa, y=ya, depths=cfg.sgd_depths, noises=cfg.sgd_noises, sigma2=cfg.sgd_sigma2,
                 gamma=cfg.sgd_gamma, seeds=cfg.seeds, width=cfg.width, epochs=cfg.sgd_epochs, batch=cfg.sgd_batch,
                 lr=cfg.sgd_lr, n_mc=cfg.mc_samples, seed=rt.seed, device=rt.device)
sgd.groupby(["depth", "noise"])[["rel_loss_err", "mc_variance", "theory_variance", "rel_var_err"]].mean()

# %%
variance = st.variance_metrics(var, mc=mc, sgd=sgd, trained=trained_var)
varlib.glue_all(tv.trained_variance_prose(variance["trained"]), prefix="deep_linear")
dd.metrics_table({k: variance[k] for k in ("mc_err", "trained_err", "width_ratio", "noise_ratio", "depth_ratio")})

# %% [markdown]
# The trained nets: {glue:text}`deep_linear-var-trained-words`

# %% [markdown]
# ## Beyond linear
#
# **The paper's Fig. 2.** The $D = 1$ solution as a function of $b$ (width {glue:text}`deep_linear-family-width`,
# signs all $+1$, $\gamma$ = {glue:text}`deep_linear-family-gamma`, task $y = x_1 + \epsilon$ in $d_0$ =
# {glue:text}`deep_linear-family-d0` with {glue:text}`deep_linear-family-n-samples` samples) is plugged into nets
# with ReLU, tanh and Swish units; $b < 0$ flips $U$. We compare each with the linear net with the activation's
# slope at zero, $\phi'(0) = 1$ for tanh, $1/2$ for Swish, and the Gaussian-average slope $1/2$ for ReLU.

# %%
fam, b_star = st.family_study(d0=cfg.family_d0, n=cfg.family_n_samples, width=cfg.family_width,
                              gamma=cfg.family_gamma, b_max=cfg.family_b_max, points=cfg.family_points,
                              noise=cfg.label_noise, seed=rt.seed)
fam_err = st.family_metrics(fam, b_star=b_star)
varlib.glue_all(dp.family_prose(fam_err), prefix="deep_linear")
dd.metrics_table(fam_err)

# %% mystnb={"figure": {"caption": "Training loss of D = 1 nets along the one-parameter family of exact solutions, against $b/b^*$: linear, ReLU, tanh and Swish units (solid). Black dotted: the linear net with slope 1/2, the slope at zero of ReLU and Swish; it nearly coincides with the Swish curve over the whole range. Tanh's slope at zero is 1, so its linearised curve is the linear net's own (blue). Near $b = 0$ each nonlinear curve lies on its linearised one.", "name": "fig-deep_linear-family"}}
fig = lp.family_panel(downloadable("family", fam), b_star=b_star)

# %% [markdown]
# {numref}`fig-deep_linear-family`: within $|b| \le b^*/4$ every nonlinear curve
# {glue:text}`deep_linear-family-follows` its linear counterpart (the largest deviation is
# {glue:text}`deep_linear-family-dev:.1%` of the loss change there); tanh is the linear net to leading order,
# while ReLU and Swish see half the signal and so sit on a flatter linear curve. Farther out the curves part
# (ReLU's second moment is halved, not quartered).
#
# **The paper's Fig. 3 (right).** $D = 2$ nets of width {glue:text}`deep_linear-signal-width` (PyTorch's default
# initialisation, no biases) trained by minibatch SGD (batch {glue:text}`deep_linear-signal-batch`, learning rate
# {glue:text}`deep_linear-signal-lr`, {glue:text}`deep_linear-signal-epochs` epochs, explicit L2 with $\gamma$ =
# {glue:text}`deep_linear-signal-gamma`) on tasks $y = Mx_1 + \epsilon$ ($d_0$ = {glue:text}`deep_linear-signal-d0`,
# {glue:text}`deep_linear-signal-n-samples` samples) of decreasing signal $M$. The paper does not give its optimiser
# settings. The learning rate follows `signal_schedule` (here {glue:text}`deep_linear-signal-schedule`; by default
# constant, under which weight decay alone pulls a net twice as far towards zero in the same epochs as under a
# cosine decay, see below). We repeat the linear nets with the other schedule
# ({glue:text}`deep_linear-compare-schedule`) to show how much the verdict depends on it. The linear theory predicts
# collapse below $M_c = 2\gamma^{3/4} \approx$ {glue:text}`deep_linear-signal-mc:.3f`, where the nonzero branch
# has $\|v\| = M/2$; we mark each activation's signal where the output std reaches half of $\|\mathbb E[xy]\|$.
# Below the spinodal signal $M_{sp} = 4(\gamma/3)^{3/4} \approx$ {glue:text}`deep_linear-signal-msp:.3f` zero is
# the theory's only stationary point, so there we also measure how far the trained output is from zero: the
# scorecard counts the collapse as reproduced only if linear and tanh nets keep at most
# {glue:text}`deep_linear-signal-below-tol:.0%` of $\|\mathbb E[xy]\|$ below $M_{sp}$, match $\|v^*\|$ within
# {glue:text}`deep_linear-signal-above-tol:.0%` above $M_c$, cross one half within a factor
# {glue:text}`deep_linear-signal-half-factor` of $M_c$, and ReLU crosses later.
#
# How fast does weight decay pull a net towards zero? Near the origin the data term of a $D = 2$ net's loss is
# cubic in the weights (its gradient quadratic), while explicit L2's gradient is linear: it shrinks every weight
# by $1 - 2\gamma\eta_t$ per step. Weight decay alone would therefore scale the output by
# $\prod_t (1 - 2\gamma\eta_t)^3 \approx e^{-x}$ with $x = 6\gamma\sum_t \eta_t$: $x \approx$
# {glue:text}`deep_linear-decay-constant:.1f` for the constant rate over {glue:text}`deep_linear-signal-epochs`
# epochs ({glue:text}`deep_linear-decay-steps` steps), but only $x \approx$ {glue:text}`deep_linear-decay-cosine:.1f`
# for the cosine schedule, whose steps sum to half as much. We record that level for every net (`decay_std`).

# %%
runs = [{"activations": cfg.signal_activations, "schedule": cfg.signal_schedule},
        {"activations": cfg.signal_compare_activations, "schedule": ls.other_schedule(cfg.signal_schedule)},
        {"activations": cfg.signal_shallow_activations, "schedule": cfg.signal_schedule, "depth": 1}]
sig, sig_alt, sig_d1 = store.map(
    st.signal_table, runs, desc="signal", signals=cfg.signal_values, gamma=cfg.signal_gamma, d0=cfg.signal_d0,
    n=cfg.signal_n_samples, width=cfg.signal_width, seeds=cfg.seeds, epochs=cfg.signal_epochs, batch=cfg.signal_batch,
    lr=cfg.signal_lr, noise=cfg.label_noise, seed=rt.seed, device=rt.device)
sm = st.signal_metrics(sig, gamma=cfg.signal_gamma, compare=sig_alt)
sm1 = st.shallow_signal_metrics(sig_d1, gamma=cfg.signal_gamma)
varlib.glue_all({"shallow_kept": sm1["kept"], "shallow_err": sm1["theory_err"]}, prefix="deep_linear")
varlib.glue_all(dp.signal_prose(sig, sig_alt, metrics=sm, gamma=cfg.signal_gamma), prefix="deep_linear")
dd.metrics_table(sm)

# %% mystnb={"figure": {"caption": "Output standard deviation of trained D = 2 nets (width `signal_width`, SGD, $\\gamma$ = `signal_gamma`) against the signal $\\|\\mathbb E[xy]\\|$ of the task, for linear, tanh and ReLU units (band: range over seeds) trained with the `signal_schedule` learning rate, and linear nets trained with the other schedule (grey squares); triangles: nets with one hidden layer (D = 1, `signal_shallow_activations`), thin black dashed: their linear theory; black: the exact linear global minimum of D = 2; dashed: the linear critical signal $M_c$; dash-dotted: the spinodal signal $M_{sp}$; dotted: where weight decay alone would bring a linear net's output, for each schedule (ReLU nets start smaller, so their own level is lower). The y axis is logarithmic above $10^{-4}$ and linear below it, so that the theory's zero can be drawn.", "name": "fig-deep_linear-signal"}}
fig = lp.signal_panel(downloadable("signal", sig), M_c=sm["M_c"], compare=sig_alt, M_sp=sm["M_sp"], shallow=sig_d1)

# %% [markdown]
# Below $M_{sp}$, for the linear nets and both schedules: the trained output std, the fraction of the signal it
# keeps, and the weight-decay-alone level. At these weak signals the output is mostly what is left of the random
# function the net started with, not a learned nonzero solution: "kept" measures how far the collapse has got.

# %%
st.signal_collapse_table([sig, sig_alt], gamma=cfg.signal_gamma)

# %% [markdown]
# {numref}`fig-deep_linear-signal`: above $M_c$ linear and tanh nets {glue:text}`deep_linear-signal-above-words`
# the theory's $\|v^*\|$ (largest deviation {glue:text}`deep_linear-signal-above:.0%`), and ReLU nets, which see
# about half the signal, {glue:text}`deep_linear-signal-relu-order`: they reach one half at
# {glue:text}`deep_linear-signal-half-relu:.3f`, against {glue:text}`deep_linear-signal-half-linear:.3f` for linear
# and {glue:text}`deep_linear-signal-half-tanh:.3f` for tanh nets, {glue:text}`deep_linear-signal-half-near`
# $M_c$.
#
# Below the threshold the table compares the two schedules. With the {glue:text}`deep_linear-signal-schedule` rate,
# linear and tanh nets {glue:text}`deep_linear-signal-collapse`, which puts the scorecard's Fig. 3 row at
# *{glue:text}`deep_linear-signal-verdict`*. Just below $M_{sp}$ the nonzero minimum has only just vanished, the
# landscape is nearly flat where it was, and the descent slows down; whether more epochs (`signal_epochs`) take the
# output further down is a question a run of this length does not answer. With the
# {glue:text}`deep_linear-compare-schedule` schedule the linear nets keep {glue:text}`deep_linear-compare-kept` of
# the signal. At the weakest signal their output std {glue:text}`deep_linear-compare-weakest`.
# {glue:text}`deep_linear-signal-near`. ReLU nets, run with the {glue:text}`deep_linear-signal-schedule` rate only,
# {glue:text}`deep_linear-signal-relu-closer` (at most {glue:text}`deep_linear-signal-below-relu:.0%` of the signal
# below $M_{sp}$). Between $M_{sp}$ and $M_c$ trained nets may legitimately sit on the metastable branch.
#
# The contrast is the point of the figure: nets with one hidden layer have no bad minimum, and their transition
# is continuous, at $\|\mathbb E[xy]\| = \gamma$. Trained the same way, the linear $D = 1$ nets keep at least
# {glue:text}`deep_linear-shallow-kept:.0%` of the signal at every signal between $2\gamma$ and $M_{sp}$, where
# the $D = 2$ nets must collapse, and follow their own theory there within
# {glue:text}`deep_linear-shallow-err:.1%`: a depth of one is not trapped.
#
# ## Weight decay on real images
#
# The paper's Fig. 1 (right) trains ResNet18 on CIFAR-10 at a range of weight decays and finds an abrupt
# collapse to the trivial solution, whose onset depends on the network's (effective) depth. Our CPU-sized
# stand-in keeps what the theory needs, bias-free layers and the penalty $\gamma \sum_l \|W_l\|^2$ of Eq. 1, and
# puts a ReLU between the layers: multi-layer perceptrons with $D$ hidden layers of width
# {glue:text}`deep_linear-practical-width`, trained on images with cross-entropy over the classes, as the paper's
# ResNet, by plain minibatch SGD (constant rate {glue:text}`deep_linear-practical-lr`, batch
# {glue:text}`deep_linear-practical-batch`, {glue:text}`deep_linear-practical-steps` steps) from PyTorch's default
# initialisation, {glue:text}`deep_linear-practical-seeds` runs per $(D, \gamma)$. Run $s$ starts every $\gamma$
# from the same weights, so the sweep over $\gamma$ is a paired comparison. All nets of one depth train at once,
# as one stacked ensemble.
#
# The theory predicts (for linear nets; that it carries over is the point of the test) that for $D = 1$ the
# output shrinks continuously to zero as $\gamma$ grows, while for $D \ge 2$ zero is a local minimum at every
# $\gamma$ and the trained net drops to it from a finite output, at a weight decay that falls with depth
# ({eq}`eq-dl-thresholds` and the table of $\gamma^*(D)$ above). A net has **collapsed** when the
# root mean square of its logits over the test images has fallen below
# {glue:text}`deep_linear-collapse-fraction:.0%` of its value at initialisation (every class then gets nearly the
# same probability, $1/K$; relative, because the default initialisation gives deeper nets smaller logits to begin
# with); its **collapse strength** $\gamma_c$ is the smallest
# $\gamma$ of the grid from which every larger one collapsed, known only up to the grid's spacing.
#
# The images: Fashion-MNIST {cite:p}`xiao2017fashion` from Debian's `dataset-fashion-mnist` package (standardised
# with its own pixel mean and standard deviation) on the default profile, scikit-learn's digits on `smoke`.
# Neither is the paper's data set, and an MLP is not a ResNet: the rows below test the paper's qualitative claim,
# not its numbers. This run:

# %%
data, data_note = chapter_dataset(cfg.practical_dataset, data_dir=data_dir)
wd = st.concat_tables(store.map(
    pr.weight_decay_table, [{"depth": D} for D in cfg.practical_depths], desc="weight decay", data=data,
    width=cfg.practical_width, gammas=cfg.practical_gammas, seeds=cfg.practical_seeds, steps=cfg.practical_steps,
    batch=cfg.practical_batch, lr=cfg.practical_lr, seed=rt.seed, device=rt.device))
wm = {**pr.practical_metrics(wd), "dataset": data.name}
varlib.glue_all(dp.practical_prose(wm), prefix="deep_linear")
Markdown(data_note)

# %% mystnb={"figure": {"caption": "Bias-free ReLU MLPs with D hidden layers trained with the penalty $\\gamma \\sum_l \\|W_l\\|^2$ on images (`practical_dataset`): left, the root mean square of the logits over the test images; right, the training cross-entropy (dashed: $\\log K$, the loss of the zero net), against $\\gamma$, one line per depth (mean over runs, band: range over runs). Dotted verticals: each depth's median collapse strength $\\gamma_c$ over its runs that collapse on the grid.", "name": "fig-deep_linear-weight-decay"}}
fig = lp.weight_decay_panels(downloadable("weight-decay", wd), runs=wm["runs"], classes=data.n_classes)

# %% [markdown]
# Each run's collapse strength, as the interval of the grid that holds it, and what was left of its output just
# before it collapsed (`before`, relative to the smallest $\gamma$):

# %%
wm["runs"].round(3)

# %% [markdown]
# {numref}`fig-deep_linear-weight-decay`, on {glue:text}`deep_linear-practical-data-name`:
# {glue:text}`deep_linear-practical-where`. The collapse strength {glue:text}`deep_linear-practical-order`.
# Nets with $D \ge 2$ {glue:text}`deep_linear-practical-jump`, and those with $D = 1$
# {glue:text}`deep_linear-practical-shallow`. The scorecard calls the depth order reproduced only when the
# runs' intervals are apart (partly when only the medians are ordered), and the kind of transition reproduced
# when every $D \ge 2$ run keeps at least {glue:text}`deep_linear-jump-min:.0%` of its output until it collapses,
# and more than a decline linear in $\gamma$ could keep at the grid's spacing, while no $D = 1$ run keeps that much
# (not tested when the spacing cannot tell); here they are *{glue:text}`deep_linear-practical-verdict-order`* and
# *{glue:text}`deep_linear-practical-verdict-jump`*. The accuracy of a collapsed net is not reported: its
# prediction is the argmax of logits that are numerically zero.
#
# (deep-linear-metastable)=
# ## The metastable window and zero's basin
#
# For $\gamma^* < \gamma < \gamma_{sp}$ the nonzero minimum survives as a metastable state with loss above
# $\mathbb E[y^2]$, worse than predicting zero. The LeCun runs of
# {ref}`the phase diagram <deep-linear-phase>` in this window:

# %%
dd.metrics_table({k: pm[k] for k in ("meta_frac", "meta_above_Ey2", "meta_vnorm_err", "above_sp_zero_frac")})

# %% [markdown]
# Below $\gamma^*$ the question is the reverse: which initial scales escape zero's basin? Along the reduction
# the barrier sits at $b_s \approx (\gamma/M)^{1/(D-1)}$, which approaches the nonzero minimum
# $b_l \approx (M/A)^{1/(D+1)}$ as $D$ grows. We train nets on the isotropic task at
# $\gamma$ = {glue:text}`deep_linear-basin-gamma-ratio` $\gamma^*(D)$ from several multiples of
# $\mathcal N(0, 1/\text{fan-in})$, the LeCun start above:
# {glue:text}`deep_linear-basin-scales`, among them PyTorch's default `nn.Linear` scale $1/\sqrt 3$ and He's
# $\sqrt 2$; {glue:text}`deep_linear-basin-seeds` runs each, GD as in
# {ref}`the phase diagram <deep-linear-phase>`. A run **escaped** when it ends within a tenth of the global
# $\|v^*\|$, **diverged** when its loss blew up (it then neither escaped nor is trapped), and is **trapped**
# otherwise. The fractions below are over the runs that did not
# diverge; a cell where most runs diverged has none. The counts, as escaped / trapped / diverged:

# %%
grid = [{"depths": [D]} for D in cfg.basin_depths]  # stored per depth
basin = st.concat_tables(store.map(
    st.basin_table, grid, desc="basin", task=iso, scales=cfg.basin_scales, seeds=cfg.basin_seeds, width=cfg.width,
    steps=cfg.steps, lr=cfg.lr, gamma_ratio=cfg.basin_gamma_ratio, device=rt.device))
bm = st.basin_metrics(basin)
varlib.glue_all(dp.basin_prose(bm), prefix="deep_linear")
bm["counts"].rename(index=lambda s: f"{s:.3g}×").rename_axis(index="scale", columns="depth D")

# %%
bm["escape"].round(2).rename(index=lambda s: f"{s:.3g}×")  # escape fraction over the runs that did not diverge

# %% mystnb={"figure": {"caption": "Left: fraction of the runs that did not diverge escaping the zero solution against the initial scale (multiple of $\\mathcal N(0, 1/\\text{fan-in})$; dotted: PyTorch's default and He's), one line per depth, at $\\gamma$ = `basin_gamma_ratio` $\\times\\,\\gamma^*(D)$. Right: the barrier $b_s$ and the nonzero minimum $b_l$ of the reduced loss against depth.", "name": "fig-deep_linear-basin"}}
roots = st.roots_table(range(1, max(cfg.basin_depths) + 1), gamma_ratio=cfg.basin_gamma_ratio)
fig = lp.basin_panel(downloadable("basin", basin), roots=roots, gamma_ratio=cfg.basin_gamma_ratio)

# %% [markdown]
# {numref}`fig-deep_linear-basin`: with {glue:text}`deep_linear-basin-seeds` runs per scale, $d_0$ =
# {glue:text}`deep_linear-d0` and width {glue:text}`deep_linear-width`, {glue:text}`deep_linear-basin-standard`;
# {glue:text}`deep_linear-basin-smaller`; {glue:text}`deep_linear-basin-diverged`. So zero's basin
# {glue:text}`deep_linear-basin-grows`, and at these depths a standard initialisation
# {glue:text}`deep_linear-basin-standard-trapped`. Our reading of the paper's "common initializations are
# insufficient" is therefore {glue:text}`deep_linear-basin-support`: the scorecard calls it reproduced only if the
# $1\times$ scale is trapped at some depth, and not tested if its diverged runs could change that.
# The paper's exact argument is not available to us.

# %% [markdown]
# The resources this run used (wall time since `setup`, peak memory of the process and, on a GPU, of the device):

# %%
varlib.resources(rt)

# %% [markdown]
# ## Scorecard
#
# Each row states a claim, the paper's number where one exists, ours from this run, and a verdict computed
# from the numbers with the tolerances stated in the text and in the rows
# (`deep_linear_scorecard` in `varlib.deep_linear.study`). "derived here (not in the paper)" in the paper column marks
# a value from our own derivation, not one printed in the paper.
#
# A row whose numbers come from trained nets also says how many of its runs diverged: a run counts as diverged
# when its final loss is NaN or infinite, or more than {glue:text}`deep_linear-diverged-growth:g` times its loss at
# the start. A diverged run is evidence of nothing (a blown-up net has neither reached a minimum nor collapsed to
# zero), so a row with a diverged run, or whose numbers are missing or NaN, is "not tested". One exception, which
# its row states: in zero's basin a diverged run of the standard scale leaves the verdict standing when counting it
# as escaped or as trapped gives the same answer at every depth. Only the weight-decay sweeps on images are
# classifications, and there a collapse is read off the logits, not the accuracy; no run is compared
# with a chance level.

# %%
metrics = {**pm, **tm, "hessian_ok": hessian_ok, "variance": variance, "sgd": st.sgd_metrics(sgd),
           "family": fam_err, "signal": sm, "basin": bm, "practical": wm, "hysteresis": hm, "shallow_signal": sm1,
           "planes": plane_m, "multi_minima": multi_m}
varlib.scorecard(st.deep_linear_scorecard(metrics))
