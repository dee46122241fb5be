"""Each benchmark pairs our path with a baseline computing the same numbers, in the same run.

A benchmark function takes the device, a size dict and a repeat count, checks that every variant gives
the same numbers, and returns result rows (see ``varlib.book.bench.RESULT_FIELDS``) with extra fields:
``speedup`` (baseline median / this median) and, where it means something, ``flops`` and ``fraction_of_matmul``
(both from the best time, like the matmul rate they are compared with).
"""
from __future__ import annotations

import copy
import importlib
import json
import time
from functools import partial
from pathlib import Path

import torch

from varlib.book.bench import time_call
from varlib.core.ensemble import MLPEnsemble, auto_path, forward, init_mlp_ensemble, member_module, stack_layer_bytes
from varlib.core.training import train_ensemble, training_path
from varlib.variability import grid_points

def _scaling_sizes(members, widths, depth=4, points=256, steps=10):
    """Two sweeps through R = 100 nets of width 16: R at width 16, then the width at R = 100."""
    return [dict(members=r, width=16, depth=depth, points=points, steps=steps) for r in members] + \
        [dict(members=100, width=w, depth=depth, points=points, steps=steps) for w in widths if w != 16]


#: Sizes per mode and device type. "quick" is for the harness tests.
SIZES = {
    "quick": {"forward": [dict(members=4, width=4, depth=2, grid=8)],
              "paths": [dict(mode="inference", members=3, depth=2, width=4, points=16),
                        dict(mode="training", members=3, depth=2, width=4, points=16, steps=2)],
              "training": [dict(members=3, width=4, depth=2, points=16, steps=3)],
              "regions": [dict(units=6, depth=2, rank=2, box=3.0, seed=0, batch=2)],
              "ip_width": [dict(depth=3, batch=8, widths=[16, 32])],
              "scaling": [dict(members=3, width=4, depth=2, points=16, steps=2)]},
    "cpu": {"forward": [dict(members=100, width=16, depth=8, grid=256), dict(members=10, width=256, depth=8, grid=64)],
            "training": [dict(members=100, width=16, depth=4, points=1024, steps=50, compile=True),
                         dict(members=100, width=16, depth=8, points=256, steps=50, compile=True)],
            "paths": [dict(mode="inference", members=r, depth=8, width=w, points=b) for r, w, b in
                      ((100, 16, 256), (100, 16, 1024), (100, 16, 4096), (100, 16, 16384), (1000, 16, 256),
                       (100, 64, 1024), (10, 256, 1024))]
            + [dict(mode="training", members=r, depth=d, width=w, points=b, steps=5) for r, d, w, b in
               ((100, 8, 16, 256), (100, 4, 16, 1024), (100, 2, 16, 4096), (10, 8, 64, 1024), (100, 4, 64, 4096))],
            "regions": [dict(units=n, depth=3, rank=2, box=3.0, seed=123, batch=10) for n in (20, 40, 60)],
            "ip_width": [dict(depth=6, batch=512, widths=[128, 256, 512, 1024, 2048])],
            "scaling": _scaling_sizes(members=(10, 30, 100, 300, 1000), widths=(8, 16, 32, 64, 128, 256))},
    "cuda": {"forward": [dict(members=100, width=16, depth=8, grid=256), dict(members=1000, width=16, depth=8,
                         grid=256), dict(members=1000, width=64, depth=8, grid=256)],
             "training": [dict(members=100, width=16, depth=4, points=1024, steps=50, compile=True),
                          dict(members=1000, width=16, depth=4, points=1024, steps=50, compile=True)],
             "paths": [dict(mode=m, members=r, depth=8, width=w, points=b, steps=5) for m in ("inference", "training")
                       for r, w, b in ((100, 16, 256), (1000, 16, 4096), (1000, 64, 16384))],
             "regions": [dict(units=n, depth=3, rank=2, box=3.0, seed=123, batch=10) for n in (20, 40, 60)],
            "ip_width": [dict(depth=6, batch=512, widths=[128, 512, 2048, 4096, 8192, 16384])],
             "scaling": _scaling_sizes(members=(10, 30, 100, 300, 1000, 3000), widths=(8, 16, 32, 64, 128, 256))},
}


def _forward_flops(members, width, depth, points, d_in=2, d_out=1):
    return 2 * members * points * (d_in * width + (depth - 1) * width * width + width * d_out)


