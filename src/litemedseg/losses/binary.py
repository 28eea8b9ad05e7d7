"""Losses for one sigmoid logit map (binary segmentation)."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from monai.losses import DiceLoss
from torch import nn

DEFAULT_ALPHA = 0.5


def _check_binary(logits: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    if logits.ndim != 4 or logits.shape[1] != 1:
        raise ValueError(f"binary losses need logits of shape (B, 1, H, W), got {tuple(logits.shape)}")
    if target.ndim == 3:
        target = target.unsqueeze(1)
    if target.shape != logits.shape:
        raise ValueError(f"target shape {tuple(target.shape)} does not match logits {tuple(logits.shape)}")
    return target.to(logits.dtype)


class DiceJaccardBCELoss(nn.Module):
    """Mini-Net's loss: ``alpha * (dice + jaccard) + (1 - alpha) * bce``.

    Dice and Jaccard are soft losses of the sigmoid probabilities pooled over the whole batch (MONAI
    ``DiceLoss(batch=True)``), BCE is the mean binary cross-entropy of the logits. `alpha` in [0, 1] trades
    region overlap against per-pixel calibration; 0.5 is the default (see docs/losses.md for the grid).
    """

    def __init__(self, alpha: float = DEFAULT_ALPHA, smooth: float = 1e-5) -> None:
        super().__init__()
        if not 0.0 <= alpha <= 1.0:
            raise ValueError(f"alpha must be in [0, 1], got {alpha}")
        self.alpha = alpha
        self.dice = DiceLoss(sigmoid=True, batch=True, smooth_nr=smooth, smooth_dr=smooth)
        self.jaccard = DiceLoss(sigmoid=True, batch=True, jaccard=True, smooth_nr=smooth, smooth_dr=smooth)

    def forward(self, logits: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        target = _check_binary(logits, target)
        logits = logits.float()
        overlap = self.dice(logits, target) + self.jaccard(logits, target)
        return self.alpha * overlap + (1.0 - self.alpha) * F.binary_cross_entropy_with_logits(logits, target)


class DiceBCELoss(nn.Module):
    """``dice + bce`` on one sigmoid logit map (Med-2D SegNet's default), Dice pooled over the batch."""

    def __init__(self, dice_weight: float = 1.0, bce_weight: float = 1.0, smooth: float = 1e-5) -> None:
        super().__init__()
        self.dice_weight, self.bce_weight = dice_weight, bce_weight
        self.dice = DiceLoss(sigmoid=True, batch=True, smooth_nr=smooth, smooth_dr=smooth)

    def forward(self, logits: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        target = _check_binary(logits, target)
        logits = logits.float()
        return self.dice_weight * self.dice(logits, target) + self.bce_weight * F.binary_cross_entropy_with_logits(
            logits, target
        )
