"""What every official layout shares: the cases it finds, how they are read, checked and written out."""

from __future__ import annotations

import abc
import csv
import io
import re
import shutil
import warnings
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import ClassVar

import numpy as np
from PIL import Image

from litemedseg.data.io import IMAGE_SUFFIXES, read_image, read_mask, require_utf8_name, write_png
from litemedseg.data.layouts.output import check_paths, staged_folder
from litemedseg.errors import DataError
from litemedseg.utils.atomic import write_json_atomic, write_text_atomic

# Official releases also use GIF (DRIVE), which the training reader does not list as an image type.
SOURCE_SUFFIXES = (*IMAGE_SUFFIXES, ".gif")
# Image files kept byte for byte (no re-encoding loss); every other type is decoded and written as PNG.
COPIED_SUFFIXES = (".png", ".jpg", ".jpeg")
SPLIT_ORDER = ("train", "val", "test")
_SAFE_STEM = re.compile(r"[^A-Za-z0-9._-]+")
_FOV_NOTES = {"official": "; fov/ from the official masks", "derived": "; fov/ derived by thresholding"}


@dataclass(frozen=True)
class Case:
    """One labelled image of an official layout, before conversion."""

    stem: str
    images: tuple[Path, ...]  # one file, or one grey file per channel (nnU-Net)
    masks: tuple[Path, ...] = ()  # binary masks merged by union, one class-index mask, or an annotation file
    split: str | None = None  # the official split, None where the layout has none
    fov: Path | None = None
    mask2: Path | None = None  # a second observer's mask (DRIVE test, CHASE_DB1)
    label: str | None = None  # an image-level class (BUSI: benign / malignant / normal)


@dataclass
class Found:
    """The cases of one dataset, the files left out (one warning per group) and its class names."""

    cases: list[Case]
    warnings: list[str] = field(default_factory=list)  # one message per group of skipped files or per oddity
    skipped_files: int = 0
    class_names: list[str] | None = None

    def skip(self, count: int, message: str) -> None:
        if count:
            self.warnings.append(message)
            self.skipped_files += count

    def warn(self, message: str) -> None:
        self.warnings.append(message)


@dataclass
class ConversionReport:
    """What `Layout.convert` wrote."""

    layout: str  # the layout's title, e.g. "DRIVE (retinal vessels)"
    source: Path
    output: Path
    counts: dict[str, int]
    warnings: list[str]
    skipped_files: int
    fov: str = ""  # "official", "derived" or "" (none)
    num_classes: int = 1

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    def summary(self) -> str:
        """One line for the terminal."""
        parts = ("no official split" if list(self.counts) == ["all"]
                 else ", ".join(f"{n} {split}" for split, n in self.counts.items()))
        fov = _FOV_NOTES.get(self.fov, "")
        classes = f"; {self.num_classes} classes" if self.num_classes > 2 else ""
        return (f"converted {self.total} images ({parts}) from {self.layout} into {self.output}{fov}{classes}; "
                f"skipped {self.skipped_files} files")

    def as_dict(self) -> dict:
        return {"layout": self.layout, "source": str(self.source), "counts": self.counts, "fov": self.fov or None,
                "num_classes": self.num_classes, "skipped_files": self.skipped_files, "warnings": self.warnings}


