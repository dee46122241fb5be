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
# (chapter-integrable)=
# # Integrable parameterizations: the stuck deep IP and its fixes
#
# {cite:t}`hajjar2021integrable` study the *integrable parameterization* (IP) of a deep MLP, in which every
# hidden layer averages over its $m$ inputs, $h^l = \frac1m \sum_j U^l_{ij}\,\sigma(h^{l-1}_j)$, so that the
# infinite-width limit is an integral. With the mean-field learning rates this "naive" IP does not train at
# depth: it starts at a stationary point of the limit dynamics. Their fix, IP-LLR, takes one enormous first
# step and then returns to the mean-field rates; it trains with smooth activations but, unexplained by their
# theory, fails with ReLU. This chapter rebuilds every piece in the abc-framework of {cite:t}`yang2021tensor`.
#
# :::{admonition} Claims tested here
# :class: tip
# 1. A parameterization is a point $(a_l, b_l, c_l)$ per layer, and $(a+\theta, b-\theta, c-2\theta)$ leaves
#    training unchanged.
# 2. At initialisation the IP output shrinks like $m^{-L/2}$ (μP: $m^{-1/2}$) and the loss is $\ln 10$.
# 3. Naive IP learns at $L = 2$ and is stuck for $L \geq 3$: flat loss, weights that barely move, less as
#    $m$ grows.
# 4. IP-LLR escapes, and it is exactly a modified μP.
# 5. Under IP-LLR, ReLU collapses the representation after the first step while GeLU, ELU and tanh learn;
#    smooth activations give rank $K-1$ updates.
# 6. The main comparison: μP, IP-LLR, IP-bias and IP-non-centered with four activations.
# :::
#
# :::{admonition} Run this chapter yourself
# :class: note
# `python -m varlib book --chapter integrable --profile smoke` (seconds); `--profile full` runs the paper's
# width $m = 1024$ and 600 steps on a GPU, on MNIST when its files are given:
# `-p data_dir=/path/to/mnist` (the four idx files; nothing is downloaded), otherwise on digits.
# :::

# %% tags=["parameters"]
profile = "standard"     # smoke | standard | full: picks every size below
device = "auto"          # auto | cpu | cuda
seed = 0                 # one seed makes the chapter reproducible
threads = 2              # torch CPU threads (pinned: numbers depend on it)
results_dir = "results"  # computed results are stored here, one folder per profile
data_dir = None          # folder with the MNIST idx files or CIFAR-10 python batches (None: digits only)
dataset = None           # digits | mnist | cifar10_gray | teacher
init_widths = None       # widths of the initialisation sweep
init_draws = None        # random draws per width at initialisation
stuck_depths = None      # depths L of the Naive-IP runs
stuck_widths = None      # widths of the Naive-IP runs
stuck_steps = None       # SGD steps of the Naive-IP runs
stuck_eta = None         # base learning rate of the Naive-IP runs
equiv_width = None       # width of the float64 exactness checks
equiv_steps = None       # SGD steps of the exactness checks
escape_widths = None     # widths of the IP-LLR vs Naive-IP runs
escape_steps = None      # SGD steps of the IP-LLR vs Naive-IP runs
rank_width = None        # width of the first-step rank measurement
rank_batch = None        # batch of the first IP-LLR step in the rank measurement
depth = None             # hidden layers L of the main comparison (paper: 6)
width = None             # width m of the main comparison (paper: 1024)
batch = None             # batch size of the main comparison (paper: 512)
steps = None             # SGD steps of the main comparison (paper: 600 on MNIST)
eta = None               # base learning rate (paper: 0.01)
seeds = None             # seeds per configuration of the main comparison (paper: 5)

# %% tags=["remove-output"]
import varlib
from varlib.book import plots
from varlib.integrable import experiments as ie
from varlib.integrable import plots as iplots

cfg = varlib.chapter_settings("integrable", profile, dataset=dataset, init_widths=init_widths,
                              init_draws=init_draws, stuck_depths=stuck_depths, stuck_widths=stuck_widths,
                              stuck_steps=stuck_steps, stuck_eta=stuck_eta, equiv_width=equiv_width,
                              equiv_steps=equiv_steps, escape_widths=escape_widths, escape_steps=escape_steps,
                              rank_width=rank_width, rank_batch=rank_batch, depth=depth, width=width,
                              batch=batch, steps=steps, eta=eta, seeds=seeds)
