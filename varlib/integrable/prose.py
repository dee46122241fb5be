"""What the integrable chapter's prose reads: numbers and phrases computed from its tables.

Each ``*_story`` function returns ``{name: value}``; ``varlib.glue_all(story, prefix="integrable")`` puts them into
the executed notebook as ``integrable-<name>`` for myst-nb's ``{glue:text}`` role. A phrase that interprets a result
("stays at ln 10", "collapses") is chosen here from the numbers, with the thresholds of
:mod:`varlib.integrable.scorecard`, so the text holds under every profile and override. Glued strings are plain text
(no math).
"""
from __future__ import annotations

import math

import pandas as pd

from varlib.book.report import phrase
from varlib.core.data import Dataset
from varlib.integrable.calibration import EXTRAPOLATE
from varlib.integrable.failures import integrable_diverged, integrable_failures
from varlib.integrable.sweeps import LN10, PROBE_INPUTS, diverged_runs

__all__ = ["PAPER_BATCH", "data_story", "init_story", "naive_story", "escape_story",
           "rank_story", "main_story", "first_step_story", "schedule_story",
           "calibration_story", "equivalence_story", "relu_story"]

#: The batch size of the authors' 2021 protocol (their main comparison on MNIST).
PAPER_BATCH = 512


def _times(r: float) -> str:
    """A factor as '17-fold' or '1.3-fold'."""
    return f"{r:.0f}-fold" if r >= 10 else f"{r:.1f}-fold"


def _diverged_in(runs: pd.DataFrame) -> str | None:
    """'diverged in 2 of 3 runs' when some of ``runs`` (rows of ``integrable_failures``) diverged, else None: a
    phrase read from the numbers of a diverged run would describe the divergence, not the claim."""
    k = int(runs.diverged.sum())
    return f"diverged in {k} of {len(runs)} runs" if k else None


def _ln10_distance(dev: float, tol: float) -> str:
    """'stays within 3e-06 of ln 10 at every step' when ``dev < tol``, else 'leaves ln 10 (by up to 0.52)'."""
    return f"stays within {dev:.0e} of ln 10 at every step" if dev < tol else f"leaves ln 10 (by up to {dev:.2f})"


def data_story(data: Dataset) -> dict:
    """The dataset's sizes, the number of probe inputs, and the share of the training set that the authors'
    batch (:data:`PAPER_BATCH`) would be."""
    n_train, n_test = len(data.y_train), len(data.y_test)
    return {"n-train": n_train, "n-test": n_test, "dim": data.dim, "classes": data.n_classes,
            "probe": min(PROBE_INPUTS, n_test), "paper-batch-share": PAPER_BATCH / n_train}


def init_story(slopes: pd.DataFrame) -> dict:
    """The largest gap between fitted and predicted slopes (and whether they agree: within 0.2, roughly within
    0.4, as in the scorecard), and the largest |loss - ln 10| of the IP nets with L >= 3."""
    gap = float((slopes.slope - slopes.predicted).abs().max())
    ip = slopes[(slopes.preset != "mup") & (slopes.L >= 3)]
    return {"init-slope-gap": gap,
            "init-slopes-agree": phrase(gap, low=0.2, high=0.4, below="agree with", between="roughly follow",
                                        above="depart from"),
            "init-loss-gap": float(ip.max_loss_minus_ln10.max()) if len(ip) else math.nan}


