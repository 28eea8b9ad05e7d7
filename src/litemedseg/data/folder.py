"""A dataset folder: images/, masks/, optional fov/, split.json and classes.json (docs/data.md)."""

from __future__ import annotations

import os
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from litemedseg.data import splits as splits_mod
from litemedseg.data.pairing import (
    find_mask_dir,
    flat_layout,
    hint,
    index_folder,
    listed,
    no_mask_folder,
    pair_masks,
    relative_to_root,
)
from litemedseg.errors import DataError
from litemedseg.utils.jsonio import read_json

DEMO_NAME = "demo"
DEMO_DATASET_NAME = "DSB2018-mini"  # the name the shipped demo set is recorded under


@dataclass(frozen=True)
class Sample:
    """One image with its mask and optional field-of-view mask, paired by file stem."""

    stem: str
    image: Path
    mask: Path | None = None
    fov: Path | None = None


@dataclass
class SegmentationFolder:
    """The files of one dataset folder and what is known about its labels and splits."""

    root: Path
    name: str
    samples: dict[str, Sample]
    num_classes: int = 1
    class_names: list[str] = field(default_factory=lambda: ["background", "foreground"])
    palette: list[list[int]] | None = None
    split_source: str = ""
    splits: dict[str, list[str]] = field(default_factory=dict)
    masks_dir: str = "masks"  # the folder the masks were read from, relative to root where it is inside
    mask_suffix: str = ""  # mask file = <image stem><mask_suffix>.<ext>

    @property
    def has_fov(self) -> bool:
        return any(s.fov is not None for s in self.samples.values())

    @property
    def has_masks(self) -> bool:
        return all(s.mask is not None for s in self.samples.values())

    def subset(self, split: str) -> list[Sample]:
        """The samples of "train", "val", "test" or "all" (sorted by stem)."""
        if split == "all":
            return [self.samples[k] for k in sorted(self.samples)]
        if split not in self.splits:
            raise DataError(f"{self.root}: no {split!r} split (have: {', '.join(sorted(self.splits)) or 'none'}, all)")
        return [self.samples[stem] for stem in self.splits[split]]

    def describe(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "root": str(self.root),
            "num_images": len(self.samples),
            "num_classes": self.num_classes,
            "class_names": self.class_names,
            "has_fov": self.has_fov,
            "split_source": self.split_source,
            "split_sizes": {k: len(v) for k, v in self.splits.items()},
            "masks_dir": self.masks_dir,
            "mask_suffix": self.mask_suffix,
        }


def demo_root() -> Path:
    """The small CC0 nuclei set shipped inside the package (a DSB2018 stage1_train subset)."""
    return Path(__file__).resolve().parent / "demo" / "dsb2018_mini"


def demo_dataset(**kwargs: Any) -> SegmentationFolder:
    """Open the embedded demo set (``--data demo`` on the command line)."""
    return open_dataset(DEMO_NAME, **kwargs)


def _read_classes(root: Path) -> tuple[list[str] | None, list[list[int]] | None]:
    path = root / "classes.json"
    if not path.exists():
        return None, None
    try:
        data = read_json(path)
        entries = sorted(((int(k), v) for k, v in data.items()), key=lambda kv: kv[0])
    except (OSError, ValueError, AttributeError) as err:
        raise DataError(f"{path}: not a JSON object of class index -> name ({err})") from None
    if [k for k, _ in entries] != list(range(len(entries))) or len(entries) < 2:
        raise DataError(f"{path}: class indices must be 0..C-1 with C >= 2, got {[k for k, _ in entries]}")
    if any(isinstance(v, dict) and not isinstance(v.get("name"), str) for _, v in entries):
        raise DataError(f"{path}: each class needs a name (a string, or an object with a \"name\" string)")
    names = [v["name"] if isinstance(v, dict) else str(v) for _, v in entries]
    colours = [v.get("color") for _, v in entries if isinstance(v, dict)]
    for colour in colours:
        if colour is not None and not (isinstance(colour, list) and len(colour) == 3
                                       and all(isinstance(c, int) and 0 <= c <= 255 for c in colour)):
            raise DataError(f"{path}: a class \"color\" must be [R, G, B] with values 0-255, got {colour!r}")
    palette = colours if len(colours) == len(entries) and all(colours) else None
    return names, palette


