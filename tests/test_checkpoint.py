import pytest
import torch

import litemedseg
from litemedseg.checkpoint import dequantize, load_checkpoint, quantize_int8, save_checkpoint, save_state
from litemedseg.errors import WeightsError


def test_round_trip_keeps_weights_and_metadata(tmp_path):
    model = litemedseg.create_model("mininet")
    spec = {"mode": "resize", "size": [64, 64], "scale": 1.0, "in_channels": 3, "mean": [0.5] * 3, "std": [0.25] * 3}
    save_checkpoint(tmp_path / "ck", model, {"input": spec})
    loaded, record = load_checkpoint(tmp_path / "ck")
    assert record.model.name == "mininet" and record.raw["input"] == spec and record.input.to_dict() == spec
    for (k, a), b in zip(model.state_dict().items(), loaded.state_dict().values()):
        assert torch.equal(a, b), k


def test_int8_storage_is_close_and_loads(tmp_path):
    model = litemedseg.create_model("med2dsegnet_s")
    state = model.state_dict()
    packed = quantize_int8(state)
    assert packed["head.weight"].dtype == torch.int8 and "head.weight.int8_scale" in packed
    restored = dequantize(packed)
    assert restored.keys() == state.keys()
    for key, tensor in state.items():
        if tensor.is_floating_point():
            assert (restored[key] - tensor).abs().max() <= tensor.abs().max() / 127 + 1e-7, key
    save_state(tmp_path / "q", packed, {"model": model.model_config.to_dict()})
    loaded, _ = load_checkpoint(tmp_path / "q")
    x = torch.randn(1, 3, 64, 64)
    with torch.no_grad():
        assert (loaded.eval()(x) - model.eval()(x)).abs().max() < 0.05


def test_weights_of_another_model_are_named(tmp_path):
    save_checkpoint(tmp_path / "ck", litemedseg.create_model("mininet"), {})
    with pytest.raises(WeightsError, match="weights are for model 'mininet', not 'unet'"):
        load_checkpoint(tmp_path / "ck", expected_model="unet")


def test_metadata_is_checked_against_the_schema(tmp_path):
    model = litemedseg.create_model("mininet")
    spec = {"mode": "resize", "size": [64, 64], "scale": 1.0, "in_channels": 3, "mean": [0.5] * 3, "std": [0.25] * 3}
    save_checkpoint(tmp_path / "ck", model, {"input": {**spec, "size": "big"}, "class_names": ["bg", "fg"]})
    with pytest.raises(WeightsError, match="malformed metadata field input.size"):
        load_checkpoint(tmp_path / "ck")
    save_checkpoint(tmp_path / "ck2", model, {"input": spec, "class_names": ["bg", "a", "b"]})
    with pytest.raises(WeightsError, match="class_names has 3 names for 1 output classes"):
        load_checkpoint(tmp_path / "ck2")
    save_checkpoint(tmp_path / "ck3", model, {"input": {**spec, "size": [36, 36]}})
    with pytest.raises(WeightsError, match="not a multiple of 8"):
        load_checkpoint(tmp_path / "ck3")
