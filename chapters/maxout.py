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
# {cite:t}`tseran2021maxout` extend the picture to maxout networks of rank $K$: they bound the expected
# number of activation regions and of linear pieces of the decision boundary, propose initialisations
# for maxout units, and count regions at initialisation and during training.
# This chapter counts regions exactly, with a counter that needs no grid and no linear programs.
#
# :::{admonition} Claims tested here
# :class: tip
# 1. The authors' demo network ($K=2$, $N=20$ units, depth 3, box $[-3,3]^2$, their seed) has 216
#    activation regions and 30 decision-boundary pieces; a 300 × 300 grid sees 199 regions.
# 2. In practice the number of regions is far below the theoretical maximum.
# 3. The number of regions barely depends on depth at a fixed total number of units $N$.
# 4. The number of regions in an input slice rises during training.
# 5. Some initialisations make training converge faster.
# :::
#
# :::{admonition} Run this chapter yourself
# :class: note
# `python -m varlib book --chapter maxout --profile smoke` (seconds) or `--profile full` (paper scale, GPU);
# any size below can be overridden, e.g. `-p nets=10`. Put the four MNIST idx files in `data_dir` to train
# on MNIST; otherwise the chapter trains on scikit-learn's bundled 8 × 8 digits.
# :::
#
# **Sources.** The paper's full text was not available to us; the definitions, constants and demo numbers
# below come from the authors' public code (`github.com/hanna-tseran/maxout_complexity`), read in full.
# Where a number of the paper is unknown we say so.

# %% tags=["parameters"]
profile = "standard"     # smoke | standard | full: picks every size below
device = "auto"          # auto | cpu | cuda
seed = 0                 # one seed makes the chapter reproducible
threads = 2              # torch CPU threads (pinned: numbers depend on it)
results_dir = "results"  # computed results are stored here, one folder per profile
ranks = None             # maxout ranks K of the count sweep
units = None             # total hidden units N of the count sweep
depths = None            # depths of the count sweep
nets = None              # random networks per (K, N, depth) cell
picture_units = None     # N of the region pictures (depth 3)
grid_steps = None        # resolution of the grid estimate (steps x steps points)
train_ranks = None       # ranks K of the trained networks
train_units = None       # total hidden units N of the trained networks
train_depth = None       # depth of the trained networks
train_seeds = None       # trained networks per (K, initialisation)
epochs = None            # training epochs
count_every = None       # epochs between region counts in the slice
slice_box = None         # half-width of the box in the slice plane
target_acc = None        # test accuracy that defines "converged"
data_dir = None          # folder with the MNIST idx files (digits are used when they are absent)
theta_steps = None       # the parameter-slice heatmap is theta_steps x theta_steps networks

# %% tags=["remove-output"]
import pandas as pd

import varlib
from varlib.maxout import training as mt
from varlib.book import plots
from varlib.maxout import slices as region_slices
from varlib.maxout import plots as regions_plots
from varlib.maxout.scorecard import maxout_scorecard
from varlib.maxout import MAXOUT_INITS, authors_demo_net, count_regions, grid_region_count, split_widths

cfg = varlib.chapter_settings("maxout", profile, ranks=ranks, units=units, depths=depths, nets=nets,
                              picture_units=picture_units, grid_steps=grid_steps, train_ranks=train_ranks,
                              train_units=train_units, train_depth=train_depth, train_seeds=train_seeds,
                              epochs=epochs, count_every=count_every, slice_box=slice_box,
                              target_acc=target_acc, data_dir=data_dir, theta_steps=theta_steps)
rt = varlib.setup(device, seed, threads)
store = varlib.ResultStore(results_dir, profile, rt)
plots.set_style()

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
# and a ReLU is the rank-2 unit whose second feature is fixed at zero.
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
# maxout-He initialisation) and reports its counts in $[-3,3]^2$. We redraw it in their order and count.

# %%
demo_net = authors_demo_net()
demo = count_regions(demo_net, (-3.0, 3.0))
demo_grid = int(grid_region_count(demo_net, (-3.0, 3.0), steps=300)[0])
demo.assign(grid_regions_300=demo_grid)

