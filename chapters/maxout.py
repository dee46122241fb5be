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
# (chapter-maxout)=
# # Activation regions and decision boundaries of maxout networks
#
# A network of piecewise-linear units cuts its input space into regions on which it is affine.
# How many regions a trained or random network has in practice is one measure of what it can express,
# and {cite:t}`montufar2014number` showed that the maximum grows exponentially with depth.
# {cite:t}`hanin2019deep` found that random ReLU networks have far fewer regions than that maximum,
# about as many as a shallow network with the same number of units.
# {cite:t}`tseran2021maxout` extend the picture to maxout networks of {term}`rank <K>` $K$: they bound the
# expected number of activation regions and of linear pieces of the decision boundary, propose initialisations
# for maxout units, and count regions at initialisation and during training.
# This chapter counts regions exactly, with a counter that needs no grid and no linear programs.
#
# :::{admonition} Claims tested here
# :class: tip
# 1. The authors' code reports that its demo network ($K=2$, $N=20$ units, depth 3, box $[-3,3]^2$, their
#    seed) has 216 activation regions and 30 decision-boundary pieces, and that a 300 × 300 grid sees 199.
# 2. In practice the number of regions is far below the theoretical maximum: at initialisation it grows like
#    $N^{n_0}$ in the number of units at every depth, and the decision boundary like $N^{n_0-1}$.
# 3. The number of regions barely depends on depth at a fixed total number of units $N$.
# 4. The number of regions in an input slice rises during training.
# 5. Initialisations that raise the number of regions make training converge faster.
# 6. Parameter space holds full-dimensional pieces of very different complexity.
# :::
#
# :::{admonition} Run this chapter yourself
# :class: note
# `python -m varlib book --chapter maxout --profile smoke` (seconds) or `--profile full` (paper scale, GPU);
# any size below can be overridden, e.g. `-p nets=10`. The networks train on Fashion-MNIST from Debian's
# `dataset-fashion-mnist` package (`make book` installs it); `-p dataset=mnist -p data_dir=/path/to/mnist` trains on
# the paper's MNIST (the four idx files; nothing is downloaded), `-p dataset=digits` on scikit-learn's digits.
# :::
#
# **Sources.** The paper's full text was not available to us; the definitions, constants and demo numbers
# below come from the authors' public code (`github.com/hanna-tseran/maxout_complexity`), read in full.
# Where a number of the paper is unknown we say so.

# %% tags=["parameters"]
profile = "standard"       # smoke | standard | full: picks every size below
device = "auto"            # auto | cpu | cuda
seed = 0                   # one seed makes the chapter reproducible
threads = 2                # torch CPU threads (pinned: numbers depend on it)
results_dir = "results"    # computed results are stored here, one folder per profile
executor = "local"         # local | ray: where a sweep's missing items run (ray: pip install .[ray])
ray_address = None         # with ray: None (RAY_ADDRESS, else a local Ray) | auto | host:port
box = None                 # half-width of the input box [-box, box]^2 of the counts at initialisation
demo_rank = None           # rank K of our nets in the authors' demo setting
demo_units = None          # total hidden units N of our nets in the authors' demo setting
demo_depth = None          # depth of our nets in the authors' demo setting
demo_nets = None           # our random nets in the authors' demo setting
ranks = None               # maxout ranks K of the count sweep
units = None               # total hidden units N of the count sweep
depths = None              # depths of the count sweep
nets = None                # random networks per (K, N, depth) cell and per (K, initialisation)
picture_ranks = None       # ranks K of the region pictures (one column each)
picture_units = None       # N of the region pictures
picture_depth = None       # depth of the region pictures
picture_inits = None       # initialisations of the region pictures (one row each; the first also for the slice)
picture_candidates = None  # seeds tried per picture for a decision boundary that crosses the box
grid_steps = None          # resolution of the grid estimate (steps x steps points)
bound_depth = None         # depth of the nets that estimate C_grad of the full bound
bound_nets = None          # nets per N that estimate C_grad of the full bound
theta_rank = None          # rank K of the nets on the parameter slice
theta_units = None         # total hidden units N of the nets on the parameter slice
theta_depth = None         # depth of the nets on the parameter slice
theta_extent = None        # the parameter slice spans [-theta_extent, theta_extent]^2
theta_steps = None         # the parameter-slice heatmap is theta_steps x theta_steps networks
init_units = None          # total hidden units N of the comparison of initialisations
init_depth = None          # depth of the comparison of initialisations
train_ranks = None         # ranks K of the trained networks
train_units = None         # total hidden units N of the trained networks
train_depth = None         # depth of the trained networks
train_seeds = None         # trained networks per (K, initialisation)
epochs = None              # training epochs
count_every = None         # epochs between region counts in the slice
lr = None                  # Adam learning rate
batch = None               # minibatch size
slice_box = None           # half-width of the box in the slice plane
target_acc = None          # test accuracy that defines "converged"
evals_per_epoch = None     # training-loss and test-accuracy evaluations per epoch
eval_inputs = None         # training inputs the training loss is evaluated on
dataset = None             # images the networks train on: fashion_mnist | digits | mnist (with data_dir)
data_dir = None            # folder with the idx files (None: Fashion-MNIST from the Debian package)

