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
# (chapter-variability)=
# # Variability, Collapse to Constant and trainability
#
# {cite:t}`yu2021variability` ask why, among multi-layer perceptrons with the *same number of parameters*, some
# train easily and others do not. Their answer is *variability*: how rich the output landscape of a randomly
# initialised, well-scaled network is over the input domain. This chapter measures variability across the
# equal-parameter family of {ref}`chapter-family`, watches it collapse in very deep nets, and asks whether it
# predicts which nets fit a checkerboard.
#
# :::{admonition} Claims tested here
# :class: tip
# From the abstracts (v1 and v3) of {cite:t}`yu2021variability`:
# 1. Variability rises with the number of activations (at a fixed parameter count).
# 2. Variability falls as "Collapse to Constant" (C2C) sets in; C2C is related to, but not the same as,
#    vanishing gradients.
# 3. On a small stylised model problem, variability predicts trainability.
# 4. $|x|$ gives better variability than ReLU.
#
# From third-party summaries of the full text (unverified): the stylised problem is a checkerboard;
# variability first rises with depth, peaks and then falls; $|x|$ resists C2C better than ReLU.
# :::
#
# :::{admonition} What we know of the paper, and what we chose
# :class: warning
# The paper's full text was not available to us: its equations, budgets, depth lists, figure values and
# hyper-parameters are unknown. Every definition below that goes beyond the abstracts is **our protocol**,
# stated where it is used: the {term}`V3` formula and its RMS normalisation, the {term}`bias scale <σ_b>`
# $\sigma_b$, the parameter budgets $P$, the collapse threshold $\tau$, the checkerboard and its success threshold.
# So "reproduced" below means "the abstract's qualitative claim holds under our protocol", never "the paper's
# numbers are matched" (there are none to match).
# :::
#
# :::{admonition} Run this chapter yourself
# :class: note
# `python -m varlib book --chapter variability --profile smoke` (seconds) or `--profile full` (paper scale,
# for a GPU); any size below can be overridden, e.g. `-p draws=200 -p 'train_depths=[2,4,8]'`.
# :::

# %% tags=["parameters"]
profile = "standard"     # smoke | standard | full: picks every size below
device = "auto"          # auto | cpu | cuda
seed = 0                 # one seed makes the chapter reproducible
threads = 2              # torch CPU threads (pinned: numbers depend on it)
results_dir = "results"  # computed results are stored here, one folder per profile
executor = "local"       # local | ray: where a sweep's missing items run (ray: pip install .[ray])
ray_address = None       # with ray: None (RAY_ADDRESS, else a local Ray) | auto | host:port
budgets = None           # parameter budgets P of the variability measures
depths = None            # depths L of the variability measures, from 2 up (L 1 is added and reported apart)
draws = None             # random networks per (activation, budget, depth)
grid = None              # landscape resolution: grid x grid points over [-1, 1]^2
landscape_depths = None  # depths of the drawn example landscapes (among depths, or 1)
tau = None               # collapse threshold: a draw is C2C when its CV (std/rms) is below tau
sigma_b = None           # standard deviation of the random biases
train_budget = None      # parameter budget P of the trained nets (one of budgets)
train_depths = None      # depths L of the trained nets, from 2 up (L 1 is added and reported apart)
seeds = None             # trained networks per (activation, depth)
steps = None             # full-batch Adam steps per training run
lr = None                # Adam learning rate
board = None             # the checkerboard has board x board cells
train_grid = None        # training points: train_grid x train_grid cell-interior grid
eval_every = None        # training accuracy is checked every eval_every steps
success_acc = None       # a run succeeds when its training accuracy reaches this
sensitivity_activations = None  # activations of the sweep over bias scales (relu, abs, tanh, leaky_relu:0.1, ...)
sensitivity_sigma_b = None      # bias scales sigma_b of that sweep
sensitivity_draws = None        # random networks per (activation, sigma_b, depth) of that sweep

# %% tags=["remove-output"]
import varlib
from varlib import variability as V
from varlib.book import plots
from varlib.variability import plots as vplots

cfg = varlib.settings_from("variability", globals())  # the parameters above, validated and frozen
rt = varlib.setup(device, seed, threads)
store = varlib.ResultStore(results_dir, profile, rt, executor=executor, ray_address=ray_address, chapter="variability")
plots.set_style()

# %% [markdown]
# The settings and the provenance of this run (device, thread count, versions, commit):

