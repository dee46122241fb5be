"""Sentences of the variability chapter chosen and filled in from the computed tables, so that the text holds
for every profile and every override. Each returns plain text (no math markup) for a ``{glue:text}`` role.
"""
from __future__ import annotations

import pandas as pd

from varlib.variability.intervals import collapse_gradient_table
from varlib.variability.measures import COMPARED_ACTIVATIONS, activation_label
from varlib.variability.scorecard import SCORECARD_THRESHOLDS, collapsed_v3_ratio, training_health

__all__ = ["deepest_shown_sentence", "single_draws_sentence", "collapse_counts_sentence", "collapsed_v3_sentence",
           "gradient_relation_sentence", "gradient_apart_sentence", "training_failures_sentence", "peaks_sentence",
           "aspect_onset_sentence", "sensitivity_sentence", "mean_field_sentence"]


def _join(parts: list[str], sep: str = ", ") -> str:
    """``a``, ``a and b``, ``a, b and c``; with ``sep="; "`` (for clauses that hold commas) ``a; b; c``."""
    if sep != ", " or len(parts) == 1:
        return sep.join(parts)
    return ", ".join(parts[:-1]) + " and " + parts[-1]


def deepest_shown_sentence(shown: pd.DataFrame, *, tau: float) -> str:
    """What the drawn landscapes at the deepest shown depth look like: dead (a hidden layer is off on the whole
    grid, so the output is constant and any CV left is float rounding), exactly constant (CV = 0), collapsed
    with faint ripples (0 < CV < ``tau``) or not collapsed, per activation. ``shown``: :func:`shown_draws_table`."""
    depth = int(shown.depth.max())
    rows = shown[shown.depth == depth].set_index("activation")
    parts, ripples = [], False
    for a in [a for a in COMPARED_ACTIVATIONS if a in rows.index]:
        cv = float(rows.loc[a, "cv"])
        if bool(rows.loc[a].get("dead", False)):
            parts.append(f"the {activation_label(a)} draw has a dead layer, so its output is constant"
                         + (f" (its CV of {cv:.1g} is float rounding)" if cv > 0 else ""))
        elif cv == 0:
            parts.append(f"the {activation_label(a)} draw is constant to the last bit")
        elif cv < tau:
            ripples = True
            parts.append(f"the {activation_label(a)} draw has collapsed (CV = {cv:.2g}, below τ) but keeps faint "
                         "ripples")
        else:
            parts.append(f"the {activation_label(a)} draw has not collapsed (CV = {cv:.2g})")
    text = f"At L = {depth}, the deepest depth drawn, {_join(parts)}."
    if ripples:
        text += " The ripples are visible only because the colour scale has a floor of 1 % of the rms."
    return text


def single_draws_sentence(shown: pd.DataFrame) -> str:
    """How far the drawn nets sit from the mean V3 of their depth: the depth where they deviate most (in
    standard deviations over the draws, averaged over the activations), with each draw's V3 beside the mean
    ± std. "Vary a lot" when some draw there is at least 2 std from its mean."""
    z = ((shown.v3 - shown.v3_mean) / shown.v3_std).where(shown.v3_std > 0, 0.0)
    worst = z.abs().groupby(shown.depth).mean().idxmax()
    rows = shown[shown.depth == worst].assign(z=z).set_index("activation")

    def relation(s: float) -> str:
        size = "far " if abs(s) >= 2 else ""
        return f"{size}above" if s >= 0.5 else f"{size}below" if s <= -0.5 else "close to"

    parts = [f"the {activation_label(a)} draw has V3 = {r.v3:.2g}, {relation(r.z)} its depth's mean of "
             f"{r.v3_mean:.2g} ± {r.v3_std:.2g}" for a, r in rows.iterrows()]
    lead = "Single draws also vary a lot" if rows.z.abs().max() >= 2 else "Single draws stay near their depth's mean"
    return f"{lead}: at L = {int(worst)}, {_join(parts, '; ')}."


def collapse_counts_sentence(draws: pd.DataFrame) -> str:
    """Per activation, how many draws of depth >= 2 collapsed and how many of those have a dead layer."""
    deep = draws[draws.depth >= 2]
    parts = []
    for a in [a for a in COMPARED_ACTIVATIONS if a in set(deep.activation)]:
        d = deep[deep.activation == a]
        n, dead = int(d.collapsed.sum()), int((d.collapsed & d.dead).sum())
        with_dead = "" if n == 0 else "none of them with a dead layer" if dead == 0 else \
            "all of them with a dead layer" if dead == n else f"{dead} of them with a dead layer"
        parts.append(f"{n} of the {len(d)} {activation_label(a)} draws collapsed"
                     + (f", {with_dead}" if with_dead else ""))
    return f"Over the depths L ≥ 2, {_join(parts, '; ')}."


