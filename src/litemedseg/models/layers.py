"""Building blocks shared by the litemedseg networks."""

from __future__ import annotations

import torch
import torch.nn.functional as F
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
        depthwise = groups == in_channels == out_channels and stride == 1 and kernel_size > 1
        conv = DepthwiseConv2d if depthwise else nn.Conv2d
        layers: list[nn.Module] = [
            conv(in_channels, out_channels, kernel_size, stride, padding, dilation, groups, bias=False),
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


class _DepthwiseConvFunction(torch.autograd.Function):
    """Depthwise convolution whose weight gradient is one grouped convolution over (channel x batch) groups.

    PyTorch's CPU kernel for the depthwise weight gradient of large kernels was the slowest op of a training
    step (28 ms of a 33 ms backward for 1824 channels at 8x8, 7x7 kernels); correlating each (image, channel)
    plane with its output gradient as a grouped convolution and summing over the batch gives the same gradient
    2-3x faster. For 3x3 kernels PyTorch's own kernel is the faster one (benchmarks/depthwise_grad.py).
    """

    @staticmethod
    def forward(ctx, x, weight, padding: int, dilation: int):  # noqa: ANN001, ANN205
        ctx.save_for_backward(x, weight)
        ctx.padding, ctx.dilation = padding, dilation
        return F.conv2d(x, weight, None, 1, padding, dilation, x.shape[1])

    @staticmethod
    def backward(ctx, grad_out):  # noqa: ANN001, ANN205
        x, weight = ctx.saved_tensors
        pad, dil = ctx.padding, ctx.dilation
        batch, channels, height, width = x.shape
        grad_x = grad_w = None
        if ctx.needs_input_grad[0]:
            grad_x = torch.nn.grad.conv2d_input(x.shape, weight, grad_out, 1, pad, dil, channels)
        if ctx.needs_input_grad[1]:
            planes = F.pad(x, (pad, pad, pad, pad)).transpose(0, 1).reshape(1, channels * batch, height + 2 * pad,
                                                                                width + 2 * pad)
            kernels = grad_out.transpose(0, 1).reshape(channels * batch, 1, grad_out.shape[2], grad_out.shape[3])
            grad_w = F.conv2d(planes, kernels, None, dil, 0, 1, channels * batch)  # stride = dilation
            grad_w = grad_w.view(channels, batch, *weight.shape[2:]).sum(1, keepdim=True).to(weight.dtype)
        return grad_x, grad_w, None, None


# Smallest kernel side for which the grouped weight gradient beats PyTorch's CPU kernel: without it a Med-2D
# SegNet step (7x7) takes 1.35x the CPU time, with it a Mini-Net step (3x3, plain or dilated) 1.2x
# (benchmarks/depthwise_grad.py).
GROUPED_WEIGHT_GRAD_MIN_KERNEL = 5


@torch.jit.unused
def _fast_depthwise(conv, x):  # noqa: ANN001, ANN202  (unannotated: TorchScript never compiles it)
    """The faster backward where it applies (CPU fp32 training without bias, kernels of 5x5 and up), else None."""
    usable = (torch.is_grad_enabled() and conv.weight.requires_grad and x.device.type == "cpu"
              and conv.kernel_size[0] >= GROUPED_WEIGHT_GRAD_MIN_KERNEL
              and conv.bias is None and x.dtype == torch.float32 and not torch.is_autocast_enabled("cpu"))
    return _DepthwiseConvFunction.apply(x, conv.weight, conv.padding[0], conv.dilation[0]) if usable else None


class DepthwiseConv2d(nn.Conv2d):
    """A stride-1 depthwise nn.Conv2d (same weights and state-dict keys) with a faster training backward on CPU."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if not (torch.jit.is_scripting() or torch.jit.is_tracing()):
            out = _fast_depthwise(self, x)
            if out is not None:
                return out
        return F.conv2d(x, self.weight, self.bias, self.stride, self.padding, self.dilation, self.groups)
