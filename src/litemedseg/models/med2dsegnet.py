"""Med-2D SegNet: a light encoder-decoder of Med Blocks for 2D medical segmentation.

The design document states the Med Block (1x1 expand x6, 7x7 depthwise, channel reweighting from global
average pooling, 1x1 reduce, residual), four downsamplings (1/2 .. 1/16) and a decoder that merges encoder
features through additive connections. Everything else is our choice, recorded in docs/models.md:

- BatchNorm (``norm="group"`` for batch 1-2); ReLU rather than GELU, which does not fuse into the convolution in
  ONNX Runtime (30.7 vs 22.5 ms on CPU for one configuration; ``act="gelu"`` restores it); the gate is
  squeeze-and-excitation on the expanded channels with reduction 20;
- a 3x3 stride-2 stem is stage 1 (1/2); stages 2-4 (1/4, 1/8, 1/16) are each opened by a 2x2 stride-2
  convolution that widens the channels; widths (32, 64, 96, 304), Med Blocks per stage (0, 0, 1, 1). A Med
  Block's 1x1 convolutions cost C^2 x H x W, so a parameter at 1/16 costs a quarter of the MACs of one at 1/8;
  and the 7x7 depthwise weight gradient on x6 channels is the slowest op of a CPU training step, so the budget
  sits at 1/16 and 1/8 and there are no Med Blocks at 1/4 or 1/2. Measured (benchmarks/med2dsegnet_layouts.py,
  BENCHMARKS.md): the previous layout (32, 64, 128, 256) / (0, 1, 1, 1) / (1, 1, 0) trained at about a third
  of the speed for the same parameter count; validation Dice of both is in benchmarks/results/layout_accuracy;
- decoder stage: 1x1 projection, bilinear x2 upsample, add the encoder feature of that scale, then Med Blocks:
  one at 1/8, none at 1/4 and 1/2 (``decoder_depths=(1, 0, 0)``); the 1x1 head runs at 1/2 resolution and its
  logits are upsampled bilinearly to full size (a 1x1 convolution and bilinear upsampling commute, so this
  equals "upsample then head" at a quarter of the cost);
- variants: ``med2dsegnet_s`` (half widths, (16, 32, 48, 152)) and ``med2dsegnet_l`` (1.5x widths, Med Blocks at every scale).

Default (3 in, 1 out): 2,077,652 parameters, 0.717 GMACs at 3x256x256 (torch.utils.flop_counter, MACs = FLOPs/2).
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
import torch.nn.functional as F
from torch import nn

from litemedseg.models.layers import ConvNormAct, SqueezeExcite, check_spatial_size, make_norm
from litemedseg.models.registry import register_model

DEFAULT_WIDTHS = (32, 64, 96, 304)
DEFAULT_DEPTHS = (0, 0, 1, 1)
DEFAULT_DECODER_DEPTHS = (1, 0, 0)
DEFAULT_SE_REDUCTION = 20


class MedBlock(nn.Module):
    """1x1 expand (x`expansion`) -> 7x7 depthwise -> SE gate -> 1x1 reduce, plus the input."""

    def __init__(
        self,
        channels: int,
        expansion: int = 6,
        kernel_size: int = 7,
        se_reduction: int = DEFAULT_SE_REDUCTION,
        norm: str = "batch",
        act: str = "relu",
    ) -> None:
        super().__init__()
        hidden = channels * expansion
        self.expand = ConvNormAct(channels, hidden, 1, norm=norm, act=act)
        self.depthwise = ConvNormAct(hidden, hidden, kernel_size, groups=hidden, norm=norm, act=act)
        self.gate = SqueezeExcite(hidden, se_reduction, act=act)
        self.reduce = ConvNormAct(hidden, channels, 1, norm=norm, act=None)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.reduce(self.gate(self.depthwise(self.expand(x))))


class Med2DSegNet(nn.Module):
    """Med-2D SegNet; returns logits of shape (B, num_classes, H, W) for H, W multiples of 16."""

    def __init__(
        self,
        in_channels: int = 3,
        num_classes: int = 1,
        widths: Sequence[int] = DEFAULT_WIDTHS,
        depths: Sequence[int] = DEFAULT_DEPTHS,
        decoder_depths: Sequence[int] = DEFAULT_DECODER_DEPTHS,
        expansion: int = 6,
        se_reduction: int = DEFAULT_SE_REDUCTION,
        norm: str = "batch",
        act: str = "relu",
    ) -> None:
        super().__init__()
        if len(widths) != 4 or len(depths) != 4 or len(decoder_depths) != 3:
            raise ValueError(
                "widths and depths need 4 entries (scales 1/2..1/16) and decoder_depths 3 (1/8, 1/4, 1/2), "
                f"got {widths}, {depths}, {decoder_depths}"
            )
        if in_channels < 1 or num_classes < 1:
            raise ValueError(f"in_channels and num_classes must be >= 1, got {in_channels}, {num_classes}")
        self.size_divisor = 16
        # every architecture argument, so a checkpoint rebuilds this network whatever the defaults become
        self.declared_kwargs = dict(widths=[int(w) for w in widths], depths=[int(d) for d in depths],
                                    decoder_depths=[int(d) for d in decoder_depths], expansion=int(expansion),
                                    se_reduction=int(se_reduction), norm=norm, act=act)
        block = dict(expansion=expansion, se_reduction=se_reduction, norm=norm, act=act)

        self.stem = ConvNormAct(in_channels, widths[0], 3, stride=2, norm=norm, act=act)
        self.encoder = nn.ModuleList()
        for i, (width, depth) in enumerate(zip(widths, depths)):
            opener: nn.Module = (
                nn.Identity()
                if i == 0
                else nn.Sequential(nn.Conv2d(widths[i - 1], width, 2, stride=2, bias=False), make_norm(norm, width))
            )
            self.encoder.append(nn.Sequential(opener, *[MedBlock(width, **block) for _ in range(depth)]))

        self.projections = nn.ModuleList()
        self.decoder = nn.ModuleList()
        for deep, shallow, depth in zip(widths[:0:-1], widths[-2::-1], decoder_depths):
            self.projections.append(ConvNormAct(deep, shallow, 1, norm=norm, act=None))
            self.decoder.append(nn.Sequential(*[MedBlock(shallow, **block) for _ in range(depth)]))
        self.head = nn.Conv2d(widths[0], num_classes, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if not torch.jit.is_tracing():
            check_spatial_size(x, self.size_divisor)
        features: list[torch.Tensor] = []
        y = self.stem(x)
        for stage in self.encoder:
            y = stage(y)
            features.append(y)
        skips = features[:-1]
        for i, (project, stage) in enumerate(zip(self.projections, self.decoder)):
            skip = skips[len(skips) - 1 - i]
            y = F.interpolate(project(y), size=skip.shape[-2:], mode="bilinear", align_corners=False)
            y = stage(y + skip)
        return F.interpolate(self.head(y), size=x.shape[-2:], mode="bilinear", align_corners=False)


# Chosen on Kvasir-SEG validation at 480 CPU-s (BENCHMARKS.md, "Recipe options"): warm restarts +0.035 against
# the mean of three plain seeds; adding progressive resizing to them lost 0.010, so it stays off.
@register_model(family="med2dsegnet", paper_params=2_070_000, training_defaults={"schedule": "cosine_restarts"})
def med2dsegnet(in_channels: int = 3, num_classes: int = 1, **kwargs) -> Med2DSegNet:
    """Med-2D SegNet, default width: about 2.07 M parameters (polyps, skin, glands, endoscopy)."""
    return Med2DSegNet(in_channels, num_classes, **kwargs)


@register_model(family="med2dsegnet")
def med2dsegnet_s(in_channels: int = 3, num_classes: int = 1, **kwargs) -> Med2DSegNet:
    """Med-2D SegNet, small: half the widths (16, 32, 48, 152)."""
    kwargs.setdefault("widths", (16, 32, 48, 152))
    return Med2DSegNet(in_channels, num_classes, **kwargs)


@register_model(family="med2dsegnet")
def med2dsegnet_l(in_channels: int = 3, num_classes: int = 1, **kwargs) -> Med2DSegNet:
    """Med-2D SegNet, large: widths (48, 96, 192, 384), Med Blocks at every scale, depths (1, 2, 3, 1)."""
    kwargs.setdefault("widths", (48, 96, 192, 384))
    kwargs.setdefault("depths", (1, 2, 3, 1))
    kwargs.setdefault("decoder_depths", (1, 1, 1))
    return Med2DSegNet(in_channels, num_classes, **kwargs)
