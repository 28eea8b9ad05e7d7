"""Heatmaps (Grad-CAM and other [0, 1] maps) blended over images with a jet-style colour map."""

from __future__ import annotations

import numpy as np

from litemedseg.viz.overlay import as_rgb


def colourise(heat: np.ndarray, cmap: str = "jet") -> np.ndarray:
    """An (H, W) map in [0, 1] -> (H, W, 3) uint8 through a matplotlib colour map (0 blue ... 1 red for jet)."""
    from matplotlib import colormaps

    heat = np.nan_to_num(np.asarray(heat, dtype=np.float32), nan=0.0).clip(0.0, 1.0)
    rgba = colormaps[cmap](heat, bytes=True)
    return np.ascontiguousarray(rgba[..., :3])


def heatmap_overlay(image: np.ndarray, heat: np.ndarray, alpha: float = 0.5, cmap: str = "jet") -> np.ndarray:
    """Blend the colour-mapped `heat` (H, W) in [0, 1] over an (H, W[, C]) uint8 image; returns (H, W, 3) uint8.

    The whole image is tinted (cold regions blue), as in the Grad-CAM papers, so low and high attention can both
    be read off the picture.
    """
    base = as_rgb(image).astype(np.float32)
    heat = np.asarray(heat)
    if heat.shape != base.shape[:2]:
        raise ValueError(f"heatmap shape {heat.shape} differs from the image's {base.shape[:2]}")
    colour = colourise(heat, cmap).astype(np.float32)
    out = (1 - alpha) * base + alpha * colour
    return out.round().clip(0, 255).astype(np.uint8)
