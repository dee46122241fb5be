"""The hand-written backward pass (varlib.core.backprop) gives autograd's gradients."""
import pytest
import torch

from varlib.core import backprop
from varlib.core.ensemble import forward, init_mlp_ensemble
from varlib.core.training import LOSSES, train_ensemble

WITH_DERIVATIVE = ["relu", "abs", "leaky_relu:0.2", "tanh", "identity"]


def _autograd_flat(ens, x, member_loss, frozen):
    params = ens.requires_grad_(True).parameters()
    per = member_loss(forward(ens, x, path="batched"))
    grads = torch.autograd.grad(per.masked_fill(frozen, 0.0).sum(), params)
    ens.requires_grad_(False)
    return per.detach(), torch.cat([g.reshape(-1) for g in grads])


@pytest.mark.parametrize("activation", WITH_DERIVATIVE)
@pytest.mark.parametrize("shared_x", [True, False])
def test_gradient_equals_autograd(activation, shared_x):
    """dloss/dparameters of every member, float64, to 1e-12: shared inputs (B, d_in) and per-member (R, B, d_in)."""
    R, B = 4, 30
    ens = init_mlp_ensemble(R, 3, 5, activation, d_in=3, d_out=2, seed=1, device="cpu", dtype=torch.float64)
    g = torch.Generator().manual_seed(0)
    x = torch.randn(B, 3, generator=g, dtype=torch.float64) if shared_x else \
        torch.randn(R, B, 3, generator=g, dtype=torch.float64)
    y = torch.randint(0, 2, (B,), generator=g)
    loss = lambda out: LOSSES["cross_entropy"](out, y)   # noqa: E731
    frozen = torch.tensor([False, True, False, False])
    per, flat = _autograd_flat(ens, x, loss, frozen)
    per2, out, flat2 = backprop.loss_and_gradient(ens, x, loss, frozen, backprop.Workspace.of(ens, B))
    torch.testing.assert_close(per2, per, rtol=1e-12, atol=1e-12)
    torch.testing.assert_close(flat2, flat, rtol=1e-12, atol=1e-12)
    torch.testing.assert_close(out, forward(ens, x), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("activation", ["relu", "abs", "leaky_relu:0.2"])
def test_derivative_at_the_kink_is_autograds(activation):
    """At z = 0 exactly (zero first-layer weights and biases) phi'(0) is the value autograd uses."""
    ens = init_mlp_ensemble(2, 2, 4, activation, seed=0, device="cpu", dtype=torch.float64)
    ens.weights[0].zero_()
    ens.biases[0].zero_()
    x = torch.rand(10, 2, dtype=torch.float64, generator=torch.Generator().manual_seed(3))
    loss = lambda out: out.square().mean(dim=(1, 2))   # noqa: E731
    frozen = torch.zeros(2, dtype=torch.bool)
    _, flat = _autograd_flat(ens, x, loss, frozen)
    _, _, flat2 = backprop.loss_and_gradient(ens, x, loss, frozen, backprop.Workspace.of(ens, 10))
    assert torch.equal(flat2, flat)


@pytest.mark.parametrize("activation", ["relu", "tanh"])
def test_training_on_the_hand_written_pass_equals_autograd(activation):
    """train_ensemble on the batched path (hand-written pass) == on the loop path (autograd), float64."""
    x = torch.rand(50, 2, dtype=torch.float64, generator=torch.Generator().manual_seed(0)) * 2 - 1
    y = torch.sign(x[:, :1] * x[:, 1:])
    a, b = (init_mlp_ensemble(3, 3, 6, activation, seed=4, device="cpu", dtype=torch.float64) for _ in range(2))
    ra = train_ensemble(a, x, y, steps=25, lr=1e-2, progress=False, path="batched")
    rb = train_ensemble(b, x, y, steps=25, lr=1e-2, progress=False, path="loop")
    torch.testing.assert_close(ra.losses, rb.losses, rtol=1e-10, atol=1e-12)
    for p, q in zip(a.parameters(), b.parameters()):
        torch.testing.assert_close(p, q, rtol=1e-10, atol=1e-12)


def test_activations_without_a_derivative_are_refused_with_the_way_out():
    ens = init_mlp_ensemble(2, 2, 4, "maxout:2", device="cpu")
    assert not backprop.supports(ens)
    with pytest.raises(ValueError, match="autograd"):
        backprop.Workspace.of(ens, 8)
