"""Figures: seaborn draws tidy tables and landscape arrays; chapters add captions.

Style is set once by :func:`set_style`: one colour-blind-safe palette (:data:`PALETTE`), figures rendered at
:data:`DPI`. No titles on figures (captions live in the chapter's cell metadata); lowercase axis labels.
"""
from __future__ import annotations

import textwrap

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns
import torch
from matplotlib.colors import ListedColormap

__all__ = ["PALETTE", "DPI", "SEQUENTIAL", "palette", "sequential", "set_style", "landscape_panels",
           "ratio_vs_depth", "speedup_bars", "width_sweep", "fault_bars",
           "scaling_lines"]


#: The book's categorical colours: Paul Tol's colour-blind-safe "bright" scheme, its pale yellow replaced by a dark
#: ochre that reads on white. No two of them are the orange/vermilion pair that colour-blind readers cannot tell apart.
PALETTE = ("#4477AA", "#EE6677", "#228833", "#AA3377", "#66CCEE", "#997700", "#332288", "#BBBBBB")

#: Pixels per inch of every figure: sharp on a high-density screen, and its text still >= 9 px where the page
#: shows it narrower than it is drawn.
DPI = 150


def palette(n: int | None = None) -> list:
    """``n`` colours of :data:`PALETTE` (all of them when None), in order; more than it has is an error."""
    if n is not None and not 0 <= n <= len(PALETTE):
        raise ValueError(f"palette has {len(PALETTE)} colours, asked for n={n!r}")
    return sns.color_palette(list(PALETTE[:n] if n is not None else PALETTE))


#: The colour map of an ordered quantity (widths, depths, budgets): viridis from dark blue to green, stopping
#: before its pale yellow end, which vanishes on a white page. Seaborn takes it as ``palette`` for a numeric hue.
SEQUENTIAL = ListedColormap(plt.get_cmap("viridis")(np.linspace(0.0, 0.8, 256)), name="book_sequential")


def sequential(n: int) -> list:
    """``n`` colours of :data:`SEQUENTIAL`, evenly spaced, for an ordered category."""
    return [tuple(c[:3]) for c in SEQUENTIAL(np.linspace(0.0, 1.0, max(n, 1)))][:n]


#: The widest a figure is drawn (inches): the page shows it about 750 px wide on a laptop, so at :data:`DPI` its
#: 9-point text stays >= 9 px only up to about this width; wider rows of panels wrap.
MAX_FIGURE_WIDTH = 10.0


