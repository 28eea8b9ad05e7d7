import pytest
import torch

import litemedseg
from litemedseg.checkpoint import dequantize, load_checkpoint, quantize_int8, save_checkpoint, save_state
from litemedseg.errors import WeightsError


def test_round_trip_keeps_weights_and_metadata(tmp_path):
    model = litemedseg.create_model("mininet")
    save_checkpoint(tmp_path / "ck", model, {"input": {"mode": "resize"}})
    loaded, meta = load_checkpoint(tmp_path / "ck")
    assert meta["model"]["name"] == "mininet" and meta["input"] == {"mode": "resize"}
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
