"""Toy models, images and checkpoints for the Grad-CAM tests; none of them needs training."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch
from torch import nn

from litemedseg.checkpoint import save_checkpoint
from litemedseg.data.spec import InputSpec
from litemedseg.engine.prediction import Segmenter
from litemedseg.models import ModelConfig, create_model

BACKGROUND, BRIGHT = 30, 230
RED_SQUARE = (slice(6, 24), slice(9, 33))  # rows, columns of a (60, 90) image
GREEN_SQUARE = (slice(36, 54), slice(57, 84))


class ColourDetector(nn.Module):
    """Hand-set weights: class 1 fires on red pixels, class 2 on green ones (background logit 0).

    `features` (red and green channels after ReLU) is the only spatial evidence, so a correct Grad-CAM of class 1
    lies on the red square and of class 2 on the green one. With one output channel it is a binary red detector.
    """

    def __init__(self, num_classes: int = 3) -> None:
        super().__init__()
        self.features = nn.Sequential(nn.Conv2d(3, 2, 1), nn.ReLU())
        self.head = nn.Conv2d(2, num_classes, 1)
        with torch.no_grad():
            self.features[0].weight.zero_()
            self.features[0].bias.zero_()
            self.features[0].weight[0, 0] = 1.0
            self.features[0].weight[1, 1] = 1.0
            self.head.weight.zero_()
            self.head.bias.zero_()
            if num_classes == 1:
                self.head.weight[0, 0], self.head.bias[0] = 3.0, -1.0
            else:
                self.head.weight[1, 0], self.head.weight[2, 1] = 3.0, 3.0
                self.head.bias[1:] = -1.0
        self.model_config = ModelConfig("colour_detector", 3, num_classes)
        self.size_divisor = 1

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.features(x))


def two_squares(red: bool = True, green: bool = True) -> np.ndarray:
    """A dark (60, 90) RGB image with a red square (top left) and a green one (bottom right)."""
    image = np.full((60, 90, 3), BACKGROUND, np.uint8)
    if red:
        image[RED_SQUARE + (0,)] = BRIGHT
    if green:
        image[GREEN_SQUARE + (1,)] = BRIGHT
    return image


def detector_segmenter(num_classes: int = 3) -> Segmenter:
    spec = InputSpec(mode="resize", size=(32, 48), mean=(0.5,) * 3, std=(0.25,) * 3)
    names = ["background", "red", "green"] if num_classes == 3 else None
    return Segmenter(ColourDetector(num_classes), spec, names, device="cpu")


def untrained_checkpoint(directory: Path, model: str = "mininet", num_classes: int = 1) -> Path:
    """A randomly initialised checkpoint at 32x32 (Grad-CAM plumbing needs no trained weights)."""
    torch.manual_seed(0)
    names = ["background", "foreground"] if num_classes == 1 else ["background"] + [f"organ{c}" for c in
                                                                                      range(1, num_classes)]
    meta = {"input": InputSpec(size=(32, 32)).to_dict(), "class_names": names,
            "dataset": {"name": "synthetic", "root": str(directory)}}
    save_checkpoint(directory, create_model(model, num_classes=num_classes).eval(), meta)
    return directory
