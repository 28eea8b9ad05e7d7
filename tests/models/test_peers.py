"""The peer networks (written from their papers) against their published sizes and their own docstrings."""

import re

import pytest
import torch

import litemedseg
from litemedseg.models import egeunet as ege_module
from litemedseg.models import unext as unext_module
from litemedseg.models.registry import get_model_entry, size_divisor_of
from litemedseg.utils.stats import count_macs, count_parameters

# name: (published parameters, published G(MAC)s at 3x256x256, tolerance on each)
PUBLISHED = {"unext": (1_470_000, 0.57, 0.03), "unext_s": (250_000, 0.10, 0.03), "egeunet": (53_000, 0.072, 0.03)}


@pytest.mark.parametrize("name", sorted(PUBLISHED))
def test_parameters_and_macs_match_the_published_figures(name):
    params, gmacs, tolerance = PUBLISHED[name]
    model = litemedseg.create_model(name)
    assert abs(count_parameters(model) / params - 1) <= tolerance, count_parameters(model)
    assert abs(count_macs(model, 3, 256, 256) / 1e9 / gmacs - 1) <= 0.05 + tolerance
    assert get_model_entry(name).family == "peer"


@pytest.mark.parametrize(("module", "name"), [(unext_module, "unext"), (unext_module, "unext_s"),
                                              (ege_module, "egeunet")])
def test_docstring_states_the_measured_counts(module, name):
    model = litemedseg.create_model(name)
    text = re.sub(r"\s+", " ", module.__doc__)
    assert f"{count_parameters(model):,} parameters" in text
    assert f"{count_macs(model, 3, 256, 256) / 1e9:.3f} GMACs" in text


@pytest.mark.parametrize("name", sorted(PUBLISHED))
def test_peers_need_sides_divisible_by_32_and_script(name):
    model = litemedseg.create_model(name, num_classes=3).eval()
    assert size_divisor_of(model) == 32
    with pytest.raises(ValueError, match="multiples of 32"):
        model(torch.zeros(1, 3, 48, 64))
    x = torch.randn(2, 3, 64, 64)
    with torch.no_grad():
        assert torch.allclose(torch.jit.script(model)(x), model(x), atol=1e-5)


def test_channel_shift_moves_groups_and_zero_fills():
    x = torch.arange(5 * 4, dtype=torch.float32).view(1, 5, 1, 4) + 1
    shifted = unext_module.shift_channels(x, dim=3)
    assert torch.equal(shifted[0, 2], x[0, 2])  # the middle group stays
    assert torch.equal(shifted[0, 3, 0], torch.tensor([0.0, x[0, 3, 0, 0], x[0, 3, 0, 1], x[0, 3, 0, 2]]))
    assert torch.equal(shifted[0, 0, 0], torch.tensor([x[0, 0, 0, 2], x[0, 0, 0, 3], 0.0, 0.0]))
