"""The metadata an exported model carries (ONNX metadata_props and a JSON file beside it), read without PyTorch.

One JSON object, stored under the key ``litemedseg`` in the ONNX model's metadata_props (and in a TorchScript
archive as the extra file ``litemedseg.json``) and written beside the exported file as ``<file>.json`` (for
example ``model.onnx.json``), which also holds the parity report of the export.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from litemedseg.data.spec import InputSpec
from litemedseg.errors import WeightsError
from litemedseg.utils.hashing import file_sha256
from litemedseg.utils.jsonio import read_json

METADATA_KEY = "litemedseg"
EXPORT_FORMAT = "litemedseg-export/1"
INPUT_NAME, OUTPUT_NAME = "image", "logits"


def sidecar_path(path: str | os.PathLike) -> Path:
    """The JSON file beside an exported model: its full name plus ``.json`` (model.onnx -> model.onnx.json)."""
    path = Path(path)
    return path.with_name(path.name + ".json")


@dataclass(frozen=True)
class ExportMetadata:
    """The parsed, checked metadata of an exported model; `raw` keeps every field as stored."""

    input: InputSpec
    num_classes: int
    class_names: list[str]
    size_divisor: int
    model_name: str
    precision: str
    input_name: str
    output_name: str
    dataset: dict[str, Any]  # the training dataset's record, as the checkpoint had it ({} when unknown)
    raw: dict[str, Any]


def parse_metadata(data: Any, source: str | os.PathLike) -> ExportMetadata:
    """Check the metadata of an exported model; a WeightsError names `source` and what is wrong."""
    if not isinstance(data, dict) or data.get("format") != EXPORT_FORMAT:
        found = data.get("format") if isinstance(data, dict) else type(data).__name__
        raise WeightsError(f"{source}: not litemedseg export metadata (format {found!r}, expected {EXPORT_FORMAT!r})")
    try:
        info = InputSpec.from_dict(data["input"])
        num_classes = int(data["num_classes"])
        names = [str(n) for n in data["class_names"]]
        if num_classes < 1 or len(names) != max(num_classes, 2):
            raise ValueError(f"{len(names)} class names for num_classes={num_classes}")
        export = data.get("export", {})
        dataset = (data.get("source") or {}).get("dataset")
        return ExportMetadata(info, num_classes, names, int(data.get("size_divisor", 16)),
                              str(data.get("model", {}).get("name", "unknown")), str(export.get("precision", "fp32")),
                              str(export.get("input_name", INPUT_NAME)), str(export.get("output_name", OUTPUT_NAME)),
                              dataset if isinstance(dataset, dict) else {}, data)
    except (KeyError, TypeError, ValueError, IndexError) as err:
        raise WeightsError(f"{source}: malformed litemedseg export metadata ({err})") from None


def read_sidecar(path: str | os.PathLike) -> dict[str, Any] | None:
    """The JSON beside an exported model, or None when there is none."""
    side = sidecar_path(path)
    if not side.is_file():
        return None
    try:
        data = read_json(side)
    except (OSError, ValueError) as err:
        raise WeightsError(f"{side}: unreadable metadata JSON ({err})") from None
    recorded = data.get("file_sha256") if isinstance(data, dict) else None
    if recorded is not None and Path(path).is_file() and recorded != file_sha256(path):
        raise WeightsError(f"{side}: describes another file (its SHA-256 differs from {Path(path).name}); "
                           "export the checkpoint again")
    return data
