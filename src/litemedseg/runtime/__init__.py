"""Prediction without PyTorch: exported ONNX models run with numpy, Pillow and onnxruntime only.

This is what ``pip install litemedseg[runtime]`` on an edge box needs; nothing under this package imports torch.
"""

from litemedseg.runtime.files import list_inputs, predict_files
from litemedseg.runtime.metadata import ExportMetadata, InputInfo, sidecar_path
from litemedseg.runtime.onnx_segmenter import OnnxSegmenter

__all__ = ["ExportMetadata", "InputInfo", "OnnxSegmenter", "list_inputs", "predict_files", "sidecar_path"]
