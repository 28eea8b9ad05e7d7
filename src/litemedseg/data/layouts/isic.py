"""ISIC 2016, 2017 and 2018 lesion segmentation (ISBI challenges), as unzipped from the ISIC archive.

One folder holds the unzipped archives side by side, e.g. for 2018::

    ISIC2018_Task1-2_Training_Input/ISIC_0000000.jpg
    ISIC2018_Task1_Training_GroundTruth/ISIC_0000000_segmentation.png
    ISIC2018_Task1-2_Validation_Input/...     ISIC2018_Task1_Validation_GroundTruth/...
    ISIC2018_Task1-2_Test_Input/...           ISIC2018_Task1_Test_GroundTruth/...

Each official split present with its ground truth becomes a split; one without ground truth is skipped with a
warning. Stems are the ISIC ids (ISIC_0000000).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

from litemedseg.data.layouts.base import Case, Found, Layout, files_by_stem, pair
from litemedseg.data.layouts.registry import register_layout


@dataclass(frozen=True)
class IsicSplit:
    split: str
    images: str  # folder of the input images
    masks: str  # folder of the ground truth
    suffix: str = "_segmentation"  # mask file = <id><suffix>.png (matched case-insensitively)


class _Isic(Layout):
    splits: ClassVar[tuple[IsicSplit, ...]]

    def detect(self, root: Path) -> bool:
        return any((root / s.images).is_dir() or (root / s.masks).is_dir() for s in self.splits)

    def find_cases(self, root: Path) -> Found:
        found = Found([])
        for s in self.splits:
            image_dir, mask_dir = root / s.images, root / s.masks
            # ISIC 2017 ships superpixel maps (ISIC_0000000_superpixels.png) among the training images.
            images = files_by_stem(image_dir, ignore=("_superpixels",))
            if images and not mask_dir.is_dir():
                found.skip(len(images), f"skipped {len(images)} {s.split} images of {image_dir} (no {s.masks} folder "
                                        "beside it: unlabelled)")
                continue
            masks = files_by_stem(mask_dir, suffix=s.suffix)
            if masks and not image_dir.is_dir():
                found.skip(len(masks), f"skipped {len(masks)} {s.split} masks of {mask_dir} (no {s.images} folder "
                                       "beside it)")
                continue
            hint = f"{mask_dir}/<id>{s.suffix}.png"
            found.cases += [Case(stem, (image,), (mask,), s.split) for stem, image, mask in pair(images, masks, hint)]
        return found


@register_layout
class Isic2016(_Isic):
    name = "isic2016"
    priority = 20
    title = "ISIC 2016 (ISBI 2016 Part 1)"
    splits = (
        IsicSplit("train", "ISBI2016_ISIC_Part1_Training_Data", "ISBI2016_ISIC_Part1_Training_GroundTruth",
                  "_Segmentation"),
        IsicSplit("test", "ISBI2016_ISIC_Part1_Test_Data", "ISBI2016_ISIC_Part1_Test_GroundTruth", "_Segmentation"),
    )


@register_layout
class Isic2017(_Isic):
    name = "isic2017"
    priority = 21
    title = "ISIC 2017 (Part 1)"
    splits = (
        IsicSplit("train", "ISIC-2017_Training_Data", "ISIC-2017_Training_Part1_GroundTruth"),
        IsicSplit("val", "ISIC-2017_Validation_Data", "ISIC-2017_Validation_Part1_GroundTruth"),
        IsicSplit("test", "ISIC-2017_Test_v2_Data", "ISIC-2017_Test_v2_Part1_GroundTruth"),
    )


@register_layout
class Isic2018(_Isic):
    name = "isic2018"
    priority = 22
    title = "ISIC 2018 (Task 1)"
    splits = (
        IsicSplit("train", "ISIC2018_Task1-2_Training_Input", "ISIC2018_Task1_Training_GroundTruth"),
        IsicSplit("val", "ISIC2018_Task1-2_Validation_Input", "ISIC2018_Task1_Validation_GroundTruth"),
        IsicSplit("test", "ISIC2018_Task1-2_Test_Input", "ISIC2018_Task1_Test_GroundTruth"),
    )
