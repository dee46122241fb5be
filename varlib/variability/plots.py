"""Figures of the variability chapter: seaborn drawings of the tidy tables of :mod:`varlib.variability`.

No figure titles (captions live in the chapter; a panel names its budget), lowercase axis labels, depth on a log2
axis, legends under the panels, intervals at 95 %. Depth L = 1 is
left out of every trend figure (it is reported apart: its activation ratio is the largest of the family).
"""
from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns

from varlib.book.plots import PALETTE, panel_grid
from varlib.variability.measures import ACTIVATION_LABELS, activation_label

__all__ = ["v3_vs_depth", "collapse_vs_depth", "collapse_vs_aspect", "cv_vs_mean_field", "sensitivity_panels",
           "gradients_vs_depth", "training_vs_depth", "v3_vs_training"]

_ORDER = list(ACTIVATION_LABELS.values())


def _hue(df: pd.DataFrame) -> dict:
    """The same colour for an activation in every figure: hue, hue_order and palette keywords."""
    names = list(df.activation.unique())
    order = [a for a in _ORDER if a in names] + sorted(a for a in names if a not in _ORDER)
    colours = sns.color_palette(list(PALETTE), len(_ORDER) + len(order))
    palette = {a: colours[_ORDER.index(a)] if a in _ORDER else colours[len(_ORDER) + i] for i, a in enumerate(order)}
    return {"hue": "activation", "hue_order": order, "palette": palette}


def _label(df: pd.DataFrame) -> pd.DataFrame:
    """Rows with depth >= 2 and readable activation names."""
    out = df[df.depth >= 2].copy()
    out["activation"] = out.activation.map(activation_label)
    return out


def _log2_depth(ax) -> None:
    ax.set_xscale("log", base=2)
    ax.set_xlabel("depth L")


def _colours(names) -> dict:
    return _hue(pd.DataFrame({"activation": list(names)}))["palette"]


