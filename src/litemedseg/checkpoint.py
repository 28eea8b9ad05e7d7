"""Checkpoints: ``model.safetensors`` (weights, with the metadata embedded) + ``meta.json`` (readable copy).

Saving is atomic per file. Loading accepts only safetensors, or ``torch.load(weights_only=True)`` for plain
state dicts, checks the model name and every tensor shape, and says what does not match.
"""

from __future__ import annotations

import datetime as _dt
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator
from torch import nn

from litemedseg.data.rules import DataRules
from litemedseg.data.spec import InputSpec
from litemedseg.data.split_record import SplitRecord
from litemedseg.errors import UnknownModelError, WeightsError, one_line
from litemedseg.models.registry import ModelConfig, build_model, model_config_of, size_divisor_of
from litemedseg.utils.atomic import atomic_path, write_json_atomic
from litemedseg.utils.hashing import file_sha256  # noqa: F401  (re-exported: callers import it from here)
from litemedseg.utils.jsonio import loads_bounded, read_json

WEIGHTS_FILE = "model.safetensors"
META_FILE = "meta.json"
META_KEY = "litemedseg"
FORMAT = "litemedseg-checkpoint/1"
INT8_SCALE_SUFFIX = ".int8_scale"


def save_checkpoint(directory: str | os.PathLike, model: nn.Module, meta: dict[str, Any]) -> Path:
    """Write `model`'s weights and `meta` (plus its model config) into `directory`; returns the weights path."""
    state = {k: v.detach().cpu().contiguous() for k, v in _unwrap(model).state_dict().items()}
    return save_state(directory, state, {"model": model_config_of(model).to_dict(), **meta})


