"""When a computation of the integrable chapter failed: it diverged, or (a training run) it sat at chance.

The rules, for K-class cross-entropy (digits, MNIST: K = 10, chance accuracy 1/K, chance loss ln K):

* **diverged**: a loss is NaN or inf, or the loss at the end exceeds the ceiling
  :data:`INTEGRABLE_DIVERGED_FACTOR` x ln K (about 230 nats for K = 10), a hundred times the loss of a net whose
  logits are all zero, which no sane run reaches: in this chapter's standard profile no batch loss of a run that
  did not diverge exceeds 5 nats, spikes included, and one calibrated IP-LLR step ends near 3 nats (with the
  base rate raised to 1e6 the same step ends at hundreds of nats with ReLU and GeLU). For an SGD run "the loss at
  the end" is the median batch loss over the last 10 % of its steps, so a single-step spike that recovers
  (IP-LLR's loss can spike) is not a divergence; a run whose test logits are not finite (test accuracy NaN)
  diverged too. For one step (the rank measurement: the loss on the training inputs) or a short float64
  trajectory (the exactness checks: the loss on the probe inputs) it is the loss after the last step.
* **at chance**: a run that did not diverge and whose test accuracy is at most 1/K +
  :data:`INTEGRABLE_CHANCE_MARGIN` (0.15 for K = 10): it learned nothing measurable. Diverged and at chance
  exclude each other.

A claim that needs learning has no evidence from a run that diverged or sat at chance; a claim that something
stays at chance (Naive IP stuck, IP-bias at chance, ReLU failing under IP-LLR) has its evidence at chance, and
none only from a run that diverged (:func:`integrable_usable`).
"""
from __future__ import annotations

import math

import numpy as np
import pandas as pd

__all__ = ["INTEGRABLE_DIVERGED_FACTOR", "INTEGRABLE_CHANCE_MARGIN", "integrable_loss_ceiling",
           "integrable_diverged", "integrable_failures", "integrable_usable", "integrable_failure_note"]

#: A loss above this multiple of ln K (the loss of all-zero logits) counts as diverged.
INTEGRABLE_DIVERGED_FACTOR = 1e2
#: A test accuracy at most this far above chance (1/K) counts as "at chance".
INTEGRABLE_CHANCE_MARGIN = 0.05


def integrable_loss_ceiling(classes: int = 10) -> float:
    """The loss above which a run counts as diverged: :data:`INTEGRABLE_DIVERGED_FACTOR` x ln K."""
    return INTEGRABLE_DIVERGED_FACTOR * math.log(classes)


def integrable_diverged(losses, *, test_acc: float = 0.0, classes: int = 10) -> bool:
    """Whether an SGD run diverged, from its batch losses in step order and its test accuracy: a loss is NaN or
    inf, the median of the last 10 % of the losses exceeds :func:`integrable_loss_ceiling`, or the test
    accuracy is NaN (the test logits were not finite). No loss at all is no evidence of divergence."""
    losses = np.asarray(losses, dtype=float)
    if test_acc != test_acc or not np.isfinite(losses).all():
        return True
    if losses.size == 0:
        return False
    tail = losses[-max(1, losses.size // 10):]
    return bool(np.median(tail) > integrable_loss_ceiling(classes))


def integrable_failures(summary: pd.DataFrame, *, classes: int = 10) -> pd.DataFrame:
    """``summary`` (one row per run, with ``test_acc`` and ``final_loss``, and ``diverged`` when the runs
    computed it) with boolean columns ``diverged`` and ``at_chance`` by the module's rules. Without a
    ``diverged`` column a run diverged when its test accuracy is NaN or its final loss is not finite or above
    the ceiling."""
    final = summary.final_loss if "final_loss" in summary else pd.Series(0.0, index=summary.index)
    diverged = (summary.test_acc.isna() | ~np.isfinite(final.astype(float))
                | (final.astype(float) > integrable_loss_ceiling(classes)))
    if "diverged" in summary:
        diverged = diverged | summary.diverged.astype(bool)
    at_chance = ~diverged & (summary.test_acc <= 1.0 / classes + INTEGRABLE_CHANCE_MARGIN)
    return summary.assign(diverged=diverged.astype(bool), at_chance=at_chance.astype(bool))


def integrable_usable(flags: pd.DataFrame, *, learn: bool) -> pd.Series:
    """Per run (rows of :func:`integrable_failures`): whether it is evidence for a claim. A diverged run never
    is; a run at chance is not when the claim needs learning (``learn``)."""
    failed = flags.diverged.astype(bool)
    if learn and "at_chance" in flags:
        failed = failed | flags.at_chance.astype(bool)
    return ~failed


def integrable_failure_note(flags: pd.DataFrame, *, chance: bool = True) -> str:
    """'diverged 1/6, at chance 3/6' over the runs in ``flags`` (with ``chance=False``: 'diverged 1/6')."""
    n = len(flags)
    note = f"diverged {int(flags.diverged.sum())}/{n}"
    return note + (f", at chance {int(flags.at_chance.sum())}/{n}" if chance else "")
