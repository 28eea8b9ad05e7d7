"""Export trained models to ONNX and TorchScript, with parity checks against PyTorch."""

from litemedseg.export.onnx import export_onnx, onnx_parity
from litemedseg.export.torchscript import export_torchscript

__all__ = ["export_onnx", "export_torchscript", "onnx_parity"]