def _row(benchmark, variant, size, timing, baseline=None, **extra):
    row = {"benchmark": benchmark, "variant": variant, "size": size, **timing, **extra}
    if baseline is not None:
        row["speedup"] = baseline / timing["median_s"]
    return row


def _loop_fresh(ens, x):
    """varlib's loop before it reused buffers: a new tensor for every addmm and every activation."""
    outs = []
    for r in range(ens.members):
        h = x
        for l, (w, b) in enumerate(zip(ens.weights, ens.biases)):
            h = torch.addmm(b[r], h, w[r].T)
            h = h if l == ens.depth else ens.activation(h)
        outs.append(h)
    return torch.stack(outs)


def _loop_feature_major(ens, x):
    """Points along columns, ``z = W h + b``: the GEMM's long dimension is N instead of M."""
    xt, outs = x.T.contiguous(), []
    for r in range(ens.members):
        h = xt
        for l, (w, b) in enumerate(zip(ens.weights, ens.biases)):
            h = torch.addmm(b[r].unsqueeze(1), w[r], h)
            h = h if l == ens.depth else ens.activation.apply_(h)
        outs.append(h.T)
    return torch.stack(outs)


def bench_forward(device: torch.device, size: dict, repeats: int, matmul_flops: float) -> list[dict]:
    """R random MLPs on an n x n grid: per-network nn.Module loop (baseline) vs varlib's paths."""
    ens = init_mlp_ensemble(size["members"], size["depth"], size["width"], "relu", device=device)
    x = grid_points(size["grid"], device=device)
    modules = [member_module(ens, r) for r in range(ens.members)]
    variants = {"modules (baseline)": lambda: torch.stack([m(x) for m in modules]),
                "loop, fresh tensors per layer (tried)": lambda: _loop_fresh(ens, x),
                "loop, feature-major W @ h (tried)": lambda: _loop_feature_major(ens, x),
                "varlib loop": lambda: forward(ens, x, path="loop"),
                "varlib batched": lambda: forward(ens, x, path="batched")}
    with torch.no_grad():
        ref = variants["modules (baseline)"]()
        for name, fn in variants.items():
            torch.testing.assert_close(fn(), ref, rtol=1e-4, atol=1e-5, msg=f"{name} differs from the baseline")
        times = {name: time_call(fn, device, repeats) for name, fn in variants.items()}
    flops = _forward_flops(size["members"], size["width"], size["depth"], size["grid"] ** 2)
    base = times["modules (baseline)"]["median_s"]
    auto = f"varlib {auto_path(ens, x)}"
    return [_row("ensemble forward", name + (" [auto]" if name == auto else ""), size, t, base,
                 flops=flops / t["min_s"], fraction_of_matmul=flops / t["min_s"] / matmul_flops)
            for name, t in times.items()]


def _checkerboard(points: int, device) -> tuple[torch.Tensor, torch.Tensor]:
    n = int(points ** 0.5)
    x = grid_points(n, -0.97, 0.97, device=device)
    cells = ((x + 1) * 4).floor()
    return x, (1 - 2 * ((cells[:, 0] + cells[:, 1]) % 2)).unsqueeze(1)


def vmap_training(nets: list[torch.nn.Module], x, y, steps: int, lr: float = 3e-3) -> torch.Tensor:
    """The PyTorch ensembling recipe a reader would use instead of varlib, on the modules ``nets``: their state
    stacked (``torch.func.stack_module_state``), ``functional_call`` under ``vmap``, one Adam over the stacked
    parameters, logistic loss; ``steps`` full-batch steps. Returns the outputs after training."""
    params, buffers = torch.func.stack_module_state(nets)
    skeleton = copy.deepcopy(nets[0]).to("meta")
    run = torch.vmap(lambda p, b, x: torch.func.functional_call(skeleton, (p, b), (x,)), in_dims=(0, 0, None))
    opt = torch.optim.Adam(params.values(), lr=lr)
    for _ in range(steps):
        opt.zero_grad()
        torch.nn.functional.softplus(-y * run(params, buffers, x)).mean(dim=(1, 2)).sum().backward()
        opt.step()
    with torch.no_grad():
        return run(params, buffers, x)


