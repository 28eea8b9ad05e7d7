"""Segmentation losses on logits, built on MONAI's Dice/Jaccard losses, behind a small registry."""

from litemedseg.losses.binary import DiceBCELoss, DiceJaccardBCELoss
from litemedseg.losses.multiclass import DiceCELoss
from litemedseg.losses.registry import create_loss, default_loss_name, list_losses

__all__ = ["DiceBCELoss", "DiceCELoss", "DiceJaccardBCELoss", "create_loss", "default_loss_name", "list_losses"]
