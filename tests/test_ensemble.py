import math

import pytest
import torch

from varlib.core.ensemble import forward, init_mlp_ensemble, member_module


def _x(n=64, d=2, seed=0, dtype=torch.float64):
    return torch.rand(n, d, generator=torch.Generator().manual_seed(seed), dtype=dtype) * 2 - 1


@pytest.mark.parametrize("act", ["relu", "abs", "tanh", "maxout:3", "leaky_relu:0.1"])
@pytest.mark.parametrize("path", ["loop", "batched", "auto"])
def test_every_path_equals_separate_networks(act, path):
    ens = init_mlp_ensemble(5, 3, 7, act, d_in=2, d_out=2, seed=3, device="cpu", dtype=torch.float64)
    x = _x()
    out = forward(ens, x, path=path)
    assert out.shape == (5, 64, 2)
    for r in range(5):
        torch.testing.assert_close(out[r], member_module(ens, r)(x), rtol=1e-12, atol=1e-12)


def test_per_member_inputs_and_preactivations():
    ens = init_mlp_ensemble(3, 2, 4, "relu", seed=1, device="cpu", dtype=torch.float64)
    x = torch.stack([_x(10, seed=s) for s in range(3)])
    out_l, pre_l = forward(ens, x, path="loop", return_preactivations=True)
    out_b, pre_b = forward(ens, x, path="batched", return_preactivations=True)
    torch.testing.assert_close(out_l, out_b)
    assert len(pre_l) == 2 and pre_l[0].shape == (3, 10, 4)
    for a, b in zip(pre_l, pre_b):
        torch.testing.assert_close(a, b)
    torch.testing.assert_close(out_l[1], member_module(ens, 1)(x[1]))


def test_same_seed_same_nets_and_members_do_not_depend_on_ensemble_size():
    a = init_mlp_ensemble(4, 3, 5, "abs", seed=7, device="cpu")
    b = init_mlp_ensemble(4, 3, 5, "abs", seed=7, device="cpu")
    c = init_mlp_ensemble(9, 3, 5, "abs", seed=7, device="cpu")
    d = init_mlp_ensemble(4, 3, 5, "abs", seed=8, device="cpu")
    for wa, wb, wc, wd in zip(a.weights, b.weights, c.weights, d.weights):
        assert torch.equal(wa, wb) and torch.equal(wa, wc[:4]) and not torch.equal(wa, wd)


def test_variance_init_scales():
    """Hidden W ~ N(0, g^2/fan_in), output N(0, 1/fan_in), bias N(0, sigma_b^2): sample variances within 5 %."""
    ens = init_mlp_ensemble(200, 2, 50, "relu", sigma_b=0.3, seed=0, device="cpu", dtype=torch.float64)
    assert ens.weights[1].var().item() == pytest.approx(2 / 50, rel=0.05)
    assert ens.weights[2].var().item() == pytest.approx(1 / 50, rel=0.05)
    assert ens.biases[1].std().item() == pytest.approx(0.3, rel=0.05)


def test_signal_is_preserved_through_depth():
    """With variance-preserving gains the pre-activation second moment stays ~ its first-layer value."""
    ens = init_mlp_ensemble(64, 12, 128, "relu", sigma_b=0.0, seed=0, device="cpu", dtype=torch.float64)
    _, pre = forward(ens, torch.randn(64, 2, dtype=torch.float64, generator=torch.Generator().manual_seed(0)),
                     return_preactivations=True)
    q = torch.stack([p.square().mean() for p in pre])
    assert (q / q[0]).max().item() < 1.5 and (q / q[0]).min().item() > 0.6


def test_torch_default_init_is_uniform_within_bounds():
    ens = init_mlp_ensemble(3, 2, 9, "relu", init="torch", device="cpu")
    assert ens.weights[1].abs().max().item() <= 1 / math.sqrt(9)
    assert ens.biases[0].abs().max().item() <= 1 / math.sqrt(2)


@pytest.mark.parametrize("kwargs, word", [
    (dict(members=0), "members"), (dict(depth=0), "depth"), (dict(width=-3), "width"),
    (dict(sigma_b=-1.0), "sigma_b"), (dict(init="xavier"), "init"), (dict(activation="sigmoid"), "activation")])
def test_bad_inputs(kwargs, word):
    args = dict(members=2, depth=2, width=3, activation="relu") | kwargs
    with pytest.raises(ValueError, match=word):
        init_mlp_ensemble(args.pop("members"), args.pop("depth"), args.pop("width"), args.pop("activation"),
                          device="cpu", **args)


def test_bad_forward_arguments():
    ens = init_mlp_ensemble(2, 2, 3, device="cpu")
    with pytest.raises(ValueError, match="path"):
        forward(ens, torch.zeros(4, 2), path="vmap")
    with pytest.raises(ValueError, match="shape"):
        forward(ens, torch.zeros(4, 3))


@pytest.mark.gpu
def test_cuda_batched_equals_cpu_loop():
    ens = init_mlp_ensemble(4, 3, 8, "abs", device="cpu", dtype=torch.float64)
    gpu = init_mlp_ensemble(4, 3, 8, "abs", device="cuda", dtype=torch.float64)
    x = _x()
    torch.testing.assert_close(forward(gpu, x.cuda()).cpu(), forward(ens, x), rtol=1e-10, atol=1e-10)


@pytest.mark.parametrize("path", ["loop", "batched"])
def test_buffer_reusing_forward_equals_autograd_forward_and_gradients_flow(path):
    """Without autograd the forward reuses buffers and activates in place; the numbers must not change."""
    ens = init_mlp_ensemble(4, 3, 5, "abs", seed=2, device="cpu", dtype=torch.float64)
    x = _x(20)
    fast = forward(ens, x, path=path)
    _, pre = forward(ens, x, path=path, return_preactivations=True)
    ens.requires_grad_(True)
    slow = forward(ens, x, path=path)
    assert torch.equal(fast, slow.detach())
    slow.sum().backward()
    assert all(t.grad is not None and t.grad.abs().sum() > 0 for t in ens.weights)
    assert len(pre) == 3 and pre[0].shape == (4, 20, 5)


def test_auto_path_is_chosen_by_the_size_of_a_layer_and_by_autograd():
    from varlib.core.ensemble import CPU_BATCHED_BYTES, auto_path

    small = init_mlp_ensemble(100, 8, 16, "relu", device="cpu")             # 100 x 256 x 16 x 4 B = 1.6 MB
    assert auto_path(small, torch.zeros(256, 2)) == "batched"
    assert auto_path(small, torch.zeros(256**2, 2)) == "loop"                # 420 MB a layer: memory-bound
    # 100 x 16384 x 16 x 4 B = 105 MB: over both budgets; 100 x 4096 x 16 x 4 B = 26 MB: only over inference's
    mid = torch.zeros(4096, 2)
    assert CPU_BATCHED_BYTES["inference"] < 26 * 2**20 < CPU_BATCHED_BYTES["training"]
    assert auto_path(small, mid) == "loop"
    small.requires_grad_(True)
    assert auto_path(small, mid) == "batched"
    with torch.no_grad():
        assert auto_path(small, mid) == "loop"
    small.requires_grad_(False)
    maxout = init_mlp_ensemble(100, 2, 16, "maxout:5", device="cpu")        # K = 5 pre-activations a unit
    assert auto_path(maxout, torch.zeros(1024, 2)) == "loop"                 # 100 x 1024 x 80 x 4 B = 33 MB
