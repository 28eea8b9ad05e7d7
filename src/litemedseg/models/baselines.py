"""MONAI baselines behind the litemedseg registry, so every comparison uses one protocol."""

from __future__ import annotations

from collections.abc import Sequence

from torch import nn

from litemedseg.models.registry import register_model


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
    return model


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