class Layout(abc.ABC):
    """An official dataset layout: recognised by `detect`, turned into the standard folder by `convert`."""

    name: ClassVar[str]
    title: ClassVar[str]  # e.g. "DRIVE (retinal vessels)"
    # Foreground = grey value > threshold; None reads {0, v} masks exactly and refuses anything else.
    mask_threshold: ClassVar[int | None] = None
    fov: ClassVar[str] = ""  # "official" where the layout ships FOV masks, "derived" where they are computed
    # Detection order, lowest first: specific layouts before broad ones (plain images/ + masks/ is Kvasir-SEG's)
    priority: ClassVar[int] = 1000

    @abc.abstractmethod
    def detect(self, root: Path) -> bool:
        """Whether `root` looks like this layout (cheap: folder and file names only)."""

    @abc.abstractmethod
    def find_cases(self, root: Path) -> Found:
        """Every labelled image under `root`; a missing counterpart is a DataError naming the file."""

    def read_image(self, case: Case) -> np.ndarray:
        """uint8 (H, W, C) with C 1 or 3."""
        return read_image(case.images[0])

    def read_mask(self, case: Case, shape: tuple[int, int], threshold: int | None) -> np.ndarray:
        """uint8 (H, W): {0, 1} (union of the case's binary masks) or class indices."""
        merged = np.zeros(shape, np.uint8)
        for path in case.masks:
            merged |= read_binary_mask(path, shape, case.images[0], threshold)
        return merged

    def read_fov(self, case: Case, image: np.ndarray) -> np.ndarray | None:
        """uint8 (H, W) {0, 1}, or None where the layout has no field of view."""
        return read_binary_mask(case.fov, image.shape[:2], case.images[0], None) if case.fov else None

    def convert(
        self, root: str | Path, output: str | Path, *, overwrite: bool = False, mask_threshold: int | None = None,
        progress: bool | None = None,
    ) -> ConversionReport:
        """Write the standard layout (images/, masks/, fov/, split.json, ...) of `root` into `output`."""
        root, output = Path(root).expanduser(), Path(output).expanduser()
        if not root.is_dir():
            raise DataError(f"{root}: input folder not found")
        check_paths(root, output)
        found = self.find_cases(root)
        if not found.cases:
            raise DataError(f"{root}: no labelled images found for the {self.title} layout")
        _check_unique(found.cases, root)
        for message in found.warnings:
            warnings.warn(message, stacklevel=2)
        threshold = self.mask_threshold if mask_threshold is None else mask_threshold
        with staged_folder(output, overwrite, marker="conversion.json") as staging:
            for case in _progress(found.cases, progress):
                self._write_case(case, staging, threshold, found.class_names)
            counts = _write_splits(found.cases, staging)
            _write_extras(found, staging)
            report = ConversionReport(self.title, root, output.absolute(), counts, found.warnings, found.skipped_files,
                                      self.fov, len(found.class_names or ()) or 1)
            write_json_atomic(staging / "conversion.json", report.as_dict())
        return report

    def _write_case(self, case: Case, out: Path, threshold: int | None, class_names: list[str] | None) -> None:
        image = self.read_image(case)
        shape = image.shape[:2]
        mask = self.read_mask(case, shape, threshold)
        if class_names:
            mask = check_labels(case.masks[0], mask, len(class_names))
        multiclass = len(class_names or ()) > 2
        write_png(out / "masks" / f"{case.stem}.png", mask if multiclass else mask * 255)
        source = case.images[0]
        if len(case.images) == 1 and source.suffix.lower() in COPIED_SUFFIXES:
            (out / "images").mkdir(exist_ok=True)
            shutil.copyfile(source, out / "images" / f"{case.stem}{source.suffix.lower()}")
        else:
            write_png(out / "images" / f"{case.stem}.png", image[..., 0] if image.shape[-1] == 1 else image)
        fov = self.read_fov(case, image)
        if fov is not None:
            write_png(out / "fov" / f"{case.stem}.png", fov * 255)
        if case.mask2 is not None:
            second = read_binary_mask(case.mask2, shape, source, threshold)
            write_png(out / "masks_2nd" / f"{case.stem}.png", second * 255)


def _progress(cases: Sequence[Case], progress: bool | None) -> Iterable[Case]:
    if progress is False:
        return cases
    from tqdm.auto import tqdm

    # disable=None: a bar only on a terminal, so logs and captured output stay clean.
    return tqdm(cases, desc="converting", unit="img", leave=False, disable=None if progress is None else not progress)


def _check_unique(cases: Sequence[Case], root: Path) -> None:
    seen: dict[str, Case] = {}
    for case in cases:
        if case.stem in seen:
            raise DataError(f"{case.images[0]}: its name {case.stem!r} is also used by {seen[case.stem].images[0]}")
        seen[case.stem] = case


def _write_splits(cases: Sequence[Case], out: Path) -> dict[str, int]:
    """split.json only where cases come from two or more official splits; the counts per split (or "all")."""
    splits: dict[str, list[str]] = {}
    for case in cases:
        splits.setdefault(case.split or "all", []).append(case.stem)
    if len(splits) > 1 and "all" not in splits:
        write_json_atomic(out / "split.json", {k: sorted(splits[k]) for k in SPLIT_ORDER if k in splits})
    order = [k for k in (*SPLIT_ORDER, "all") if k in splits]
    return {k: len(splits[k]) for k in order}


def _write_extras(found: Found, out: Path) -> None:
    if found.class_names:
        write_json_atomic(out / "classes.json", {str(i): name for i, name in enumerate(found.class_names)})
    if any(case.label for case in found.cases):
        text = io.StringIO()
        writer = csv.writer(text, lineterminator="\n")
        writer.writerow(["stem", "class"])
        writer.writerows(sorted((case.stem, case.label or "") for case in found.cases))
        write_text_atomic(out / "labels.csv", text.getvalue())


# ---- helpers for the layout modules ---------------------------------------------------------------------------


