"""CVC-ClinicDB colonoscopy polyps (612 frames, no official split)::

    Original/1.tif ... 612.tif            Ground Truth/1.tif ... 612.tif
    (or the PNG copy: PNG/Original/1.png   PNG/Ground Truth/1.png; the TIFF copy under TIF/ is also found)

Stems are the frame numbers; TIFF images become PNG. The PNG copy is preferred when both are present.
"""

from __future__ import annotations

from pathlib import Path

from litemedseg.data.layouts.base import Case, Found, Layout, files_by_stem, pair
from litemedseg.data.layouts.registry import register_layout

_CANDIDATES = ("PNG", "TIF", "")  # where Original/ and Ground Truth/ may live, in order of preference


def _folders(root: Path) -> tuple[Path, Path] | None:
    for sub in _CANDIDATES:
        base = root / sub if sub else root
        if (base / "Original").is_dir() and (base / "Ground Truth").is_dir():
            return base / "Original", base / "Ground Truth"
    return None


@register_layout
class CvcClinicDB(Layout):
    name = "cvc-clinicdb"
    priority = 80
    title = "CVC-ClinicDB (colonoscopy polyps)"

    def detect(self, root: Path) -> bool:
        return _folders(root) is not None

    def find_cases(self, root: Path) -> Found:
        image_dir, mask_dir = _folders(root)
        pairs = pair(files_by_stem(image_dir), files_by_stem(mask_dir), f"{mask_dir}/<id>.tif")
        return Found([Case(stem, (image,), (mask,)) for stem, image, mask in pairs])
