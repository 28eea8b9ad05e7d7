"""Shape, size-rule, parameter-count and TorchScript checks for every registered network."""

import re
from pathlib import Path

import pytest
import torch

import litemedseg
from litemedseg.models import med2dsegnet as med_module
from litemedseg.models import mininet as mini_module
from litemedseg.models.registry import get_model_entry, size_divisor_of
from litemedseg.utils.stats import count_macs, count_parameters

OURS = ["med2dsegnet", "med2dsegnet_s", "med2dsegnet_l", "mininet", "mininet_half"]
DOCS = Path(__file__).resolve().parents[2] / "docs" / "models.md"


@pytest.mark.parametrize("name", litemedseg.list_models())
@pytest.mark.parametrize("in_channels,num_classes", [(3, 1), (1, 4)])
def test_forward_returns_logits_of_input_size(name, in_channels, num_classes):
    model = litemedseg.create_model(name, in_channels=in_channels, num_classes=num_classes).eval()
    with torch.no_grad():
        out = model(torch.randn(2, in_channels, 64, 96))
    assert out.shape == (2, num_classes, 64, 96)
    assert torch.isfinite(out).all()


@pytest.mark.parametrize("name", OURS)
def test_sides_must_follow_the_size_rule(name):
    model = litemedseg.create_model(name).eval()
    divisor = size_divisor_of(model)
    with pytest.raises(ValueError, match=f"multiples of {divisor}"):
        model(torch.zeros(1, 3, 64 + divisor // 2, 64))


@pytest.mark.parametrize("name,target", [("med2dsegnet", 2_070_000), ("mininet", 37_700)])
def test_default_parameter_count_within_3_percent_of_design(name, target):
    params = count_parameters(litemedseg.create_model(name))
    assert abs(params / target - 1) <= 0.03, params
    assert get_model_entry(name).paper_params == target


def test_mininet_has_fewer_than_38000_parameters():
    """The design document's own words: "fewer than 38,000 parameters"."""
    assert count_parameters(litemedseg.create_model("mininet")) < 38_000


@pytest.mark.parametrize("module,name", [(med_module, "med2dsegnet"), (mini_module, "mininet")])
def test_documented_counts_match_measured(module, name):
    """The exact parameter count and MACs in the docstring and docs/models.md are what the code gives."""
    model = litemedseg.create_model(name)
    params, macs = count_parameters(model), count_macs(model, 3, 256, 256)
    stated = f"{params:,} parameters, {macs / 1e9:.3f} GMACs at 3x256x256"
    assert stated in re.sub(r"\s+", " ", module.__doc__), stated
    row = next(line for line in DOCS.read_text().splitlines() if line.startswith(f"| {name} |"))
    assert f"{params:,}" in row and f"{macs / 1e9:.3f}" in row, row


@pytest.mark.parametrize("name", OURS)
def test_torchscript_script_matches_eager(name):
    model = litemedseg.create_model(name, num_classes=2).eval()
    scripted = torch.jit.script(model)
    x = torch.randn(1, 3, 64, 64)
    with torch.no_grad():
        assert torch.allclose(scripted(x), model(x), atol=1e-5)


@pytest.mark.parametrize("name", OURS)
def test_group_norm_variant_trains_on_batch_one(name):
    model = litemedseg.create_model(name, norm="group").train()
    loss = model(torch.randn(1, 3, 32, 32)).mean()
    loss.backward()
    assert all(p.grad is not None for p in model.parameters() if p.requires_grad)
