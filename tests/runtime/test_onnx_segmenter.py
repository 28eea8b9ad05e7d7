"""The ONNX Runtime predictor against the PyTorch one: same masks, same logits (within float32 rounding)."""

import json

import numpy as np
import pytest

from litemedseg.data import open_dataset, read_image
from litemedseg.errors import WeightsError
from litemedseg.runtime import OnnxSegmenter, sidecar_path
from tests.export.conftest import untrained_checkpoint


def _agreement(torch_seg, onnx_seg, images):
    agree = total = 0
    worst = 0.0
    for image in images:
        expected = torch_seg.predict_logits(image)
        got = onnx_seg.predict_logits(image)
        assert got.shape == tuple(expected.shape) and got.dtype == np.float32
        worst = max(worst, float(np.abs(got - expected.numpy()).max()))
        agree += int((torch_seg.mask_from_logits(expected) == onnx_seg.mask_from_logits(got)).sum())
        total += image.shape[0] * image.shape[1]
    return agree / total, worst


def test_masks_and_logits_match_pytorch_on_demo_test_images(demo_checkpoint, demo_onnx):
    from litemedseg.engine.prediction import Segmenter

    # fp32: the run's plan may have chosen bf16 autocast on this CPU, and the ONNX export is fp32
    torch_seg = Segmenter.from_weights(demo_checkpoint, device="cpu", precision="fp32")
    onnx_seg = OnnxSegmenter.from_file(demo_onnx)
    assert onnx_seg.num_classes == 1 and onnx_seg.class_names == ["background", "foreground"]
    assert onnx_seg.spec.size == (64, 64) and onnx_seg.in_channels == 3
    images = [read_image(s.image) for s in open_dataset("demo").subset("test")]
    agreement, worst = _agreement(torch_seg, onnx_seg, images)
    assert agreement >= 0.999, agreement
    assert worst < 1e-3, worst
    np.testing.assert_array_equal(onnx_seg.predict(images[0]), onnx_seg.mask_from_logits(
        onnx_seg.predict_logits(images[0])))
    prob = onnx_seg.predict_proba(images[0])
    np.testing.assert_allclose(prob, torch_seg.predict_proba(images[0]), atol=1e-4)
    # batched and one-by-one prediction agree
    many = list(onnx_seg.predict_logits_many(((im, "x") for im in images[:5]), batch_size=4))
    for image, logits in zip(images[:5], many):
        np.testing.assert_allclose(logits, onnx_seg.predict_logits(image), atol=1e-5)


def test_flip_tta_matches_pytorch(demo_checkpoint, demo_onnx):
    from litemedseg.engine.prediction import Segmenter

    images = [read_image(s.image) for s in open_dataset("demo").subset("test")[:2]]
    agreement, worst = _agreement(Segmenter.from_weights(demo_checkpoint, device="cpu", tta=True, precision="fp32"),
                                  OnnxSegmenter.from_file(demo_onnx, tta=True), images)
    assert agreement >= 0.999 and worst < 1e-3, (agreement, worst)


def test_a_bf16_plan_runs_bf16_unless_fp32_is_asked_for(monkeypatch, demo_checkpoint, demo_onnx):
    """Whether a run's measured plan picks bf16 depends on the CPU and its load; both outcomes are pinned here."""
    import litemedseg.engine.acceleration as acc
    from litemedseg.checkpoint import load_checkpoint
    from litemedseg.engine.acceleration import ExecutionPlan
    from litemedseg.engine.prediction import Segmenter

    monkeypatch.setattr(acc, "bf16_supported", lambda device: True)  # CPU autocast runs (slowly) without the ISA
    images = [read_image(s.image) for s in open_dataset("demo").subset("test")[:4]]
    onnx_seg = OnnxSegmenter.from_file(demo_onnx)
    results = {}
    for precision in ("auto", "fp32"):
        model, record = load_checkpoint(demo_checkpoint)
        seg = Segmenter(model, record.input_spec(), device="cpu", plan=ExecutionPlan(False, "bf16"),
                        precision=precision)
        results[precision] = (seg.plan.amp, *_agreement(seg, onnx_seg, images))
    assert results["fp32"][0] is None and results["fp32"][1] >= 0.999 and results["fp32"][2] < 1e-3, results
    # bf16 rounds logits near 0 the other way on a few pixels: close to the export, not equal to it
    assert results["auto"][0] == "bf16" and results["auto"][1] >= 0.99 and results["auto"][2] > 1e-3, results


