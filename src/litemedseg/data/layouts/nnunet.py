"""The nnU-Net (v2) raw dataset format, 2D images only::

    Dataset123_Name/dataset.json   {"channel_names": {"0": "R", "1": "G", "2": "B"},
                                    "labels": {"background": 0, "polyp": 1}, "numTraining": 2, "file_ending": ".png"}
    Dataset123_Name/imagesTr/case_0000.png   (one file per channel: _0000, _0001, ...)
    Dataset123_Name/labelsTr/case.png        (class index per pixel)
    Dataset123_Name/imagesTs/...             (test images; used only with a labelsTs/ folder beside it)

imagesTr becomes the training split, imagesTs (with labelsTs) the test split. A case is one file (grey or RGB)
or three grey channel files stacked into RGB; other channel counts are an error. classes.json holds the label
names; masks stay class indices when there are more than two labels, else they become 0/255. nnU-Net v1
label maps ({"0": "background", ...}) are read too; region-based labels and "ignore" are not supported.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np

from litemedseg.data.io import read_image
from litemedseg.data.layouts.base import SOURCE_SUFFIXES, Case, Found, Layout, check_size, read_label_map
from litemedseg.data.layouts.registry import register_layout
from litemedseg.errors import DataError
from litemedseg.utils.jsonio import read_json

_CHANNEL = re.compile(r"^(.+)_(\d{4})$")


def read_dataset_json(root: Path) -> tuple[str, list[str]]:
    """(file ending, class names by index) from dataset.json, with one-line errors naming the file."""
    path = root / "dataset.json"
    if not path.is_file():
        raise DataError(f"{path}: not found (an nnU-Net raw dataset has dataset.json beside imagesTr/)")
    try:
        data = read_json(path)
    except (OSError, UnicodeDecodeError, ValueError) as err:
        raise DataError(f"{path}: not a readable JSON file ({err})") from None
    if not isinstance(data, dict):
        raise DataError(f"{path}: expected a JSON object")
    ending = data.get("file_ending")
    if not isinstance(ending, str) or ending.lower() not in SOURCE_SUFFIXES:
        raise DataError(f"{path}: file_ending {ending!r} is not a 2D image type ({', '.join(SOURCE_SUFFIXES)})")
    labels = data.get("labels")
    if not isinstance(labels, dict) or not labels:
        raise DataError(f"{path}: \"labels\" must be an object of name -> index")
    if "ignore" in labels:
        raise DataError(f"{path}: the \"ignore\" label is not supported")
    try:
        if all(str(key).isdigit() for key in labels):  # nnU-Net v1: {"0": "background", "1": "tumour"}
            by_index = {int(key): str(name) for key, name in labels.items()}
        else:
            if any(isinstance(value, list) for value in labels.values()):
                raise DataError(f"{path}: region-based labels (lists of indices) are not supported")
            by_index = {int(value): str(name) for name, value in labels.items()}
    except (TypeError, ValueError):
        raise DataError(f"{path}: label indices must be integers, got {labels}") from None
    if sorted(by_index) != list(range(len(by_index))) or len(by_index) < 2:
        raise DataError(f"{path}: label indices must be 0..C-1 with C >= 2, got {sorted(by_index)}")
    return ending, [by_index[i] for i in range(len(by_index))]


def _channel_files(folder: Path, ending: str) -> dict[str, list[Path]]:
    """Case id -> its channel files in channel order, from names <case>_<XXXX><ending>."""
    cases: dict[str, dict[int, Path]] = {}
    for path in sorted(folder.iterdir()):
        if path.name.startswith(".") or not path.name.lower().endswith(ending.lower()):
            continue
        match = _CHANNEL.match(path.name[: -len(ending)])
        if not match:
            raise DataError(f"{path}: image names must end in _XXXX{ending} (channel number), e.g. case_0000{ending}")
        cases.setdefault(match.group(1), {})[int(match.group(2))] = path
    if not cases:
        others = sorted({p.suffix.lower() for p in folder.iterdir() if p.suffix.lower() in SOURCE_SUFFIXES})
        if others:
            raise DataError(f"{folder.parent / 'dataset.json'}: file_ending {ending!r} matches no file in {folder} "
                            f"(found {', '.join(others)})")
    out = {}
    for case, channels in cases.items():
        if sorted(channels) != list(range(len(channels))):
            raise DataError(f"{folder}: case {case!r} has channels {sorted(channels)}; expected 0..{len(channels) - 1}")
        out[case] = [channels[i] for i in range(len(channels))]
    return out


@register_layout
class NnUNet(Layout):
    name = "nnunet"
    priority = 10
    title = "nnU-Net raw (dataset.json)"

    def detect(self, root: Path) -> bool:
        return (root / "dataset.json").is_file() and (root / "imagesTr").is_dir()

    def find_cases(self, root: Path) -> Found:
        ending, names = read_dataset_json(root)
        found = Found([], class_names=names)
        for split, images_dir, labels_dir in (("train", "imagesTr", "labelsTr"), ("test", "imagesTs", "labelsTs")):
            if not (root / images_dir).is_dir():
                continue
            cases = _channel_files(root / images_dir, ending)
            if not (root / labels_dir).is_dir():
                found.skip(len(cases), f"skipped {len(cases)} cases of {root / images_dir} "
                                                          f"(no {labels_dir} folder: unlabelled)")
                continue
            labels = {p.name[: -len(ending)]: p for p in sorted((root / labels_dir).iterdir())
                      if p.name.lower().endswith(ending.lower()) and not p.name.startswith(".")}
            for case, label in labels.items():
                if case not in cases:
                    raise DataError(f"{label}: label without an image (no {case}_0000{ending} in {root / images_dir})")
            for case, files in sorted(cases.items()):
                if case not in labels:
                    raise DataError(f"{files[0]}: no label file (expected {root / labels_dir}/{case}{ending})")
                found.cases.append(Case(case, tuple(files), (labels[case],), split))
        return found

    def read_image(self, case: Case) -> np.ndarray:
        if len(case.images) == 1:
            return read_image(case.images[0])
        if len(case.images) != 3:
            raise DataError(f"{case.images[0]}: case {case.stem!r} has {len(case.images)} channel files; only one "
                            "file (grey or RGB) or three grey channels can be converted")
        channels = [read_image(path) for path in case.images]
        for path, channel in zip(case.images, channels):
            if channel.shape[-1] != 1:
                raise DataError(f"{path}: a channel file of a multi-channel case must be grey, it has "
                                f"{channel.shape[-1]} channels")
            check_size(path, channel.shape, case.images[0], channels[0].shape)
        return np.concatenate(channels, axis=-1)

    def read_mask(self, case: Case, shape: tuple[int, int], threshold: int | None) -> np.ndarray:
        path = case.masks[0]
        labels = read_label_map(path)
        check_size(path, labels.shape, case.images[0], shape)
        return labels  # checked against the labels of dataset.json by Layout.convert
