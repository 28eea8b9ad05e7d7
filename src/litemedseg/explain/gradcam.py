"""Grad-CAM for segmentation: which features of a layer drive the logits of a class over its predicted region.

Following Vinogradova et al. (AAAI 2020, "Towards interpretable semantic segmentation via gradient-weighted
class activation mapping"), the scalar explained for class c is the sum of its logits over the pixels predicted
as c; Grad-CAM (Selvaraju et al., 2017, via captum's ``LayerGradCam``) weights the chosen layer's channels by
the spatial mean of that scalar's gradient, sums them and keeps the positive part. The map is resized to the
image's original size and scaled to [0, 1] by its maximum.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from litemedseg.engine.prediction import Segmenter
from litemedseg.errors import ConfigError, LitemedsegError
from litemedseg.explain.layers import resolve_layer
from litemedseg.models.registry import size_divisor_of


class MissingDependencyError(LitemedsegError):
    """An optional package needed by this feature is not installed."""


@dataclass(frozen=True)
class GradCamMap:
    """One Grad-CAM map at the image's original size."""

    heatmap: np.ndarray  # (H, W) float32 in [0, 1]
    class_index: int  # label value explained; -1 when several classes are combined
    class_name: str  # their names joined by "+" when combined
    layer: str
    region_pixels: int  # target pixels at network resolution; 0: nothing predicted, the whole image was used


def _layer_grad_cam() -> type:
    try:
        from captum.attr import LayerGradCam
    except ImportError:
        raise MissingDependencyError(
            "Grad-CAM needs captum, which is not installed (pip install 'litemedseg[full]' or pip install captum)"
        ) from None
    return LayerGradCam


def class_names_of(segmenter: Segmenter) -> list[str]:
    """Names of label values 0..K-1 (binary models: background, foreground)."""
    count = max(segmenter.num_classes, 2)
    names = list(segmenter.class_names)
    return names if len(names) == count else [f"class{c}" for c in range(count)]


def check_class_index(segmenter: Segmenter, class_index: int) -> int:
    """`class_index` is a label value: 0 background, 1 foreground (binary) or 1..C-1 (multi-class)."""
    names = class_names_of(segmenter)
    if not 0 <= int(class_index) < len(names):
        listed = ", ".join(f"{i}={n}" for i, n in enumerate(names))
        raise ConfigError(f"class index {class_index} is out of range for this model (classes: {listed})")
    return int(class_index)


def class_score(logits: torch.Tensor, class_index: int) -> tuple[torch.Tensor, torch.Tensor]:
    """(score map, predicted region) of one class from logits (B, C, h, w); both (B, h, w).

    A single-channel (sigmoid) model's background score is the negated logit, so class 0 can be explained too.
    """
    if logits.shape[1] == 1:
        logit = logits[:, 0]
        return (logit, logit > 0) if class_index == 1 else (-logit, logit <= 0)
    return logits[:, class_index], logits.argmax(1) == class_index


def predicted_classes(segmenter: Segmenter, logits: torch.Tensor) -> list[int]:
    """Foreground classes present in the prediction (binary models: always foreground)."""
    if segmenter.num_classes == 1:
        return [1]
    present = sorted(int(c) for c in torch.unique(logits.argmax(1)).tolist() if c > 0)
    return present or list(range(1, segmenter.num_classes))


def _pad_to(x: torch.Tensor, divisor: int) -> torch.Tensor:
    h, w = x.shape[-2:]
    pad_h, pad_w = -h % divisor, -w % divisor
    return F.pad(x, (0, pad_w, 0, pad_h), mode="replicate") if pad_h or pad_w else x


def _check_layer_output(model: nn.Module, name: str, module: nn.Module, x: torch.Tensor) -> torch.Tensor:
    """Run the model once without gradients; the layer must run once and give a (B, C, h, w) map."""
    outputs: list[object] = []
    handle = module.register_forward_hook(lambda _m, _i, out: outputs.append(out))
    try:
        with torch.no_grad():
            logits = model(x)
    finally:
        handle.remove()
    if not outputs:
        raise ConfigError(f"layer {name!r} is not used in the forward pass (a container?); choose one of its stages")
    if len(outputs) > 1:
        raise ConfigError(f"layer {name!r} runs {len(outputs)} times per forward pass; choose a layer that runs once")
    out = outputs[0]
    if not isinstance(out, torch.Tensor) or out.ndim != 4:
        shape = tuple(out.shape) if isinstance(out, torch.Tensor) else type(out).__name__
        raise ConfigError(f"layer {name!r} gives {shape}, not a (B, C, H, W) feature map; choose another layer")
    return logits


