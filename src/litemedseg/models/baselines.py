"""MONAI baselines behind the litemedseg registry, so every comparison uses one protocol."""

from __future__ import annotations

from collections.abc import Sequence

from torch import nn

from litemedseg.models.registry import register_model


def _monai_unet(in_channels: int, num_classes: int, channels: Sequence[int], num_res_units: int,
                **kwargs) -> nn.Module:
    from monai.networks.nets import UNet

    model = UNet(
        spatial_dims=2,
        in_channels=in_channels,
        out_channels=num_classes,
        channels=tuple(channels),
        strides=(2,) * (len(channels) - 1),
        num_res_units=num_res_units,
        **kwargs,
    )
    model.size_divisor = 2 ** (len(channels) - 1)
    # recorded in checkpoints, so a checkpoint rebuilds the same widths if a default changes
    model.declared_kwargs = dict(channels=[int(c) for c in channels], num_res_units=int(num_res_units))
    return model


# Grad-CAM layers: MONAI's networks have no `decoder`; their last up-sampling stage before the output convolution
# (U-Net: 1/2 resolution, 16 channels by default; BasicUNet: full resolution, 32 channels).
@register_model(family="baseline", gradcam_layer="model.1.submodule")
def unet(
    in_channels: int = 3,
    num_classes: int = 1,
    channels: Sequence[int] = (16, 32, 64, 128, 256),
    num_res_units: int = 2,
    **kwargs,
) -> nn.Module:
    """MONAI UNet (16-32-64-128-256, strides 2, 2 residual units): about 1.63 M parameters."""
    return _monai_unet(in_channels, num_classes, channels, num_res_units, **kwargs)


# The strongest honest tiny baseline (issue 26): the same plain U-Net at half the widths, in the spirit of
# XTinyU-Net (a narrowed plain U-Net under a strong recipe comes close to nnU-Net). A quarter of the U-Net's
# parameters and about a quarter of its MACs.
@register_model(family="baseline", gradcam_layer="model.1.submodule")
def unet_tiny(
    in_channels: int = 3,
    num_classes: int = 1,
    channels: Sequence[int] = (8, 16, 32, 64, 128),
    num_res_units: int = 2,
    **kwargs,
) -> nn.Module:
    """MONAI UNet narrowed to half width (8-16-32-64-128, 2 residual units): about 0.41 M parameters."""
    return _monai_unet(in_channels, num_classes, channels, num_res_units, **kwargs)


@register_model(family="baseline", gradcam_layer="upcat_1")
def basicunet(
    in_channels: int = 3,
    num_classes: int = 1,
    features: Sequence[int] = (32, 32, 64, 128, 256, 32),
    **kwargs,
) -> nn.Module:
    """MONAI BasicUNet (features 32-32-64-128-256-32): about 1.98 M parameters."""
    from monai.networks.nets import BasicUNet

    model = BasicUNet(spatial_dims=2, in_channels=in_channels, out_channels=num_classes, features=tuple(features),
                      **kwargs)
    model.size_divisor = 16
    return model