def test_patch_mode_multiclass_grey_matches_pytorch(tmp_path):
    from litemedseg.engine.prediction import Segmenter
    from litemedseg.export import export_model

    ckpt = untrained_checkpoint(tmp_path / "ckpt", in_channels=1, num_classes=3, mode="patch", size=(32, 48),
                                scale=0.75)
    result = export_model(ckpt, "onnx", tmp_path / "patch.onnx", check=False)
    assert not result.report.failures and result.report.dice_torch is None
    torch_seg = Segmenter.from_weights(ckpt, device="cpu")
    onnx_seg = OnnxSegmenter.from_file(result.path)
    rng = np.random.default_rng(0)
    images = [rng.integers(0, 256, shape, dtype=np.uint8) for shape in [(70, 90), (30, 40), (64, 50)]]
    images[0] = np.repeat(images[0][..., None], 3, axis=-1)  # grey stored as RGB is taken as grey
    agreement, worst = _agreement(torch_seg, onnx_seg, images)
    assert agreement >= 0.999 and worst < 1e-3, (agreement, worst)
    probs = onnx_seg.predict_proba(images[0])
    assert probs.shape == (3, 70, 90)
    np.testing.assert_allclose(probs.sum(0), 1.0, atol=1e-5)


def test_metadata_falls_back_to_the_json_beside_the_file(tmp_path, demo_onnx):
    import onnx

    from litemedseg.runtime.metadata import METADATA_KEY

    model = onnx.load(str(demo_onnx))
    kept = [p for p in model.metadata_props if p.key != METADATA_KEY]
    del model.metadata_props[:]
    model.metadata_props.extend(kept)
    bare = tmp_path / "bare.onnx"
    onnx.save(model, str(bare))
    with pytest.raises(WeightsError, match="no litemedseg metadata"):
        OnnxSegmenter.from_file(bare)
    side = json.loads(sidecar_path(demo_onnx).read_text())
    sidecar_path(bare).write_text(json.dumps(side))
    with pytest.raises(WeightsError, match="describes another file"):  # it names demo_onnx, not bare
        OnnxSegmenter.from_file(bare)
    del side["file_sha256"]  # as an export before file hashes wrote it
    sidecar_path(bare).write_text(json.dumps(side))
    assert OnnxSegmenter.from_file(bare).spec.size == (64, 64)
    sidecar_path(bare).write_text(json.dumps({"format": "something-else"}))
    with pytest.raises(WeightsError, match="not litemedseg export metadata"):
        OnnxSegmenter.from_file(bare)


def test_unusable_files_are_weights_errors(tmp_path, demo_checkpoint):
    garbage = tmp_path / "garbage.onnx"
    garbage.write_bytes(b"not a protobuf at all")
    with pytest.raises(WeightsError, match="garbage.onnx: onnxruntime cannot load"):
        OnnxSegmenter.from_file(garbage)
    with pytest.raises(WeightsError, match="not found"):
        OnnxSegmenter.from_file(tmp_path / "missing.onnx")
    with pytest.raises(WeightsError, match="a folder"):
        OnnxSegmenter.from_file(demo_checkpoint)
    with pytest.raises(WeightsError, match="PyTorch checkpoint"):
        OnnxSegmenter.from_file(demo_checkpoint / "model.safetensors")


def test_a_fixed_input_size_other_than_the_metadata_is_refused_at_load(tmp_path, demo_onnx):
    import onnx

    model = onnx.load(str(demo_onnx))
    dims = model.graph.input[0].type.tensor_type.shape.dim
    for dim, side in zip(dims, (1, 3, 96, 96)):
        dim.ClearField("dim_param")
        dim.dim_value = side
    fixed = tmp_path / "fixed.onnx"
    onnx.save(model, str(fixed))  # the metadata inside still says 64x64
    with pytest.raises(WeightsError, match=r"fixed.onnx: graph input .* is fixed to 96x96 but the metadata says "
                                           r"the network takes 64x64"):
        OnnxSegmenter.from_file(fixed)


def test_a_failure_inside_onnxruntime_is_one_line_naming_the_file(demo_onnx, monkeypatch):
    segmenter = OnnxSegmenter.from_file(demo_onnx)

    class Failing:
        def run(self, *args, **kwargs):
            raise RuntimeError("[ONNXRuntimeError] : 6 : RUNTIME_EXCEPTION : Failed to allocate memory for "
                               "requested buffer of size 42949672960\nmore lines")

    monkeypatch.setattr(segmenter, "session", Failing())
    with pytest.raises(WeightsError, match=r"demo.*onnx: out of memory on a batch of \(1, 3, 64, 64\) "
                                           r"\(\[ONNXRuntimeError\].*42949672960\)$"):
        segmenter.run_network(np.zeros((1, 3, 64, 64), np.float32))
