"""Miniature copies of official dataset layouts: the real folder and file names, tiny generated images.

Every builder writes a few images of a few dozen pixels and returns the masks it drew ({0, 1}, keyed by the stem
the converter should produce), so tests can compare the converted masks exactly.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
from PIL import Image

H, W = 20, 24  # every fixture image is 24 x 20 pixels


def noise(seed: int, channels: int = 3, size: tuple[int, int] = (H, W)) -> np.ndarray:
    rng = np.random.default_rng(seed)
    shape = (*size, channels) if channels > 1 else size
    return rng.integers(40, 220, shape, dtype=np.uint8)


def box(top: int, left: int, height: int = 8, width: int = 8, size: tuple[int, int] = (H, W)) -> np.ndarray:
    mask = np.zeros(size, np.uint8)
    mask[top : top + height, left : left + width] = 1
    return mask


def save(path: Path, array: np.ndarray, **kwargs) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(array).save(path, **kwargs)
    return path


def save_tiff(path: Path, array: np.ndarray) -> Path:
    import tifffile

    path.parent.mkdir(parents=True, exist_ok=True)
    tifffile.imwrite(path, array, photometric="rgb" if array.ndim == 3 else "minisblack")
    return path


def save_gif(path: Path, mask01: np.ndarray) -> Path:
    """A 0/255 mask as a palette GIF, as DRIVE ships its annotations."""
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(mask01 * 255).convert("P").save(path)
    return path


# ---- ISIC ---------------------------------------------------------------------------------------------------

ISIC_FOLDERS = {
    2016: {"train": ("ISBI2016_ISIC_Part1_Training_Data", "ISBI2016_ISIC_Part1_Training_GroundTruth", "_Segmentation"),
           "test": ("ISBI2016_ISIC_Part1_Test_Data", "ISBI2016_ISIC_Part1_Test_GroundTruth", "_Segmentation")},
    2017: {"train": ("ISIC-2017_Training_Data", "ISIC-2017_Training_Part1_GroundTruth", "_segmentation"),
           "val": ("ISIC-2017_Validation_Data", "ISIC-2017_Validation_Part1_GroundTruth", "_segmentation"),
           "test": ("ISIC-2017_Test_v2_Data", "ISIC-2017_Test_v2_Part1_GroundTruth", "_segmentation")},
    2018: {"train": ("ISIC2018_Task1-2_Training_Input", "ISIC2018_Task1_Training_GroundTruth", "_segmentation"),
           "val": ("ISIC2018_Task1-2_Validation_Input", "ISIC2018_Task1_Validation_GroundTruth", "_segmentation"),
           "test": ("ISIC2018_Task1-2_Test_Input", "ISIC2018_Task1_Test_GroundTruth", "_segmentation")},
}


def isic(root: Path, year: int, per_split: int = 2, ground_truth: tuple[str, ...] | None = None) -> dict:
    """ISIC_0000000.jpg ... in each split's input folder; masks in its ground-truth folder (0/255 PNG)."""
    masks, index = {}, 0
    for split, (inputs, truth, suffix) in ISIC_FOLDERS[year].items():
        for _ in range(per_split):
            stem = f"ISIC_{index:07d}"
            save(root / inputs / f"{stem}.jpg", noise(index), quality=95)
            if ground_truth is None or split in ground_truth:
                masks[stem] = box(index % 10, index % 12)
                save(root / truth / f"{stem}{suffix}.png", masks[stem] * 255)
            index += 1
        (root / inputs / "ATTRIBUTION.txt").write_text("ISIC archive\n")
        if year == 2017:  # the 2017 image folders also hold superpixel maps and a metadata table
            save(root / inputs / f"ISIC_{index - 1:07d}_superpixels.png", noise(99))
            (root / inputs / f"{inputs}_metadata.csv").write_text("image_id,age\n")
    return masks


# ---- Kvasir-SEG, CVC-ClinicDB, PH2 --------------------------------------------------------------------------