def _legend_below(fig, axes=(), ncol: int = 4, handles: list | None = None) -> None:
    """One legend under the figure, off the data (about half an inch per legend row): the entries of ``axes`` (an
    axis or a list of them, whose own legends are removed) in order, or the given ``handles``."""
    if handles is None:
        handles = []
        for ax in axes if isinstance(axes, (list, tuple)) else [axes]:
            handles += ax.get_legend_handles_labels()[0]
            if ax.get_legend() is not None:
                ax.get_legend().remove()
    fig.legend(handles=handles, loc="lower center", ncol=ncol, fontsize=9, frameon=False)
    rows = -(-len(handles) // ncol)
    fig.tight_layout(rect=(0, min(0.3, (0.15 + 0.2 * rows) / fig.get_figheight()), 1, 1))


def _bars(ax, x, y, low, high, colour, label, **kw) -> None:
    """A line with interval bars: y from ``low`` to ``high`` at each x."""
    y, low, high = (pd.Series(v).to_numpy(float) for v in (y, low, high))
    below, above = (np.clip(np.nan_to_num(e), 0, None) for e in (y - low, high - y))   # rounding, NaN: no bar
    ax.errorbar(x, y, yerr=[below, above], color=colour, label=label, capsize=2, **{"marker": "o", "ms": 4, **kw})


def v3_vs_depth(vsum: pd.DataFrame) -> plt.Figure:
    """V3 against depth on a log axis, one panel per budget: the mean with its bootstrap 95 % interval (solid)
    and the median with its interquartile range (dashed, shaded); ρ = N/P on a right axis (grey)."""
    s = _label(vsum)
    budgets = sorted(s.budget.unique())
    colours = _colours(s.activation.unique())
    fig, axes = panel_grid(len(budgets), panel=(4.6, 3.9))
    for ax, b in zip(axes, budgets):
        for act, c in s[s.budget == b].sort_values("depth").groupby("activation", sort=False):
            _bars(ax, c.depth, c.v3_mean, c.v3_low, c.v3_high, colours[act], f"{act}: mean, 95 % interval")
            ax.plot(c.depth, c.v3_median, color=colours[act], ls="--", lw=1, label=f"{act}: median, IQR")
            ax.fill_between(c.depth, c.v3_q25, c.v3_q75, color=colours[act], alpha=0.15, lw=0)
        ax.set(yscale="log", ylabel="V3 (log scale)", title=f"P ≈ {b}")
        _log2_depth(ax)
        twin = ax.twinx()
        rho = s[s.budget == b].drop_duplicates("depth").sort_values("depth")
        twin.plot(rho.depth, rho.rho, color="0.55", ls=":", marker=".", label="ρ = N/P (right axis)")
        twin.set_ylabel("activation ratio ρ = N/P", color="0.4")
        twin.grid(False)
    _legend_below(fig, [axes[0], twin], ncol=3)
    return fig


def collapse_vs_depth(vsum: pd.DataFrame, *, tau: float) -> plt.Figure:
    """Fraction of draws collapsed (CV < τ, with Wilson 95 % intervals; CV < τ/10 dashed) and with a dead layer
    (dotted) against depth, one panel per budget."""
    s = _label(vsum)
    budgets = sorted(s.budget.unique())
    colours = _colours(s.activation.unique())
    fig, axes = panel_grid(len(budgets), panel=(4.6, 3.6), sharey=True)
    for ax, b in zip(axes, budgets):
        for act, c in s[s.budget == b].sort_values("depth").groupby("activation", sort=False):
            _bars(ax, c.depth, c.c2c, c.c2c_low, c.c2c_high, colours[act], f"{act}: CV < {tau:g}")
            ax.plot(c.depth, c.c2c_strict, color=colours[act], ls="--", lw=1, label=f"{act}: CV < {tau / 10:g}")
            ax.plot(c.depth, c.dead, color=colours[act], ls=":", lw=1.5, label=f"{act}: dead layer")
        ax.set(ylabel="fraction of draws", ylim=(-0.03, 1.03), title=f"P ≈ {b}")
        _log2_depth(ax)
    _legend_below(fig, axes[0], ncol=3)
    return fig


def collapse_vs_aspect(vsum: pd.DataFrame) -> plt.Figure:
    """Collapsed fraction (Wilson 95 % intervals) against the depth-to-width ratio L/w on a log axis, every budget
    on one panel (marker per budget), one colour per activation."""
    s = _label(vsum).assign(aspect=lambda d: d.depth / d.width)
    colours = _colours(s.activation.unique())
    markers = dict(zip(sorted(s.budget.unique()), "osD^v"))
    fig, ax = plt.subplots(figsize=(6.4, 4.0))
    order = {a: i for i, a in enumerate(colours)}
    curves = sorted(s.groupby(["activation", "budget"]), key=lambda kc: (order[kc[0][0]], kc[0][1]))
    for (act, b), c in curves:
        c = c.sort_values("aspect")
        _bars(ax, c.aspect, c.c2c, c.c2c_low, c.c2c_high, colours[act], f"{act}, P ≈ {b}", lw=1, marker=markers[b])
    ax.set(xscale="log", xlabel="depth / width L/w (log scale)", ylabel="fraction collapsed (C2C)",
           ylim=(-0.03, 1.03))
    _legend_below(fig, ax, ncol=4)
    return fig


def cv_vs_mean_field(vsum: pd.DataFrame, *, mean_field: dict, tau: float) -> plt.Figure:
    """Median CV of the draws against depth (log scales), one panel per activation, one line per budget, beside
    the infinite-width CV ``mean_field[activation][depth]`` (black dashed) and the collapse threshold tau (grey
    dotted). Medians of exactly 0 (dead nets) fall off the log axis."""
    s = _label(vsum)
    acts = [a for a in mean_field if activation_label(a) in set(s.activation)]
    budgets = sorted(s.budget.unique())
    shades = dict(zip(budgets, sns.color_palette("crest", len(budgets))))
    fig, axes = panel_grid(len(acts), panel=(4.6, 3.8), sharey=True)
    for ax, act in zip(axes, acts):
        name = activation_label(act)
        for b in budgets:
            c = s[(s.activation == name) & (s.budget == b)].sort_values("depth")
            ax.plot(c.depth, c.cv_median.where(c.cv_median > 0), color=shades[b], marker="o", ms=4,
                    label=f"median CV of draws, P ≈ {b}")
        mf = sorted(mean_field[act].items())
        ax.plot([d for d, _ in mf], [v for _, v in mf], color="black", ls="--", label="infinite width (mean field)")
        ax.axhline(tau, color="0.5", ls=":", lw=1, label=f"collapse threshold τ = {tau:g}")
        ax.set(yscale="log", title=name, ylabel="CV = std / rms (log scale)")
        _log2_depth(ax)
    _legend_below(fig, axes[0], ncol=2)
    return fig


def sensitivity_panels(ssum: pd.DataFrame) -> plt.Figure:
    """Top: collapsed fraction (Wilson 95 % intervals) against depth; bottom: mean V3 (log scale); one column per
    bias scale sigma_b, one colour per activation."""
    s = _label(ssum)
    scales = sorted(s.sigma_b.unique())
    colours = _colours(s.activation.unique())
    fig, axes = plt.subplots(2, len(scales), figsize=(3.4 * len(scales) + 0.6, 6.0), squeeze=False, sharex=True)
    for j, sb in enumerate(scales):
        for act in colours:
            c = s[(s.sigma_b == sb) & (s.activation == act)].sort_values("depth")
            if not len(c):
                continue
            _bars(axes[0][j], c.depth, c.c2c, c.c2c_low, c.c2c_high, colours[act], act)
            axes[1][j].plot(c.depth, c.v3_mean, color=colours[act], marker="o", ms=4, label=act)
        axes[0][j].set(ylim=(-0.03, 1.03), title=f"$\\sigma_b$ = {sb:g}", ylabel="fraction collapsed" if j == 0 else "")
        axes[1][j].set(yscale="log", ylabel="mean V3 (log scale)" if j == 0 else "")
        for ax in axes[:, j]:
            _log2_depth(ax)
        axes[0][j].set_xlabel("")
    _legend_below(fig, axes[0][0], ncol=len(colours))
    return fig


def gradients_vs_depth(vsum: pd.DataFrame, *, budget: int, vanishing: float) -> plt.Figure:
    """Left: the first/last hidden-layer error ratio at init, median (solid) and mean (dashed), log scale, with
    the vanishing threshold (grey). Right: fraction of draws with a vanishing gradient (solid) and collapsed
    (dashed). Depths >= 2 at ``budget``."""
    s = _label(vsum[vsum.budget == budget])
    colours = _colours(s.activation.unique())
    fig, axes = plt.subplots(1, 2, figsize=(10, 3.8))
    for act, c in s.sort_values("depth").groupby("activation", sort=False):
        axes[0].plot(c.depth, c.bias_grad_ratio, color=colours[act], marker="o", ms=4, label=f"{act}: median")
        axes[0].plot(c.depth, c.bias_grad_ratio_mean, color=colours[act], ls="--", lw=1, label=f"{act}: mean")
        axes[1].plot(c.depth, c.vanishing, color=colours[act], marker="o", ms=4, label=f"{act}: vanishing gradient")
        axes[1].plot(c.depth, c.c2c, color=colours[act], ls="--", marker="x", ms=4, label=f"{act}: collapsed (C2C)")
    axes[0].axhline(vanishing, color="0.5", ls=":", lw=1)
    # zeros (dead layers) drop off the log axis
    axes[0].set(yscale="log", ylabel=r"$|\partial\ell/\partial b_1| \,/\, |\partial\ell/\partial b_L|$ at init")
    axes[1].set(ylabel="fraction of draws", ylim=(-0.03, 1.03))
    for ax in axes:
        _log2_depth(ax)
    _legend_below(fig, list(axes), ncol=4)
    return fig


def training_vs_depth(tsum: pd.DataFrame, *, success_acc: float) -> plt.Figure:
    """Success rate with Wilson 95 % intervals (left) and mean best training accuracy with bootstrap 95 %
    intervals (right), against depth L >= 2."""
    t = _label(tsum)
    colours = _colours(t.activation.unique())
    fig, axes = plt.subplots(1, 2, figsize=(10, 3.8))
    for act, c in t.sort_values("depth").groupby("activation", sort=False):
        _bars(axes[0], c.depth, c.success_rate, c.success_low, c.success_high, colours[act], act)
        _bars(axes[1], c.depth, c.best_accuracy, c.best_accuracy_low, c.best_accuracy_high, colours[act], act)
    axes[0].set(ylabel=f"success rate (accuracy ≥ {success_acc:g})", ylim=(-0.03, 1.03))
    axes[1].axhline(success_acc, color="0.5", ls=":", lw=1)
    axes[1].set(ylabel="mean best training accuracy")
    for ax in axes:
        _log2_depth(ax)
    _legend_below(fig, axes[0], ncol=2)
    return fig


def v3_vs_training(vsum: pd.DataFrame, *, tsum: pd.DataFrame) -> plt.Figure:
    """Mean V3 of random draws (bootstrap 95 % interval) against the success rate (Wilson 95 % interval, left)
    and the mean best accuracy (bootstrap interval, right), one point per (activation, depth >= 2); colour is
    the activation, the marker the depth."""
    both = _label(tsum).merge(_label(vsum), on=["activation", "budget", "depth"])
    colours = _colours(both.activation.unique())
    markers = dict(zip(sorted(both.depth.unique()), "osD^vP*Xph"))
    fig, axes = plt.subplots(1, 2, figsize=(10, 4.0))
    for ax, (y, lo, hi, label) in zip(axes, [("success_rate", "success_low", "success_high", "success rate"),
                                             ("best_accuracy", "best_accuracy_low", "best_accuracy_high",
                                              "mean best accuracy")]):
        for _, r in both.iterrows():
            xerr, yerr = ([[max(0.0, m - a)], [max(0.0, b - m)]] for m, a, b in
                          ((r.v3_mean, r.v3_low, r.v3_high), (r[y], r[lo], r[hi])))
            ax.errorbar(r.v3_mean, r[y], xerr=xerr, yerr=yerr, color=colours[r.activation],
                        marker=markers[r.depth], ms=6, capsize=2, lw=0.8, ls="none")
        ax.set(xlabel="mean V3 of random draws", ylabel=label)
    axes[0].set_ylim(-0.03, 1.03)
    from matplotlib.lines import Line2D

    handles = [Line2D([], [], color=c, marker="o", ls="none", label=a) for a, c in colours.items()] + \
        [Line2D([], [], color="0.3", marker=m, ls="none", label=f"L = {d}") for d, m in markers.items()]
    _legend_below(fig, ncol=len(handles), handles=handles)
    return fig
