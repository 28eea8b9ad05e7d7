"""BUSI breast ultrasound (Al-Dhabyani et al. 2020), as unzipped from Dataset_BUSI.zip::

    Dataset_BUSI_with_GT/benign/benign (1).png          benign (1)_mask.png   benign (1)_mask_1.png ...
    Dataset_BUSI_with_GT/malignant/malignant (1).png    malignant (1)_mask.png
    Dataset_BUSI_with_GT/normal/normal (1).png          normal (1)_mask.png   (empty)

Extra masks (_mask_1, _mask_2, ...: more than one lesion) are merged by union into one binary mask. Stems
become file-name safe with the class kept: "benign (1)" -> benign_001; labels.csv maps stem -> class. Normal
images are kept (their masks are empty). No official split. Masks are binarised at grey >= 128.
"""

from __future__ import annotations

import re
from pathlib import Path

from litemedseg.data.layouts.base import Case, Found, Layout, files_by_stem, safe_stem
from litemedseg.data.layouts.registry import register_layout
from litemedseg.errors import DataError

CLASSES = ("benign", "malignant", "normal")
_MASK = re.compile(r"^(.*)_mask(?:_(\d+))?$", re.IGNORECASE)
_NUMBERED = re.compile(r"^([A-Za-z]+) \((\d+)\)$")


def stem_for(name: str) -> str:
    """"benign (12)" -> "benign_012"; any other name made file-name safe."""
    match = _NUMBERED.match(name)
    return f"{match.group(1).lower()}_{int(match.group(2)):03d}" if match else safe_stem(name)


@register_layout
class Busi(Layout):
    name = "busi"
    priority = 70
    title = "BUSI (breast ultrasound)"
    mask_threshold = 127

    def detect(self, root: Path) -> bool:
        present = [c for c in CLASSES if (root / c).is_dir()]
        return bool(present) and any(files_by_stem(root / c, suffix="_mask") for c in present)

    def find_cases(self, root: Path) -> Found:
        found = Found([])
        for label in CLASSES:
            files = files_by_stem(root / label)
            masks: dict[str, list[Path]] = {}
            for name, path in files.items():
                match = _MASK.match(name)
                if match:
                    masks.setdefault(match.group(1), []).append(path)
            images = {name: path for name, path in files.items() if not _MASK.match(name)}
            for name, paths in masks.items():
                if name not in images:
                    raise DataError(f"{paths[0]}: mask without an image (no {name!r} in {root / label})")
            for name, image in sorted(images.items()):
                if name not in masks:
                    raise DataError(f"{image}: no mask (expected {root / label}/{name}_mask.png)")
                found.cases.append(Case(stem_for(name), (image,), tuple(sorted(masks[name])), label=label))
        return found