# %% tags=["remove-output"]
import pandas as pd

import varlib
from varlib.book import plots
from varlib.core.data import chapter_dataset
from varlib.maxout import MAXOUT_INITS, prose, split_widths, tables
from varlib.maxout import plots as regions_plots
from varlib.maxout import slices as region_slices
from varlib.maxout import training as mt
from varlib.maxout.scorecard import maxout_scorecard, parameter_slice_row

# %% tags=["remove-output"]
cfg = varlib.settings_from("maxout", globals())  # the parameters above, validated and frozen

# %% tags=["remove-output"]
rt = varlib.setup(device, seed, threads)
store = varlib.ResultStore(results_dir, profile, rt, executor=executor, ray_address=ray_address, chapter="maxout")
plots.set_style()

# %% tags=["remove-cell"]
varlib.glue_all(cfg.as_dict(), prefix="maxout")

# %% [markdown]
# The settings and the provenance of this run (device, thread count, versions, commit):

# %%
varlib.run_summary(cfg, rt)

# %% [markdown]
# ## Maxout networks and their regions
#
# A maxout unit of rank $K$ takes the maximum of $K$ affine features of its input,
#
# $$
# h_z(x) = \max_{k=1,\dots,K} \zeta_{z,k}(x), \qquad \zeta_{z,k}(x) = w_{z,k}\cdot h_{l-1}(x) + b_{z,k},
# $$ (eq-maxout-unit)
#
# and a ReLU is the unit of rank $K = 2$ whose second feature is fixed at zero.
# Our networks have $n_0 = 2$ inputs (or a 2D slice of a larger input space), hidden layers with $N$ units
# in total, split over the depth as evenly as possible (first layers get the remainder, as in the authors'
# code), and a linear output layer.
# An *activation pattern* picks the maximising feature of every unit; the inputs that share a pattern form an
# *activation region*, a convex polygon in 2D. We count the patterns whose region has positive area.
# A *linear piece of the decision boundary* is, following the authors' code, a pair (activation region,
# class pair $\{i,j\}$) for which $\{f_i = f_j \ge f_k\}$ meets the region in a segment, where $k$ runs over
# a chosen label set: the two outputs at initialisation, the three labels of the slice points after training.
#
# We count exactly: starting from the box, every unit splits the current polygons by the half-planes
# $\zeta_{z,k} \ge \zeta_{z,j}$, batched over polygons and networks in float64
# (a unit whose winning feature is the same at all vertices of a polygon cannot cut it).
# The library's tests check this counter against an independent counter that solves one linear program
# per candidate region, as the authors' code does (`benchmarks/` times the two side by side).
#
# "Exact" has a precise meaning here. Regions are computed in closed form by cutting polygons, with no grid and
# no sampling, and a polygon counts as a region when its minimal width (the narrowest strip that holds it)
# exceeds $10^{-9}$ of the longer side of the box; a decision-boundary piece when its length does. The rule is
# relative to the box, so scaling the inputs and the box together changes no count. Rounding leaves pieces of
# width exactly zero, far below it, and in the boxes of this chapter no real region was measured anywhere near
# it; the linear-programming check uses the same rule, and the two counters agree on 40-unit networks in the
# $\pm 50$ box of the training slices. The counter in the authors' published code works differently: it asks
# each candidate region to clear a fixed margin and treats any failure or warning of its solver, for example a
# numerical overflow, as "no region", so it can miss regions where its solver breaks down.
#
# The paper bounds the expected number of regions in a set $X \subset \mathbb R^{n_0}$ by a polynomial of
# degree $n_0$ in $N$ that does not depend on depth. The authors' code evaluates
#
# $$
# \mathbb E\,\#\text{regions} \le \binom{K n_0}{2 n_0} \frac{(T K N)^{n_0}}{n_0!}\,\mathrm{vol}(X),
# \qquad T = 2^5 C_\text{bias} C_\text{grad},
# $$ (eq-maxout-bound)
#
# with $C_\text{bias}$ the largest density of a bias and $C_\text{grad}$ a bound on the input-gradients of the
# units (estimated on a grid, averaged over networks). Dropping $T$ and $\mathrm{vol}(X)$ gives the
# "with-$K$" curve $\binom{K n_0}{2n_0}(KN)^{n_0}/n_0!$, and dropping $K$ as well the reference
# $N^{n_0}/n_0!$ of {cite:t}`hanin2019deep`. Decision-boundary pieces scale one power lower, as
# $N^{n_0-1}$.