def _stacked_loss(x, y, *params):
    """Total logistic loss of a stacked |x| ensemble (weights, biases alternating), for ``torch.compile``."""
    h = x.expand(params[0].shape[0], *x.shape)
    for l in range(0, len(params), 2):
        h = torch.baddbmm(params[l + 1].unsqueeze(1), h, params[l].transpose(1, 2))
        h = h.abs() if l + 2 < len(params) else h
    return torch.nn.functional.softplus(-y * h).mean(dim=(1, 2)).sum()


def bench_training(device: torch.device, size: dict, repeats: int, matmul_flops: float) -> list[dict]:
    """R networks trained with Adam: one at a time (nn.Module + torch.optim.Adam) vs varlib's ensemble."""
    steps = size["steps"]

    def one_at_a_time(members=size["members"], n_steps=steps, dtype=torch.float32):
        x, y = (t.to(dtype) for t in _checkerboard(size["points"], device))
        ens = init_mlp_ensemble(members, size["depth"], size["width"], "abs", device=device, dtype=dtype)
        nets = [member_module(ens, r) for r in range(ens.members)]
        for net in nets:
            opt = torch.optim.Adam(net.parameters(), lr=3e-3)
            for _ in range(n_steps):
                opt.zero_grad()
                torch.nn.functional.softplus(-y * net(x)).mean().backward()
                opt.step()
        return torch.stack([net(x).detach() for net in nets])

    def together(members=size["members"], n_steps=steps, dtype=torch.float32, path="auto"):
        x, y = (t.to(dtype) for t in _checkerboard(size["points"], device))
        ens = init_mlp_ensemble(members, size["depth"], size["width"], "abs", device=device, dtype=dtype)
        train_ensemble(ens, x, y, steps=n_steps, lr=3e-3, progress=False, path=path)
        return forward(ens, x)

    def vmap_recipe(members=size["members"], n_steps=steps, dtype=torch.float32):
        x, y = (t.to(dtype) for t in _checkerboard(size["points"], device))
        ens = init_mlp_ensemble(members, size["depth"], size["width"], "abs", device=device, dtype=dtype)
        return vmap_training([member_module(ens, r) for r in range(members)], x, y, n_steps)

    def compiled(members=size["members"], n_steps=steps, dtype=torch.float32):
        """Tried: the stacked forward and loss under ``torch.compile``, autograd for the gradient, torch.optim.Adam."""
        x, y = (t.to(dtype) for t in _checkerboard(size["points"], device))
        ens = init_mlp_ensemble(members, size["depth"], size["width"], "abs", device=device, dtype=dtype)
        params = ens.requires_grad_(True).parameters()
        opt = torch.optim.Adam(params, lr=3e-3)
        loss = torch.compile(_stacked_loss)        # compiled once per shape and dtype (dynamo caches it)
        for _ in range(n_steps):
            opt.zero_grad()
            loss(x, y, *params).backward()
            opt.step()
        return forward(ens.requires_grad_(False), x)

    variants = {"varlib ensemble [auto]": together, "varlib ensemble, batched path": partial(together, path="batched"),
                "varlib ensemble, loop path": partial(together, path="loop"),
                "torch.func vmap + one Adam (peer)": vmap_recipe}
    if size.get("compile"):
        variants["torch.compile'd forward + autograd + Adam (tried)"] = compiled
    # Same numbers, checked in float64 (float32 rounding differs by summation order and Adam amplifies it).
    check = dict(members=min(size["members"], 8), n_steps=min(steps, 20), dtype=torch.float64)
    reference = one_at_a_time(**check)
    for name, fn in variants.items():
        torch.testing.assert_close(fn(**check), reference, rtol=1e-8, atol=1e-8,
                                   msg=f"{name} differs from one-at-a-time training")
    slow = size["members"] > 200          # one-at-a-time over 1000 nets takes minutes per repeat: time it once
    base = time_call(one_at_a_time, device, 1 if slow else repeats, warmup=0 if slow else 1)
    member_steps = size["members"] * steps
    rows = [_row("ensemble training", "one at a time (baseline)", size, base, base["median_s"],
                 member_steps_per_s=member_steps / base["median_s"])]
    times, compile_s = {}, {}
    for name, fn in variants.items():
        if "compile" in name:        # the first call compiles: its extra time is the compile time from scratch
            inductor = importlib.import_module("torch._inductor.config")    # imported only when compiling
            torch._dynamo.reset()
            with inductor.patch(force_disable_caches=True):                  # not from an earlier run's disk cache
                start = time.perf_counter()
                fn()
                first = time.perf_counter() - start
        times[name] = time_call(fn, device, repeats)
        if "compile" in name:
            compile_s[name] = first - times[name]["median_s"]
    peer = times["torch.func vmap + one Adam (peer)"]["median_s"]
    for name, t in times.items():
        rows.append(_row("ensemble training", name, size, t, base["median_s"],
                         member_steps_per_s=member_steps / t["median_s"],
                         **({} if "peer" in name else {"speedup_vs_peer": peer / t["median_s"]}),
                         **({"compile_s": compile_s[name]} if name in compile_s else {})))
    return rows


