"""Mini-Net: a tiny encoder-decoder of DMRes and Expand-Squeeze blocks (retinal vessels, skin, nuclei).

The design document states DMRes (dual multi-residual) blocks, Expand-Squeeze (ES) blocks, fewer than 38,000
parameters and an alpha-weighted Dice + Jaccard + BCE loss. Our choices, recorded in docs/models.md:

- depthwise-separable convolutions throughout, BatchNorm, ReLU; widths (16, 24, 32, 46) at 1/2, 1/4, 1/8, 1/16
  (46 rather than 48 at 1/16 keeps the count under the design document's 38,000);
- DMRes block: two parallel depthwise-separable 3x3 branches, one plain and one dilated (dilation 2), each a
  residual path: ``act(x + local(x) + context(x))``. Used in the encoder and on every skip connection, so each
  decoder level receives two streams (the upsampled decoder features and the DMRes-refined skip);
- ES block: each input goes through depthwise 3x3 convolutions with dilations (1, 3) (x2 expansion, two
  receptive fields), then one 1x1 squeeze of everything to the output width (residual when widths match);
- full resolution: a 3x3 stride-1 stem and three max-pool levels (sides multiples of 8), head at full size.
  Chosen on validation accuracy (benchmarks/layout_accuracy.py, BENCHMARKS.md "Architecture choices"): at the
  same epochs it beat the half-resolution network by 0.026 F1 on DRIVE and 0.028 on CHASE_DB1, with higher
  recall of 1-2 px vessels, for about 4x the compute. The half-resolution network (stride-2 stem, head at 1/2,
  logits upsampled bilinearly; sides multiples of 16) is the ``mininet_half`` variant, for speed first.

Default (3 in, 1 out): 37,681 parameters, 0.460 GMACs at 3x256x256 (torch.utils.flop_counter, MACs = FLOPs/2);
``mininet_half``: the same parameters, 0.115 GMACs.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Optional

import torch
import torch.nn.functional as F
from torch import nn

from litemedseg.models.layers import ConvNormAct, DepthwiseSeparableConv, check_spatial_size, make_act
from litemedseg.models.registry import register_model, register_renamed

DEFAULT_WIDTHS = (16, 24, 32, 46)
DEFAULT_STEM_STRIDE = 1
DEFAULT_ES_DILATIONS = (1, 3)


class DMResBlock(nn.Module):
    """Dual multi-residual block: ``act(x + local(x) + context(x))`` with a plain and a dilated branch."""

    def __init__(self, channels: int, dilation: int = 2, norm: str = "batch", act: str = "relu") -> None:
        super().__init__()
        self.local = DepthwiseSeparableConv(channels, channels, 3, 1, norm=norm, act=None)
        self.context = DepthwiseSeparableConv(channels, channels, 3, dilation, norm=norm, act=None)
        self.act = make_act(act)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.act(x + self.local(x) + self.context(x))


class ExpandSqueezeBlock(nn.Module):
    """Multi-dilation depthwise expansion of each input, then a 1x1 squeeze of everything to `out_channels`.

    Mathematically a concat of the dilated depthwise outputs (x len(dilations) channels per input) followed by
    one 1x1 convolution; computed as a sum of per-branch 1x1 convolutions so the expanded tensor (and the
    concat of decoder and skip streams) is never materialised, which is what made the block memory-bound.
    """

    def __init__(
        self,
        in_channels: int | Sequence[int],
        out_channels: int,
        dilations: Sequence[int] = (1, 2, 3),
        norm: str = "batch",
        act: str = "relu",
    ) -> None:
        super().__init__()
        inputs = [in_channels] if isinstance(in_channels, int) else list(in_channels)
        self.num_inputs = len(inputs)
        self.branches = nn.ModuleList(
            nn.Sequential(
                ConvNormAct(c, c, 3, dilation=d, groups=c, norm=norm, act=act),
                ConvNormAct(c, out_channels, 1, norm=norm, act=None),
            )
            for c in inputs
            for d in dilations
        )
        self.per_input = len(dilations)
        self.residual = self.num_inputs == 1 and inputs[0] == out_channels
        self.act = make_act(act)

    def forward(self, x: torch.Tensor, skip: Optional[torch.Tensor] = None) -> torch.Tensor:
        inputs = [x] if skip is None else [x, skip]
        terms: list[torch.Tensor] = [x] if self.residual else []
        for i, branch in enumerate(self.branches):
            terms.append(branch(inputs[i // self.per_input]))
        y = terms[0]
        for term in terms[1:]:
            y = y + term
        return self.act(y)


class MiniNet(nn.Module):
    """Mini-Net; returns logits of shape (B, num_classes, H, W) for H, W multiples of `size_divisor`."""

    def __init__(
        self,
        in_channels: int = 3,
        num_classes: int = 1,
        widths: Sequence[int] = DEFAULT_WIDTHS,
        stem_stride: int = DEFAULT_STEM_STRIDE,
        dilation: int = 2,
        es_dilations: Sequence[int] = DEFAULT_ES_DILATIONS,
        norm: str = "batch",
        act: str = "relu",
        full_res_width: int = 0,
    ) -> None:
        super().__init__()
        if full_res_width and stem_stride != 2:
            raise ValueError("full_res_width adds a full-resolution last stage to the half-resolution network "
                             f"(stem_stride 2), got stem_stride {stem_stride}")
        if len(widths) < 2:
            raise ValueError(f"widths needs at least 2 entries (one per resolution level), got {widths}")
        if stem_stride not in (1, 2):
            raise ValueError(f"stem_stride must be 1 or 2, got {stem_stride}")
        blocks = dict(norm=norm, act=act)
        self.declared_kwargs = dict(widths=[int(w) for w in widths], stem_stride=int(stem_stride),
                                    dilation=int(dilation), es_dilations=[int(d) for d in es_dilations],
                                    norm=norm, act=act, full_res_width=int(full_res_width))
        self.size_divisor = stem_stride * 2 ** (len(widths) - 1)
        self.stem = ConvNormAct(in_channels, widths[0], 3, stride=stem_stride, norm=norm, act=act)
        self.encoder = nn.ModuleList([DMResBlock(widths[0], dilation, **blocks)])
        for shallow, deep in zip(widths[:-1], widths[1:]):
            self.encoder.append(
                nn.Sequential(ExpandSqueezeBlock(shallow, deep, es_dilations, **blocks), DMResBlock(deep, dilation, **blocks))
            )
        self.skips = nn.ModuleList(DMResBlock(w, dilation, **blocks) for w in widths[:-1])
        self.decoder = nn.ModuleList(
            ExpandSqueezeBlock((deep, shallow), shallow, es_dilations, **blocks)
            for deep, shallow in zip(widths[:0:-1], widths[-2::-1])
        )
        # the half-resolution network's output refined at full resolution by one light ES stage fed with a
        # full-resolution stem of the image: edges of 1-2 px structures at a fraction of full resolution's cost
        self.full_stem = ConvNormAct(in_channels, full_res_width, 3, norm=norm, act=act) if full_res_width else None
        self.refine = (ExpandSqueezeBlock((widths[0], full_res_width), full_res_width, (1,), **blocks)
                       if full_res_width else None)
        self.head = nn.Conv2d(full_res_width or widths[0], num_classes, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if not torch.jit.is_tracing():
            check_spatial_size(x, self.size_divisor)
        features: list[torch.Tensor] = []
        y = self.stem(x)
        for i, stage in enumerate(self.encoder):
            y = stage(F.max_pool2d(y, 2) if i > 0 else y)
            features.append(y)
        refined: list[torch.Tensor] = []
        for i, skip_block in enumerate(self.skips):
            refined.append(skip_block(features[i]))
        for i, stage in enumerate(self.decoder):
            skip = refined[len(refined) - 1 - i]
            y = stage(F.interpolate(y, size=skip.shape[-2:], mode="bilinear", align_corners=False), skip)
        if self.refine is not None and self.full_stem is not None:
            y = self.refine(F.interpolate(y, size=x.shape[-2:], mode="bilinear", align_corners=False),
                            self.full_stem(x))
        logits = self.head(y)
        if logits.shape[-2:] != x.shape[-2:]:
            logits = F.interpolate(logits, size=x.shape[-2:], mode="bilinear", align_corners=False)
        return logits


# Chosen on DRIVE validation at 480 CPU-s (BENCHMARKS.md, "Recipe options"): one-cycle with deep supervision
# +0.012 F1 against the mean of three plain seeds, more than either alone (+0.006, +0.009).
@register_model(family="mininet", paper_params=37_700, default_loss="dice_jaccard_bce",
                training_defaults={"schedule": "one_cycle", "recipe": {"deep_supervision": True}})
def mininet(in_channels: int = 3, num_classes: int = 1, **kwargs) -> MiniNet:
    """Mini-Net, default: about 37.7 k parameters at full resolution (retinal vessels, skin lesions, nuclei)."""
    return MiniNet(in_channels, num_classes, **kwargs)


@register_model(family="mininet", default_loss="dice_jaccard_bce")
def mininet_half(in_channels: int = 3, num_classes: int = 1, **kwargs) -> MiniNet:
    """Mini-Net at half resolution (stride-2 stem): same parameters, a quarter of the compute, coarser edges."""
    kwargs.setdefault("stem_stride", 2)
    return MiniNet(in_channels, num_classes, **kwargs)


# Issue 26: cheap per step with the output still at full resolution. The half-resolution network plus one light
# full-resolution stage (8 channels, an ES block of dilation 1 fed by a full-resolution 3x3 stem); the deepest
# width 44 keeps it under 38,000 parameters. Trained with Mini-Net's recipe; a variant until the 15-minute
# selection rule (docs/protocol.md section 7) has compared it with the default on validation.
@register_model(family="mininet", default_loss="dice_jaccard_bce",
                training_defaults={"schedule": "one_cycle", "recipe": {"deep_supervision": True}})
def mininet_lite(in_channels: int = 3, num_classes: int = 1, **kwargs) -> MiniNet:
    """Mini-Net at half resolution with one light full-resolution stage: full-resolution output, cheap steps."""
    kwargs.setdefault("stem_stride", 2)
    kwargs.setdefault("widths", (16, 24, 32, 44))
    kwargs.setdefault("full_res_width", 8)
    return MiniNet(in_channels, num_classes, **kwargs)


# `mininet_hr` was the full-resolution variant before full resolution became the default
register_renamed("mininet_hr", "mininet", stem_stride=1)
