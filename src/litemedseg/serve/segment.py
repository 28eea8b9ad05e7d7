"""One upload through the model: the mask, its overlay, and the area of each predicted class."""

from __future__ import annotations

import base64
import io
from typing import Any

import numpy as np
from PIL import Image

from litemedseg.data.io import MAX_PIXELS, DecodeBudget, conversion_note, convert_channels, size_note
from litemedseg.errors import DataError
from litemedseg.serve.decode import UploadError, decode_upload
from litemedseg.viz import mask_overlay


def png_bytes(array: np.ndarray) -> bytes:
    """Encode a uint8 (H, W) or (H, W, 3) array as PNG in memory."""
    buffer = io.BytesIO()
    Image.fromarray(np.ascontiguousarray(array)).save(buffer, format="PNG")
    return buffer.getvalue()


def data_url(png: bytes) -> str:
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")


def class_areas(mask: np.ndarray, num_classes: int, class_names: list[str]) -> list[dict[str, Any]]:
    """Pixels and percentage of the image for each foreground class (class 1 only for a binary model)."""
    total = mask.size
    counts = np.bincount(mask.ravel(), minlength=max(2, num_classes))
    indices = [1] if num_classes == 1 else range(1, num_classes)
    areas = []
    for index in indices:
        name = class_names[index] if index < len(class_names) else f"class {index}"
        pixels = int(counts[index])
        areas.append({"index": index, "name": name, "pixels": pixels, "percent": 100.0 * pixels / total})
    return areas


def segment_upload(segmenter: Any, data: bytes, source: str = "upload", *, max_pixels: int | None = None,
                   max_decoded_bytes: int | None = None) -> dict[str, Any]:
    """Decode `data` (errors name `source`), predict its mask and return a JSON-ready result.

    The mask PNG is 0/255 for a binary model and class indices otherwise, like `litemedseg predict` writes it.
    `max_pixels` and `max_decoded_bytes` refuse (413) an image before decoding it. Nothing touches the disk.
    """
    budget = DecodeBudget(max_pixels or MAX_PIXELS, max_decoded_bytes)
    image = decode_upload(data, None, source, budget)
    # shown on the page beside the result, not logged per request
    notes = [conversion_note(image.shape[-1], segmenter.in_channels),
             size_note(image.shape[:2], getattr(segmenter, "training_image_size", None))]
    note = " ".join(n[0].upper() + n[1:] + "." for n in notes if n) or None
    try:
        image = convert_channels(image, segmenter.in_channels, source)  # decode_upload gave uint8 (H, W, 1|3)
    except DataError as err:
        raise UploadError(str(err)) from None
    mask = segmenter.predict(image)
    binary = segmenter.num_classes == 1
    height, width = mask.shape
    foreground = int(np.count_nonzero(mask))
    return {
        "width": width,
        "height": height,
        "num_classes": segmenter.num_classes,
        "mask_values": "0/255" if binary else "class indices",
        "note": note,
        "foreground": {"pixels": foreground, "percent": 100.0 * foreground / mask.size},
        "areas": class_areas(mask, segmenter.num_classes, list(segmenter.class_names)),
        "overlay": data_url(png_bytes(mask_overlay(image, mask))),
        "mask": data_url(png_bytes(mask * 255 if binary else mask)),
    }
