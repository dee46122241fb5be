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
# (chapter-family)=
# # The equal-parameter MLP family
#
# Every chapter of this book compares networks that cost the same.
# {cite:t}`yu2021variability` fix the number of trainable parameters $P$ of a multi-layer perceptron
# and let depth and width trade against each other: a deeper net must be narrower.
# This chapter builds that family, checks its parameter counts, and draws what its random members compute.
#
# :::{admonition} Claims tested here
# :class: tip
# 1. All compared MLPs have the same number of parameters (the paper's setup).
# 2. At a fixed budget, deeper nets have more activations: the {term}`activation ratio <ρ>` $\rho = N/P$ rises
#    with depth (the paper's "variability rises with the number of activations" presumes this).
# 3. Random, well-scaled members are simple when shallow, richer when deeper, and collapse to a constant
#    when very deep ("Collapse to Constant", {term}`C2C`); measured here only by the
#    {term}`coefficient of variation <CV>`.
#    {ref}`The variability chapter <chapter-variability>` measures it with {term}`V3` and relates it to trainability.
# :::
#
# :::{admonition} Run this chapter yourself
# :class: note
# `python -m varlib book --chapter family --profile smoke` (seconds) or `--profile full` (paper scale);
# any size below can be overridden, e.g. `-p draws=10`.
# :::

# %% tags=["parameters"]
profile = "standard"     # smoke | standard | full: picks every size below
device = "auto"          # auto | cpu | cuda
seed = 0                 # one seed makes the chapter reproducible
threads = 2              # torch CPU threads (pinned: numbers depend on it)
results_dir = "results"  # computed results are stored here, one folder per profile
executor = "local"       # local | ray: where a sweep's missing items run (ray: pip install .[ray])
ray_address = None       # with ray: None (RAY_ADDRESS, else a local Ray) | auto | host:port
budgets = None           # parameter budgets P for the table (None: the profile's)
depths = None            # depths L for the table
draws = None             # random networks per (activation, depth) for the landscapes
grid = None              # landscape resolution: grid x grid points over [-1, 1]^2
landscape_budget = None  # the budget P of the drawn landscapes
landscape_depths = None  # the depths of the drawn landscapes
sigma_b = None           # standard deviation of the random biases
collapse_cv = None       # a draw with CV below this has collapsed to a constant
budget_tol = None        # relative miss of the budget that counts as "equal P"

# %% tags=["remove-output"]
import varlib
from varlib.book import family_report, plots

cfg = varlib.settings_from("family", globals())  # the parameters above, validated and frozen
rt = varlib.setup(device, seed, threads)
store = varlib.ResultStore(results_dir, profile, rt, executor=executor, ray_address=ray_address, chapter="family")
plots.set_style()

# %% [markdown]
# The settings and the provenance of this run (device, thread count, versions, commit):

# %%
varlib.run_summary(cfg, rt)

# %% [markdown]
# ## Counting parameters
#
# An MLP with input dimension $d_{in}$, $L$ hidden layers of width $w$, output dimension $d_{out}$ and a bias on
# every unit has
#
# $$
# P(L, w) = (d_{in}+1)\,w + (L-1)(w+1)\,w + (w+1)\,d_{out},
# $$ (eq-family-params)
#
# which for the paper's two-dimensional inputs and scalar output is $P(L,w) = (L-1)w^2 + (L+3)w + 1$.
# For each depth we take the integer width whose count is closest to the budget.
# The table lists the widths; the realised $P$ and the activation count $N = Lw$ follow.

# %%
table = varlib.family_table(cfg.budgets, cfg.depths)
table.pivot(index="depth", columns="budget", values="width")

# %% [markdown]
# The formula is checked against an independent count: each family member is built as an ordinary
# `torch.nn.Sequential` and its parameters are counted by PyTorch.

# %%
from IPython.display import Markdown

from varlib.book.report import downloadable

table["built_params"] = [varlib.built_param_count(d, w) for d, w in zip(table.depth, table.width)]
agree = bool((table.built_params == table.params).all())
Markdown(f"The formula and PyTorch agree on every member: **{'yes' if agree else 'no'}**.")

# %% tags=["remove-cell"]
varlib.glue_all(varlib.budget_misses(table, tol=cfg.budget_tol), prefix="family")

