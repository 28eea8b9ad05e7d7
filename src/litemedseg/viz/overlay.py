"""Overlays of masks on images: predicted classes, and TP / FP / FN error maps, in colour-blind-safe colours.

Colours are from the Okabe-Ito palette (Okabe & Ito, "Color Universal Design", 2008), chosen to stay apart for
the common colour-vision deficiencies. Grey images are drawn in grey; every region gets a solid outline so that
its edge stays visible at any fill opacity.
"""

from __future__ import annotations

import numpy as np

CLASS_COLOURS = np.array(
    [[0, 0, 0], [230, 159, 0], [86, 180, 233], [0, 158, 115], [240, 228, 66], [0, 114, 178], [213, 94, 0],
     [204, 121, 167]],
    dtype=np.uint8,
)
TP, FP, FN = (0, 158, 115), (0, 114, 178), (213, 94, 0)  # bluish green, blue, vermillion
DEFAULT_ALPHA = 0.45


def as_rgb(image: np.ndarray) -> np.ndarray:
    """(H, W), (H, W, 1) or (H, W, 3+) uint8 -> (H, W, 3): grey stays grey (no colour map)."""
    image = np.asarray(image)
    if image.ndim == 2:
        image = image[..., None]
    return np.repeat(image, 3, axis=-1) if image.shape[-1] == 1 else image[..., :3]


def edges(labels: np.ndarray) -> np.ndarray:
    """Pixels of a non-zero region whose 4-neighbour (or the image border) has another label."""
    labels = np.asarray(labels)
    padded = np.pad(labels, 1, mode="edge")
    centre = padded[1:-1, 1:-1]
    differs = np.zeros(labels.shape, bool)
    for shifted in (padded[:-2, 1:-1], padded[2:, 1:-1], padded[1:-1, :-2], padded[1:-1, 2:]):
        differs |= shifted != centre
    return differs & (labels != 0)


def _blend(image: np.ndarray, labels: np.ndarray, colours: np.ndarray, alpha: float, outline: bool) -> np.ndarray:
    if not 0.0 <= alpha <= 1.0:
        raise ValueError(f"overlay opacity must be between 0 and 1, got {alpha}")
    base = as_rgb(image).astype(np.float32)
    paint = colours[labels].astype(np.float32)
    chosen = (labels > 0)[..., None]
    out = np.where(chosen, (1 - alpha) * base + alpha * paint, base)
    if outline:
        out = np.where(edges(labels)[..., None], paint, out)
    return out.round().clip(0, 255).astype(np.uint8)


# class c >= 1 takes colour 1 + (c - 1) % 7, so classes past the palette repeat colours but never turn black
CLASS_TABLE = np.array([CLASS_COLOURS[0]] + [CLASS_COLOURS[1 + (c - 1) % (len(CLASS_COLOURS) - 1)]
                                             for c in range(1, 256)], np.uint8)


def mask_overlay(image: np.ndarray, mask: np.ndarray, alpha: float = DEFAULT_ALPHA,
                 outline: bool = True) -> np.ndarray:
    """Class colours over an (H, W[, C]) uint8 image at opacity `alpha`, each region outlined; (H, W, 3) uint8."""
    mask = np.clip(np.asarray(mask).astype(np.int64), 0, 255)
    return _blend(image, mask, CLASS_TABLE, alpha, outline)


def error_overlay(image: np.ndarray, pred: np.ndarray, truth: np.ndarray, alpha: float = 0.55,
                  outline: bool = True) -> np.ndarray:
    """True positives, false positives and false negatives (binary masks) over the image, each outlined."""
    pred, truth = np.asarray(pred, bool), np.asarray(truth, bool)
    labels = np.zeros(pred.shape, np.int64)
    labels[pred & truth], labels[pred & ~truth], labels[~pred & truth] = 1, 2, 3
    return _blend(image, labels, np.array([(0, 0, 0), TP, FP, FN], np.uint8), alpha, outline)


def palette() -> list[int]:
    """The flat 768-value PNG palette of class-index masks: index c is drawn in CLASS_TABLE[c]."""
    return [int(v) for v in CLASS_TABLE.reshape(-1)]
