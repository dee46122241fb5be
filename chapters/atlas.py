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
# (chapter-atlas)=
# # The trainability atlas: four lenses on one family
#
# Each paper of this book looks at trainability through one lens: {cite:t}`yu2021variability` through the
# variability of the output landscape, {cite:t}`tseran2021maxout` through the number of linear pieces,
# {cite:t}`yang2021tensor` and {cite:t}`hajjar2021integrable` through how signals and gradients scale with width and
# depth, {cite:t}`ziyin2022exact` through the exact solution of a deep linear net. No paper puts them side by side.
# This chapter measures all four on the *same* random nets of the equal-parameter family of {ref}`chapter-family`,
# trains those very nets, and asks which lens predicts which of them train.
#
# :::{admonition} What this chapter asks, and what it does not
# :class: warning
# The question is ours, not a paper's: no paper claims that its lens predicts trainability better than depth, so the
# verdicts below answer our question under our protocol ("reproduced" reads "supported"). The protocol is the one
# of the lens chapters: the family, bias scale, landscape grid, checkerboard and optimiser of
# {ref}`chapter-variability`; the exact counter of {ref}`chapter-maxout`; the abc-parameterizations of
# {ref}`chapter-integrable`; the critical weight decay of {ref}`chapter-deep_linear`. The atlas adds no copy of
# their logic: every column is computed by the package that owns it. What is new is the pairing and the statistics.
# :::
#
# :::{admonition} Run this chapter yourself
# :class: note
# `python -m varlib book --chapter atlas --profile smoke` (seconds) or `--profile full` (two budgets, depths one to
# 64, a hundred draws and twenty trained seeds a cell, for a GPU; add `-p executor=ray` to spread the cells over Ray
# workers; an interrupted run resumes from its stored cells). Any size can be overridden, e.g.
# `-p 'depths=[2,4,8]' -p draws=32 -p seeds=32`.
# :::

# %% tags=["parameters"]
profile = "standard"     # smoke | standard | full: picks every size below
device = "auto"          # auto | cpu | cuda
seed = 0                 # one seed makes the chapter reproducible
threads = 2              # torch CPU threads (pinned: numbers depend on it)
results_dir = "results"  # computed results are stored here, one folder per profile
executor = "local"       # local | ray: where the sweep's missing cells run (ray: pip install .[ray])
ray_address = None       # with ray: None (RAY_ADDRESS, else a local Ray) | auto | host:port
budgets = None           # parameter budgets P of the family
depths = None            # depths L (hidden layers)
activations = None       # relu | abs | tanh | maxout:2 | maxout:3
draws = None             # random nets per (budget, depth, activation)
seeds = None             # of those, the first seeds are trained (at most draws)
grid = None              # landscape resolution of the variability lens: grid x grid points over [-1, 1]^2
tau = None               # collapse threshold: a draw is C2C when its CV is below tau
sigma_b = None           # standard deviation of the random biases
board = None             # the checkerboard has board x board cells
train_grid = None        # training points: train_grid x train_grid cell-interior grid
steps = None             # full-batch Adam steps per training run
lr = None                # Adam learning rate
eval_every = None        # training accuracy is checked every eval_every steps
success_acc = None       # a run succeeds when its training accuracy reaches this
count_width = None       # regions are counted exactly only in nets at most this wide (else NaN)
resamples = None         # bootstrap resamples of every interval

# %% tags=["remove-output"]
from IPython.display import Markdown

import varlib
from varlib import atlas as A
from varlib.atlas import plots as aplots
from varlib.book import plots
from varlib.book.report import downloadable, downloadable_text, folded

cfg = varlib.settings_from("atlas", globals())  # the parameters above, validated and frozen
rt = varlib.setup(device, seed, threads)
store = varlib.ResultStore(results_dir, profile, rt, executor=executor, ray_address=ray_address, chapter="atlas")
plots.set_style()

# %% [markdown]
# The settings and the provenance of this run (device, thread count, versions, commit):

# %%
varlib.run_summary(cfg, rt)

# %% tags=["remove-cell"]
varlib.glue("atlas-budgets", list(cfg.budgets))
varlib.glue("atlas-depths", list(cfg.depths))
varlib.glue("atlas-activations", list(cfg.activations))
varlib.glue("atlas-draws", cfg.draws)
varlib.glue("atlas-seeds", cfg.seeds)
varlib.glue("atlas-steps", cfg.steps)
varlib.glue("atlas-board", cfg.board)
varlib.glue("atlas-train-grid", cfg.train_grid)
varlib.glue("atlas-success-acc", cfg.success_acc)
varlib.glue("atlas-count-width", cfg.count_width)
varlib.glue("atlas-resamples", cfg.resamples)