# %%
varlib.run_summary(cfg, rt)

# %% tags=["remove-cell"]
varlib.glue("variability-sigma-b", cfg.sigma_b)
varlib.glue("variability-grid", cfg.grid)
varlib.glue("variability-tau", cfg.tau)
varlib.glue("variability-steps", cfg.steps)
varlib.glue("variability-success-acc", cfg.success_acc)
varlib.glue("variability-threshold-pre-collapse", V.SCORECARD_THRESHOLDS["pre_collapse"])
varlib.glue("variability-threshold-rise", V.SCORECARD_THRESHOLDS["rise"])
varlib.glue("variability-threshold-predict", V.SCORECARD_THRESHOLDS["predict"])
varlib.glue("variability-threshold-predict-p", V.SCORECARD_THRESHOLDS["predict_p"])
varlib.glue("variability-threshold-vanishing", V.SCORECARD_THRESHOLDS["vanishing"])
varlib.glue("variability-level", V.LEVEL)
varlib.glue("variability-diverged-factor", f"{V.DIVERGED_LOSS_FACTOR:g}")
varlib.glue("variability-diverged-cap", f"{V.DIVERGED_LOSS_CAP:g}")
varlib.glue("variability-chance-accuracy", V.CHANCE_ACCURACY)
varlib.glue("variability-chance-margin", V.CHANCE_MARGIN)

# %% [markdown]
# ## Measuring variability
#
# We draw random *well-scaled* members of the equal-parameter family (input 2, $L$ hidden layers of width $w$,
# output 1, $P(L,w) = (L-1)w^2 + (L+3)w + 1$ parameters close to a budget). **Choice:** the paper's budgets and
# depth list are unknown; we use the `budgets` and `depths` of the settings table (the `full` profile adds a
# larger budget and deeper nets). Hidden weights
# $\mathcal N(0, g^2/\text{fan-in})$ with $g^2 = 2$ for ReLU {cite:p}`he2015delving` and $g^2 = 1$ for $|x|$,
# output weights $\mathcal N(0, 1/\text{fan-in})$, and biases $\mathcal N(0, \sigma_b^2)$.
# **Choice:** the paper's bias initialisation is unknown; we take $\sigma_b$ = {glue:text}`variability-sigma-b`
# (the `sigma_b` setting). Zero biases would make every net positively homogeneous and change the collapse
# picture, larger ones make collapse come earlier.
#
# The *landscape* of a net is its output $F_{ij} = f(x_i, y_j)$ on an $n \times n$ grid over $[-1,1]^2$.
# The paper measures variability by the "activation ratio" and by "V3, the mean of third-order derivatives"
# (the name is from a summary; the formula is unknown). ReLU and $|x|$ nets are piecewise linear, so their
# exact third derivative is zero almost everywhere; **our V3** takes third finite differences on the grid,
#
# $$
# V_3(F) = \frac{\tfrac12\left(\overline{|\Delta_x^3 F|} + \overline{|\Delta_y^3 F|}\right)}{\mathrm{rms}(F)},
# \qquad \mathrm{rms}(F) = \sqrt{\overline{F^2}},
# $$ (eq-variability-v3)
#
# where the bars are means over the grid. Third differences ignore planes and quadratic trends and light up
# where kinks pile up. **Choice: the RMS, not the standard deviation, normalises V3**: a collapsed net whose
# output is a near-constant $c \neq 0$ has tiny residual wiggles, which dividing by the (tiny) standard deviation
# would blow up into a large V3; dividing by the RMS sends it to 0. V3 carries no $h^{-3}$ factor, so values
# are comparable only at one grid size (this run: {glue:text}`variability-grid` × {glue:text}`variability-grid`
# points, the `grid` setting; a finer grid gives smaller values).
#
# The number of activations is $N = Lw$ and the activation ratio $\rho = N/P$ (our reading of the paper's
# "activation ratio"; at a fixed $P$ both rank the depths alike). A draw has collapsed to a constant when its
# coefficient of variation $\mathrm{CV} = \mathrm{std}(F)/\mathrm{rms}(F)$ is below $\tau$ (**choice:**
# $\tau$ = {glue:text}`variability-tau`, the `tau` setting; we also report $\tau/10$), and is *dead* when some
# hidden layer outputs exactly zero at every grid point, the "born dead" collapse of {cite:t}`lu2019dying`.
# Each draw also gets its per-layer loss-gradient norms at initialisation, on the checkerboard below.

