import numpy as np
import pytest
import torch

import litemedseg
from litemedseg.export import export_onnx, export_torchscript, onnx_parity


@pytest.mark.parametrize("name", litemedseg.list_models())
def test_onnx_parity_with_dynamic_batch_and_size(name, tmp_path):
    torch.manual_seed(0)
    model = litemedseg.create_model(name).eval()
    path = export_onnx(model, tmp_path / f"{name}.onnx", sample_size=64)
    # exported at 1x3x64x64, run at another batch and spatial size: the axes are dynamic
    diff = onnx_parity(model, path, torch.randn(2, 3, 96, 128))
    assert diff < 1e-4, diff


def test_onnx_multiclass_single_channel(tmp_path):
    model = litemedseg.create_model("mininet", in_channels=1, num_classes=3).eval()
    path = export_onnx(model, tmp_path / "m.onnx", sample_size=32)
    assert onnx_parity(model, path, torch.randn(1, 1, 48, 64)) < 1e-4


def test_torchscript_file_round_trip(tmp_path):
    model = litemedseg.create_model("med2dsegnet_s").eval()
    path = export_torchscript(model, tmp_path / "m.pt")
    loaded = torch.jit.load(str(path))
    x = torch.randn(1, 3, 32, 48)
    with torch.no_grad():
        np.testing.assert_allclose(loaded(x).numpy(), model(x).numpy(), atol=1e-5)
