"""Overlays of masks on images: predicted classes, and TP green / FP blue / FN red error maps."""

from __future__ import annotations

import numpy as np

CLASS_COLOURS = np.array(
    [[0, 0, 0], [255, 215, 0], [0, 200, 255], [255, 64, 160], [120, 255, 80], [255, 128, 0], [160, 96, 255]],
    dtype=np.uint8,
)
TP, FP, FN = (0, 200, 0), (0, 90, 255), (230, 0, 0)


def _rgb(image: np.ndarray) -> np.ndarray:
    image = np.asarray(image)
    if image.ndim == 2:
        image = image[..., None]
    return np.repeat(image, 3, axis=-1) if image.shape[-1] == 1 else image[..., :3]


def mask_overlay(image: np.ndarray, mask: np.ndarray, alpha: float = 0.45) -> np.ndarray:
    """Blend class colours (background untouched) over an (H, W[, C]) uint8 image; returns (H, W, 3) uint8."""
    base = _rgb(image).astype(np.float32)
    mask = np.asarray(mask).astype(np.int64)
    colours = CLASS_COLOURS[np.clip(mask, 0, len(CLASS_COLOURS) - 1)].astype(np.float32)
    chosen = (mask > 0)[..., None]
    out = np.where(chosen, (1 - alpha) * base + alpha * colours, base)
    return out.round().clip(0, 255).astype(np.uint8)


def error_overlay(image: np.ndarray, pred: np.ndarray, truth: np.ndarray, alpha: float = 0.55) -> np.ndarray:
    """True positives green, false positives blue, false negatives red over the image (binary masks)."""
    base = _rgb(image).astype(np.float32)
    pred, truth = np.asarray(pred, bool), np.asarray(truth, bool)
    colour = np.zeros_like(base)
    chosen = np.zeros(pred.shape, bool)
    for where, rgb in ((pred & truth, TP), (pred & ~truth, FP), (~pred & truth, FN)):
        colour[where] = rgb
        chosen |= where
    out = np.where(chosen[..., None], (1 - alpha) * base + alpha * colour, base)
    return out.round().clip(0, 255).astype(np.uint8)