# %% [markdown]
# The same setting with our own seeds shows how typical that network is (mean and spread over nets):

# %%
demo_seeds = store.cached("maxout-demo-seeds", {"nets": 4 * cfg.nets, "seed": rt.seed},
                          lambda: {"table": mt.count_cell(2, 20, 3, 4 * cfg.nets, seed=rt.seed)})["table"]
demo_seeds[["regions", "linear_regions", "db_pieces"]].describe().loc[["mean", "std", "min", "max"]].round(1)

# %% [markdown]
# In our standard run the authors' draw (216 regions, 30 boundary pieces) sits near the top of our 24 seeds
# (144 ± 44 regions, at most 223): a rich network, not a typical one.
#
# Activation regions and linear regions coincide for these generic random networks: every region has its own
# affine map. {numref}`fig-maxout-pictures` shows one random network per rank and initialisation.
# Each panel also reports what a grid of `grid_steps` × `grid_steps` points (this profile's setting) sees:
# the grid count, which the authors use for their pictures, misses the regions that hold no grid point.

# %% mystnb={"figure": {"caption": "Activation regions (coloured polygons) and the decision boundary of the two outputs (black) of one random network with N hidden units (`picture_units`: 20 on the standard and full profiles) in depth 3 on $[-3,3]^2$: the first of eight seeds whose decision boundary crosses the box, or the first seed when none of the eight does (the panels reporting 0 DB pieces), for ranks K = 2, 3, 5 (columns), with the maxout-He initialisation (top) and the many-regions initialisation (bottom). Each label gives the exact counts and the grid estimate.", "name": "fig-maxout-pictures"}}
panels, picture_counts = mt.picture_panels([2, 3, 5], cfg.picture_units, 3, ["maxout_he", "many_regions"],
                                           seed=rt.seed, grid_steps=cfg.grid_steps)
fig = regions_plots.region_pictures(panels, ncols=3)

# %% [markdown]
# ## How many regions, against units, depth and rank
#
# For every rank $K$, total number of units $N$ and depth we draw random maxout-He networks and count their
# regions and decision-boundary pieces exactly in $[-3,3]^2$. The number of networks per cell in the paper is
# unknown; we use the `nets` of this profile.

# %%
items = [{"K": K, "N": N, "depth": d, "nets": cfg.nets, "seed": rt.seed}
         for K in cfg.ranks for N in cfg.units for d in cfg.depths if d <= N]
cells = store.sweep("maxout-counts", items, lambda it: {"table": mt.count_cell(
    it["K"], it["N"], it["depth"], it["nets"], seed=it["seed"], device=rt.device)}, desc="count sweep")
sweep = pd.concat([c["table"] for c in cells], ignore_index=True)
bounds = store.cached("maxout-bounds", {"ranks": list(cfg.ranks), "units": list(cfg.units), "seed": rt.seed},
                      lambda: {"table": mt.bound_curves(cfg.ranks, cfg.units, seed=rt.seed)})["table"]

# %% mystnb={"figure": {"caption": "Exact counts at initialisation (maxout-He, box $[-3,3]^2$) against the total number of hidden units N: activation regions (top) and decision-boundary pieces (bottom), mean ± standard error over networks, one line per depth, one column per rank K. Grey: the full bound of the authors' code (dash-dot, with $C_\\text{grad}$ averaged over depth-3 networks), the with-K curve (dashed) and the $N^{n_0}/n_0!$ reference (dotted; $N$ for the boundary). Counts of 0 are drawn at 0.5.", "name": "fig-maxout-counts"}}
fig = regions_plots.counts_vs_units(sweep, bounds)

# %% [markdown]
# {numref}`fig-maxout-counts` shows region counts growing like $N^2$, as the bounds predict, and sitting orders
# of magnitude below the full bound {eq}`eq-maxout-bound`. Boundary pieces grow like $N$ at depth 1; deeper
# cells are noisy with `nets` networks each, since the boundary of a deep random network often misses the box.
# The mean counts at the largest $N$, by rank and depth, next to an upper bound on the maximum that the
# architecture allows: the product over layers of the one-layer maximum $\sum_{j\le 2}\binom{n_l}{j}(K-1)^j$,
# which grows exponentially with depth. For one layer that formula is the exact maximum; for deeper networks
# the exact maximum is not known and may be much smaller.

