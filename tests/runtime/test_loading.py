"""load_segmenter: one way from --weights to a segmenter, so predict, serve and explain accept the same things."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pytest
from click.testing import CliRunner

from litemedseg.cli.main import main
from litemedseg.errors import ConfigError, WeightsError
from litemedseg.runtime import OnnxSegmenter, load_segmenter
from litemedseg.runtime.loading import pick_runtime, source_checkpoint


def test_the_runtime_follows_the_file_unless_asked():
    assert pick_runtime("runs/x/best") == "torch"
    assert pick_runtime("model.ONNX") == "onnx"
    assert pick_runtime("runs/x/best", "onnx") == "onnx"
    with pytest.raises(ConfigError, match="runs with --runtime onnx"):
        pick_runtime("model.onnx", "torch")
    with pytest.raises(ConfigError, match="unknown runtime"):
        pick_runtime("model.onnx", "tflite")


def test_a_checkpoint_and_its_export_give_the_same_masks(demo_checkpoint, demo_onnx):
    from litemedseg.data import open_dataset, read_image

    torch_seg = load_segmenter(demo_checkpoint, precision="fp32", device="cpu")
    onnx_seg = load_segmenter(demo_onnx)
    assert isinstance(onnx_seg, OnnxSegmenter) and type(torch_seg).__name__ == "Segmenter"
    assert torch_seg.model_name == onnx_seg.model_name == "mininet"
    assert torch_seg.trained_on == onnx_seg.trained_on == "DSB2018-mini"
    image = read_image(open_dataset("demo").subset("test")[0].image)
    agree = np.mean(torch_seg.predict(image) == onnx_seg.predict(image))
    assert agree >= 0.999


def test_explain_uses_the_checkpoint_an_onnx_file_came_from(demo_checkpoint, demo_onnx, tmp_path):
    assert source_checkpoint(demo_onnx, "Grad-CAM needs gradients") == str(demo_checkpoint / "model.safetensors")
    from litemedseg.data import open_dataset

    sample = open_dataset("demo").subset("test")[0].image
    result = CliRunner().invoke(main, ["explain", "--weights", str(demo_onnx), "--input", str(sample),
                                       "--output", str(tmp_path / "cam"), "--no-progress"])
    assert result.exit_code == 0, result.output
    assert "the checkpoint" in result.stderr and json.loads((tmp_path / "cam" / "explain.json").read_text())["model"]


def test_an_onnx_file_without_its_checkpoint_cannot_be_explained(demo_onnx, tmp_path):
    alone = tmp_path / "alone.onnx"
    shutil.copy(demo_onnx, alone)
    side = json.loads(demo_onnx.with_name(demo_onnx.name + ".json").read_text())
    side["source"]["weights"] = str(tmp_path / "gone")
    side.pop("file_sha256")
    alone.with_name("alone.onnx.json").write_text(json.dumps(side))
    with pytest.raises(WeightsError, match="Grad-CAM needs gradients, and the checkpoint this file was exported "
                                           r"from \(.*gone\) is not on this machine"):
        source_checkpoint(alone, "Grad-CAM needs gradients")


def test_serve_takes_an_onnx_file(demo_onnx):
    from litemedseg.serve import make_server

    server = make_server(load_segmenter(demo_onnx), "127.0.0.1", 0, 1 << 20, log=lambda line: None)
    try:
        assert server.info()["model"] == "mininet" and server.info()["dataset"] == "DSB2018-mini"
    finally:
        server.server_close()
