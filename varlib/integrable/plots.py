"""Figures of the ``integrable`` chapter, drawn from the tidy tables of :mod:`varlib.integrable.experiments`.

No titles (captions live in the chapter); lowercase axis labels; the style comes from
:func:`varlib.book.plots.set_style`.
"""
from __future__ import annotations

import math

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns
from matplotlib.ticker import NullFormatter, ScalarFormatter

from varlib.book.plots import MAX_FIGURE_WIDTH, SEQUENTIAL, panel_grid

__all__ = ["init_scale_plot", "loss_curves", "coord_check_plot", "rank_plot", "accuracy_plot", "calibration_plot",
           "relu_rate_plot"]


def _plain_ticks(axis) -> None:
    """Plain numbers on a log axis (no 3x10^1 labels on minor ticks)."""
    axis.set_major_formatter(ScalarFormatter())
    axis.set_minor_formatter(NullFormatter())


def _panels(n: int, width: float = 3.6, height: float = 3.0, sharey=True, max_cols: int = 4):
    """n panels in rows of at most ``max_cols`` that fit the page (:func:`varlib.book.plots.panel_grid`)."""
    return panel_grid(n, panel=(width, height), max_width=min(MAX_FIGURE_WIDTH, width * max_cols), sharey=sharey)


def init_scale_plot(scales: pd.DataFrame) -> plt.Figure:
    """Geometric-mean |f| at init against width, one panel per activation, one line per (preset, L)."""
    df = scales.assign(model=scales.preset.str.replace("_", " ") + ", L=" + scales.L.astype(str),
                       log_f=np.log(scales.mean_abs_f))
    gm = df.groupby(["activation", "model", "width"], sort=False).log_f.mean().reset_index()
    gm["mean |f|"] = np.exp(gm.log_f)
    acts = list(gm.activation.unique())
    fig, axes = _panels(len(acts))
    for i, (ax, act) in enumerate(zip(axes, acts)):
        sns.lineplot(gm[gm.activation == act], x="width", y="mean |f|", hue="model", marker="o", ax=ax,
                     legend=i == len(acts) - 1)
        ax.set(xscale="log", yscale="log", xlabel=f"width m ({act})", ylabel="mean |f| at init")
        ax.set_xticks(sorted(gm.width.unique()))
        _plain_ticks(ax.xaxis)
    if axes[-1].get_legend():
        sns.move_legend(axes[-1], "upper left", bbox_to_anchor=(1.02, 1), fontsize=9)
    fig.tight_layout()
    return fig


def loss_curves(history: pd.DataFrame, *, col: str, hue: str, ln10: bool = True, log_x: bool = False,
                log_y: bool = False) -> plt.Figure:
    """Training loss against step, one panel per value of ``col``, one line per ``hue`` (mean over the rest).

    ``log_x``: symmetric-log step axis (step 0 and the first steps visible); ``log_y``: log loss axis.
    """
    hist = history.dropna(subset=["loss"])
    values = list(hist[col].unique())
    if not values:  # every run left out (diverged): say so rather than draw nothing
        fig, ax = plt.subplots(figsize=(4, 2))
        ax.text(0.5, 0.5, "no run to show: every run diverged", ha="center", va="center")
        ax.set_axis_off()
        return fig
    fig, axes = _panels(len(values), max_cols=2)  # two across: readable on a phone
    for i, (ax, v) in enumerate(zip(axes, values)):
        sns.lineplot(hist[hist[col] == v], x="step", y="loss", hue=hue, palette=SEQUENTIAL
                     if pd.api.types.is_numeric_dtype(hist[hue]) else None, errorbar=None, ax=ax,
                     legend=i == len(values) - 1, lw=1.2)
        if ln10:
            ax.axhline(math.log(10), color="0.4", ls="--", lw=0.8)
        ax.set(xlabel=f"step ({col} = {v})", ylabel="training loss (batch)")
        if log_x:
            ax.set_xscale("symlog", linthresh=1)
            _plain_ticks(ax.xaxis)
        if log_y:
            ax.set_yscale("log")
        ax.set_xlim(0, hist.step.max())
    if axes[-1].get_legend():
        sns.move_legend(axes[-1], "upper left", bbox_to_anchor=(1.02, 1), fontsize=9, title=hue)
    fig.tight_layout()
    return fig


def coord_check_plot(history: pd.DataFrame, *, layers_from: int = 1) -> plt.Figure:
    """mean |h^l| against step, one panel per layer (the last is f), one line per width (log scales)."""
    cols = [c for c in history.columns if (c.startswith("h") and c[1:].isdigit() and int(c[1:]) >= layers_from)]
    cols += ["f"]
    long = history.melt(id_vars=["step", "width"], value_vars=cols, var_name="layer", value_name="mean_abs")
    fig, axes = _panels(len(cols), width=2.6, height=2.8)
    for i, (ax, c) in enumerate(zip(axes, cols)):
        sns.lineplot(long[long.layer == c], x="step", y="mean_abs", hue="width", palette=SEQUENTIAL, ax=ax,
                     legend=i == len(cols) - 1, lw=1.2)
        ax.set(yscale="log", xscale="symlog", xlabel=f"step (${'f' if c == 'f' else 'h^{' + c[1:] + '}'}$)",
               ylabel="mean $|h|$", xlim=(0, long.step.max()))
        _plain_ticks(ax.xaxis)
    if axes[-1].get_legend():
        sns.move_legend(axes[-1], "upper left", bbox_to_anchor=(1.02, 1), fontsize=9, title="width")
    fig.tight_layout()
    return fig


