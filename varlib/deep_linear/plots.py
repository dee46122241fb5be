"""Figures of the deep-linear chapter, drawn from the tidy tables of :mod:`varlib.deep_linear.study`.

No titles (captions live in the chapter); lowercase axis labels; style from :func:`varlib.book.plots.set_style`.
"""
from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns

from varlib.book.plots import PALETTE, SEQUENTIAL, palette, sequential
from varlib.deep_linear.model import DeepLinear
from varlib.deep_linear.theory import gamma_spinodal, gamma_star, solve_global
from varlib.deep_linear.trained_variance import with_variance_endings

__all__ = ["reduced_loss_panels", "phase_diagram", "trained_vs_theory", "variance_panels", "family_panel",
           "signal_panel", "basin_panel", "weight_decay_panels", "hysteresis_panel"]


def reduced_loss_panels(land: pd.DataFrame) -> plt.Figure:
    """Reduced loss L(b) - E[y^2] vs b, one panel per depth, one curve per gamma / gamma*."""
    depths = sorted(land.depth.unique())
    fig, axes = plt.subplots(1, len(depths), figsize=(3.3 * len(depths), 3.2), squeeze=False)
    for ax, D in zip(axes[0], depths):
        sns.lineplot(land[land.depth == D], x="b", y="loss_gap", hue="gamma_ratio", palette=SEQUENTIAL, ax=ax,
                     legend=D == depths[0])
        ax.axhline(0, color="0.4", lw=0.8)
        ax.set(xlabel=f"layer scale $b$ ($D$ = {D})", ylabel=r"$L(b) - \mathbb{E}[y^2]$" if D == depths[0] else "",
               ylim=(-0.6, 0.6))
    axes[0][0].legend(title=r"$\gamma/\gamma^*$", fontsize=9)
    fig.tight_layout()
    return fig


def _start_names(phase: pd.DataFrame) -> pd.DataFrame:
    """``phase`` with a column ``start`` naming each run's initial scale for the reader: "LeCun" for
    N(0, 1/fan_in) (the chapter's "kaiming" key: He's scale without its sqrt 2), "tiny" for the small start."""
    return phase.assign(start=phase.init_name.map({"kaiming": "LeCun", "tiny": "tiny"}).fillna(phase.init_name))


def phase_diagram(phase: pd.DataFrame, *, task, width: int, depths_theory) -> plt.Figure:
    """Left: ||v|| vs gamma / gamma* per depth, theory lines and trained dots. Right: the (D, gamma) plane
    with gamma* and gamma_sp and each run's outcome. Legends sit beside the panels, off the data."""
    fig, axes = plt.subplots(1, 2, figsize=(10, 3.8))
    ratios = np.linspace(0.05, 3.0, 300)
    pal = dict(zip(sorted(phase.depth.unique()), palette()))
    for D, c in pal.items():
        gs = gamma_star(D, 1.0, 1.0)
        axes[0].plot(ratios, [solve_global(task, DeepLinear(D, width, r * gs)).v_norm for r in ratios], color=c,
                     label=f"D = {D}")
    shown = _start_names(phase)
    marks = _init_markers(shown)
    sns.scatterplot(shown, x="gamma_ratio", y="v_norm", hue="depth", style="start", palette=pal, ax=axes[0],
                    legend=False, s=40, alpha=0.8, **marks)
    axes[0].set(xlabel=r"$\gamma/\gamma^*(D)$", ylabel=r"$\|v\|$ (lines: global minimum)")
    axes[0].legend(fontsize=9, loc="upper right")
    Ds = np.asarray(depths_theory)
    axes[1].plot(Ds, [gamma_star(D, 1, 1) for D in Ds], "k-", label=r"$\gamma^*$ (global min. jumps to 0)")
    axes[1].plot(Ds, [gamma_spinodal(D, 1, 1) for D in Ds], "k--", label=r"$\gamma_{sp}$ (last nonzero minimum)")
    jit = {"tiny": -0.12, "LeCun": 0.12}
    ph = shown.assign(D=shown.depth + shown.start.map(jit).fillna(0))
    sns.scatterplot(ph, x="D", y="gamma_bar", hue="outcome", style="start", ax=axes[1], s=45,
                    hue_order=["global", "zero", "metastable", "other"], **marks)
    axes[1].set(xlabel="depth $D$ (hidden layers)", ylabel=r"$\gamma$", yscale="log")
    axes[1].legend(fontsize=9, loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False)
    fig.tight_layout()
    return fig


