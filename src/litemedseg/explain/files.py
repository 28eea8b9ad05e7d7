"""Grad-CAM for image files: heatmap overlays (PNG) and raw maps (.npy) written atomically, plus a manifest."""

from __future__ import annotations

import os
import re
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from litemedseg.data.io import read_image, write_png
from litemedseg.engine.prediction import Segmenter
from litemedseg.explain.gradcam import check_class_index, grad_cam_maps
from litemedseg.explain.layers import resolve_layer
from litemedseg.runtime.files import read_images, require_unique_stems
from litemedseg.utils.atomic import atomic_open, write_json_atomic
from litemedseg.utils.publish import EXPLANATION, publish_folder
from litemedseg.viz import heatmap_overlay


def safe_name(text: str) -> str:
    """A file-name-safe version of a class name."""
    return re.sub(r"[^A-Za-z0-9_.+-]+", "_", text).strip("_") or "class"


def save_map(path: str | os.PathLike, heat: np.ndarray) -> Path:
    """The raw map as float32 .npy, atomically."""
    path = Path(path)
    with atomic_open(path, "wb") as handle:
        np.save(handle, np.asarray(heat, dtype=np.float32))
    return path


def explain_files(
    segmenter: Segmenter,
    inputs: Sequence[Path],
    output_dir: str | os.PathLike,
    *,
    layer: str | None = None,
    class_index: int | None = None,
    alpha: float = 0.5,
    skip_bad: bool = False,
    progress: bool = True,
) -> list[dict[str, Any]]:
    """Write overlays/<stem>_<class>.png (jet heatmap over the image, original size), maps/<stem>_<class>.npy
    (float32 in [0, 1]) and explain.json (layer, classes, files) for every input image."""
    out = Path(output_dir)
    require_unique_stems(inputs, "maps")
    layer_name, _ = resolve_layer(segmenter.model, layer)  # fail on a bad name before reading any image
    if class_index is not None:
        check_class_index(segmenter, class_index)
    if not skip_bad:  # a bad image stops the run before any map is written, not half-way through the folder
        for path in inputs:
            read_image(path)
    records: list[dict[str, Any]] = []
    # written whole into a hidden sibling and published at the end: a killed run leaves no partial folder, a
    # second run never leaves the first one's files, and a folder explain did not write is never replaced
    with publish_folder(out, EXPLANATION) as staging:
        for path, image in read_images(inputs, skip_bad, progress, "explaining"):
            for cam in grad_cam_maps(segmenter, image, layer_name, class_index, source=path):
                stem = f"{path.stem}_{safe_name(cam.class_name)}"
                overlay = heatmap_overlay(image, cam.heatmap, alpha=alpha)
                write_png(staging / "overlays" / f"{stem}.png", overlay)
                save_map(staging / "maps" / f"{stem}.npy", cam.heatmap)
                records.append({
                    "image": str(path),
                    "class_index": cam.class_index,
                    "class_name": cam.class_name,
                    "region_pixels": cam.region_pixels,
                    "empty": bool(cam.heatmap.max() <= 0),
                    "overlay": str(out / "overlays" / f"{stem}.png"),
                    "map": str(out / "maps" / f"{stem}.npy"),
                })
        empty = sum(r["empty"] for r in records)
        if empty:
            warnings.warn(f"{empty} of {len(records)} maps are zero everywhere: nothing at layer {layer_name!r} "
                          "speaks for the class (often an undertrained model; try an earlier --layer)", stacklevel=2)
        write_json_atomic(staging / "explain.json", {"method": "grad-cam (captum LayerGradCam)",
                                                     "model": segmenter.model_name, "layer": layer_name,
                                                     "items": records})
    return records
