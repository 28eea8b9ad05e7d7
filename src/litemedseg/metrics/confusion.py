"""Pixel confusion counts and the ratios built from them, with the protocol's empty-mask policy.

A ratio whose denominator is zero is 1 when prediction and ground truth agree on that term (e.g. Dice when
both masks are empty) and 0 otherwise (e.g. precision when the prediction is empty but the truth is not).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

BINARY_METRICS = ("dice", "iou", "precision", "recall", "specificity", "accuracy")


@dataclass(frozen=True)
class ConfusionCounts:
    tp: int
    fp: int
    fn: int
    tn: int

    def __add__(self, other: ConfusionCounts) -> ConfusionCounts:
        return ConfusionCounts(self.tp + other.tp, self.fp + other.fp, self.fn + other.fn, self.tn + other.tn)

    @property
    def truth_empty(self) -> bool:
        return self.tp + self.fn == 0

    @property
    def prediction_empty(self) -> bool:
        return self.tp + self.fp == 0


def confusion_counts(pred: np.ndarray, target: np.ndarray, valid: np.ndarray | None = None) -> ConfusionCounts:
    """Counts of boolean `pred` against boolean `target`, inside `valid` (e.g. a retinal FOV) if given."""
    pred, target = np.asarray(pred, dtype=bool), np.asarray(target, dtype=bool)
    if pred.shape != target.shape:
        raise ValueError(f"prediction shape {pred.shape} differs from ground truth {target.shape}")
    if valid is not None:
        valid = np.asarray(valid, dtype=bool)
        if valid.shape != target.shape:
            raise ValueError(f"valid-region shape {valid.shape} differs from ground truth {target.shape}")
        pred, target = pred[valid], target[valid]
    tp = int(np.count_nonzero(pred & target))
    fp = int(np.count_nonzero(pred)) - tp
    fn = int(np.count_nonzero(target)) - tp
    tn = int(pred.size) - tp - fp - fn
    return ConfusionCounts(tp, fp, fn, tn)


def _ratio(numerator: int, denominator: int, agree: bool) -> float:
    return numerator / denominator if denominator > 0 else float(agree)


def binary_scores(counts: ConfusionCounts) -> dict[str, float]:
    """Dice (= F1), IoU, precision, recall, specificity and accuracy of one set of counts."""
    tp, fp, fn, tn = counts.tp, counts.fp, counts.fn, counts.tn
    total = tp + fp + fn + tn
    if total == 0:
        raise ValueError("no pixels to score (empty image or empty valid region)")
    return {
        "dice": _ratio(2 * tp, 2 * tp + fp + fn, agree=True),
        "iou": _ratio(tp, tp + fp + fn, agree=True),
        "precision": _ratio(tp, tp + fp, agree=fn == 0),
        "recall": _ratio(tp, tp + fn, agree=fp == 0),
        "specificity": _ratio(tn, tn + fp, agree=True),
        "accuracy": (tp + tn) / total,
    }