rt = varlib.setup(device, seed, threads)
store = varlib.ResultStore(results_dir, profile, rt)
plots.set_style()

# %% [markdown]
# The settings and the provenance of this run (device, thread count, versions, commit):

# %%
varlib.run_summary(cfg, rt)

# %% [markdown]
# **The dataset.** The authors train on MNIST and grayscale CIFAR-10. This book must run offline, so the
# default is scikit-learn's bundled 8×8 digits (1,348 training and 449 test images, $d = 64$, $K = 10$),
# standardised with its own pixel mean and standard deviation. Digits is **not the paper's dataset**: it is
# smaller and easier, so accuracies are not comparable to theirs, only the patterns are. With
# `data_dir` pointing at the MNIST files and `-p dataset=mnist`, every experiment below runs on MNIST.

# %%
data, data_note = ie.chapter_dataset(cfg.dataset, data_dir)
data_note

# %% [markdown]
# (integrable-symmetry)=
# ## The abc family and its symmetry
#
# A network with $L$ hidden layers of width $m$ has weights $w^1$ ($m\times d$), $w^2,\dots,w^L$ ($m\times m$)
# and $w^{L+1}$ ($K \times m$). Each layer has three exponents:
#
# $$
# W^l = m^{-a_l} w^l, \qquad w^l(0) = m^{-b_l} U^l,\ U^l_{ij} \sim \mathcal N(\mu_l, s_l^2), \qquad
# w^l \leftarrow w^l - \eta\, m^{-c_l}\, \partial \ell / \partial w^l .
# $$ (eq-integrable-abc)
#
# Since $W(0) = m^{-(a+b)}U$ and one SGD step moves $W$ by $\eta\, m^{-(2a+c)}\,\partial\ell/\partial W$,
# only $e_l = a_l + b_l$ and $\kappa_l = 2a_l + c_l$ matter: the shift $(a+\theta, b-\theta, c-2\theta)$ of
# any layer leaves every output along training unchanged, at every finite width. The presets, written
# *input / hidden / output* (IP-LLR and IP-bias have separate exponents for step 0; IP-bias adds a bias on
# every layer, outside the multiplier; IP-non-centered draws hidden and output weights with mean 1):

# %%
ie.abc_table(cfg.depth)

# %% [markdown]
# Reading the $e$ and $\kappa$ columns: **Naive IP is μP with its hidden initial weights shrunk by
# $\sqrt m$**, and IP-LLR differs from Naive IP only at step 0. Base standard deviations follow the authors'
# code: $s^2 = 2$ (ReLU), 4 (GeLU), 1 (ELU, tanh), input weights with $s^2/(d+1)$, output weights 1.
#
# The symmetry, checked numerically: each preset is trained in float64 against a copy whose every layer is
# shifted by its own random $\theta \in [-1, 1]$, from the same Gaussian draws, on the same batches (tanh,
# $L = 3$, batch 32, $\eta = 0.05$). The last column shifts $a$ and $b$ but not $c$: a genuinely different
# parameterization, to show the check can fail.

# %%
symmetry = store.cached("integrable-symmetry", {"dataset": data.name, "m": cfg.equiv_width,
                                                "steps": cfg.equiv_steps, "seed": rt.seed},
                        lambda: {"table": ie.symmetry_check(data, ["sp", "ntk", "mup", "naive_ip", "ipllr"], 3,
                                                            cfg.equiv_width, cfg.equiv_steps, seed=rt.seed,
                                                            device=rt.device)})["table"]
symmetry

# %% [markdown]
# ## At initialisation
#
# With $\sigma(0) = 0$, each IP hidden layer averages $m$ zero-mean terms, so $|h^l| \propto m^{-(l-1)/2}$
# and the output vanishes:
#
# $$
# |f| \propto m^{-L/2} \ \text{(IP)}, \qquad |f| \propto m^{-1/2} \ \text{(μP)} .
# $$ (eq-integrable-init)
#
# The logits are then $\approx 0$ and the loss is $\ln 10 \approx 2.3026$. We draw each network
# `init_draws` times per width and take the geometric mean of mean $|f|$ over 256 test inputs.