def collapsed_v3_sentence(draws: pd.DataFrame) -> str:
    """The median V3 of the collapsed draws against the others' (the scorecard's number) and whether it is close
    to zero (at most a tenth), as the RMS normalisation intends."""
    ratio = collapsed_v3_ratio(draws)
    if ratio != ratio:
        return "No draw collapsed here, so V3 of collapsed nets cannot be seen."
    verdict = "close to zero, as the RMS normalisation intends" if ratio <= 0.1 else \
        "not close to zero, against what the RMS normalisation intends"
    return f"The median V3 of the collapsed draws is {ratio:.2g} times that of the others: {verdict}."


def _gradient_table(draws: pd.DataFrame, tau: float) -> pd.DataFrame:
    return collapse_gradient_table(draws, vanishing=SCORECARD_THRESHOLDS["vanishing"], tau=tau,
                                   clear=SCORECARD_THRESHOLDS["clear"]).set_index("activation")


def gradient_relation_sentence(draws: pd.DataFrame, *, tau: float) -> str:
    """How often a vanishing gradient comes with collapse and without it, per activation (the scorecard's
    "related" half), over the non-dead draws at depths >= 2."""
    t = _gradient_table(draws, tau)
    parts = [f"{r.vg_given_c2c:.0%} of the {r.vg_c2c + r.c2c_only} collapsed {activation_label(a)} draws against "
             f"{r.vg_given_no_c2c:.0%} of the {r.vg_only + r.neither} others" for a, r in t.iterrows()
             if r.vg_c2c + r.c2c_only]
    if not parts:
        return "Here no draw collapsed without a dead layer, so this relation cannot be seen."
    return f"Here a vanishing gradient comes with {_join(parts, '; ')}."


def gradient_apart_sentence(draws: pd.DataFrame, *, tau: float) -> str:
    """The draws that show one phenomenon without the other, per activation, and what that says: vanishing
    gradients without collapse, collapse without vanishing gradients, both, or neither."""
    t = _gradient_table(draws, tau)
    if t.empty:
        return "No draw without a dead layer is left to tell the two apart."
    clear = SCORECARD_THRESHOLDS["clear"] * tau
    vg = [f"{r.vg_only} {activation_label(a)} draws ({r.vg_clear} of them with CV ≥ {clear:g}, far from collapse)"
          for a, r in t.iterrows()]
    c2c = [f"{r.c2c_only} {activation_label(a)}" for a, r in t.iterrows()]
    text = (f"Vanishing gradients without collapse: {_join(vg)}. Collapse without vanishing gradients: "
            f"{_join(c2c)} draws.")
    some_vg, some_c2c = (t.vg_only > 0).any(), (t.c2c_only > 0).any()
    if some_vg and not some_c2c:
        return text + (" So in these nets collapse always comes with a vanishing gradient, but a gradient can "
                       "vanish in a net that has not collapsed: the two are related, and vanishing gradients are "
                       "the wider phenomenon.")
    if some_c2c and not some_vg:
        return text + " So here collapse can occur without a vanishing gradient, but not the other way round."
    if some_vg and some_c2c:
        where = _join([activation_label(a) for a, r in t.iterrows() if r.c2c_only > 0])
        return text + (f" Each occurs without the other (collapse without a vanishing gradient among the {where} "
                       "draws): related, but not the same.")
    return text + " Here the two always come together, so these draws cannot tell them apart."


def training_failures_sentence(tsum: pd.DataFrame) -> str:
    """How many training runs at depths >= 2 diverged and how many ended at chance (:func:`training_health`), and
    what that leaves of the scorecard's training rows: every run usable, every run diverged, some diverged, or
    every run at chance (no net learned)."""
    diverged, chance, runs = training_health(tsum)
    counts = f"Of the {runs} runs at depths L ≥ 2, {diverged} diverged and {chance} ended at chance."
    if diverged == runs:
        return counts + (" Every run diverged: these accuracies are not training outcomes, and the scorecard's "
                         "training rows are not tested.")
    if diverged:
        return counts + " Some runs diverged, so the scorecard's training rows are not tested."
    if chance == runs:
        return counts + (" No net learned anything, so these runs cannot tell which nets train: the scorecard's "
                         "training rows are not tested.")
    return counts


