"""TorchScript export (script when the model allows it, else trace)."""

from __future__ import annotations

import os
import warnings
from pathlib import Path

import torch
from torch import nn

from litemedseg.models.registry import size_divisor_of
from litemedseg.utils.atomic import atomic_path


def to_torchscript(model: nn.Module, method: str = "auto", in_channels: int = 3) -> torch.jit.ScriptModule:
    """Script `model`, or trace it on a 256x256 sample; "auto" scripts and falls back to tracing."""
    if method not in ("auto", "script", "trace"):
        raise ValueError(f"method must be auto, script or trace, got {method!r}")
    model = model.eval().cpu()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if method in ("auto", "script"):
            try:
                return torch.jit.script(model)
            except Exception:
                if method == "script":
                    raise
        size = 256 - 256 % size_divisor_of(model)
        return torch.jit.trace(model, torch.randn(1, in_channels, size, size))


def export_torchscript(
    model: nn.Module,
    path: str | os.PathLike,
    method: str = "auto",
    in_channels: int = 3,
    extra_files: dict[str, str] | None = None,
) -> Path:
    """Write a TorchScript archive of `model` to `path` atomically; `extra_files` (name -> text) are stored in
    the archive (read back with ``torch.jit.load(path, _extra_files={name: ""})``)."""
    scripted = to_torchscript(model, method, in_channels)
    with atomic_path(path) as tmp:
        scripted.save(str(tmp), _extra_files=dict(extra_files or {}))
    return Path(path)