def rank_plot(ranks: pd.DataFrame, *, batch: int, n_inputs: int, K: int = 10) -> plt.Figure:
    """Numerical rank per layer after one IP-LLR step: updates (left) and pre-activations (right; dash-dot: the
    inputs' rank, the ceiling of h^1's, when ``ranks`` has an ``input_rank`` column)."""
    kinds = list(ranks.kind.unique())
    fig, axes = _panels(len(kinds), width=4.4, height=3.2, sharey=False)
    for i, (ax, kind) in enumerate(zip(axes, kinds)):
        sns.lineplot(ranks[ranks.kind == kind], x="layer", y="numerical_rank", hue="activation", marker="o",
                     ax=ax, legend=i == len(kinds) - 1)
        ax.axhline(K - 1, color="0.4", ls="--", lw=0.8)
        ax.axhline(batch if kind.startswith("update") else n_inputs, color="0.6", ls=":", lw=0.8)
        if not kind.startswith("update") and "input_rank" in ranks:
            ax.axhline(ranks.input_rank.max(), color="0.3", ls="-.", lw=0.8)
        ax.set(yscale="log", xlabel=f"layer $l$ ({kind})", ylabel="numerical rank")
        _plain_ticks(ax.yaxis)
    if axes[-1].get_legend():
        sns.move_legend(axes[-1], "upper left", bbox_to_anchor=(1.02, 1), fontsize=9)
    fig.tight_layout()
    return fig


def accuracy_plot(summary: pd.DataFrame, *, chance: float = 0.1) -> plt.Figure:
    """Test accuracy per preset and activation: bars (mean over seeds) and dots (seeds); a diverged run (NaN, or
    ``diverged`` in the summary) counts as 0."""
    failed = summary.test_acc.isna() | (summary.diverged.astype(bool) if "diverged" in summary else False)
    df = summary.assign(test_acc=summary.test_acc.where(~failed, 0.0))
    fig, ax = plt.subplots(figsize=(8, 3.4))
    sns.barplot(df, x="preset", y="test_acc", hue="activation", errorbar=None, alpha=0.7, ax=ax)
    sns.stripplot(df, x="preset", y="test_acc", hue="activation", dodge=True, palette="dark:0.15", size=3,
                  legend=False, ax=ax)
    ax.axhline(chance, color="0.3", ls="--", lw=0.8)
    ax.set(ylim=(0, 1), xlabel="parameterization", ylabel="test accuracy")
    sns.move_legend(ax, "upper left", bbox_to_anchor=(1.02, 1), fontsize=9)
    fig.tight_layout()
    return fig


def calibration_plot(constants: pd.DataFrame) -> plt.Figure:
    """IP-LLR's calibrated step-0 base r_l (uncapped, geometric mean over seeds) against width, one panel per
    activation, one line per layer (the last is the output); dashed: the cap."""
    gm = (constants.assign(log_raw=np.log(constants.raw)).groupby(["activation", "layer", "width"], sort=False)
          .log_raw.mean().reset_index())
    gm["r_l (uncapped)"] = np.exp(gm.log_raw)
    acts = list(gm.activation.unique())
    fig, axes = _panels(len(acts), width=3.6, height=3.0, max_cols=2)  # two across: readable on a phone
    for i, (ax, act) in enumerate(zip(axes, acts)):
        sns.lineplot(gm[gm.activation == act], x="width", y="r_l (uncapped)", hue="layer", palette=SEQUENTIAL,
                     marker="o", ax=ax, legend=i == len(acts) - 1)
        ax.axhline(float(constants.cap.iloc[0]), color="0.4", ls="--", lw=0.8)
        ax.set(xscale="log", yscale="log", xlabel=f"width $m$ ({act})", ylabel="calibrated step-0 base $r_l$")
        ax.set_xticks(sorted(gm.width.unique()))
        _plain_ticks(ax.xaxis)
    if axes[-1].get_legend():
        sns.move_legend(axes[-1], "upper left", bbox_to_anchor=(1.02, 1), fontsize=9, title="layer $l$")
    fig.tight_layout()
    return fig


def relu_rate_plot(sweep: pd.DataFrame, main: pd.DataFrame, *, chance: float = 0.1) -> plt.Figure:
    """Test accuracy of IP-LLR with ReLU against the base rate eta (dots: seeds, a diverged run at 0), with the
    main comparison's IP-LLR runs at its rate (one marker per activation); dashed: chance."""
    def zeroed(df):
        failed = df.test_acc.isna() | df.diverged.astype(bool)
        return df.assign(test_acc=df.test_acc.where(~failed, 0.0))

    fig, ax = plt.subplots(figsize=(6.4, 3.2))
    both = pd.concat([zeroed(sweep), zeroed(main[main.preset == "ipllr"])], ignore_index=True)
    sns.scatterplot(both, x="eta", y="test_acc", hue="activation", style="activation", s=40, ax=ax)
    ax.axhline(chance, color="0.3", ls="--", lw=0.8)
    ax.set(xscale="log", ylim=(0, 1), xlabel="base rate η (IP-LLR)", ylabel="test accuracy")
    sns.move_legend(ax, "upper left", bbox_to_anchor=(1.02, 1), fontsize=9)
    fig.tight_layout()
    return fig
