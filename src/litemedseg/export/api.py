"""`export_model`: checkpoint -> ONNX (fp32 / INT8 / FP16) or TorchScript, with metadata and a parity report."""

from __future__ import annotations

import os
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from torch import nn

from litemedseg.checkpoint import CheckpointRecord, file_sha256, load_checkpoint, resolve_weights_path
from litemedseg.data.cache import load_cache
from litemedseg.data.rules import trained_dataset
from litemedseg.data.spec import InputSpec
from litemedseg.engine.evaluation import headline_for
from litemedseg.errors import ConfigError, DataError, WeightsError
from litemedseg.export.metadata import TORCHSCRIPT_EXTRA_FILE, build_metadata, default_output, embed_onnx_metadata
from litemedseg.export.onnx import DEFAULT_OPSET, export_onnx
from litemedseg.export.quantize import calibration_inputs, convert_fp16, quantize_int8
from litemedseg.export.parity import CheckImages, ExportedFile, parity_report
from litemedseg.export.report import DEFAULT_MAX_DICE_DROP, ExportReport
from litemedseg.export.torchscript import export_torchscript
from litemedseg.models.registry import size_divisor_of
from litemedseg.runtime.metadata import sidecar_path
from litemedseg.utils.atomic import remove_stale_temporaries, staged_files, write_json_atomic

FORMATS = ("onnx", "torchscript")
DEFAULT_CALIBRATION_IMAGES = 16


@dataclass
class ExportResult:
    """The exported file, its metadata JSON beside it, and the parity/accuracy report."""

    path: Path
    metadata_path: Path
    format: str
    precision: str
    metadata: dict[str, Any]
    report: ExportReport
    wall_time_s: float


def export_model(
    weights: str | os.PathLike,
    format: str = "onnx",  # noqa: A002  (the CLI's --format)
    output: str | os.PathLike | None = None,
    *,
    int8: bool = False,
    fp16: bool = False,
    data: str | os.PathLike | None = None,
    split: str = "test",
    calibration_images: int = DEFAULT_CALIBRATION_IMAGES,
    opset: int = DEFAULT_OPSET,
    max_dice_drop: float = DEFAULT_MAX_DICE_DROP,
    check: bool = True,
    progress: bool = False,
) -> ExportResult:
    """Export a checkpoint and compare the result with PyTorch fp32.

    `int8`: static QDQ quantisation calibrated on `calibration_images` training images of `data` (default: the
    checkpoint's dataset). `fp16`: float16 with float32 inputs/outputs. With `check`, the headline Dice on
    `split` is computed with PyTorch and with the exported file; `report.failures` lists a Dice drop above
    `max_dice_drop` (or fp32 logits off by more than 1e-3). Nothing is raised for those: see `report.ok`.
    """
    started = time.perf_counter()
    format = str(format).lower()  # noqa: A001
    precision = _precision(format, int8, fp16)
    if calibration_images < 1:
        raise ConfigError(f"--calibration-images must be >= 1, got {calibration_images}")
    if not 0 <= max_dice_drop <= 1:
        raise ConfigError(f"--max-dice-drop must be in [0, 1], got {max_dice_drop}")
    weights_file, model, record = _load(weights)
    info = record.input_spec()
    out = _output_path(output, weights_file, format, precision)

    # read every image first, so a missing dataset or an empty split fails before anything is written
    dataset = (trained_dataset(record, data, record.num_classes,
                               purpose="INT8 calibration and the accuracy check need images")
               if (int8 or check) else None)
    calibration = calibration_inputs(dataset, info, calibration_images) if int8 else None
    check_images = _check_images(dataset, split, record, progress) if check else None

    metadata = build_metadata(
        record, weights_file, weights_sha256=file_sha256(weights_file), size_divisor=size_divisor_of(model),
        export_format=format, precision=precision, opset=opset if format == "onnx" else None,
        extra={"calibration": _calibration_note(dataset, min(calibration_images, len(dataset.subset("train"))),
                                                len(calibration))} if int8 else None,
    )
    side = sidecar_path(out)
    remove_stale_temporaries(out.parent)  # what an export killed mid-write left beside its target
    # the model and its sidecar are written and checked under temporary names, then published together (the
    # sidecar last): an interrupt never leaves an unchecked file, or a new model beside an old sidecar
    with staged_files(out, side) as (staged, staged_side):
        if format == "onnx":
            _write_onnx(model, staged, info, metadata, precision, opset, calibration)
        else:
            export_torchscript(model, staged, "auto", info.in_channels,
                               extra_files={TORCHSCRIPT_EXTRA_FILE: _json(metadata)})
        report = parity_report(model, record, ExportedFile(staged, out, format, precision, weights_file),
                         check=check_images, calibration=calibration, max_dice_drop=max_dice_drop, progress=progress)
        write_json_atomic(staged_side, {**metadata, "file_sha256": file_sha256(staged), "report": report.to_dict()})
    return ExportResult(out, side, format, precision, metadata, report, round(time.perf_counter() - started, 2))


