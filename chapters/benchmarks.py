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
# (appendix-benchmarks)=
# # Benchmarks
#
# The book is practical only if `varlib` runs close to what the hardware can do: readers run sweeps of
# thousands of random networks. This appendix renders the benchmark records committed under
# `benchmarks/records/`. Each benchmark pairs our path with a baseline that computes the same numbers, checked
# equal in the same run, and reports the speedup. Speed is measured here, never asserted in tests.
#
# :::{admonition} Run the benchmarks yourself
# :class: note
# `.venv/bin/python -m benchmarks` times every benchmark on the current device (CUDA when present) and writes a
# new JSON record (device, versions, commit, median/min/max over repeats); rebuild the book to see it here.
# :::

# %% tags=["parameters"]
profile = "standard"                 # smoke | standard | full (this page computes nothing; kept for uniformity)
device = "auto"                      # auto | cpu | cuda
seed = 0                             # unused here
threads = 2                          # torch CPU threads
results_dir = "results"              # unused here
executor = "local"                   # unused here (it runs no sweep)
ray_address = None                   # unused here
records_dir = None                   # folder of benchmark records (None: benchmarks/records)

# %% tags=["remove-output"]
import varlib
from varlib.book import bench, plots

cfg = varlib.chapter_settings("benchmarks", profile, records_dir=records_dir)
rt = varlib.setup(device, seed, threads)
plots.set_style()
records = bench.load_records(cfg.records_dir)

# %% [markdown]
# ## The records
#
# Every timed result of the newest record per device and benchmark (and, below, the newest book run times): median
# milliseconds over the repeats, the speedup over the baseline, for ensemble training also the speedup over the
# peer a reader would use instead (PyTorch's `torch.func` ensembling recipe: stacked module state,
# `functional_call` under `vmap`, one `torch.optim.Adam`), and for the forward pass the achieved FLOP/s as a
# fraction of the device's measured matmul rate (a large square float32 matmul timed in the same run; both from
# their best time over the repeats, since a shared 2-core machine's speed drifts by tens of percent between runs).
# The variant marked `[auto]` is the one `varlib` picks on that device.

# %%
from varlib.book.report import downloadable, folded

latest = bench.newest_per_device(records)
downloadable("timed-variants", folded(bench.timed_table(latest), "Every timed variant", head=8))

# %% mystnb={"figure": {"caption": "Speedup of each variant over its baseline (log scale; the line marks the baseline's 1×) in the newest record of each device, one row per benchmark. Colours separate the sizes that vary within a benchmark; the sizes common to all of them are under each axis. Each baseline computes the same numbers as our path (one network at a time, or with ordinary `torch.nn` modules, or with an LP solver); the two sides were checked equal in the same run.", "name": "fig-bench-speedup"}}
fig = plots.speedup_bars(records)

# %% [markdown]
# {numref}`fig-bench-speedup` shows the speedups. The lenses' own training loops are paired with the plain loop a
# reader would write instead, which is their baseline there: `deep linear training` is the deep-linear chapter's
# minibatch SGD of many stacked nets against one `nn.Sequential` of bias-free `nn.Linear` layers at a time with
# `torch.optim.SGD`, and `abc training` is the integrable chapter's two-phase SGD against an `nn.Module` that applies
# the multipliers $m^{-a_l}$ in its forward pass, with one `torch.optim.SGD` parameter group per layer; both sides were
# checked equal in float64 first.
#
# ### What we tried: `torch.compile`
#
# The training rows marked "(tried)" compile the stacked forward pass and loss with `torch.compile` (TorchInductor)
# and leave the gradient to autograd and the update to `torch.optim.Adam`. We keep it out of `varlib` unless it wins
# on both a CPU and a GPU *and* compiles in seconds; here are its time per run, its speed against the `torch.func`
# peer, and the seconds its first call spent compiling (once per shape):

# %%
tried = latest[latest.variant.str.contains("compile")]
tried.assign(size=tried["size"].map(bench.short_size), ms=(1000 * tried.median_s).round(1),
             compile_seconds=tried.get("compile_s", float("nan")))[
    ["device", "size", "ms", "speedup_vs_peer", "compile_seconds"]].round(2)

