"""Image and label resizing with Pillow only (no PyTorch), shared by training, the PyTorch predictor and the
ONNX Runtime predictor so every path sees exactly the same pixels."""

from __future__ import annotations

import numpy as np
from PIL import Image


def resize_image(image: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """(H, W, C) uint8 -> `size` (H, W) with antialiased bilinear resampling."""
    if image.shape[:2] == tuple(size):
        return image
    channels = [
        np.asarray(Image.fromarray(image[..., c]).resize((size[1], size[0]), Image.Resampling.BILINEAR))
        for c in range(image.shape[-1])
    ]
    return np.stack(channels, axis=-1)


def resize_labels(mask: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """(H, W) label map -> `size` (H, W) with nearest-neighbour resampling (labels stay labels)."""
    if mask.shape[:2] == tuple(size):
        return mask
    return np.asarray(Image.fromarray(mask).resize((size[1], size[0]), Image.Resampling.NEAREST))
