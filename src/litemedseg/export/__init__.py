"""Export trained models to ONNX (fp32, INT8, FP16) and TorchScript, with metadata and parity checks."""

from litemedseg.export.api import ExportResult, export_model
from litemedseg.export.onnx import export_onnx, onnx_parity
from litemedseg.export.report import ExportCheckError, ExportReport
from litemedseg.export.torchscript import export_torchscript

__all__ = ["ExportCheckError", "ExportReport", "ExportResult", "export_model", "export_onnx", "export_torchscript",
           "onnx_parity"]
