"""Experiments of the maxout chapter: region-count sweeps at initialisation, training with region counts
tracked in an input-space slice (the chapter's scorecard is in :mod:`varlib.maxout.scorecard`).

Protocols (after the authors' code, ``github.com/hanna-tseran/maxout_complexity``):

* **The authors' demo** (their ``regions_and_db_main.py``): the seed-123 net of :func:`authors_demo_net`, counted
  in their box [-3, 3]^2 and on their 300 x 300 grid (:func:`authors_demo_counts`).
* **Counts at initialisation**: ``nets`` random nets per (K, N, depth, init) cell, 2D input, box
  [-box, box]^2, widths from :func:`varlib.maxout.nets.split_widths`, exact counts by
  :func:`varlib.maxout.regions.count_regions`.
* **Training** (their ``training_main.py``): hidden maxout layers -> linear layer, cross-entropy (= LogSoftmax +
  NLLLoss), Adam (their lr 1e-3, batch 128). E = inits x seeds nets of one rank K are stacked (ensemble axis
  first) and trained at once by one Adam on the stacked tensors; Adam is elementwise and the loss is the sum of
  the nets' losses, so this equals E separate Adam runs. All nets see the same minibatch order.
* **Slice**: the plane through 3 training inputs of 3 different classes (the first 3 distinct labels of a seeded
  shuffle, as their loader loop), centred at their centroid; the decision boundary is that of the 3 slice
  labels, as in the authors' code.
"""
from __future__ import annotations

import math
from typing import Sequence

import numpy as np
import pandas as pd
import torch

from varlib.core.checks import check_int
from varlib.core.data import Dataset
from varlib.maxout.bounds import bias_density_constant, complexity_bounds, gradient_constant
from varlib.maxout.geometry import slice_plane
from varlib.maxout.grid import grid_region_count
from varlib.maxout.nets import MaxoutParams, as_relu, authors_demo_net, init_maxout_net, split_widths
from varlib.maxout.regions import activation_regions, count_regions, decision_boundary

__all__ = ["authors_demo_counts", "picture_panels", "count_grid", "count_cell", "input_slice_cell", "bound_curves",
           "deep_max_regions",
           "slice_points", "flatten_params", "unflatten_params", "train_maxout", "train_inits",
           "slice_panels", "convergence_table", "MAXOUT_DIVERGENCE_FACTOR", "MAXOUT_CHANCE_MARGIN"]

#: A training run has diverged when a training loss it records is NaN or infinite, or exceeds this multiple of
#: its loss before training: cross-entropy starts at a few units and a run that learns lowers it, so a
#: thousandfold rise is reached only by an optimiser that blows up.
MAXOUT_DIVERGENCE_FACTOR = 1e3

#: A training run sits at chance when its final test accuracy is at most chance (1 / classes) plus this margin.
MAXOUT_CHANCE_MARGIN = 0.05


# ----------------------------------------------------------------------------- counts at initialisation
def _select(params: MaxoutParams, i: int) -> MaxoutParams:
    """Network i of a batch, as a batch of one."""
    return MaxoutParams(tuple(w[i:i + 1] for w in params.weights), tuple(b[i:i + 1] for b in params.biases),
                        params.out_weight[i:i + 1], params.out_bias[i:i + 1])


def authors_demo_counts() -> pd.DataFrame:
    """The authors' demo as their ``regions_and_db_main.py`` runs it (a fixed setting, not a size): the seed-123
    net of :func:`varlib.maxout.nets.authors_demo_net` (K = 2, N = 20, widths 7, 7, 6) counted exactly in their
    box [-3, 3]^2, with the count of their 300 x 300 grid in a column ``grid_regions``. Their README reports
    216 regions, 30 DB pieces and 199 grid regions."""
    net = authors_demo_net()
    table = count_regions(net, (-3.0, 3.0))
    return table.assign(grid_regions=int(grid_region_count(net, (-3.0, 3.0), steps=300)[0]))


