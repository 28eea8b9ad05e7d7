"""Batch augmentation on the training device with kornia (images and masks transformed together)."""

from __future__ import annotations

import warnings

import torch
from torch import nn

from litemedseg.config import AugmentConfig


class BatchAugment(nn.Module):
    """Random flips, 90-degree turns, affine, elastic and colour jitter of (image, mask) batches.

    Images are float (B, C, H, W) in 0-1, masks float (B, 1, H, W) holding labels. Randomness comes from
    torch's global generator, which the trainer seeds per epoch so a resumed run replays the same epoch.
    """

    def __init__(self, settings: AugmentConfig, in_channels: int) -> None:
        super().__init__()
        import kornia.augmentation as K

        self.settings = settings
        ops: list[nn.Module] = []
        if settings.hflip:
            ops.append(K.RandomHorizontalFlip())
        if settings.vflip:
            ops.append(K.RandomVerticalFlip())
        if settings.affine_p > 0 and (settings.degrees or settings.translate or settings.scale != (1.0, 1.0)):
            ops.append(
                K.RandomAffine(
                    degrees=settings.degrees,
                    translate=(settings.translate, settings.translate),
                    scale=settings.scale,
                    padding_mode="reflection",
                    p=settings.affine_p,
                )
            )
        if settings.elastic:
            ops.append(
                K.RandomElasticTransform(
                    sigma=(settings.elastic_sigma, settings.elastic_sigma),
                    alpha=(settings.elastic_alpha, settings.elastic_alpha),
                    p=settings.elastic_p,
                )
            )
        self.geometric = K.AugmentationSequential(*ops, data_keys=["input", "mask"]) if ops else None
        jitter = (settings.brightness, settings.contrast) + (
            (settings.saturation, settings.hue) if in_channels == 3 else (0.0, 0.0)
        )
        self.color = K.ColorJiggle(*jitter, p=settings.color_p) if settings.color_p > 0 and any(jitter) else None

    @torch.no_grad()
    def forward(self, images: torch.Tensor, masks: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)  # kornia's align_corners notices
            if self.settings.rot90 and images.shape[-1] == images.shape[-2]:
                turns = torch.randint(0, 4, (images.shape[0],), device=images.device)
                images, masks = _rotate_each(images, turns), _rotate_each(masks, turns)
            if self.geometric is not None:
                images, masks = self.geometric(images, masks)
            if self.color is not None:
                images = self.color(images).clamp_(0.0, 1.0)
        return images, masks


def _rotate_each(batch: torch.Tensor, turns: torch.Tensor) -> torch.Tensor:
    out = batch.clone()
    for k in (1, 2, 3):
        chosen = turns == k
        if chosen.any():
            out[chosen] = torch.rot90(batch[chosen], k, dims=(-2, -1))
    return out