# %% [markdown]
# ## The authors' demonstration network
#
# The authors' repository draws one network with NumPy's seed 123 ($K=2$, $N=20$, widths 7, 7, 6,
# maxout-He initialisation) and reports its counts in $[-3,3]^2$, exactly and on a 300 × 300 grid. We redraw
# it in their order and count it in their box, on their grid.

# %%
demo = mt.authors_demo_counts()
demo

# %% [markdown]
# The same setting with our own seeds shows how typical that network is: {glue:text}`maxout-demo-nets` random
# networks of rank {glue:text}`maxout-demo-rank` with {glue:text}`maxout-demo-units` units in
# {glue:text}`maxout-demo-depth` layers, counted in the box of half-width {glue:text}`maxout-box` (mean and
# spread over networks):

# %%
demo_seeds = store.call(mt.count_cell, K=cfg.demo_rank, N=cfg.demo_units, depth=cfg.demo_depth,
                        nets=cfg.demo_nets, box=cfg.box, seed=rt.seed, device=rt.device)
tables.region_stats(demo_seeds)

# %% tags=["remove-cell"]
varlib.glue_all(prose.demo_facts(demo, demo_seeds))

# %% [markdown]
# The authors' draw ({glue:text}`maxout-demo-regions` regions, {glue:text}`maxout-demo-db` boundary pieces)
# {glue:text}`maxout-demo-position` our {glue:text}`maxout-seeds-nets` seeds
# ({glue:text}`maxout-seeds-mean:.0f` ± {glue:text}`maxout-seeds-std:.0f` regions, at most
# {glue:text}`maxout-seeds-max`; {glue:text}`maxout-demo-above:.0%` of them have fewer regions):
# {glue:text}`maxout-demo-kind`.
#
# Activation regions and linear regions {glue:text}`maxout-linear-words`. {numref}`fig-maxout-pictures` shows
# one random network per rank and initialisation. Each panel also reports what a grid of
# {glue:text}`maxout-grid-steps` × {glue:text}`maxout-grid-steps` points (`grid_steps`) sees: the grid count,
# which the authors use for their pictures, misses the regions that hold no grid point.

# %% mystnb={"figure": {"caption": "Activation regions (coloured polygons) and the decision boundary of the two outputs (black) of one random network with `picture_units` hidden units in `picture_depth` layers on $[-b,b]^2$ ($b$ = `box`): the first of `picture_candidates` seeds whose decision boundary crosses the box, or the first seed when none of them does (the panels reporting no DB pieces); one column per rank K of `picture_ranks` and one row per initialisation of `picture_inits`. Each label gives the exact counts and the grid estimate.", "name": "fig-maxout-pictures"}}
panels, picture_counts = mt.picture_panels(ranks=cfg.picture_ranks, N=cfg.picture_units, depth=cfg.picture_depth,
                                           inits=cfg.picture_inits, box=cfg.box, seed=rt.seed,
                                           grid_steps=cfg.grid_steps, candidates=cfg.picture_candidates)
fig = regions_plots.region_pictures(panels, ncols=len(cfg.picture_ranks))

# %% [markdown]
# ## How many regions, against units, depth and rank
#
# For every rank $K$, total number of units $N$ and depth we draw random maxout-He networks and count their
# regions and decision-boundary pieces exactly in $[-b,b]^2$, $b$ = {glue:text}`maxout-box` (`box`). The
# number of networks per cell in the paper is unknown; we use {glue:text}`maxout-nets` (`nets`).

