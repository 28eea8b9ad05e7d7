"""A user's own folder: images/ with masks kept elsewhere or named otherwise (labels/, gt/, <stem>_mask.png).

Not an official layout and never detected: `litemedseg convert --masks-dir NAME` and/or `--mask-suffix SUFFIX`
(or `--layout folder`) take it, pairing images and masks with the same rules as `train` (docs/data.md), so the
output is the standard layout with masks/<stem>.png as 0/255 PNG.
"""

from __future__ import annotations

from pathlib import Path

from litemedseg.data.folder import open_dataset
from litemedseg.data.layouts.base import Case, Found, Layout


class UserFolder(Layout):
    name = "folder"
    priority = 10_000  # never detected, only asked for
    title = "a user's folder (images/ and masks by another name)"

    def __init__(self, masks_dir: str | None = None, mask_suffix: str | None = None) -> None:
        self.masks_dir, self.mask_suffix = masks_dir, mask_suffix

    def detect(self, root: Path) -> bool:
        return False

    def find_cases(self, root: Path) -> Found:
        dataset = open_dataset(root, masks_dir=self.masks_dir, mask_suffix=self.mask_suffix)
        return Found([Case(s.stem, (s.image,), (s.mask,)) for s in dataset.samples.values() if s.mask is not None])