def _check_images(dataset: Any, split: str, record: CheckpointRecord, progress: bool) -> CheckImages:
    samples = dataset.subset(split)
    if not samples:
        raise DataError(f"{dataset.root}: the {split!r} split is empty; pass another --split or --no-check")
    items = load_cache(samples, InputSpec.native(record.input_spec().in_channels), record.num_classes,
                       record.rules.mask_threshold, palette=dataset.palette, description="reading", progress=progress)
    return CheckImages(items, split, headline_for(dataset))


def _precision(export_format: str, int8: bool, fp16: bool) -> str:
    if export_format not in FORMATS:
        raise ConfigError(f"unknown export format {export_format!r}; choose one of {', '.join(FORMATS)}")
    if int8 and fp16:
        raise ConfigError("--int8 and --fp16 exclude each other; export twice for both")
    if export_format == "torchscript" and (int8 or fp16):
        raise ConfigError(f"--{'int8' if int8 else 'fp16'} is for --format onnx only (TorchScript exports fp32)")
    return "int8" if int8 else "fp16" if fp16 else "fp32"


def _load(weights: str | os.PathLike) -> tuple[Path, nn.Module, CheckpointRecord]:
    from litemedseg.models.pretrained import resolve_weights

    path = resolve_weights(weights)
    if Path(path).suffix.lower() == ".onnx" and Path(path).exists():  # a missing one: load_checkpoint says so
        raise WeightsError(f"{path}: an ONNX file is already exported; export needs the checkpoint it came from "
                           "(a folder with model.safetensors)")
    model, record = load_checkpoint(path)
    return resolve_weights_path(path), model, record


def _output_path(output: str | os.PathLike | None, weights_file: Path, export_format: str, precision: str) -> Path:
    default = default_output(weights_file, export_format, precision)
    if output is None:
        return _check_writable(default, export_format)
    out = Path(output).expanduser()
    if out.is_dir() or str(output).endswith(("/", os.sep)) or not out.suffix:  # a folder for the default name
        out = out / default.name
    if out.resolve() == weights_file.resolve() or out.suffix in (".safetensors", ".json"):
        raise ConfigError(f"{out}: refusing to write the export over a checkpoint or metadata file; "
                          "give a path ending in .onnx or .pt")
    return _check_writable(out, export_format)


def _check_writable(out: Path, export_format: str) -> Path:
    """Refuse, before any work, an output that could not be written or read back as `export_format`."""
    suffixes = (".onnx",) if export_format == "onnx" else (".pt", ".pth")
    if out.suffix.lower() not in suffixes:  # predict and serve choose the runtime by the suffix
        kind = "an ONNX" if export_format == "onnx" else "a TorchScript"
        raise ConfigError(f"{out}: {kind} export needs a file name ending in {' or '.join(suffixes)}")
    for target in (out, sidecar_path(out)):
        if target.is_dir():
            raise ConfigError(f"{target}: is a folder, not a file the export can be written to")
    existing = next((p for p in out.parents if p.exists()), None)
    if existing is not None and not existing.is_dir():
        raise ConfigError(f"{out}: cannot write there: {existing} is a file, not a folder")
    if existing is not None and not os.access(existing, os.W_OK | os.X_OK):
        raise ConfigError(f"{out}: cannot write there: no permission to write in {existing}")
    return out


def _calibration_note(dataset: Any, images: int, inputs: int) -> dict[str, Any]:
    return {"dataset": dataset.name, "root": str(dataset.root), "split": "train", "images": images, "inputs": inputs,
            "method": "MinMax", "format": "QDQ", "activations": "int8", "weights": "int8", "per_channel": True}


def _write_onnx(model: nn.Module, out: Path, info: InputSpec, metadata: dict[str, Any], precision: str, opset: int,
                calibration: list[np.ndarray] | None) -> None:
    import onnx

    with tempfile.TemporaryDirectory(prefix="litemedseg-export-") as tmp:
        fp32 = export_onnx(model, Path(tmp) / "fp32.onnx", info.in_channels, sample_size=min(info.size), opset=opset)
        final = fp32
        if precision == "int8":
            final = quantize_int8(fp32, Path(tmp) / "int8.onnx", calibration)
        elif precision == "fp16":
            final = convert_fp16(fp32, Path(tmp) / "fp16.onnx")
        proto = embed_onnx_metadata(onnx.load(str(final)), metadata)
        onnx.checker.check_model(proto)
        onnx.save(proto, str(out))


def _json(data: dict[str, Any]) -> str:
    import json

    return json.dumps(data)
