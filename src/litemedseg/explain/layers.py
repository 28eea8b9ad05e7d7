"""Which layer Grad-CAM looks at: a late, spatially resolved stage per model family, or a dotted module name."""

from __future__ import annotations

import difflib

from torch import nn

from litemedseg.errors import ConfigError, UnknownModelError

def _model_name(model: nn.Module) -> str | None:
    config = getattr(model, "model_config", None)
    return getattr(config, "name", None)


def default_layer_name(model: nn.Module) -> str:
    """The layer Grad-CAM uses when none is given.

    The layer the model declared at registration (``gradcam_layer``; the MONAI baselines, which have no
    ``decoder``, declare their last up-sampling stage), else the last stage of ``model.decoder`` (Med-2D SegNet
    and Mini-Net: half the input resolution, late enough to carry class evidence and fine enough to localise
    it); otherwise the caller must choose.
    """
    from litemedseg.models import get_model_entry

    name = _model_name(model)
    declared = None
    if name is not None:
        try:
            declared = get_model_entry(name).gradcam_layer
        except UnknownModelError:
            declared = None
    if declared is not None:
        return declared
    decoder = getattr(model, "decoder", None)
    if isinstance(decoder, (nn.ModuleList, nn.Sequential)) and len(decoder) > 0:
        return f"decoder.{len(decoder) - 1}"
    raise ConfigError(
        f"no default Grad-CAM layer for model {name or type(model).__name__!r}; pass --layer "
        f"(e.g. {', '.join(candidate_layers(model)[-4:])})"
    )


def candidate_layers(model: nn.Module, max_depth: int = 2) -> list[str]:
    """Dotted names of modules up to `max_depth` levels deep (the stages a user would pick), in model order."""
    return [name for name, _ in model.named_modules() if name and name.count(".") < max_depth]


def resolve_layer(model: nn.Module, layer: str | None = None) -> tuple[str, nn.Module]:
    """(name, module) for `layer` (a dotted name from ``model.named_modules()``) or the model's default.

    An unknown name is a ConfigError that lists the closest valid names and a few stages of the model.
    """
    name = default_layer_name(model) if layer is None else layer.strip()
    modules = dict(model.named_modules())
    if name and name in modules:
        return name, modules[name]
    close = difflib.get_close_matches(name, [n for n in modules if n], n=3, cutoff=0.5)
    stages = candidate_layers(model)
    shown = list(dict.fromkeys(close + stages[-6:]))
    model_name = _model_name(model) or type(model).__name__
    raise ConfigError(
        f"unknown layer {name!r} for {model_name}; valid names include {', '.join(shown)} "
        "(any dotted module name of the model)"
    )
