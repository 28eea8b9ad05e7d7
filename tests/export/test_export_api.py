"""`export_model`: files, metadata, dynamic axes and the parity/accuracy report for each format."""

import json

import numpy as np
import pytest
import torch

from litemedseg.errors import ConfigError, DataError, WeightsError
from litemedseg.export import ExportReport, export_model
from litemedseg.export.metadata import TORCHSCRIPT_EXTRA_FILE, read_onnx_metadata
from litemedseg.export.report import judge
from litemedseg.runtime import OnnxSegmenter, sidecar_path
from tests.export.conftest import untrained_checkpoint

METADATA_KEYS = {"format", "model", "input", "in_channels", "num_classes", "class_names", "size_divisor",
                 "size_rule", "protocol", "source", "export"}


def test_onnx_fp32_round_trip_with_metadata(demo_checkpoint, demo_onnx):
    side = json.loads(sidecar_path(demo_onnx).read_text())
    embedded = read_onnx_metadata(demo_onnx)
    assert METADATA_KEYS <= set(embedded)
    assert embedded == {k: v for k, v in side.items() if k not in ("report", "file_sha256")}
    from litemedseg.utils.hashing import file_sha256 as sha

    assert side["file_sha256"] == sha(demo_onnx)  # the sidecar names the file it describes
    assert embedded["model"]["name"] == "mininet" and embedded["size_divisor"] == 8
    assert embedded["input"]["mode"] == "resize" and embedded["input"]["size"] == [64, 64]
    assert len(embedded["input"]["mean"]) == 3 and embedded["class_names"] == ["background", "foreground"]
    assert embedded["export"]["opset"] == 17 and embedded["export"]["precision"] == "fp32"
    from litemedseg.checkpoint import file_sha256

    assert embedded["source"]["weights_sha256"] == file_sha256(demo_checkpoint / "model.safetensors")
    report = side["report"]
    assert report["ok"] and report["max_abs_diff"] < 1e-4 and report["num_images"] == 10
    assert report["dice_drop"] == pytest.approx(0, abs=1e-3) and report["mask_agreement"] > 0.999
    # dynamic batch and spatial axes
    from litemedseg.checkpoint import load_checkpoint

    model, _ = load_checkpoint(demo_checkpoint)
    x = np.random.default_rng(0).normal(size=(3, 3, 48, 80)).astype(np.float32)
    got = OnnxSegmenter.from_file(demo_onnx).run_network(x)
    with torch.no_grad():
        np.testing.assert_allclose(got, model(torch.from_numpy(x)).numpy(), atol=1e-4)


def test_torchscript_round_trip_with_metadata(demo_checkpoint, tmp_path):
    result = export_model(demo_checkpoint, "torchscript", tmp_path / "ts")  # a folder: default name inside
    assert result.path == tmp_path / "ts" / "model.torchscript.pt" and result.metadata_path.is_file()
    assert result.report.ok and result.report.max_abs_diff < 1e-5 and result.report.dice_drop == pytest.approx(0)
    extra = {TORCHSCRIPT_EXTRA_FILE: ""}
    loaded = torch.jit.load(str(result.path), _extra_files=extra)
    assert json.loads(extra[TORCHSCRIPT_EXTRA_FILE])["export"]["format"] == "torchscript"
    assert loaded(torch.zeros(1, 3, 32, 32)).shape == (1, 1, 32, 32)


def test_our_torchscript_export_is_refused_by_name_pointing_at_its_checkpoint(demo_checkpoint, tmp_path):
    import subprocess
    import sys

    from litemedseg.engine.prediction import Segmenter

    path = export_model(demo_checkpoint, "torchscript", tmp_path / "ts").path
    with pytest.raises(WeightsError, match=r"a TorchScript export .*use the checkpoint it was exported from \(.*"
                                           r"model\.safetensors\) or an ONNX export"):
        Segmenter.from_weights(path)
    (tmp_path / "in").mkdir()
    from PIL import Image

    Image.fromarray(np.zeros((32, 32, 3), np.uint8)).save(tmp_path / "in" / "a.png")
    done = subprocess.run([sys.executable, "-m", "litemedseg", "predict", "--weights", str(path), "--input",
                           str(tmp_path / "in"), "--output", str(tmp_path / "out")], capture_output=True, text=True)
    assert done.returncode == 1 and done.stderr.count("\n") == 1 and "TorchScript export" in done.stderr
    assert not (tmp_path / "out").exists()


