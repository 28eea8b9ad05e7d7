"""Kvasir-SEG polyps (1000 images), as unzipped from kvasir-seg.zip::

    Kvasir-SEG/images/cju0qkwl35piu0993l0dewei2.jpg     Kvasir-SEG/masks/cju0qkwl35piu0993l0dewei2.jpg
    Kvasir-SEG/kavsir_bboxes.json                        (not used)

The official masks are JPEG, so their edges hold compression noise: they are binarised at grey >= 128 and
written as PNG. Images are copied byte for byte. The download has no split (the Medico 2020 880/120 split is
committed as splits/Kvasir-SEG.json: name the output folder Kvasir-SEG to use it).

Only folders whose masks/ hold JPEG files are taken for this layout: images/ + masks/*.png is already the
standard layout.
"""

from __future__ import annotations

from pathlib import Path

from litemedseg.data.layouts.base import Case, Found, Layout, files_by_stem, pair
from litemedseg.data.layouts.registry import register_layout


@register_layout
class KvasirSeg(Layout):
    name = "kvasir-seg"
    priority = 100
    title = "Kvasir-SEG (polyps)"
    mask_threshold = 127

    def detect(self, root: Path) -> bool:
        if not (root / "images").is_dir():
            return False
        masks = files_by_stem(root / "masks")
        return bool(masks) and all(p.suffix.lower() in (".jpg", ".jpeg") for p in masks.values())

    def find_cases(self, root: Path) -> Found:
        pairs = pair(files_by_stem(root / "images"), files_by_stem(root / "masks"), f"{root}/masks/<id>.jpg")
        return Found([Case(stem, (image,), (mask,)) for stem, image, mask in pairs])
