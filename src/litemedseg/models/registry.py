"""Model registry: names -> builders and the contract each declares (timm's ``_registry.py``). A leaf: it imports
no other litemedseg module but ``errors``; ``create_model`` sits above it in ``models/factory.py``."""

from __future__ import annotations

import difflib
import fnmatch
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

import torch
from torch import nn

from litemedseg.errors import UnknownModelError

# Far above any network here (the largest registered one has 6.1 M); a bound that keeps a typo in
# model_kwargs (widths of 100000) from asking for tens of gigabytes.
MAX_PARAMETERS = 500_000_000
MAX_ARGUMENT = 4096  # widths, depths, dilations: a depth of a million would build a million modules first


def _check_argument_sizes(value: Any, where: str = "model_kwargs", depth: int = 0) -> None:
    """Every number in the architecture arguments is at most MAX_ARGUMENT in size, nesting at most 4 deep."""
    if depth > 4:
        raise ValueError(f"{where} is nested too deeply")
    if isinstance(value, dict):
        for key, item in value.items():
            _check_argument_sizes(item, f"{where}.{str(key)[:40]}", depth + 1)
    elif isinstance(value, (list, tuple)):
        if len(value) > 64:
            raise ValueError(f"{where} has {len(value)} entries (at most 64)")
        for index, item in enumerate(value):
            _check_argument_sizes(item, f"{where}[{index}]", depth + 1)
    elif isinstance(value, (int, float)) and not isinstance(value, bool) and not abs(value) <= MAX_ARGUMENT:
        raise ValueError(f"{where} = {value!r} is out of range (at most {MAX_ARGUMENT})")

Builder = Callable[..., nn.Module]


@dataclass(frozen=True)
class ModelConfig:
    """What is needed to rebuild a model: its registered name, channels and extra keyword arguments."""

    name: str
    in_channels: int = 3
    num_classes: int = 1
    kwargs: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "in_channels": self.in_channels, "num_classes": self.num_classes,
                "kwargs": dict(self.kwargs)}


@dataclass(frozen=True)
class ModelEntry:
    """A registered model and the contract it declares once, here: family, published parameter count, the loss
    training uses when none is given (one output map; several classes always take dice_ce) and the layer
    Grad-CAM looks at (None: the last stage of ``model.decoder``) and the training settings it gets unless a
    config sets them (``training_defaults``: TrainConfig fields, e.g. ``{"schedule": "cosine_restarts"}``, chosen
    on validation splits by benchmarks/recipe_ablation.py). Size rule and architecture arguments are declared by
    the module itself (``size_divisor``, ``declared_kwargs``); docs/adding-a-model.md."""

    name: str
    builder: Builder
    family: str
    description: str
    paper_params: int | None = None
    default_loss: str = "dice_bce"
    gradcam_layer: str | None = None
    training_defaults: Mapping[str, Any] = field(default_factory=dict)


_ENTRIES: dict[str, ModelEntry] = {}
# Names that were registered once and still load from old checkpoints: old name -> (current name, the kwargs
# that rebuild what the old name meant). Not listed by `list_models`, refused for new training.
_RENAMED: dict[str, tuple[str, dict[str, Any]]] = {}


def register_renamed(old: str, new: str, **kwargs: Any) -> None:
    """Keep checkpoints that name `old` loading as `new` built with `kwargs` (kwargs in the checkpoint win)."""
    _RENAMED[old] = (new, dict(kwargs))


def renamed_to(name: str) -> str | None:
    """The current name of a retired model name, or None."""
    return _RENAMED[name][0] if name in _RENAMED else None


def register_model(
    fn: Builder | None = None, *, family: str | None = None, paper_params: int | None = None,
    default_loss: str = "dice_bce", gradcam_layer: str | None = None,
    training_defaults: Mapping[str, Any] | None = None,
) -> Any:
    """Register a builder ``fn(in_channels, num_classes, **kw) -> nn.Module`` under its function name, with
    the contract of ModelEntry."""

    def wrap(builder: Builder) -> Builder:
        name = builder.__name__
        if name in _ENTRIES:
            raise RuntimeError(f"model {name!r} is registered twice")
        doc = (builder.__doc__ or "").strip().splitlines()
        _ENTRIES[name] = ModelEntry(name, builder, family or name, doc[0] if doc else "", paper_params,
                                    default_loss, gradcam_layer, MappingProxyType(dict(training_defaults or {})))
        return builder

    return wrap(fn) if fn is not None else wrap


def list_models(pattern: str = "*", family: str | None = None) -> list[str]:
    """Sorted names of registered models matching a shell-style `pattern` (and `family`, if given)."""
    return sorted(
        name for name, entry in _ENTRIES.items()
        if fnmatch.fnmatch(name, pattern) and (family is None or entry.family == family)
    )


def get_model_entry(name: str) -> ModelEntry:
    """The registry entry of `name`; an UnknownModelError suggests close names otherwise."""
    try:
        return _ENTRIES[name]
    except KeyError:
        close = difflib.get_close_matches(str(name), _ENTRIES, n=3)
        hint = f" (did you mean {', '.join(close)}?)" if close else ""
        if name in _RENAMED:
            hint = f" (retired: its checkpoints load as {_RENAMED[name][0]!r}; train {_RENAMED[name][0]!r})"
        raise UnknownModelError(
            f"unknown model {name!r}{hint}; available: {', '.join(list_models())}"
        ) from None


def build_model(config: ModelConfig) -> nn.Module:
    """Build a randomly initialised model from a ModelConfig and attach the config to it.

    The attached config holds every architecture argument the model declares (`declared_kwargs`), not only the
    given ones, so a checkpoint rebuilds the same network after a default changes."""
    if config.name in _RENAMED:
        name, implied = _RENAMED[config.name]
        config = ModelConfig(name, config.in_channels, config.num_classes, {**implied, **config.kwargs})
    entry = get_model_entry(config.name)
    if config.in_channels < 1 or config.num_classes < 1:
        raise ValueError(
            f"in_channels and num_classes must be >= 1, got {config.in_channels} and {config.num_classes}"
        )
    _check_argument_sizes(config.kwargs)
    try:
        with torch.device("meta"):  # shapes only, no memory: refuse absurd sizes before allocating them
            probe = entry.builder(in_channels=config.in_channels, num_classes=config.num_classes, **config.kwargs)
    except RuntimeError as err:  # e.g. a negative width: "Trying to create tensor with negative dimension"
        raise ValueError(str(err).splitlines()[0][:200]) from None
    size = sum(p.numel() for p in probe.parameters())
    if size > MAX_PARAMETERS:
        raise ValueError(f"these arguments give {size:,} parameters, more than the limit of {MAX_PARAMETERS:,}")
    model = entry.builder(in_channels=config.in_channels, num_classes=config.num_classes, **config.kwargs)
    declared = getattr(model, "declared_kwargs", None)
    if isinstance(declared, dict):
        config = ModelConfig(config.name, config.in_channels, config.num_classes, {**declared, **config.kwargs})
    model.model_config = config  # read back by checkpoints and exporters
    return model


def model_config_of(model: nn.Module) -> ModelConfig:
    """The ModelConfig a model was built from (only for models made by ``create_model``)."""
    config = getattr(model, "model_config", None)
    if not isinstance(config, ModelConfig):
        raise ValueError("this model was not built by litemedseg.create_model, so its config is unknown")
    return config


def size_divisor_of(model: nn.Module) -> int:
    """The number both input sides must be a multiple of (16 unless the model says otherwise)."""
    return int(getattr(model, "size_divisor", 16))