# %% [markdown]
# ## The table
#
# One cell of the sweep is a (budget $P$, depth $L$, activation) of the family: 2-D input, $L$ hidden layers of the
# width $w$ whose parameter count is closest to $P$, one output. In each cell we draw random nets (biases
# $\mathcal N(0, \sigma_b^2)$, weights scaled to preserve the variance, as in {ref}`chapter-variability`) and
# measure each draw through every lens; the first `seeds` draws are then trained, each from its own initial
# weights. **This run** (the `profile` setting): budgets {glue:text}`atlas-budgets`, depths
# {glue:text}`atlas-depths`, activations {glue:text}`atlas-activations`, {glue:text}`atlas-draws` draws a cell of
# which {glue:text}`atlas-seeds` are trained for {glue:text}`atlas-steps` full-batch Adam steps on a
# {glue:text}`atlas-board` × {glue:text}`atlas-board` checkerboard sampled on {glue:text}`atlas-train-grid` ×
# {glue:text}`atlas-train-grid` points. **Choice:** the book's `standard` profile must run within minutes on a
# 2-core CPU, so it takes one budget, a handful of depths, three activations and short training; the
# `full` profile takes the budgets of about two and ten thousand parameters, depths one to 64, a hundred draws and
# twenty trained seeds a cell, and full-length training. A maxout unit of rank $K$ takes the maximum of $K$ affine
# features, so at one budget a maxout net is narrower than a ReLU net of the same depth (the table's `width`
# column).
#
# The columns, by lens:
#
# - **Variability** ({ref}`chapter-variability`): V3, the coefficient of variation CV of the landscape, the
#   collapse-to-constant flag (CV below $\tau$), the dead flag and the activation ratio $\rho = Lw/P$.
# - **Complexity** ({ref}`chapter-maxout`): the exact numbers of activation regions, of linear regions (adjacent
#   activation regions with one affine map merged) and of decision-boundary pieces $\{f = 0\}$ in $[-1,1]^2$ at
#   initialisation. Maxout nets are counted as they are; a ReLU net is the rank-2 maxout net $\max(z, 0)$ and an
#   $|x|$ net the rank-2 maxout net $\max(z, -z)$, so the maxout counter counts them exactly; tanh nets are not
#   piecewise linear (no count). **Choice:** nets wider than {glue:text}`atlas-count-width` units (`count_width`: the
#   one-layer nets) are not counted: their hundreds of lines cut the square into about $10^5$ regions, minutes a
#   net. The scorecard uses the linear regions, the count {cite:t}`tseran2021maxout` bound.
# - **Signal propagation** ({ref}`chapter-integrable`): the output scale $\mathrm{rms}_x f(x)$ over the training
#   inputs, the norms of the loss gradient of the first, last hidden and output weights at initialisation, their
#   log-ratio $\log_{10}(\|\nabla W_1\| / \|\nabla W_{L+1}\|)$ (how much the gradient shrinks on its way back),
#   and, for the same architecture under μP and under IPLLR, the output scale $\overline{|f|}$ and the same gradient
#   log-ratio for the weights $w^1$ and $w^{L+1}$. **Choice:** those use the integrable package's own initial draws
#   of the same member index (its parameterizations have their own biases and variances), not the weights we train.
#   That package's abc-parameterizations are of elementwise activations, so maxout nets have no μP or IPLLR columns.
# - **Deep linear** ({ref}`chapter-deep_linear`): the critical weight decay $\gamma^*(L)$ of the isotropic unit
#   task ($A = M = 1$), above which the zero solution wins. It is a function of depth alone, falling with $L$: the
#   *depth-only baseline* that a nonlinear lens must beat.
# - **Trainability**: success (training accuracy at least {glue:text}`atlas-success-acc`) and the best training
#   accuracy of that same draw, from the variability lens's trainer, whose member $r$ starts from draw $r$.

# %%
cells = store.map(A.atlas_cell, A.atlas_grid(cfg.budgets, cfg.depths, cfg.activations), desc="atlas",
                  draws=cfg.draws, seeds=cfg.seeds, grid=cfg.grid, tau=cfg.tau, sigma_b=cfg.sigma_b, board=cfg.board,
                  train_grid=cfg.train_grid, steps=cfg.steps, lr=cfg.lr, eval_every=cfg.eval_every,
                  success_acc=cfg.success_acc, count_width=cfg.count_width, seed=rt.seed, device=rt.device)
table = A.stack_atlas(cells)
downloadable("atlas", folded(table, "The whole atlas table", head=5))