def kvasir(root: Path, count: int = 3) -> dict:
    """images/<id>.jpg and masks/<id>.jpg (JPEG-compressed 0/255 masks) plus kavsir_bboxes.json."""
    masks = {}
    for i in range(count):
        stem = f"cju{i}qkwl35piu0993l0dewei{i}"
        save(root / "images" / f"{stem}.jpg", noise(i), quality=90)
        masks[stem] = box(4, 4 + 4 * i, 10, 10)
        save(root / "masks" / f"{stem}.jpg", masks[stem] * 255, quality=75)
    (root / "kavsir_bboxes.json").write_text("{}")
    return masks


def cvc(root: Path, variant: str = "tif", count: int = 3) -> dict:
    """Original/<n>.tif + Ground Truth/<n>.tif, or the PNG copy under PNG/."""
    base = root / "PNG" if variant == "png" else root
    masks = {}
    for n in range(1, count + 1):
        masks[str(n)] = box(n, 2 * n)
        if variant == "png":
            save(base / "Original" / f"{n}.png", noise(n))
            save(base / "Ground Truth" / f"{n}.png", masks[str(n)] * 255)
        else:
            save_tiff(base / "Original" / f"{n}.tif", noise(n))
            save_tiff(base / "Ground Truth" / f"{n}.tif", masks[str(n)] * 255)
    return masks


def ph2(root: Path, ids: tuple[str, ...] = ("IMD002", "IMD003", "IMD004")) -> dict:
    """PH2 Dataset images/IMDxxx/IMDxxx_Dermoscopic_Image/IMDxxx.bmp and IMDxxx_lesion/IMDxxx_lesion.bmp."""
    masks = {}
    base = root / "PH2 Dataset images"
    for i, stem in enumerate(ids):
        save(base / stem / f"{stem}_Dermoscopic_Image" / f"{stem}.bmp", noise(i))
        masks[stem] = box(2 + i, 3 + i)
        save(base / stem / f"{stem}_lesion" / f"{stem}_lesion.bmp", masks[stem] * 255)
        save(base / stem / f"{stem}_roi" / f"{stem}_R1_Label4.bmp", masks[stem] * 255)
    (root / "PH2_dataset.txt").write_text("|| Name || Histological Diagnosis ||\n")
    return masks


# ---- retina: DRIVE, CHASE_DB1 --------------------------------------------------------------------------------


def fundus(seed: int, size: tuple[int, int] = (H, W)) -> tuple[np.ndarray, np.ndarray]:
    """A bright disk on black (the field of view) with a dark vessel inside; the disk as {0, 1}."""
    h, w = size
    yy, xx = np.mgrid[:h, :w]
    fov = ((yy - h / 2 + 0.5) ** 2 + (xx - w / 2 + 0.5) ** 2 <= (min(h, w) / 2 - 1) ** 2).astype(np.uint8)
    image = noise(seed, size=size) // 4 + 150
    image[..., 0] = 200  # fundus images are red
    image[~fov.astype(bool)] = 0
    return image, fov


def drive(root: Path, test_manual: bool = True, per_split: int = 2) -> dict:
    """training/{images,1st_manual,mask}/ and test/{images,1st_manual,2nd_manual,mask}/ with the official names."""
    masks = {}
    for folder, numbers in (("training", range(21, 21 + per_split)), ("test", range(1, 1 + per_split))):
        for n in numbers:
            stem = f"{n:02d}_{folder}"
            image, fov = fundus(n)
            save_tiff(root / folder / "images" / f"{stem}.tif", image)
            save_gif(root / folder / "mask" / f"{stem}_mask.gif", fov)
            vessels = box(8, 2, 2, 20) & fov
            if folder == "training" or test_manual:
                save_gif(root / folder / "1st_manual" / f"{n:02d}_manual1.gif", vessels)
                masks[stem] = (vessels, fov)
            if folder == "test":
                save_gif(root / folder / "2nd_manual" / f"{n:02d}_manual2.gif", box(9, 2, 1, 20) & fov)
    return masks


