"""Prediction without PyTorch: exported ONNX models run with numpy, Pillow and onnxruntime only.

This is what ``pip install litemedseg[runtime]`` on an edge box needs; nothing under this package imports torch
(``load_segmenter`` imports it only for a PyTorch checkpoint).
"""

from litemedseg.data.spec import InputSpec
from litemedseg.runtime.files import list_inputs, predict_files
from litemedseg.runtime.loading import load_segmenter
from litemedseg.runtime.metadata import ExportMetadata, sidecar_path
from litemedseg.runtime.onnx_segmenter import OnnxSegmenter

__all__ = ["ExportMetadata", "InputSpec", "OnnxSegmenter", "list_inputs", "load_segmenter", "predict_files",
           "sidecar_path"]
