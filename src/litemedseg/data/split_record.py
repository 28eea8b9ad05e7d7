"""What a run saw: its train/val/test stems and a hash of every image file, stored with the run and its weights.

Evaluation uses the record to score the run's own test stems on the dataset it was trained on (adding images to
the folder later cannot move trained-on images into "test"), and to count how many images of any other set the
model has already seen (by stem and by file hash) before a score is called a test score or zero-shot.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from litemedseg.data.splits import SPLIT_NAMES
from litemedseg.errors import DataError
from litemedseg.utils.atomic import write_json_atomic
from litemedseg.utils.hashing import file_sha256

SPLIT_RECORD_FILE = "split.json"
HASH_CHARS = 16  # 64 bits of SHA-256 per image: collisions are out of reach, and 1000 stems stay ~60 KB
SEEN_SPLITS = ("train", "val")  # what the weights were fitted or selected on


def image_hash(path: str | os.PathLike) -> str:
    return file_sha256(path)[:HASH_CHARS]


class _RecordSchema(BaseModel):
    model_config = ConfigDict(extra="ignore")

    train: list[str] = Field(max_length=5_000_000)
    val: list[str] = Field(default_factory=list, max_length=5_000_000)
    test: list[str] = Field(default_factory=list, max_length=5_000_000)
    image_sha256: dict[str, str] = Field(default_factory=dict)
    source: str = Field("", max_length=500)


@dataclass(frozen=True)
class SplitRecord:
    """The stems of each split and the (truncated) SHA-256 of each image file, keyed by stem."""

    stems: dict[str, list[str]]
    image_sha256: dict[str, str] = field(default_factory=dict)
    source: str = ""

    @classmethod
    def of_samples(cls, splits: dict[str, Sequence[str]], images: dict[str, Path], source: str) -> SplitRecord:
        """Hash the image of every stem named in `splits` (`images` maps stem -> image file)."""
        stems = {name: sorted(splits.get(name, [])) for name in SPLIT_NAMES}
        hashes = {stem: image_hash(images[stem]) for name in SPLIT_NAMES for stem in stems[name]}
        return cls(stems, hashes, source)

    @classmethod
    def from_dict(cls, data: Any, source: str | os.PathLike = "split record") -> SplitRecord:
        try:
            parsed = _RecordSchema.model_validate(data)
        except ValidationError as err:
            first = err.errors()[0]
            where = ".".join(str(p) for p in first["loc"]) or "record"
            raise DataError(f"{source}: malformed split record field {where}: {first['msg']}") from None
        return cls({name: list(getattr(parsed, name)) for name in SPLIT_NAMES}, dict(parsed.image_sha256),
                   parsed.source)

    def to_dict(self) -> dict[str, Any]:
        return {**self.stems, "image_sha256": self.image_sha256, "source": self.source, "sha256": self.digest}

    @property
    def digest(self) -> str:
        """12 hex digits naming exactly these stems in these splits (the "split hash" shown in reports)."""
        text = json.dumps({name: self.stems[name] for name in SPLIT_NAMES}, sort_keys=True)
        return hashlib.sha256(text.encode()).hexdigest()[:12]

    @property
    def sizes(self) -> dict[str, int]:
        return {name: len(stems) for name, stems in self.stems.items()}

    def seen_stems(self) -> set[str]:
        return {stem for name in SEEN_SPLITS for stem in self.stems[name]}

    def seen_hashes(self) -> set[str]:
        return {self.image_sha256[s] for s in self.seen_stems() if s in self.image_sha256}

    def write(self, folder: Path) -> Path:
        """`folder/split.json`, readable as a split file (`--split-file`) by train and evaluate."""
        path = folder / SPLIT_RECORD_FILE
        write_json_atomic(path, self.to_dict())
        return path


@dataclass(frozen=True)
class Overlap:
    """How many scored images the model saw in training or validation."""

    checked: bool
    by_stem: int = 0
    by_image_hash: int = 0
    seen: tuple[str, ...] = ()  # stems of the scored images found in either way

    @property
    def count(self) -> int:
        return len(self.seen)

    def to_dict(self) -> dict[str, Any]:
        return {"checked": self.checked, "by_stem": self.by_stem, "by_image_hash": self.by_image_hash,
                "images_seen_in_training": self.count, "examples": list(self.seen[:5])}

    def describe(self) -> str:
        """One short clause (error messages are capped at one line)."""
        if not self.checked:
            return "overlap with the training data unknown (the weights carry no split record)"
        if not self.count:
            return "no overlap with the model's train/val images (by stem and by image hash)"
        first = self.seen[0] if len(self.seen[0]) <= 24 else self.seen[0][:21] + "..."
        return (f"{self.count} image(s) were in the model's train/val split ({self.by_stem} by stem, "
                f"{self.by_image_hash} by image hash; first {first!r})")


def find_overlap(record: SplitRecord | None, scored: Iterable[tuple[str, Path]]) -> Overlap:
    """Compare (stem, image file) pairs about to be scored with what `record` says the model was fitted on."""
    if record is None:
        return Overlap(checked=False)
    stems, hashes = record.seen_stems(), record.seen_hashes()
    by_stem = by_hash = 0
    seen: list[str] = []
    for stem, image in scored:
        stem_hit = stem in stems
        hash_hit = bool(hashes) and image_hash(image) in hashes
        by_stem += stem_hit
        by_hash += hash_hit
        if stem_hit or hash_hit:
            seen.append(stem)
    return Overlap(True, by_stem, by_hash, tuple(seen))