def _init_markers(phase: pd.DataFrame) -> dict:
    """Fixed markers for both panels of :func:`phase_diagram`: circles for the "tiny" start, crosses otherwise."""
    names = sorted(phase.start.unique(), key=lambda n: n != "tiny")
    return {"style_order": names, "markers": {n: "o" if n == "tiny" else "X" for n in names}}


def trained_vs_theory(tr: pd.DataFrame, *, loss_tol: float = 1e-5, b_tol: float = 5e-4) -> plt.Figure:
    """How far trained nets end from the solver, against gamma, per depth and sigma2 (every run a marker): left
    |L - L*|, right the largest layer-norm deviation |sqrt(gamma_l / gamma_bar) ||W_l|| - b*| (``b_dev``); both on
    log axes, with the scorecard's tolerances dashed. Deviations below 1e-16 are drawn at 1e-16."""
    fig, axes = plt.subplots(1, 2, figsize=(10, 3.6))
    t = tr.assign(net=[f"D={D}, σ²={s:g}" for D, s in zip(tr.depth, tr.sigma2)],
                  loss_dev=(tr.loss - tr.loss_star).abs().clip(lower=1e-16), b_gap=tr.b_dev.clip(lower=1e-16))
    for ax, (y, lab, tol) in zip(axes, [("loss_dev", "|L − L*| (trained − exact)", loss_tol),
                                        ("b_gap", "largest |‖W_l‖ − b*| (balanced)", b_tol)]):
        sns.stripplot(t, x="gamma_bar", y=y, hue="net", ax=ax, legend=ax is axes[0], dodge=True, size=5,
                      native_scale=True, log_scale=(False, True))
        ax.axhline(tol, color="0.4", ls="--", lw=1)
        ax.text(0.01, tol, "tolerance", transform=ax.get_yaxis_transform(), fontsize=9, va="bottom")
        ax.set(xlabel=r"$\gamma$", ylabel=lab)
    axes[0].legend(fontsize=9, title=None)
    fig.tight_layout()
    return fig