def picture_panels(*, ranks: Sequence[int], N: int, depth: int, inits: Sequence[str], box: float = 3.0,
                   seed: int = 0, grid_steps: int = 300, candidates: int = 8) -> tuple[list, pd.DataFrame]:
    """Per (init, K): regions and decision boundary of the first of ``candidates`` random nets whose
    decision boundary crosses [-box, box]^2 (net 0 if none does), for
    :func:`varlib.maxout.plots.region_pictures` (labels carry the exact and the grid count); and a table
    init, K, net, regions, grid_regions, db_pieces."""
    panels, rows = [], []
    for init in inits:
        for K in ranks:
            params = init_maxout_net(2, split_widths(N, depth), K, init=init, E=candidates, seed=seed)
            regions = activation_regions(params, (-box, box))
            db = decision_boundary(regions)
            crossing = (db.counts > 0).nonzero().flatten().tolist()
            net = crossing[0] if crossing else 0
            grid = int(grid_region_count(_select(params, net), (-box, box), grid_steps)[0])
            rows.append({"init": init, "K": K, "net": net, "regions": int(regions.counts[net]),
                         "grid_regions": grid, "db_pieces": int(db.counts[net])})
            panels.append((f"{init}, K = {K}: {rows[-1]['regions']} regions\n(grid {grid}), "
                           f"{rows[-1]['db_pieces']} DB pieces", regions, db, net))
    return panels, pd.DataFrame(rows)


def count_grid(*, ranks: Sequence[int], units: Sequence[int], depths: Sequence[int]) -> list[dict]:
    """The cells of a count sweep, as keyword arguments of :func:`count_cell`: every (K, N, depth) with at least
    one unit per layer (depth <= N), K outermost, then N, then depth."""
    return [{"K": int(K), "N": int(N), "depth": int(d)} for K in ranks for N in units for d in depths if d <= N]


def count_cell(*, K: int, N: int, depth: int, nets: int, init: str = "maxout_he", box: float = 3.0,
               seed: int = 0, relu: bool = False, device: str | torch.device = "cpu") -> pd.DataFrame:
    """Exact counts of ``nets`` random nets (2D input, m = 2) in [-box, box]^2: one row per net with
    K, N, depth, init, unit ("maxout", or "relu" with ``relu``: the rank-2 nets turned into ReLU nets by
    :func:`varlib.maxout.nets.as_relu`, whose units compute max(zeta_0, 0)) and the columns of
    :func:`varlib.maxout.regions.count_regions`."""
    params = init_maxout_net(2, split_widths(N, depth), K, init=init, E=nets, seed=seed)
    params = (as_relu(params) if relu else params).to(device)
    table = count_regions(params, (-box, box))
    return table.assign(K=K, N=N, depth=depth, init=init, unit="relu" if relu else "maxout")


def input_slice_cell(*, K: int, N: int, depth: int, nets: int, data: Dataset, box: float, init: str = "maxout_he",
                     seed: int = 0, device: str | torch.device = "cpu") -> pd.DataFrame:
    """Exact counts at initialisation of ``nets`` random nets on the inputs of ``data`` (d inputs, one output per
    class) in a 2-D slice of the input space: the plane through three training images of different classes
    (:func:`slice_points`, as the authors' pictures), in the box [-box, box]^2 of plane coordinates, the decision
    boundary that of the three slice labels. One row per net with K, N, depth, init, unit "maxout" and the
    columns of :func:`varlib.maxout.regions.count_regions`."""
    pts, labels = slice_points(data, seed)
    params = init_maxout_net(data.dim, split_widths(N, depth), K, m=data.n_classes, init=init, E=nets,
                             seed=seed).to(device)
    table = count_regions(params, (-box, box), slice_plane(*pts), labels)
    return table.assign(K=K, N=N, depth=depth, init=init, unit="maxout")


def bound_curves(*, ranks: Sequence[int], units: Sequence[int], depth: int = 3, nets: int = 4, box: float = 3.0,
                 seed: int = 0) -> pd.DataFrame:
    """:func:`varlib.maxout.bounds.complexity_bounds` for each K over ``units``, with a column K. The full
    bound uses C_bias of maxout-He and C_grad estimated on a 50 x 50 grid, averaged over ``nets`` random
    depth-``depth`` maxout-He nets of each N (the authors' ``formula.py`` uses one net and notes that it should
    be averaged), vol(X) = (2 box)^2."""
    tables = []
    for K in ranks:
        for N in units:
            widths = split_widths(int(N), min(depth, int(N)))
            c_grad = gradient_constant(init_maxout_net(2, widths, K, E=nets, seed=seed), (-box, box))
            tables.append(complexity_bounds([N], 2, K, bias_density_constant(2, widths, K), c_grad,
                                            (2 * box) ** 2).assign(K=K))
    return pd.concat(tables, ignore_index=True)


