"""Masks for image files on disk, for any segmenter (PyTorch ``Segmenter`` or ``OnnxSegmenter``), without
importing PyTorch.

``litemedseg.engine.prediction`` re-exports both, so the PyTorch and the ONNX Runtime paths share this code.
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any, Protocol

import numpy as np
from tqdm.auto import tqdm

from litemedseg.data.io import IMAGE_SUFFIXES, is_image_name, read_image, write_png
from litemedseg.errors import ConfigError, DataError
from litemedseg.utils.atomic import write_json_atomic
from litemedseg.utils.publish import PREDICTION, publish_folder
from litemedseg.viz.overlay import CLASS_TABLE, DEFAULT_ALPHA, mask_overlay, palette


class SegmenterLike(Protocol):
    num_classes: int
    class_names: list[str]

    def predict_logits(self, image: np.ndarray, source: str | os.PathLike = "image") -> Any: ...
    def mask_from_logits(self, logits: Any) -> np.ndarray: ...
    def probabilities(self, logits: Any) -> np.ndarray: ...


def list_inputs(path: str | os.PathLike) -> list[Path]:
    """One image file, or every image file of a folder (sorted); errors name the path."""
    path = Path(path).expanduser()
    if path.is_dir():
        files = [p for p in sorted(path.iterdir()) if is_image_name(p)]  # unreadable ones fail by name
        if not files:
            raise DataError(f"{path}: no image files ({', '.join(IMAGE_SUFFIXES)})")
        return files
    if not path.exists() and not path.is_symlink():
        raise DataError(f"{path}: input not found")
    if path.suffix.lower() not in IMAGE_SUFFIXES:
        raise DataError(f"{path}: not an image file name ({', '.join(IMAGE_SUFFIXES)})")
    return [path]


def require_unique_stems(inputs: Sequence[Path], outputs: str) -> None:
    """Outputs are named by stem: two inputs with one stem would overwrite each other's `outputs`."""
    stems = [p.stem for p in inputs]
    if len(set(stems)) != len(stems):
        dupes = sorted({s for s in stems if stems.count(s) > 1})
        raise DataError(f"two inputs share the stem {dupes[0]!r}; their {outputs} would overwrite each other")


def read_images(
    inputs: Sequence[Path], skip_bad: bool = False, progress: bool = True, description: str = "reading"
) -> Iterator[tuple[Path, np.ndarray]]:
    """(path, uint8 image) for every input; an unreadable one stops with its error, or with `skip_bad` is
    reported in one warning and passed over."""
    for path in tqdm(inputs, desc=description, unit="img", disable=not progress):
        try:
            image = read_image(path)
        except DataError as err:
            if not skip_bad:
                raise
            warnings.warn(f"skipped: {err}", stacklevel=2)
            continue
        yield path, image


def predict_files(
    segmenter: SegmenterLike,
    inputs: Sequence[Path],
    output_dir: str | os.PathLike,
    *,
    probabilities: bool = False,
    overlays: bool = False,
    skip_bad: bool = False,
    progress: bool = True,
    overlay_alpha: float = DEFAULT_ALPHA,
) -> list[dict[str, Any]]:
    """Write masks/<stem>.png (0/255 binary; class indices otherwise, as a palette PNG with the legend in
    classes.json) at original size, plus optional probabilities/<stem>.png (0-255) and overlays/<stem>.png
    (outlined regions at opacity `overlay_alpha`).

    The folder is published whole when every image is done (`litemedseg.utils.publish`): an interrupted run
    leaves no folder, and an old prediction folder there is replaced, never mixed with the new masks."""
    out = Path(output_dir).expanduser()
    require_unique_stems(inputs, "masks")
    records = []
    if not 0.0 <= overlay_alpha <= 1.0:
        raise ConfigError(f"overlay opacity must be between 0 and 1, got {overlay_alpha}")
    with publish_folder(out, PREDICTION) as staging:
        if segmenter.num_classes > 1:
            write_json_atomic(staging / "classes.json", class_legend(list(segmenter.class_names),
                                                                    segmenter.num_classes))
        for path, image in read_images(inputs, skip_bad, progress, "predicting"):
            records.append(_predict_one(segmenter, path, image, staging, out, probabilities, overlays,
                                        overlay_alpha))
    return records


def class_legend(class_names: list[str], num_classes: int) -> dict[str, dict[str, Any]]:
    """classes.json of a multi-class prediction: index -> name and the colour its palette PNG shows."""
    names = class_names + [f"class {c}" for c in range(len(class_names), num_classes)]
    return {str(c): {"name": names[c], "color": [int(v) for v in CLASS_TABLE[c]]} for c in range(num_classes)}


def _predict_one(segmenter: SegmenterLike, path: Path, image: np.ndarray, staging: Path, out: Path,
                 probabilities: bool, overlays: bool, overlay_alpha: float) -> dict[str, Any]:
    logits = segmenter.predict_logits(image, path)
    mask = segmenter.mask_from_logits(logits)
    name = f"{path.stem}.png"
    if segmenter.num_classes == 1:
        write_png(staging / "masks" / name, mask * 255)
    else:
        write_png(staging / "masks" / name, mask, palette=palette())
    foreground = mask > 0
    record: dict[str, Any] = {"image": str(path), "mask": str(out / "masks" / name),
                              "foreground_fraction": float(foreground.mean()),
                              "foreground_pixels": int(foreground.sum())}
    if probabilities:
        prob = segmenter.probabilities(logits)
        prob = prob if prob.ndim == 2 else 1.0 - prob[0]  # multi-class: probability of any foreground
        write_png(staging / "probabilities" / name, (prob * 255).round().astype(np.uint8))
        record["probabilities"] = str(out / "probabilities" / name)
    if overlays:
        write_png(staging / "overlays" / name, mask_overlay(image, mask, overlay_alpha))
        record["overlay"] = str(out / "overlays" / name)
    return record