# %%
grid = mt.count_grid(ranks=cfg.ranks, units=cfg.units, depths=cfg.depths)
cells = store.map(mt.count_cell, grid, desc="count sweep", nets=cfg.nets, box=cfg.box, seed=rt.seed,
                  device=rt.device)
sweep = pd.concat(cells, ignore_index=True)
bounds = store.call(mt.bound_curves, ranks=cfg.ranks, units=cfg.units, depth=cfg.bound_depth,
                    nets=cfg.bound_nets, box=cfg.box, seed=rt.seed)

# %% mystnb={"figure": {"caption": "Exact counts at initialisation (maxout-He, box $[-b,b]^2$, $b$ = `box`) against the total number of hidden units N: activation regions (top) and decision-boundary pieces (bottom), mean ± standard error over networks, one line per depth, one column per rank K. Grey: the full bound of the authors' code (dash-dot, with $C_\\text{grad}$ averaged over `bound_nets` networks of depth `bound_depth`), the with-K curve (dashed) and the $N^{n_0}/n_0!$ reference (dotted; $N$ for the boundary). Counts of zero are drawn at one half.", "name": "fig-maxout-counts"}}
from varlib.book.report import downloadable

fig = regions_plots.counts_vs_units(downloadable("counts", sweep), bounds=bounds)

# %% tags=["remove-cell"]
varlib.glue_all(prose.count_sweep_facts(sweep, bounds))

# %% [markdown]
# {numref}`fig-maxout-counts` shows the mean region count growing with $N$ with fitted exponents (slopes on the
# log-log axes, one per rank and depth) between {glue:text}`maxout-region-slope-min:.2f` and
# {glue:text}`maxout-region-slope-max:.2f`, {glue:text}`maxout-region-slope-words`, and sitting at least
# {glue:text}`maxout-bound-gap` orders of magnitude (powers of ten) below the full bound {eq}`eq-maxout-bound`.
# With one hidden layer the boundary pieces grow with exponents between {glue:text}`maxout-db-slope-min:.1f` and
# {glue:text}`maxout-db-slope-max:.1f` (the bounds: one); deeper cells are noisy with `nets` networks each,
# since the boundary of a deep random network {glue:text}`maxout-deep-db-words` misses the box
# ({glue:text}`maxout-deep-db-miss:.0%` of the networks of depth $\ge 2$ have no boundary piece in it).
# The exponents with their intervals are in the table {ref}`further below <maxout-growth-table>`.
#
# The mean counts at the largest $N$ ({glue:text}`maxout-top-units`), by rank and depth, next to an upper bound
# on the maximum that the architecture allows: the product over layers of the one-layer maximum
# $\sum_{j\le 2}\binom{n_l}{j}(K-1)^j$, which grows exponentially with depth. For one layer that formula is the
# exact maximum; for deeper networks the exact maximum is not known and may be much smaller.

# %%
tables.depth_summary(sweep)

# %% [markdown]
# How much the count changes from the shallowest to the deepest networks at that $N$, relative to the
# shallowest, with its $95\%$ bootstrap interval: noise alone moves the mean of a few networks by tens of percent,
# so the scorecard reads the interval, not the estimate.

# %%
tables.depth_change_table(sweep)