def naive_story(naive: pd.DataFrame) -> dict:
    """Phrases on the Naive-IP runs (:func:`~varlib.integrable.sweeps.summaries` of the stuck sweep): the loss at
    L = 2 (``naive-two``), at L >= 4 (``naive-deep``), where the plateau at L = 3 ends across widths (``naive-three``,
    the median of ``plateau_end`` over seeds), and the relative
    change of the input weights across widths at the largest depth (``naive-w1``). A group with a diverged run
    says so instead."""
    naive = integrable_failures(naive)
    two, deep = naive[naive.L == 2], naive[naive.L >= 4]
    three = naive[naive.L == 3].sort_values("width")
    deepest = naive[naive.L == naive.L.max()].sort_values("width")
    out = {}
    if len(two) and _diverged_in(two):
        out["naive-two"] = _diverged_in(two)
    elif len(two):
        worst = two.final_loss.max()
        out["naive-two"] = (f"falls, to a final loss of {worst:.2f} or less" if (two.final_loss < LN10 - 0.3).all()
                            else f"does not fall far below ln 10 (final loss up to {worst:.2f})")
    else:
        out["naive-two"] = "was not trained (no L = 2 in stuck_depths)"
    widest = deep[deep.width == deep.groupby("L").width.transform("max")]
    left = deep.drop(widest.index)
    left = left[left.plateau_end.notna()] if "plateau_end" in left else left.iloc[:0]
    escaped = ("; narrower nets leave it after a plateau: " + ", ".join(
        f"L = {r.L}, m = {r.width} at step {r.plateau_end:.0f}" for r in left.itertuples())) if len(left) else ""
    out["naive-deep"] = (_diverged_in(deep) or "at the widest m " + _ln10_distance(widest.max_dev_ln10.max(), 1e-3)
                         + escaped if len(deep) else "was not trained (no L ≥ 4 in stuck_depths)")
    if three.width.nunique() >= 2 and _diverged_in(three):
        out["naive-three"] = _diverged_in(three)
    elif three.width.nunique() >= 2:
        ends = three.groupby("width").plateau_end.median()
        values = ", ".join(("never" if v != v else f"at step {v:.0f}") + f" at m = {w}" for w, v in ends.items())
        if ends.isna().any():
            verb = "does not end at every width within the steps run"
        else:
            verb = "ends later as the width grows" if ends.is_monotonic_increasing else "does not end later as m grows"
        out["naive-three"] = f"{verb} (median over seeds: {values})"
    else:
        out["naive-three"] = "cannot be compared across widths (fewer than two widths at L = 3)"
    if len(deepest) >= 2 and _diverged_in(deepest):
        out["naive-w1"] = f"cannot be compared: the runs at L = {int(deepest.L.iloc[0])} {_diverged_in(deepest)}"
    elif len(deepest) >= 2:
        lo, hi = deepest.iloc[0], deepest.iloc[-1]
        ratio = lo.change_w1 / hi.change_w1
        verb = f"shrinks {_times(ratio)}" if ratio > 1 else f"does not shrink (it grows {_times(1 / ratio)})"
        out["naive-w1"] = f"{verb} from m = {int(lo.width)} to m = {int(hi.width)} (L = {int(lo.L)})"
    else:
        out["naive-w1"] = "was measured at one width only"
    return out


def escape_story(escape: pd.DataFrame, *, history: pd.DataFrame) -> dict:
    """Phrases on Naive IP against IP-LLR (``escape``: the summaries, ``history``: the stacked histories): whether
    Naive IP stays at ln 10 and IP-LLR descends, and how far the first IP-LLR step lifts the deepest hidden layer
    (mean |h^L| on the probe inputs, at step 0 and after step 0, over the widths). A preset with a diverged run
    says so instead."""
    escape = integrable_failures(escape)
    ip, naive = escape[escape.preset == "ipllr"], escape[escape.preset == "naive_ip"]
    worst = ip.final_loss.max()
    descends = (f"descends, to a final loss of {worst:.2f} or less" if (ip.final_loss < LN10 - 0.3).all()
                else f"does not descend at every width (final loss up to {worst:.2f})")
    out = {"escape-naive": _diverged_in(naive) or _ln10_distance(naive.max_dev_ln10.max(), 1e-2),
           "escape-ipllr": _diverged_in(ip) or descends}
    h = history[history.preset == "ipllr"]
    col = f"h{int(h.L.max())}"
    h0, h1 = h[h.step == 0][col], h[h.step == 1][col]
    out["escape-lift"] = (f"from {h0.max():.1e} or less at step 0 to between {h1.min():.2g} and {h1.max():.2g} "
                          "after it")
    out["escape-order"] = ("of order one at every width" if len(h1) and h1.between(0.1, 10).all()
                           else "not of order one at every width")
    return out