# %%
scales = store.cached("integrable-init", {"dataset": data.name, "widths": list(cfg.init_widths),
                                          "draws": cfg.init_draws},
                      lambda: {"table": ie.init_scales(data, [("naive_ip", 3), ("naive_ip", 5), ("mup", 5)],
                                                       cfg.init_widths, ["relu", "gelu", "tanh"], cfg.init_draws,
                                                       device=rt.device)})["table"]
slopes = ie.init_slopes(scales)
slopes

# %% mystnb={"figure": {"caption": "Mean $|f|$ at initialisation against width (log-log), geometric mean over the draws, for Naive IP at $L = 3$ and $L = 5$ and μP at $L = 5$. Panels: ReLU, GeLU, tanh.", "name": "fig-integrable-init"}}
fig = iplots.init_scale_plot(scales)

# %% [markdown]
# {numref}`fig-integrable-init` shows the three slopes; the table above gives the fitted values against
# {eq}`eq-integrable-init`, and the loss at initialisation of the IP nets sits at $\ln 10$.
#
# ## Naive IP: learns at $L = 2$, stuck for $L \geq 3$
#
# The backward pass collapses like the forward pass, and with the mean-field rates $(m, m^2, m)$ the first
# step moves $h^1$ by $O(m^{(1-L)/2})$ and the hidden layers by $O(m^{(2-L)/2})$: nothing moves when
# $L \geq 3$, and by induction nothing ever does. We train Naive IP with ReLU (batch `batch`,
# base rate `stuck_eta`; the authors used MNIST, rate 0.001, batch 128, 10 epochs, which is longer than our
# budget, so we use the pilot's larger rate 0.1 and fewer steps).

# %%
naive_items = ie.grid(preset=["naive_ip"], activation=["relu"], L=cfg.stuck_depths, width=cfg.stuck_widths,
                      steps=[cfg.stuck_steps], batch=[cfg.batch], eta=[cfg.stuck_eta], seed=[rt.seed])
naive_runs = ie.sweep(store, "integrable-naive", data, naive_items, ie.train_run, device=rt.device)
naive = ie.summaries(naive_items, naive_runs)
naive[["L", "width", "final_loss", "max_dev_ln10", "test_acc", "change_w1", "change_w2"]]

# %% mystnb={"figure": {"caption": "Naive IP with ReLU: training loss (per batch) against step, one panel per depth $L$, one line per width. Dashed: $\\ln 10$.", "name": "fig-integrable-naive"}}
fig = iplots.loss_curves(ie.histories(naive_items, naive_runs), col="L", hue="width")

# %% [markdown]
# {numref}`fig-integrable-naive` and the table: at $L = 2$ the loss falls; from $L = 4$ it stays at $\ln 10$
# to the printed precision, and the relative change of the input weights, `change_w1`, shrinks as the width
# grows. The authors saw $L = 3$ still train on MNIST after a plateau that lengthens with $m$; compare the
# $L = 3$ rows.
#
# ## IP-LLR escapes; it is a modified μP
#
# IP-LLR multiplies the step-0 learning rates by $m^{(L+1)/2}$ (input, output) and $m^{(L+2)/2}$ (hidden),
# then switches to the mean-field rates right after the first step. Following the authors' code, the step-0
# base rates are *calibrated*: a mock step on batch 0 measures each layer's update $\Delta h^l$ on batch 1,
# and the hidden base rate is $1/\mathrm{mean}|\Delta h^l|$ (capped at 1000), the output one
# $1/\mathrm{mean}|\Delta f|$ (the 2023 values; 2021 used 500 and 0.1). We train both with GeLU at the main
# comparison's depth, batch and rate.

# %%
escape_items = ie.grid(preset=["naive_ip", "ipllr"], activation=["gelu"], L=[cfg.depth], width=cfg.escape_widths,
                       steps=[cfg.escape_steps], batch=[cfg.batch], eta=[cfg.eta], seed=[rt.seed])
