import pytest
import torch

import litemedseg
from litemedseg.errors import UnknownModelError
from litemedseg.models import ModelConfig, get_model_entry, list_models, model_config_of


def test_list_models_has_both_networks_and_baselines():
    names = litemedseg.list_models()
    for expected in ("med2dsegnet", "med2dsegnet_s", "med2dsegnet_l", "mininet", "mininet_half", "unet", "basicunet"):
        assert expected in names
    assert list_models("mini*") == ["mininet", "mininet_half", "mininet_lite"]
    assert list_models(family="baseline") == ["basicunet", "unet", "unet_tiny"]


def test_unknown_model_suggests_close_names():
    with pytest.raises(UnknownModelError, match="did you mean mininet"):
        litemedseg.create_model("minient")


def test_created_model_remembers_its_config():
    model = litemedseg.create_model("mininet", in_channels=1, num_classes=4, widths=(8, 16, 16, 24))
    config = model_config_of(model)
    assert (config.name, config.in_channels, config.num_classes) == ("mininet", 1, 4)
    assert config.kwargs["widths"] == (8, 16, 16, 24)
    assert model(torch.zeros(1, 1, 32, 32)).shape == (1, 4, 32, 32)


@pytest.mark.parametrize("name", ["mininet", "mininet_half", "med2dsegnet", "med2dsegnet_s", "med2dsegnet_l"])
def test_config_holds_every_architecture_argument_so_a_default_change_cannot_alter_a_checkpoint(name, monkeypatch):
    from litemedseg.models.med2dsegnet import Med2DSegNet
    from litemedseg.models.mininet import MiniNet
    from litemedseg.models.registry import build_model

    model = litemedseg.create_model(name)
    saved = model_config_of(model).to_dict()
    # a later release changes the defaults (widths, and Mini-Net's stem stride): the saved config still
    # rebuilds the same network, because it names every architecture argument
    mini = list(MiniNet.__init__.__defaults__)
    mini[2], mini[3] = (8, 8, 8, 8), 3 - mini[3]
    med = list(Med2DSegNet.__init__.__defaults__)
    med[2] = (8, 8, 8, 8)
    monkeypatch.setattr(MiniNet.__init__, "__defaults__", tuple(mini))
    monkeypatch.setattr(Med2DSegNet.__init__, "__defaults__", tuple(med))
    rebuilt = build_model(ModelConfig(saved["name"], saved["in_channels"], saved["num_classes"], saved["kwargs"]))
    assert [p.shape for p in rebuilt.state_dict().values()] == [p.shape for p in model.state_dict().values()]
    assert rebuilt.size_divisor == model.size_divisor


def test_retired_name_mininet_hr_loads_as_full_resolution_mininet():
    from litemedseg.models.registry import build_model

    model = build_model(ModelConfig("mininet_hr"))
    assert model_config_of(model).name == "mininet" and model_config_of(model).kwargs["stem_stride"] == 1
    assert "mininet_hr" not in list_models()
    with pytest.raises(UnknownModelError, match="retired: its checkpoints load as 'mininet'"):
        get_model_entry("mininet_hr")


def test_bad_channel_counts_are_rejected():
    with pytest.raises(ValueError, match=">= 1"):
        litemedseg.create_model("med2dsegnet", in_channels=0)


def test_entry_description_is_docstring_first_line():
    assert get_model_entry("unet").description.startswith("MONAI UNet")


def test_every_model_declares_a_contract_that_holds():
    """Loss and Grad-CAM layer are declared at registration; what is declared exists."""
    import litemedseg
    from litemedseg.losses import default_loss_name, list_losses
    from litemedseg.models import get_model_entry

    for name in litemedseg.list_models():
        entry = get_model_entry(name)
        assert entry.default_loss in list_losses() and default_loss_name(name, 1) == entry.default_loss
        assert default_loss_name(name, 3) == "dice_ce"
        if entry.gradcam_layer is not None:
            assert entry.gradcam_layer in dict(litemedseg.create_model(name).named_modules()), name
    assert get_model_entry("mininet").default_loss == "dice_jaccard_bce"
    assert get_model_entry("unet").gradcam_layer == "model.1.submodule"


def test_mininet_lite_keeps_a_full_resolution_output_under_38000_parameters():
    import torch

    model = litemedseg.create_model("mininet_lite")
    assert sum(p.numel() for p in model.parameters()) < 38_000
    assert model(torch.zeros(1, 3, 64, 48)).shape == (1, 1, 64, 48)
    assert model.full_stem is not None and model.refine is not None  # the full-resolution stage
    with pytest.raises(ValueError, match="full_res_width adds a full-resolution last stage"):
        litemedseg.create_model("mininet", full_res_width=8)
