"""UNeXt (Valanarasu & Patel, MICCAI 2022, arXiv:2203.04967), written here from the paper's text.

The paper states: an encoder of three convolutional blocks (3x3 conv, BatchNorm, ReLU; 2x2 max-pool between
them) and two tokenized-MLP blocks; a decoder of two tokenized-MLP blocks and three convolutional blocks with
bilinear upsampling; additive skip connections. A tokenized-MLP stage tokenizes with a 3x3 convolution that
changes the channels to the embedding size, then: shift the channels along the width, an MLP, a depthwise
3x3 convolution (positional information), GELU, shift along the height, a second MLP, a residual connection
and LayerNorm. The channels are split into 5 groups, shifted by -2..2 positions.

Our reading where the text leaves room: the tokenizing convolution has stride 2 (the MLP stages sit at 1/16 and
1/32, so sides must be multiples of 32), the MLP keeps the embedding width (ratio 1), and the decoder's conv
blocks halve the channels before each upsampling. Widths (16, 32, 128, 160, 256) reproduce the published
1.47 M parameters and 0.57 G MACs; the paper's prose (32, 64, 128, 160, 256) would give 1.58 M and 1.18 G, so
we follow the published counts.

- ``unext``   widths (16, 32, 128, 160, 256): 1,471,425 parameters, 0.562 GMACs at 3x256x256
  (published: 1.47 M, 0.57 G);
- ``unext_s`` widths (8, 16, 32, 64, 128): 253,393 parameters, 0.099 GMACs (published: 0.25 M, 0.10 G).
MACs by torch.utils.flop_counter (MACs = FLOPs / 2).
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
import torch.nn.functional as F
from torch import nn

from litemedseg.models.layers import ConvNormAct, check_spatial_size
from litemedseg.models.registry import register_model

UNEXT_WIDTHS = (16, 32, 128, 160, 256)
UNEXT_S_WIDTHS = (8, 16, 32, 64, 128)
SHIFT_GROUPS = 5


def shift_channels(x: torch.Tensor, dim: int, groups: int = SHIFT_GROUPS) -> torch.Tensor:
    """Split channels into `groups` and move group i by (i - groups // 2) pixels along `dim`, zero-filled."""
    pad = groups // 2
    chunks = torch.chunk(x, groups, dim=1)
    moved: list[torch.Tensor] = []
    for i, chunk in enumerate(chunks):
        offset = i - pad
        if offset == 0:
            moved.append(chunk)
            continue
        size = chunk.shape[dim]
        if offset > 0:
            body = chunk.narrow(dim, 0, size - offset)
            zeros = torch.zeros_like(chunk.narrow(dim, 0, offset))
            moved.append(torch.cat([zeros, body], dim=dim))
        else:
            body = chunk.narrow(dim, -offset, size + offset)
            zeros = torch.zeros_like(chunk.narrow(dim, 0, -offset))
            moved.append(torch.cat([body, zeros], dim=dim))
    return torch.cat(moved, dim=1)


class ShiftedMLP(nn.Module):
    """Shift along W -> token MLP -> depthwise 3x3 -> GELU -> shift along H -> token MLP (1x1 convs on the map)."""

    def __init__(self, channels: int, hidden: int) -> None:
        super().__init__()
        self.fc1 = nn.Conv2d(channels, hidden, 1)
        self.dwconv = nn.Conv2d(hidden, hidden, 3, padding=1, groups=hidden)
        self.act = nn.GELU()
        self.fc2 = nn.Conv2d(hidden, channels, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = self.fc1(shift_channels(x, dim=3))
        y = self.act(self.dwconv(y))
        return self.fc2(shift_channels(y, dim=2))


class ChannelLayerNorm(nn.Module):
    """LayerNorm over the channels of a (B, C, H, W) map (the per-token LayerNorm of the paper)."""

    def __init__(self, channels: int) -> None:
        super().__init__()
        self.norm = nn.LayerNorm(channels)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.norm(x.permute(0, 2, 3, 1)).permute(0, 3, 1, 2)


class TokenizedMLPBlock(nn.Module):
    """``LN(x + ShiftedMLP(LN(x)))``: one tokenized-MLP block on a feature map."""

    def __init__(self, channels: int, mlp_ratio: float = 1.0) -> None:
        super().__init__()
        self.pre_norm = ChannelLayerNorm(channels)
        self.mlp = ShiftedMLP(channels, int(channels * mlp_ratio))
        self.post_norm = ChannelLayerNorm(channels)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.post_norm(x + self.mlp(self.pre_norm(x)))


class TokenizedStage(nn.Module):
    """Tokenize (3x3 stride-2 conv to the embedding width, LayerNorm), then one tokenized-MLP block."""

    def __init__(self, in_channels: int, channels: int, mlp_ratio: float = 1.0) -> None:
        super().__init__()
        self.tokenize = nn.Conv2d(in_channels, channels, 3, stride=2, padding=1)
        self.norm = ChannelLayerNorm(channels)
        self.block = TokenizedMLPBlock(channels, mlp_ratio)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.block(self.norm(self.tokenize(x)))


class UNeXt(nn.Module):
    """UNeXt; returns logits (B, num_classes, H, W) for H, W multiples of 32."""

    def __init__(self, in_channels: int = 3, num_classes: int = 1, widths: Sequence[int] = UNEXT_WIDTHS,
                 mlp_ratio: float = 1.0) -> None:
        super().__init__()
        if len(widths) != 5:
            raise ValueError(f"widths needs 5 entries (3 conv stages, 2 tokenized-MLP stages), got {widths}")
        c1, c2, c3, c4, c5 = widths
        self.size_divisor = 32
        self.conv_stages = nn.ModuleList([ConvNormAct(in_channels, c1, 3, act="relu"),
                                          ConvNormAct(c1, c2, 3, act="relu"), ConvNormAct(c2, c3, 3, act="relu")])
        self.token_stage4 = TokenizedStage(c3, c4, mlp_ratio)
        self.token_stage5 = TokenizedStage(c4, c5, mlp_ratio)
        self.decoder = nn.ModuleList([ConvNormAct(a, b, 3, act="relu") for a, b in
                                       ((c5, c4), (c4, c3), (c3, c2), (c2, c1), (c1, c1))])
        self.decoder_mlps = nn.ModuleList([TokenizedMLPBlock(c4, mlp_ratio), TokenizedMLPBlock(c3, mlp_ratio)])
        self.head = nn.Conv2d(c1, num_classes, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if not torch.jit.is_tracing():
            check_spatial_size(x, self.size_divisor)
        skips: list[torch.Tensor] = []
        y = x
        for stage in self.conv_stages:
            y = F.max_pool2d(stage(y), 2)
            skips.append(y)
        y = self.token_stage4(y)
        skips.append(y)
        y = self.token_stage5(y)
        for i, up_conv in enumerate(self.decoder):
            y = F.interpolate(up_conv(y), scale_factor=2.0, mode="bilinear", align_corners=False)
            if i < 4:
                y = y + skips[3 - i]
            if i == 0:
                y = self.decoder_mlps[0](y)
            elif i == 1:
                y = self.decoder_mlps[1](y)
        return self.head(y)


@register_model(family="peer", paper_params=1_470_000)
def unext(in_channels: int = 3, num_classes: int = 1, **kwargs) -> UNeXt:
    """UNeXt (peer, from its paper): conv stages + tokenized shifted MLPs, about 1.47 M parameters."""
    return UNeXt(in_channels, num_classes, **kwargs)


@register_model(family="peer", paper_params=250_000)
def unext_s(in_channels: int = 3, num_classes: int = 1, **kwargs) -> UNeXt:
    """UNeXt-S (peer, from its paper): widths (8, 16, 32, 64, 128), about 0.25 M parameters."""
    kwargs.setdefault("widths", UNEXT_S_WIDTHS)
    return UNeXt(in_channels, num_classes, **kwargs)