def save_state(directory: str | os.PathLike, state: dict[str, torch.Tensor], meta: dict[str, Any]) -> Path:
    """Write a state dict and its metadata (which must describe the model) as a checkpoint folder."""
    from safetensors.torch import save_file

    directory = Path(directory)
    full_meta = {"format": FORMAT, **meta}
    full_meta.setdefault("created", _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"))
    weights = directory / WEIGHTS_FILE
    with atomic_path(weights) as tmp:
        save_file(state, str(tmp), metadata={META_KEY: json.dumps(full_meta)})
    write_json_atomic(directory / META_FILE, {**full_meta, "weights_sha256": file_sha256(weights)})
    return weights


def quantize_int8(state: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """Store every float weight of 2+ dimensions as int8 with one float32 scale per output channel (symmetric,
    max-abs): a quarter of the size, for weights shipped in the package. `dequantize` undoes it on load."""
    out: dict[str, torch.Tensor] = {}
    for key, tensor in state.items():
        if tensor.is_floating_point() and tensor.ndim >= 2:
            flat = tensor.float().reshape(tensor.shape[0], -1)
            scale = (flat.abs().amax(dim=1) / 127.0).clamp_min(1e-12)
            out[key] = torch.round(flat / scale[:, None]).clamp(-127, 127).to(torch.int8).reshape(tensor.shape)
            out[key + INT8_SCALE_SUFFIX] = scale
        else:
            out[key] = tensor
    return out


def dequantize(state: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """int8 tensors with a `<key>.int8_scale` companion -> float32; everything else unchanged."""
    out: dict[str, torch.Tensor] = {}
    for key, tensor in state.items():
        if key.endswith(INT8_SCALE_SUFFIX):
            continue
        scale = state.get(key + INT8_SCALE_SUFFIX)
        if scale is not None:
            tensor = tensor.float() * scale.float().view(-1, *([1] * (tensor.ndim - 1)))
        out[key] = tensor
    return out


def _unwrap(model: nn.Module) -> nn.Module:
    return getattr(model, "module", model)  # DistributedDataParallel / compiled wrappers


def resolve_weights_path(path: str | os.PathLike) -> Path:
    """A checkpoint directory or a weights file -> the weights file; errors name what is missing."""
    path = Path(path).expanduser()
    if path.is_dir():
        candidate = path / WEIGHTS_FILE
        if not candidate.is_file():
            raise WeightsError(f"{path}: no {WEIGHTS_FILE} in this folder")
        return candidate
    if not path.exists():
        raise WeightsError(f"{path}: weights file not found")
    return path


class _Allowing(BaseModel):
    model_config = ConfigDict(extra="allow")  # newer writers may add fields; the known ones are checked


class ModelMetadata(_Allowing):
    name: str = Field(max_length=100)
    in_channels: int = Field(ge=1, le=64)
    num_classes: int = Field(ge=1, le=255)
    kwargs: dict[str, Any] = Field(default_factory=dict)


class InputMetadata(_Allowing):
    mode: str = Field(max_length=20)
    size: tuple[int, int]
    scale: float = Field(1.0, gt=0, le=16)
    in_channels: int = Field(ge=1, le=64)
    mean: tuple[float, ...] = Field(max_length=64)
    std: tuple[float, ...] = Field(max_length=64)


class CheckpointMetadata(_Allowing):
    """The schema every checkpoint's metadata is checked against when it is read (types and bounds of the
    fields that code reads; unknown fields pass)."""

    format: str
    model: ModelMetadata
    input: InputMetadata | None = None
    class_names: list[str] | None = Field(None, min_length=2, max_length=256)
    num_classes: int | None = Field(None, ge=1, le=255)
    dataset: dict[str, Any] | None = None
    execution: dict[str, Any] | None = None
    metrics: dict[str, Any] | None = None
    train_config: dict[str, Any] | None = None
    epoch: int | None = Field(None, ge=0)

    @model_validator(mode="after")
    def _names_fit_classes(self) -> CheckpointMetadata:
        expected = max(2, self.model.num_classes)
        if self.class_names is not None and len(self.class_names) != expected:
            raise ValueError(f"class_names has {len(self.class_names)} names for {self.model.num_classes} "
                             f"output classes (expected {expected})")
        if any(len(name) > 200 for name in self.class_names or []):
            raise ValueError("class_names has a name over 200 characters")
        return self


@dataclass(frozen=True)
class DatasetRecord:
    """The dataset a checkpoint was trained on, as training recorded it."""

    name: str | None = None
    root: str | None = None
    split_file: str | None = None
    image_size: dict[str, Any] | None = None
    split: dict[str, Any] | None = None  # the split record, parsed on demand by split_record()

    @classmethod
    def from_dict(cls, data: dict[str, Any] | None, split_file: str | None = None) -> DatasetRecord:
        data = data or {}
        text = lambda key: data[key] if isinstance(data.get(key), str) else None  # noqa: E731
        size = data.get("image_size")
        return cls(text("name"), text("root"), split_file, size if isinstance(size, dict) else None,
                   data.get("split"))

    def split_record(self, source: str | os.PathLike = "checkpoint") -> SplitRecord | None:
        """The stems and image hashes of train/val/test; None for checkpoints written before records existed."""
        return None if self.split is None else SplitRecord.from_dict(self.split, source)


@dataclass(frozen=True)
class CheckpointRecord:
    """Everything a checkpoint says about itself, checked and typed once where it is read.

    `raw` keeps the metadata as stored (for fields only one writer and one reader share, and for re-saving).
    """

    source: str
    model: ModelConfig
    input: InputSpec | None
    class_names: tuple[str, ...]
    dataset: DatasetRecord
    rules: DataRules
    train_config: dict[str, Any]
    execution: dict[str, Any] | None
    metrics: dict[str, Any]
    epoch: int | None
    commit: str | None
    raw: dict[str, Any]

    @classmethod
    def from_meta(cls, meta: dict[str, Any], source: str | os.PathLike = "checkpoint") -> CheckpointRecord:
        """Check `meta` (CheckpointMetadata) and type it; a WeightsError names `source` and the bad field."""
        check_metadata(meta, source)
        model = model_config_from_meta(meta, source)
        spec = None
        if meta.get("input") is not None:
            try:
                spec = InputSpec.from_dict(meta["input"])
            except (KeyError, TypeError, ValueError) as err:
                raise WeightsError(f"{source}: no usable input description in the metadata ({err})") from None
        train_config = meta.get("train_config") or {}
        split_file = train_config.get("split_file")
        return cls(str(source), model, spec,
                   tuple(meta.get("class_names") or ("background", "foreground")),
                   DatasetRecord.from_dict(meta.get("dataset"), split_file if isinstance(split_file, str) else None),
                   DataRules.from_dict(train_config) or DataRules(), train_config, meta.get("execution"),
                   meta.get("metrics") or {}, meta.get("epoch"),
                   meta.get("commit") if isinstance(meta.get("commit"), str) else None, meta)

    @property
    def num_classes(self) -> int:
        return self.model.num_classes

    @property
    def weights_file(self) -> Path:
        return resolve_weights_path(self.source)

    def input_spec(self) -> InputSpec:
        """The input spec, which every checkpoint that predicts needs; a WeightsError when it has none."""
        if self.input is None:
            raise WeightsError(f"{self.source}: no usable input description in the metadata ('input')")
        return self.input


def check_metadata(meta: dict[str, Any], source: str | os.PathLike) -> None:
    """A WeightsError naming the first field of `meta` that breaks `CheckpointMetadata`."""
    try:
        CheckpointMetadata.model_validate(meta)
    except ValidationError as err:
        first = err.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "metadata"
        got = f" (got {one_line(repr(first['input']), 60)})" if "input" in first and \
            not isinstance(first["input"], dict) else ""
        raise WeightsError(f"{source}: malformed metadata field {where}: {first['msg']}{got}") from None


def read_checkpoint(path: str | os.PathLike) -> tuple[dict[str, torch.Tensor], dict[str, Any]]:
    """Tensors and metadata of a checkpoint, without building a model."""
    weights = resolve_weights_path(path)
    if weights.stat().st_size == 0:
        raise WeightsError(f"{weights}: empty file (0 bytes)")
    if weights.suffix == ".safetensors":
        state, meta = _read_safetensors(weights)
        state = dequantize(state)
    elif weights.suffix in (".pt", ".pth", ".bin"):
        state, meta = _read_torch(weights), None
    else:
        raise WeightsError(f"{weights}: unsupported weights format (use .safetensors, or .pt with a plain state dict)")
    if meta is None:
        meta_path = weights.parent / META_FILE
        if not meta_path.is_file():
            raise WeightsError(f"{weights}: no litemedseg metadata inside and no {META_FILE} beside it")
        try:
            meta = read_json(meta_path)
        except (OSError, ValueError) as err:
            raise WeightsError(f"{meta_path}: unreadable metadata ({err})") from None
    if not isinstance(meta, dict) or meta.get("format") != FORMAT or "model" not in meta:
        found = meta.get("format") if isinstance(meta, dict) else f"a JSON {type(meta).__name__}"
        raise WeightsError(f"{weights}: not a litemedseg checkpoint (metadata format {found!r})")
    check_metadata(meta, weights)
    return state, meta


def _read_safetensors(path: Path) -> tuple[dict[str, torch.Tensor], dict[str, Any] | None]:
    from safetensors import SafetensorError
    from safetensors.torch import safe_open

    try:
        with safe_open(str(path), framework="pt") as handle:
            header = handle.metadata() or {}
            state = {key: handle.get_tensor(key) for key in handle.keys()}
    except (SafetensorError, OSError, ValueError, RuntimeError) as err:
        raise WeightsError(f"{path}: not a valid safetensors file ({str(err).splitlines()[0][:100]})") from None
    meta = None
    if META_KEY in header:
        try:
            meta = loads_bounded(header[META_KEY])
        except ValueError as err:
            raise WeightsError(f"{path}: corrupt litemedseg metadata in the safetensors header ({err})") from None
    return state, meta


def _torchscript_source(path: Path) -> str | None:
    """For a TorchScript archive, the checkpoint it was exported from (from its litemedseg extra file, plain
    JSON read without loading the archive), "" when unknown; None for anything that is not TorchScript."""
    import zipfile

    if not zipfile.is_zipfile(path):
        return None
    try:
        with zipfile.ZipFile(path) as archive:
            names = archive.namelist()
            if not any("/code/" in name or name.endswith("constants.pkl") for name in names):
                return None
            extra = [name for name in names if name.endswith("/extra/litemedseg.json")]
            if not extra or archive.getinfo(extra[0]).file_size > 1_000_000:
                return ""
            weights = (loads_bounded(archive.read(extra[0])).get("source") or {}).get("weights")
            return str(weights) if isinstance(weights, str) else ""
    except (OSError, ValueError, AttributeError, zipfile.BadZipFile):
        return ""


def _read_torch(path: Path) -> dict[str, torch.Tensor]:
    import pickle

    source = _torchscript_source(path)
    if source is not None:
        # torch.jit.load would run the archive's code: not a way weights get into this package
        origin = f"the checkpoint it was exported from ({source})" if source else "the checkpoint it was exported from"
        raise WeightsError(f"{path}: a TorchScript export (for torch.jit.load in deployment; loading it runs its "
                           f"code), not loaded here: use {origin} or an ONNX export")
    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as err:  # noqa: BLE001  (whatever a damaged or hostile file makes the unpickler raise)
        lines = [line.strip() for line in str(err).splitlines() if line.strip()]
        # torch's refusal starts with a generic paragraph; the line that says what was blocked is the useful one
        useful = [line for line in lines if not line.startswith(("Weights only load failed", "Check the doc"))]
        detail = (useful or lines or [type(err).__name__])[0][:120]
        blocked = isinstance(err, pickle.UnpicklingError) and "GLOBAL" in str(err)
        refused = "refused (a pickle that would import code to load)" if blocked else "refused or unreadable"
        raise WeightsError(f"{path}: {refused}; only plain tensor state dicts load ({detail})") from None
    if not isinstance(state, dict) or not all(isinstance(v, torch.Tensor) for v in state.values()):
        raise WeightsError(f"{path}: not a state dict of tensors")
    return state


def model_config_from_meta(meta: dict[str, Any], source: str | os.PathLike = "checkpoint") -> ModelConfig:
    model = meta["model"]
    try:
        return ModelConfig(model["name"], int(model["in_channels"]), int(model["num_classes"]), dict(model["kwargs"]))
    except (KeyError, TypeError, ValueError) as err:
        raise WeightsError(f"{source}: malformed model description in the metadata ({err})") from None


def load_state_checked(model: nn.Module, state: dict[str, torch.Tensor], source: str | os.PathLike) -> None:
    """Load `state` into `model` strictly; a mismatch says which tensors are missing, extra or misshapen."""
    own = model.state_dict()
    missing = [k for k in own if k not in state]
    unexpected = [k for k in state if k not in own]
    misshapen = [f"{k} {tuple(state[k].shape)} vs {tuple(own[k].shape)}" for k in own
                 if k in state and state[k].shape != own[k].shape]
    if missing or unexpected or misshapen:
        name = getattr(getattr(model, "model_config", None), "name", type(model).__name__)
        details = []
        if misshapen:
            details.append(f"{len(misshapen)} shape mismatches (first: {misshapen[0]})")
        if missing:
            details.append(f"{len(missing)} missing tensors (first: {missing[0]})")
        if unexpected:
            details.append(f"{len(unexpected)} unexpected tensors (first: {unexpected[0]})")
        raise WeightsError(f"{source}: weights do not fit model {name!r}: " + "; ".join(details))
    model.load_state_dict(state, strict=True)


@dataclass(frozen=True)
class InitialWeights:
    """Where a fine-tuning run's starting weights came from, and which tensors kept their fresh initialisation."""

    source: str
    model: str
    num_classes: int
    reinitialised: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {"source": self.source, "model": self.model, "num_classes": self.num_classes,
                "reinitialised": list(self.reinitialised)}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> InitialWeights:
        return cls(str(data["source"]), str(data["model"]), int(data["num_classes"]), tuple(data["reinitialised"]))


def load_initial_weights(model: nn.Module, path: str | os.PathLike, name: str = "") -> InitialWeights:
    """Start `model` from the checkpoint at `path` (fine-tuning): the same architecture and input channels are
    required; output tensors whose only difference is the class count keep their fresh initialisation."""
    state, meta = read_checkpoint(path)
    source, own = model_config_from_meta(meta, path), model_config_of(model)
    if source.name != own.name:
        raise WeightsError(f"{path}: weights of model {source.name!r}; this run trains {own.name!r} "
                           f"(--init needs weights of the same model)")
    if source.in_channels != own.in_channels:
        raise WeightsError(f"{path}: weights for in_channels={source.in_channels}; this run's images give "
                           f"{own.in_channels} (set input.in_channels: {source.in_channels} to convert them)")
    differ = sorted(k for k in source.kwargs.keys() & own.kwargs.keys() if source.kwargs[k] != own.kwargs[k])
    if differ:
        key = differ[0]
        raise WeightsError(f"{path}: weights built with {key}={source.kwargs[key]!r}; this run has "
                           f"{key}={own.kwargs[key]!r} (set model_kwargs to match)")
    target = model.state_dict()
    heads = tuple(k for k in target if k in state and state[k].shape != target[k].shape
                  and source.num_classes != own.num_classes
                  and state[k].shape[:1] == (source.num_classes,) and target[k].shape[:1] == (own.num_classes,)
                  and state[k].shape[1:] == target[k].shape[1:])
    kept = {k: v for k, v in state.items() if k not in heads}
    load_state_checked(model, {**kept, **{k: target[k] for k in heads}}, path)
    return InitialWeights(str(name or path), source.name, source.num_classes, heads)


def load_checkpoint(
    path: str | os.PathLike, expected_model: str | None = None
) -> tuple[nn.Module, CheckpointRecord]:
    """Rebuild the model a checkpoint describes and load its weights (eval mode, CPU), with its record."""
    state, meta = read_checkpoint(path)
    record = CheckpointRecord.from_meta(meta, path)
    config = record.model
    if expected_model is not None and config.name != expected_model:
        raise WeightsError(f"{path}: weights are for model {config.name!r}, not {expected_model!r}")
    try:
        model = build_model(config)
    except UnknownModelError as err:
        raise WeightsError(f"{path}: {err}") from None
    except (TypeError, ValueError) as err:
        raise WeightsError(f"{path}: cannot build {config.name!r} from the metadata ({err})") from None
    divisor = size_divisor_of(model)
    if record.input is not None and any(side % divisor for side in record.input.size):
        raise WeightsError(f"{path}: metadata input size {record.input.size} is not a multiple of {divisor}, the size "
                           f"rule of {config.name!r}")
    load_state_checked(model, state, path)
    bad = [k for k, v in state.items() if v.is_floating_point() and not torch.isfinite(v).all()]
    if bad:
        raise WeightsError(f"{path}: weights contain NaN or infinite values (first: {bad[0]})")
    return model.eval(), record