def _region_at(region: np.ndarray, size: tuple[int, int], device: torch.device) -> torch.Tensor:
    mask = torch.as_tensor(np.asarray(region, dtype=np.float32), device=device)[None, None]
    return F.interpolate(mask, size=size, mode="nearest")[:, 0] > 0.5


def grad_cam_maps(
    segmenter: Segmenter,
    image: np.ndarray,
    layer: str | None = None,
    class_index: int | Sequence[int] | None = None,
    *,
    region: np.ndarray | None = None,
    source: str | os.PathLike = "image",
    combine: bool = False,
) -> list[GradCamMap]:
    """Grad-CAM maps of one image, one per explained class (or one for all of them with `combine`).

    `class_index`: label value(s) to explain; None = foreground for binary models, every predicted class for
    multi-class ones. `region`: an optional (H, W) boolean mask at the original size that replaces the predicted
    region of every class. Test-time flips are not applied; patch-mode models see the whole image at once.
    """
    model = segmenter.model
    name, module = resolve_layer(model, layer)
    tensor, original = segmenter._prepare(image, source)
    size = tuple(tensor.shape[-2:])
    x = _pad_to(tensor, size_divisor_of(model))
    logits = _check_layer_output(model, name, module, x)[..., : size[0], : size[1]]

    if class_index is None:
        classes = predicted_classes(segmenter, logits)
    else:
        indices = [class_index] if isinstance(class_index, (int, np.integer)) else list(class_index)
        classes = [check_class_index(segmenter, c) for c in indices]
    target_region = None if region is None else _region_at(region, size, x.device)
    groups = [classes] if combine else [[c] for c in classes]
    names = class_names_of(segmenter)
    return [
        _explain(model, name, module, x, logits, original, group, target_region, names) for group in groups
    ]


def _explain(
    model: nn.Module,
    name: str,
    module: nn.Module,
    x: torch.Tensor,
    logits: torch.Tensor,
    original: tuple[int, int],
    classes: list[int],
    region: torch.Tensor | None,
    names: list[str],
) -> GradCamMap:
    size = tuple(logits.shape[-2:])
    masks = []
    for c in classes:
        _, predicted = class_score(logits, c)
        masks.append(predicted if region is None else region)
    pixels = int(sum(int(m.sum()) for m in masks))
    # Nothing predicted: explain the class score over the whole image rather than return an empty map.
    weights = [m.float() if pixels else torch.ones_like(m, dtype=torch.float32) for m in masks]

    def target(inputs: torch.Tensor) -> torch.Tensor:
        out = model(inputs)[..., : size[0], : size[1]]
        total = 0
        for c, weight in zip(classes, weights):
            score, _ = class_score(out, c)
            total = total + (score * weight).sum(dim=(-2, -1))
        return total

    with torch.enable_grad():
        attribution = _layer_grad_cam()(target, module).attribute(x, relu_attributions=True)
    cam = attribution.detach().float().sum(1, keepdim=True)
    cam = F.interpolate(cam, size=x.shape[-2:], mode="bilinear", align_corners=False)[..., : size[0], : size[1]]
    cam = F.interpolate(cam, size=original, mode="bilinear", align_corners=False)[0, 0].clamp_min(0)
    peak = float(cam.max())
    heat = (cam / peak if peak > 0 and np.isfinite(peak) else torch.zeros_like(cam)).cpu().numpy()
    label = "+".join(names[c] for c in classes)
    return GradCamMap(heat.astype(np.float32), classes[0] if len(classes) == 1 else -1, label, name, pixels)


def grad_cam(
    segmenter: Segmenter,
    image: np.ndarray,
    layer: str | None = None,
    class_index: int | None = None,
    region: np.ndarray | None = None,
) -> np.ndarray:
    """One Grad-CAM map (H, W) float32 in [0, 1] at the image's original size.

    >>> heat = grad_cam(Segmenter.from_weights("runs/demo/best"), image)          # doctest: +SKIP

    `class_index` None explains the foreground (binary) or all predicted classes together (multi-class);
    `layer` None uses the model family's default (see ``litemedseg.explain.layers.default_layer_name``).
    """
    return grad_cam_maps(segmenter, image, layer, class_index, region=region, combine=True)[0].heatmap