def chase(root: Path, ids: tuple[str, ...] = ("Image_01L", "Image_01R", "Image_11L")) -> dict:
    """One flat folder: Image_01L.jpg, Image_01L_1stHO.png (1-bit), Image_01L_2ndHO.png."""
    root.mkdir(parents=True, exist_ok=True)
    masks = {}
    for i, stem in enumerate(ids):
        image, fov = fundus(i, size=(32, 34))
        save(root / f"{stem}.jpg", image, quality=90)
        vessels = box(12, 4, 3, 24, size=(32, 34)) & fov
        Image.fromarray(vessels.astype(bool)).save(root / f"{stem}_1stHO.png")
        Image.fromarray(box(13, 4, 2, 24, size=(32, 34)).astype(bool)).save(root / f"{stem}_2ndHO.png")
        masks[stem] = (vessels, fov)
    return masks


# ---- MoNuSeg ----------------------------------------------------------------------------------------------


def aperio_xml(polygons: list[list[tuple[float, float]]]) -> str:
    """An Aperio ImageScope annotation file with one <Region> per polygon, as MoNuSeg ships them."""
    regions = []
    for i, points in enumerate(polygons, 1):
        vertices = "".join(f'<Vertex X="{x}" Y="{y}" Z="0" />' for x, y in points)
        regions.append(f'<Region Id="{i}" Type="0" Zoom="1" Selected="0"><Attributes/>'
                       f"<Vertices>{vertices}</Vertices></Region>")
    return ('<?xml version="1.0" encoding="UTF-8"?><Annotations MicronsPerPixel="0.252100"><Annotation Id="1">'
            '<Attributes><Attribute Name="Description" Id="0" Value=""/></Attributes><Regions>'
            '<RegionAttributeHeaders/>' + "".join(regions) + "</Regions><Plots/></Annotation></Annotations>")


def monuseg(root: Path) -> dict:
    """MoNuSeg 2018 Training Data/{Tissue Images,Annotations}/ and MoNuSegTestData/ (tif + xml side by side).

    Each image has two square nuclei (corners given as polygon vertices) and one degenerate two-point region.
    """
    masks = {}
    layout = {"MoNuSeg 2018 Training Data": ["TCGA-18-5592-01Z-00-DX1", "TCGA-21-5784-01Z-00-DX1"],
              "MoNuSegTestData": ["TCGA-2Z-A9J9-01A-01-TS1"]}
    for i, (folder, stems) in enumerate((f, s) for f, ss in layout.items() for s in ss):
        train = folder.startswith("MoNuSeg 2018")
        images = root / folder / "Tissue Images" if train else root / folder
        notes = root / folder / "Annotations" if train else root / folder
        save_tiff(images / f"{stems}.tif", noise(i))
        # Vertices at pixel centres: PIL fills the closed square [x0, x1] x [y0, y1] inclusive.
        squares = [[(2, 3), (7, 3), (7, 8), (2, 8)], [(12.0, 10.0), (19.0, 10.0), (19.0, 15.0), (12.0, 15.0)]]
        notes.mkdir(parents=True, exist_ok=True)
        (notes / f"{stems}.xml").write_text(aperio_xml([*squares, [(1, 1), (3, 1)]]))
        masks[stems] = box(3, 2, 6, 6) | box(10, 12, 6, 8)
    return masks


# ---- BUSI, GlaS -----------------------------------------------------------------------------------------------