def rank_story(ranks: pd.DataFrame, *, batch: int, K: int = 10) -> dict:
    """Phrases on the ranks after one IP-LLR step (the stacked ``first_step_ranks`` tables, with an
    ``activation`` column): the tanh update ranks from layer 3 on, the hidden ReLU update ranks against the batch
    and their largest stable rank, and the rank of the deepest ReLU representation (collapsed at <= 2). Ranks of
    a step that diverged (``diverged`` column) are left out; what is left out entirely reads "not measured"."""
    L = int(ranks[ranks.kind == "update Δw"].layer.max()) - 1
    top = ranks[ranks.kind == "pre-activation h"].layer.max()
    ranks = ranks[~ranks.diverged.astype(bool)] if "diverged" in ranks else ranks
    upd, h = ranks[ranks.kind == "update Δw"], ranks[ranks.kind == "pre-activation h"]
    tanh = sorted({int(r) for r in upd[(upd.activation == "tanh") & (upd.layer >= 3)].numerical_rank})
    relu = upd[(upd.activation == "relu") & (upd.layer >= 2) & (upd.layer <= L)].numerical_rank.astype(int)
    stable = upd[(upd.activation == "relu") & (upd.layer >= 2) & (upd.layer <= L)].stable_rank
    last = h[(h.activation == "relu") & (h.layer == top)].numerical_rank
    gone = "not measured (the step diverged)"
    out = {"rank-tanh": ", ".join(map(str, tanh)) + (" (that is, K − 1)" if tanh == [K - 1] else
                                                     f" (not all K − 1 = {K - 1})") if tanh else gone}
    if len(relu):
        out["rank-relu"] = f"{relu.min()}–{relu.max()}" if relu.min() != relu.max() else f"{relu.min()}"
        out["rank-relu-full"] = phrase(relu.min() / batch, low=0.9, high=0.9, below="short of full rank",
                                       between="close to full rank", above="close to full rank")
    else:
        out["rank-relu"], out["rank-relu-full"] = gone, "not compared"
    out["rank-relu-stable"] = float(stable.max()) if len(stable) else math.nan
    if len(last):
        out["rank-relu-h"] = int(last.iloc[0])
        out["rank-collapse"] = ("it collapses: every input is mapped to nearly the same point" if last.iloc[0] <= 2
                                else "it does not collapse")
    else:
        out["rank-relu-h"], out["rank-collapse"] = "not measured", "the ReLU step diverged"
    return out


def main_story(accuracy: pd.DataFrame, *, history: pd.DataFrame, summary: pd.DataFrame | None = None) -> dict:
    """Numbers and phrases on the main comparison (``accuracy``: :func:`accuracy_table`; ``history``: the stacked
    histories; ``summary``: the run summaries): runs and diverged runs (named, by the summaries' rule when given,
    else by the losses), IP-LLR's largest batch loss after step 0 over the runs that did not diverge (a diverged
    run's last finite loss is no spike), and IP-bias's mean batch loss at step 0 and at the last step against ln 10
    (its trend says so when IP-bias runs diverged); and the μP cell whose loss stays closest to ln 10."""
    h = history.dropna(subset=["loss"])
    runs = ["preset", "activation", "seed"]
    body = history[history.step < history.groupby(runs).step.transform("max")]  # the last row has no batch loss
    diverged = body.groupby(runs).loss.apply(lambda l: integrable_diverged(l.to_numpy()))
    bad = {key for key, d in diverged.items() if d}
    sane = pd.Series([key not in bad for key in h[runs].itertuples(index=False, name=None)], index=h.index)
    bias = h[h.preset == "ip_bias"]
    start, end = bias[bias.step == 0].loss.mean(), bias[bias.step == bias.step.max()].loss.mean()
    towards = abs(end - LN10) < abs(start - LN10)
    cells = accuracy[accuracy.preset == "ip_bias"]
    trend = ("moves towards it, as in the authors' CIFAR-10 curves" if towards
             else "does not move towards it, unlike the authors' CIFAR-10 curves")
    if cells.diverged.sum():
        trend = f"diverged in {int(cells.diverged.sum())} of {int(cells['count'].sum())} runs"
    return {"main-runs": int(accuracy["count"].sum()), "main-diverged": int(accuracy.diverged.sum()),
            "main-diverged-runs": _run_names(bad if summary is None else diverged_runs(summary, runs)),
            "main-ipllr-peak": float(h[sane & (h.preset == "ipllr") & (h.step >= 1)].loss.max()),
            "main-bias-start": float(start), "main-bias-end": float(end),
            "main-bias-side": "above" if start > LN10 else "below",
            "main-bias-trend": trend, **_mup_gap(accuracy)}


