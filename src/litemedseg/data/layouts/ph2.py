"""PH2 dermoscopy (200 images, no official split), as unzipped from the authors' PH2Dataset archive::

    PH2 Dataset images/IMD002/IMD002_Dermoscopic_Image/IMD002.bmp
    PH2 Dataset images/IMD002/IMD002_lesion/IMD002_lesion.bmp
    PH2 Dataset images/IMD002/IMD002_roi/...                          (colour-class ROIs: not used)

The input is the PH2Dataset folder or its "PH2 Dataset images" folder. Stems are the case ids (IMD002); BMP
images become PNG; lesion masks are binarised at grey >= 128.
"""

from __future__ import annotations

from pathlib import Path

from litemedseg.data.layouts.base import Case, Found, Layout, find_file, subdirs
from litemedseg.data.layouts.registry import register_layout
from litemedseg.errors import DataError

_IMAGES = "PH2 Dataset images"


def _case_root(root: Path) -> Path:
    return root / _IMAGES if (root / _IMAGES).is_dir() else root


def _case_dirs(root: Path) -> list[Path]:
    return [d for d in subdirs(_case_root(root)) if (d / f"{d.name}_Dermoscopic_Image").is_dir()]


@register_layout
class PH2(Layout):
    name = "ph2"
    priority = 60
    title = "PH2 (dermoscopy)"
    mask_threshold = 127

    def detect(self, root: Path) -> bool:
        return bool(_case_dirs(root))

    def find_cases(self, root: Path) -> Found:
        found = Found([])
        for case_dir in _case_dirs(root):
            stem = case_dir.name
            image = find_file(case_dir / f"{stem}_Dermoscopic_Image", stem)
            if image is None:
                raise DataError(f"{case_dir / (stem + '_Dermoscopic_Image')}: no image {stem}.bmp")
            lesion = find_file(case_dir / f"{stem}_lesion", f"{stem}_lesion")
            if lesion is None:
                raise DataError(f"{image}: no lesion mask (expected {case_dir}/{stem}_lesion/{stem}_lesion.bmp)")
            found.cases.append(Case(stem, (image,), (lesion,)))
        return found
