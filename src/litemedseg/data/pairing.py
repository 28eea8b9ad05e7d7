"""Pairing images with masks: the mask folder (masks/, labels/, gt/ ...), mask-name suffixes (_mask ...), and the
one-line messages for layouts that cannot be decided. Shared by dataset folders and `convert`'s folder layout."""

from __future__ import annotations

import os
from pathlib import Path

from litemedseg.data.io import is_image_name, require_file, require_utf8_name
from litemedseg.errors import DataError, hints

# Folder names people keep masks under (compared case-insensitively); masks/ wins when there are several.
MASK_FOLDERS = ("masks", "labels", "annotations", "gt", "ground_truth", "groundtruth", "segmentations")
MAX_LISTED = 5  # names a warning lists before "and N more"


def index_folder(folder: Path) -> dict[str, Path]:
    files: dict[str, Path] = {}
    for path in sorted(folder.iterdir()):
        if not is_image_name(path):
            continue
        require_utf8_name(path)
        require_file(path)  # a folder or a broken link named like an image is an error naming it
        if path.stem in files:
            raise DataError(f"{folder}: two files share the stem {path.stem!r} ({files[path.stem].name}, {path.name})")
        files[path.stem] = path
    return files


def flat_layout(root: Path) -> tuple[list[Path], list[Path], str] | None:
    """(images, masks, suffix) when `root` holds images and their masks side by side (``1.png`` beside
    ``1_mask.png``), told apart by the one name suffix that pairs the most of them; None otherwise."""
    try:
        files = index_folder(root)
    except DataError:
        return None
    counts: dict[str, int] = {}
    for stem in files:
        for cut in range(1, len(stem)):
            if stem[:cut] in files and not stem[cut].isalnum():  # 1_mask, 1-seg: a separator starts the suffix
                counts[stem[cut:]] = counts.get(stem[cut:], 0) + 1
    if not counts:
        return None
    suffix = max(counts, key=counts.__getitem__)
    masks = [files[s] for s in files if s.endswith(suffix) and s[: -len(suffix)] in files]
    return [files[s] for s in files if not s.endswith(suffix)], masks, suffix


def hint(flag: str, advice: str, form: str = "; {}") -> str:
    """`advice` (naming `flag`) put into `form` when the running command takes `flag`, else ""."""
    return form.format(advice) if hints((flag, advice)) else ""


def no_mask_folder(root: Path) -> DataError:
    """The error for a dataset folder without any folder of MASK_FOLDERS."""
    return DataError(f"{root}: no masks/ folder (nor labels/, annotations/, gt/"
                     + hint("--masks-dir", "pass --masks-dir NAME") + ")")


def listed(names: list[str], limit: int = MAX_LISTED) -> str:
    """At most `limit` names, then how many more: warnings stay one readable line for any folder size."""
    shown = "; ".join(names[:limit])
    return shown + (f"; and {len(names) - limit} more" if len(names) > limit else "")


def relative_to_root(path: Path, root: Path) -> Path:
    return path.relative_to(root) if path.is_relative_to(root) else path


def find_mask_dir(root: Path, masks_dir: str | os.PathLike | None = None) -> Path | None:
    """The folder holding the masks: `masks_dir` (relative to `root` unless absolute), else the one folder of
    MASK_FOLDERS under `root` (masks/ first); None when there is none."""
    if masks_dir is not None:
        path = Path(masks_dir).expanduser()
        path = path if path.is_absolute() else root / path
        if not path.is_dir():
            raise DataError(f"{path}: masks folder not found" + hint("--masks-dir", "--masks-dir", " ({})"))
        return path
    found = sorted((p for p in root.iterdir() if p.is_dir() and p.name.lower() in MASK_FOLDERS),
                   key=lambda p: MASK_FOLDERS.index(p.name.lower()))
    if len(found) > 1 and found[0].name.lower() != "masks":
        raise DataError(f"{root}: several folders could hold the masks ({', '.join(p.name + '/' for p in found)})"
                        + hint("--masks-dir", "pass --masks-dir NAME"))
    return found[0] if found else None


def pair_masks(images: dict[str, Path], masks: dict[str, Path], mask_suffix: str | None,
               mask_dir: Path) -> tuple[dict[str, Path], str]:
    """Masks keyed by the stem of their image, and the suffix that pairs them ("" = the same stem).

    Without `mask_suffix`, masks named like their images pair as they are; else the one suffix that pairs
    the most masks (``_mask``, ``_segmentation``, ``_manual1`` ...) is taken.
    """
    if mask_suffix is None:
        if not masks or set(masks) & set(images):
            return masks, ""
        counts: dict[str, int] = {}
        for stem in masks:
            for cut in range(1, len(stem)):
                if stem[:cut] in images:
                    counts[stem[cut:]] = counts.get(stem[cut:], 0) + 1
        if not counts:
            image, mask = next(iter(images.values())), next(iter(masks.values()))
            raise DataError(f"{mask_dir}: no image has a mask named after it (images like {image.name!r}, masks "
                            f"like {mask.name!r})" + hint("--mask-suffix", "pass --mask-suffix SUFFIX for masks "
                                                           "named <image stem>SUFFIX"))
        ranked = sorted(counts.items(), key=lambda kv: -kv[1])
        if len(ranked) > 1 and ranked[1][1] == ranked[0][1]:
            raise DataError(f"{mask_dir}: masks pair with their images by either suffix {ranked[0][0]!r} or "
                            f"{ranked[1][0]!r}" + hint("--mask-suffix", "pass --mask-suffix to choose"))
        mask_suffix = ranked[0][0]
    keyed: dict[str, Path] = {}
    for stem, path in masks.items():
        key = stem[: len(stem) - len(mask_suffix)] if mask_suffix and stem.endswith(mask_suffix) else stem
        if key in keyed:
            raise DataError(f"{mask_dir}: two masks for the image {key!r} ({keyed[key].name}, {path.name})")
        keyed[key] = path
    return keyed, mask_suffix