@pytest.fixture(scope="module")
def reduced(demo_checkpoint, tmp_path_factory):
    out = tmp_path_factory.mktemp("reduced")
    return {"int8": export_model(demo_checkpoint, "onnx", out, int8=True, calibration_images=8),
            "fp16": export_model(demo_checkpoint, "onnx", out, fp16=True)}


def test_int8_export_is_quantised_calibrated_and_close(reduced, demo_onnx):
    result = reduced["int8"]
    assert result.path.name == "model.int8.onnx" and result.precision == "int8"
    import onnx

    ops = {node.op_type for node in onnx.load(str(result.path)).graph.node}
    assert {"QuantizeLinear", "DequantizeLinear"} <= ops
    calibration = result.metadata["export"]["calibration"]
    assert calibration["dataset"] == "DSB2018-mini" and calibration["images"] == 8
    report = result.report
    fp32 = json.loads(sidecar_path(demo_onnx).read_text())["report"]
    # quantisation changes logits (more than fp32's 1e-4) but not the segmentation much
    assert 1e-4 < report.max_abs_diff < 1.0
    assert abs(report.dice_export - fp32["dice_export"]) < 0.1 and report.mask_agreement > 0.9
    assert report.ok == (report.dice_drop <= 0.02)
    # the runtime reads it like any other export, dynamic axes included
    seg = OnnxSegmenter.from_file(result.path)
    assert seg.run_network(np.zeros((2, 3, 48, 32), np.float32)).shape == (2, 1, 48, 32)


def test_fp16_export_keeps_float32_io_and_accuracy(reduced):
    result = reduced["fp16"]
    import onnx

    model = onnx.load(str(result.path))
    assert model.graph.input[0].type.tensor_type.elem_type == onnx.TensorProto.FLOAT
    assert model.graph.output[0].type.tensor_type.elem_type == onnx.TensorProto.FLOAT
    assert any(t.data_type == onnx.TensorProto.FLOAT16 for t in model.graph.initializer)
    report = result.report
    assert report.ok and 0 < report.max_abs_diff < 0.05 and abs(report.dice_drop) < 0.02
    assert report.size_bytes < json.loads(sidecar_path(result.path).read_text())["report"]["source_size_bytes"]


def test_judge_flags_broken_exports():
    report = ExportReport("onnx", "int8", "m.onnx", 1, 1, 0.3, 0.01, "", dice_drop=0.05, headline_metric="dice")
    assert [f for f in judge(report).failures if "drops by 0.0500" in f] and not report.ok
    report = ExportReport("onnx", "fp32", "m.onnx", 1, 1, 0.01, 0.001, "", dice_drop=0.0)
    assert "fp32 logits differ" in judge(report).failures[0]
    assert judge(ExportReport("onnx", "fp16", "m.onnx", 1, 1, 0.01, 0.001, "", dice_drop=0.01)).ok


def test_bad_requests_are_user_errors(demo_checkpoint, demo_onnx, tmp_path):
    with pytest.raises(ConfigError, match="unknown export format 'tflite'"):
        export_model(demo_checkpoint, "tflite")
    with pytest.raises(ConfigError, match="--int8 is for --format onnx only"):
        export_model(demo_checkpoint, "torchscript", int8=True)
    with pytest.raises(ConfigError, match="exclude each other"):
        export_model(demo_checkpoint, "onnx", int8=True, fp16=True)
    with pytest.raises(WeightsError, match="already exported"):
        export_model(demo_onnx)
    with pytest.raises(ConfigError, match="refusing"):
        export_model(demo_checkpoint, "onnx", demo_checkpoint / "model.safetensors")
    # a checkpoint whose dataset is elsewhere: INT8 and the check need --data, a plain export does not
    ckpt = untrained_checkpoint(tmp_path / "ckpt")
    with pytest.raises(DataError, match="not on this machine; pass --data"):
        export_model(ckpt, "onnx", tmp_path / "m.onnx", int8=True)
    assert export_model(ckpt, "onnx", tmp_path / "m.onnx", check=False).report.ok