def busi(root: Path) -> dict:
    """Dataset_BUSI_with_GT/{benign,malignant,normal}/"<class> (n).png" with "_mask.png" and "_mask_1.png"."""
    base = root / "Dataset_BUSI_with_GT"
    masks = {}
    for i, (label, n) in enumerate((("benign", 1), ("benign", 2), ("malignant", 10), ("normal", 1))):
        name = f"{label} ({n})"
        save(base / label / f"{name}.png", noise(i, channels=1))
        first = box(2, 2, 5, 5) if label != "normal" else np.zeros((H, W), np.uint8)
        save(base / label / f"{name}_mask.png", first * 255)
        merged = first
        if (label, n) == ("benign", 2):  # a second lesion in its own mask file
            save(base / label / f"{name}_mask_1.png", box(12, 14, 4, 6) * 255)
            merged = first | box(12, 14, 4, 6)
        masks[f"{label}_{n:03d}"] = merged
    return masks


def glas(root: Path) -> dict:
    """train_1.bmp + train_1_anno.bmp (gland instance labels 1..N), testA_1, testB_1; Grade.csv."""
    root.mkdir(parents=True, exist_ok=True)
    masks = {}
    for i, stem in enumerate(("train_1", "train_2", "testA_1", "testB_1")):
        save(root / f"{stem}.bmp", noise(i))
        labels = box(2, 2, 5, 5) * 1 + box(10, 12, 6, 6) * 2
        save(root / f"{stem}_anno.bmp", labels.astype(np.uint8))
        masks[stem] = (labels > 0).astype(np.uint8)
    (root / "Grade.csv").write_text("name,patient ID,grade (GlaS),grade (Sirinukunwattana et al. 2015)\n")
    return masks


# ---- nnU-Net raw ------------------------------------------------------------------------------------------


def nnunet(root: Path, channels: int = 1, labels: dict | None = None, test_labels: bool = False) -> dict:
    """Dataset042_Toy/dataset.json, imagesTr/<case>_000c.png, labelsTr/<case>.png, imagesTs/ (unlabelled)."""
    labels = labels or {"background": 0, "rv": 1, "myo": 2, "lv": 3}
    base = root / "Dataset042_Toy"
    names = {"0": "R", "1": "G", "2": "B"} if channels == 3 else {"0": "MRI"}
    (base / "imagesTr").mkdir(parents=True)
    (base / "dataset.json").write_text(json.dumps({"channel_names": names, "labels": labels, "numTraining": 2,
                                                   "file_ending": ".png"}))
    masks = {}
    top = max(labels.values()) if all(isinstance(v, int) for v in labels.values()) else 1
    for i, case in enumerate(("toy_001", "toy_002")):
        for c in range(channels):
            save(base / "imagesTr" / f"{case}_{c:04d}.png", noise(10 * i + c, channels=1))
        label = (box(2, 2, 6, 6) * 1 + box(10, 12, 6, 6) * top).astype(np.uint8)
        save(base / "labelsTr" / f"{case}.png", label)
        masks[case] = label
    for c in range(channels):
        save(base / "imagesTs" / f"toy_101_{c:04d}.png", noise(100 + c, channels=1))
    if test_labels:
        masks["toy_101"] = box(4, 4).astype(np.uint8)
        save(base / "labelsTs" / "toy_101.png", masks["toy_101"])
    return masks


# ---- checking a conversion ----------------------------------------------------------------------------------


def convert(source: Path, output: Path, layout: str | None = None, **options):
    """Convert `source` (layout detected unless given) and open the result: (report, SegmentationFolder)."""
    from litemedseg.data import open_dataset
    from litemedseg.data.layouts import convert_dataset

    report = convert_dataset(source, output, layout, progress=False, **options)
    return report, open_dataset(output)


def read(path: Path) -> np.ndarray:
    return np.asarray(Image.open(path))


def assert_masks(dataset, expected: dict, scale: int = 255) -> None:
    """Every converted mask equals the drawn one ({0, 1} written as 0/`scale`)."""
    assert sorted(dataset.samples) == sorted(expected)
    for stem, mask in expected.items():
        mask = mask[0] if isinstance(mask, tuple) else mask
        np.testing.assert_array_equal(read(dataset.samples[stem].mask), mask * scale, err_msg=stem)
