"""Figures: seaborn draws tidy tables and landscape arrays; chapters add captions.

Style is set once by :func:`set_style`. No titles on figures (captions live in
the chapter's cell metadata); lowercase axis labels.
"""
from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns
import torch

__all__ = ["set_style", "landscape_panels", "ratio_vs_depth", "speedup_bars"]


def set_style() -> None:
    """The book's one display style: seaborn's theme, and tables shown with their full text."""
    sns.set_theme(context="notebook", style="whitegrid", palette="colorblind")
    pd.set_option("display.max_colwidth", None)
    plt.rcParams.update({"figure.dpi": 100, "savefig.bbox": "tight"})


def _limits(F: np.ndarray) -> tuple[float, float]:
    """Colour limits: mean +- 2.5 std, but never narrower than 1% of the rms (so a collapsed net looks flat)."""
    centre = float(F.mean())
    half = 2.5 * max(float(F.std()), 1e-2 * float(np.sqrt((F ** 2).mean())), 1e-12)
    return centre - half, centre + half


def landscape_panels(F: dict[tuple[str, int], torch.Tensor], rows: list[str], cols: list[int],
                     col_label: str = "depth", extra: dict | None = None) -> plt.Figure:
    """A grid of heat maps: ``F[(row, col)]`` is an (n, n) landscape over [-1,1]^2.

    Without ``extra`` only the bottom row names its column (``"<col_label> <col>"``). With ``extra``, a dict
    ``(row, col) -> text``, every panel carries its own label: the column name, then its text.
    """
    lines = 1 + max((str(t).count("\n") + 1 for t in extra.values()), default=0) if extra else 0
    fig, axes = plt.subplots(len(rows), len(cols), squeeze=False,
                             figsize=(1.9 * len(cols), (1.9 + 0.17 * lines) * len(rows)))
    for i, row in enumerate(rows):
        for j, col in enumerate(cols):
            ax, img = axes[i][j], F[(row, col)].detach().cpu().numpy().T[::-1]
            lo, hi = _limits(img)
            sns.heatmap(img, ax=ax, cmap="icefire", vmin=lo, vmax=hi, cbar=False,
                        xticklabels=False, yticklabels=False, rasterized=True)
            if extra:
                ax.set_xlabel(f"{col_label} {col}\n{extra[(row, col)]}", fontsize=9)
            else:
                ax.set_xlabel(f"{col_label} {col}" if i == len(rows) - 1 else "", fontsize=9)
            ax.set_ylabel(row if j == 0 else "", fontsize=10)
    fig.tight_layout()
    return fig


def ratio_vs_depth(table: pd.DataFrame) -> plt.Figure:
    """Activation ratio rho = N/P (left) and relative budget deviation (right) against depth, per budget."""
    fig, axes = plt.subplots(1, 2, figsize=(9, 3.4))
    sns.lineplot(table, x="depth", y="activation_ratio", hue="budget", marker="o", palette="viridis",
                 ax=axes[0])
    sns.lineplot(table, x="depth", y="rel_deviation", hue="budget", marker="o", palette="viridis",
                 ax=axes[1], legend=False)
    for ax in axes:
        ax.set_xscale("log", base=2)
    axes[0].set(ylabel="activation ratio ρ = N/P", xlabel="depth L")
    axes[1].set(ylabel="(P − budget) / budget", xlabel="depth L")
    fig.tight_layout()
    return fig


def speedup_bars(records: pd.DataFrame) -> plt.Figure:
    """Speedup over the baseline per benchmark variant (bars), one panel per benchmark, newest record per device."""
    timed = records[records.benchmark != "book"].copy()
    timed = timed[timed.created == timed.groupby("device").created.transform("max")]
    timed["size"] = timed["size"].map(lambda s: ", ".join(f"{k}={v}" for k, v in s.items() if k != "steps"))
    timed["label"] = timed.device.str.replace(r" \(.*", "", regex=True) + ": " + timed["size"]
    benches = list(timed.benchmark.unique())
    fig, axes = plt.subplots(1, len(benches), figsize=(6.5 * len(benches), 0.6 + 0.9 * timed.label.nunique()),
                             squeeze=False)
    for ax, bench in zip(axes[0], benches):
        sns.barplot(timed[timed.benchmark == bench], y="label", x="speedup", hue="variant", ax=ax, orient="h")
        ax.axvline(1.0, color="0.3", lw=1)
        ax.set(xscale="log", xlabel=f"{bench}: speedup over the baseline", ylabel="")
        ax.legend(fontsize=8, loc="lower right")
    fig.tight_layout()
    return fig
