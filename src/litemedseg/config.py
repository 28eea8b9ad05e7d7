"""Training configuration: YAML files under configs/, every field overridable from the command line."""

from __future__ import annotations

import copy
import os
import re
import typing
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from litemedseg.data.spec import InputSpec
from litemedseg.errors import ConfigError, one_line


MAX_CONFIG_BYTES = 1024 * 1024
MAX_EPOCHS = 100_000


class _ConfigLoader(yaml.SafeLoader):
    """safe_load without aliases: ``*name`` references let a few lines expand to billions of nodes (an alias
    bomb), and no setting here needs them."""

    def compose_node(self, parent, index):  # noqa: ANN001, ANN201
        if self.check_event(yaml.events.AliasEvent):
            raise yaml.composer.ComposerError(None, None, "YAML aliases (*name) are not accepted in a config; "
                                              "write the value out", self.peek_event().start_mark)
        return super().compose_node(parent, index)

    def construct_mapping(self, node, deep=False):  # noqa: ANN001, ANN201
        """A key given twice is a mistake (the second silently won before), not a setting."""
        seen: set[Any] = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=True)
            if not isinstance(key, (str, int, float, bool)):
                continue  # unhashable keys are refused by the constructor itself
            if key in seen:
                raise yaml.constructor.ConstructorError(None, None, f"key {str(key)[:60]!r} is given twice",
                                                        key_node.start_mark)
            seen.add(key)
        return super().construct_mapping(node, deep=deep)


def load_yaml(text: str) -> Any:
    """YAML as the config reader accepts it: safe types, no aliases; yaml.YAMLError or ValueError otherwise."""
    if len(text) > MAX_CONFIG_BYTES:
        raise ValueError(f"{len(text):,} characters, more than the limit of {MAX_CONFIG_BYTES:,}")
    try:
        return yaml.load(text, Loader=_ConfigLoader)  # noqa: S506  (a SafeLoader subclass)
    except RecursionError:
        raise ValueError("nested too deeply") from None


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_assignment=True)

    @model_validator(mode="before")
    @classmethod
    def _no_booleans_for_numbers(cls, data: Any) -> Any:
        """`epochs: yes` is YAML for `epochs: true`, which pydantic would read as 1: a number field takes numbers."""
        if isinstance(data, dict):
            for name, value in data.items():
                field = cls.model_fields.get(name)
                if isinstance(value, bool) and field is not None and _numeric(field.annotation):
                    raise ValueError(f"{name}: expected a number, got {value!r} (YAML reads yes/no/on/off as "
                                     "true/false)")
        return data


def _numeric(annotation: Any) -> bool:
    """Whether a field's type takes numbers and not booleans (int, float, or either with None)."""
    options = typing.get_args(annotation) or (annotation,)
    return any(option in (int, float) for option in options) and bool not in options


class InputConfig(_Strict):
    """What a run asks for: how images enter the network (litemedseg.data.spec.InputSpec, once the channels and
    the train split's statistics are known) and how many patches an epoch draws per image."""

    mode: Literal["resize", "patch"] = "resize"
    size: tuple[int, int] = (256, 256)
    scale: float = Field(1.0, gt=0.05, le=4.0)
    patches_per_image: int = Field(4, ge=1, le=1000)
    in_channels: Literal[1, 3] | None = None

    @field_validator("size", mode="before")
    @classmethod
    def _square_from_int(cls, value: Any) -> Any:
        return (value, value) if isinstance(value, int) else value

    @field_validator("size")
    @classmethod
    def _positive(cls, value: tuple[int, int]) -> tuple[int, int]:
        if min(value) < 16 or max(value) > 4096:
            raise ValueError(f"sides must be between 16 and 4096, got {value}")
        return value

    def spec(self, in_channels: int) -> InputSpec:
        """The input spec of a run whose images have `in_channels`, with neutral statistics until measured."""
        return InputSpec(self.mode, self.size, self.scale, in_channels)


