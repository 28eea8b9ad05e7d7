"""Loss names -> classes, and the default loss of each model family."""

from __future__ import annotations

import inspect
from typing import Any

from torch import nn

from litemedseg.errors import ConfigError
from litemedseg.losses.binary import DiceBCELoss, DiceJaccardBCELoss
from litemedseg.losses.multiclass import DiceCELoss

_LOSSES: dict[str, tuple[type[nn.Module], bool]] = {
    # name: (class, multi-class?)
    "dice_jaccard_bce": (DiceJaccardBCELoss, False),
    "dice_bce": (DiceBCELoss, False),
    "dice_ce": (DiceCELoss, True),
}


def list_losses() -> list[str]:
    return sorted(_LOSSES)


def default_loss_name(model_name: str, num_classes: int) -> str:
    """Dice + CE for several classes; else the loss the model declared at registration (Mini-Net: the
    alpha-weighted Dice + Jaccard + BCE; Dice + BCE unless a model says otherwise)."""
    if num_classes > 1:
        return "dice_ce"
    from litemedseg.models import get_model_entry  # registering the models is their package's import

    return get_model_entry(model_name).default_loss


def create_loss(name: str, num_classes: int, **kwargs: Any) -> nn.Module:
    """Build loss `name` for a model with `num_classes` output maps; checks the two agree."""
    if name not in _LOSSES:
        raise ConfigError(f"unknown loss {name!r}; available: {', '.join(list_losses())}")
    cls, multiclass = _LOSSES[name]
    if multiclass != (num_classes > 1):
        kind = "several classes" if multiclass else "one sigmoid map (num_classes 1)"
        raise ConfigError(f"loss {name!r} is for {kind}, but the model has num_classes={num_classes}")
    _check_arguments(name, cls, kwargs)
    try:
        return cls(**kwargs)
    except (TypeError, ValueError) as err:
        raise ConfigError(f"bad arguments for loss {name!r}: {err}") from None


def _check_arguments(name: str, cls: type[nn.Module], kwargs: dict[str, Any]) -> None:
    """Every loss_kwargs key is an argument of the loss, and a numeric argument gets a number: a wrong value is
    named by its key here, not by a comparison error deep in the loss."""
    parameters = {key: p for key, p in inspect.signature(cls.__init__).parameters.items() if key != "self"}
    for key, value in kwargs.items():
        if key not in parameters:
            raise ConfigError(f"loss_kwargs.{key}: loss {name!r} has no such argument (it takes "
                              f"{', '.join(parameters) or 'none'})")
        default = parameters[key].default
        numeric = isinstance(default, (int, float)) and not isinstance(default, bool)
        if numeric and (isinstance(value, bool) or not isinstance(value, (int, float)) or value != value):
            raise ConfigError(f"loss_kwargs.{key}: loss {name!r} takes a number here, got {value!r}")