# %% [markdown]
#
# ## Width sweeps of the integrable parameterizations
#
# The IP chapter trains nets up to a few thousand units wide, so what matters there is how the cost of one
# training step grows with the width m: one forward and backward pass of an IP-LLR net (6 hidden layers,
# batch 512, float32). On a GPU the memory is the peak the CUDA allocator reports during the pass, beyond
# what was resident before it. A CPU has no such statistics, so there we *count* the bytes of the tensors
# autograd saves for the backward pass (the activations); that leaves out temporaries and workspace, and is
# marked as counted in the table.

# %% mystnb={"figure": {"caption": "IP width sweep, newest record per device: milliseconds per forward + backward pass (left) and the memory of one pass (right) against the width m, both axes logarithmic. The memory is measured on a GPU and counted on a CPU (see the table's last column). Where the two variants' points coincide, one hides the other.", "name": "fig-bench-width"}}
widths = downloadable("width-sweep", bench.width_sweep_table(records))
fig = plots.width_sweep(widths)

# %%
widths.round(3)

# %% [markdown]
# {numref}`fig-bench-width` shows how the cost of a pass scales with the width. The two lines per device set
# varlib's abc forward (the multipliers $m^{-a}$ applied explicitly, as the chapter needs them to change the
# parameterization) beside the folded `torch.nn` baseline; their ratio is the IP width sweep's row of {numref}`fig-bench-speedup`.
#
# ## Which path `varlib` takes
#
# `forward` can run R networks as a Python loop of per-network matrix products or as one batched product per
# layer over the whole stack. Which is faster depends on the shape: the batched path makes one call instead of R
# but builds the activations of all R networks at once, and once those no longer fit in the caches it becomes
# memory-bound while the loop's per-network tensors stay in cache. `path="auto"` therefore decides by the size of
# one hidden layer's activations over the stack (R × points × width × rank), with a larger budget when autograd
# records the pass, since the loop then pays its per-call overhead twice; on a GPU it always takes the batched
# path. `train_ensemble` takes the batched path with a hand-written backward pass wherever the activation has a
# derivative (ReLU, |x|, leaky ReLU, tanh, identity): every tensor of the pass is allocated once per run and the
# gradients land in the optimiser's flat vector, which made it as fast as the loop or faster at every training
# shape we measured on a CPU. The table is the measurement behind these rules, on each device with a record: both
# paths at each shape, the faster one, and the one varlib picks (its worst ratio to the faster path is a target
# below).

# %%
bench.path_table(records)

# %% [markdown]
# ## How the cost grows with R and the width
#
# The path tables fix a few shapes; the sweep below follows one shape out in two directions from R = 100 nets
# of width 16 (depth 4, 256 points): the number of nets R at width 16, and the width at R = 100. At each shape it
# times the forward pass (no autograd) on both paths, and 10 Adam steps on both paths and with the `torch.func`
# recipe, all on the same nets (drawn once, outside the timing). The cost is per net (per net and step for
# training), so a flat line is perfect scaling in R, and a slope of 2 in the width is the matmuls' own growth.

# %% mystnb={"figure": {"caption": "Scaling sweep of the newest record: microseconds per net (forward, left) and per net and Adam step (training, right) against the number of nets R at width 16 (top) and the width at R = 100 (bottom), depth 4, 256 points, log-log. One line per path; the torch.func recipe is the peer. A ring marks the path varlib takes by itself at that shape.", "name": "fig-bench-scaling"}}
scaling = bench.scaling_table(records)
fig = plots.scaling_lines(scaling)

# %% [markdown]
# {numref}`fig-bench-scaling` shows where each path wins and how its cost grows; the numbers behind it:

# %%
scaling.pivot_table(index=["sweep", "R", "width"], columns=["what", "path"], values="us_per_net").round(1)

# %% [markdown]
# ## The book's run times
#
# Wall time of each chapter, from the book's run logs at the time of the record (the times of *this* build,
# and its total against the same 30-minute target, are on the {doc}`status page <status>`):

# %%
latest[latest.benchmark == "book"][["device", "variant", "median_s"]].rename(columns={"median_s": "seconds"})

# %% [markdown]
# ## Scorecard of the targets
#
# The goals we set ourselves, our number from the newest record, and a verdict: met, missed, or not measured
# (for instance a GPU target when no GPU record exists yet).

# %%
bench.target_table(records).rename(columns=str.capitalize)