def peaks_sentence(vsum: pd.DataFrame, tsum: pd.DataFrame) -> str:
    """Per activation, at the training budget and over the trained depths >= 2: the depth where mean V3 peaks
    against the depth where the mean best accuracy peaks, and whether they line up."""
    budget = tsum.budget.iloc[0]
    deep = tsum[tsum.depth >= 2]
    v = vsum[(vsum.budget == budget) & vsum.depth.isin(deep.depth)]
    parts, same = [], []
    for a in [a for a in COMPARED_ACTIVATIONS if a in set(deep.activation)]:
        vp = int(v[v.activation == a].set_index("depth").v3_mean.idxmax())
        tp = int(deep[deep.activation == a].set_index("depth").best_accuracy.idxmax())
        same.append(vp == tp)
        parts.append(f"for {activation_label(a)} mean V3 peaks at L = {vp} and the mean best accuracy at L = {tp}")
    verdict = "the two peaks line up" if all(same) else "the two peaks line up only for some activations" \
        if any(same) else "the two peaks do not line up"
    return f"Over the trained depths, {_join(parts, '; ')}: {verdict}."


def aspect_onset_sentence(onsets: pd.DataFrame) -> str:
    """How close the collapse onsets of :func:`~varlib.variability.tables.aspect_onset_table` sit across budgets,
    per activation: the spread (largest over smallest) of the onset in L/w against its spread in L."""
    parts, tighter = [], []
    for act, t in onsets.groupby(level="activation", sort=False):
        found = t.dropna(subset=["onset L/w"])
        if len(found) < 2:
            parts.append(f"{act} does not have half of its draws collapsed at two budgets here")
            continue
        a, d = found["onset L/w"], found["onset L"]
        tighter.append(a.max() / a.min() < d.max() / d.min())
        parts.append(f"{act} has half of its draws collapsed at L/w = {a.min():.2g} to {a.max():.2g} "
                     f"({a.max() / a.min():.2g}×) but at L = {d.min():.0f} to {d.max():.0f} ({d.max() / d.min():.2g}×)")
    text = f"Across budgets, {_join(parts, '; ')}."
    if tighter and all(tighter):
        return text + " The onsets meet more closely in L/w than in depth, as the finite-width picture predicts."
    if tighter and not any(tighter):
        return text + " The onsets do not meet more closely in L/w than in depth here."
    return text + (" The onsets meet more closely in L/w for some activations only." if tighter else "")


def sensitivity_sentence(onsets: pd.DataFrame) -> str:
    """Per bias scale of :func:`~varlib.variability.sensitivity.sensitivity_onsets`: from which depth each
    activation has half of its draws collapsed, and which never get there within the depths swept."""
    parts = []
    for col in onsets.columns:
        first = {a: v.split(" / ")[0] for a, v in onsets[col].items()}
        hit = sorted((int(d), a) for a, d in first.items() if d != "none")
        never = [a for a, d in first.items() if d == "none"]
        said = _join([f"{a} from L = {d}" for d, a in hit]) if hit else "no activation"
        if never:
            said += f", while {_join(never)} {'never does' if len(never) == 1 else 'never do'} within the depths swept"
        parts.append(f"at {col}, {said}")
    return "Half of the draws have collapsed " + "; ".join(parts) + "."


def mean_field_sentence(mean_field: dict, *, tau: float) -> str:
    """What the infinite-width CV (:func:`~varlib.variability.theory.mean_field_cv`, ``{activation: {depth: cv}}``)
    says at the deepest depth: below ``tau`` (mean field predicts collapse, from which depth) or above it (no
    collapse at infinite width: what collapses here is a finite-width effect)."""
    parts, any_collapse = [], False
    for act, curve in mean_field.items():
        deepest = max(curve)
        below = [d for d, v in sorted(curve.items()) if v < tau]
        any_collapse |= bool(below)
        parts.append(f"{activation_label(act)} {curve[deepest]:.2g}"
                     + (f" (below τ from L = {below[0]})" if below else ""))
    deepest = max(max(c) for c in mean_field.values())
    text = f"At infinite width the CV at L = {deepest} would be {_join(parts)}, against τ = {tau:g}."
    if any_collapse:
        return text + " Mean-field theory predicts collapse within these depths where the CV falls below τ."
    return text + (" Mean-field theory predicts no collapse within these depths: the collapse measured here is a "
                   "finite-width effect.")