def bench_paths(device: torch.device, size: dict, repeats: int, matmul_flops: float) -> list[dict]:
    """The measurements behind ``forward(path="auto")``: the loop and the batched path timed at one shape (R
    members, depth, width, B points), for inference (no autograd) and for training (``steps`` Adam steps), with
    the path the rule picks marked ``[auto]``; its ``auto_efficiency`` is the faster path's time over the
    picked path's (1 = the rule picked the faster)."""
    def runner(dtype):
        ens = init_mlp_ensemble(size["members"], size["depth"], size["width"], "relu", device=device, dtype=dtype)
        x = torch.rand(size["points"], 2, generator=torch.Generator().manual_seed(0)).to(device, dtype) * 2 - 1
        y = torch.where(x[:, :1] * x[:, 1:] > 0, 1.0, -1.0).to(dtype)
        if size["mode"] == "inference":
            def run(path):
                with torch.no_grad():
                    return forward(ens, x, path=path)
            return run, auto_path(ens, x), ens
        picked = training_path(ens, x)
        ens.requires_grad_(False)
        start = [t.clone() for t in ens.parameters()]

        def run(path):
            for t, t0 in zip(ens.parameters(), start):
                t.copy_(t0)
            train_ensemble(ens, x, y, steps=size["steps"], progress=False, path=path)
            return forward(ens, x)
        return run, picked, ens

    # Same numbers, checked in float64 (Adam amplifies float32 rounding, which differs by summation order).
    check, _, _ = runner(torch.float64)
    torch.testing.assert_close(check("loop"), check("batched"), rtol=1e-8, atol=1e-8, msg="the two paths differ")
    run, picked, ens = runner(torch.float32)
    layer_mb = stack_layer_bytes(ens, size["points"]) / 2**20
    times = {path: time_call(lambda p=path: run(p), device, min(repeats, 3)) for path in ("loop", "batched")}
    best = min(t["median_s"] for t in times.values())
    return [_row("forward paths", f"{size['mode']}: {path}" + (" [auto]" if path == picked else ""),
                 {**size, "layer_MB": round(layer_mb, 1)}, t, times["loop"]["median_s"],
                 **({"auto_efficiency": best / t["median_s"]} if path == picked else {}))
            for path, t in times.items()]


def bench_scaling(device: torch.device, size: dict, repeats: int, matmul_flops: float) -> list[dict]:
    """How the cost grows with the number of nets R and the width: at one shape, the forward pass (no autograd) on
    both paths, and ``steps`` Adam steps on both paths and with the torch.func recipe (:func:`vmap_training`).
    The nets are drawn once, outside the timing (each training run starts from a copy). Rows carry ``us_per_net``
    (microseconds per net, per step for training), ``speedup`` (over the loop for the forward pass, over the peer
    for training) and ``auto`` (whether varlib's rule
    picks this path at this shape). The paths and the recipe are checked
    equal in float64 on the first few nets first."""
    R, steps = size["members"], size["steps"]
    drawn = {}      # (members, dtype) -> the ensemble, its modules and the data, drawn once and not timed

    def setup(members, dtype):
        if (members, dtype) not in drawn:
            ens = init_mlp_ensemble(members, size["depth"], size["width"], "abs", device=device, dtype=dtype)
            x, y = (t.to(dtype) for t in _checkerboard(size["points"], device))
            drawn[members, dtype] = ens, [member_module(ens, r) for r in range(members)], x, y
        return drawn[members, dtype]

    def train(path, members=R, n_steps=steps, dtype=torch.float32):
        ens, _, x, y = setup(members, dtype)
        ens = MLPEnsemble([w.clone() for w in ens.weights], [b.clone() for b in ens.biases], ens.activation)
        train_ensemble(ens, x, y, steps=n_steps, lr=3e-3, progress=False, path=path)
        return forward(ens, x)

    def peer(members=R, n_steps=steps, dtype=torch.float32):
        _, nets, x, y = setup(members, dtype)
        return vmap_training(nets, x, y, n_steps)

    small = dict(members=min(R, 4), n_steps=2, dtype=torch.float64)
    reference = train("loop", **small)
    for name, fn in (("batched", partial(train, "batched")), ("torch.func", peer)):
        torch.testing.assert_close(fn(**small), reference, rtol=1e-8, atol=1e-8, msg=f"{name} differs from the loop")
    ens, _, x, _ = setup(R, torch.float32)
    with torch.no_grad():
        torch.testing.assert_close(forward(ens, x, path="batched"), forward(ens, x, path="loop"), rtol=1e-4, atol=1e-5)
        timed = {f"forward: {p}": time_call(partial(forward, ens, x, path=p), device, repeats)
                 for p in ("loop", "batched")}
    timed.update({f"training: {p}": time_call(partial(train, p), device, repeats) for p in ("loop", "batched")})
    timed["training: torch.func (peer)"] = time_call(peer, device, repeats)
    per = {"forward": R, "training": R * steps}
    picked = {"forward": auto_path(ens, x, autograd=False), "training": training_path(ens, x)}
    base = {"forward": timed["forward: loop"]["median_s"], "training": timed["training: torch.func (peer)"]["median_s"]}
    return [_row("scaling", name, size, t, base[name.split(":")[0]],
                 us_per_net=1e6 * t["median_s"] / per[name.split(":")[0]],
                 auto=name.split(": ")[1] == picked[name.split(":")[0]]) for name, t in timed.items()]


