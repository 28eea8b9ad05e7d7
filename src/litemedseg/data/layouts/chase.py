"""CHASE_DB1 retinal vessels, as unzipped from the official CHASEDB1.zip (one flat folder, 28 images)::

    Image_01L.jpg   Image_01L_1stHO.png   Image_01L_2ndHO.png   ...   Image_14R.jpg ...

Stems are the image names (Image_01L); masks/ is the first observer (1stHO, the usual ground truth), masks_2nd/
the second. No FOV masks ship: fov/ is derived by thresholding the image (litemedseg.data.layouts.fov). There is
no official split, so no split.json is written (see docs/data.md for the usual 20/8 convention).
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np

from litemedseg.data.layouts.base import Case, Found, Layout, files_by_stem, find_file
from litemedseg.data.layouts.fov import derive_fov
from litemedseg.data.layouts.registry import register_layout
from litemedseg.errors import DataError

_STEM = re.compile(r"^Image_\d+[LR]$", re.IGNORECASE)


def _images(root: Path) -> dict[str, Path]:
    return {stem: path for stem, path in files_by_stem(root).items() if _STEM.match(stem)}


@register_layout
class ChaseDB1(Layout):
    name = "chase-db1"
    priority = 40
    title = "CHASE_DB1 (retinal vessels)"
    fov = "derived"

    def detect(self, root: Path) -> bool:
        return bool(_images(root)) and bool(files_by_stem(root, suffix="_1stHO"))

    def find_cases(self, root: Path) -> Found:
        found = Found([])
        images = _images(root)
        for stem in files_by_stem(root, suffix="_1stHO"):
            if stem not in images:
                raise DataError(f"{root / (stem + '_1stHO.png')}: vessel annotation without an image ({stem}.jpg)")
        for stem, image in sorted(images.items()):
            manual = find_file(root, f"{stem}_1stHO")
            if manual is None:
                raise DataError(f"{image}: no vessel annotation (expected {root}/{stem}_1stHO.png)")
            found.cases.append(Case(stem, (image,), (manual,), fov=None, mask2=find_file(root, f"{stem}_2ndHO")))
        return found

    def read_fov(self, case: Case, image: np.ndarray) -> np.ndarray:
        return derive_fov(image)
