"""95 % bootstrap confidence intervals of per-image means (scipy.stats.bootstrap, percentile method).

Resampling is over images with a fixed seed, so an evaluation reports the same interval every time it is run.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

LEVEL = 0.95
RESAMPLES = 2000
SEED = 0


def bootstrap_ci(values: Sequence[float], level: float = LEVEL, resamples: int = RESAMPLES,
                 seed: int = SEED) -> list[float] | None:
    """[low, high] of the mean of `values` (NaNs left out); None below two values or when all are equal."""
    from scipy.stats import bootstrap

    finite = np.asarray([v for v in values if not math.isnan(v)], dtype=np.float64)
    if finite.size < 2:
        return None
    if np.all(finite == finite[0]):
        return [float(finite[0]), float(finite[0])]
    result = bootstrap((finite,), np.mean, confidence_level=level, n_resamples=resamples, method="percentile",
                       random_state=np.random.default_rng(seed), vectorized=True)
    low, high = result.confidence_interval
    return [float(low), float(high)]


def add_confidence_intervals(summary: dict[str, Any], rows: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """Put "ci95" beside every per-image mean of a scorer summary (binary metrics, per-class Dice/IoU, and the
    mean foreground Dice of a multi-class evaluation); returns `summary`."""
    column = lambda key: [float(r[key]) for r in rows]  # noqa: E731
    for metric, stats in summary.get("per_image", {}).items():
        stats["ci95"] = bootstrap_ci(column(metric))
    if "hd95" in summary:
        summary["hd95"]["ci95"] = bootstrap_ci(column("hd95"))
    for name, stats in summary.get("per_class", {}).items():
        for metric in ("dice", "iou", "hd95"):
            if metric in stats:
                stats[metric]["ci95"] = bootstrap_ci(column(f"{metric}_{name}"))
    if "per_class" in summary:
        summary["mean_dice_ci95"] = bootstrap_ci(column("mean_dice"))
    summary["confidence"] = {"level": LEVEL, "method": "percentile bootstrap over images",
                             "resamples": RESAMPLES, "seed": SEED}
    return summary
