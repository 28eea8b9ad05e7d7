"""Checkpoints: ``model.safetensors`` (weights, with the metadata embedded) + ``meta.json`` (readable copy).

Saving is atomic per file. Loading accepts only safetensors, or ``torch.load(weights_only=True)`` for plain
state dicts, checks the model name and every tensor shape, and says what does not match.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import json
import os
from pathlib import Path
from typing import Any

import torch
from torch import nn

from litemedseg.errors import UnknownModelError, WeightsError
from litemedseg.models.registry import ModelConfig, build_model, model_config_of
from litemedseg.utils.atomic import atomic_path, write_json_atomic

WEIGHTS_FILE = "model.safetensors"
META_FILE = "meta.json"
META_KEY = "litemedseg"
FORMAT = "litemedseg-checkpoint/1"
INT8_SCALE_SUFFIX = ".int8_scale"


def file_sha256(path: str | os.PathLike) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


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
            meta = json.loads(meta_path.read_text())
        except (OSError, ValueError) as err:
            raise WeightsError(f"{meta_path}: unreadable metadata ({err})") from None
    if not isinstance(meta, dict) or meta.get("format") != FORMAT or "model" not in meta:
        found = meta.get("format") if isinstance(meta, dict) else f"a JSON {type(meta).__name__}"
        raise WeightsError(f"{weights}: not a litemedseg checkpoint (metadata format {found!r})")
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
            meta = json.loads(header[META_KEY])
        except ValueError:
            raise WeightsError(f"{path}: corrupt litemedseg metadata in the safetensors header") from None
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
            weights = (json.loads(archive.read(extra[0])).get("source") or {}).get("weights")
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


def load_checkpoint(
    path: str | os.PathLike, expected_model: str | None = None
) -> tuple[nn.Module, dict[str, Any]]:
    """Rebuild the model a checkpoint describes and load its weights (eval mode, CPU)."""
    state, meta = read_checkpoint(path)
    config = model_config_from_meta(meta, path)
    if expected_model is not None and config.name != expected_model:
        raise WeightsError(f"{path}: weights are for model {config.name!r}, not {expected_model!r}")
    try:
        model = build_model(config)
    except UnknownModelError as err:
        raise WeightsError(f"{path}: {err}") from None
    except (TypeError, ValueError) as err:
        raise WeightsError(f"{path}: cannot build {config.name!r} from the metadata ({err})") from None
    load_state_checked(model, state, path)
    bad = [k for k, v in state.items() if v.is_floating_point() and not torch.isfinite(v).all()]
    if bad:
        raise WeightsError(f"{path}: weights contain NaN or infinite values (first: {bad[0]})")
    return model.eval(), meta