def read_binary_mask(path: Path, shape: tuple[int, int], image: Path, threshold: int | None) -> np.ndarray:
    """A {0, 1} mask that must be the size of `image` (an error naming both files otherwise)."""
    mask = read_mask(path, 1, threshold=threshold)
    check_size(path, mask.shape, image, shape)
    return mask


def read_label_map(path: Path) -> np.ndarray:
    """(H, W) integer labels as stored: a palette image gives its indices, not its colours; grey RGB its grey."""
    try:
        if path.suffix.lower() in (".tif", ".tiff"):
            import tifffile

            array = tifffile.imread(path)
        else:
            with Image.open(path) as img:
                array = np.asarray(img.convert("L") if img.mode == "1" else img)
    except Exception:  # noqa: BLE001  (the image reader turns the same failure into a one-line DataError)
        read_image(path)
        raise DataError(f"{path}: not a readable label image") from None
    if array.ndim == 3 and (array[..., :3] == array[..., :1]).all():
        array = array[..., 0]
    if array.ndim != 2 or not np.issubdtype(array.dtype, np.integer):
        raise DataError(f"{path}: expected a grey or palette label image, got {array.dtype} of shape {array.shape}")
    return array


def check_labels(path: Path, labels: np.ndarray, num_classes: int) -> np.ndarray:
    """uint8 class indices; a value outside 0..num_classes-1 is a DataError naming the file and the values."""
    values = np.unique(labels)
    if values.min() < 0 or values.max() >= num_classes:
        shown = ", ".join(str(v) for v in values[:8].tolist())
        raise DataError(f"{path}: label values {{{shown}}} outside the {num_classes} classes 0..{num_classes - 1}")
    return labels.astype(np.uint8)


def check_size(path: Path, got: tuple[int, ...], image: Path, shape: tuple[int, ...]) -> None:
    if tuple(got[:2]) != tuple(shape[:2]):
        raise DataError(f"{path}: mask is {got[1]}x{got[0]} pixels but its image {image.name} is {shape[1]}x{shape[0]}")


def files_by_stem(folder: Path, suffix: str = "", ignore: Sequence[str] = ()) -> dict[str, Path]:
    """Image files of `folder` keyed by stem, minus `suffix` (case-insensitive); stems ending in `suffix` only.

    Hidden files, non-images and stems ending in one of `ignore` (e.g. ISIC 2017 "_superpixels") are left out.
    """
    files: dict[str, Path] = {}
    if not folder.is_dir():
        return files
    for path in sorted(folder.iterdir()):
        if path.name.startswith(".") or not path.is_file() or path.suffix.lower() not in SOURCE_SUFFIXES:
            continue
        require_utf8_name(path)
        stem = path.stem
        if any(stem.lower().endswith(end.lower()) for end in ignore):
            continue
        if suffix:
            if not stem.lower().endswith(suffix.lower()):
                continue
            stem = stem[: -len(suffix)]
        if stem in files:
            raise DataError(f"{folder}: two files share the name {stem!r} ({files[stem].name}, {path.name})")
        files[stem] = path
    return files


def pair(images: dict[str, Path], masks: dict[str, Path], mask_hint: str) -> list[tuple[str, Path, Path]]:
    """(stem, image, mask) for every stem; an image without its mask (or the reverse) is a DataError.

    `mask_hint` names where the mask was expected, e.g. "ISIC2018_Task1_Training_GroundTruth/<id>_segmentation.png".
    """
    for stem, path in images.items():
        if stem not in masks:
            raise DataError(f"{path}: no ground-truth mask (expected {mask_hint.replace('<id>', stem)})")
    for stem, path in masks.items():
        if stem not in images:
            raise DataError(f"{path}: ground-truth mask without an image (no {stem!r} among the images)")
    return [(stem, images[stem], masks[stem]) for stem in sorted(images)]


def find_file(folder: Path, stem: str) -> Path | None:
    """The file `folder/stem.<any image suffix>` (case-insensitive suffix), or None."""
    if not folder.is_dir():
        return None
    for suffix in SOURCE_SUFFIXES:
        for candidate in (folder / f"{stem}{suffix}", folder / f"{stem}{suffix.upper()}"):
            if candidate.is_file():
                return candidate
    return None


def safe_stem(text: str) -> str:
    """A file-name-safe stem: runs of characters other than letters, digits, '.', '_' and '-' become '_'."""
    return _SAFE_STEM.sub("_", text).strip("_") or "image"


def subdirs(root: Path) -> list[Path]:
    """Visible sub-folders of `root` (macOS `__MACOSX` zip debris left out)."""
    try:
        return sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith((".", "__MACOSX")))
    except OSError:
        return []
