"""Datasets: folder layout, readers, splits, the uint8 cache, batch sources and augmentation."""

from litemedseg.data.cache import CachedSample, InputSpec, load_cache
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
