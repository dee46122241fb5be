"""How the collapse picture moves with the bias scale sigma_b and the activation.

The paper's bias initialisation is unknown, and sigma_b decides how collapse sets in: with sigma_b = 0 a ReLU or
|x| net is positively homogeneous (f(tx) = t f(x)), so its landscape can only collapse by dying; larger biases
pull the images of different inputs together sooner (the mean-field fixed point of the correlation map moves,
Poole et al. 2016). :func:`sensitivity_grid` sweeps the draws of
:func:`~varlib.variability.diagnostics.variability_draws` over activations, bias scales and depths at one budget;
the summary, the onset table and the scorecard row below read that sweep.
"""
from __future__ import annotations

import pandas as pd

from varlib.core.stats import wilson_interval
from varlib.variability.intervals import onset_comparison
from varlib.variability.measures import activation_label

__all__ = ["sensitivity_grid", "stack_sensitivity", "sensitivity_summary", "sensitivity_onsets",
           "abs_resists_at_every_bias"]


def sensitivity_grid(*, activations, sigma_bs, depths) -> list[dict]:
    """The items of the sweep: every activation, then every bias scale, then every depth (>= 2)."""
    return [{"activation": a, "sigma_b": float(s), "depth": d} for a in activations for s in sigma_bs
            for d in depths]


def stack_sensitivity(items: list[dict], measured: list[dict]) -> pd.DataFrame:
    """The per-draw tables of the sweep in one, each tagged with its ``sigma_b``."""
    return pd.concat([r["draws"].assign(sigma_b=it["sigma_b"]) for it, r in zip(items, measured)], ignore_index=True)


def sensitivity_summary(table: pd.DataFrame) -> pd.DataFrame:
    """Per (activation, sigma_b, depth): collapsed fraction with its Wilson 95 % interval, dead fraction, mean and
    median V3, the draws, and how many of them have a non-finite V3 or CV (``bad``: no evidence)."""
    import numpy as np

    table = table.assign(bad=~np.isfinite(table[["v3", "cv"]].to_numpy(float)).all(1))
    g = table.groupby(["activation", "sigma_b", "depth"], sort=False)
    out = g.agg(width=("width", "first"), c2c=("collapsed", "mean"), c2c_count=("collapsed", "sum"),
                dead=("dead", "mean"), v3_mean=("v3", "mean"), v3_median=("v3", "median"),
                bad=("bad", "sum"), draws=("draw", "size")).reset_index()
    wil = [wilson_interval(int(k), int(n)) for k, n in zip(out.c2c_count, out.draws)]
    return out.assign(c2c_low=[w[0] for w in wil], c2c_high=[w[1] for w in wil])


def sensitivity_onsets(ssum: pd.DataFrame, *, onset: float = 0.5) -> pd.DataFrame:
    """Per activation (rows) and bias scale (columns): the first depth whose collapsed fraction reaches ``onset``
    ("none" when no depth does) and the depth of the largest mean V3, as text "onset / peak"."""
    cells = {}
    for (act, s), c in ssum.sort_values("depth").groupby(["activation", "sigma_b"], sort=False):
        hit = c.depth[c.c2c >= onset]
        first = str(int(hit.iloc[0])) if len(hit) else "none"
        cells[(activation_label(act), s)] = f"{first} / {int(c.depth.iloc[int(c.v3_mean.values.argmax())])}"
    t = pd.Series(cells).unstack()
    t.columns = [f"σ_b = {s:g}" for s in t.columns]
    t.index.name = f"C2C ≥ {onset:.0%} from L / V3 peak at L"
    return t


def abs_resists_at_every_bias(ssum: pd.DataFrame, *, onset: float = 0.5) -> dict:
    """At ReLU's collapse onset (first depth with C2C >= ``onset``) for each bias scale, whether |x|'s collapsed
    fraction has a Wilson interval wholly below ReLU's. Returns ``{sigma_b: (depth, relu fraction, relu interval,
    abs fraction, abs interval, later)}`` for the bias scales where ReLU reaches the onset (``later``: |x| resists),
    and ``{}`` when ReLU or |x| is not in the sweep."""
    if not {"relu", "abs"} <= set(ssum.activation):
        return {}
    found = {float(s): onset_comparison(c, onset=onset) for s, c in ssum.groupby("sigma_b")}
    return {s: r for s, r in found.items() if r is not None}