# %%
measured = store.map(V.variability_draws, V.sweep_grid(budgets=cfg.budgets, depths=cfg.depths), desc="variability",
                     draws=cfg.draws, grid=cfg.grid, tau=cfg.tau, sigma_b=cfg.sigma_b, board=cfg.board,
                     train_grid=cfg.train_grid, seed=rt.seed, device=rt.device)
draws_table = V.stack_draws(measured)
vsum = V.variability_summary(draws_table)

# %% [markdown]
# ## Simple, rich, flat
#
# {numref}`fig-variability-landscapes` shows one random draw per depth (draw 0 of each sweep, the same net in
# every run with this seed) at the smallest budget.

# %% mystnb={"figure": {"caption": "Landscapes over $[-1,1]^2$ of the first random draw at each depth (columns), ReLU (top) and |x| (bottom), at the smallest budget of this run. Each panel is coloured relative to itself: the colour bar spans its mean ± 2.5 std, never narrower than 1 % of its rms, so a collapsed net looks flat. Under every panel: the depth, the width, the CV and the V3 of this draw.", "name": "fig-variability-landscapes"}}
ex = V.landscape_examples(measured, budget=min(cfg.budgets), depths=cfg.landscape_depths)
fig = plots.landscape_panels(ex["landscapes"], list(V.COMPARED_ACTIVATIONS), list(cfg.landscape_depths),
                             extra=ex["notes"], row_names=V.ACTIVATION_LABELS)

# %% tags=["remove-cell"]
shown = V.shown_draws_table(draws_table, vsum=vsum, budget=min(cfg.budgets), depths=cfg.landscape_depths)
varlib.glue("variability-deepest-shown", V.deepest_shown_sentence(shown, tau=cfg.tau))
varlib.glue("variability-single-draws", V.single_draws_sentence(shown))

# %% [markdown]
# Shallow members are close to planes with a few folds and moderate depth folds them into richer patterns.
# {glue:text}`variability-deepest-shown` One draw per depth cannot show which activation collapses first; the
# collapse fractions below do. {glue:text}`variability-single-draws` The table below sets each shown draw
# beside the mean and standard deviation of V3 over all draws at its depth and the fraction collapsed there.
# The rest of the chapter puts numbers on this picture.

# %%
shown.round(4)

# %% [markdown]
# ## Variability against depth at a fixed budget
#
# {numref}`fig-variability-v3` plots V3 against depth for each budget, with the activation ratio on the right
# axis. V3 is heavy-tailed: in deep nets a few draws that kept many kinks sit far above the rest, and the
# standard deviation often exceeds the mean (columns `v3_std` and `v3_mean` of the table of shown draws above).
# The figure therefore shows both the mean, with a bootstrap {glue:text}`variability-level:.0%` interval over the
# draws (each depth resampled on its own), and the median with its interquartile range, on a log axis.

# %% mystnb={"figure": {"caption": "V3 (RMS-normalised third differences, our protocol) against depth L ≥ 2 on log axes, one panel per parameter budget P, ReLU and |x|. Solid: mean over the random draws with its bootstrap 95 % interval; dashed with shading: median and interquartile range (draws with V3 = 0, dead ReLU nets, fall off the log axis). Grey dotted line, right axis: activation ratio ρ = N/P.", "name": "fig-variability-v3"}}
from varlib.book.report import downloadable

fig = vplots.v3_vs_depth(downloadable("by-depth", vsum))

# %% [markdown]
# The table behind the figure:

# %%
V.v3_depth_table(vsum)

# %% [markdown]
# At a fixed budget the number of activations $N = Lw$ rises with depth from $L = 2$ on (the column $\rho = N/P$
# above grows down each budget), so here "V3 rises with $N$" and "V3 rises with depth" are one statement that
# this family cannot split. The scorecard's first row tests it only over the depths before collapse, where at
# most {glue:text}`variability-threshold-pre-collapse:.0%` of the draws have collapsed, with a bootstrap interval
# for the rank correlation. Those depths can reach past the peak of V3 (a curve may start to fall before a tenth of
# its draws collapse), which then lowers the correlation; the falling branch is the subject of the next section
# and of the second and third rows.
#
# :::{admonition} $L = 1$ is reported apart
# :class: note
# With a two-dimensional input a hidden unit of the first layer costs only four parameters, so the single-layer
# member has $\rho \approx 1/4$, more activations per parameter than any deeper member at the same budget.
# As worded, "variability rises with the number of activations" would need $L = 1$ to have the highest V3 of
# its budget; the table shows whether it does, and the scorecard's first row reports it. We keep $L = 1$ out of
# every trend and show it here:
# :::

