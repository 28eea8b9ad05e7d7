"""Datasets: folder layout, readers, splits, the uint8 cache, batch sources and augmentation.

Everything imported here is free of PyTorch (the ONNX Runtime prediction path reads images, resizes them and
reads the input spec through it); batches and augmentation (``loader``, ``augment``) need PyTorch.
"""

from __future__ import annotations

from litemedseg.data.cache import CachedSample, load_cache
from litemedseg.data.folder import Sample, SegmentationFolder, demo_dataset, demo_root, open_dataset
from litemedseg.data.io import read_image, read_mask
from litemedseg.data.spec import InputSpec

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
