"""The practical claim on real data: weight decay collapses deeper nets to zero at a smaller strength.

The paper illustrates its theory with ResNet18 on CIFAR-10 (Fig. 1, right): as weight decay grows, the trained
network drops abruptly to the trivial solution, and the depth of the network sets where. Its theory
(:mod:`varlib.deep_linear.theory`) predicts, for bias-free nets with D hidden layers and the loss + gamma
sum_l ||W_l||^2 of Eq. 1:

* D = 1: zero is a saddle below gamma = ||E[xy]|| and the nonzero minimum shrinks continuously to it
  (a second-order transition);
* D >= 2: zero is always a local minimum (the data term is of order ||W||^(D+1) near it, the penalty of
  order ||W||^2) and the global minimum jumps to it at gamma*, which falls with depth (a first-order
  transition; :func:`~varlib.deep_linear.study.threshold_table`).

Our CPU-sized stand-in trains bias-free ReLU MLPs ``x -> W_out relu(W_D ... relu(W_1 x))`` with D = 1, 2, 3
hidden layers of one width on an image data set (cross-entropy over the classes, as the paper's ResNet), with
the explicit L2 term gamma sum_l ||W_l||^2 and plain minibatch SGD, from PyTorch's default ``nn.Linear``
initialisation, over a log grid of gamma. All nets of one depth (every gamma and seed) are stacked and trained
at once: the summed loss is separable, so each net trains as it would alone; the nets see the same minibatches,
and seed s starts every gamma from the same weights (a paired comparison across gamma).

A net has **collapsed** when its logits have all but vanished: their root mean square over the test inputs is
below :data:`COLLAPSE_FRACTION` of its value at initialisation (at zero every class gets probability 1/K and the
cross-entropy is log K). The **collapse strength** of a run (one depth and seed) is the smallest gamma of the
grid from which every larger gamma has collapsed; it is censored (NaN) when no gamma of the grid collapses or
already the smallest one does, and the run says which.
"""
from __future__ import annotations

import math
from typing import Sequence

import numpy as np
import pandas as pd
import torch

from varlib.core.checks import check_int
from varlib.core.data import Dataset
from varlib.core.runtime import flush_denormals, member_generator, resolve_device
from varlib.deep_linear.nets import linear_diverged

__all__ = ["COLLAPSE_FRACTION", "JUMP_MIN", "relu_mlp_init", "relu_mlp_logits", "weight_decay_table",
           "collapse_strengths", "practical_metrics"]

_DT = torch.float32

#: A net has collapsed to zero when the root mean square of its logits over the test inputs has fallen below this
#: fraction of its own value at initialisation. Relative, because PyTorch's default initialisation gives deeper
#: nets smaller logits (about 0.2, 0.08 and 0.03 for 1, 2 and 3 hidden layers of 64 units on standardised
#: images): an absolute level would call a deep net collapsed after less shrinking than a shallow one.
COLLAPSE_FRACTION = 1e-2

#: A run's drop to zero is a jump (first order) when the last output before it keeps at least this fraction of
#: the output at the smallest weight decay, and more than a continuous decline could keep at that grid spacing;
#: continuous (second order) when less than this fraction is left.
JUMP_MIN = 0.1


def relu_mlp_init(d0: int, widths: Sequence[int], classes: int, seeds: Sequence[int], seed: int = 0,
                  device="cpu") -> list[torch.Tensor]:
    """PyTorch's default ``nn.Linear`` weights (uniform on +-1/sqrt(fan_in)), no biases, stacked over nets:
    [W1 (E, d1, d0), ..., W_out (E, classes, d_D)]. Net e draws from ``member_generator(seed, seeds[e])`` on
    CPU: nets with the same entry in ``seeds`` start identical."""
    dims = [check_int("d0", d0, 1), *(check_int("width", w, 1) for w in widths), check_int("classes", classes, 2)]
    nets = []
    for s in seeds:
        g = member_generator(seed, int(s))
        nets.append([(2 * torch.rand(dims[i + 1], dims[i], generator=g, dtype=_DT) - 1) / math.sqrt(dims[i])
                     for i in range(len(dims) - 1)])
    return [torch.stack(layer).to(resolve_device(device)) for layer in zip(*nets)]