def open_dataset(
    path: str | os.PathLike,
    num_classes: int | None = None,
    split_file: str | os.PathLike | None = None,
    *,
    skip_unpaired: bool = False,
    require_masks: bool = True,
    masks_dir: str | os.PathLike | None = None,
    mask_suffix: str | None = None,
    group_by: str | None = None,
) -> SegmentationFolder:
    """Index a dataset folder (or ``"demo"``), pair images with masks by stem and resolve its split.

    Masks come from `masks_dir`, else from masks/ or a folder named like it (labels/, annotations/, gt/ ...);
    a mask is named like its image, or <stem>`mask_suffix` (found by itself when every name has one suffix).
    An image without a mask (or the reverse) is an error naming both folders unless `skip_unpaired`, in which
    case one warning lists the first unpaired files and the count. Split order: `split_file`, the committed
    ``splits/<name>.json``, the folder's own split.json (val carved from train), else a seed-0 80/10/10 split.
    A split made here keeps the groups of `group_by` (splits.group_function) whole.
    """
    root = demo_root() if str(path) == DEMO_NAME else Path(path).expanduser()
    if not root.exists():
        raise DataError(f"{root}: dataset folder not found")
    if not root.is_dir():
        raise DataError(f"{root}: not a folder (expected images/ and masks/ inside)")
    image_dir, fov_dir = root / "images", root / "fov"
    if not image_dir.is_dir():
        from litemedseg.data.layouts import convert_command, detect_layout, get_layout

        official = detect_layout(root)
        if official:
            raise DataError(f"{root}: no images/ folder; this looks like the official {get_layout(official).title} "
                            f"layout: convert it first with `{convert_command(root)}`")
        flat = flat_layout(root)
        if flat is not None:
            images, masks, suffix = flat
            example = masks[0].name
            raise DataError(f"{root}: images and masks lie side by side ({len(images)} images, {len(masks)} masks "
                            f"named like {example!r}); put them in images/ and masks/ first, e.g. "
                            f"cd {root} && mkdir images masks && mv *{suffix}{masks[0].suffix} masks/ && "
                            f"mv *{masks[0].suffix} images/ (masks named <stem>{suffix} then pair by themselves)")
        raise DataError(f"{root}: no images/ folder (layout: images/<stem>.png, masks/<stem>.png)")
    try:
        found_mask_dir = find_mask_dir(root, masks_dir)
        mask_dir = found_mask_dir or root / "masks"
        images = index_folder(image_dir)
        masks = index_folder(mask_dir) if found_mask_dir else {}
        fovs = index_folder(fov_dir) if fov_dir.is_dir() else {}
    except PermissionError as err:
        raise DataError(f"{err.filename}: permission denied") from None
    if not images:
        raise DataError(f"{image_dir}: no image files (.png, .jpg, .jpeg, .tif, .tiff, .bmp)")
    if require_masks and found_mask_dir is None:
        raise no_mask_folder(root)
    masks, suffix = pair_masks(images, masks, mask_suffix, mask_dir) if require_masks else (masks, "")

    unpaired: list[tuple[Path, str, Path]] = []
    if require_masks:
        unpaired += [(images[s], "no mask in", mask_dir) for s in sorted(set(images) - set(masks))]
        unpaired += [(masks[s], "no image in", image_dir) for s in sorted(set(masks) - set(images))]
    if unpaired:
        if not skip_unpaired:
            more = f" and {len(unpaired) - 1} more" if len(unpaired) > 1 else ""
            path, why, where = unpaired[0]
            raise DataError(f"unpaired file: {path} ({why} {where}){more}"
                            + hint("--skip-unpaired", "pass --skip-unpaired to leave them out", " ({})"))
        names = [f"{relative_to_root(path, root)} ({why} {relative_to_root(where, root)}/)"
                 for path, why, where in unpaired]
        warnings.warn(f"{root}: skipping {len(unpaired)} unpaired files: {listed(names)}", stacklevel=2)
    stems = sorted(set(images) & set(masks)) if require_masks else sorted(images)
    if not stems:
        raise DataError(f"{root}: no image has a mask with the same stem")
    if fovs and require_masks:
        missing = [s for s in stems if s not in fovs]
        if missing:
            raise DataError(f"{fov_dir}: no field-of-view mask for {missing[0]!r} ({len(missing)} missing)")
    samples = {s: Sample(s, images[s], masks.get(s), fovs.get(s)) for s in stems}

    names, palette = _read_classes(root)
    if num_classes is None:
        num_classes = len(names) if names and len(names) > 2 else 1
    if num_classes < 1:
        raise DataError(f"num_classes must be >= 1, got {num_classes}")
    if names is None or len(names) != max(num_classes, 2):
        names = ["background", "foreground"] if num_classes == 1 else [f"class{c}" for c in range(num_classes)]
    name = DEMO_DATASET_NAME if root == demo_root() else root.name
    dataset = SegmentationFolder(root, name, samples, num_classes, names, palette,
                                 masks_dir=str(relative_to_root(mask_dir, root)), mask_suffix=suffix)
    _resolve_split(dataset, split_file, group_by)
    return dataset


def _resolve_split(dataset: SegmentationFolder, split_file: str | os.PathLike | None,
                   group_by: str | None = None) -> None:
    group_of = splits_mod.group_function(group_by)
    grouped = f", whole groups of {group_by!r}" if group_by else ""
    stems = sorted(dataset.samples)
    committed = None if split_file else splits_mod.committed_split_path(dataset.name)
    source_path = Path(split_file) if split_file else committed or (dataset.root / "split.json")
    if split_file or source_path.is_file():
        split = splits_mod.read_split_file(source_path)
        listed = [s for name in splits_mod.SPLIT_NAMES for s in split[name]]
        unknown = [s for s in listed if s not in dataset.samples]
        if unknown:
            raise DataError(
                f"{source_path}: {len(unknown)} listed stems are not in {dataset.root} (first: {unknown[0]!r})"
            )
        # a committed split is named as "splits/<name>.json" so that records do not carry this machine's paths
        source = f"splits/{source_path.name}" if source_path == committed else str(source_path)
        if not split["val"]:
            split = splits_mod.add_val_split(split, group_of=group_of)
            source += f" (val: 10% of train, seed 0{grouped})"
    else:
        split = splits_mod.make_split(stems, group_of=group_of)
        source = f"seed-0 80/10/10 split made on the fly{grouped}"
    dataset.splits, dataset.split_source = split, source
