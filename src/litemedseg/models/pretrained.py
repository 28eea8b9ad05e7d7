"""Weights shipped with the package, loadable by name: ``create_model("mininet", pretrained="drive")``.

Each lives in ``litemedseg/weights/<model>_<tag>/`` as a checkpoint (model.safetensors + meta.json) with a
MODEL_CARD.md stating data, split, protocol and scores.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from torch import nn

from litemedseg.errors import WeightsError

WEIGHTS_DIR = Path(__file__).resolve().parents[1] / "weights"


def list_pretrained() -> list[str]:
    """Names ``model:tag`` of every shipped checkpoint."""
    if not WEIGHTS_DIR.is_dir():
        return []
    names = []
    for folder in sorted(WEIGHTS_DIR.iterdir()):
        if (folder / "model.safetensors").is_file() and "_" in folder.name:
            model, tag = folder.name.rsplit("_", 1)
            names.append(f"{model}:{tag}")
    return names


@dataclass(frozen=True)
class PretrainedCard:
    """The key figures of shipped weights, read from their evaluation files (no model is built)."""

    name: str
    dataset: str | None
    split: str | None
    num_images: int | None
    metric: str | None
    score: float | None
    zero_shot: str | None  # "<dataset> <metric> <score>" when a zero-shot evaluation ships with the weights
    size_mb: float
    trained_on: str | None = None  # data and split sizes, inputs and budget, from scores.json


def _trained_on(path: Path, read_json: Any) -> str | None:
    """What a starting point was trained on (its scores.json): data and split sizes, inputs, budget."""
    scores = _summary(path, read_json)
    parts = [str(scores[key]) for key in ("data", "input", "budget") if isinstance(scores.get(key), str)]
    return "; ".join(parts) or None


def describe_pretrained() -> list[PretrainedCard]:
    """One card per shipped checkpoint (`litemedseg weights`): data, test score, zero-shot score, size."""
    from litemedseg.utils.jsonio import read_json

    cards = []
    for name in list_pretrained():
        folder = pretrained_path(*name.split(":", 1))
        summary = _summary(folder / "evaluation" / "summary.json", read_json)
        zero = _summary(folder / "evaluation_zero_shot" / "summary.json", read_json)
        headline = summary.get("headline", {})
        zero_line = None
        if zero.get("headline"):
            zero_line = (f"{zero.get('dataset', {}).get('name')} {zero['headline'].get('metric')} "
                         f"{float(zero['headline'].get('value', float('nan'))):.4f}")
        cards.append(PretrainedCard(
            name, summary.get("dataset", {}).get("name"), summary.get("split"), summary.get("num_images"),
            headline.get("metric"), float(headline["value"]) if "value" in headline else None, zero_line,
            (folder / "model.safetensors").stat().st_size / 1e6, _trained_on(folder / "scores.json", read_json)))
    return cards


def _summary(path: Path, read_json: Any) -> dict[str, Any]:
    if not path.is_file():
        return {}
    try:
        data = read_json(path)
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def pretrained_path(model: str, tag: str) -> Path:
    folder = WEIGHTS_DIR / f"{model}_{tag}"
    if not (folder / "model.safetensors").is_file():
        available = ", ".join(list_pretrained()) or "none"
        raise WeightsError(f"no shipped weights {tag!r} for model {model!r} (available: {available})")
    return folder


def resolve_pretrained(name: str) -> Path | None:
    """The folder of shipped weights ``model:tag``, or None when `name` is not of that form or not shipped."""
    if ":" not in name or Path(name).exists():
        return None
    model, tag = name.split(":", 1)
    return pretrained_path(model, tag)


def resolve_weights(name_or_path: str | os.PathLike) -> Path:
    """Shipped weights ``model:tag`` -> their folder; anything else is taken as a path (checked by the reader)."""
    return resolve_pretrained(str(name_or_path)) or Path(name_or_path).expanduser()


def load_pretrained(name: str, tag: str, in_channels: int = 3, num_classes: int = 1, **kwargs: Any) -> nn.Module:
    """Build `name` with the shipped weights `tag`; the requested channels must match the weights'."""
    from litemedseg.checkpoint import load_checkpoint

    model, _ = load_checkpoint(pretrained_path(name, tag), expected_model=name)
    config = model.model_config
    if (config.in_channels, config.num_classes) != (in_channels, num_classes):
        raise WeightsError(
            f"{name}:{tag} was trained with in_channels={config.in_channels}, num_classes={config.num_classes}; "
            f"asked for {in_channels}, {num_classes}"
        )
    if kwargs and any(config.kwargs.get(k) != v for k, v in kwargs.items()):
        raise WeightsError(f"{name}:{tag} was built with {config.kwargs}; cannot apply {kwargs}")
    return model
