"""The atlas's pair plot: each lens's score against trainability, one row per activation, coloured by depth."""
from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.ticker import NullFormatter

from varlib.atlas.predict import LENS_SCORES, TARGET
from varlib.book.plots import MAX_FIGURE_WIDTH, sequential
from varlib.variability import activation_label

__all__ = ["LOG_SCORES", "lens_pairs"]

#: Scores drawn on a log axis (counts and scales spread over decades).
LOG_SCORES = ("regions", "linear_regions", "db_pieces")


def _panel(ax, rows: pd.DataFrame, score: str, colours: dict) -> None:
    for depth, part in rows.groupby("depth"):
        ax.scatter(part[score], part[TARGET], s=10, alpha=0.7, color=colours[depth], label=f"L = {depth}")
    if score in LOG_SCORES and (rows[score] > 0).any():
        ax.set_xscale("log")
        ax.xaxis.set_minor_formatter(NullFormatter())                  # decades only: minor labels collide


def lens_pairs(table: pd.DataFrame) -> plt.Figure:
    """Scatter of every lens score of :data:`LENS_SCORES` (columns) against the best accuracy, per activation
    (rows), trained draws only; panels with no defined score say so."""
    rows = table[table.trained.astype(bool)]
    acts = list(dict.fromkeys(rows.activation))
    depths = sorted(rows.depth.unique())
    colours = dict(zip(depths, sequential(len(depths))))
    width = min(2.45 * len(LENS_SCORES), MAX_FIGURE_WIDTH)                # at most the page's width
    fig, axes = plt.subplots(len(acts), len(LENS_SCORES), figsize=(width, 2.3 * len(acts)), squeeze=False,
                             sharey=True)
    for i, act in enumerate(acts):
        for j, (lens, score) in enumerate(LENS_SCORES.items()):
            ax, part = axes[i, j], rows[rows.activation == act]
            if np.isfinite(part[score].to_numpy(float)).any():
                _panel(ax, part, score, colours)
            else:
                ax.text(0.5, 0.5, "not defined", ha="center", va="center", transform=ax.transAxes)
                ax.set_xticks([])
            ax.set_xlabel(score if i == len(acts) - 1 else "")
            ax.set_title(f"{lens}" if i == 0 else "", fontsize=9)
        axes[i, 0].set_ylabel(activation_label(act))
    handles, labels = axes[0, 0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="lower center", ncol=len(depths), fontsize=9, frameon=False)
    fig.supylabel("best training accuracy", fontsize=10)
    fig.tight_layout(rect=(0, 0.06, 1, 1))                              # room for the depth legend below
    return fig
