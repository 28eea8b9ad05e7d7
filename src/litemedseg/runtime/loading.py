"""One way to turn ``--weights`` into a segmenter: checkpoints run with PyTorch, exported .onnx files with ONNX
Runtime. predict, serve and explain all come through here, so they accept the same things."""

from __future__ import annotations

import os
from pathlib import Path

from litemedseg.errors import ConfigError, WeightsError
from litemedseg.runtime.base import SegmenterBase
from litemedseg.utils.hashing import file_sha256

RUNTIMES = ("torch", "onnx")


def is_onnx_file(weights: str | os.PathLike) -> bool:
    return str(weights).lower().endswith(".onnx")


def pick_runtime(weights: str | os.PathLike, runtime: str | None = None) -> str:
    """The runtime asked for, else "onnx" for an .onnx file and "torch" for anything else."""
    if runtime is not None and runtime not in RUNTIMES:
        raise ConfigError(f"unknown runtime {runtime!r}; choose one of {', '.join(RUNTIMES)}")
    chosen = runtime or ("onnx" if is_onnx_file(weights) else "torch")
    if chosen == "torch" and is_onnx_file(weights):
        raise ConfigError(f"{weights}: an ONNX file runs with --runtime onnx, not torch")
    return chosen


def load_segmenter(
    weights: str | os.PathLike,
    runtime: str | None = None,
    *,
    device: str = "auto",
    tta: bool = False,
    precision: str = "auto",
    threads: int | None = None,
) -> SegmenterBase:
    """A segmenter for a checkpoint (folder, .safetensors, shipped ``model:tag``) or an exported .onnx file.

    The ONNX branch imports no PyTorch. `precision` applies to PyTorch; `threads` to either runtime (on a CPU that
    other work shares, one thread avoids the spin-waiting of threads that wait for a core).
    """
    if pick_runtime(weights, runtime) == "onnx":
        from litemedseg.runtime.onnx_segmenter import OnnxSegmenter

        return OnnxSegmenter.from_file(weights, threads=threads, tta=tta, device=device)
    import torch

    from litemedseg.engine.prediction import Segmenter

    if threads:
        torch.set_num_threads(threads)
    return Segmenter.from_weights(weights, device=device, tta=tta, precision=precision)


def source_checkpoint(weights: str | os.PathLike, needed_for: str) -> str:
    """`weights`, or for an exported .onnx file the checkpoint it was exported from (recorded in its metadata),
    for commands that need the PyTorch model itself (`needed_for`, e.g. "Grad-CAM needs gradients")."""
    if not is_onnx_file(weights):
        return str(weights)
    from litemedseg.runtime.metadata import read_sidecar

    path = Path(weights).expanduser()
    if not path.is_file():
        raise WeightsError(f"{path}: ONNX model not found")
    recorded = (read_sidecar(path) or {}).get("source") or {}
    source = recorded.get("weights")
    if isinstance(source, str) and Path(source).is_file():
        if recorded.get("weights_sha256") not in (None, file_sha256(source)):
            raise WeightsError(f"{path}: {needed_for}, and the checkpoint this file was exported from ({source}) "
                               "has changed since; pass the checkpoint folder as --weights")
        return source
    where = f" ({source}) is not on this machine" if isinstance(source, str) else " is not recorded beside it"
    raise WeightsError(f"{path}: {needed_for}, and the checkpoint this file was exported from{where}; "
                       "pass the checkpoint folder as --weights")