escape_runs = ie.sweep(store, "integrable-escape", data, escape_items, ie.train_run, device=rt.device)
escape = ie.summaries(escape_items, escape_runs)
escape[["preset", "width", "final_loss", "max_dev_ln10", "test_acc"]]

# %% mystnb={"figure": {"caption": "Naive IP (left) and IP-LLR (right) with GeLU at the main comparison's depth: training loss against step (symmetric log axis), one line per width. Dashed: $\\ln 10$.", "name": "fig-integrable-escape"}}
escape_hist = ie.histories(escape_items, escape_runs)
fig = iplots.loss_curves(escape_hist, col="preset", hue="width", log_x=True)

# %% mystnb={"figure": {"caption": "Coordinate check of IP-LLR with GeLU: mean $|h^l|$ on 256 test inputs against step, one panel per layer (last: the logits $f$), one line per width. At step 0 the deep layers are tiny and shrink with $m$; after the calibrated first step they are of order one at every width.", "name": "fig-integrable-coord"}}
fig = iplots.coord_check_plot(escape_hist[escape_hist.preset == "ipllr"])

# %% [markdown]
# {numref}`fig-integrable-escape` shows Naive IP pinned at $\ln 10$ while IP-LLR descends;
# {numref}`fig-integrable-coord` shows why: the first step lifts every layer from $m^{-(l-1)/2}$ to order one.
#
# By the symmetry of {ref}`integrable-symmetry`, IP-LLR *is* μP with two changes: hidden initial weights $\sqrt m$ smaller,
# and step-0 rates multiplied by $m^{(L-1)/2}$ (input, output) and $m^{(L-2)/2}$ (hidden). This is our concrete
# reading of the abstract's "equivalent to a modification of μP"; the paper's exact statement could not be
# checked. We build both from the same draws (float64, GeLU, $L = 4$, calibrated, batch 32, $\eta = 0.05$)
# and compare the logits after each step; likewise Naive IP against μP with shrunk hidden weights, and,
# as a contrast, IP-LLR against plain μP.

# %%
equivalence = store.cached("integrable-equivalence", {"dataset": data.name, "m": cfg.equiv_width,
                                                      "steps": cfg.equiv_steps, "seed": rt.seed},
                           lambda: {"table": ie.equivalence_check(data, 4, cfg.equiv_width, cfg.equiv_steps,
                                                                  seed=rt.seed, device=rt.device)})["table"]
equivalence

# %% [markdown]
# ## Activations: ReLU collapses after the first step
#
# After one calibrated IP-LLR step (float64, $L$ = `depth`, width `rank_width`, batch `rank_batch`) we
# measure the numerical rank (singular values above $\max(\text{shape})\cdot\varepsilon_{32}\,\sigma_{\max}$,
# the tolerance of the authors' `torch.matrix_rank` on float32) of each update $\Delta w^l$ and of each
# hidden pre-activation matrix $h^l$ over all training inputs.

# %%
rank_items = ie.grid(activation=list(ie.SWEEP_ACTIVATIONS), L=[cfg.depth], width=[cfg.rank_width],
                     batch=[cfg.rank_batch], eta=[cfg.eta], seed=[rt.seed])
rank_runs = ie.sweep(store, "integrable-ranks", data, rank_items, ie.first_step_ranks, device=rt.device)
ranks = ie.histories(rank_items, [{"history": r["ranks"]} for r in rank_runs])
ranks.pivot_table(index=["kind", "layer"], columns="activation", values="numerical_rank")

# %% mystnb={"figure": {"caption": "Numerical rank after one calibrated IP-LLR step, per layer. Left: the weight updates $\\Delta w^l$ (dashed: $K-1 = 9$; dotted: the batch size). Right: the hidden pre-activations $h^l$ over the training inputs (dotted: the number of inputs).", "name": "fig-integrable-ranks"}}
fig = iplots.rank_plot(ranks, cfg.rank_batch, len(data.y_train))

# %% [markdown]
# {numref}`fig-integrable-ranks`: with smooth activations the deep updates are driven by the $K$ label
# directions of $\partial\ell/\partial f = \mathrm{softmax}(f) - e_y$ (which sum to zero), hence rank $K-1$.
# ReLU updates have full rank but a stable rank near one, and the deepest ReLU representation collapses to
# rank one or two: every input is mapped to nearly the same point. The stable ranks:

# %%
ranks.pivot_table(index=["kind", "layer"], columns="activation", values="stable_rank").round(2)

# %% [markdown]
# ## The main comparison
#
# The authors' 2021 protocol: $L = 6$, $m = 1024$, plain SGD with base rate 0.01, batch 512, 600 steps on
# MNIST (about 5 epochs), 5 seeds, the "validation" set being the training set, and test accuracy at the end.
# Scaled to this profile: $L$ = `depth`, $m$ = `width`, batch `batch`, `steps` steps, `seeds` seeds (the
# values are in the settings table above). On digits, 1,348 training images, a batch of 512 would be a
# third of the data, so the standard profile uses smaller batches and widths to fit a 2-core CPU; the full
# profile runs the paper's sizes. IP-LLR is calibrated; IP-bias is not (as in the authors' code).

# %%
main_items = ie.grid(preset=list(ie.MAIN_PRESETS), activation=list(ie.SWEEP_ACTIVATIONS), L=[cfg.depth],
                     width=[cfg.width], steps=[cfg.steps], batch=[cfg.batch], eta=[cfg.eta],
                     seed=list(range(rt.seed, rt.seed + cfg.seeds)))
main_runs = ie.sweep(store, "integrable-main", data, main_items, ie.train_run, device=rt.device)
main = ie.summaries(main_items, main_runs)
accuracy = ie.accuracy_table(main)
accuracy.pivot(index="preset", columns="activation", values="mean").round(3)

# %% mystnb={"figure": {"caption": "Test accuracy of the main comparison: bars are the mean over seeds, dots single seeds (a diverged run counts as 0). Dashed: chance, 0.1.", "name": "fig-integrable-accuracy"}}
fig = iplots.accuracy_plot(main)

# %% mystnb={"figure": {"caption": "Training loss of the main comparison against step (symmetric log step axis, log loss axis), mean over seeds, one panel per parameterization, one line per activation. Dashed: $\\ln 10$. A spike is a single step of one seed.", "name": "fig-integrable-main-loss"}}
fig = iplots.loss_curves(ie.histories(main_items, main_runs), col="preset", hue="activation", log_x=True,
                         log_y=True)

# %% [markdown]
# {numref}`fig-integrable-accuracy` and {numref}`fig-integrable-main-loss` compare the four
# parameterizations. IP-LLR's loss can spike by orders of magnitude for a step and recover (the authors'
# MNIST curves also show spikes), and a run whose logits overflow counts as accuracy 0 in the table. IP-bias,
# uncalibrated, starts above $\ln 10$ (its output bias is of order one) and decays slowly towards it, as in
# the authors' CIFAR-10 curves.
# The authors' numbers (their notebooks, mean of 5 trials): IP-LLR on MNIST ReLU 0.113,
# GeLU 0.956, ELU 0.964, tanh 0.932; on grayscale CIFAR-10 μP 0.407/0.419/0.356/0.304, IP-non-centered
# 0.105/0.103/0.154/0.147 and IP-bias 0.100 for all four (ReLU/GeLU/ELU/tanh). The standard deviations over
# seeds of our runs, and the number of diverged runs out of `seeds`:

# %%
accuracy.pivot(index="preset", columns="activation", values=["std", "diverged"]).round(3)

# %% [markdown]
# The resources this run used (wall time since `setup`, peak memory of the process and, on a GPU, of the device):

# %%
varlib.resources(rt)

# %% [markdown]
# ## Scorecard
#
# One row per claim: the paper's number (from the authors' notebooks where the dataset is theirs), ours from
# this run, and a Verdict computed from the numbers by `integrable_scorecard` (tested). Mechanistic claims
# (identities, scalings, ranks) are judged on their own; a claim that carries the authors' MNIST/CIFAR-10
# numbers is at best "partly reproduced" on digits, since only its pattern can be compared there.

# %%
varlib.scorecard(ie.integrable_scorecard(data.name, symmetry=symmetry, slopes=slopes, naive=naive, escape=escape,
                                         equivalence=equivalence, ranks=ranks, accuracy=accuracy,
                                         batch=cfg.rank_batch))