# %%
top = sweep[sweep.N == sweep.N.max()].groupby(["K", "depth"])
summary = top[["regions", "db_pieces"]].mean().round(0)
summary["upper bound"] = [mt.deep_max_regions(split_widths(int(sweep.N.max()), d), K) for K, d in summary.index]
summary

# %% [markdown]
# For rank 2 the count hardly moves with depth; for ranks 3 and 5 the shallow networks have more regions in
# this box than the deep ones, as in the pilot runs of our specification. A single layer of $N$ rank-2 units
# (one bend line each) in general position reaches $1 + N + \binom N2$ regions in the whole plane, and the
# depth-1 networks realise a sizeable fraction of their maximum inside the box (the scorecard gives the
# ratios), whereas deep networks stay many orders of magnitude below theirs.
#
# (maxout-parameter-slice)=
# ### Regions across a slice of parameter space
#
# The paper's Figure 1 (right) shows the count of a 3-layer maxout network in a fixed input box as a function
# of a 2D affine slice of *parameter* space. Its construction is in an appendix we have not seen, so we take the
# direct reading: with $\theta_0, \theta_1, \theta_2$ three independent maxout-He draws of all weights and biases,
#
# $$
# \theta(\xi_1, \xi_2) = \theta_0 + \xi_1 \theta_1 + \xi_2 \theta_2, \qquad (\xi_1, \xi_2) \in [-1, 1]^2,
# $$ (eq-maxout-parameter-slice)
#
# on a `theta_steps` × `theta_steps` grid, every grid point one network ($K = 3$, $N = 20$, widths 7, 7, 6,
# box $[-3,3]^2$), all counted exactly in batches.

# %%
slice_table = store.cached("maxout-parameter-slice", {"steps": cfg.theta_steps, "seed": rt.seed}, lambda: {
    "table": region_slices.parameter_slice_counts(3, 20, 3, steps=cfg.theta_steps, seed=rt.seed,
                                                  device=rt.device)})["table"]
slice_table[["regions", "linear_regions", "db_pieces"]].describe().loc[["mean", "std", "min", "max"]].round(1)

# %% mystnb={"figure": {"caption": "Activation regions in $[-3,3]^2$ of the rank-3, 20-unit, depth-3 maxout networks on a 2D affine slice of parameter space $\\theta_0 + \\xi_1\\theta_1 + \\xi_2\\theta_2$ (left), and the input-space regions and decision boundary of the networks with the fewest (1) and the most (2) regions on the slice (right).", "name": "fig-maxout-parameter-slice"}}
examples = region_slices.slice_examples(slice_table, 3, 20, 3, seed=rt.seed)
fig = regions_plots.parameter_slice_plot(slice_table, examples)

# %% [markdown]
# {numref}`fig-maxout-parameter-slice` shows the count varying strongly across parameter space, in patches:
# neighbouring networks on the grid have similar counts, distant ones differ by a factor of about 3 in our
# standard run (the scorecard gives the range and the correlation of neighbours). This is the paper's point
# that parameter space holds full-dimensional pieces of very different complexity. Every point of the slice is
# itself a random network of the same family, with weights of variance $(1 + \xi_1^2 + \xi_2^2)$ times
# maxout-He's, and none comes anywhere near the upper bound on the maximum: pieces of near-maximal complexity,
# which the paper also reports, are not found by a random slice.
#
# ### Initialisations at initialisation
#
# The four initialisations of the authors' code: ReLU-He (weights and biases $\mathcal N(0, 2/\text{fan-in})$,
# He's rule applied naively), maxout-He ($\mathcal N(0, c_K/\text{fan-in})$ with
# $c_K = 1/\mathbb E[(\max \text{ of } K \text{ standard normals})^2]$, computed by quadrature for any $K$),
# sphere (each feature's $(w, b)$ normalised jointly, then $b \leftarrow |b| - 1/\sqrt{K\,\text{fan-in}}$; the
# authors' code normalises by $\lVert w + b\mathbf 1\rVert$, a broadcasting slip, which our default corrects,
# with the legacy version behind a flag), and many-regions (features that are support lines of points on a half
# circle, so each unit breaks $K-1$ times along one direction). Regions per initialisation
# (mean over networks, depth 3, middle $N$ of the sweep):

