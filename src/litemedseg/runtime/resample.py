"""Bilinear resizing of logit maps with the semantics of ``torch.nn.functional.interpolate(mode="bilinear",
align_corners=False)`` (no antialiasing), in numpy.

Pillow's float ("F") bilinear resize is not used: it antialiases when shrinking, which PyTorch does not, so the
two would disagree whenever the original image is smaller than the network input.
"""

from __future__ import annotations

import numpy as np


def _axis(n_in: int, n_out: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    # PyTorch's source index: (dst + 0.5) * in / out - 0.5, clamped at 0, computed in float32.
    scale = np.float32(n_in / n_out)
    src = (np.arange(n_out, dtype=np.float32) + np.float32(0.5)) * scale - np.float32(0.5)
    src = np.maximum(src, np.float32(0.0))
    low = np.minimum(src.astype(np.int64), n_in - 1)
    high = np.minimum(low + 1, n_in - 1)
    weight = (src - low.astype(np.float32)).astype(np.float32)
    return low, high, weight


def resize_bilinear(maps: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """(C, h, w) float -> (C, H, W) float32; matches PyTorch to float32 rounding: both place source pixels in
    float32, so logits of magnitude ~10 agree within a few 1e-5 (tests/runtime/test_resample.py: < 1e-4)."""
    maps = np.asarray(maps, dtype=np.float32)
    if maps.shape[-2:] == tuple(size):
        return maps
    h_low, h_high, h_w = _axis(maps.shape[-2], size[0])
    w_low, w_high, w_w = _axis(maps.shape[-1], size[1])
    # interpolate along width, then height (separable; the same products PyTorch's kernel forms)
    rows = maps[..., w_low] * (np.float32(1) - w_w) + maps[..., w_high] * w_w
    out = rows[..., h_low, :] * (np.float32(1) - h_w)[:, None] + rows[..., h_high, :] * h_w[:, None]
    return np.ascontiguousarray(out, dtype=np.float32)
