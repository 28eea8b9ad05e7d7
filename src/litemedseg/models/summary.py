"""Parameter and MAC counts of every registered model (for `litemedseg info` and docs/models.md)."""

from __future__ import annotations

from typing import Any

from litemedseg.models.factory import create_model
from litemedseg.models.registry import get_model_entry, list_models, size_divisor_of
from litemedseg.utils.stats import count_macs, count_parameters


def model_table(size: int = 256, pattern: str = "*") -> list[dict[str, Any]]:
    """One row per model (3 in, 1 out): params, deviation from the paper's count, MACs at size x size."""
    rows = []
    for name in list_models(pattern):
        entry = get_model_entry(name)
        model = create_model(name)
        params = count_parameters(model)
        divisor = size_divisor_of(model)
        side = size - size % divisor or divisor
        rows.append({
            "name": name,
            "family": entry.family,
            "description": entry.description,
            "params": params,
            "paper_params": entry.paper_params,
            "deviation": params / entry.paper_params - 1 if entry.paper_params else None,
            "macs": count_macs(model, 3, side, side),
            "size_divisor": divisor,
        })
    return rows