# %%
V.single_layer_table(vsum).round(4)

# %% [markdown]
# ## Collapse to Constant
#
# {numref}`fig-variability-collapse` counts, at each depth, the draws that have collapsed (CV below $\tau$, with
# Wilson {glue:text}`variability-level:.0%` intervals, and below $\tau/10$) and those with a dead layer.

# %% mystnb={"figure": {"caption": "Fraction of random draws that collapsed to a constant against depth L ≥ 2, one panel per budget, ReLU and |x|. Solid with bars: CV below τ, with Wilson 95 % intervals; dashed: CV below τ/10; dotted: a dead hidden layer.", "name": "fig-variability-collapse"}}
fig = vplots.collapse_vs_depth(vsum, tau=cfg.tau)

# %% tags=["remove-cell"]
varlib.glue("variability-collapse-counts", V.collapse_counts_sentence(draws_table))
varlib.glue("variability-collapsed-v3", V.collapsed_v3_sentence(draws_table))

# %% [markdown]
# Two mechanisms can make a net collapse. A ReLU net can die: a whole layer is switched off on the entire
# domain and the output is constant. Any net can also collapse without dying: every layer pulls the
# images of different inputs closer together {cite:p}`poole2016exponential,schoenholz2017deep`, until the
# output varies by less than a fraction $\tau$ of its size. {glue:text}`variability-collapse-counts`
# {glue:text}`variability-collapsed-v3` The medians per activation:

# %%
V.collapsed_v3_table(draws_table).round(5)

# %% [markdown]
# ### Depth or depth-to-width ratio?
#
# At a fixed budget a deeper net is also a narrower one. For deep ReLU nets at finite width, the log-norm of the
# signal (and of the gradient) fluctuates like a Gaussian whose variance grows with the sum of the reciprocal
# widths, $\sum_l 1/n_l = L/w$ here, not with $L$ alone {cite:p}`hanin2020products`, and the chance that a
# ReLU net is born dead also grows with depth and falls with width {cite:p}`lu2019dying`. If collapse is this
# finite-width effect, its onset should sit at one $L/w$ across budgets. {numref}`fig-variability-aspect` puts
# every budget on the axis $L/w$, and the table gives, per curve, the $L/w$ at which half of the draws have
# collapsed (interpolated between the two depths around the crossing).

# %% mystnb={"figure": {"caption": "Fraction of random draws collapsed (CV below τ, Wilson 95 % intervals) against the depth-to-width ratio L/w on a log axis, every budget on one panel (marker: budget), ReLU and |x|.", "name": "fig-variability-aspect"}}
fig = vplots.collapse_vs_aspect(vsum)

# %%
onsets = V.aspect_onset_table(vsum, onset=V.SCORECARD_THRESHOLDS["onset"])
onsets.round(2)

# %% tags=["remove-cell"]
varlib.glue("variability-aspect-onsets", V.aspect_onset_sentence(onsets))

# %% [markdown]
# {glue:text}`variability-aspect-onsets`
#
# The infinite-width limit makes this concrete. There every layer is a Gaussian process over the inputs, and
# its kernel follows a closed-form recursion for ReLU and $|x|$ (the arc-cosine kernels of
# {cite:t}`cho2009kernel`, the mean-field picture of {cite:t}`poole2016exponential`), with no width in it. From
# the output kernel $K$, the expected spread of a landscape over its expected second moment gives a mean-field CV,
# $\mathrm{CV}_\infty^2 = 1 - \overline{K(x, x')}/\overline{K(x, x)}$ (`varlib.variability.mean_field_cv`;
# the tests check it against 300 random nets of width 256). {numref}`fig-variability-mean-field` sets it beside
# the median CV of the draws. {glue:text}`variability-mean-field`

# %%
mean_field = {a: V.mean_field_cv(activation=a, depths=cfg.depths, sigma_b=cfg.sigma_b)
              for a in V.COMPARED_ACTIVATIONS}

