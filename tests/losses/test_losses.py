"""Losses against values computed by hand."""

import math

import pytest
import torch

from litemedseg.errors import ConfigError
from litemedseg.losses import DiceBCELoss, DiceCELoss, DiceJaccardBCELoss, create_loss, default_loss_name


def test_dice_jaccard_bce_by_hand():
    # 4 pixels, all foreground; logits 0 -> p = 0.5 everywhere.
    logits, target = torch.zeros(1, 1, 2, 2), torch.ones(1, 1, 2, 2)
    dice = 1 - (2 * 2) / (2 + 4)  # 1 - 2 * sum(p*g) / (sum p + sum g)
    jaccard = 1 - 2 / (2 + 4 - 2)  # 1 - I / (P + G - I)
    bce = math.log(2)
    for alpha in (0.0, 0.3, 0.5, 1.0):
        expected = alpha * (dice + jaccard) + (1 - alpha) * bce
        got = DiceJaccardBCELoss(alpha=alpha)(logits, target).item()
        assert got == pytest.approx(expected, abs=1e-4)


def test_dice_jaccard_bce_mixed_pixels_by_hand():
    # p = sigmoid([2, -1, 0, 3]); g = [1, 0, 1, 1]
    z = torch.tensor([2.0, -1.0, 0.0, 3.0])
    g = torch.tensor([1.0, 0.0, 1.0, 1.0])
    p = [1 / (1 + math.exp(-v)) for v in z.tolist()]
    inter = p[0] + p[2] + p[3]
    dice = 1 - 2 * inter / (sum(p) + 3)
    jaccard = 1 - inter / (sum(p) + 3 - inter)
    bce = -sum(gi * math.log(pi) + (1 - gi) * math.log(1 - pi) for pi, gi in zip(p, g.tolist())) / 4
    got = DiceJaccardBCELoss(alpha=0.25)(z.view(1, 1, 2, 2), g.view(1, 1, 2, 2)).item()
    assert got == pytest.approx(0.25 * (dice + jaccard) + 0.75 * bce, abs=1e-4)


def test_dice_bce_perfect_prediction_is_near_zero():
    target = torch.zeros(2, 1, 4, 4)
    target[:, :, 1:3, 1:3] = 1
    logits = (target * 2 - 1) * 30
    assert DiceBCELoss()(logits, target).item() < 1e-4


def test_dice_ce_by_hand():
    # two pixels, three classes, uniform logits: CE = ln 3; softmax 1/3 each.
    logits = torch.zeros(1, 3, 1, 2)
    target = torch.tensor([[[1, 2]]])  # (B, H, W)
    ce = math.log(3)
    # foreground classes 1 and 2, pooled over the batch: each has one true pixel, predicted mass 2/3
    dice_c = 1 - (2 * (1 / 3)) / (2 / 3 + 1)
    got = DiceCELoss()(logits, target).item()
    assert got == pytest.approx(dice_c + ce, abs=1e-4)


def test_loss_registry_checks_class_count():
    assert default_loss_name("mininet", 1) == "dice_jaccard_bce"
    assert default_loss_name("med2dsegnet", 1) == "dice_bce"
    assert default_loss_name("unet", 4) == "dice_ce"
    assert isinstance(create_loss("dice_jaccard_bce", 1, alpha=0.7), DiceJaccardBCELoss)
    with pytest.raises(ConfigError, match="num_classes=3"):
        create_loss("dice_bce", 3)
    with pytest.raises(ConfigError, match="alpha"):
        create_loss("dice_jaccard_bce", 1, alpha=2.0)
    with pytest.raises(ConfigError, match="unknown loss"):
        create_loss("focal", 1)


def test_binary_loss_rejects_mismatched_target():
    with pytest.raises(ValueError, match="does not match"):
        DiceBCELoss()(torch.zeros(1, 1, 4, 4), torch.zeros(1, 1, 4, 5))
