"""litemedseg: lightweight 2D medical image segmentation (Med-2D SegNet, Mini-Net) trained, scored and served.

Importing the package is cheap and does not import PyTorch, so the ONNX Runtime prediction path
(``litemedseg predict --runtime onnx``, ``pip install litemedseg[runtime]``) works without it; the public
names below load their modules on first use.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from litemedseg.errors import LitemedsegError

__version__ = "0.1.0"

__all__ = ["LitemedsegError", "Segmenter", "__version__", "create_model", "list_models"]

_LAZY = {
    "create_model": "litemedseg.models",
    "list_models": "litemedseg.models",
    "Segmenter": "litemedseg.engine.prediction",
}

if TYPE_CHECKING:  # pragma: no cover
    from litemedseg.engine.prediction import Segmenter
    from litemedseg.models import create_model, list_models


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'litemedseg' has no attribute {name!r}")