def relu_mlp_logits(weights: list[torch.Tensor], x: torch.Tensor) -> torch.Tensor:
    """Logits of every net, (E, B, classes), for x (B, d0): relu after each hidden layer, none after W_out."""
    h = x.expand(weights[0].shape[0], *x.shape)                     # (E, B, d0)
    for W in weights[:-1]:
        h = torch.relu(h @ W.transpose(-1, -2))                      # (E, B, d_l)
    return h @ weights[-1].transpose(-1, -2)                         # (E, B, classes)


def _cross_entropy(logits: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """Mean cross-entropy per net, (E,), for logits (E, B, K) and labels y (B,)."""
    return torch.nn.functional.cross_entropy(logits.transpose(1, 2), y.expand(logits.shape[0], -1),
                                             reduction="none").mean(1)


def _penalty(weights: list[torch.Tensor]) -> torch.Tensor:
    """sum_l ||W_l||^2 per net, (E,)."""
    return torch.stack([w.flatten(1).pow(2).sum(1) for w in weights], 1).sum(1)


def _evaluate(weights, X, y, chunk: int = 5000) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Mean cross-entropy, accuracy and logit RMS per net over (X, y), each (E,)."""
    ce = acc = sq = 0.0
    with torch.no_grad():
        for xc, yc in zip(X.split(chunk), y.split(chunk)):
            out = relu_mlp_logits(weights, xc)
            ce = ce + _cross_entropy(out, yc) * len(yc)
            acc = acc + (out.argmax(-1) == yc).sum(1)
            sq = sq + out.pow(2).mean(-1).sum(1)
    n = len(y)
    return (ce / n).cpu(), (acc / n).cpu(), (sq / n).sqrt().cpu()


def weight_decay_table(*, data: Dataset, depth: int, width: int, gammas: Sequence[float], seeds: int, steps: int,
                       batch: int, lr: float, eval_inputs: int = 10000, seed: int = 0,
                       device="cpu") -> pd.DataFrame:
    """Train bias-free ReLU MLPs with ``depth`` hidden layers of ``width`` units on ``data`` by minibatch SGD on
    mean cross-entropy + gamma sum_l ||W_l||^2 (constant step ``lr``, ``steps`` steps of ``batch`` inputs),
    one net per (gamma, seed), all stacked.

    One row per net: depth, gamma, seed, loss0 and loss (the objective on the first ``eval_inputs`` training
    inputs, before and after), train_ce (cross-entropy alone, after), test_acc, logit_rms (over the test
    inputs), logit_rms0 (the same at initialisation), weight_norm (sqrt of the penalty sum), collapsed (logit_rms
    < :data:`COLLAPSE_FRACTION` x logit_rms0) and
    diverged (:func:`~varlib.deep_linear.nets.linear_diverged`: a loss that is not finite or above 1000 times its
    start)."""
    check_int("depth", depth, 1), check_int("seeds", seeds, 1), check_int("steps", steps, 1)
    check_int("batch", batch, 1), check_int("eval_inputs", eval_inputs, 1)
    gam = [float(g) for g in gammas]
    if not gam or min(gam) < 0:
        raise ValueError(f"gammas must be a non-empty list of weight decays >= 0, got {list(gammas)}")
    dev = resolve_device(device)
    grid = [(g, s) for g in gam for s in range(seeds)]                               # net e = (gamma, seed)
    ws = [w.requires_grad_() for w in relu_mlp_init(data.dim, [width] * depth, data.n_classes,
                                                    [s for _, s in grid], seed, dev)]
    g_net = torch.tensor([g for g, _ in grid], dtype=_DT, device=dev)                # (E,)
    X, y = data.X_train.to(dev, _DT), data.y_train.to(dev)
    Xe, ye = X[:eval_inputs], y[:eval_inputs]

    def objective(xb, yb):
        return _cross_entropy(relu_mlp_logits(ws, xb), yb) + g_net * _penalty(ws)   # (E,)

    with torch.no_grad():
        loss0 = objective(Xe, ye).cpu()
    rms0 = _evaluate(ws, data.X_test.to(dev, _DT), data.y_test.to(dev))[2]
    gen = member_generator(seed, 0)
    order = torch.cat([torch.randperm(len(y), generator=gen) for _ in range(math.ceil(steps * batch / len(y)))])
    with flush_denormals():                          # collapsing weights reach ~1e-40: subnormal and slow
        for t in range(steps):
            idx = order[t * batch:(t + 1) * batch].to(dev)
            grads = torch.autograd.grad(objective(X[idx], y[idx]).sum(), ws)
            with torch.no_grad():
                for w, gr in zip(ws, grads):
                    w.sub_(lr * gr)
    with torch.no_grad():
        loss = objective(Xe, ye).cpu()
        norm = _penalty(ws).sqrt().cpu()
    ce, _, _ = _evaluate(ws, Xe, ye)
    _, acc, rms = _evaluate(ws, data.X_test.to(dev, _DT), data.y_test.to(dev))
    diverged = linear_diverged(loss.numpy(), loss0.numpy())
    return pd.DataFrame({"depth": depth, "gamma": [g for g, _ in grid], "seed": [s for _, s in grid],
                         "loss0": loss0.numpy(), "loss": loss.numpy(), "train_ce": ce.numpy(),
                         "test_acc": acc.numpy(), "logit_rms": rms.numpy(), "logit_rms0": rms0.numpy(),
                         "weight_norm": norm.numpy(), "collapsed": (rms < COLLAPSE_FRACTION * rms0).numpy() & ~diverged,
                         "diverged": diverged})


def collapse_strengths(table: pd.DataFrame) -> pd.DataFrame:
    """Per (depth, seed) of a :func:`weight_decay_table`, where along the gamma grid the run collapsed:

    * ``status``: "collapses" (at a gamma of the grid, and at every larger one), "never" (the largest gamma did
      not collapse: the collapse strength is above the grid), "always" (already the smallest gamma collapsed: it
      is below the grid), "irregular" (the smallest gamma collapsed but a larger one did not: no evidence) or
      "diverged" (a net of the sweep diverged by :func:`~varlib.deep_linear.nets.linear_diverged`, read from its
      ``loss`` and ``loss0``: no evidence);
    * ``gamma_c``: the smallest gamma from which every larger gamma collapsed (NaN unless "collapses");
    * ``lo``, ``hi``: the interval that holds the collapse strength on this grid: (previous gamma, gamma_c] for
      "collapses", (largest gamma, inf) for "never", (0, smallest gamma] for "always"; NaN otherwise;
    * ``before``: the logit RMS at the largest gamma that did not collapse, as a fraction of the logit RMS at the
      smallest gamma (NaN for "always", "irregular", "diverged"): near 0 when the output shrank continuously to
      zero, of order one when it dropped from a finite value (a first-order transition);
    * ``continuous_max``: for "collapses", 1 - (previous gamma) / gamma_c, the most a decline linear in gamma down
      to zero at gamma_c could keep at the previous grid point: a ``before`` above it is a jump at this spacing."""
    rows = []
    for (depth, seed), d in table.sort_values("gamma").groupby(["depth", "seed"]):
        col, g, rms = d.collapsed.to_numpy(bool), d.gamma.to_numpy(float), d.logit_rms.to_numpy(float)
        tail = np.logical_and.accumulate(col[::-1])[::-1]                  # collapsed at this and every larger gamma
        first = int(tail.argmax()) if tail.any() else len(g)               # index of gamma_c (len(g): never)
        status = ("diverged" if linear_diverged(d.loss, d.loss0).any() else "always" if first == 0
                  else "irregular" if col[0] else "never" if first == len(g) else "collapses")
        lo, hi = {"collapses": (g[first - 1], g[first]) if 0 < first < len(g) else (np.nan, np.nan),
                  "never": (g[-1], np.inf), "always": (0.0, g[0])}.get(status, (np.nan, np.nan))
        before = rms[first - 1] / rms[0] if status in ("collapses", "never") else np.nan
        rows.append({"depth": int(depth), "seed": int(seed), "status": status,
                     "gamma_c": float(g[first]) if status == "collapses" else np.nan,
                     "lo": float(lo), "hi": float(hi), "before": float(before),
                     "continuous_max": float(1 - lo / hi) if status == "collapses" else np.nan})
    return pd.DataFrame(rows)


def _apart(deep: pd.DataFrame, shallow: pd.DataFrame) -> tuple[bool | None, bool]:
    """Does the deeper net collapse at a smaller gamma? First: True when every deep interval lies below every
    shallow one; False when the deep median interval lies at or above the shallow one, or when the intervals overlap
    though the medians are ordered (then the second value, "the medians are ordered", makes it partly); None when
    the grid cannot tell (a run without an interval, both depths above the grid or below it in every run, or
    overlapping medians)."""
    statuses = set(deep.status) | set(shallow.status)
    if statuses - {"collapses", "never", "always"} or statuses <= {"never"} or statuses <= {"always"}:
        return None, False
    median = bool(deep.hi.median() <= shallow.lo.median())
    if deep.hi.max() <= shallow.lo.min():
        return True, True
    if deep.lo.median() >= shallow.hi.median():
        return False, False
    return (False if median else None), median


def practical_metrics(table: pd.DataFrame) -> dict:
    """The numbers the practical rows judge, from a :func:`weight_decay_table` over several depths:

    * ``runs`` (:func:`collapse_strengths`), ``depths``, ``diverged`` (diverged nets, nets);
    * ``order``: does the collapse strength fall with depth, over consecutive depths: False as soon as one pair
      contradicts it, True when every pair's intervals are apart, None when some pair cannot be told on this grid
      and none contradicts; ``order_median``: every resolved pair's medians ordered;
    * ``deep_jump``: every run of depth >= 2 collapses by a jump (``before`` >= :data:`JUMP_MIN` and above its
      ``continuous_max``); False when one drops by less than :data:`JUMP_MIN`; None when a run has no collapse on
      the grid or the spacing cannot tell; ``jumps`` (smallest ``before``) and ``jump_bound`` (largest
      ``continuous_max``) of those runs;
    * ``shallow_continuous``: the depth-1 runs that collapse keep less than :data:`JUMP_MIN` before it (False if one
      keeps more); if none collapses on the grid, whether they all shrank below it anyway (else None: the grid is too
      short); ``shallow`` (the largest ``before`` of the runs judged), ``shallow_collapses``."""
    runs = collapse_strengths(table)
    depths = sorted(runs.depth.unique())
    pairs = [_apart(runs[runs.depth == b], runs[runs.depth == a]) for a, b in zip(depths, depths[1:])]
    order = (False if any(p is False for p, _ in pairs) else None if not pairs or any(p is None for p, _ in pairs)
             else True)
    deep, shallow = runs[runs.depth >= 2], runs[runs.depth == 1]
    deep_jump = None
    if len(deep) and (deep.status == "collapses").all():
        small = deep.before < JUMP_MIN
        jump = (deep.before >= JUMP_MIN) & (deep.before > deep.continuous_max)
        deep_jump = False if small.any() else True if jump.all() else None
    done = shallow[shallow.status == "collapses"]
    judged = done if len(done) else shallow[shallow.status == "never"]
    shallow_max = float(judged.before.max()) if len(judged) else np.nan
    shallow_continuous = (None if not len(judged) else bool(shallow_max < JUMP_MIN) if len(done)
                          else True if shallow_max < JUMP_MIN else None)
    return {"runs": runs, "depths": [int(d) for d in depths],
            "diverged": (int(linear_diverged(table.loss, table.loss0).sum()), len(table)),
            "order": order, "order_median": bool(pairs) and all(m for p, m in pairs if p is not None),
            "deep_jump": deep_jump, "jumps": float(deep.before.min()) if len(deep) else np.nan,
            "jump_bound": float(deep.continuous_max.max()) if len(deep) else np.nan,
            "shallow_continuous": shallow_continuous, "shallow": shallow_max, "shallow_collapses": bool(len(done))}
