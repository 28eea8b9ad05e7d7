"""Image -> network input exactly as the PyTorch predictor does it (docs/protocol.md, section 2), in numpy."""

from __future__ import annotations

import os

import numpy as np

from litemedseg.data.io import as_image_array
from litemedseg.data.resize import resize_image
from litemedseg.data.spec import InputSpec


def normalize(image: np.ndarray, info: InputSpec) -> np.ndarray:
    """uint8 (H, W, C) -> float32 (C, H, W), (x / 255 - mean) / std, in float32 like the PyTorch path."""
    x = image.astype(np.float32) / np.float32(255.0)
    x = (x - np.asarray(info.mean, np.float32)) / np.asarray(info.std, np.float32)
    return np.ascontiguousarray(x.transpose(2, 0, 1))


def prepare(
    image: np.ndarray, info: InputSpec, source: str | os.PathLike = "image"
) -> tuple[np.ndarray, tuple[int, int]]:
    """Any 2D image array -> (normalised (C, h, w) float32 network input, original (H, W))."""
    array = as_image_array(image, info.in_channels, source)
    original = array.shape[:2]
    return normalize(resize_image(array, info.network_size(original)), info), original
