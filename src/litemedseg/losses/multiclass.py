"""Losses for C >= 2 softmax logit maps (multi-class segmentation)."""

from __future__ import annotations

import torch
from monai.losses import DiceCELoss as _MonaiDiceCELoss
from torch import nn


class DiceCELoss(nn.Module):
    """Soft Dice over the foreground classes plus cross-entropy over all classes.

    Targets are class-index maps (B, H, W) or (B, 1, H, W). Background is left out of the Dice term (it
    dominates the pixel count and would hide poor foreground overlap) but stays in the cross-entropy.
    """

    def __init__(self, dice_weight: float = 1.0, ce_weight: float = 1.0, include_background: bool = False) -> None:
        super().__init__()
        self.loss = _MonaiDiceCELoss(
            include_background=include_background,
            to_onehot_y=True,
            softmax=True,
            batch=True,
            lambda_dice=dice_weight,
            lambda_ce=ce_weight,
        )

    def forward(self, logits: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        if logits.ndim != 4 or logits.shape[1] < 2:
            raise ValueError(f"multi-class losses need logits of shape (B, C>=2, H, W), got {tuple(logits.shape)}")
        if target.ndim == 3:
            target = target.unsqueeze(1)
        if target.shape[0] != logits.shape[0] or target.shape[2:] != logits.shape[2:]:
            raise ValueError(f"target shape {tuple(target.shape)} does not match logits {tuple(logits.shape)}")
        return self.loss(logits.float(), target.long())