def deep_max_regions(widths: Sequence[int], K: int, n0: int = 2) -> int:
    """An upper bound on the regions of a deep maxout net on R^{n0}: prod_l sum_{j <= n0} C(n_l, j)(K-1)^j
    (each region of the first l-1 layers maps affinely into an at most n0-dimensional set, which layer l
    cuts into at most its one-layer maximum). It grows exponentially with depth."""
    return math.prod(sum(math.comb(n, j) * (K - 1) ** j for j in range(n0 + 1)) for n in widths)


# ----------------------------------------------------------------------------- data and slice
def slice_points(data: Dataset, seed: int = 0) -> tuple[torch.Tensor, list[int]]:
    """Three training inputs of three different classes, (3, d), and their labels: the first three
    distinct labels met in a seeded shuffle of the training set (as the authors' loader loop)."""
    order = torch.randperm(len(data.y_train), generator=torch.Generator().manual_seed(int(seed)))
    idx, labels = [], []
    for i in order.tolist():
        if int(data.y_train[i]) not in labels:
            idx, labels = idx + [i], labels + [int(data.y_train[i])]
        if len(idx) == 3:
            break
    return data.X_train[idx].double(), labels


# ----------------------------------------------------------------------------- parameters as one tensor
def flatten_params(params: MaxoutParams) -> torch.Tensor:
    """All parameters of each net in one row, (E, P)."""
    parts = [*params.weights, *params.biases, params.out_weight, params.out_bias]
    return torch.cat([p.reshape(p.shape[0], -1) for p in parts], 1)


def unflatten_params(flat: torch.Tensor, n0: int, widths: Sequence[int], K: int, m: int) -> MaxoutParams:
    """Inverse of :func:`flatten_params`: (E, P) -> :class:`MaxoutParams` (float64)."""
    fan_in = [n0, *widths[:-1]]
    shapes = ([(n, K, p) for n, p in zip(widths, fan_in)] + [(n, K) for n in widths]
              + [(m, widths[-1]), (m,)])
    sizes = [math.prod(s) for s in shapes]
    if flat.shape[1] != sum(sizes):
        raise ValueError(f"flat parameters have {flat.shape[1]} entries per net; this architecture needs {sum(sizes)}")
    parts = [t.reshape(flat.shape[0], *s).double() for t, s in zip(flat.split(sizes, 1), shapes)]
    L = len(widths)
    return MaxoutParams(tuple(parts[:L]), tuple(parts[L:2 * L]), parts[-2], parts[-1])


# ----------------------------------------------------------------------------- training
def _logits(ps: list[torch.Tensor], L: int, x: torch.Tensor) -> torch.Tensor:
    """Stacked forward: ps = weights (L), biases (L), out_weight, out_bias; x (B, d) -> (E, B, m)."""
    h = x.expand(ps[0].shape[0], *x.shape)
    for w, b in zip(ps[:L], ps[L:2 * L]):
        h = (torch.einsum("enkp,ebp->ebnk", w, h) + b[:, None]).amax(-1)
    return torch.einsum("emp,ebp->ebm", ps[-2], h) + ps[-1][:, None]


def _evaluate(ps, L, X, y, chunk: int = 4096) -> tuple[torch.Tensor, torch.Tensor]:
    """Mean cross-entropy and accuracy per net on (X, y): (E,), (E,)."""
    loss, correct = 0.0, 0.0
    with torch.no_grad():
        for xc, yc in zip(X.split(chunk), y.split(chunk)):
            out = _logits(ps, L, xc)
            loss = loss + torch.nn.functional.cross_entropy(out.transpose(1, 2), yc.expand(out.shape[0], -1),
                                                            reduction="none").sum(1)
            correct = correct + (out.argmax(-1) == yc).sum(1)
    return (loss / len(y)).cpu(), (correct / len(y)).cpu()


def _slice_counts(ps, L, plane, box, labels) -> pd.DataFrame:
    params = MaxoutParams(*(tuple(p.detach().double() for p in ps[i * L:(i + 1) * L]) for i in range(2)),
                          ps[-2].detach().double(), ps[-1].detach().double())
    return count_regions(params, (-box, box), plane, labels)