def _run_names(keys) -> str:
    """'ipllr with elu (seed 1), …' for (preset, activation, seed) keys; 'none' when empty."""
    return ", ".join(f"{p} with {a} (seed {s})" for p, a, s in sorted(keys)) or "none"


def _mup_gap(accuracy: pd.DataFrame) -> dict:
    """The μP cell whose final loss is closest to ln 10: its activation, loss, accuracy and final mean |f|."""
    mup = accuracy[accuracy.preset == "mup"].dropna(subset=["final_loss"])
    if not len(mup):
        return {"mup-gap-act": "none", "mup-gap-loss": math.nan, "mup-gap-acc": math.nan, "mup-gap-f": math.nan}
    r = mup.loc[mup.final_loss.idxmax()]
    return {"mup-gap-act": str(r.activation), "mup-gap-loss": float(r.final_loss), "mup-gap-acc": float(r["mean"]),
            "mup-gap-f": float(r.final_abs_f)}


def first_step_story(first: pd.DataFrame, clones: pd.DataFrame) -> dict:
    """The fitted first-step slopes of h^1 and h^2 (each layer's own move, and h^2's total move) and the range of
    the clone slopes."""
    return {"first-slope-h1": float(first.slope.iloc[0]), "first-slope-h2": float(first.slope.iloc[1]),
            "first-slope-h2-total": float(first.slope_total.iloc[1]),
            "clone-slopes": f"{clones.slope.min():.2f} to {clones.slope.max():.2f}"}


def schedule_story(schedule: pd.DataFrame) -> dict:
    """The largest batch loss with one and with the most steps at the step-0 rates, and whether the longer
    warm-up blew up."""
    one = schedule[schedule.warmup_steps == schedule.warmup_steps.min()].iloc[0]
    more = schedule[schedule.warmup_steps == schedule.warmup_steps.max()].iloc[0]
    return {"warmup-more": int(more.warmup_steps), "warmup-one-loss": float(one.max_loss),
            "warmup-more-loss": float(more.max_loss),
            "warmup-verdict": ("blows up" if more.diverged else "does not blow up") + (
                " (but the one-step run diverged too)" if one.diverged else "")}


def calibration_story(slopes: pd.DataFrame) -> dict:
    """Per activation, the slopes of the hidden layers' calibrated constants against width, and where the cap binds
    (measured, extrapolated from the fitted line, or never for a flat line), over every calibrated layer."""
    out, where = [], []
    for act, g in slopes.groupby("activation", sort=False):
        hidden = g[g.layer < g.layer.max()]
        out.append(f"{act} {hidden.slope.min():.2f} to {hidden.slope.max():.2f}")
        measured, reach = g.capped_at.min(), g.binds_from.min()
        if measured == measured:
            where.append(f"{act} from m = {measured:.0f} (measured)")
        elif reach == reach:
            where.append(f"{act} near m = {reach:.2g} (extrapolated)")
        else:
            where.append(f"{act} at no width up to {EXTRAPOLATE} times the widest measured")
    return {"calib-slopes": "; ".join(out), "calib-binds": "; ".join(where)}


def equivalence_story(equivalence: pd.DataFrame) -> dict:
    """The largest relative gap of the exact pairs at each width, as 'm = 256: 0, m = 300: 2.1e-16'."""
    exact = equivalence[~equivalence.pair.str.endswith("vs mup")]
    per = exact.groupby("width").relative.max()
    return {"equiv-gaps": ", ".join(f"m = {w}: {v:.1e}" if v else f"m = {w}: exactly 0" for w, v in per.items())}


def relu_story(sweep: pd.DataFrame, accuracy: pd.DataFrame) -> dict:
    """The best IP-LLR ReLU accuracy over the rate sweep and its rate, and the smooth activations' worst mean."""
    runs = integrable_failures(sweep)
    acc = runs.test_acc.where(~runs.diverged, 0.0)
    best = runs.loc[acc.idxmax()] if len(runs) else None
    smooth = accuracy[(accuracy.preset == "ipllr") & (accuracy.activation != "relu")]
    return {"relu-best": float(acc.max()) if best is not None else math.nan,
            "relu-best-eta": float(best.eta) if best is not None else math.nan,
            "smooth-worst": float(smooth["mean"].min()) if len(smooth) else math.nan}
