"""Prediction with an exported ONNX model using only numpy, Pillow and onnxruntime (no PyTorch).

Same protocol and API as ``litemedseg.Segmenter``: preprocess like training, run the network at the training
resolution (or a Gaussian-blended sliding window in patch mode), resize the logits bilinearly to the original
size, threshold at logit 0 (sigmoid 0.5) or take the arg-max.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np

from litemedseg.data.spec import SLIDING_WINDOW, TTA_FLIPS
from litemedseg.errors import ConfigError, WeightsError
from litemedseg.runtime.base import SegmenterBase
from litemedseg.runtime.metadata import METADATA_KEY, ExportMetadata, parse_metadata, read_sidecar
from litemedseg.runtime.preprocess import prepare
from litemedseg.runtime.resample import resize_bilinear
from litemedseg.runtime.sliding_window import sliding_window_inference
from litemedseg.utils.jsonio import loads_bounded


def create_session(path: str | os.PathLike, threads: int | None = None, device: str = "cpu"):
    """An onnxruntime session for `path`; a file onnxruntime cannot load is a WeightsError naming it."""
    import onnxruntime as ort

    # onnxruntime's own log lines (coloured, several per failure) are not for end users: every failure reaches
    # them as our one-line error instead, so only fatal lines stay
    ort.set_default_logger_severity(4)
    options = ort.SessionOptions()
    options.log_severity_level = 4
    if threads:
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
    providers = ["CPUExecutionProvider"]
    if device not in ("auto", "cpu"):
        if not device.startswith("cuda"):
            raise ConfigError(f"--device {device!r}: the ONNX runtime supports cpu, auto or cuda")
        if "CUDAExecutionProvider" not in ort.get_available_providers():
            raise ConfigError("--device cuda: this onnxruntime build has no CUDA provider "
                              "(pip install onnxruntime-gpu)")
        providers.insert(0, "CUDAExecutionProvider")
    elif device == "auto" and "CUDAExecutionProvider" in ort.get_available_providers():
        providers.insert(0, "CUDAExecutionProvider")
    try:
        return ort.InferenceSession(str(path), options, providers=providers)
    except Exception as err:  # onnxruntime raises its own exception types for unreadable models
        first = str(err).strip().splitlines()[0][:160] if str(err).strip() else type(err).__name__
        raise WeightsError(f"{path}: onnxruntime cannot load this model ({first})") from None


def read_metadata(path: str | os.PathLike, session: Any) -> ExportMetadata:
    """The model's embedded metadata (metadata_props), else the JSON beside it."""
    stored = session.get_modelmeta().custom_metadata_map.get(METADATA_KEY)
    if stored is not None:
        try:
            data = loads_bounded(stored)
        except ValueError:
            raise WeightsError(f"{path}: corrupt litemedseg metadata in the model") from None
    else:
        data = read_sidecar(path)
        if data is None:
            raise WeightsError(f"{path}: no litemedseg metadata in the model and no {Path(path).name}.json beside it "
                               "(export it with `litemedseg export`)")
    return parse_metadata(data, path)


def _check_graph(inputs: list, outputs: list, in_channels: int, num_classes: int, source: str | os.PathLike,
                 size: tuple[int, int] | None = None) -> None:
    """The graph takes one (N, C, H, W) image and returns (N, K, H, W) logits that fit the metadata; fixed
    dimensions that disagree with it (channels, or an input size other than the metadata's `size`) are a
    WeightsError at load (a file edited or exported by something else), not a failure at the first image."""
    if len(inputs) != 1 or not outputs:
        raise WeightsError(f"{source}: the graph has {len(inputs)} inputs and {len(outputs)} outputs; a litemedseg "
                           "export has one image input and one logits output")
    for role, node, expected in (("input", inputs[0], in_channels), ("output", outputs[0], max(1, num_classes))):
        shape = list(node.shape or [])
        if len(shape) != 4:
            raise WeightsError(f"{source}: graph {role} {node.name!r} has shape {shape}, not (N, C, H, W)")
        if isinstance(shape[1], int) and shape[1] != expected:
            raise WeightsError(f"{source}: graph {role} {node.name!r} has {shape[1]} channels but the metadata "
                               f"says {expected}")
        fixed = tuple(shape[2:])
        if role == "input" and size is not None and all(isinstance(side, int) for side in fixed) and \
                fixed != tuple(size):
            raise WeightsError(f"{source}: graph input {node.name!r} is fixed to {fixed[0]}x{fixed[1]} but the "
                               f"metadata says the network takes {size[0]}x{size[1]}; export it again")


