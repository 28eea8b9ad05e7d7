"""Building blocks shared by the litemedseg networks."""

from __future__ import annotations

import torch
from torch import nn

NORMS = ("batch", "group")


def make_norm(kind: str, channels: int) -> nn.Module:
    """BatchNorm, or GroupNorm for batch sizes of 1-2 where BatchNorm statistics are noise."""
    if kind == "batch":
        return nn.BatchNorm2d(channels)
    if kind == "group":
        groups = next(g for g in (8, 4, 2, 1) if channels % g == 0)
        return nn.GroupNorm(groups, channels)
    raise ValueError(f"norm must be one of {NORMS}, got {kind!r}")


def make_act(kind: str) -> nn.Module:
    acts = {"gelu": nn.GELU, "relu": nn.ReLU, "silu": nn.SiLU}
    if kind not in acts:
        raise ValueError(f"act must be one of {tuple(acts)}, got {kind!r}")
    return acts[kind]()


class ConvNormAct(nn.Sequential):
    """Convolution, normalisation, optional activation ("same" padding for odd kernels)."""

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size: int = 3,
        stride: int = 1,
        dilation: int = 1,
        groups: int = 1,
        norm: str = "batch",
        act: str | None = "gelu",
    ) -> None:
        padding = dilation * (kernel_size - 1) // 2
        layers: list[nn.Module] = [
            nn.Conv2d(in_channels, out_channels, kernel_size, stride, padding, dilation, groups, bias=False),
            make_norm(norm, out_channels),
        ]
        if act is not None:
            layers.append(make_act(act))
        super().__init__(*layers)


class SqueezeExcite(nn.Module):
    """Channel reweighting from global average pooling (Hu et al., 2018)."""

    def __init__(self, channels: int, reduction: int = 4, act: str = "relu") -> None:
        super().__init__()
        hidden = max(8, channels // reduction)
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.fc1 = nn.Conv2d(channels, hidden, 1)
        self.act = make_act(act)
        self.fc2 = nn.Conv2d(hidden, channels, 1)
        self.gate = nn.Sigmoid()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x * self.gate(self.fc2(self.act(self.fc1(self.pool(x)))))


class DepthwiseSeparableConv(nn.Sequential):
    """Depthwise k x k (optionally dilated) then pointwise 1x1, each normalised."""

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size: int = 3,
        dilation: int = 1,
        norm: str = "batch",
        act: str | None = "relu",
    ) -> None:
        super().__init__(
            ConvNormAct(in_channels, in_channels, kernel_size, dilation=dilation, groups=in_channels, norm=norm, act=None),
            ConvNormAct(in_channels, out_channels, 1, norm=norm, act=act),
        )


def check_spatial_size(x: torch.Tensor, divisor: int) -> None:
    """Raise a ValueError naming the rule when H or W is not a multiple of `divisor`."""
    height, width = x.shape[-2], x.shape[-1]
    if height % divisor != 0 or width % divisor != 0:
        raise ValueError(
            f"input height and width must be multiples of {divisor}, got {height}x{width} "
            f"(pad the image, or use litemedseg.Segmenter which pads and crops for you)"
        )