def train_maxout(params: MaxoutParams, data: Dataset, *, epochs: int, count_every: int, box: float,
                 slice_seed: int = 0, lr: float = 1e-3, batch: int = 128, seed: int = 0, evals_per_epoch: int = 1,
                 eval_inputs: int | None = None, device: str | torch.device = "cpu") -> dict:
    """Train the E stacked nets of ``params`` on ``data`` with Adam (float32) and count regions in the
    slice through :func:`slice_points` at epoch 0 and every ``count_every`` epochs (and the last).

    Training loss (on the first ``eval_inputs`` training inputs; None: all) and test accuracy are recorded before
    training and ``evals_per_epoch`` times per epoch, at equal numbers of steps: on a large data set most of the
    learning happens within the first epoch. Returns ``history`` (net, epoch, train_loss, test_acc; epoch 0 =
    before training, fractional epochs in between), ``counts`` (net, epoch, regions, linear_regions, db_pieces),
    ``flat`` (2, E, P): the parameters before and after, and ``slice_labels``."""
    check_int("epochs", epochs), check_int("count_every", count_every), check_int("batch", batch)
    check_int("evals_per_epoch", evals_per_epoch)
    if eval_inputs is not None:
        check_int("eval_inputs", eval_inputs)
    dev = torch.device(device)
    L = len(params.widths)
    ps = [t.detach().float().to(dev).requires_grad_() for t in
          (*params.weights, *params.biases, params.out_weight, params.out_bias)]
    X, y, Xt, yt = (t.to(dev) for t in (data.X_train.float(), data.y_train, data.X_test.float(), data.y_test))
    Xe, ye = X[:eval_inputs], y[:eval_inputs]
    pts, labels = slice_points(data, slice_seed)
    plane = slice_plane(*pts)
    opt = torch.optim.Adam(ps, lr=lr)
    g = torch.Generator().manual_seed(int(seed))
    before = flatten_params(MaxoutParams(tuple(ps[:L]), tuple(ps[L:2 * L]), ps[-2], ps[-1])).detach().cpu()
    hist, counts = [], []

    def record(epoch: float) -> None:
        tl, acc = _evaluate(ps, L, Xe, ye)[0], _evaluate(ps, L, Xt, yt)[1]
        hist.append(pd.DataFrame({"net": range(len(tl)), "epoch": epoch, "train_loss": tl.numpy(),
                                  "test_acc": acc.numpy()}))

    record(0.0)
    counts.append(_slice_counts(ps, L, plane, box, labels).assign(epoch=0))
    for epoch in range(1, epochs + 1):
        chunks = torch.randperm(len(y), generator=g).split(batch)
        if evals_per_epoch > len(chunks):
            raise ValueError(f"evals_per_epoch must be at most the {len(chunks)} minibatches of an epoch "
                             f"({len(y)} inputs, batch {batch}), got {evals_per_epoch}")
        marks = {round(len(chunks) * (i + 1) / evals_per_epoch): i + 1 for i in range(evals_per_epoch)}
        for step, idx in enumerate(chunks, 1):
            idx = idx.to(dev)
            out = _logits(ps, L, X[idx])
            loss = torch.nn.functional.cross_entropy(out.transpose(1, 2), y[idx].expand(out.shape[0], -1),
                                                     reduction="none").mean(1).sum()
            opt.zero_grad()
            loss.backward()
            opt.step()
            if step in marks:
                record(epoch - 1 + marks[step] / evals_per_epoch)
        if epoch % count_every == 0 or epoch == epochs:
            counts.append(_slice_counts(ps, L, plane, box, labels).assign(epoch=epoch))   # on the device
    after = flatten_params(MaxoutParams(tuple(ps[:L]), tuple(ps[L:2 * L]), ps[-2], ps[-1])).detach().cpu()
    return {"history": pd.concat(hist, ignore_index=True), "counts": pd.concat(counts, ignore_index=True),
            "flat": torch.stack([before, after]), "slice_labels": labels}


