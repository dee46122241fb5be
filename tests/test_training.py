import pytest
import torch

from varlib.core.ensemble import forward, init_mlp_ensemble, member_module
from varlib.core.training import accuracy_pm1, member_losses, train_ensemble


def _data(n=40, seed=0):
    g = torch.Generator().manual_seed(seed)
    x = torch.rand(n, 2, generator=g, dtype=torch.float64) * 2 - 1
    return x, torch.sign(x[:, :1] * x[:, 1:]) + (x[:, :1] == 0)


@pytest.mark.parametrize("path", ["auto", "loop", "batched"])
def test_ensemble_training_equals_separate_adam_runs(path):
    """R members trained together, on every forward path, == each trained alone with torch.optim.Adam
    (float64, 1e-10)."""
    x, y = _data()
    ens = init_mlp_ensemble(4, 3, 6, "abs", seed=2, device="cpu", dtype=torch.float64)
    separate = [member_module(ens, r) for r in range(4)]
    train_ensemble(ens, x, y, steps=30, lr=1e-2, progress=False, path=path)
    for r, net in enumerate(separate):
        opt = torch.optim.Adam(net.parameters(), lr=1e-2)
        for _ in range(30):
            opt.zero_grad()
            torch.nn.functional.softplus(-y * net(x)).mean().backward()
            opt.step()
        torch.testing.assert_close(forward(ens, x)[r], net(x), rtol=1e-10, atol=1e-10)


def test_diverged_member_is_frozen_and_others_go_on():
    x, y = _data()
    ens = init_mlp_ensemble(3, 2, 5, "relu", seed=0, device="cpu", dtype=torch.float64)
    ref = init_mlp_ensemble(3, 2, 5, "relu", seed=0, device="cpu", dtype=torch.float64)
    ens.weights[0][1, 0, 0] = float("nan")
    res = train_ensemble(ens, x, y, steps=15, lr=1e-2, progress=False)
    train_ensemble(ref, x, y, steps=15, lr=1e-2, progress=False)
    assert res.diverged.tolist() == [False, True, False]
    assert res.diverged_at.tolist() == [-1, 0, -1]
    assert torch.isnan(res.losses[:, 1]).all() and torch.isfinite(res.losses[:, [0, 2]]).all()
    for r in (0, 2):
        torch.testing.assert_close(ens.weights[1][r], ref.weights[1][r])


def test_loss_decreases_and_metric_is_recorded():
    x, y = _data(64)
    ens = init_mlp_ensemble(3, 2, 32, "abs", seed=0, device="cpu", dtype=torch.float64)
    res = train_ensemble(ens, x, y, steps=200, lr=1e-2, metric=accuracy_pm1, eval_every=50, progress=False)
    assert (res.losses[-1] < 0.5 * res.losses[0]).all()
    assert res.eval_steps == [0, 50, 100, 150, 200] and res.metrics.shape == (5, 3)
    assert (res.metrics[-1] >= 0.9).all()


def test_shallow_wide_abs_net_fits_a_2x2_board():
    """The 2x2 checkerboard (XOR of signs) on a 16x16 grid is fitted exactly by a wide |x| net."""
    g = torch.linspace(-0.95, 0.95, 16, dtype=torch.float64)
    x = torch.cartesian_prod(g, g)
    y = torch.sign(x[:, :1] * x[:, 1:])
    ens = init_mlp_ensemble(2, 1, 64, "abs", seed=0, device="cpu", dtype=torch.float64)
    res = train_ensemble(ens, x, y, steps=300, lr=1e-2, metric=accuracy_pm1, eval_every=100, progress=False)
    assert (res.metrics[-1] == 1.0).all()


def test_cross_entropy_and_mse_losses_have_member_shape():
    x = torch.randn(10, 2, dtype=torch.float64)
    ens = init_mlp_ensemble(3, 1, 4, d_out=5, device="cpu", dtype=torch.float64)
    assert member_losses(ens, x, torch.randint(0, 5, (10,)), "cross_entropy").shape == (3,)
    assert member_losses(ens, x, torch.zeros(10, 5, dtype=torch.float64), "mse").shape == (3,)


@pytest.mark.parametrize("kwargs, word", [(dict(steps=0), "steps"), (dict(lr=-1.0), "lr"),
                                          (dict(loss="hinge"), "loss"), (dict(eval_every=0), "eval_every"),
                                          (dict(path="vmap"), "path must be one of auto, loop, batched")])
def test_bad_inputs(kwargs, word):
    x, y = _data(8)
    ens = init_mlp_ensemble(2, 1, 3, device="cpu")
    with pytest.raises(ValueError, match=word):
        train_ensemble(ens, x.float(), y.float(), **({"steps": 5} | kwargs))


