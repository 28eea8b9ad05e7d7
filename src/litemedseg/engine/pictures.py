"""Pictures a run folder shows at a glance (under ``pictures/``): what the network is fed, and what it predicts.

- ``train_batch.png``: one augmented training batch with its masks outlined, as the network sees it;
- ``foreground_share.png``: the share of pixels of each class over the training split; a 0/255 mask read as
  all-foreground or an inverted mask shows as a bar near 100 %;
- ``val_best.png``: at each new best epoch, validation images with the label and the prediction beside them
  (true positives green, false positives blue, misses vermillion).

Drawn with numpy and Pillow only: cheap enough for every run.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw

from litemedseg.data.io import write_png
from litemedseg.viz import mask_overlay
from litemedseg.viz.overlay import CLASS_TABLE, error_overlay

PICTURES = "pictures"
GAP = 4


def tile(images: Sequence[np.ndarray], columns: int) -> np.ndarray:
    """(H, W, 3) uint8 images of one size in a grid, `columns` wide, with white gaps."""
    height, width = images[0].shape[:2]
    rows = -(-len(images) // columns)
    sheet = np.full((rows * (height + GAP) - GAP, columns * (width + GAP) - GAP, 3), 255, np.uint8)
    for index, image in enumerate(images):
        top, left = (index // columns) * (height + GAP), (index % columns) * (width + GAP)
        sheet[top:top + height, left:left + width] = image[:height, :width, :3]
    return sheet


def write_train_batch(run_dir: Path, images: np.ndarray, masks: np.ndarray) -> Path:
    """`images` (B, C, H, W) floats in [0, 1] after augmentation, `masks` (B, 1, H, W) class indices."""
    pictures = []
    for image, mask in zip(images, masks):
        rgb = (np.clip(np.moveaxis(image, 0, -1), 0, 1) * 255).round().astype(np.uint8)
        pictures.append(mask_overlay(rgb, mask[0].round().astype(np.int64), alpha=0.0))
    return write_png(run_dir / PICTURES / "train_batch.png", tile(pictures, min(4, len(pictures))))


def foreground_shares(masks: Sequence[np.ndarray], num_classes: int) -> list[float]:
    """Share of all pixels that each class (background first) takes over `masks`."""
    counts = np.zeros(max(2, num_classes), np.int64)
    for mask in masks:
        counts += np.bincount(np.asarray(mask, np.int64).reshape(-1), minlength=len(counts))[:len(counts)]
    return (counts / max(1, counts.sum())).tolist()


def write_foreground_share(run_dir: Path, shares: Sequence[float], class_names: Sequence[str]) -> Path:
    """One bar per class, labelled with its name and percentage."""
    width, bar, label = 420, 18, 150
    sheet = Image.new("RGB", (width, 30 + len(shares) * (bar + 8)), "white")
    draw = ImageDraw.Draw(sheet)
    draw.text((6, 6), "share of training pixels per class", fill="black")
    for index, (share, name) in enumerate(zip(shares, class_names)):
        top = 28 + index * (bar + 8)
        colour = tuple(int(v) for v in CLASS_TABLE[index]) if index else (160, 160, 160)
        draw.text((6, top + 3), f"{name[:18]}", fill="black")
        draw.rectangle((label, top, label + int((width - label - 60) * share), top + bar), fill=colour)
        draw.text((width - 55, top + 3), f"{100 * share:.1f} %", fill="black")
    return write_png(run_dir / PICTURES / "foreground_share.png", np.asarray(sheet))


def write_val_predictions(run_dir: Path, images: Sequence[np.ndarray], truths: Sequence[np.ndarray],
                          predictions: Sequence[np.ndarray], num_classes: int, side: int = 160) -> Path:
    """Rows of image | label | prediction (binary: TP/FP/FN colours), each scaled to `side` pixels high."""
    rows = []
    for image, truth, prediction in zip(images, truths, predictions):
        if num_classes == 1:
            panels = [mask_overlay(image, np.zeros_like(truth), alpha=0.0), mask_overlay(image, truth),
                      error_overlay(image, prediction > 0, truth > 0)]
        else:
            panels = [mask_overlay(image, np.zeros_like(truth), alpha=0.0), mask_overlay(image, truth),
                      mask_overlay(image, prediction)]
        height, width = panels[0].shape[:2]
        size = (max(1, round(width * side / height)), side)
        rows.extend(np.asarray(Image.fromarray(p).resize(size, Image.NEAREST)) for p in panels)
    widths = {row.shape[1] for row in rows}
    if len(widths) > 1:  # images of different shapes: pad each to the widest
        widest = max(widths)
        rows = [np.pad(row, ((0, 0), (0, widest - row.shape[1]), (0, 0)), constant_values=255) for row in rows]
    return write_png(run_dir / PICTURES / "val_best.png", tile(rows, 3))
