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

from litemedseg.errors import WeightsError
from litemedseg.utils.hashing import file_sha256
from litemedseg.utils.jsonio import read_json

METADATA_KEY = "litemedseg"
EXPORT_FORMAT = "litemedseg-export/1"
INPUT_NAME, OUTPUT_NAME = "image", "logits"
# The predictor's sliding window for input mode "patch" (docs/protocol.md, section 2; MONAI's defaults except overlap).
WINDOW = {"overlap": 0.25, "mode": "gaussian", "sigma_scale": 0.125, "sw_batch_size": 8}


def sidecar_path(path: str | os.PathLike) -> Path:
    """The JSON file beside an exported model: its full name plus ``.json`` (model.onnx -> model.onnx.json)."""
    path = Path(path)
    return path.with_name(path.name + ".json")


@dataclass(frozen=True)
class InputInfo:
    """How images enter the network (the checkpoint's InputSpec, without PyTorch)."""

    mode: str
    size: tuple[int, int]
    scale: float
    in_channels: int
    mean: tuple[float, ...]
    std: tuple[float, ...]

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> InputInfo:
        info = cls(str(data["mode"]), (int(data["size"][0]), int(data["size"][1])), float(data.get("scale", 1.0)),
                   int(data["in_channels"]), tuple(float(v) for v in data["mean"]),
                   tuple(float(v) for v in data["std"]))
        if info.mode not in ("resize", "patch"):
            raise ValueError(f"input mode must be resize or patch, got {info.mode!r}")
        if info.in_channels not in (1, 3) or len(info.mean) != info.in_channels or len(info.std) != info.in_channels:
            raise ValueError(f"need 1 or 3 channels with one mean/std each, got {data}")
        if min(info.std) <= 0 or min(info.size) < 8 or not 0.05 <= info.scale <= 4:
            raise ValueError(f"std must be > 0, size >= 8 and scale in [0.05, 4], got {data}")
        return info

    def to_dict(self) -> dict[str, Any]:
        return {"mode": self.mode, "size": list(self.size), "scale": self.scale, "in_channels": self.in_channels,
                "mean": list(self.mean), "std": list(self.std)}


@dataclass(frozen=True)
class ExportMetadata:
    """The parsed, checked metadata of an exported model; `raw` keeps every field as stored."""

    input: InputInfo
    num_classes: int
    class_names: list[str]
    size_divisor: int
    model_name: str
    precision: str
    input_name: str
    output_name: str
    raw: dict[str, Any]


def parse_metadata(data: Any, source: str | os.PathLike) -> ExportMetadata:
    """Check the metadata of an exported model; a WeightsError names `source` and what is wrong."""
    if not isinstance(data, dict) or data.get("format") != EXPORT_FORMAT:
        found = data.get("format") if isinstance(data, dict) else type(data).__name__
        raise WeightsError(f"{source}: not litemedseg export metadata (format {found!r}, expected {EXPORT_FORMAT!r})")
    try:
        info = InputInfo.from_dict(data["input"])
        num_classes = int(data["num_classes"])
        names = [str(n) for n in data["class_names"]]
        if num_classes < 1 or len(names) != max(num_classes, 2):
            raise ValueError(f"{len(names)} class names for num_classes={num_classes}")
        export = data.get("export", {})
        return ExportMetadata(info, num_classes, names, int(data.get("size_divisor", 16)),
                              str(data.get("model", {}).get("name", "unknown")), str(export.get("precision", "fp32")),
                              str(export.get("input_name", INPUT_NAME)), str(export.get("output_name", OUTPUT_NAME)),
                              data)
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
