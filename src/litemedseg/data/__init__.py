"""Datasets: folder layout, readers, splits, the uint8 cache, batch sources and augmentation.

The cache names load on first use: the cache needs PyTorch, while readers (``litemedseg.data.io``) and
resizing (``litemedseg.data.resize``) must import without it for the ONNX Runtime prediction path.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from litemedseg.data.folder import Sample, SegmentationFolder, demo_dataset, demo_root, open_dataset
from litemedseg.data.io import read_image, read_mask

__all__ = [
    "CachedSample",
    "InputSpec",
    "Sample",
    "SegmentationFolder",
    "demo_dataset",
    "demo_root",
    "load_cache",
    "open_dataset",
    "read_image",
    "read_mask",
]

_LAZY = {"CachedSample", "InputSpec", "load_cache"}

if TYPE_CHECKING:  # pragma: no cover
    from litemedseg.data.cache import CachedSample, InputSpec, load_cache


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        from litemedseg.data import cache

        return getattr(cache, name)
    raise AttributeError(f"module 'litemedseg.data' has no attribute {name!r}")