class OnnxSegmenter(SegmenterBase):
    """An exported ONNX model plus everything needed to use it on new images, without PyTorch.

    >>> seg = OnnxSegmenter.from_file("model.onnx")          # doctest: +SKIP
    >>> mask = seg.predict(image)  # (H, W) uint8: {0, 1} or class indices   # doctest: +SKIP
    """

    def __init__(self, session: Any, metadata: ExportMetadata, tta: bool = False,
                 source: str | os.PathLike = "model.onnx") -> None:
        self.session = session
        self.metadata = metadata
        self.spec = metadata.input
        self.num_classes = metadata.num_classes
        self.class_names = list(metadata.class_names)
        self.tta = tta
        self.model_name = metadata.model_name
        self.trained_on = metadata.dataset.get("name") if isinstance(metadata.dataset.get("name"), str) else None
        self.training_image_size = self.median_size_of(metadata.dataset.get("image_size"))
        self.source = str(source)
        inputs, outputs = session.get_inputs(), session.get_outputs()
        _check_graph(inputs, outputs, self.spec.in_channels, self.num_classes, source, self.spec.size)
        self._input_name = metadata.input_name if metadata.input_name in {i.name for i in inputs} else inputs[0].name
        self._output_name = outputs[0].name
        if any(side % metadata.size_divisor for side in self.spec.size):
            raise WeightsError(f"{source}: input size {self.spec.size} is not a multiple of {metadata.size_divisor}")

    @classmethod
    def from_file(
        cls, path: str | os.PathLike, threads: int | None = None, tta: bool = False, device: str = "cpu"
    ) -> OnnxSegmenter:
        """Load an ONNX file written by ``litemedseg export`` (metadata inside it or in ``<file>.json``)."""
        path = Path(path).expanduser()
        if path.is_dir():
            raise WeightsError(f"{path}: a folder (a checkpoint?); the ONNX runtime needs an .onnx file from "
                               "`litemedseg export`")
        if not path.is_file():
            raise WeightsError(f"{path}: ONNX model not found")
        if path.suffix.lower() in (".safetensors", ".pt", ".pth", ".bin"):
            raise WeightsError(f"{path}: a PyTorch checkpoint; the ONNX runtime needs an .onnx file from "
                               "`litemedseg export`")
        if path.stat().st_size == 0:
            raise WeightsError(f"{path}: empty file (0 bytes)")
        session = create_session(path, threads, device)
        return cls(session, read_metadata(path, session), tta=tta, source=path)

    def run_network(self, batch: np.ndarray) -> np.ndarray:
        """Raw network logits (N, K, h, w) for a normalised float32 batch (N, C, h, w)."""
        feed = {self._input_name: np.ascontiguousarray(batch, dtype=np.float32)}
        try:
            return np.asarray(self.session.run([self._output_name], feed)[0], dtype=np.float32)
        except Exception as err:  # noqa: BLE001  (onnxruntime's own exception types, e.g. a failed allocation)
            if isinstance(err, (MemoryError, KeyboardInterrupt)):
                raise
            first = str(err).strip().splitlines()[0][:160] if str(err).strip() else type(err).__name__
            why = "out of memory" if "alloc" in first.lower() else "the model failed"
            raise WeightsError(f"{self.source}: {why} on a batch of {tuple(batch.shape)} ({first})") from None

    def _forward(self, batch: np.ndarray) -> np.ndarray:
        if self.spec.mode == "patch":
            def run(x: np.ndarray) -> np.ndarray:
                return sliding_window_inference(x, self.spec.size, self.run_network, SLIDING_WINDOW.overlap,
                                                SLIDING_WINDOW.sw_batch_size, SLIDING_WINDOW.sigma_scale)
        else:
            run = self.run_network
        if not self.tta:
            return run(batch)
        flipped = [np.flip(run(np.ascontiguousarray(np.flip(batch, f))), f) if f else run(batch) for f in TTA_FLIPS]
        return np.mean(np.stack(flipped), axis=0)

    def _prepare(self, image: np.ndarray, source: str | os.PathLike) -> tuple[np.ndarray, tuple[int, int]]:
        return prepare(image, self.spec, source)

    def _flush(self, pending: list[tuple[np.ndarray, tuple[int, int]]]) -> Iterator[np.ndarray]:
        logits = self._forward(np.stack([x for x, _ in pending]))
        for row, (_, original) in zip(logits, pending):
            yield resize_bilinear(row, original)

    def probabilities(self, logits: np.ndarray) -> np.ndarray:
        """Foreground probability (H, W) for binary models, class probabilities (C, H, W) otherwise."""
        logits = np.asarray(logits, np.float32)
        if self.num_classes == 1:
            return (0.5 * (1.0 + np.tanh(0.5 * logits[0]))).astype(np.float32)  # sigmoid without overflow
        shifted = np.exp(logits - logits.max(axis=0, keepdims=True))
        return (shifted / shifted.sum(axis=0, keepdims=True)).astype(np.float32)

    def mask_from_logits(self, logits: np.ndarray) -> np.ndarray:
        """(H, W) uint8: logit > 0 (sigmoid > 0.5) for binary, arg-max class otherwise."""
        if self.num_classes == 1:
            return (np.asarray(logits)[0] > 0).astype(np.uint8)
        return np.asarray(logits).argmax(0).astype(np.uint8)