class AugmentConfig(_Strict):
    """Batch augmentation on the training device (litemedseg.data.augment)."""

    hflip: bool = True
    vflip: bool = True
    rot90: bool = True
    degrees: float = Field(15.0, ge=0, le=180)
    scale: tuple[float, float] = (0.9, 1.1)
    translate: float = Field(0.05, ge=0, le=0.5)
    affine_p: float = Field(0.5, ge=0, le=1)
    brightness: float = Field(0.2, ge=0, le=1)
    contrast: float = Field(0.2, ge=0, le=1)
    saturation: float = Field(0.1, ge=0, le=1)
    hue: float = Field(0.02, ge=0, le=0.5)
    color_p: float = Field(0.5, ge=0, le=1)
    elastic: bool = False
    elastic_alpha: float = Field(1.0, gt=0, le=100)
    elastic_sigma: float = Field(12.0, gt=0, le=1000)
    elastic_p: float = Field(0.3, ge=0, le=1)
    enabled: bool = True

    @field_validator("scale")
    @classmethod
    def _ordered_zoom(cls, value: tuple[float, float]) -> tuple[float, float]:
        low, high = value
        if not 0.1 <= low <= high <= 10:
            raise ValueError(f"scale is a zoom range (low, high) with 0.1 <= low <= high <= 10, got {value}")
        return value


class RecipeConfig(_Strict):
    """Training-recipe options for small budgets (litemedseg.engine.recipe), each off by default; measured on
    validation splits by benchmarks/recipe_ablation.py."""

    ema_decay: float | None = Field(None, ge=0.9, lt=1.0)  # EMA of the weights; validation and checkpoints use it
    deep_supervision: bool = False  # auxiliary heads on the deeper decoder stages (training only)
    progressive_resize: bool = False  # half resolution for the first half of the schedule (input.mode resize)


