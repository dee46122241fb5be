"""Figures of the maxout chapter: region pictures, counts against units with the bound curves, counts in
an input slice during training, training curves, and counts over a parameter slice. Tidy tables in, matplotlib
Figures out; no titles (captions live in the chapter), lowercase axis labels."""
from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns
from matplotlib.collections import LineCollection, PolyCollection
from matplotlib.ticker import NullFormatter, ScalarFormatter

from varlib.book.plots import MAX_FIGURE_WIDTH, SEQUENTIAL
from varlib.maxout.regions import DecisionBoundary, Regions

__all__ = ["region_pictures", "counts_vs_units", "slice_counts_plot", "training_curves", "parameter_slice_plot"]

_CURVES = {"full": ("full bound", "-."), "with_k": ("with-K curve", "--"), "without_k": ("N^n0/n0! curve", ":")}


def _draw_regions(ax, regions: Regions, db: DecisionBoundary | None, net: int, seed: int = 0) -> None:
    """Polygons of net ``net`` in random light colours, its decision-boundary pieces in black."""
    mask = (regions.net == net).cpu().numpy()
    P, nv = regions.polygons.cpu().numpy()[mask], regions.nv.cpu().numpy()[mask]
    colours = np.random.default_rng(seed).uniform(0.35, 1.0, size=(len(P), 3))
    ax.add_collection(PolyCollection([p[:n] for p, n in zip(P, nv)], facecolors=colours,
                                     edgecolors="white", linewidths=0.15))
    if db is not None:
        seg = db.segments.cpu().numpy()[(db.net == net).cpu().numpy()]
        ax.add_collection(LineCollection(seg, colors="black", linewidths=1.2))
    xlo, xhi, ylo, yhi = regions.box
    ax.set(xlim=(xlo, xhi), ylim=(ylo, yhi), aspect="equal", xticks=[], yticks=[])