# %% [markdown]
# {glue:text}`maxout-depth-words` A single layer of $N$ units of rank $K=2$ (one bend line each) in general
# position reaches $1 + N + \binom N2$ regions in the whole plane; inside the box the networks with one hidden
# layer realise {glue:text}`maxout-shallow-min:.0%` to {glue:text}`maxout-shallow-max:.0%` of their maximum,
# whereas those of depth $\ge 2$ stay below {glue:text}`maxout-deep-ratio:.1e` of their upper bound.
#
# ### ReLU beside maxout, and slices of the image space
#
# Two more sweeps put the growth law to work beyond maxout networks on a 2-D input. ReLU networks are the rank-2
# baseline (each unit $\max(\zeta, 0)$, He's initialisation, the same $N$, depths and box), for which
# {cite:t}`hanin2019deep` give the same degree $n_0$. And the paper's pictures are slices of the 784-dimensional
# input space of MNIST, not 2-D inputs: on a 2-D affine slice any network is a network of two inputs, so the
# same bound holds there. We draw maxout-He networks of depth {glue:text}`maxout-init-depth` on the images of
# this chapter's data set and count them in the plane through three training images of different classes
# (centred at their centroid, orthonormal basis of the differences; the plane of the training section below),
# in the box $[-b, b]^2$ of plane coordinates, $b$ = {glue:text}`maxout-slice-box` (`slice_box`). The authors
# use $b = 50$ for 784-pixel MNIST, which scaled by $\sqrt{64/784}$ for the 64-pixel digits gives
# $b \approx 15$; the decision boundary in the slice is that of the three slice labels, as in the authors' code.
#
# The images: the paper uses MNIST with a 50000/10000/10000 split. This book runs offline and uses Fashion-MNIST
# {cite:p}`xiao2017fashion` by default: MNIST's format and sizes ($28 \times 28$ pixels, sixty thousand training
# images, ten classes) but photographs of clothing, read from Debian's `dataset-fashion-mnist` package and
# standardised with its own pixel mean and standard deviation. It is **not the paper's data set** and is harder
# than MNIST, so the counts and curves on it compare patterns, not the paper's numbers. The `smoke` profile uses
# scikit-learn's $8 \times 8$ digits. This run:

# %%
from IPython.display import Markdown

data, data_note = chapter_dataset(cfg.dataset, data_dir=data_dir)
varlib.glue_all(prose.training_data_facts(data))
relu_sweep = pd.concat(store.map(mt.count_cell, mt.count_grid(ranks=[2], units=cfg.units, depths=cfg.depths),
                                 desc="ReLU sweep", nets=cfg.nets, box=cfg.box, init="relu_he", relu=True,
                                 seed=rt.seed, device=rt.device), ignore_index=True)
image_slices = pd.concat(store.map(mt.input_slice_cell, [{"K": K, "N": N} for K in cfg.ranks for N in cfg.units],
                                   desc="image slices", depth=cfg.init_depth, nets=cfg.nets, data=data,
                                   box=cfg.slice_box, seed=rt.seed, device=rt.device), ignore_index=True)
Markdown(data_note)

# %% [markdown]
# (maxout-growth-table)=
# Every growth exponent of this chapter at initialisation with its $95\%$ bootstrap interval (the networks of
# every cell resampled, the line refitted; a cell with a mean of zero pieces has no exponent), which the
# scorecard compares with the degrees $n_0 = 2$ and $n_0 - 1 = 1$ of the bounds:

# %%
tables.growth_table({"2-D input": sweep, "2-D input, ReLU": relu_sweep, "slice of the images": image_slices})

# %% [markdown]
# (maxout-parameter-slice)=
# ### Regions across a slice of parameter space
#
# The paper's Figure 1 (right) shows the count of a three-layer maxout network in a fixed input box as a
# function of a 2D affine slice of *parameter* space. Its construction is in an appendix we have not seen, so we
# take the direct reading: with $\theta_0, \theta_1, \theta_2$ three independent maxout-He draws of all weights
# and biases,
#
# $$
# \theta(\xi_1, \xi_2) = \theta_0 + \xi_1 \theta_1 + \xi_2 \theta_2, \qquad (\xi_1, \xi_2) \in [-a, a]^2,
# $$ (eq-maxout-parameter-slice)
#
# with $a$ = {glue:text}`maxout-theta-extent` (`theta_extent`), on a `theta_steps` × `theta_steps` grid, every
# grid point one network (rank $K$ = {glue:text}`maxout-theta-rank`, $N$ = {glue:text}`maxout-theta-units`
# units in layers of widths {glue:text}`maxout-theta-widths`, box of half-width {glue:text}`maxout-box`), all
# counted exactly in batches.

# %%
theta = {"K": cfg.theta_rank, "N": cfg.theta_units, "depth": cfg.theta_depth}
slice_table = store.call(region_slices.parameter_slice_counts, **theta, steps=cfg.theta_steps,
                         extent=cfg.theta_extent, box=cfg.box, seed=rt.seed, device=rt.device)
tables.region_stats(slice_table)

