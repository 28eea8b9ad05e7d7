"""A field-of-view mask derived from a fundus image, for datasets that ship none (CHASE_DB1, STARE).

Outside the circular field of view a fundus photograph is (near) black. The FOV is the set of pixels whose red
channel - the brightest in the retina, so vessels and dark lesions stay above the threshold - exceeds
`RED_THRESHOLD` after a 3 x 3 median filter (which removes isolated noisy pixels). Dark spots inside are then
filled: the field of view is a disk (possibly cut at the top and bottom), so each row and each column is filled
between its first and last FOV pixel and the two fillings are intersected.
"""

from __future__ import annotations

import numpy as np
from PIL import Image, ImageFilter

RED_THRESHOLD = 10  # of 255
MEDIAN_SIZE = 3


def derive_fov(image: np.ndarray, threshold: int = RED_THRESHOLD) -> np.ndarray:
    """uint8 (H, W) {0, 1} field of view of a fundus `image` (uint8 (H, W, 3), or grey (H, W, 1))."""
    red = np.ascontiguousarray(image[..., 0])
    smooth = np.asarray(Image.fromarray(red).filter(ImageFilter.MedianFilter(MEDIAN_SIZE)))
    return fill_convex_holes(smooth > threshold)


def _span(mask: np.ndarray) -> np.ndarray:
    """Each row filled from its first to its last True pixel."""
    cols = np.arange(mask.shape[1])
    first = np.where(mask.any(axis=1), mask.argmax(axis=1), mask.shape[1])
    last = mask.shape[1] - 1 - mask[:, ::-1].argmax(axis=1)
    return (cols >= first[:, None]) & (cols <= last[:, None])


def fill_convex_holes(mask: np.ndarray) -> np.ndarray:
    """{0, 1} uint8: `mask` with every row and column filled between its ends (exact for a disk with holes)."""
    mask = np.asarray(mask, bool)
    return (_span(mask) & _span(mask.T).T).astype(np.uint8)