def region_pictures(panels: list[tuple], *, net: int = 0, points: np.ndarray | None = None,
                    ncols: int | None = None) -> plt.Figure:
    """One panel per (label, regions, decision boundary[, network]): the activation regions of that network
    (default ``net``) as coloured polygons, the decision boundary (or None) in black, optional ``points``
    (P, 2) as black dots."""
    ncols = ncols or len(panels)
    nrows = -(-len(panels) // ncols)
    fig, axes = plt.subplots(nrows, ncols, figsize=(3.1 * ncols, 3.3 * nrows), squeeze=False)
    for ax, panel in zip(axes.flat, panels):
        label, regions, db = panel[:3]
        _draw_regions(ax, regions, db, panel[3] if len(panel) > 3 else net)
        if points is not None:
            ax.scatter(points[:, 0], points[:, 1], s=18, color="black", zorder=3)
        ax.set_xlabel(label, fontsize=9)
    for ax in axes.flat[len(panels):]:
        ax.axis("off")
    fig.tight_layout()
    return fig


def counts_vs_units(sweep: pd.DataFrame, *, bounds: pd.DataFrame) -> plt.Figure:
    """Exact counts (mean ± standard error over nets) against total units N, one line per depth; rows: regions and
    decision-boundary pieces; columns: rank K. ``bounds``: rows of
    :func:`varlib.maxout.bounds.complexity_bounds` with a column K, drawn in grey."""
    Ks = sorted(sweep.K.unique())
    fig, axes = plt.subplots(2, len(Ks), figsize=(min(3.6 * len(Ks), MAX_FIGURE_WIDTH), 6.4), squeeze=False,
                             sharex=True)
    for row, quantity in enumerate(["regions", "db_pieces"]):
        for col, K in enumerate(Ks):
            ax = axes[row][col]
            data = sweep[sweep.K == K].assign(value=lambda d: d[quantity].clip(lower=0.5))
            sns.lineplot(data, x="N", y="value", hue="depth", marker="o", errorbar="se", palette=SEQUENTIAL,
                         ax=ax, legend=(row == 0 and col == 0))
            for curve, (label, style) in _CURVES.items():
                b = bounds[(bounds.K == K) & (bounds.quantity == quantity) & (bounds.curve == curve)]
                if len(b):
                    ax.plot(b.N, b.value, style, color="0.35", lw=1.2, label=label)
            ax.set(xscale="log", yscale="log", xlabel="total hidden units N",
                   ylabel=("activation regions" if row == 0 else "decision-boundary pieces") if col == 0 else "")
            ax.set_xticks(sorted(sweep.N.unique()))
            ax.xaxis.set_major_formatter(ScalarFormatter())
            ax.xaxis.set_minor_formatter(NullFormatter())
            ax.text(0.03, 0.95, f"K = {K}", transform=ax.transAxes, va="top", fontsize=10)
    handles, labels = axes[0][0].get_legend_handles_labels()
    axes[0][0].get_legend().remove()
    fig.legend(handles, [f"depth {lab}" if lab.isdigit() else lab for lab in labels], loc="lower center",
               ncol=min(len(labels), 8), fontsize=9, frameon=False)
    fig.tight_layout(rect=(0, 0.06, 1, 1))
    return fig


def _rows_over_K(df: pd.DataFrame, rows: list[tuple[str, str, bool]], markers: bool) -> plt.Figure:
    """One column per rank K, one row per (column, ylabel, log scale), one line per initialisation
    (mean ± sd over seeds) against epoch."""
    Ks = sorted(df.K.unique())
    fig, axes = plt.subplots(len(rows), len(Ks), figsize=(min(4.0 * len(Ks), MAX_FIGURE_WIDTH), 2.8 * len(rows)),
                             squeeze=False, sharex=True)
    for col, K in enumerate(Ks):
        for row, (y, label, log) in enumerate(rows):
            ax = axes[row][col]
            sns.lineplot(df[df.K == K], x="epoch", y=y, hue="init", errorbar="sd", marker="o" if markers else None,
                         ax=ax, legend=(row == 0 and col == 0))
            ax.set(ylabel=label if col == 0 else "", yscale="log" if log else "linear")
            ax.text(0.97, 0.05, f"K = {K}", transform=ax.transAxes, va="bottom", ha="right", fontsize=10)
    legend = axes[0][0].get_legend()
    if legend is not None:                      # under the panels, off the data
        handles, labels = axes[0][0].get_legend_handles_labels()
        legend.remove()
        ncol = min(len(labels), 4 if fig.get_figwidth() >= 7 else 2)
        fig.legend(handles, labels, title="initialisation", loc="lower center", ncol=ncol, fontsize=9,
                   title_fontsize=9, frameon=False)
        rows = -(-len(labels) // ncol)
        fig.tight_layout(rect=(0, (0.35 + 0.22 * rows) / fig.get_figheight(), 1, 1))
    else:
        fig.tight_layout()
    return fig


def slice_counts_plot(counts: pd.DataFrame) -> plt.Figure:
    """Regions (top) and decision-boundary pieces (bottom) in the input slice against epoch, one line per
    initialisation (mean ± sd over seeds), one column per rank K."""
    return _rows_over_K(counts, [("regions", "regions in slice", False), ("db_pieces", "DB pieces in slice", False)],
                        markers=True)


def training_curves(history: pd.DataFrame) -> plt.Figure:
    """Training loss (top, log scale) and test accuracy (bottom) against epoch, one line per
    initialisation (mean ± sd over seeds), one column per rank K."""
    return _rows_over_K(history, [("train_loss", "training loss", True), ("test_acc", "test accuracy", False)],
                        markers=False)


def parameter_slice_plot(table: pd.DataFrame, *, examples: list[tuple]) -> plt.Figure:
    """Left: regions per net over the parameter plane (``table`` from
    :func:`varlib.maxout.slices.parameter_slice_counts`) as a heatmap, the example nets marked; right: the
    input-space regions of the ``examples`` (:func:`varlib.maxout.slices.slice_examples`)."""
    grid = table.pivot(index="xi2", columns="xi1", values="regions").sort_index(ascending=False)
    fig, axes = plt.subplots(1, 1 + len(examples), figsize=(min(3.6 * (1 + len(examples)), MAX_FIGURE_WIDTH), 3.6),
                             gridspec_kw={"width_ratios": [1.25] + [1] * len(examples)})
    half = (grid.columns.max() - grid.columns.min()) / (2 * (grid.shape[1] - 1))     # pixels centred on the grid
    image = axes[0].imshow(grid.to_numpy(), cmap="viridis", aspect="equal", interpolation="nearest",
                           extent=(grid.columns.min() - half, grid.columns.max() + half,
                                   grid.index.min() - half, grid.index.max() + half))
    fig.colorbar(image, ax=axes[0], fraction=0.046, pad=0.04, label="activation regions")
    axes[0].set(xlabel="ξ₁", ylabel="ξ₂")
    axes[0].grid(False)
    for i, (label, regions, boundary, net, xi) in enumerate(examples):
        axes[0].scatter(*xi, s=140, facecolors="none", edgecolors="red", linewidths=1.5)
        axes[0].annotate(str(i + 1), xi, xytext=(8, 8), textcoords="offset points", color="red", weight="bold")
        _draw_regions(axes[1 + i], regions, boundary, net)
        axes[1 + i].set_xlabel(f"({i + 1}) {label}", fontsize=9)
    fig.tight_layout()
    return fig
