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
# (appendix-faults)=
# # Faults tried
#
# The README makes promises: bad input is refused with a clear error before anything runs, nothing computed is
# lost, a damaged result file is never trusted, runs do not overwrite each other, and a scorecard never grades
# evidence from training that diverged. This appendix attacks each promise the way a reader might, by accident or
# not, and shows what happened. Every attempt below was performed *while this page was built*, with the code of
# this build, in a temporary folder: a misspelt parameter, a run killed with `SIGKILL` halfway through, a flipped
# bit in a stored tensor, a result file that holds a pickle which would run a shell command, two runs of one
# chapter at once, and every paper chapter run on the `smoke` profile with a learning rate that makes training
# diverge.
#
# The same attempts are the fault suite of the tests (`tests/test_faults.py`), which fails when any attempt does
# not hold; they are defined once, in `varlib/book/faults.py`, so the table and the tests cannot drift apart.
#
# :::{admonition} Run this chapter yourself
# :class: note
# `python -m varlib book --chapter faults --profile smoke --no-html` repeats every attempt (a minute or two on
# two CPU cores; the profile does not change the attempts, which always use `smoke` sizes), and
# `.venv/bin/python -m pytest tests/test_faults.py` runs them as tests.
# :::

# %% tags=["parameters"]
profile = "standard"     # smoke | standard | full (the attempts always use smoke sizes)
device = "auto"          # auto | cpu | cuda (the attempts run on the CPU)
seed = 0                 # unused here
threads = 2              # torch CPU threads
results_dir = "results"  # unused here: every attempt writes into a temporary folder
executor = "local"       # unused here (it runs no sweep)
ray_address = None       # unused here

# %% tags=["remove-output"]
import tempfile
from pathlib import Path

import varlib
from varlib.book import faults, plots

cfg = varlib.settings_from("faults", globals())
rt = varlib.setup(device, seed, threads)
plots.set_style()
with tempfile.TemporaryDirectory(prefix="varlib-faults-") as work:
    table = faults.try_all(Path.cwd(), Path(work))
promises = faults.promise_table(table)
varlib.glue_all({"attempts": len(table), "held": int(table.held.sum()), "broken": int((~table.held).sum()),
                 "promises": len(promises), "seconds": round(float(table.seconds.sum()))}, prefix="faults")

# %% [markdown]
# ## What was tried
#
# {glue:text}`faults-attempts` attempts on {glue:text}`faults-promises` promises took
# {glue:text}`faults-seconds` seconds; {glue:text}`faults-held` held and {glue:text}`faults-broken` did not
# ({numref}`fig-faults-bars`).

# %% mystnb={"figure": {"caption": "Left: attempts on each promise of the README, held (green) or not (red). Right: the seconds the attempts on each promise took in this build; most of them go to the runs of whole chapters (a killed rerun, two runs at once, each paper chapter with a diverging learning rate).", "name": "fig-faults-bars"}}
fig = plots.fault_bars(table)

# %% [markdown]
# Every attempt, with what it observed, one table per promise. "Observed" quotes the error a reader would see, or
# says what was found on disk afterwards ("…" stands for the attempt's temporary folder); an attempt holds when
# the promise did.
#
# ### Clear errors before anything runs
#
# Each bad value is given the way a reader gives it (`-p` on the command line, or a chapter's parameter); besides
# the message, the attempt checks that no kernel started.

# %%
faults.fault_table(table, "clear errors")

# %% [markdown]
# ### Nothing computed is lost
#
# Runs are killed with `SIGKILL` (no clean-up handler runs), made to raise, or made to fail a write; afterwards
# the attempt looks at what is on disk and what the run log says.

# %%
faults.fault_table(table, "nothing lost")

# %% [markdown]
# ### Damaged and malicious files are never trusted
#
# A stored result is damaged on disk between two calls; the second call must notice, say so, move the file aside
# and compute the same numbers again. A file holding a pickle that would run a shell command must never run it.

# %%
faults.fault_table(table, "trusted files")

# %% [markdown]
# ### Runs do not overwrite each other
#
# Two runs of a one-chapter book at once (as two terminals, or two workers of a sweep, would start them), and the
# folders the profiles write to. Two kernels starting at the same moment can be handed the same free port, and
# the one that loses dies before its first cell (this attempt once failed that way in CI); the pipeline now starts
# such a kernel again, up to twice, and a chapter whose cells ran is never rerun.

# %%
faults.fault_table(table, "runs apart")

# %% [markdown]
# ### Scorecards are honest about failed training
#
# Each paper chapter runs on the `smoke` profile with a learning rate so large that every training run diverges,
# then its scorecard is read back: every row that reports diverged runs must say "not tested", and each chapter
# must have at least as many such rows as it has rows built from training. Rows built only from random draws keep
# their verdicts.

# %%
faults.fault_table(table, "honest scorecards")

# %% [markdown]
# ## Scorecard of the promises
#
# A promise is held when every attempt on it held, and broken when any did not. Here the verdict can fail: a
# defect brought back (a check removed, a write made non-atomic, a row graded from diverged runs) turns its
# attempt, and the promise, red.

# %%
promises