# %% tags=["remove-cell"]
correlations = A.lens_correlations(table, resamples=cfg.resamples, seed=rt.seed)
partial = A.beyond_depth(table, resamples=cfg.resamples, seed=rt.seed)
varlib.glue_all(A.atlas_facts(table, partial), prefix="atlas")
varlib.glue("atlas-pull-apart", A.pull_apart_sentence(table, correlations, partial))

# %% [markdown]
# The table has {glue:text}`atlas-rows` rows, {glue:text}`atlas-trained` of them trained
# ({glue:text}`atlas-success:.0%` succeeded; mean best accuracy {glue:text}`atlas-best-accuracy:.2f`;
# {glue:text}`atlas-c2c` draws collapsed to a constant). It downloads as CSV (the box after the scorecard) with its
# schema, one row per column: its type, the lens that owns it and what it means. The same schema downloads as JSON
# (a table schema in the style of Frictionless Data, shown below it); the key of a row is (budget, depth,
# activation, draw).

# %%
downloadable("atlas-schema", A.schema_table())

# %% tags=["remove-input"]
Markdown(f"```json\n{downloadable_text('atlas-schema', A.schema_json(), 'json')}\n```")

# %% [markdown]
# ## Each lens against trainability
#
# {numref}`fig-atlas-pairs` puts the score of each lens against the best training accuracy of the same net, one
# point per trained draw.

# %% mystnb={"figure": {"caption": "Each lens's score at initialisation (columns: V3, linear regions in $[-1,1]^2$, gradient log-ratio, $\\gamma^*$) against the best checkerboard training accuracy of the same net (rows: activations; budget pooled), one point per trained draw, coloured by depth. $\\gamma^*$ depends on depth only, so its points stand in columns.", "name": "fig-atlas-pairs"}}
fig = aplots.lens_pairs(table)

# %% [markdown]
# ## Which lens predicts trainability
#
# Per budget and activation, the trained draws of every depth form one pool. For each lens score $s$ we take
# Spearman's rank correlation $r$ with the best accuracy over the pool, with a percentile-bootstrap interval
# ({glue:text}`atlas-resamples` resamples of the draws, 95 per cent). Depth itself drives most of the pool's
# spread: deep nets collapse and fail, so every score that moves with depth correlates with trainability. The
# question of the issue is what a lens adds **beyond depth**: the *partial rank correlation given depth* takes the
# ranks of $s$ and of the accuracy over the pool, subtracts their mean within each depth, and correlates what is left
# (its interval resamples draws within each depth). A function of depth alone, such as $\gamma^*$ or $\rho$, has
# nothing left (n/a). Each cell of the table reads $r$ [low, high]:

# %%
downloadable("atlas-correlations", A.correlation_table(correlations, partial))

# %% [markdown]
# ## Which lens wins where, and where all fail
#
# Where a nonlinear lens has a partial correlation whose interval lies above zero, it ranks nets *of the same depth*
# by how well they train, which depth cannot. The best such lens per pool:

# %%
A.lens_winners(partial)

# %% [markdown]
# In short, the best lens beyond depth is {glue:text}`atlas-winners`. {glue:text}`atlas-all-fail`
#
# How to read this. With few draws per depth the intervals of the partial correlations are wide, so a lens that
# fails here may still carry a weak signal that the `full` profile's hundred draws and twenty seeds per cell would
# resolve. The plain correlations are dominated by depth: a lens whose score rises or falls with depth inherits
# depth's correlation with training, whatever it measures; that is why the baseline $\gamma^*$, which knows nothing
# but $L$, must be beaten within depths, not across them. $\gamma^*$ falls monotonically with depth while
# trainability first rises and then falls, so a monotone depth score is a weak baseline across depths; the partial
# correlations compare against the strong one, any function of depth (the mean of each depth). Complexity is
# defined for the piecewise-linear nets only (not tanh), and the μP and IPLLR scales are of the same architecture,
# not of the trained weights, and of elementwise nets only; they are shown, not judged.
# Where the plain and the partial correlation of a score have opposite signs, depth and the lens pull apart: a score
# that rises with depth towards depths that no longer train goes against training across depths, while within a
# depth it may still rank the nets the right way. {glue:text}`atlas-pull-apart`
#
# ## Scorecard
#
# - **A nonlinear lens predicts trainability better than depth alone** (one row each for V3, the linear-region
#   count and the gradient log-ratio) when the interval of its partial rank correlation given depth lies above zero:
#   reproduced (supported) when that holds in every pool where the score is defined, partly in some, not reproduced
#   in none; not tested where no pool defines it.
# - **Depth alone ranks trainability** when the interval of the plain rank correlation of $\gamma^*$ with the best
#   accuracy excludes zero, of either sign, in every pool (partly: in some).

# %%
varlib.scorecard(A.atlas_scorecard(correlations, partial))
