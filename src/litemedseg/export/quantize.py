"""Reduced-precision ONNX: static INT8 (onnxruntime.quantization, QDQ, calibrated on training images) and FP16
(onnxruntime's float16 converter, float32 inputs and outputs kept)."""

from __future__ import annotations

import os
import tempfile
import warnings
from collections.abc import Iterator, Sequence
from pathlib import Path

import numpy as np

from litemedseg.data.folder import SegmentationFolder
from litemedseg.data.io import read_image
from litemedseg.errors import DataError
from litemedseg.data.spec import SLIDING_WINDOW, InputSpec
from litemedseg.runtime.metadata import INPUT_NAME
from litemedseg.runtime.preprocess import prepare
from litemedseg.runtime.sliding_window import pad_to_window, windows

WINDOWS_PER_IMAGE = 4


def pick_evenly(items: Sequence, count: int) -> list:
    """`count` items spread evenly over `items` (all of them when there are fewer), deterministic."""
    if count >= len(items):
        return list(items)
    return [items[i] for i in np.linspace(0, len(items) - 1, count).round().astype(int)]


def calibration_inputs(
    dataset: SegmentationFolder, info: InputSpec, count: int, split: str = "train"
) -> list[np.ndarray]:
    """Network inputs (1, C, h, w) float32 from `count` images of `split`, preprocessed as for prediction.

    Patch-mode models see what the sliding window feeds them: up to 4 windows per image, spread over it.
    """
    samples = pick_evenly(dataset.subset(split), count)
    if not samples:
        raise DataError(f"{dataset.root}: the {split!r} split is empty; nothing to calibrate INT8 on")
    batches = []
    for sample in samples:
        x, _ = prepare(read_image(sample.image, info.in_channels), info, sample.image)
        if info.mode == "resize":
            batches.append(x[None])
            continue
        padded, _ = pad_to_window(x[None], info.size)
        corners = pick_evenly(windows(padded.shape[-2:], info.size, SLIDING_WINDOW.overlap), WINDOWS_PER_IMAGE)
        batches += [np.ascontiguousarray(padded[:, :, y:y + info.size[0], x0:x0 + info.size[1]]) for y, x0 in corners]
    return batches


def _reader(arrays: Sequence[np.ndarray], input_name: str):
    from onnxruntime.quantization import CalibrationDataReader

    class ArrayReader(CalibrationDataReader):
        def __init__(self) -> None:
            self._items: Iterator[np.ndarray] = iter(arrays)

        def get_next(self) -> dict[str, np.ndarray] | None:
            item = next(self._items, None)
            return None if item is None else {input_name: item}

    return ArrayReader()


def quantize_int8(
    fp32_path: str | os.PathLike,
    output: str | os.PathLike,
    calibration: Sequence[np.ndarray],
    per_channel: bool = True,
    input_name: str = INPUT_NAME,
) -> Path:
    """Static INT8 quantisation in QDQ format (signed activations and weights, per-channel weights),
    calibrated by min/max over `calibration`; the float model is shape-inferred and optimised first, as
    onnxruntime recommends."""
    from onnxruntime.quantization import CalibrationMethod, QuantFormat, QuantType, quantize_static
    from onnxruntime.quantization.shape_inference import quant_pre_process

    if not calibration:
        raise DataError("no calibration images for INT8 quantisation")
    with tempfile.TemporaryDirectory(prefix="litemedseg-int8-") as tmp, warnings.catch_warnings():
        warnings.simplefilter("ignore")
        prepared = Path(tmp) / "prepared.onnx"
        quant_pre_process(str(fp32_path), str(prepared), skip_symbolic_shape=True)
        quantize_static(
            str(prepared),
            str(output),
            _reader(calibration, input_name),
            quant_format=QuantFormat.QDQ,
            per_channel=per_channel,
            activation_type=QuantType.QInt8,
            weight_type=QuantType.QInt8,
            calibrate_method=CalibrationMethod.MinMax,
            extra_options={"CalibTensorRangeSymmetric": False},
        )
    return Path(output)


def convert_fp16(fp32_path: str | os.PathLike, output: str | os.PathLike) -> Path:
    """Float16 weights and compute with float32 inputs and outputs (``keep_io_types``), so callers do not change."""
    import onnx
    from onnxruntime.transformers.float16 import convert_float_to_float16
    from onnxruntime.transformers.onnx_model import OnnxModel

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = convert_float_to_float16(onnx.load(str(fp32_path)), keep_io_types=True)
        wrapped = OnnxModel(model)
        wrapped.topological_sort()  # the converter appends its input/output Casts at the end of the node list
    onnx.save(wrapped.model, str(output))
    return Path(output)
