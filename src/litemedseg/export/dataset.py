"""The dataset an export is calibrated and checked on: the checkpoint's own unless the user names another."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from litemedseg.data.folder import DEMO_NAME, SegmentationFolder, demo_root, open_dataset
from litemedseg.errors import DataError

DEMO_DATASET_NAME = "DSB2018-mini"


def checkpoint_dataset(
    meta: dict[str, Any], data: str | os.PathLike | None = None, num_classes: int = 1
) -> SegmentationFolder:
    """Open `data`, else the dataset recorded in the checkpoint (the shipped demo set when it was trained on it),
    with the checkpoint's split file so "train" and "test" mean what they meant in training."""
    recorded = meta.get("dataset") or {}
    train_config = meta.get("train_config") or {}
    root = recorded.get("root")
    if data is None:
        if root and Path(root).is_dir():
            data = root
        elif recorded.get("name") == DEMO_DATASET_NAME:
            data = DEMO_NAME  # trained on the shipped demo set, wherever the package now lives
        else:
            raise DataError(f"{root or 'the checkpoint'}: the checkpoint's dataset is not on this machine; "
                            "pass --data DIR (INT8 calibration and the accuracy check need images)")
    same = root is not None and (str(data) == str(root) or (str(data) == DEMO_NAME and Path(root) == demo_root()))
    split_file = train_config.get("split_file") if same else None
    if split_file and not Path(split_file).is_file():
        split_file = None
    return open_dataset(data, num_classes=num_classes, split_file=split_file,
                        skip_unpaired=bool(train_config.get("skip_unpaired", False)))


def mask_threshold_of(meta: dict[str, Any]) -> int | None:
    """The mask threshold training used (JPEG-compressed masks), so scoring reads masks the same way."""
    return (meta.get("train_config") or {}).get("mask_threshold")
