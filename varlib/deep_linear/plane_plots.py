"""Figures of the two phase planes and of the anisotropic task with several minima (chapter sections on the
phase diagram and the landscape), drawn from :mod:`varlib.deep_linear.planes` and
:mod:`varlib.deep_linear.multiminima`. Captions live in the chapter; style from :func:`varlib.book.plots.set_style`.
"""
from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.ticker import FixedLocator, FuncFormatter, NullLocator

from varlib.book.plots import PALETTE
from varlib.deep_linear.model import DeepLinear
from varlib.deep_linear.planes import with_plane_endings
from varlib.deep_linear.theory import gamma_spinodal, gamma_star, reduced_loss

__all__ = ["ENDING_COLOURS", "plane_panels", "multi_minima_panel"]

#: One colour per ending of a trained run, the same in every figure of this module (the book's palette; the two
#: endings that are no evidence, unsettled and diverged, in grey and black).
ENDING_COLOURS = {"global": PALETTE[0], "metastable": PALETTE[1], "zero": PALETTE[2], "elsewhere": PALETTE[3],
                  "unsettled": PALETTE[7], "diverged": "k"}

_AXIS = {"noise": (r"noise factor $\kappa = (1 + \sigma^2/d)^D$", "kappa"),
         "signal": (r"signal $M = \|\mathbb{E}[xy]\|$", "value")}


def _lines(ax, plane: str, df: pd.DataFrame, depth: int):
    """gamma* and gamma_sp of the plane's swept quantity, drawn over its whole range."""
    xs = np.geomspace(df[_AXIS[plane][1]].min(), df[_AXIS[plane][1]].max(), 200)
    kap, M = (xs, np.ones_like(xs)) if plane == "noise" else (np.ones_like(xs), xs)
    ax.plot(xs, [gamma_star(depth, k, m) for k, m in zip(kap, M)], "k-", label=r"$\gamma^*$")
    ax.plot(xs, [gamma_spinodal(depth, k, m) for k, m in zip(kap, M)], "k--", label=r"$\gamma_{sp}$")


def plane_panels(planes: dict, *, depth: int) -> plt.Figure:
    """One panel per plane ({"noise" | "signal": :func:`~varlib.deep_linear.planes.plane_table`}): gamma against
    the noise factor kappa or the signal M (log-log), the theory's lines and every trained run coloured by where
    it ended (runs of one point spread sideways a little). The legend sits below the panels."""
    fig, axes = plt.subplots(1, len(planes), figsize=(5.0 * len(planes), 4.0), squeeze=False)
    for ax, (plane, df) in zip(axes[0], planes.items()):
        _lines(ax, plane, df, depth)
        df = with_plane_endings(df)
        x = df[_AXIS[plane][1]] * np.exp(0.04 * (df.groupby([_AXIS[plane][1], "gamma"]).cumcount() - 0.5))
        for ending, g in df.assign(x=x).groupby("ending"):
            ax.scatter(g.x, g.gamma, color=ENDING_COLOURS.get(ending, "0.5"), s=28, label=ending, alpha=0.9)
        ax.set(xscale="log", yscale="log", xlabel=_AXIS[plane][0], ylabel=r"weight decay $\gamma$")
        _plain_ticks(ax, sorted(df[_AXIS[plane][1]].unique()), sorted(df.gamma.unique()))
        ax.set_ylim(df.gamma.min() / 1.2, df.gamma.max() * 1.2)
    handles = {h.get_label(): h for ax in axes[0] for h in ax.get_legend_handles_labels()[0]}
    fig.legend(list(handles.values()), list(handles), loc="lower center", ncol=len(handles), frameon=False,
               fontsize=9, bbox_to_anchor=(0.5, -0.02))
    fig.tight_layout(rect=(0, 0.08, 1, 1))
    return fig


def _plain_ticks(ax, xs, ys):
    """Log axes labelled at the plane's own values, as plain numbers (no 3 x 10^-1 crowding on a phone)."""
    for axis, values in ((ax.xaxis, xs), (ax.yaxis, ys)):
        axis.set_major_locator(FixedLocator(values))
        axis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:.3g}"))
        axis.set_minor_locator(NullLocator())


def multi_minima_panel(runs: pd.DataFrame, points: pd.DataFrame, *, task, depth: int, width: int,
                       gamma: float) -> plt.Figure:
    """Left: the reduced loss L(b) - E[y^2] with its stationary points (filled: minima, open: maxima). Right: where
    each run ended (the norm of its predictor) against its starting scale, with the minima's norms dashed."""
    net = DeepLinear(depth, width, gamma)
    fig, axes = plt.subplots(1, 2, figsize=(10, 3.6))
    b = np.linspace(0, 1.15 * points.b.max(), 400)
    axes[0].plot(b, reduced_loss(b, task, net) - task.Ey2, "k-", lw=1.2)
    for kind, face in (("minimum", "k"), ("maximum", "none")):
        p = points[points.kind == kind]
        axes[0].scatter(p.b, p.loss - task.Ey2, facecolor=face, edgecolor="k", s=45, zorder=3, label=kind)
    axes[0].set(xlabel="layer scale $b$", ylabel=r"$L(b) - \mathbb{E}[y^2]$")
    axes[0].legend(fontsize=9, frameon=False)
    for v in points[points.kind == "minimum"].v_norm:
        axes[1].axhline(max(v, 1e-3), color="0.6", ls="--", lw=0.8)
    y = runs.v_norm.clip(lower=1e-3)
    axes[1].scatter(runs.scale * np.exp(0.05 * (runs.member % 3 - 1)), y, color="k", marker="x", s=40)
    axes[1].set(xscale="log", yscale="log", xlabel="start scale (× LeCun)",
                ylabel=r"$\|v\|$ at the end ($10^{-3}$: zero)")
    fig.tight_layout()
    return fig