# %% mystnb={"figure": {"caption": "Activation regions in $[-b,b]^2$ of the maxout networks of rank `theta_rank` with `theta_units` units in `theta_depth` layers on a 2D affine slice of parameter space $\\theta_0 + \\xi_1\\theta_1 + \\xi_2\\theta_2$ (left), and the input-space regions and decision boundary of the networks with the fewest (1) and the most (2) regions on the slice (right).", "name": "fig-maxout-parameter-slice"}}
examples = region_slices.slice_examples(slice_table, **theta, box=cfg.box, seed=rt.seed)
fig = regions_plots.parameter_slice_plot(downloadable("parameter-slice", slice_table), examples=examples)

# %% tags=["remove-cell"]
varlib.glue_all(prose.theta_slice_facts(slice_table, **theta))

# %% [markdown]
# {numref}`fig-maxout-parameter-slice` shows the count {glue:text}`maxout-theta-words` across parameter space:
# from {glue:text}`maxout-theta-min` to {glue:text}`maxout-theta-max` regions (a factor of
# {glue:text}`maxout-theta-ratio:.1f`), with the counts of neighbouring networks on the grid correlated at
# $r$ = {glue:text}`maxout-theta-corr:.2f`. {glue:text}`maxout-theta-point` Every point of the slice is itself a
# random network of the same family, with weights of variance $(1 + \xi_1^2 + \xi_2^2)$ times maxout-He's, and
# the largest count on the slice is {glue:text}`maxout-theta-near:.1e` of the upper bound on the maximum:
# {glue:text}`maxout-theta-near-words`.
#
# ### Initialisations at initialisation
#
# The four initialisations of the authors' code: ReLU-He (weights and biases $\mathcal N(0, 2/\text{fan-in})$,
# He's rule applied naively), maxout-He ($\mathcal N(0, c_K/\text{fan-in})$ with
# $c_K = 1/\mathbb E[(\max \text{ of } K \text{ standard normals})^2]$, computed by quadrature for any $K$),
# sphere (each feature's $(w, b)$ normalised jointly, then $b \leftarrow |b| - 1/\sqrt{K\,\text{fan-in}}$; the
# authors' code normalises by $\lVert w + b\mathbf 1\rVert$, a broadcasting slip, which our default corrects,
# with the legacy version behind a flag), and many-regions (features that are support lines of points on a half
# circle, so each unit breaks $K-1$ times along one direction). Regions per initialisation (mean and standard
# deviation over `nets` networks of depth {glue:text}`maxout-init-depth` with $N$ =
# {glue:text}`maxout-init-units` units):

# %%
init_grid = [{"K": K, "init": init} for K in cfg.ranks for init in MAXOUT_INITS]
init_cells = store.map(mt.count_cell, init_grid, desc="initialisations", N=cfg.init_units, depth=cfg.init_depth,
                       nets=cfg.nets, box=cfg.box, seed=rt.seed, device=rt.device)
init_table = pd.concat(init_cells, ignore_index=True)
tables.init_region_table(init_table)

# %% [markdown]
# ## Regions during training
#
# We train maxout networks on images with Adam (learning rate {glue:text}`maxout-lr`, batch
# {glue:text}`maxout-batch`, cross-entropy; the authors' demo uses $10^{-3}$ and $128$), for every
# initialisation and rank, `train_seeds` seeds each, all networks of one rank stacked into one batched ensemble.
# The paper's epoch count and number of seeds are unknown.
#
# This run trains on {glue:text}`maxout-data-name` (see {ref}`above <maxout-growth-table>`):
# {glue:text}`maxout-train-images` training and {glue:text}`maxout-test-images` test images of dimension
# {glue:text}`maxout-input-dim`. Regions are counted, before and during training, in the plane through three
# training images of different classes of the sweep above, in the box of half-width
# {glue:text}`maxout-slice-box`.

# %%
runs = store.map(mt.train_inits, [{"K": K} for K in cfg.train_ranks], desc="training", inits=list(MAXOUT_INITS),
                 seeds=cfg.train_seeds, units=cfg.train_units, depth=cfg.train_depth, data=data,
                 epochs=cfg.epochs, count_every=cfg.count_every, box=cfg.slice_box, lr=cfg.lr, batch=cfg.batch,
                 evals_per_epoch=cfg.evals_per_epoch, eval_inputs=cfg.eval_inputs, seed=rt.seed, device=rt.device)
history = pd.concat([r["history"] for r in runs], ignore_index=True)
slice_counts = pd.concat([r["counts"] for r in runs], ignore_index=True)