# %% tags=["remove-cell"]
varlib.glue("variability-mean-field", V.mean_field_sentence(mean_field, tau=cfg.tau))

# %% mystnb={"figure": {"caption": "Median CV of the random draws against depth, one line per budget, beside the infinite-width (mean-field) CV of the same family (black dashed) and the collapse threshold τ (grey dotted); log scales, one panel per activation. Medians of exactly 0 (dead ReLU nets) fall off the axis.", "name": "fig-variability-mean-field"}}
fig = vplots.cv_vs_mean_field(vsum, mean_field=mean_field, tau=cfg.tau)

# %% [markdown]
# ### Does V3 fall only because collapsed draws count as zero?
#
# V3 is the CV times V3/CV, and a draw has collapsed when its CV is below $\tau$. So "V3 falls as collapse sets
# in" is close to a definition when the collapsed draws are in the average: they bring V3 ≈ 0 with them. The
# question that can fail is whether V3 also falls among the draws that have **not** collapsed. The table below
# splits V3 at the training budget into the median CV, which falls with depth, and the median V3/CV (kinks per
# unit of variation), which tends to rise; the last two columns follow the draws that have not collapsed. The
# scorecard's second row compares their mean V3 at the first depth where half of the draws have collapsed with
# that at their peak depth, with a bootstrap interval for the ratio.

# %%
V.decomposition_table(draws_table, budget=cfg.train_budget).round(4)

# %% [markdown]
# ## Collapse and vanishing gradients
#
# A gradient *vanishes* when the error backpropagated to the first hidden layer is much smaller than the error at
# the last one. We measure it with the bias gradients, $r = \lVert \partial\ell/\partial b_1 \rVert /
# \lVert \partial\ell/\partial b_L \rVert$ at initialisation on the checkerboard loss: every hidden layer has
# the same width, so $r$ needs no correction for layer size, and it is the backpropagated error itself rather
# than a weight gradient, which the layer's input multiplies. **Choice:** a draw has a vanishing gradient (VG)
# when $r$ is below {glue:text}`variability-threshold-vanishing` (the error shrinks tenfold on its way down).
# {numref}`fig-variability-gradients` shows $r$ and the VG fraction beside the collapse fraction.

# %% mystnb={"figure": {"caption": "Left: first/last hidden-layer error ratio r at initialisation, median (solid) and mean (dashed) over the draws, log scale; grey dotted line: the vanishing-gradient threshold. Right: fraction of draws with a vanishing gradient (solid) and fraction collapsed (dashed). Depth L ≥ 2 at the training budget, ReLU and |x|.", "name": "fig-variability-gradients"}}
fig = vplots.gradients_vs_depth(vsum, budget=cfg.train_budget, vanishing=V.SCORECARD_THRESHOLDS["vanishing"])

# %% tags=["remove-cell"]
varlib.glue("variability-gradient-related", V.gradient_relation_sentence(draws_table, tau=cfg.tau))
varlib.glue("variability-gradient-apart", V.gradient_apart_sentence(draws_table, tau=cfg.tau))

# %% [markdown]
# A collapsed net is flat: moving the output of its first hidden layer barely moves the net's output, so the
# product of layer Jacobians from the first hidden layer to the last is small, and so is the error it carries back
# to the first layer; below a dead layer, exactly zero flows. Collapse should therefore bring vanishing gradients
# with it: the two are related. Pooled over depths this relation is inflated (deep cells have more of both), so
# the scorecard compares the two rates within each depth.
# {glue:text}`variability-gradient-related` The paper's "not the same" needs one of them without the other.
# {glue:text}`variability-gradient-apart` The counts over all depths $L \ge 2$ and both budgets (dead draws
# left out: they are a third mechanism), with Wilson {glue:text}`variability-level:.0%` intervals for the two rates:

# %%
V.gradient_collapse_counts(draws_table, vanishing=V.SCORECARD_THRESHOLDS["vanishing"], tau=cfg.tau,
                           clear=V.SCORECARD_THRESHOLDS["clear"])

# %% [markdown]
# ## How the picture moves with the bias scale and the activation
#
# The bias scale $\sigma_b$ is our choice, and it decides how collapse comes. With $\sigma_b = 0$ a ReLU or
# $|x|$ net is positively homogeneous, $f(tx) = t f(x)$, so its landscape cannot flatten by correlation alone and
# collapses only by dying; larger biases pull the images of different inputs together sooner. We repeat the
# draws at the training budget for each bias scale in `sensitivity_sigma_b` and each activation in
# `sensitivity_activations` (tanh and leaky ReLU besides ReLU and $|x|$, each drawn with its
# variance-preserving gain as everywhere in the book), with `sensitivity_draws` draws per cell.

