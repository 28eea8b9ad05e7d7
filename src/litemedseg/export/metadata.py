"""Build the metadata of an exported model from its checkpoint and store it in the exported file.

The schema and the reader live in ``litemedseg.runtime.metadata`` (no PyTorch there, so edge boxes can read it).
"""

from __future__ import annotations

import datetime as _dt
import json
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

from litemedseg import __version__
from litemedseg.data.spec import SLIDING_WINDOW
from litemedseg.runtime.metadata import EXPORT_FORMAT, INPUT_NAME, METADATA_KEY, OUTPUT_NAME
from litemedseg.utils.jsonio import loads_bounded

if TYPE_CHECKING:  # pragma: no cover
    from litemedseg.checkpoint import CheckpointRecord

TORCHSCRIPT_EXTRA_FILE = "litemedseg.json"


def build_metadata(
    record: CheckpointRecord,
    weights_file: str | os.PathLike,
    *,
    weights_sha256: str,
    size_divisor: int,
    export_format: str,
    precision: str,
    opset: int | None,
    extra: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Everything a runtime needs to repeat the prediction protocol, plus where the weights came from."""
    import onnxruntime
    import torch

    spec = record.input_spec()
    return {
        "format": EXPORT_FORMAT,
        "model": record.model.to_dict(),
        "input": spec.to_dict(),
        "in_channels": spec.in_channels,
        "num_classes": record.num_classes,
        "class_names": list(record.class_names),
        "size_divisor": int(size_divisor),
        "size_rule": f"network input height and width must be multiples of {size_divisor}; mode {spec.mode!r} "
                     + ("resizes every image to input.size" if spec.mode == "resize" else
                        "rescales by input.scale, then runs input.size windows (zero-padded when smaller)"),
        "protocol": {
            "normalise": "(x / 255 - mean) / std per channel, after an antialiased bilinear (Pillow) resize",
            "logits": "bilinear resize (align_corners=False) to the original size; mask = logit > 0 when "
                      "num_classes is 1, else arg-max",
            "window": SLIDING_WINDOW.to_dict() if spec.mode == "patch" else None,
        },
        "source": {
            "weights": str(weights_file),
            "weights_sha256": weights_sha256,
            "dataset": record.raw.get("dataset"),
            "epoch": record.epoch,
            "metrics": record.metrics,
            "commit": record.commit,
        },
        "export": {
            "format": export_format,
            "precision": precision,
            "opset": opset,
            "input_name": INPUT_NAME,
            "output_name": OUTPUT_NAME,
            "dynamic_axes": ["batch", "height", "width"],
            "litemedseg": __version__,
            "torch": torch.__version__,
            "onnxruntime": onnxruntime.__version__,
            "created": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
            **(extra or {}),
        },
    }


def embed_onnx_metadata(model: Any, metadata: dict[str, Any]) -> Any:
    """Put `metadata` (JSON) into an onnx.ModelProto's metadata_props under the key ``litemedseg``."""
    kept = [p for p in model.metadata_props if p.key != METADATA_KEY]
    del model.metadata_props[:]
    model.metadata_props.extend(kept)
    entry = model.metadata_props.add()
    entry.key, entry.value = METADATA_KEY, json.dumps(metadata, sort_keys=False)
    model.doc_string = (f"litemedseg {metadata['model']['name']} ({metadata['export']['precision']}): image "
                        f"(B, {metadata['in_channels']}, H, W) float32 -> logits (B, {metadata['num_classes']}, H, W)")
    return model


def read_onnx_metadata(path: str | os.PathLike) -> dict[str, Any] | None:
    """The litemedseg metadata stored in an ONNX file, or None."""
    import onnx

    model = onnx.load(str(path), load_external_data=False)
    for prop in model.metadata_props:
        if prop.key == METADATA_KEY:
            return loads_bounded(prop.value)
    return None


def default_output(weights_file: Path, export_format: str, precision: str) -> Path:
    """``<checkpoint folder>/model[.int8|.fp16].onnx`` or ``<checkpoint folder>/model.torchscript.pt``."""
    folder = weights_file.parent
    if export_format == "torchscript":
        return folder / "model.torchscript.pt"
    return folder / ("model.onnx" if precision == "fp32" else f"model.{precision}.onnx")
