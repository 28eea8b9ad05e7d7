"""DRIVE retinal vessels, as unzipped from the official release (training 21-40, test 01-20)::

    training/images/21_training.tif   training/1st_manual/21_manual1.gif   training/mask/21_training_mask.gif
    test/images/01_test.tif           test/1st_manual/01_manual1.gif       test/mask/01_test_mask.gif
                                      test/2nd_manual/01_manual2.gif

Stems are the image names (21_training, 01_test), split.json the official 20/20. fov/ comes from mask/;
masks_2nd/ from 2nd_manual/ where present. Some downloads lack test/1st_manual: those images are unlabelled and
skipped with one warning.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np

from litemedseg.data.layouts.base import Case, Found, Layout, files_by_stem, find_file
from litemedseg.data.layouts.fov import derive_fov
from litemedseg.data.layouts.registry import register_layout
from litemedseg.errors import DataError

_FOLDERS = (("train", "training"), ("test", "test"))
_STEM = re.compile(r"^(\d+)_(training|test)$")


@register_layout
class Drive(Layout):
    name = "drive"
    priority = 30
    title = "DRIVE (retinal vessels)"
    fov = "official"

    def detect(self, root: Path) -> bool:
        return any(_STEM.match(stem) for _, folder in _FOLDERS for stem in files_by_stem(root / folder / "images"))

    def find_cases(self, root: Path) -> Found:
        found = Found([])
        for split, folder in _FOLDERS:
            base = root / folder
            images = {stem: path for stem, path in files_by_stem(base / "images").items() if _STEM.match(stem)}
            if not images:
                continue
            if not (base / "1st_manual").is_dir():
                found.skip(len(images), f"skipped {len(images)} {split} images of {base / 'images'} "
                                        f"(no {folder}/1st_manual folder: unlabelled)")
                continue
            if not (base / "mask").is_dir():
                found.warn(f"{base}: no mask/ folder; the field of view of its images is derived by thresholding")
            for stem, image in sorted(images.items()):
                number, kind = _STEM.match(stem).groups()
                manual = find_file(base / "1st_manual", f"{number}_manual1")
                if manual is None:
                    raise DataError(f"{image}: no vessel annotation (expected {base}/1st_manual/{number}_manual1.gif)")
                fov = find_file(base / "mask", f"{number}_{kind}_mask")
                if fov is None and (base / "mask").is_dir():
                    raise DataError(f"{image}: no FOV mask (expected {base}/mask/{number}_{kind}_mask.gif)")
                mask2 = find_file(base / "2nd_manual", f"{number}_manual2")
                found.cases.append(Case(stem, (image,), (manual,), split, fov=fov, mask2=mask2))
        return found

    def read_fov(self, case: Case, image: np.ndarray) -> np.ndarray | None:
        # A download without mask/ folders still gets a field of view, derived as for CHASE_DB1.
        return super().read_fov(case, image) if case.fov else derive_fov(image)