# %%
sens_items = V.sensitivity_grid(activations=cfg.sensitivity_activations, sigma_bs=cfg.sensitivity_sigma_b,
                                depths=cfg.depths)
sensitivity = store.map(V.variability_draws, sens_items, desc="sensitivity", budget=cfg.train_budget,
                        draws=cfg.sensitivity_draws, grid=cfg.grid, tau=cfg.tau, board=cfg.board,
                        train_grid=cfg.train_grid, seed=rt.seed, device=rt.device)
sens_table = V.stack_sensitivity(sens_items, sensitivity)
ssum = V.sensitivity_summary(sens_table)

# %% mystnb={"figure": {"caption": "Draws at the training budget for each bias scale σ_b (columns) and activation (colours). Top: fraction collapsed (CV below τ) with Wilson 95 % intervals; bottom: mean V3 on a log scale. Depth L ≥ 2 on a log2 axis.", "name": "fig-variability-sensitivity"}}
fig = vplots.sensitivity_panels(downloadable("bias-scales", ssum))

# %% tags=["remove-cell"]
sens_onsets = V.sensitivity_onsets(ssum, onset=V.SCORECARD_THRESHOLDS["onset"])
varlib.glue("variability-sensitivity", V.sensitivity_sentence(sens_onsets))

# %% [markdown]
# {numref}`fig-variability-sensitivity` shows the sweep. {glue:text}`variability-sensitivity` The table gives,
# per activation and bias scale, the first depth where half of the draws have collapsed and the depth where the
# mean V3 peaks; the scorecard's row on bias scales asks whether $|x|$ resists collapse better than ReLU at every
# one.

# %%
sens_onsets

# %% tags=["remove-cell"]
varlib.glue("variability-sensitivity-apart", V.gradient_apart_sentence(sens_table, tau=cfg.tau))

# %% [markdown]
# The sweep also widens the search for collapse and vanishing gradients apart: the same counts as above over
# its activations, all bias scales pooled. {glue:text}`variability-sensitivity-apart`

# %%
V.gradient_collapse_counts(sens_table, vanishing=V.SCORECARD_THRESHOLDS["vanishing"], tau=cfg.tau,
                           clear=V.SCORECARD_THRESHOLDS["clear"])

# %% [markdown]
# ## The checkerboard
#
# The stylised model problem is, by a summary of the paper, a checkerboard; the rest is our protocol.
# **Choices:** a $k \times k$ board on $[-1,1]^2$ with labels $\pm 1$ alternating between cells, training points on
# an $m \times m$ grid of cell interiors, logistic loss, full-batch Adam at the learning rate and step budget of
# the settings table, members of the family at the training budget. A run **succeeds** when its training
# accuracy reaches `success_acc` (here {glue:text}`variability-success-acc`) at one of the evaluations every
# `eval_every` steps. Each (activation, depth) trains `seeds` nets at once; net $r$ starts
# from the same weights as variability draw $r$. This run trains for {glue:text}`variability-steps` steps (the
# `steps` setting); fewer steps lower the success rates.
#
# A failed run is no evidence. **Choices:** a run has *diverged* when its loss turned NaN or infinite, or rose
# above {glue:text}`variability-diverged-factor` times $\max(\ell_0, \ln 2)$ ($\ell_0$ its initial loss, $\ln 2$
# the logistic loss of the zero function) or above {glue:text}`variability-diverged-cap:,.0f`, which no sane run
# reaches (a learning rate far too large can give a finite but astronomic loss); it is *at chance* when its final
# training accuracy is within {glue:text}`variability-chance-margin` of {glue:text}`variability-chance-accuracy`.
# The training table below gives both fractions (columns `diverged` and `at_chance`); the scorecard's training
# rows count them and are "not tested" when any run diverged or every run sat at chance.

# %%
trained = store.map(V.train_checkerboard, V.sweep_grid(depths=cfg.train_depths), desc="training",
                    budget=cfg.train_budget, seeds=cfg.seeds, board=cfg.board, train_grid=cfg.train_grid,
                    steps=cfg.steps, lr=cfg.lr, sigma_b=cfg.sigma_b, eval_every=cfg.eval_every,
                    success_acc=cfg.success_acc, seed=rt.seed, device=rt.device)
