"""The atlas table: one row per (budget, depth, activation, draw), its schema, its grid and its files.

The table is written as CSV with a JSON schema beside it (:func:`schema_json`): for every column its dtype, the lens
that owns it and what it means. :func:`check_atlas_table` checks a table against the schema.
"""
from __future__ import annotations

import json

import pandas as pd

__all__ = ["ATLAS_SCHEMA", "ATLAS_KEYS", "atlas_grid", "stack_atlas", "check_atlas_table", "schema_json",
           "schema_table"]

#: column: (dtype, lens, meaning). Lenses: "cell" (the key and the family member), "variability", "complexity",
#: "signal propagation", "deep linear", "trainability".
ATLAS_SCHEMA: dict[str, tuple[str, str, str]] = {
    "budget": ("int64", "cell", "parameter budget P of the equal-parameter family"),
    "depth": ("int64", "cell", "number of hidden layers L"),
    "activation": ("object", "cell", "activation: relu, abs, tanh, maxout:2 or maxout:3 (maxout of rank K)"),
    "draw": ("int64", "cell", "random net r of the cell (seeded: draw r of the variability lens)"),
    "width": ("int64", "cell", "hidden width w (units) whose parameter count is closest to P"),
    "params": ("int64", "cell", "exact parameter count P(L, w)"),
    "rho": ("float64", "variability", "activation ratio L w / P"),
    "v3": ("float64", "variability", "V3: RMS-normalised mean third difference of the landscape on [-1, 1]^2"),
    "cv": ("float64", "variability", "coefficient of variation std / rms of the landscape"),
    "c2c": ("bool", "variability", "collapse to constant: cv < tau"),
    "dead": ("bool", "variability", "some hidden layer outputs 0 everywhere on the grid"),
    "regions": ("float64", "complexity", "exact activation regions in [-1, 1]^2 (NaN: tanh, or too wide to count)"),
    "linear_regions": ("float64", "complexity", "exact linear regions in [-1, 1]^2: adjacent activation regions with "
                       "one affine map merged (NaN as regions)"),
    "db_pieces": ("float64", "complexity", "exact decision-boundary pieces {f = 0} in [-1, 1]^2 (NaN as regions)"),
    "output_scale": ("float64", "signal propagation", "rms of f over the checkerboard inputs at initialisation"),
    "grad_first": ("float64", "signal propagation", "norm of d loss / d W_1 at initialisation"),
    "grad_last_hidden": ("float64", "signal propagation", "norm of d loss / d W_L at initialisation"),
    "grad_output": ("float64", "signal propagation", "norm of d loss / d W_(L+1) at initialisation"),
    "grad_ratio": ("float64", "signal propagation", "log10(grad_first / grad_output): gradient decay to layer 1"),
    "mup_output_scale": ("float64", "signal propagation", "mean |f| of this architecture under muP (NaN: maxout)"),
    "ip_output_scale": ("float64", "signal propagation", "mean |f| of this architecture under IPLLR (NaN: maxout)"),
    "mup_grad_ratio": ("float64", "signal propagation", "log10(|d loss / d w^1| / |d loss / d w^(L+1)|) of this "
                       "architecture under muP (NaN: maxout)"),
    "ip_grad_ratio": ("float64", "signal propagation", "the same gradient log-ratio under IPLLR (NaN: maxout)"),
    "gamma_star": ("float64", "deep linear", "critical weight decay gamma*(L) of the isotropic unit task"),
    "trained": ("bool", "trainability", "the draw was trained (draw < seeds)"),
    "success": ("float64", "trainability", "1 if training accuracy reached success_acc, 0 if not, NaN untrained"),
    "best_accuracy": ("float64", "trainability", "best checkerboard training accuracy (NaN untrained)"),
    "final_accuracy": ("float64", "trainability", "final checkerboard training accuracy (NaN untrained)"),
    "diverged": ("float64", "trainability", "1 if the run diverged, 0 if not, NaN untrained"),
}

#: The columns that identify a row.
ATLAS_KEYS = ("budget", "depth", "activation", "draw")


def atlas_grid(budgets, depths, activations) -> list[dict]:
    """The sweep's items, one per (budget, depth, activation)."""
    return [{"budget": int(b), "depth": int(d), "activation": a} for b in budgets for d in depths
            for a in activations]


def check_atlas_table(table: pd.DataFrame) -> pd.DataFrame:
    """``table`` if it has exactly the schema's columns, in order, with their dtypes and unique keys; else
    ``ValueError`` naming what is wrong."""
    if list(table.columns) != list(ATLAS_SCHEMA):
        raise ValueError(f"atlas columns must be {list(ATLAS_SCHEMA)}, got {list(table.columns)}")
    wrong = {c: str(table[c].dtype) for c, (t, _, _) in ATLAS_SCHEMA.items() if str(table[c].dtype) != t}
    if wrong:
        raise ValueError(f"atlas columns with the wrong dtype (column: dtype): {wrong}")
    if table.duplicated(list(ATLAS_KEYS)).any():
        raise ValueError(f"atlas rows must be unique per {ATLAS_KEYS}")
    return table


def stack_atlas(cells) -> pd.DataFrame:
    """The cells' tables as one checked atlas table, sorted by its keys."""
    table = pd.concat(list(cells), ignore_index=True)
    return check_atlas_table(table.sort_values(list(ATLAS_KEYS), ignore_index=True))


def schema_json() -> str:
    """The schema as JSON (a Frictionless-style table schema): fields with name, type, lens and description."""
    kinds = {"int64": "integer", "float64": "number", "bool": "boolean", "object": "string"}
    fields = [{"name": c, "type": kinds[t], "lens": lens, "description": text}
              for c, (t, lens, text) in ATLAS_SCHEMA.items()]
    return json.dumps({"fields": fields, "primaryKey": list(ATLAS_KEYS), "missingValues": [""]}, indent=1)


def schema_table() -> pd.DataFrame:
    """The schema as a table for the page: column, type, lens, meaning."""
    return pd.DataFrame([{"column": c, "type": t, "lens": lens, "meaning": text}
                         for c, (t, lens, text) in ATLAS_SCHEMA.items()]).set_index("column")
