"""EGE-UNet (Ruan et al., MICCAI 2023, arXiv:2307.08473), written here from the paper's text.

The paper states: a six-stage U-shape with channels (8, 16, 24, 32, 48, 64); plain 3x3 convolutions in the first
three encoder stages (and the last two decoder stages), the Group multi-axis Hadamard Product Attention module
(GHPA) in the others; skip connections through the Group Aggregation Bridge (GAB), which fuses the low-level
feature, the upsampled high-level feature and the mask the decoder predicts at that scale (deep supervision).
GHPA splits its input into four channel groups: three take a Hadamard product with a learnable weight on the
(H, W), (C, H) and (C, W) axes (a small parameter map resized bilinearly to the feature size and refined by a
convolution), the fourth a depthwise convolution; the groups are concatenated, normalised and mixed by a
depthwise 3x3 and a 1x1 convolution. GAB splits both features into four groups, appends the mask to each and
applies 3x3 convolutions with dilations (1, 2, 5, 7), then a 1x1 convolution.

Our reading where the text leaves room: GroupNorm (4 groups) + GELU after each stage, 2x2 max-pool between
encoder stages (so sides must be multiples of 32), 8x8 learnable maps, LayerNorm over channels inside GHPA and
GAB, bilinear upsampling; the encoder pools after each of its first five stages, so the decoder ends at 1/2,
where the 1x1 head runs before its logits are upsampled. The deep-supervision masks feed the bridges; only the
final logits are returned (the trainer's loss sees the final output only).

Default (3 in, 1 out): 53,502 parameters, 0.072 GMACs at 3x256x256 (torch.utils.flop_counter, MACs = FLOPs / 2);
published: 50.72 k parameters (paper) / 53 k (SPEC.md, issue 12), 0.072 G.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
import torch.nn.functional as F
from torch import nn

from litemedseg.models.layers import check_spatial_size
from litemedseg.models.unext import ChannelLayerNorm
from litemedseg.models.registry import register_model

EGEUNET_WIDTHS = (8, 16, 24, 32, 48, 64)
GAB_DILATIONS = (1, 2, 5, 7)
MAP_SIZE = 8


def _mixer(channels: int) -> nn.Sequential:
    """Depthwise 3x3, GELU, 1x1: how GHPA refines its learnable maps and its fourth group."""
    return nn.Sequential(nn.Conv2d(channels, channels, 3, padding=1, groups=channels), nn.GELU(),
                         nn.Conv2d(channels, channels, 1))


class GHPA(nn.Module):
    """Group multi-axis Hadamard product attention: four channel groups, three axes and a depthwise branch."""

    def __init__(self, in_channels: int, out_channels: int) -> None:
        super().__init__()
        if in_channels % 4:
            raise ValueError(f"GHPA needs channels divisible by 4, got {in_channels}")
        group = in_channels // 4
        self.weight_hw = nn.Parameter(torch.ones(1, group, MAP_SIZE, MAP_SIZE))
        self.weight_ch = nn.Parameter(torch.ones(1, 1, group, MAP_SIZE))
        self.weight_cw = nn.Parameter(torch.ones(1, 1, group, MAP_SIZE))
        self.mix_hw = _mixer(group)
        self.mix_ch = nn.Sequential(nn.Conv1d(group, group, 3, padding=1, groups=group), nn.GELU(),
                                    nn.Conv1d(group, group, 1))
        self.mix_cw = nn.Sequential(nn.Conv1d(group, group, 3, padding=1, groups=group), nn.GELU(),
                                    nn.Conv1d(group, group, 1))
        self.local = _mixer(group)
        self.norm_in = ChannelLayerNorm(in_channels)
        self.norm_out = ChannelLayerNorm(in_channels)
        self.out = nn.Sequential(nn.Conv2d(in_channels, in_channels, 3, padding=1, groups=in_channels), nn.GELU(),
                                 nn.Conv2d(in_channels, out_channels, 1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.norm_in(x)
        x1, x2, x3, x4 = torch.chunk(x, 4, dim=1)
        height, width = x.shape[-2], x.shape[-1]
        group = x1.shape[1]
        w_hw = self.mix_hw(F.interpolate(self.weight_hw, size=[height, width], mode="bilinear", align_corners=True))
        w_ch = F.interpolate(self.weight_ch, size=[group, height], mode="bilinear", align_corners=True)
        w_ch = self.mix_ch(w_ch[0]).unsqueeze(-1)  # (1, C, H, 1)
        w_cw = F.interpolate(self.weight_cw, size=[group, width], mode="bilinear", align_corners=True)
        w_cw = self.mix_cw(w_cw[0]).unsqueeze(-2)  # (1, C, 1, W)
        y = torch.cat([x1 * w_hw, x2 * w_ch, x3 * w_cw, self.local(x4)], dim=1)
        return self.out(self.norm_out(y))


class GAB(nn.Module):
    """Group aggregation bridge: (high-level, low-level, mask) in four groups, dilated 3x3 each, then 1x1."""

    def __init__(self, high_channels: int, low_channels: int, dilations: Sequence[int] = GAB_DILATIONS) -> None:
        super().__init__()
        if low_channels % len(dilations):
            raise ValueError(f"GAB needs low-level channels divisible by {len(dilations)}, got {low_channels}")
        self.project = nn.Conv2d(high_channels, low_channels, 1)
        group = low_channels // len(dilations)
        width = 2 * group + 1
        self.groups = len(dilations)
        self.branches = nn.ModuleList(
            nn.Sequential(ChannelLayerNorm(width), nn.Conv2d(width, width, 3, padding=d, dilation=d, groups=width))
            for d in dilations
        )
        self.fuse = nn.Sequential(ChannelLayerNorm(width * self.groups), nn.Conv2d(width * self.groups, low_channels, 1))

    def forward(self, high: torch.Tensor, low: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        high = F.interpolate(self.project(high), size=low.shape[-2:], mode="bilinear", align_corners=True)
        mask = F.interpolate(mask, size=low.shape[-2:], mode="bilinear", align_corners=True)
        highs = torch.chunk(high, self.groups, dim=1)
        lows = torch.chunk(low, self.groups, dim=1)
        parts: list[torch.Tensor] = []
        for i, branch in enumerate(self.branches):
            parts.append(branch(torch.cat([highs[i], lows[i], mask], dim=1)))
        return self.fuse(torch.cat(parts, dim=1))


def _stage(in_channels: int, out_channels: int, attention: bool) -> nn.Module:
    conv = GHPA(in_channels, out_channels) if attention else nn.Conv2d(in_channels, out_channels, 3, padding=1)
    return nn.Sequential(conv, nn.GroupNorm(4, out_channels), nn.GELU())


class EGEUNet(nn.Module):
    """EGE-UNet; returns logits (B, num_classes, H, W) for H, W multiples of 32."""

    def __init__(self, in_channels: int = 3, num_classes: int = 1, widths: Sequence[int] = EGEUNET_WIDTHS) -> None:
        super().__init__()
        if len(widths) != 6:
            raise ValueError(f"widths needs 6 entries, got {widths}")
        c = list(widths)
        self.size_divisor = 32
        self.encoder = nn.ModuleList([_stage(in_channels, c[0], False), _stage(c[0], c[1], False),
                                      _stage(c[1], c[2], False), _stage(c[2], c[3], True),
                                      _stage(c[3], c[4], True), _stage(c[4], c[5], True)])
        # decoder stage i maps c[5-i] to c[4-i]; the last two are plain convolutions like the first encoder stages
        self.decoder = nn.ModuleList([_stage(c[5 - i], c[4 - i], i < 3) for i in range(5)])
        self.bridges = nn.ModuleList([GAB(c[5 - i], c[4 - i]) for i in range(5)])
        self.mask_heads = nn.ModuleList([nn.Conv2d(c[4 - i], 1, 1) for i in range(5)])
        self.head = nn.Conv2d(c[0], num_classes, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if not torch.jit.is_tracing():
            check_spatial_size(x, self.size_divisor)
        skips: list[torch.Tensor] = []
        y = x
        for i, stage in enumerate(self.encoder):
            y = stage(y)
            if i < 5:
                y = F.max_pool2d(y, 2)
                skips.append(y)  # scales 1/2 .. 1/32
        for i, (stage, bridge, mask_head) in enumerate(zip(self.decoder, self.bridges, self.mask_heads)):
            skip, high = skips[4 - i], y
            y = F.interpolate(stage(y), size=skip.shape[-2:], mode="bilinear", align_corners=True)
            y = y + bridge(high, skip, mask_head(y))  # the mask this scale predicts guides its bridge
        # the decoder ends at 1/2: the 1x1 head runs there and its logits are upsampled (they commute)
        return F.interpolate(self.head(y), size=x.shape[-2:], mode="bilinear", align_corners=False)


@register_model(family="peer", paper_params=50_720)
def egeunet(in_channels: int = 3, num_classes: int = 1, **kwargs) -> EGEUNet:
    """EGE-UNet (peer, from its paper): group Hadamard attention and aggregation bridges, about 50.7 k parameters."""
    return EGEUNet(in_channels, num_classes, **kwargs)
