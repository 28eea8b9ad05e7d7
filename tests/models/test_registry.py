import pytest
import torch

import litemedseg
from litemedseg.errors import UnknownModelError
from litemedseg.models import ModelConfig, get_model_entry, list_models, model_config_of


def test_list_models_has_both_networks_and_baselines():
    names = litemedseg.list_models()
    for expected in ("med2dsegnet", "med2dsegnet_s", "med2dsegnet_l", "mininet", "mininet_hr", "unet", "basicunet"):
        assert expected in names
    assert list_models("mini*") == ["mininet", "mininet_hr"]
    assert list_models(family="baseline") == ["basicunet", "unet"]


def test_unknown_model_suggests_close_names():
    with pytest.raises(UnknownModelError, match="did you mean mininet"):
        litemedseg.create_model("minient")


def test_created_model_remembers_its_config():
    model = litemedseg.create_model("mininet", in_channels=1, num_classes=4, widths=(8, 16, 16, 24))
    config = model_config_of(model)
    assert config == ModelConfig("mininet", 1, 4, {"widths": (8, 16, 16, 24)})
    assert model(torch.zeros(1, 1, 32, 32)).shape == (1, 4, 32, 32)


def test_bad_channel_counts_are_rejected():
    with pytest.raises(ValueError, match=">= 1"):
        litemedseg.create_model("med2dsegnet", in_channels=0)


def test_entry_description_is_docstring_first_line():
    assert get_model_entry("unet").description.startswith("MONAI UNet")
