import math

import pytest
import torch

from varlib.core.activations import ACTIVATIONS, get_activation, maxout_second_moment


@pytest.mark.parametrize("name, gain2", [("relu", 2.0), ("abs", 1.0), ("identity", 1.0),
                                         ("leaky_relu:0.1", 2 / 1.01), ("leaky_relu:0.5", 2 / 1.25),
                                         ("maxout:2", 1.0)])
def test_closed_form_gains(name, gain2):
    assert get_activation(name).gain2 == pytest.approx(gain2, rel=1e-10)


@pytest.mark.parametrize("name", ["relu", "abs", "tanh", "gelu", "elu", "swish", "leaky_relu:0.2", "maxout:3",
                                  "maxout:5"])
def test_gain_preserves_second_moment_monte_carlo(name):
    """g^2 * E[phi(z)^2] = 1 for z ~ N(0,1), estimated from 2M samples (rel. error ~ 1e-3)."""
    act = get_activation(name)
    z = torch.randn(2_000_000 * act.rank, generator=torch.Generator().manual_seed(1), dtype=torch.float64)
    assert act.gain2 * act(z).square().mean().item() == pytest.approx(1.0, rel=6e-3)


def test_maxout_constants_match_spec_and_monte_carlo():
    assert 1 / maxout_second_moment(2) == pytest.approx(1.0, abs=1e-10)
    assert 1 / maxout_second_moment(3) == pytest.approx(2 * math.pi / (2 * math.pi + math.sqrt(3)), rel=1e-8)
    g = torch.Generator().manual_seed(0)
    for k in range(3, 8):
        z = torch.randn(400_000, k, generator=g, dtype=torch.float64).amax(1)
        assert z.square().mean().item() == pytest.approx(maxout_second_moment(k), rel=1e-2)


def test_maxout_reduces_groups_of_rank():
    z = torch.tensor([[1.0, 5.0, -2.0, 0.0, 3.0, 3.5]])
    assert get_activation("maxout:3")(z).tolist() == [[5.0, 3.5]]
    assert get_activation("maxout:2")(z).tolist() == [[5.0, 0.0, 3.5]]


@pytest.mark.parametrize("bad, words", [("maxout:", "must be a number"), ("relu:3", "takes no parameter"),
                                        ("leaky_relu:nan", "finite"), ("maxout:inf", "finite"),
                                        ("abs:", "takes no parameter")])
def test_a_parameter_is_never_dropped_or_defaulted(bad, words):
    with pytest.raises(ValueError, match=words):
        get_activation(bad)


@pytest.mark.parametrize("bad", ["sigmoid", "Relu", "maxout:1", "maxout:2.5", "leaky_relu:x", 3])
def test_bad_names_raise_with_allowed_list(bad):
    with pytest.raises(ValueError) as err:
        get_activation(bad)
    assert "relu" in str(err.value) or "maxout rank" in str(err.value) or "must be a number" in str(err.value)


def test_registry_lists_every_documented_activation():
    assert set(ACTIVATIONS) == {"relu", "abs", "leaky_relu", "tanh", "gelu", "elu", "identity", "swish", "maxout"}


@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
def test_in_place_form_gives_the_same_values(name):
    act = get_activation(name)
    z = torch.randn(50, 6 * act.rank, generator=torch.Generator().manual_seed(2), dtype=torch.float64)
    expected = act(z)
    assert torch.equal(act.apply_(z.clone()), expected)