class TrainConfig(_Strict):
    """Everything a training run needs; saved into every checkpoint's metadata."""

    name: str | None = None
    model: str = "mininet"
    model_kwargs: dict[str, Any] = Field(default_factory=dict)
    # starting weights for fine-tuning: a checkpoint folder, a .safetensors file or shipped weights model:tag
    init: str | None = Field(None, min_length=1, max_length=4096)
    data: str = "demo"
    split_file: str | None = None
    # frames of one video or slices of one patient never straddle splits: a regex (group 1 = the group) or a CSV
    group_by: str | None = Field(None, min_length=1, max_length=4096)
    num_classes: int | None = Field(None, ge=1, le=255)
    mask_threshold: int | None = Field(None, ge=0, le=65535)
    skip_unpaired: bool = False
    masks_dir: str | None = Field(None, min_length=1, max_length=4096)  # default: masks/, labels/, gt/ ...
    mask_suffix: str | None = Field(None, min_length=1, max_length=64)  # masks named <stem>SUFFIX, e.g. _mask
    input: InputConfig = Field(default_factory=InputConfig)
    augment: AugmentConfig = Field(default_factory=AugmentConfig)
    recipe: RecipeConfig = Field(default_factory=RecipeConfig)
    loss: str | None = None
    loss_kwargs: dict[str, Any] = Field(default_factory=dict)
    epochs: int = Field(50, ge=1, le=MAX_EPOCHS)
    # seconds of training (a number, or "15m", "1h30m", "90s"); the schedule spans it and owns the stop: `epochs`
    # and `patience` apply under a budget only when set explicitly (see `with_stopping_rules`)
    time_budget: float | None = Field(None, gt=0, le=30 * 24 * 3600)
    # what the budget counts: wall-clock seconds, or this process's CPU seconds (fair when other jobs share the
    # machine; with threads=1 one CPU second is one second of one core)
    time_budget_clock: Literal["wall", "cpu"] = "wall"
    batch_size: int = Field(8, ge=1, le=4096)
    lr: float = Field(1e-3, gt=0, le=10)
    weight_decay: float = Field(1e-4, ge=0, le=10)
    schedule: Literal["cosine", "poly", "constant", "one_cycle", "cosine_restarts"] = "cosine"
    warmup_epochs: float = Field(1.0, ge=0, le=100_000)
    amp: Literal["auto", "bf16", "fp16", "off"] = "auto"  # auto: bf16 where the hardware has it and it is faster
    channels_last: Literal["auto", "on", "off"] = "auto"  # auto: the memory format measured faster
    patience: int = Field(20, ge=0, le=100_000)
    val_every: int = Field(1, ge=1, le=100_000)
    val_batch_size: int = Field(8, ge=1, le=4096)
    seed: int = Field(0, ge=0, le=2**32 - 1)  # numpy's and the data loader's seeds are 32-bit
    deterministic: bool = False
    device: str = "auto"
    threads: int | None = Field(None, ge=1, le=1024)
    output: str = "runs"
    overwrite: bool = False
    cache_dir: str | None = None
    tensorboard: bool = True
    progress: bool = True
    pictures: bool = True  # run/pictures/: a training batch as fed, class shares, validation at each new best
    compile: bool = False

    @field_validator("model")
    @classmethod
    def _known_model(cls, value: str) -> str:
        from litemedseg.models import get_model_entry

        get_model_entry(value)  # raises UnknownModelError listing the registered names
        return value

    @field_validator("time_budget", mode="before")
    @classmethod
    def _parse_duration(cls, value: Any) -> Any:
        return parse_duration(value) if isinstance(value, str) else value

    @field_validator("name")
    @classmethod
    def _plain_run_name(cls, value: str | None) -> str | None:
        from litemedseg.engine.run_folder import check_run_name

        return None if value is None else check_run_name(value)

    def with_model_defaults(self, distributed: bool = False) -> TrainConfig:
        """This config with its model's registered training defaults (``ModelEntry.training_defaults``) in every
        field the config did not set itself; what a run records and replays on ``--resume``. A default recipe
        option that cannot apply to this run (progressive resizing in patch mode, deep supervision across
        processes) stays off; set explicitly, it is refused by the trainer instead."""
        from litemedseg.models import get_model_entry

        defaults = get_model_entry(self.model).training_defaults
        if not defaults:
            return self.with_stopping_rules()
        resolved = TrainConfig.model_validate(_fill_unset(self, defaults))
        chosen = self.recipe.model_fields_set
        off = {name: False for name, cannot in (("progressive_resize", resolved.input.mode != "resize"),
                                                ("deep_supervision", distributed))
               if cannot and name not in chosen and getattr(resolved.recipe, name)}
        if off:
            resolved = resolved.model_copy(update={"recipe": resolved.recipe.model_copy(update=off)})
        return resolved.with_stopping_rules(self.model_fields_set)

    def with_stopping_rules(self, chosen: set[str] | None = None) -> TrainConfig:
        """Under a time budget the schedule owns the stop: the default epoch cap and patience would end a run with
        its learning rate still high (a 600 s run stopped after 192 s), so they are lifted unless `chosen` (the
        fields the user set) names them. Without a budget, nothing changes."""
        chosen = self.model_fields_set if chosen is None else chosen
        if not self.time_budget:
            return self
        update = {key: value for key, value in (("epochs", MAX_EPOCHS), ("patience", 0)) if key not in chosen}
        return self.model_copy(update=update) if update else self

    def run_name(self) -> str:
        """The run folder's name: `name`, or MODEL-DATASET (always one plain folder name)."""
        if self.name:
            return self.name
        dataset = "demo" if self.data == "demo" else Path(self.data).name
        dataset = re.sub(r"[^\w.+=@-]", "_", dataset) or "data"
        return f"{self.model}-{dataset}"[:128]


def _fill_unset(config: BaseModel, defaults: Mapping[str, Any]) -> dict[str, Any]:
    """`config`'s explicitly set fields, plus `defaults` wherever a field (or a nested config's field) is unset."""
    data = config.model_dump(exclude_unset=True)
    for key, value in defaults.items():
        current = getattr(config, key)
        if isinstance(current, BaseModel) and isinstance(value, Mapping):
            data[key] = _fill_unset(current, value)
        elif key not in config.model_fields_set:
            data[key] = copy.deepcopy(value)
    return data


