"""``create_model``: a registered model, randomly initialised or with shipped weights (timm's ``_factory.py``).

It sits above the registry (names -> builders) and the shipped weights (``models/pretrained.py``), so neither
needs the other.
"""

from __future__ import annotations

from typing import Any

from torch import nn

from litemedseg.models.pretrained import load_pretrained
from litemedseg.models.registry import ModelConfig, build_model


def create_model(
    name: str,
    in_channels: int = 3,
    num_classes: int = 1,
    pretrained: str | None = None,
    **kwargs: Any,
) -> nn.Module:
    """Build a registered model returning logits (1 sigmoid map, or C >= 2 softmax maps).

    `pretrained` names weights shipped with the package (see ``litemedseg.models.pretrained``); the model is
    then built with the channels those weights were trained for and the given ones must match.
    """
    if pretrained is not None:
        return load_pretrained(name, pretrained, in_channels=in_channels, num_classes=num_classes, **kwargs)
    return build_model(ModelConfig(name, in_channels, num_classes, dict(kwargs)))
