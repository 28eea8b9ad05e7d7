"""How a checkpoint's data was read, and the one place that finds "the dataset this checkpoint was trained on".

evaluate, export, report and predict read masks with the rules training used (a JPEG-mask threshold, the unpaired
policy) unless the user overrides them with the same flag names; none of them guesses a threshold of its own.
"""

from __future__ import annotations

import os
import warnings
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from litemedseg.data.folder import DEMO_DATASET_NAME, DEMO_NAME, SegmentationFolder, demo_root, open_dataset
from litemedseg.data.split_record import SplitRecord
from litemedseg.errors import DataError

if TYPE_CHECKING:  # pragma: no cover
    from litemedseg.checkpoint import CheckpointRecord


@dataclass(frozen=True)
class DataRules:
    """How masks are read: threshold (binarise at value > T; None = masks are 0/1 or 0/255), whether unpaired
    files are skipped (else an error), and the mask folder and file-name suffix (None = found by itself)."""

    mask_threshold: int | None = None
    skip_unpaired: bool = False
    masks_dir: str | None = None
    mask_suffix: str | None = None

    @classmethod
    def from_dict(cls, data: Any) -> DataRules | None:
        if not isinstance(data, dict):
            return None
        threshold = data.get("mask_threshold")
        texts = {key: data.get(key) if isinstance(data.get(key), str) else None
                 for key in ("masks_dir", "mask_suffix")}
        return cls(threshold if isinstance(threshold, int) and not isinstance(threshold, bool) else None,
                   bool(data.get("skip_unpaired", False)), **texts)

    def override(self, **given: Any) -> DataRules:
        """These rules with every value the user gave (None = keep the checkpoint's)."""
        return replace(self, **{key: value for key, value in given.items() if value is not None})

    def folder_options(self) -> dict[str, Any]:
        """The keyword arguments of `open_dataset` these rules decide."""
        return {"skip_unpaired": self.skip_unpaired, "masks_dir": self.masks_dir, "mask_suffix": self.mask_suffix}

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def is_training_folder(record: CheckpointRecord, data: str | os.PathLike) -> bool:
    """Whether `data` is the folder the checkpoint was trained on (the demo set wherever the package lives)."""
    root = record.dataset.root
    if root is None:
        return False
    if str(data) == DEMO_NAME:
        return Path(root) == demo_root() or record.dataset.name == DEMO_DATASET_NAME
    try:
        return Path(data).expanduser().resolve() == Path(root).resolve()
    except OSError:
        return False


def trained_dataset(
    record: CheckpointRecord,
    data: str | os.PathLike | None = None,
    num_classes: int = 1,
    rules: DataRules | None = None,
    purpose: str = "this command needs images",
) -> SegmentationFolder:
    """Open `data`, else the dataset recorded in the checkpoint, read with `rules` (default: the checkpoint's).

    On the training folder the splits are the checkpoint's own (its split record, else its split file), so
    "train" and "test" mean what they meant in training even after images were added to the folder.
    """
    root = record.dataset.root
    rules = rules or record.rules
    if data is None:
        if root and Path(root).is_dir():
            data = root
        elif record.dataset.name == DEMO_DATASET_NAME:
            data = DEMO_NAME
        else:
            raise DataError(f"{root or 'the checkpoint'}: the checkpoint's dataset is not on this machine; "
                            f"pass --data DIR ({purpose})")
    same = is_training_folder(record, data)
    split_file = record.dataset.split_file if same else None
    if split_file and not Path(split_file).is_file():
        split_file = None
    dataset = open_dataset(data, num_classes=num_classes, split_file=split_file, **rules.folder_options())
    split = record.dataset.split_record(record.source) if same or record.dataset.name == dataset.name else None
    if split is not None:
        apply_split_record(dataset, split)
    return dataset


def apply_split_record(dataset: SegmentationFolder, record: SplitRecord) -> bool:
    """Give `dataset` the recorded splits when every recorded stem is there; else warn once and keep its own."""
    listed = [stem for stems in record.stems.values() for stem in stems]
    missing = [stem for stem in listed if stem not in dataset.samples]
    if missing:
        warnings.warn(f"{dataset.root}: {len(missing)} of the {len(listed)} images the model's split names are "
                      f"not here (first: {missing[0]!r}); using this folder's own split", stacklevel=2)
        return False
    dataset.splits = {name: list(stems) for name, stems in record.stems.items()}
    dataset.split_source = f"the model's split record {record.digest} ({record.source})"
    return True
