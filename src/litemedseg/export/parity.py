"""Load an exported file back and measure it against the PyTorch model it came from (ONNX and TorchScript alike)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from torch import nn

from litemedseg.checkpoint import CheckpointRecord
from litemedseg.data.cache import CachedSample
from litemedseg.engine.prediction import Segmenter
from litemedseg.export.report import DIFF_IMAGES, ExportReport, Network, compare_on_items, judge, logit_difference, \
    network_inputs
from litemedseg.models.registry import size_divisor_of
from litemedseg.runtime.base import SegmenterBase


@dataclass(frozen=True)
class CheckImages:
    """The decoded images of the accuracy check: `split` of a dataset, scored with `headline`."""

    items: Sequence[CachedSample]
    split: str
    headline: str


@dataclass(frozen=True)
class ExportedFile:
    """An exported file on disk (at `path`, to be published as `published`) and what it was made from."""

    path: Path
    published: Path
    export_format: str
    precision: str
    weights_file: Path


def parity_report(model: nn.Module, record: CheckpointRecord, exported: ExportedFile, *,
                  check: CheckImages | None, calibration: list[np.ndarray] | None, max_dice_drop: float,
                  progress: bool) -> ExportReport:
    """Load `exported` back and compare it with the PyTorch `model`: logits on check images (else on calibration
    inputs, else on random inputs) and, with `check`, the headline score on them; judged against the limits."""
    exported_net, exported_seg = exported_runners(exported, model, record)
    report = ExportReport(exported.export_format, exported.precision, str(exported.published),
                          exported.path.stat().st_size, exported.weights_file.stat().st_size, 0.0, 0.0, "",
                          max_dice_drop=max_dice_drop)
    spec = record.input_spec()
    if check is not None:
        inputs = network_inputs(check.items, spec)
        report.diff_inputs = f"{len(inputs)} {check.split} images at {_shape(inputs[0])}"
        reference = Segmenter(model, spec, record.class_names, device="cpu")
        scores = compare_on_items(reference, exported_seg, check.items, num_classes=reference.num_classes,
                                  class_names=reference.class_names, headline=check.headline, progress=progress)
        report.split, report.num_images, report.headline_metric = check.split, len(check.items), check.headline
        report.dice_torch, report.dice_export = scores["dice_torch"], scores["dice_export"]
        report.dice_drop, report.mask_agreement = scores["dice_drop"], scores["mask_agreement"]
    elif calibration:  # an INT8 model is only meaningful on inputs like those it was calibrated on
        inputs = calibration[:DIFF_IMAGES]
        report.diff_inputs = f"{len(inputs)} calibration inputs at {_shape(inputs[0])}"
    else:
        rng = np.random.default_rng(0)
        inputs = [rng.standard_normal((1, spec.in_channels, *spec.size), dtype=np.float32) for _ in range(2)]
        report.diff_inputs = f"{len(inputs)} random inputs at {_shape(inputs[0])}"
    report.max_abs_diff, report.mean_abs_diff = logit_difference(torch_runner(model), exported_net, inputs)
    return judge(report)


def torch_runner(model: nn.Module) -> Network:
    """The PyTorch model as a numpy-in, numpy-out callable (fp32, CPU)."""
    model = model.eval().float().cpu()

    @torch.no_grad()
    def run(x: np.ndarray) -> np.ndarray:
        return model(torch.from_numpy(x)).numpy()

    return run


class _ScriptedModel(nn.Module):
    """A loaded TorchScript module dressed like a registry model, so the PyTorch ``Segmenter`` can run it."""

    def __init__(self, scripted: torch.jit.ScriptModule, like: nn.Module) -> None:
        super().__init__()
        self.scripted = scripted
        self.model_config = like.model_config
        self.size_divisor = size_divisor_of(like)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.scripted(x)


def exported_runners(exported: ExportedFile, model: nn.Module,
                     record: CheckpointRecord) -> tuple[Network, SegmenterBase]:
    """(raw network callable, segmenter) for the exported file, loaded back from disk."""
    if exported.export_format == "onnx":
        from litemedseg.runtime.onnx_segmenter import OnnxSegmenter

        segmenter = OnnxSegmenter.from_file(exported.path)
        return segmenter.run_network, segmenter
    wrapped = _ScriptedModel(torch.jit.load(str(exported.path), map_location="cpu"), model).eval()
    return torch_runner(wrapped), Segmenter(wrapped, record.input_spec(), record.class_names, device="cpu")


def _shape(x: np.ndarray) -> str:
    return "x".join(str(v) for v in x.shape[1:])