def _per_tensor_adam_run(ens, x, y, steps, lr, betas=(0.9, 0.999), eps=1e-8):
    """The reference loop: one Adam per parameter tensor, bookkeeping on the host at every step."""
    params = ens.requires_grad_(True).parameters()
    state = [(torch.zeros_like(p), torch.zeros_like(p)) for p in params]
    frozen, diverged_at = torch.zeros(ens.members, dtype=torch.bool), torch.full((ens.members,), -1)
    losses = []
    for t in range(1, steps + 1):
        per = member_losses(ens, x, y)
        bad = ~torch.isfinite(per.detach()) & ~frozen
        diverged_at[bad], frozen = t - 1, frozen | bad
        losses.append(per.detach().masked_fill(frozen, float("nan")))
        grads = torch.autograd.grad(per.masked_fill(frozen, 0.0).sum(), params)
        with torch.no_grad():
            for p, g, (m, v) in zip(params, grads, state):
                keep = ~frozen.view(-1, *[1] * (p.dim() - 1))
                g = torch.where(keep, g, 0.0)
                m.mul_(betas[0]).add_(g, alpha=1 - betas[0])
                v.mul_(betas[1]).addcmul_(g, g, value=1 - betas[1])
                step = m / (v.sqrt() / (1 - betas[1] ** t) ** 0.5 + eps) * (lr / (1 - betas[0] ** t))
                p.sub_(torch.where(keep, step, 0.0))
    ens.requires_grad_(False)
    return torch.stack(losses), frozen, diverged_at


def test_flat_adam_equals_per_tensor_adam_with_a_diverged_member():
    """The flat, sync-free step == one Adam per tensor with host bookkeeping (float64, to rounding)."""
    x, y = _data()
    ens = init_mlp_ensemble(4, 3, 6, "relu", seed=1, device="cpu", dtype=torch.float64)
    ref = init_mlp_ensemble(4, 3, 6, "relu", seed=1, device="cpu", dtype=torch.float64)
    for net in (ens, ref):
        net.weights[1][2, 0, 0] = float("inf")
    res = train_ensemble(ens, x, y, steps=40, lr=1e-2, progress=False)
    losses, frozen, diverged_at = _per_tensor_adam_run(ref, x, y, steps=40, lr=1e-2)
    torch.testing.assert_close(res.losses, losses, rtol=1e-13, atol=1e-15, equal_nan=True)
    assert res.diverged.tolist() == frozen.tolist() == [False, False, True, False]
    assert res.diverged_at.tolist() == diverged_at.tolist() == [-1, -1, 0, -1]
    for a, b in zip(ens.parameters(), ref.parameters()):
        torch.testing.assert_close(a, b, rtol=1e-13, atol=1e-15, equal_nan=True)


def test_results_come_back_on_the_cpu_and_progress_is_shown(capsys):
    x, y = _data(16)
    ens = init_mlp_ensemble(2, 1, 3, device="cpu")
    res = train_ensemble(ens, x.float(), y.float(), steps=5, metric=accuracy_pm1, eval_every=2, desc="fitting")
    assert {t.device.type for t in (res.losses, res.metrics, res.diverged, res.diverged_at)} == {"cpu"}
    assert res.eval_steps == [0, 2, 4, 5] and res.losses.dtype == torch.float64
    err = capsys.readouterr().err
    assert "fitting" in err and "5/5" in err


@pytest.mark.gpu
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU (none visible to torch)")
def test_cuda_training_equals_cpu_training():
    """Same members, same data: training on the GPU (batched forward, on-device bookkeeping) == on the CPU."""
    x, y = _data()
    runs = []
    for device in ("cpu", "cuda"):
        ens = init_mlp_ensemble(5, 3, 8, "abs", seed=4, device=device, dtype=torch.float64)
        ens.weights[0][3, 0, 0] = float("nan")
        res = train_ensemble(ens, x.to(device), y.to(device), steps=30, lr=1e-2, metric=accuracy_pm1,
                             eval_every=10, progress=False)
        runs.append((res, [p.cpu() for p in ens.parameters()]))
    (cpu, cpu_p), (gpu, gpu_p) = runs
    torch.testing.assert_close(gpu.losses, cpu.losses, rtol=1e-9, atol=1e-12, equal_nan=True)
    torch.testing.assert_close(gpu.metrics, cpu.metrics)
    assert gpu.diverged.tolist() == cpu.diverged.tolist() == [False, False, False, True, False]
    assert gpu.diverged_at.tolist() == cpu.diverged_at.tolist() and gpu.eval_steps == cpu.eval_steps
    for a, b in zip(gpu_p, cpu_p):
        torch.testing.assert_close(a, b, rtol=1e-9, atol=1e-12, equal_nan=True)