def panel_grid(n: int, *, panel: tuple[float, float], max_width: float = MAX_FIGURE_WIDTH, **subplots_kw):
    """``n`` panels of ``panel`` = (width, height) inches in rows of as many as fit in ``max_width``: (figure, the
    n axes in reading order); cells left over in the last row are hidden."""
    if n < 1:
        raise ValueError(f"panel_grid needs n >= 1 panels, got n={n!r}")
    ncols = max(1, min(n, int(max_width // panel[0])))
    nrows = -(-n // ncols)
    fig, axes = plt.subplots(nrows, ncols, figsize=(panel[0] * ncols, panel[1] * nrows), squeeze=False,
                             **subplots_kw)
    for ax in axes.flat[n:]:
        ax.set_visible(False)
    return fig, list(axes.flat[:n])


def _table_number(x: float) -> str:
    """A float in a shown table: a whole number without its ".0" (a count stored as float reads as a count),
    anything else to six significant digits."""
    return f"{x:.0f}" if float(x).is_integer() and abs(x) < 1e15 else f"{x:.6g}"


def set_style() -> None:
    """The book's one display style: seaborn's theme with :data:`PALETTE`, figures at :data:`DPI`, and tables
    shown with their full text and whole numbers as integers."""
    sns.set_theme(context="notebook", style="whitegrid", palette=list(PALETTE))
    pd.set_option("display.max_colwidth", None)
    pd.set_option("display.float_format", _table_number)
    plt.rcParams.update({"figure.dpi": DPI, "savefig.dpi": DPI, "savefig.bbox": "tight"})


def _limits(F: np.ndarray) -> tuple[float, float]:
    """Colour limits: mean +- 2.5 std, but never narrower than 1% of the rms (so a collapsed net looks flat)."""
    centre = float(F.mean())
    half = 2.5 * max(float(F.std()), 1e-2 * float(np.sqrt((F ** 2).mean())), 1e-12)
    return centre - half, centre + half


def landscape_panels(F: dict[tuple[str, int], torch.Tensor], rows: list[str], cols: list[int],
                     col_label: str = "depth", extra: dict | None = None,
                     row_names: dict | None = None) -> plt.Figure:
    """A grid of heat maps: ``F[(row, col)]`` is an (n, n) landscape over [-1,1]^2.

    Each panel is shown relative to itself, (f - its mean) / s with s = max(std, rms / 100) (so a collapsed net
    looks flat), on one colour bar from -2.5 to 2.5. Without ``extra`` only the bottom row names its column
    (``"<col_label> <col>"``). With ``extra``, a dict ``(row, col) -> text``, every panel carries its own label:
    the column name, then its text. ``row_names`` maps a row key to its label (default: the key).
    """
    lines = 1 + max((str(t).count("\n") + 1 for t in extra.values()), default=0) if extra else 0
    fig, axes = plt.subplots(len(rows), len(cols), squeeze=False,
                             figsize=(1.9 * len(cols) + 0.9, (1.9 + 0.17 * lines) * len(rows)))
    for i, row in enumerate(rows):
        for j, col in enumerate(cols):
            ax, img = axes[i][j], F[(row, col)].detach().cpu().double().numpy().T[::-1]
            lo, hi = _limits(img)
            z = (img - (lo + hi) / 2) / ((hi - lo) / 5)
            sns.heatmap(z, ax=ax, cmap="icefire", vmin=-2.5, vmax=2.5, cbar=False,
                        xticklabels=False, yticklabels=False, rasterized=True)
            if extra:
                ax.set_xlabel(f"{col_label} {col}\n{extra[(row, col)]}", fontsize=9)
            else:
                ax.set_xlabel(f"{col_label} {col}" if i == len(rows) - 1 else "", fontsize=9)
            ax.set_ylabel((row_names or {}).get(row, row) if j == 0 else "", fontsize=10)
    fig.tight_layout(rect=(0, 0, 1 - 0.9 / fig.get_figwidth(), 1))
    cax = fig.add_axes((1 - 0.75 / fig.get_figwidth(), 0.2, 0.15 / fig.get_figwidth(), 0.6))
    fig.colorbar(axes[0][0].collections[0], cax=cax, ticks=[-2.5, 0, 2.5])
    cax.set_ylabel("(f − panel mean) / panel scale", fontsize=9)
    cax.tick_params(labelsize=9)
    return fig


def ratio_vs_depth(table: pd.DataFrame) -> plt.Figure:
    """Activation ratio rho = N/P (left) and relative budget deviation (right) against depth, per budget."""
    fig, axes = plt.subplots(1, 2, figsize=(9, 3.4))
    shades = sequential(table.budget.nunique())
    sns.lineplot(table, x="depth", y="activation_ratio", hue="budget", marker="o", palette=shades, ax=axes[0])
    sns.lineplot(table, x="depth", y="rel_deviation", hue="budget", marker="o", palette=shades,
                 ax=axes[1], legend=False)
    for ax in axes:
        ax.set_xscale("log", base=2)
    axes[0].set(ylabel="activation ratio ρ = N/P", xlabel="depth L")
    axes[1].set(ylabel="(P − budget) / budget", xlabel="depth L")
    fig.tight_layout()
    return fig


def _size_labels(sizes: pd.Series) -> tuple[pd.Series, str]:
    """Split a benchmark's size dicts into what varies between its rows (a short label per row) and what is
    common to all of them (one line under the panel's axis). ``steps`` and ``compile`` are left out: they are in
    the table."""
    keys = [k for k in dict.fromkeys(k for s in sizes for k in s) if k not in ("steps", "compile")]
    varying = [k for k in keys if len({repr(s.get(k)) for s in sizes}) > 1]
    common = ", ".join(f"{k}={sizes.iloc[0].get(k)}" for k in keys
                       if k not in varying and not isinstance(sizes.iloc[0].get(k), (list, tuple)))
    labels = sizes.map(lambda s: ", ".join(f"{k}={s.get(k)}" for k in varying) or "one size")
    return labels, common


def _times(x: float) -> str:
    """A speedup as text: three significant digits below 100 (0.677×, 2.33×), whole numbers above (3196×)."""
    return f"{x:.0f}×" if x >= 100 else f"{x:.3g}×"


def _plain_log_ticks(axis, subs=(1, 2, 5), suffix: str = "") -> None:
    """Label a log axis with plain numbers (0.5, 2, 100, not powers of ten) at ``subs`` times the powers of
    ten, each followed by ``suffix``; no minor labels, so narrow ranges stay readable."""
    from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter

    axis.set_major_locator(LogLocator(subs=subs))
    axis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}{suffix}"))
    axis.set_minor_formatter(NullFormatter())


def _wrapped_lines(part: pd.DataFrame) -> int:
    """Extra lines the wrapped variant labels of one benchmark's panel take (labels wrap at 34 characters)."""
    return sum(len(textwrap.wrap(v, 34)) - 1 for v in part["where"].unique())


def speedup_bars(records: pd.DataFrame) -> plt.Figure:
    """Speedup over the baseline of every variant, newest record per device: one row of bars per benchmark.

    Bars are grouped by variant (prefixed by the device when several devices have records) and coloured by
    the sizes that vary within the benchmark; what is common to every size is written under the axis. The
    x axis is logarithmic with the baseline's 1x marked, and each bar carries its value.
    """
    from varlib.book.bench import newest_per_device

    timed = newest_per_device(records[~records.benchmark.isin(["book", "forward paths", "scaling"])]).copy()
    several = timed.device.nunique() > 1
    device = timed.device.str.replace(r" \(.*", "", regex=True)
    timed["where"] = (device + ": " if several else "") + timed.variant
    benches = list(timed.benchmark.unique())
    heights = [0.9 + 0.32 * len(timed[timed.benchmark == b]) + 0.15 * _wrapped_lines(timed[timed.benchmark == b])
               for b in benches]
    fig, axes = plt.subplots(len(benches), 1, figsize=(9, sum(heights)), squeeze=False,
                             gridspec_kw={"height_ratios": heights})
    for ax, bench in zip(axes[:, 0], benches):
        part = timed[timed.benchmark == bench]
        size, common = _size_labels(part["size"])
        part = part.assign(size=size.values)
        sns.barplot(part, y="where", x="speedup", hue="size", ax=ax, orient="h",
                    palette=sequential(part["size"].nunique()),
                    legend=part["size"].nunique() > 1)
        for bars in ax.containers:
            ax.bar_label(bars, labels=[_times(b.get_width()) for b in bars], padding=3, fontsize=9)
        lo, hi = min(float(part.speedup.min()), 1.0) / 2, max(float(part.speedup.max()), 1.0) * 4
        ax.set_xscale("log")
        ax.set_xlim(lo, hi)
        _plain_log_ticks(ax.xaxis, subs=(1, 2, 5) if hi / lo < 100 else (1,), suffix="×")
        ax.axvline(1.0, color="0.3", lw=1)
        ax.set_yticks(ax.get_yticks(), [textwrap.fill(t.get_text(), 34) for t in ax.get_yticklabels()])
        ax.set(ylabel="", xlabel=f"{bench}: speedup over the baseline" + (f"\n({textwrap.fill(common, 70)})"
                                                                          if common else ""))
        if part["size"].nunique() > 1:
            ax.legend(fontsize=9, title_fontsize=9, title="size", loc="upper left", bbox_to_anchor=(1.01, 1.0))
    fig.tight_layout()
    return fig


def width_sweep(table: pd.DataFrame) -> plt.Figure:
    """Time per forward + backward pass (left) and its memory (right) against the width m, log-log, from
    :func:`varlib.book.bench.width_sweep_table`: colour per variant, marker per device."""
    from matplotlib.ticker import FixedLocator, FuncFormatter

    fig, axes = plt.subplots(1, 2, figsize=(10, 3.6))
    style = dict(hue="variant", style="device" if table.device.nunique() > 1 else "variant", markers=True,
                 dashes=True, markersize=7, alpha=0.85)
    sns.lineplot(table, x="width", y="ms_per_step", ax=axes[0], legend=False, **style)
    sns.lineplot(table, x="width", y="memory_mib", ax=axes[1], **style)
    plain = FuncFormatter(lambda v, _: f"{v:g}")
    for ax in axes:
        ax.set_xscale("log", base=2)
        ax.set_yscale("log")
        ax.xaxis.set_major_locator(FixedLocator(sorted(table.width.unique())))
        ax.xaxis.set_major_formatter(plain)
        _plain_log_ticks(ax.yaxis)
    axes[0].set(xlabel="width m", ylabel="ms per forward + backward")
    axes[1].set(xlabel="width m", ylabel="memory of one pass (MiB)")
    sns.move_legend(axes[1], "upper left", bbox_to_anchor=(1.02, 1.0), fontsize=9, title=None)
    fig.tight_layout()
    return fig


def fault_bars(table: pd.DataFrame) -> plt.Figure:
    """Attempts per promise (one bar each), split into held and not held, and the seconds each group took."""
    counts = table.assign(outcome=table.held.map({True: "held", False: "not held"}))
    fig, axes = plt.subplots(1, 2, figsize=(9, 0.5 + 0.45 * counts.promise.nunique()), sharey=True,
                             gridspec_kw={"width_ratios": [3, 2]})
    order = list(dict.fromkeys(counts.promise))
    sns.countplot(counts, y="promise", hue="outcome", hue_order=["held", "not held"], order=order, ax=axes[0],
                  palette={"held": PALETTE[2], "not held": PALETTE[1]})
    for bars in axes[0].containers:
        axes[0].bar_label(bars, labels=[f"{b.get_width():.0f}" if b.get_width() else "" for b in bars], padding=2,
                          fontsize=9)
    axes[0].set(xlabel="attempts", ylabel="")
    axes[0].xaxis.set_major_locator(plt.MaxNLocator(integer=True))
    axes[0].legend(title="", loc="lower right", fontsize=9)
    seconds = counts.groupby("promise", sort=False).seconds.sum().reindex(order).reset_index()
    sns.barplot(seconds, y="promise", x="seconds", ax=axes[1], color="0.6", order=order)
    axes[1].bar_label(axes[1].containers[0], fmt="%.0f s", padding=2, fontsize=9)
    axes[1].set(xlabel="seconds (all attempts of the promise)", ylabel="")
    axes[1].set_xlim(0, float(seconds.seconds.max()) * 1.3 + 1)
    fig.tight_layout()
    return fig


def scaling_lines(table: pd.DataFrame) -> plt.Figure:
    """Microseconds per net (per net and step for training) against R (top row, width 16) and the width (bottom
    row, R = 100), from :func:`varlib.book.bench.scaling_table`: forward pass left, training right, one line per
    path, log-log; a ring marks the path varlib's rule takes at each shape. One device (the first) per figure."""
    from matplotlib.ticker import FixedLocator, FuncFormatter

    table = table[table.device == table.device.iloc[0]]
    paths = list(dict.fromkeys(table.path))
    palette = dict(zip(paths, sns.color_palette(list(PALETTE), len(paths))))
    fig, axes = plt.subplots(2, 2, figsize=(9, 6.4))
    for i, (sweep, x) in enumerate((("nets R", "R"), ("width", "width"))):
        for j, what in enumerate(("forward", "training")):
            ax, part = axes[i, j], table[(table.sweep == sweep) & (table.what == what)]
            sns.lineplot(part, x=x, y="us_per_net", hue="path", palette=palette, marker="o", ax=ax,
                         legend=(i, j) == (0, 1))
            picked = part[part.auto]
            ax.scatter(picked[x], picked.us_per_net, s=140, facecolors="none", edgecolors="0.15", lw=1.2, zorder=5,
                       label="varlib's pick")
            ax.set_xscale("log")
            ax.set_yscale("log")
            ax.xaxis.set_major_locator(FixedLocator(sorted(part[x].unique())))
            ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
            ax.xaxis.set_minor_locator(FixedLocator([]))
            _plain_log_ticks(ax.yaxis)
            unit = "µs per net" + (" and step" if what == "training" else "")
            ax.set(xlabel="nets R (width 16)" if x == "R" else "width (R = 100)", ylabel=f"{what}: {unit}")
    handles, labels = axes[0, 1].get_legend_handles_labels()
    axes[0, 1].legend(handles, labels, fontsize=9, title=None, loc="upper left", bbox_to_anchor=(1.02, 1.0))
    fig.tight_layout()
    return fig