def train_inits(*, K: int, inits: Sequence[str], seeds: int, units: int, depth: int, data: Dataset,
                epochs: int, count_every: int, box: float, lr: float = 1e-3, batch: int = 128, seed: int = 0,
                evals_per_epoch: int = 1, eval_inputs: int | None = None,
                device: str | torch.device = "cpu") -> dict:
    """Train ``seeds`` nets per initialisation (all of rank K, stacked into one ensemble) with
    :func:`train_maxout`; its tables gain columns K, init and seed."""
    widths = split_widths(units, depth)
    nets = [init_maxout_net(data.dim, widths, K, m=data.n_classes, init=init, E=seeds, seed=seed)
            for init in inits]
    params = MaxoutParams(*(tuple(torch.cat([getattr(p, f)[l] for p in nets]) for l in range(depth))
                            for f in ("weights", "biases")),
                          torch.cat([p.out_weight for p in nets]), torch.cat([p.out_bias for p in nets]))
    out = train_maxout(params, data, epochs=epochs, count_every=count_every, box=box, lr=lr, batch=batch,
                       seed=seed, slice_seed=seed, evals_per_epoch=evals_per_epoch, eval_inputs=eval_inputs,
                       device=device)
    label = pd.DataFrame({"net": range(len(inits) * seeds), "init": np.repeat(list(inits), seeds),
                          "seed": np.tile(np.arange(seeds), len(inits))})
    for key in ("history", "counts"):
        out[key] = out[key].merge(label, on="net").assign(K=K)
    return out


def slice_panels(out: dict, data: Dataset, *, widths: Sequence[int], init: str, box: float,
                 seed: int = 0) -> tuple[list, np.ndarray]:
    """Regions and decision boundary (of the slice labels) of the first net with initialisation ``init`` of a
    :func:`train_inits` result, before and after training, in the slice; and the 3 slice points in plane
    coordinates, (3, 2)."""
    counts = out["counts"]
    if init not in set(counts.init):
        raise ValueError(f"no trained net has init {init!r}; trained: {', '.join(sorted(set(counts.init)))}")
    K, net = int(counts.K.iloc[0]), int(counts.loc[counts.init == init, "net"].min())
    pts, labels = slice_points(data, seed)
    plane = slice_plane(*pts)
    panels = []
    for i, when in enumerate(("before training", "after training")):
        params = unflatten_params(out["flat"][i, net:net + 1], data.dim, widths, K, data.n_classes)
        regions = activation_regions(params, (-box, box), plane)
        db = decision_boundary(regions, labels)
        panels.append((f"{when}: {int(regions.counts[0])} regions, {int(db.counts[0])} DB pieces", regions, db))
    return panels, ((pts - plane[1]) @ plane[0]).numpy()


def convergence_table(history: pd.DataFrame, *, target: float, classes: int) -> pd.DataFrame:
    """Per (K, init, seed): the first (possibly fractional) epoch at which test accuracy reaches ``target`` (NaN if
    never), the final test accuracy, the mean training loss over every evaluation after training started (area
    under the loss curve), and whether
    the run failed: ``diverged`` when a recorded training loss is NaN or infinite or exceeds
    :data:`MAXOUT_DIVERGENCE_FACTOR` times the loss at epoch 0; ``at_chance`` when the final test accuracy is
    not above ``1 / classes`` + :data:`MAXOUT_CHANCE_MARGIN` (a NaN accuracy counts as at chance)."""
    check_int("classes", classes, low=2)
    rows = []
    for (K, init, seed), d in history.groupby(["K", "init", "seed"]):
        hit = d[(d.epoch > 0) & (d.test_acc >= target)].epoch
        trained = d[d.epoch > 0]
        loss, start = d.train_loss.to_numpy(dtype=float), float(d.loc[d.epoch.idxmin(), "train_loss"])
        final = float(d.loc[d.epoch.idxmax(), "test_acc"])
        rows.append({"K": K, "init": init, "seed": seed, "epochs_to_target": float(hit.min()) if len(hit)
                     else np.nan, "final_acc": final, "mean_loss": float(trained.train_loss.mean()),
                     "diverged": bool(not np.isfinite(loss).all()
                                      or (loss > MAXOUT_DIVERGENCE_FACTOR * start).any()),
                     "at_chance": not final > 1 / classes + MAXOUT_CHANCE_MARGIN})
    return pd.DataFrame(rows)