runs = V.stack_runs(trained)
tsum = V.training_summary(runs)

# %% mystnb={"figure": {"caption": "Checkerboard training at the training budget against depth L ≥ 2. Left: success rate (training accuracy reaching the success threshold within the step budget) with Wilson 95 % intervals. Right: mean best training accuracy over the seeds with bootstrap 95 % intervals; dotted line: the success threshold.", "name": "fig-variability-training"}}
fig = vplots.training_vs_depth(downloadable("training", tsum), success_acc=cfg.success_acc)

# %% tags=["remove-cell"]
varlib.glue("variability-training-failures", V.training_failures_sentence(tsum))

# %% [markdown]
# {numref}`fig-variability-training` is the trainability side of the story.
# {glue:text}`variability-training-failures` The per-depth numbers, with $L=1$ in its own rows:

# %%
V.training_table(tsum).round(3)

# %% [markdown]
# ## Does variability predict trainability?
#
# {numref}`fig-variability-predict` puts the mean V3 of the random draws at the training budget against the
# training outcome of the same (activation, depth). The table gives Spearman rank correlations across the
# (activation, depth ≥ 2) points with bootstrap {glue:text}`variability-level:.0%` intervals over the points, for V3
# and, as a baseline, for the activation ratio $\rho$ alone (which cannot tell ReLU from $|x|$).

# %% mystnb={"figure": {"caption": "Mean V3 of random draws (bootstrap 95 % interval) against the checkerboard success rate (Wilson 95 % interval, left) and the mean best accuracy (bootstrap 95 % interval, right), one point per (activation, depth ≥ 2) at the training budget; colour: activation, marker: depth.", "name": "fig-variability-predict"}}
fig = vplots.v3_vs_training(vsum, tsum=tsum)

# %%
corr = V.trainability_correlation(vsum, tsum=tsum)
varlib.glue("variability-corr-points", int(corr.points.iloc[0]))
corr.round(3)

# %% tags=["remove-cell"]
paired = V.paired_prediction(draws_table, runs)
varlib.glue("variability-paired-r", paired["r"])
varlib.glue("variability-paired-low", paired["low"])
varlib.glue("variability-paired-high", paired["high"])
varlib.glue("variability-paired-n", paired["n"])
varlib.glue("variability-peaks", V.peaks_sentence(vsum, tsum))

# %% [markdown]
# The rank correlations rest on {glue:text}`variability-corr-points` (activation, depth) points, so their
# intervals are wide. A stricter reading asks whether the V3 of one net predicts whether **that** net trains:
# training run $r$ of each (activation, depth) starts from variability draw $r$, so every trained net has its own
# V3. Within each (activation, depth) we rank the nets by V3 and by best accuracy, which removes the depth
# effect, and pool the ranks: Spearman {glue:text}`variability-paired-r:.2f` ({glue:text}`variability-level:.0%`
# interval {glue:text}`variability-paired-low:.2f` to {glue:text}`variability-paired-high:.2f`,
# {glue:text}`variability-paired-n` nets), the scorecard's per-net row.
#
# Where the two curves peak is a separate question from whether their ranks agree.
# {glue:text}`variability-peaks`

# %% [markdown]
# The resources this run used (wall time since `setup`, peak memory of the process and, on a GPU, of the device):

# %%
varlib.resources(rt)

# %% [markdown]
# ## Scorecard
#
# Each row states a claim, the paper's number where one is known (none is: the full text was unavailable), ours
# from this run with its {glue:text}`variability-level:.0%` intervals, and a verdict computed from the numbers by
# `varlib.variability.variability_scorecard` (thresholds in its docstrings and tests: e.g. a rank correlation of
# at least {glue:text}`variability-threshold-rise` with an interval above zero for "reproduced" in the first row,
# {glue:text}`variability-threshold-predict` with p < {glue:text}`variability-threshold-predict-p` and an
# interval above zero for the prediction claim). A verdict needs its intervals: a difference whose interval
# straddles zero is never "reproduced". Depth $L=1$ is left out of every row.

# %%
varlib.scorecard(V.variability_scorecard(draws_table, vsum=vsum, tsum=tsum, corr=corr, runs=runs, tau=cfg.tau,
                                         ssum=ssum))