# %% mystnb={"figure": {"caption": "Regions (top) and decision-boundary pieces of the three slice labels (bottom) in the slice through three training images, before training (epoch 0) and during training, one line per initialisation (mean ± sd over seeds), one column per rank K.", "name": "fig-maxout-slice-counts"}}
fig = regions_plots.slice_counts_plot(downloadable("input-slice-counts", slice_counts))

# %% mystnb={"figure": {"caption": "The slice through three training images (black dots) of the first trained network of the first rank of `train_ranks` with the first initialisation of `picture_inits`, before (left) and after (right) training: activation regions (colours) and decision boundary of the three slice labels (black).", "name": "fig-maxout-slice-pictures"}}
panels, points = mt.slice_panels(runs[0], data, widths=split_widths(cfg.train_units, cfg.train_depth),
                                 init=cfg.picture_inits[0], box=cfg.slice_box, seed=rt.seed)
fig = regions_plots.region_pictures(panels, points=points)

# %% tags=["remove-cell"]
varlib.glue_all(prose.slice_training_facts(slice_counts))

# %% [markdown]
# {numref}`fig-maxout-slice-counts` and {numref}`fig-maxout-slice-pictures` show how training moves the
# partition. The authors' MNIST demo went from 111 to 193 regions in ten epochs (one network, $K=2$, $N=20$).
# The table below gives the mean counts of this run, on {glue:text}`maxout-data-name`.
# {glue:text}`maxout-slice-db-words` {glue:text}`maxout-slice-region-words`
# Whether this is a property of the data set, of the box, or a disagreement with the paper we cannot tell
# without the paper's MNIST runs (`-p dataset=mnist` with the MNIST files runs them).

# %%
tables.slice_region_table(slice_counts)

# %% [markdown]
#
# ## Which initialisation trains faster
#
# {numref}`fig-maxout-training` shows the training curves, evaluated {glue:text}`maxout-evals-per-epoch` times per
# epoch (the training loss on the first {glue:text}`maxout-eval-inputs` training images): on sixty thousand
# images most of the learning happens within the first epoch. We summarise speed by the mean training loss over
# these evaluations (the area under the loss curve) and by the first evaluation that reaches the target test
# accuracy {glue:text}`maxout-target-acc:.0%` (`target_acc`), in epochs.

# %% mystnb={"figure": {"caption": "Training loss (top, log scale) and test accuracy (bottom) against epochs for the four initialisations (mean ± sd over seeds), one column per rank K.", "name": "fig-maxout-training"}}
fig = regions_plots.training_curves(downloadable("training-history", history))

# %%
conv = mt.convergence_table(history, target=cfg.target_acc, classes=data.n_classes)
tables.convergence_means(conv)

# %% [markdown]
# The paper's comparison is with maxout-He, the initialisation that sphere and many-regions modify to raise the
# number of regions: the gap in mean training loss, maxout-He minus each of them, with its $95\%$ bootstrap
# interval over the `train_seeds` seeds (above zero: the modified initialisation trains faster).

# %%
tables.speed_gap_table(conv)

# %% tags=["remove-cell"]
varlib.glue_all(prose.init_speed_facts(conv, init_table))

# %% [markdown]
# {glue:text}`maxout-speed-words`
# With He's gain $c = 2$ the second moment of a maxout layer's output grows by $2\,\mathbb E[\max^2] \ge 2$ per
# layer, so ReLU-He overscales maxout networks, more so for larger $K$ and deeper networks; maxout-He keeps it
# constant. The effect compounds with depth, so it is weaker in the networks of depth
# {glue:text}`maxout-train-depth` trained here than in deep ones.
#
# ## What this chapter does not test
#
# - The paper's own figures and numbers (its text was not available): every "paper" entry below is the
#   authors' code or a qualitative statement.
# - The lower bounds on the expected number of regions.
# - The degree-$n_0$ growth for $n_0 = 3$: the exact counter clips polygons in a plane and would have to clip
#   polyhedra in three dimensions, and the linear-programming counter, which works in any dimension, needs
#   minutes per network at these sizes; every count here is in a 2-D input or a 2-D slice.
# - The exact parameter slice of Figure 1 (right), whose construction we could not check (ours is described
#   {ref}`above <maxout-parameter-slice>`), and the pieces of parameter space with counts near the maximum.
# - Training on MNIST with the paper's 50000/10000/10000 split: this book trains on Fashion-MNIST's 60000/10000
#   split unless `-p dataset=mnist` and the MNIST files are given.