# %% [markdown]
# Because widths are integers, the realised $P$ misses the budget, and the miss grows as the net gets narrow:
# one unit of width then changes $P$ by a large fraction ({numref}`fig-family-ratio`, right, and the table
# below). With this profile's budgets every member up to $L =$ {glue:text}`family-within-depth` is within
# {glue:text}`family-tol:.0%` of its budget; the largest miss is $L =$ {glue:text}`family-worst-depth` at the
# budget {glue:text}`family-worst-budget` (width {glue:text}`family-worst-width`, $P =$
# {glue:text}`family-worst-params`), {glue:text}`family-worst-miss:.0%` off, as the scorecard's first row reports.
# The relative deviations $(P - \text{budget})/\text{budget}$:

# %%
table.pivot(index="depth", columns="budget", values="rel_deviation").round(3)

# %% [markdown]
# The activation ratio $\rho = N/P$ grows with depth from $L=2$ on, but in two dimensions the single hidden
# layer is the exception: each of its units costs only four parameters, so $L=1$ has $\rho = 1/4$, more than
# any deeper member.

# %% mystnb={"figure": {"caption": "Left: activation ratio $\\rho = N/P$ against depth for each budget. Right: relative deviation of the realised parameter count from the budget. Depth on a log scale.", "name": "fig-family-ratio"}}
fig = plots.ratio_vs_depth(downloadable("family", table))

# %% [markdown]
# ## What random members compute
#
# We draw random *well-scaled* members: hidden weights $W \sim \mathcal N(0, g^2/\text{fan-in})$ with the
# variance-preserving gain of the activation ($g^2 = 2$ for ReLU, $1$ for $|x|$), output weights
# $\mathcal N(0, 1/\text{fan-in})$ and biases $\mathcal N(0, \sigma_b^2)$. Each landscape is the output over a
# grid on $[-1,1]^2$. Its coefficient of variation $\mathrm{CV} = \mathrm{std}/\mathrm{rms}$ is near 0 when the
# net has collapsed to a constant.
# These draws are stored in the results folder and reused when the chapter runs again.

# %%
items = [{"activation": a, "depth": d, "budget": cfg.landscape_budget, "draws": cfg.draws, "n": cfg.grid,
          "sigma_b": cfg.sigma_b, "seed": rt.seed} for a in ("relu", "abs") for d in cfg.landscape_depths]
drawn = store.map(varlib.random_landscapes, items, desc="landscapes", device=rt.device)
cv = {(it["activation"], it["depth"]): r["cv"] for it, r in zip(items, drawn)}

# %% mystnb={"figure": {"caption": "The first random draw at each depth (columns) for ReLU and |x| (rows), at the landscape budget of this profile. Colours run over mean ± 2.5 std of each panel, never narrower than 1 % of its rms, so a collapsed net looks flat. Under every panel: the depth, the width and the CV of this draw.", "name": "fig-family-landscapes"}}
F = {(it["activation"], it["depth"]): r["landscapes"][0] for it, r in zip(items, drawn)}
notes = {(it["activation"], it["depth"]): f"w={r['width']}, CV={r['cv'][0]:.2g}" for it, r in zip(items, drawn)}
fig = plots.landscape_panels(F, ["relu", "abs"], list(cfg.landscape_depths), extra=notes)

# %% tags=["remove-cell"]
varlib.glue_all(family_report.deepest_draws(cv, cfg.collapse_cv), prefix="family")

# %% [markdown]
# {numref}`fig-family-landscapes` shows the story that the rest of the book quantifies.
# Shallow members are nearly planar and moderate depth gives folded, varied surfaces. At the deepest drawn depth,
# $L =$ {glue:text}`family-deepest`, the ReLU draw {glue:text}`family-deepest-relu` (CV =
# {glue:text}`family-deepest-relu-cv:.2g`) and the $|x|$ draw {glue:text}`family-deepest-abs` (CV =
# {glue:text}`family-deepest-abs-cv:.2g`); a draw below the collapse threshold stays visible because the colour
# scale has a floor of a hundredth of its rms.
# One draw per depth shows what a net can look like, not how often; the fraction of draws that collapsed
# (CV below the threshold `collapse_cv`):

# %%
collapsed = varlib.collapse_table(cv, threshold=cfg.collapse_cv)
downloadable("collapsed-fraction", collapsed)

# %% [markdown]
# The resources this run used (wall time since `setup`, peak memory of the process and, on a GPU, of the device):

# %%
varlib.resources(rt)

# %% [markdown]
# ## Scorecard
#
# Each row states a claim, the paper's number where one exists, ours from this run, and a verdict. The first two
# rows are *setup checks*: equal parameter counts and a ratio $\rho$ that rises with depth are properties of how
# we built the family, so they can fail (a wrong width rule would) but their holding reproduces nothing.

# %%
varlib.scorecard(varlib.family_scorecard(table, collapsed, draws=cfg.draws, tol=cfg.budget_tol))
