"""MoNuSeg 2018 nuclei (H&E tiles) with the official Aperio ImageScope XML annotations::

    MoNuSeg 2018 Training Data/Tissue Images/TCGA-18-5592-01Z-00-DX1.tif
    MoNuSeg 2018 Training Data/Annotations/TCGA-18-5592-01Z-00-DX1.xml
    MoNuSegTestData/TCGA-2Z-A9J9-01A-01-TS1.tif + TCGA-2Z-A9J9-01A-01-TS1.xml   (side by side)

The input is the training folder, the test folder, or a folder holding both. Every <Region> polygon
(<Vertices><Vertex X= Y=/>) is filled into one binary mask (nuclei 255). A folder whose name contains "test" is
the test split, any other the training split; split.json is written when both are present.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw

from litemedseg.data.layouts.base import Case, Found, Layout, files_by_stem, pair, subdirs
from litemedseg.data.layouts.registry import register_layout
from litemedseg.errors import DataError


def _annotations(folder: Path) -> dict[str, Path]:
    if not folder.is_dir():
        return {}
    return {p.stem: p for p in sorted(folder.iterdir()) if p.suffix.lower() == ".xml" and not p.name.startswith(".")}


def _groups(root: Path) -> list[tuple[str, Path, Path]]:
    """(split, image folder, annotation folder) for `root` and each of its sub-folders that holds annotations."""
    groups = []
    for folder in (root, *subdirs(root)):
        split = "test" if "test" in folder.name.lower() else "train"
        if (folder / "Tissue Images").is_dir() and (folder / "Annotations").is_dir():
            groups.append((split, folder / "Tissue Images", folder / "Annotations"))
        elif set(_annotations(folder)) & set(files_by_stem(folder)):
            groups.append((split, folder, folder))
    return groups


def rasterise_xml(path: Path, shape: tuple[int, int]) -> np.ndarray:
    """uint8 (H, W) {0, 1}: the union of the polygons of an Aperio XML file (degenerate ones left out)."""
    try:
        tree = ET.parse(path)
    except ET.ParseError as err:
        raise DataError(f"{path}: not a readable XML annotation ({err})") from None
    except OSError as err:
        raise DataError(f"{path}: cannot read ({err.strerror or err})") from None
    canvas = Image.new("L", (shape[1], shape[0]), 0)
    draw = ImageDraw.Draw(canvas)
    regions = tree.getroot().iter("Region")
    for region in regions:
        try:
            points = [(float(v.attrib["X"]), float(v.attrib["Y"])) for v in region.iter("Vertex")]
        except (KeyError, ValueError):
            raise DataError(f"{path}: a <Vertex> of region {region.get('Id', '?')} lacks numeric X and Y") from None
        if len(points) >= 3:  # a few official regions are single points or lines: no area to fill
            draw.polygon(points, fill=1, outline=1)
    return np.asarray(canvas, np.uint8)


@register_layout
class MoNuSeg(Layout):
    name = "monuseg"
    priority = 50
    title = "MoNuSeg 2018 (nuclei, XML annotations)"

    def detect(self, root: Path) -> bool:
        return bool(_groups(root))

    def find_cases(self, root: Path) -> Found:
        found = Found([])
        for split, image_dir, xml_dir in _groups(root):
            images, annotations = files_by_stem(image_dir), _annotations(xml_dir)
            hint = f"{xml_dir}/<id>.xml"
            found.cases += [Case(stem, (img,), (xml,), split) for stem, img, xml in pair(images, annotations, hint)]
        return found

    def read_mask(self, case: Case, shape: tuple[int, int], threshold: int | None) -> np.ndarray:
        return rasterise_xml(case.masks[0], shape)