# %% [markdown]
# The resources this run used (wall time since `setup`, peak memory of the process and, on a GPU, of the device):

# %%
varlib.resources(rt)

# %% tags=["remove-cell"]
varlib.glue_all(prose.threshold_facts())

# %% [markdown]
# ## Scorecard
#
# Each row states a claim, the paper's number where one is known, ours from this run, and a Verdict computed
# from the numbers and their $95\%$ bootstrap intervals (an interval needs at least
# {glue:text}`maxout-min-samples` networks or seeds per cell; a cell with fewer gives no interval, and a row left
# without the intervals it grades is "not tested").
#
# - **Growth in $N$.** The paper bounds the expected number of regions by a polynomial of degree $n_0 = 2$ in $N$
#   at every depth, and the decision boundary by one of degree $n_0 - 1$, while the largest possible count grows
#   exponentially with depth. The two growth rows call that reproduced when the interval of every fitted
#   exponent lies within {glue:text}`maxout-slope-tol` of the degree (halfway to the neighbouring degrees, the
#   growth laws it must be told from), partly when every estimate does. The regions row grades the maxout
#   networks on the 2-D input and in the slices of the images (the ReLU baseline is shown, not graded: its
#   narrow deep layers at small $N$ have many dead units); the boundary row grades depth 1, where the boundary
#   of a random network crosses the box most often (a cell with no piece at all gives no exponent).
# - **Growth in depth at a fixed width.** Where the sweep has one layer width at several depths
#   ($N$ = width × depth), the bound predicts growth at most like $\text{depth}^{n_0}$, the maximum exponential
#   growth: reproduced when every interval of the exponent in depth stays below
#   $n_0$ + {glue:text}`maxout-slope-tol`, not reproduced when one lies above it (the bound is an upper bound, so
#   a smaller exponent agrees with it). With three depths the test has little power: a count growing like
#   $N^2 a^{\text{depth}}$ stays below the limit up to $a \approx 1.2$, so it catches steep exponential growth only.
# - **Depth.** "Barely depends on depth" compares the deepest with the shallowest networks at the largest $N$: a
#   rank is flat when the interval of the relative change lies within
#   ±{glue:text}`maxout-threshold-depth-change:.0%`, depends on depth when it lies outside; reproduced when
#   every rank is flat, not reproduced when none is and one depends, partly otherwise, not tested when no rank
#   is resolved.
# - **Training.** "Increase during training" asks the count in the slice to rise in at least
#   {glue:text}`maxout-threshold-rise-full:.0%` of the runs (at least {glue:text}`maxout-threshold-rise-part:.0%`
#   for partly). "Speed up training" tests the paper's point, that the initialisations that raise the number of
#   regions train faster than the maxout-He initialisation they modify: per rank, the gap in mean training loss
#   over the loss curve, maxout-He minus sphere or many-regions, with an interval over seeds; a rank is faster
#   when one of the two has an interval above zero, slower when both lie below; reproduced when every rank is
#   faster. ReLU-He is not the baseline: it scales maxout networks up, so beating it shows a scale effect.
#   The two training rows say how many runs diverged (a training loss that is not finite or rises above
#   {glue:text}`maxout-divergence-factor:.0f` times its value before training) and how many sit at chance (final
#   test accuracy at most chance plus {glue:text}`maxout-chance-margin:.2f`). Both are not tested when fewer
#   than {glue:text}`maxout-threshold-min-trained:.0%` of the runs trained (neither diverged nor at chance);
#   "increase during training" then counts only the runs that trained, and "speed up" all runs that did not
#   diverge (a run stuck at chance is a slow run).
# - **Parameter slice.** A demonstration: along a slice of a continuous family of networks the count changes in
#   patches and over a range by construction, so no result could refute it; the row reports the range, the
#   correlation of neighbouring networks and how far the largest count stays from the maximum.

# %%
rows = maxout_scorecard(demo=demo, demo_seeds=demo_seeds, sweep=sweep, conv=conv, slice_counts=slice_counts,
                        target=cfg.target_acc, input_slices=image_slices, relu=relu_sweep)
varlib.scorecard(rows + [parameter_slice_row(slice_table, **theta)])