def book_times(build_dir: Path) -> list[dict]:
    """Wall time per chapter and profile, from the pipeline's run logs (not re-timed here)."""
    rows = []
    for log in sorted(Path(build_dir).glob("*/runs.json")):
        for run in json.loads(log.read_text()):
            t = {"median_s": run["seconds"], "min_s": run["seconds"], "max_s": run["seconds"], "repeats": 1}
            rows.append(_row("book", f"{run['name']} ({run['parameters'].get('profile', log.parent.name)})",
                             {"device": run["device"], "started": run["started"], "ok": run["ok"]}, t))
    return rows


def bench_regions(device: torch.device, size: dict, repeats: int, matmul_flops: float) -> list[dict]:
    """Exact region counting of maxout nets (N units, depth 3): an LP feasibility counter (HiGHS) on one net vs
    ours on that net alone and on a batch of ``batch`` nets in one call (divided by the batch).

    Every variant is timed with the same repeats and one warm-up run (the LP counter takes about a minute a run
    at N = 60 on a CPU). Net r does not depend on the batch size, so all three count the same net 0, and its
    counts must be identical.
    """
    from varlib.maxout import count_regions, count_regions_lp, init_maxout_net, split_widths

    def nets(E):
        return init_maxout_net(2, split_widths(size["units"], size["depth"]), size["rank"], seed=size["seed"], E=E)

    batch, alone = nets(size["batch"]), nets(1)
    box = (-size["box"], size["box"])
    found = {}
    lp = time_call(lambda: found.__setitem__("lp", count_regions_lp(alone, box, net=0)), "cpu", repeats, warmup=1)
    one = time_call(lambda: found.__setitem__("one", count_regions(alone.to(device), box)), device, repeats,
                    warmup=1)
    many = time_call(lambda: found.__setitem__("many", count_regions(batch.to(device), box)), device, repeats,
                     warmup=1)
    many = {k: v / size["batch"] if k.endswith("_s") else v for k, v in many.items()}
    counts = {name: (int(found[name].regions[0]), int(found[name].db_pieces[0])) for name in ("one", "many")}
    if not counts["one"] == counts["many"] == tuple(found["lp"]):
        raise AssertionError(f"region counts differ: ours {counts}, LP {found['lp']}")
    regions = counts["one"][0]
    return [_row("region counting", "LP feasibility (baseline)", size, lp, lp["median_s"], regions=regions),
            _row("region counting", "varlib exact polygons (one net alone)", size, one, lp["median_s"],
                 regions=regions),
            _row("region counting", "varlib exact polygons (per net of a batch)", size, many, lp["median_s"],
                 regions=regions)]


#: How ``bench_ip_width`` obtains the memory of a pass, per device type (stored with each row).
MEMORY_METHOD = {"cuda": "measured (CUDA peak)", "cpu": "counted (saved for backward)"}