# %%
init_items = [{"K": K, "N": int(sorted(cfg.units)[len(cfg.units) // 2]), "init": init, "nets": cfg.nets,
               "seed": rt.seed} for K in cfg.ranks for init in MAXOUT_INITS]
init_cells = store.sweep("maxout-inits", init_items, lambda it: {"table": mt.count_cell(
    it["K"], it["N"], min(3, it["N"]), it["nets"], it["init"], seed=it["seed"], device=rt.device)},
    desc="initialisations")
init_table = pd.concat([c["table"] for c in init_cells], ignore_index=True)
init_table.groupby(["K", "init"]).regions.agg(["mean", "std"]).round(0).unstack("init")

# %% [markdown]
# ## Regions during training
#
# We train maxout networks on images with Adam (learning rate $10^{-3}$, batch 128, cross-entropy), as the
# authors' demo does, for every initialisation and rank, several seeds each, all networks of one rank stacked
# into one batched ensemble. The paper trains on MNIST with a 50000/10000/10000 split; its epoch count and
# number of seeds are unknown. Without the MNIST files this chapter trains on scikit-learn's 8 × 8 digits
# (1797 images, 64 pixels, 75 % for training), a much smaller problem: its numbers are a sanity check, not a
# reproduction of the paper's curves.

# %%
data = mt.load_training_data(cfg.data_dir)
print(f"dataset: {data.name}, {len(data.y_train)} training and {len(data.y_test)} test images of dimension {data.dim}")

# %% [markdown]
# Regions are counted, before and during training, in the plane through three training images of three
# different classes (centred at their centroid, orthonormal basis of the differences), in the box
# $[-b, b]^2$ of plane coordinates. The authors use $b = 50$ for 784-pixel MNIST; we scale it by
# $\sqrt{64/784} \approx 0.29$ for the digits, to about 15 (`slice_box` of this profile). The decision boundary in the slice is that of
# the three slice labels, as in the authors' code.

# %%
train_items = [{"K": K, "units": cfg.train_units, "depth": cfg.train_depth, "seeds": cfg.train_seeds,
                "epochs": cfg.epochs, "count_every": cfg.count_every, "box": cfg.slice_box,
                "data": data.name, "seed": rt.seed} for K in cfg.train_ranks]
runs = store.sweep("maxout-training", train_items, lambda it: mt.train_inits(
    it["K"], list(MAXOUT_INITS), it["seeds"], it["units"], it["depth"], data, epochs=it["epochs"],
    count_every=it["count_every"], box=it["box"], seed=it["seed"], device=rt.device), desc="training")
history = pd.concat([r["history"] for r in runs], ignore_index=True)
slice_counts = pd.concat([r["counts"] for r in runs], ignore_index=True)

# %% mystnb={"figure": {"caption": "Regions (top) and decision-boundary pieces of the three slice labels (bottom) in the slice through three training images, before training (epoch 0) and during training, one line per initialisation (mean ± sd over seeds), one column per rank K.", "name": "fig-maxout-slice-counts"}}
fig = regions_plots.slice_counts_plot(slice_counts)

# %% mystnb={"figure": {"caption": "The slice through three training images (black dots) of the first maxout-He network of the first trained rank, before (left) and after (right) training: activation regions (colours) and decision boundary of the three slice labels (black).", "name": "fig-maxout-slice-pictures"}}
K0 = cfg.train_ranks[0]
net0 = list(MAXOUT_INITS).index("maxout_he") * cfg.train_seeds
panels, points = mt.slice_panels(runs[0], data, K0, split_widths(cfg.train_units, cfg.train_depth), net0,
                                 cfg.slice_box, seed=rt.seed)
fig = regions_plots.region_pictures(panels, points=points)

# %% [markdown]
# {numref}`fig-maxout-slice-counts` and {numref}`fig-maxout-slice-pictures` show how training moves the
# partition. The authors' MNIST demo went from 111 to 193 regions in ten epochs (one network, $K=2$, $N=20$).
# In our standard run on the digits the picture is mixed (table below). The decision boundary gains pieces
# in the first ten epochs for every initialisation but maxout-He at $K=5$, which stays flat, as the classifier
# learns to separate the three slice classes. The number of regions in the slice rises only for ReLU-He at
# $K=5$ and for many-regions at $K=2$, which starts with far fewer regions than the others; for every other
# initialisation it falls in the first ten epochs and partly recovers.
# Whether this is a property of the smaller problem, of the box, or a disagreement with the paper we cannot
# tell without the paper's MNIST runs (the `full` profile trains on MNIST when its files are present).

# %%
slice_counts.groupby(["K", "init", "epoch"])[["regions", "db_pieces"]].mean().round(0).unstack("epoch")

# %% [markdown]
#
# ## Which initialisation trains faster
#
# {numref}`fig-maxout-training` shows the training curves. We summarise speed by the mean training loss over
# all epochs (the area under the loss curve) and by the first epoch that reaches the target test accuracy
# of this profile.

# %% mystnb={"figure": {"caption": "Training loss (top, log scale) and test accuracy (bottom) per epoch for the four initialisations (mean ± sd over seeds), one column per rank K.", "name": "fig-maxout-training"}}
fig = regions_plots.training_curves(history)

# %%
conv = mt.convergence_table(history, cfg.target_acc)
conv.groupby(["K", "init"])[["epochs_to_target", "mean_loss", "final_acc"]].mean().round(3)

# %% [markdown]
# In our standard run maxout-He and sphere reach the target in about 10 epochs, ReLU-He and many-regions in
# 15–22, for both ranks; the many-regions initialisation starts with far fewer regions for $K=2$
# (see the table of initialisations above) and also trains slowest there.
# With He's gain $c = 2$ the second moment of a maxout layer's output grows by $2\,\mathbb E[\max^2] \ge 2$ per
# layer, so ReLU-He overscales maxout networks, more so for larger $K$ and deeper networks; maxout-He keeps it
# constant. At the small depth trained here the scale matters less than in deep networks.
#
# ## What this chapter does not test
#
# - The paper's own figures and numbers (its text was not available): every "paper" entry below is the
#   authors' code or a qualitative statement.
# - The lower bounds on the expected number of regions.
# - The exact parameter slice of Figure 1 (right), whose construction we could not check (ours is described
#   {ref}`above <maxout-parameter-slice>`), and the pieces of parameter space with counts near the maximum.
# - Training on MNIST with the paper's 50000/10000/10000 split, unless the MNIST files are supplied.

# %% [markdown]
# The resources this run used (wall time since `setup`, peak memory of the process and, on a GPU, of the device):

# %%
varlib.resources(rt)

# %% [markdown]
# ## Scorecard
#
# Each row states a claim, the paper's number where one is known, ours from this run, and a Verdict computed
# from the numbers. "Far below the maximum" compares the mean count at the largest $N$ of networks of depth
# at least 2 with the upper bound on their maximum above and asks for less than 1 %; "barely depends on depth"
# asks the counts at the largest $N$ to vary by at most 25 % across depths; "faster" asks the best of
# maxout-He, sphere and many-regions to beat ReLU-He in mean training loss by more than one standard deviation
# over seeds. The parameter-slice row asks the counts on the slice to differ by a factor of at least 2 and
# neighbouring networks on the grid to have correlated counts (correlation at least 0.5: patches, not noise);
# it can at best be partly reproduced, since a random slice does not look for the pieces with counts near the
# maximum that the paper also reports.

# %%
varlib.scorecard(maxout_scorecard(demo, demo_grid, demo_seeds, sweep, conv, slice_counts, cfg.target_acc)
                 + [region_slices.parameter_slice_row(slice_table, 3, 20, 3)])