_DURATION = re.compile(r"^\s*(?:(\d+(?:\.\d+)?)\s*h)?\s*(?:(\d+(?:\.\d+)?)\s*m(?:in)?)?\s*"
                       r"(?:(\d+(?:\.\d+)?)\s*s)?\s*$")


def parse_duration(text: str) -> float:
    """Seconds in "90", "90s", "15m", "1h", "1h30m"; a ValueError naming the accepted forms otherwise."""
    text = text.strip().lower()
    try:
        return float(text)
    except ValueError:
        pass
    match = _DURATION.match(text) if len(text) <= 40 else None
    if not text or match is None or not any(match.groups()):
        raise ValueError(f"not a duration: {text[:40]!r} (use seconds, or e.g. 90s, 15m, 1h30m)")
    hours, minutes, seconds = (float(g) if g else 0.0 for g in match.groups())
    return hours * 3600 + minutes * 60 + seconds


def _set_dotted(data: dict[str, Any], dotted: str, value: Any) -> None:
    keys = dotted.replace("-", "_").split(".")
    node = data
    for key in keys[:-1]:
        node = node.setdefault(key, {})
        if not isinstance(node, dict):
            raise ConfigError(f"cannot set {dotted}: {key} is not a section")
    node[keys[-1]] = value


def parse_override(text: str) -> tuple[str, Any]:
    """``key.sub=value`` with the value parsed as YAML (numbers, lists, booleans)."""
    if "=" not in text or not text.split("=", 1)[0].strip():
        raise ConfigError(f"override {text!r} is not of the form key=value")
    key, raw = text.split("=", 1)
    try:
        return key.strip(), load_yaml(raw) if raw.strip() else None
    except yaml.YAMLError:
        return key.strip(), raw
    except ValueError as err:
        raise ConfigError(f"override {key.strip()[:60]}: {err}") from None


def load_config(
    path: str | os.PathLike | None = None, overrides: dict[str, Any] | None = None
) -> TrainConfig:
    """Read a YAML config (optional), apply dotted-key `overrides`, validate; errors are one ConfigError line."""
    data: dict[str, Any] = {}
    source = str(path) if path else "config"
    if path is not None:
        path = Path(path)
        if path.is_file() and path.stat().st_size > MAX_CONFIG_BYTES:
            raise ConfigError(f"{path}: {path.stat().st_size:,} bytes, more than a config's limit of {MAX_CONFIG_BYTES:,}")
        try:
            loaded = load_yaml(path.read_text())
        except FileNotFoundError:
            raise ConfigError(f"{path}: config file not found") from None
        except (OSError, UnicodeDecodeError) as err:
            raise ConfigError(f"{path}: unreadable config ({err})") from None
        except ValueError as err:
            raise ConfigError(f"{path}: invalid YAML ({err})") from None
        except yaml.YAMLError as err:
            mark = getattr(err, "problem_mark", None)
            where = f" at line {mark.line + 1}" if mark else ""
            raise ConfigError(f"{path}: invalid YAML{where} ({getattr(err, 'problem', err)})") from None
        if loaded is None:  # an empty file is a mistake (a wrong path, a failed copy), not "all defaults"
            raise ConfigError(f"{path}: empty config (no settings); write at least one, e.g. model: mininet")
        if not isinstance(loaded, dict):
            raise ConfigError(f"{path}: a config must be a mapping of settings, got {type(loaded).__name__}")
        data = loaded
    for key, value in (overrides or {}).items():
        if value is not None:
            _set_dotted(data, key, value)
    try:
        return TrainConfig.model_validate(data)
    except ValidationError as err:
        first = err.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        if first["msg"].startswith("Value error, ") and first["type"] == "value_error":
            first = {**first, "msg": first["msg"].removeprefix("Value error, ")}
        where = where or ("" if first["type"] == "value_error" else "config")
        got = f" (got {one_line(repr(first['input']), 80)})" \
            if "input" in first and not isinstance(first["input"], dict) else ""
        more = f"; {err.error_count() - 1} more problems" if err.error_count() > 1 else ""
        raise ConfigError(f"{source}: {where + ': ' if where else ''}{first['msg']}{got}{more}") from None