def saved_for_backward_bytes(fn, resident: list[torch.Tensor]) -> int:
    """Bytes of the distinct storages that autograd saves for the backward pass while ``fn()`` runs, leaving
    out those of ``resident`` (parameters, which are held anyway): the activation memory of one training step.
    Counted with ``torch.autograd.graph.saved_tensors_hooks``; each storage is counted once."""
    held = {t.untyped_storage().data_ptr() for t in resident}
    saved: dict[int, int] = {}

    def pack(t):
        storage = t.untyped_storage()
        if storage.data_ptr() not in held:
            saved[storage.data_ptr()] = storage.nbytes()
        return t

    with torch.autograd.graph.saved_tensors_hooks(pack, lambda t: t):
        fn()
    return sum(saved.values())


def bench_ip_width(device: torch.device, size: dict, repeats: int, matmul_flops: float) -> list[dict]:
    """One forward + backward pass of an IP-LLR net (L hidden layers of width m) per width: varlib's abc forward
    (multipliers m^{-a} explicit) vs an ``nn.Sequential`` with the multipliers folded into its weights.

    Equal losses are checked; float32. Peak memory is measured on CUDA as the growth of
    ``max_memory_allocated`` over what was resident before the variant ran (activations and workspace). A CPU
    has no allocator statistics, so there it is counted instead: the bytes of the tensors autograd saves for
    the backward pass (see :func:`saved_for_backward_bytes`), the activations that dominate the CUDA figure,
    without its workspace and temporaries (``peak_memory_measured`` is then False).
    """
    from varlib.integrable import abc_loss, get_parameterization, init_params, initial_draws

    L, d, K, batch = size["depth"], 64, 10, size["batch"]
    rows = []
    for m in size["widths"]:
        p = get_parameterization("ipllr", L)
        params = {k: v.to(device, torch.float32).requires_grad_(True)
                  for k, v in init_params(p, initial_draws(d, m, K, L, seed=0), "gelu").items()}
        x = torch.randn(batch, d, generator=torch.Generator().manual_seed(1)).to(device)    # CPU draw, then move
        y = torch.randint(0, K, (batch,), generator=torch.Generator().manual_seed(2)).to(device)
        layers = []
        for l in range(1, L + 2):
            w, beta, scale = params[f"w{l}"].detach(), params.get(f"beta{l}"), m ** -p.a[l - 1]
            lin = torch.nn.Linear(w.shape[1], w.shape[0], bias=beta is not None, device=device)
            with torch.no_grad():
                lin.weight.copy_(scale * w)
                if beta is not None:
                    lin.bias.copy_((1.0 if p.bias == "all" else scale) * beta.detach())
            layers += [lin, torch.nn.GELU()] if l <= L else [lin]
        folded = torch.nn.Sequential(*layers)

        def ours():
            abc_loss(p, params, x, y, "gelu").backward()

        def baseline():
            torch.nn.functional.cross_entropy(folded(x), y).backward()

        with torch.no_grad():
            ref = torch.nn.functional.cross_entropy(folded(x), y)
            torch.testing.assert_close(abc_loss(p, params, x, y, "gelu"), ref, rtol=1e-4, atol=1e-6)
        peak = {}
        for name, fn in (("nn.Sequential, folded (baseline)", baseline), ("varlib abc forward", ours)):
            if device.type == "cuda":
                torch.cuda.synchronize(device)
                torch.cuda.reset_peak_memory_stats(device)
                resident = torch.cuda.memory_allocated(device)   # both nets' parameters and gradients
            t = time_call(fn, device, repeats)
            peak[name] = torch.cuda.max_memory_allocated(device) - resident if device.type == "cuda" else \
                saved_for_backward_bytes(fn, [*params.values(), *folded.parameters()])
            rows.append({"t": t, "name": name, "peak": peak[name]})
        base = rows[-2]["t"]["median_s"]
        rows[-2:] = [_row("IP width sweep", r["name"], {**size, "width": m}, r["t"], base, peak_memory_bytes=r["peak"],
                          peak_memory_measured=device.type == "cuda", peak_memory_method=MEMORY_METHOD[device.type])
                      for r in rows[-2:]]
    return rows


BENCHMARKS = {"forward": bench_forward, "training": bench_training, "paths": bench_paths, "regions": bench_regions,
              "ip_width": bench_ip_width, "scaling": bench_scaling}
