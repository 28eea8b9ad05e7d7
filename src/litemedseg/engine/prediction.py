"""Inference under the protocol: predict at training resolution, resize logits to the original size, threshold."""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence


import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from litemedseg.checkpoint import CheckpointRecord, load_checkpoint
from litemedseg.data.io import as_image_array
from litemedseg.data.loader import normalize_batch
from litemedseg.data.resize import resize_image
from litemedseg.data.spec import SLIDING_WINDOW, TTA_FLIPS, InputSpec
from litemedseg.engine.acceleration import ExecutionPlan
from litemedseg.errors import ConfigError, WeightsError
from litemedseg.models.registry import size_divisor_of
from litemedseg.runtime.base import SegmenterBase
from litemedseg.runtime.files import list_inputs, predict_files  # noqa: F401  (re-exported: one copy)

LARGE_IMAGE_WINDOWS = 64  # an image this many windows large gets its own progress bar over the windows


def resolve_device(device: str | torch.device | None = "auto") -> torch.device:
    """"auto" picks CUDA when available, else CPU."""
    if device in (None, "auto"):
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    try:
        resolved = torch.device(device)
    except (RuntimeError, TypeError, ValueError):
        raise ConfigError(f"unknown device {device!r} (use auto, cpu, cuda or cuda:N)") from None
    if resolved.type == "cuda" and not torch.cuda.is_available():
        raise ConfigError(f"device {device!r} requested but no CUDA GPU is available (use --device cpu)")
    if resolved.type == "cuda" and (resolved.index or 0) >= torch.cuda.device_count():
        raise ConfigError(f"device {device!r}: only {torch.cuda.device_count()} CUDA GPU(s) here")
    return resolved


class Segmenter(SegmenterBase):
    """A trained model plus everything needed to use it on new images.

    >>> seg = Segmenter.from_weights("runs/demo/best")      # doctest: +SKIP
    >>> mask = seg.predict(image)  # (H, W) uint8: {0, 1} or class indices   # doctest: +SKIP
    """

    def __init__(
        self,
        model: nn.Module,
        input_spec: InputSpec,
        class_names: Sequence[str] | None = None,
        device: str | torch.device = "auto",
        tta: bool = False,
        record: CheckpointRecord | None = None,
        plan: ExecutionPlan | None = None,
        precision: str = "auto",
    ) -> None:
        self.device = resolve_device(device)
        self.window_progress = False  # predict turns it on: a bar over the windows of large images
        self.plan = (plan or ExecutionPlan()).for_inference(self.device, precision)
        self.model = self.plan.prepare_model(model.to(self.device)).eval()
        self.spec = input_spec
        self.num_classes = int(model.model_config.num_classes)
        self.class_names = list(class_names or ["background", "foreground"])
        self.tta = tta
        self.record = record
        self.model_name = model.model_config.name
        self.trained_on = record.dataset.name if record else None
        self.training_image_size = self.median_size_of(record.dataset.image_size if record else None)
        divisor = size_divisor_of(model)
        if any(side % divisor for side in input_spec.size):
            raise ValueError(f"input size {input_spec.size} is not a multiple of {divisor} for {model.model_config.name}")

    @classmethod
    def from_weights(cls, path_or_name: str | os.PathLike, device: str = "auto", tta: bool = False,
                     precision: str = "auto") -> Segmenter:
        """Load a checkpoint folder / .safetensors file, or shipped weights named ``model:tag``.

        `precision` "auto" runs under the checkpoint's execution plan (bf16 autocast where training used it and
        this device has it); "fp32" never autocasts, for masks that match an fp32 ONNX export pixel for pixel.
        """
        from litemedseg.models.pretrained import resolve_weights

        path = resolve_weights(path_or_name)
        model, record = load_checkpoint(path)
        try:
            return cls(model, record.input_spec(), record.class_names, device=device, tta=tta, record=record,
                       plan=ExecutionPlan.from_dict(record.execution), precision=precision)
        except ConfigError:
            raise
        except ValueError as err:  # e.g. an input size the model's size rule does not allow
            raise WeightsError(f"{path}: {err}") from None

    def _prepare(self, image: np.ndarray, source: str | os.PathLike = "image") -> tuple[torch.Tensor, tuple[int, int]]:
        array = as_image_array(image, self.spec.in_channels, source)
        original = array.shape[:2]
        resized = resize_image(array, self.spec.network_size(original))
        tensor = torch.tensor(resized).permute(2, 0, 1)[None]
        return normalize_batch(tensor.to(self.device), self.spec), original

    def _forward(self, batch: torch.Tensor) -> torch.Tensor:
        if self.spec.mode == "patch":
            from monai.inferers import sliding_window_inference

            windows = batch.shape[-2] * batch.shape[-1] / (self.spec.size[0] * self.spec.size[1])
            run = lambda x: sliding_window_inference(  # noqa: E731
                x, roi_size=self.spec.size, sw_batch_size=SLIDING_WINDOW.sw_batch_size, predictor=self.model,
                overlap=SLIDING_WINDOW.overlap, mode=SLIDING_WINDOW.mode, sigma_scale=SLIDING_WINDOW.sigma_scale,
                progress=self.window_progress and windows >= LARGE_IMAGE_WINDOWS,
            )
        else:
            run = self.model
        if not self.tta:
            return run(batch)
        return torch.stack([run(batch.flip(f)).flip(f) if f else run(batch) for f in TTA_FLIPS]).mean(0)

    @torch.no_grad()
    def _flush(self, pending: list[tuple[torch.Tensor, tuple[int, int]]]) -> Iterator[torch.Tensor]:
        batch = self.plan.prepare_input(torch.cat([tensor for tensor, _ in pending]))
        with self.plan.autocast(self.device):
            logits = self._forward(batch).float()
        for row, (_, original) in zip(logits, pending):
            yield F.interpolate(row[None].float(), size=original, mode="bilinear", align_corners=False)[0].cpu()

    def probabilities(self, logits: torch.Tensor) -> np.ndarray:
        """Foreground probability (H, W) for binary models, class probabilities (C, H, W) otherwise."""
        if self.num_classes == 1:
            return torch.sigmoid(logits[0]).numpy()
        return torch.softmax(logits, dim=0).numpy()

    def mask_from_logits(self, logits: torch.Tensor) -> np.ndarray:
        """(H, W) uint8: sigmoid > 0.5 (logit > 0) for binary, arg-max class otherwise."""
        if self.num_classes == 1:
            return (logits[0] > 0).numpy().astype(np.uint8)
        return logits.argmax(0).numpy().astype(np.uint8)
