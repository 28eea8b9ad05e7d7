"""Decode a split once into an in-memory uint8 cache at training resolution (optionally saved on disk)."""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from tqdm.auto import tqdm

from litemedseg.data.folder import Sample
from litemedseg.data.io import read_image, read_mask
from litemedseg.data.resize import resize_image, resize_labels  # noqa: F401  (re-exported)
from litemedseg.data.spec import InputSpec
from litemedseg.errors import DataError


@dataclass
class CachedSample:
    """One decoded sample at training resolution; `original_size` is (H, W) on disk."""

    stem: str
    image: np.ndarray
    mask: np.ndarray | None
    fov: np.ndarray | None
    original_size: tuple[int, int]
    paths: dict[str, str] = field(default_factory=dict)


def decode_sample(
    sample: Sample,
    spec: InputSpec,
    num_classes: int = 1,
    mask_threshold: int | None = None,
    palette: Sequence[Sequence[int]] | None = None,
) -> CachedSample:
    """Read, check and resize one sample for training or evaluation."""
    image = read_image(sample.image, spec.in_channels)
    original = image.shape[:2]
    mask = fov = None
    if sample.mask is not None:
        mask = read_mask(sample.mask, num_classes, mask_threshold, palette)
        if mask.shape != original:
            raise DataError(
                f"{sample.mask}: mask is {mask.shape[1]}x{mask.shape[0]} but image {sample.image.name} is "
                f"{original[1]}x{original[0]}"
            )
    if sample.fov is not None:
        fov = read_mask(sample.fov, 1, threshold=0)
        if fov.shape != original:
            raise DataError(f"{sample.fov}: field-of-view mask size differs from image {sample.image.name}")
    size = spec.network_size(original)
    return CachedSample(
        sample.stem,
        resize_image(image, size),
        None if mask is None else resize_labels(mask, size),
        None if fov is None else resize_labels(fov, size),
        original,
        {k: str(v) for k, v in (("image", sample.image), ("mask", sample.mask), ("fov", sample.fov)) if v},
    )


def _cache_key(samples: Sequence[Sample], spec: InputSpec, num_classes: int, threshold: int | None) -> str:
    parts = [json.dumps(spec.to_dict(), sort_keys=True), str(num_classes), str(threshold)]
    for s in samples:
        for path in (s.image, s.mask, s.fov):
            if path is not None:
                stat = path.stat()
                parts.append(f"{path}:{stat.st_size}:{stat.st_mtime_ns}")
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:20]


def load_cache(
    samples: Sequence[Sample],
    spec: InputSpec,
    num_classes: int = 1,
    mask_threshold: int | None = None,
    *,
    palette: Sequence[Sequence[int]] | None = None,
    cache_dir: str | os.PathLike | None = None,
    description: str = "decoding",
    progress: bool = True,
) -> list[CachedSample]:
    """Decode every sample once; with `cache_dir`, reuse an earlier decode of the same files and settings."""
    cache_file = None
    if cache_dir is not None:
        cache_file = Path(cache_dir) / f"cache-{_cache_key(samples, spec, num_classes, mask_threshold)}.npz"
        if cache_file.is_file():
            return _read_npz(cache_file)
    items = [
        decode_sample(s, spec, num_classes, mask_threshold, palette)
        for s in tqdm(samples, desc=description, unit="img", disable=not progress, leave=False)
    ]
    if cache_file is not None:
        _write_npz(cache_file, items)
    return items


def _write_npz(path: Path, items: list[CachedSample]) -> None:
    from litemedseg.utils.atomic import atomic_open

    arrays: dict[str, np.ndarray] = {}
    index = []
    for i, item in enumerate(items):
        arrays[f"image{i}"] = item.image
        if item.mask is not None:
            arrays[f"mask{i}"] = item.mask
        if item.fov is not None:
            arrays[f"fov{i}"] = item.fov
        index.append({"stem": item.stem, "original_size": list(item.original_size), "paths": item.paths})
    arrays["index"] = np.frombuffer(json.dumps(index).encode(), dtype=np.uint8)
    with atomic_open(path, "wb") as handle:
        np.savez(handle, **arrays)


def _read_npz(path: Path) -> list[CachedSample]:
    with np.load(path, allow_pickle=False) as data:
        index = json.loads(bytes(data["index"]).decode())
        return [
            CachedSample(
                entry["stem"],
                data[f"image{i}"],
                data[f"mask{i}"] if f"mask{i}" in data else None,
                data[f"fov{i}"] if f"fov{i}" in data else None,
                tuple(entry["original_size"]),
                entry["paths"],
            )
            for i, entry in enumerate(index)
        ]


def channel_statistics(items: Sequence[CachedSample]) -> tuple[tuple[float, ...], tuple[float, ...]]:
    """Per-channel mean and std of the cached training images, on the 0-1 scale."""
    total = np.zeros(items[0].image.shape[-1])
    total_sq = np.zeros_like(total)
    count = 0
    for item in items:
        pixels = item.image.reshape(-1, item.image.shape[-1]).astype(np.float64) / 255.0
        total += pixels.sum(0)
        total_sq += (pixels**2).sum(0)
        count += pixels.shape[0]
    mean = total / count
    std = np.sqrt(np.maximum(total_sq / count - mean**2, 1e-6))
    return tuple(round(float(m), 5) for m in mean), tuple(round(float(s), 5) for s in std)
