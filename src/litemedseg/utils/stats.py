"""Model statistics: parameter counts and multiply-accumulates (MACs)."""

from __future__ import annotations

import torch
from torch import nn
from torch.utils.flop_counter import FlopCounterMode


def count_parameters(model: nn.Module) -> int:
    """Number of trainable parameters."""
    return sum(p.numel() for p in model.parameters() if p.requires_grad)


@torch.no_grad()
def count_macs(model: nn.Module, in_channels: int = 3, height: int = 256, width: int = 256) -> int:
    """MACs of one forward pass on a 1 x C x H x W input, measured by torch.utils.flop_counter (FLOPs / 2).

    The counter covers convolutions, matrix products and interpolation-free arithmetic that PyTorch
    attributes FLOPs to; element-wise activations and normalisations are not counted, as in fvcore/ptflops.
    """
    was_training = model.training
    model.eval()
    try:
        device = next(model.parameters()).device
        with FlopCounterMode(display=False) as counter:
            model(torch.zeros(1, in_channels, height, width, device=device))
    finally:
        model.train(was_training)
    return counter.get_total_flops() // 2