def variance_panels(var: pd.DataFrame, *, mc: pd.DataFrame, trained: pd.DataFrame | None = None) -> plt.Figure:
    """E_x Var f vs width, noise and depth: closed form over the training set (lines), Monte Carlo on a batch of
    inputs (markers), carried to the training set by the closed form's ratio (training set / batch), and, when
    ``trained`` (:func:`~varlib.deep_linear.trained_variance.trained_variance_table`) is given, the exact variance
    of the trained nets that converged (black crosses)."""
    sweeps = list(dict.fromkeys(var.sweep))
    ncols = 2 if len(sweeps) == 4 else len(sweeps)
    nrows = -(-len(sweeps) // ncols)
    fig, axes = plt.subplots(nrows, ncols, figsize=(3.9 * ncols, 3.3 * nrows), squeeze=False)
    for ax in axes.flat[len(sweeps):]:
        ax.set_visible(False)
    labels = {"width": "width d", "noise": "noise variance σ²", "depth": "depth D",
              "depth_noise": "depth D (γ → 0)"}
    for ax, s in zip(axes.flat, sweeps):
        v = var[var.sweep == s]
        m = mc[mc.sweep == s].merge(v[["value", "variance"]], on="value")
        m["mc_scaled"] = m.mc_variance * (m.variance / m.theory).where(m.theory > 0, 0.0)
        ax.plot(v.value, v.variance, "k-", label=r"theory $(\kappa-1)\,v^{*\top}A_0v^*$")
        sns.scatterplot(m, x="value", y="mc_scaled", hue="noise", style="noise", ax=ax,
                        legend=s == sweeps[0], s=45)
        if trained is not None:
            t = with_variance_endings(trained)
            t = t[(t.sweep == s) & (t.ending == "converged")]
            ax.scatter(t.value, t.variance, marker="x", color="k", s=40, lw=1.2, zorder=3,
                       label="trained (converged)" if s == sweeps[0] else None)
        ax.set(xscale="linear" if s == "depth" else "log", xlabel=labels.get(s, s),
               ylabel=r"$\mathbb{E}_x \mathrm{Var}\, f$")
    axes[0][0].legend(fontsize=9)
    fig.tight_layout()
    return fig


def family_panel(fam: pd.DataFrame, *, b_star: float) -> plt.Figure:
    """Fig. 2: loss along the one-parameter family for each activation (solid) and, black dotted on top, each
    distinct linearised prediction (the linear net with slope phi'(0)) that is not the linear curve itself."""
    fig, ax = plt.subplots(figsize=(6, 3.8))
    pal = dict(zip(fam.activation.unique(), palette()))
    for a, g in fam.groupby("activation", sort=False):
        ax.plot(g.b / b_star, g.loss, color=pal[a], label=a)
    for acts, g in _distinct_linearised(fam):
        ax.plot(g.b / b_star, g.linearised, ":", color="k", lw=1.6, label=f"linearised {', '.join(acts)}")
    ax.set(xlabel="$b/b^*$", ylabel="training loss")
    ax.legend(fontsize=9)
    fig.tight_layout()
    return fig


def _distinct_linearised(fam: pd.DataFrame) -> list:
    """[(activations, rows)] for each distinct linearised curve of ``fam`` other than the linear net's own loss."""
    groups, ref = [], fam[fam.activation == "linear"].loss.to_numpy()
    for a, g in fam.groupby("activation", sort=False):
        lin = g.linearised.to_numpy()
        if len(ref) == len(lin) and np.allclose(lin, ref):
            continue
        same = [grp for grp in groups if np.allclose(grp[1].linearised.to_numpy(), lin)]
        if same:
            same[0][0].append(a)
        else:
            groups.append(([a], g))
    return groups


def signal_panel(sig: pd.DataFrame, *, M_c: float, compare: pd.DataFrame | None = None,
                 M_sp: float | None = None, shallow: pd.DataFrame | None = None) -> plt.Figure:
    """Fig. 3 (right): output std of trained D = 2 nets vs ||E[xy]||, the linear theory, and M_c; dotted: where
    weight decay alone would bring a linear net's output (median ``decay_std``). ``compare``: the same experiment under
    another learning-rate schedule, drawn in grey with its own dotted level; ``M_sp``: the spinodal signal,
    marked dash-dotted; ``shallow``: the same experiment with D = 1 nets, drawn with triangles, and their linear
    theory as a thin black dashed line."""
    fig, ax = plt.subplots(figsize=(8.6, 4))
    th = sig.groupby("beta_norm").theory_std.first()
    ax.plot(th.index, th.values, "k-", label=r"linear theory $\|v^*\|$")
    sns.lineplot(sig, x="beta_norm", y="output_std", hue="activation", marker="o", ax=ax, errorbar=("pi", 100))
    lin = sig[sig.activation == "linear"] if (sig.activation == "linear").any() else sig
    ax.axhline(lin.decay_std.median(), color="C0", ls=":", label=f"weight decay alone ({sig.schedule.iloc[0]} lr)")
    if compare is not None:
        for a, g in compare.groupby("activation"):
            m = g.groupby("beta_norm").output_std.mean()
            ax.plot(m.index, m.values, color="0.45", ls="--", marker="s", ms=4,
                    label=f"{a}, {g.schedule.iloc[0]} lr")
        ax.axhline(compare.decay_std.median(), color="0.45", ls=":",
                   label=f"weight decay alone ({compare.schedule.iloc[0]} lr)")
    if shallow is not None:
        th1 = shallow.groupby("beta_norm").theory_std.first()
        ax.plot(th1.index, th1.values, "k--", lw=0.8, label="D = 1 linear theory")
        for i, (a, g) in enumerate(shallow.groupby("activation")):
            m = g.groupby("beta_norm").output_std.mean()
            ax.plot(m.index, m.values, ls="none", marker="^", ms=5, color=PALETTE[4 + i], label=f"D = 1, {a}")
    ax.axvline(M_c, color="0.5", ls="--", label=r"$M_c = 2\gamma^{3/4}$")
    if M_sp is not None:
        ax.axvline(M_sp, color="0.5", ls="-.", label=r"$M_{sp} = 4(\gamma/3)^{3/4}$")
    ax.set(xscale="log", xlabel=r"signal $\|\mathbb{E}[xy]\|$", ylabel="std of $f$ over the data")
    ax.set_yscale("symlog", linthresh=1e-4)
    ax.set_ylim(bottom=0)
    ax.legend(fontsize=9, loc="upper left", bbox_to_anchor=(1.01, 1))
    fig.tight_layout()
    return fig


def basin_panel(basin: pd.DataFrame, *, roots: pd.DataFrame, gamma_ratio: float = 0.5) -> plt.Figure:
    """Left: fraction of the runs that did not diverge escaping zero vs init scale, per depth (dotted: PyTorch's
    default scale 1/sqrt(3) and He's sqrt(2)). Right: barrier b_s and minimum b_l vs D
    (``roots`` from :func:`~varlib.deep_linear.study.roots_table` at gamma = ``gamma_ratio`` x gamma*(D))."""
    fig, axes = plt.subplots(1, 2, figsize=(10, 3.6))
    kept = basin[basin.outcome != "diverged"] if "outcome" in basin else basin  # a diverged run is not trapped
    sns.lineplot(kept, x="scale", y="escaped", hue="depth", marker="o", palette=SEQUENTIAL, ax=axes[0],
                 errorbar=None, legend="full")  # every depth run, not a numeric scale's ticks
    for s, name in ((3 ** -0.5, "PyTorch"), (2 ** 0.5, "He")):
        axes[0].axvline(s, color="0.5", ls=":", lw=0.8)
        axes[0].text(s, 1.02, name, ha="center", va="bottom", fontsize=9, transform=axes[0].get_xaxis_transform())
    axes[0].set(xscale="log", xlabel=r"init scale ($\times\,\mathcal{N}(0, 1/\mathrm{fan_{in}})$)",
                ylabel="fraction escaping zero")
    r = roots.melt("depth", ["b_s", "b_l"], var_name="root", value_name="b")
    sns.lineplot(r, x="depth", y="b", hue="root", marker="o", ax=axes[1])
    axes[1].set(xlabel="depth $D$", ylabel=f"$b$ ($\\gamma$ = {gamma_ratio:g} $\\gamma^*(D)$)")
    fig.tight_layout()
    return fig


def weight_decay_panels(table: pd.DataFrame, *, runs: pd.DataFrame, classes: int) -> plt.Figure:
    """Left: root mean square of the logits over the test inputs against the weight decay gamma, one line per
    depth (mean over seeds, band: range over seeds); right: the training cross-entropy, with the zero net's
    log K dashed (``classes`` = K). Dotted verticals: each depth's median collapse strength (``runs`` from
    :func:`~varlib.deep_linear.practical.collapse_strengths`), where every larger gamma gave the zero net. (The
    accuracy of a collapsed net is not shown: it is the argmax of logits that are numerically zero.)"""
    fig, axes = plt.subplots(1, 2, figsize=(10, 3.6))
    colours = dict(zip(sorted(table.depth.unique()), sequential(table.depth.nunique())))
    panels = ((axes[0], "logit_rms", "logit RMS over test inputs"), (axes[1], "train_ce", "training cross-entropy"))
    for ax, y, label in panels:
        sns.lineplot(table, x="gamma", y=y, hue="depth", palette=colours, marker="o", errorbar=("pi", 100), ax=ax,
                     legend=ax is axes[0])
        for D, d in runs[runs.status == "collapses"].groupby("depth"):
            ax.axvline(float(d.gamma_c.median()), color=colours[D], ls=":", lw=1)
        ax.set(xscale="log", xlabel=r"weight decay $\gamma$ (loss + $\gamma \sum_l \|W_l\|^2$)", ylabel=label)
    axes[1].axhline(np.log(classes), color="0.3", ls="--", lw=1)
    axes[1].text(0.02, np.log(classes), "zero net: log K", transform=axes[1].get_yaxis_transform(), fontsize=9,
                 va="bottom")
    axes[0].legend(title="hidden layers $D$", fontsize=9)
    fig.tight_layout()
    return fig


def hysteresis_panel(table: pd.DataFrame) -> plt.Figure:
    """Warm-started sweeps of :func:`~varlib.deep_linear.hysteresis.hysteresis_table`: trained ||v|| against
    gamma / gamma*(D), one colour per depth, solid upward and dashed downward (mean over nets); dotted verticals at
    each depth's gamma_sp / gamma*, grey at gamma* itself."""
    fig, ax = plt.subplots(figsize=(7, 3.6))
    depths = sorted(table.depth.unique())
    colours = dict(zip(depths, sequential(len(depths))))
    mean = table.groupby(["depth", "direction", "ratio"]).v_norm.mean().reset_index()
    for (D, direction), d in mean.groupby(["depth", "direction"]):
        up = direction == "up"
        ax.plot(d.ratio, d.v_norm, ls="-" if up else "--", marker="o" if up else "x", color=colours[D],
                label=f"D = {D}, {'up' if up else 'down (kicked)'}")
    for D in depths:
        if D >= 2:
            ax.axvline(float(table[table.depth == D].gamma_sp_ratio.iloc[0]), color=colours[D], ls=":", lw=1)
    ax.axvline(1.0, color="0.5", lw=0.8)
    ax.set(xlabel=r"$\gamma/\gamma^*(D)$", ylabel=r"trained $\|v\|$")
    ax.legend(fontsize=9, ncol=2)
    fig.tight_layout()
    return fig
