"""ONNX export with dynamic batch and spatial axes (opset 17) and an onnxruntime parity check."""

from __future__ import annotations

import os
import warnings
from pathlib import Path

import numpy as np
import torch
from torch import nn

from litemedseg.models.registry import size_divisor_of
from litemedseg.utils.atomic import atomic_path

INPUT_NAME, OUTPUT_NAME = "image", "logits"
DEFAULT_OPSET = 17


def export_onnx(
    model: nn.Module,
    path: str | os.PathLike,
    in_channels: int | None = None,
    sample_size: int = 256,
    opset: int = DEFAULT_OPSET,
) -> Path:
    """Write `model` (in eval mode, fp32, on CPU) to `path` as ONNX with dynamic batch, height and width.

    Uses the TorchScript-based exporter: it is fast, needs no onnxscript, and keeps shape-dependent ops
    (bilinear resize to the skip's size) dynamic. The file appears atomically.
    """
    model = model.eval().float().cpu()
    channels = in_channels or _in_channels(model)
    size = sample_size - sample_size % size_divisor_of(model)
    sample = torch.randn(1, channels, size, size)
    path = Path(path)
    with atomic_path(path) as tmp, warnings.catch_warnings():
        warnings.simplefilter("ignore")  # tracer and exporter deprecation chatter
        torch.onnx.export(
            model,
            (sample,),
            str(tmp),
            dynamo=False,
            opset_version=opset,
            input_names=[INPUT_NAME],
            output_names=[OUTPUT_NAME],
            dynamic_axes={INPUT_NAME: {0: "batch", 2: "height", 3: "width"},
                          OUTPUT_NAME: {0: "batch", 2: "height", 3: "width"}},
        )
    return path


def onnx_session(path: str | os.PathLike, threads: int | None = None):
    """An onnxruntime CPU session for `path` (intra-op threads = `threads` when given)."""
    import onnxruntime as ort

    options = ort.SessionOptions()
    if threads:
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
    return ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])


@torch.no_grad()
def onnx_parity(model: nn.Module, path: str | os.PathLike, inputs: torch.Tensor) -> float:
    """Max absolute difference between PyTorch and onnxruntime logits on `inputs` (fp32, CPU)."""
    model = model.eval().float().cpu()
    expected = model(inputs.float()).numpy()
    got = onnx_session(path).run([OUTPUT_NAME], {INPUT_NAME: inputs.float().numpy()})[0]
    if got.shape != expected.shape:
        raise AssertionError(f"ONNX output shape {got.shape} differs from PyTorch {expected.shape}")
    return float(np.max(np.abs(got - expected)))


def _in_channels(model: nn.Module) -> int:
    config = getattr(model, "model_config", None)
    if config is not None:
        return config.in_channels
    first_conv = next(m for m in model.modules() if isinstance(m, nn.Conv2d))
    return first_conv.in_channels
