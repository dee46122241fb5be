"""Figures of the variability chapter: seaborn drawings of the tidy tables of :mod:`varlib.variability`.

No titles (captions live in the chapter), lowercase axis labels, depth on a log2 axis. Depth L = 1 is
left out of every trend figure (it is reported apart: its activation ratio is the largest of the family).
"""
from __future__ import annotations

import matplotlib.pyplot as plt
import pandas as pd
import seaborn as sns

from varlib.variability.measures import ACTIVATION_LABELS

__all__ = ["v3_vs_depth", "collapse_vs_depth", "gradients_vs_depth", "training_vs_depth", "v3_vs_training"]

_ORDER = [ACTIVATION_LABELS[a] for a in ("relu", "abs", "tanh")]


def _hue(df: pd.DataFrame) -> dict:
    """The same colour for an activation in every figure: hue, hue_order and palette keywords."""
    names = list(df.activation.unique())
    order = [a for a in _ORDER if a in names] + sorted(a for a in names if a not in _ORDER)
    colours = sns.color_palette("colorblind", len(_ORDER) + len(order))
    palette = {a: colours[_ORDER.index(a)] if a in _ORDER else colours[len(_ORDER) + i] for i, a in enumerate(order)}
    return {"hue": "activation", "hue_order": order, "palette": palette}


def _label(df: pd.DataFrame) -> pd.DataFrame:
    """Rows with depth >= 2 and readable activation names."""
    out = df[df.depth >= 2].copy()
    out["activation"] = out.activation.map(lambda a: ACTIVATION_LABELS.get(a, a))
    return out


def _log2_depth(ax) -> None:
    ax.set_xscale("log", base=2)
    ax.set_xlabel("depth L")


def v3_vs_depth(draws: pd.DataFrame, *, vsum: pd.DataFrame) -> plt.Figure:
    """Mean V3 ± one std over draws against depth, one panel per budget; ρ = N/P on a right axis (grey)."""
    d, s = _label(draws), _label(vsum)
    budgets = sorted(d.budget.unique())
    fig, axes = plt.subplots(1, len(budgets), figsize=(4.6 * len(budgets), 3.6), squeeze=False)
    for ax, b in zip(axes[0], budgets):
        sns.lineplot(d[d.budget == b], x="depth", y="v3", **_hue(d), errorbar="sd", marker="o",
                     err_style="bars", ax=ax)
        ax.set_ylim(bottom=0)
        ax.set(ylabel="V3 (mean ± std over draws)")
        _log2_depth(ax)
        twin = ax.twinx()
        rho = s[s.budget == b].drop_duplicates("depth")
        twin.plot(rho.depth, rho.rho, color="0.55", ls="--", marker=".", label="ρ = N/P")
        twin.set_ylabel("activation ratio ρ = N/P", color="0.4")
        twin.grid(False)
        twin.legend(loc="lower right", fontsize=8)
        ax.legend(loc="upper left", fontsize=8, title=f"P ≈ {b}", title_fontsize=8)
    fig.tight_layout()
    return fig


def collapse_vs_depth(vsum: pd.DataFrame, *, tau: float) -> plt.Figure:
    """Fractions of draws collapsed (CV < τ and CV < τ/10) and dead against depth, one panel per budget."""
    s = _label(vsum)
    long = s.melt(id_vars=["activation", "budget", "depth"], value_vars=["c2c", "c2c_strict", "dead"],
                  var_name="measure", value_name="fraction")
    long["measure"] = long.measure.map({"c2c": f"CV < {tau:g}", "c2c_strict": f"CV < {tau / 10:g}",
                                        "dead": "dead layer"})
    g = sns.relplot(long, x="depth", y="fraction", **_hue(long), style="measure", col="budget", kind="line",
                    markers=True, height=3.4, aspect=1.2)
    for ax in g.axes.flat:
        _log2_depth(ax)
        ax.set_ylabel("fraction of draws")
    g.set_titles("P ≈ {col_name}")
    return g.figure


def gradients_vs_depth(vsum: pd.DataFrame, *, budget: int) -> plt.Figure:
    """Left: median loss-gradient norms at init (first hidden, last hidden, output layer); right: C2C fraction."""
    s = _label(vsum[vsum.budget == budget])
    long = s.melt(id_vars=["activation", "depth"], value_vars=["grad_first", "grad_last_hidden", "grad_output"],
                  var_name="layer", value_name="norm")
    long["layer"] = long.layer.map({"grad_first": "first hidden", "grad_last_hidden": "last hidden",
                                    "grad_output": "output"})
    fig, axes = plt.subplots(1, 2, figsize=(10, 3.6), gridspec_kw={"width_ratios": [1.4, 1]})
    sns.lineplot(long, x="depth", y="norm", **_hue(long), style="layer", markers=True, ax=axes[0])
    axes[0].set(yscale="log", ylabel="median ‖∂ℓ/∂W_l‖ at init")   # zeros (dead ReLU layers) drop off
    axes[0].legend(fontsize=8, ncol=2)
    sns.lineplot(s, x="depth", y="c2c", **_hue(s), marker="o", ax=axes[1])
    axes[1].set(ylabel="fraction collapsed (C2C)", ylim=(-0.03, 1.03))
    for ax in axes:
        _log2_depth(ax)
    fig.tight_layout()
    return fig


def training_vs_depth(runs: pd.DataFrame, *, success_acc: float) -> plt.Figure:
    """Success rate (left) and best training accuracy, mean ± std over seeds (right), against depth."""
    r = _label(runs)
    fig, axes = plt.subplots(1, 2, figsize=(10, 3.6))
    sns.lineplot(r, x="depth", y="success", **_hue(r), marker="o", errorbar=None, ax=axes[0])
    axes[0].set(ylabel=f"success rate (accuracy ≥ {success_acc:g})", ylim=(-0.03, 1.03))
    sns.lineplot(r, x="depth", y="best_accuracy", **_hue(r), marker="o", errorbar="sd", err_style="bars",
                 ax=axes[1], legend=False)
    axes[1].axhline(success_acc, color="0.5", ls=":", lw=1)
    axes[1].set(ylabel="best training accuracy")
    for ax in axes:
        _log2_depth(ax)
    fig.tight_layout()
    return fig


def v3_vs_training(vsum: pd.DataFrame, *, tsum: pd.DataFrame) -> plt.Figure:
    """Mean V3 of random draws against success rate (left) and best accuracy (right); labels are depths."""
    both = _label(tsum).merge(_label(vsum), on=["activation", "budget", "depth"])
    fig, axes = plt.subplots(1, 2, figsize=(10, 3.8))
    for ax, y, label in zip(axes, ["success_rate", "best_accuracy"], ["success rate", "mean best accuracy"]):
        sns.scatterplot(both, x="v3_mean", y=y, **_hue(both), style="activation", s=70, ax=ax,
                        legend=ax is axes[0])
        for _, row in both.iterrows():
            ax.annotate(f"L={row.depth}", (row.v3_mean, row[y]), textcoords="offset points", xytext=(4, 4),
                        fontsize=7)
        ax.set(xlabel="mean V3 of random draws", ylabel=label)
    axes[0].set_ylim(-0.03, 1.03)
    fig.tight_layout()
    return fig
