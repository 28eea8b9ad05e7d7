"""GlaS colon glands (Warwick-QU, MICCAI 2015), as unzipped from the challenge archive (one flat folder)::

    train_1.bmp  train_1_anno.bmp  ...  testA_1.bmp  testA_1_anno.bmp  ...  testB_1.bmp  testB_1_anno.bmp  Grade.csv

The annotations label each gland with its own number: every non-zero pixel is foreground. train_* is the
training split (85), testA_* and testB_* together the test split (80). BMP images become PNG.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np

from litemedseg.data.layouts.base import Case, Found, Layout, check_size, files_by_stem, pair, read_label_map
from litemedseg.data.layouts.registry import register_layout

_STEM = re.compile(r"^(train|testA|testB)_\d+$", re.IGNORECASE)


def _images(root: Path) -> dict[str, Path]:
    return {stem: path for stem, path in files_by_stem(root, ignore=("_anno",)).items() if _STEM.match(stem)}


@register_layout
class GlaS(Layout):
    name = "glas"
    priority = 90
    title = "GlaS (colon glands)"

    def detect(self, root: Path) -> bool:
        return bool(_images(root)) and bool(files_by_stem(root, suffix="_anno"))

    def find_cases(self, root: Path) -> Found:
        pairs = pair(_images(root), files_by_stem(root, suffix="_anno"), f"{root}/<id>_anno.bmp")
        split = {"train": "train", "testa": "test", "testb": "test"}
        return Found([Case(stem, (image,), (mask,), split[stem.split("_")[0].lower()]) for stem, image, mask in pairs])

    def read_mask(self, case: Case, shape: tuple[int, int], threshold: int | None) -> np.ndarray:
        # Instance labels 1..N, stored grey or as palette indices: any gland is foreground.
        labels = read_label_map(case.masks[0])
        check_size(case.masks[0], labels.shape, case.images[0], shape)
        return (labels > (threshold or 0)).astype(np.uint8)
