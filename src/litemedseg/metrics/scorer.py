"""Accumulate per-image scores of a split and summarise them under the evaluation protocol (docs/protocol.md)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from litemedseg.metrics.auc import roc_auc
from litemedseg.metrics.confusion import BINARY_METRICS, ConfusionCounts, binary_scores, confusion_counts
from litemedseg.metrics.distance import hd95

HEADLINES = ("per_image_dice", "pooled_dice", "mean_class_dice")


def mean_std(values: Sequence[float]) -> dict[str, float]:
    """Mean and sample standard deviation (ddof=1; 0 for a single value), NaNs left out."""
    finite = np.asarray([v for v in values if not math.isnan(v)], dtype=np.float64)
    if finite.size == 0:
        return {"mean": math.nan, "std": math.nan, "n": 0}
    std = float(finite.std(ddof=1)) if finite.size > 1 else 0.0
    return {"mean": float(finite.mean()), "std": std, "n": int(finite.size)}


class SegmentationScorer:
    """Scores prediction/truth pairs one image at a time; `rows` are per-image, `summary()` the split.

    Binary (`num_classes` 1): boolean masks; every metric of the protocol, HD95 (MONAI) and, with `with_auc`,
    ROC AUC of the probabilities. Multi-class: class-index maps; Dice, IoU and HD95 per foreground class.
    `valid` restricts scoring to a region such as a retinal field of view.
    """

    def __init__(
        self,
        num_classes: int = 1,
        class_names: Sequence[str] | None = None,
        with_hd95: bool = True,
        with_auc: bool = False,
        headline: str | None = None,
    ) -> None:
        if num_classes < 1:
            raise ValueError(f"num_classes must be >= 1, got {num_classes}")
        self.num_classes = num_classes
        self.class_names = list(class_names) if class_names else [f"class{c}" for c in range(max(num_classes, 2))]
        if len(self.class_names) != max(num_classes, 2):
            raise ValueError(f"need {max(num_classes, 2)} class names (background first), got {self.class_names}")
        self.with_hd95 = with_hd95
        self.with_auc = with_auc and num_classes == 1
        self.headline = headline or ("per_image_dice" if num_classes == 1 else "mean_class_dice")
        if self.headline not in HEADLINES:
            raise ValueError(f"headline must be one of {HEADLINES}, got {self.headline!r}")
        self.rows: list[dict[str, Any]] = []
        self._pooled: dict[int, ConfusionCounts] = {}
        self._probs: list[np.ndarray] = []
        self._truths: list[np.ndarray] = []

    @property
    def foreground_classes(self) -> list[int]:
        return [1] if self.num_classes == 1 else list(range(1, self.num_classes))

    def add(
        self,
        name: str,
        pred: np.ndarray,
        target: np.ndarray,
        valid: np.ndarray | None = None,
        prob: np.ndarray | None = None,
    ) -> dict[str, Any]:
        """Score one image; `pred`/`target` are boolean masks (binary) or class-index maps (multi-class)."""
        pred, target = np.asarray(pred), np.asarray(target)
        if pred.shape != target.shape:
            raise ValueError(f"{name}: prediction shape {pred.shape} differs from ground truth {target.shape}")
        row: dict[str, Any] = {"image": name}
        if self.num_classes == 1:
            row.update(self._score_binary(pred.astype(bool), target.astype(bool), valid, prob))
        else:
            row.update(self._score_multiclass(pred, target, valid))
        self.rows.append(row)
        return row

    def _score_binary(self, pred, target, valid, prob) -> dict[str, Any]:
        counts = confusion_counts(pred, target, valid)
        self._pooled[1] = self._pooled.get(1, ConfusionCounts(0, 0, 0, 0)) + counts
        row: dict[str, Any] = binary_scores(counts)
        if self.with_hd95:
            row["hd95"] = hd95(pred, target, valid)
        if self.with_auc:
            if prob is None:
                raise ValueError("with_auc needs the foreground probabilities of every image")
            row["auc"] = roc_auc(prob, target, valid)
            inside = np.ones(target.shape, bool) if valid is None else np.asarray(valid, dtype=bool)
            self._probs.append(np.asarray(prob, dtype=np.float16)[inside])
            self._truths.append(target[inside])
        row["truth_empty"], row["prediction_empty"] = counts.truth_empty, counts.prediction_empty
        return row

    def _score_multiclass(self, pred, target, valid) -> dict[str, Any]:
        row: dict[str, Any] = {}
        for c in self.foreground_classes:
            counts = confusion_counts(pred == c, target == c, valid)
            self._pooled[c] = self._pooled.get(c, ConfusionCounts(0, 0, 0, 0)) + counts
            scores = binary_scores(counts)
            name = self.class_names[c]
            row[f"dice_{name}"], row[f"iou_{name}"] = scores["dice"], scores["iou"]
            if self.with_hd95:
                row[f"hd95_{name}"] = hd95(pred == c, target == c, valid)
        names = [self.class_names[c] for c in self.foreground_classes]
        row["mean_dice"] = float(np.mean([row[f"dice_{n}"] for n in names]))
        row["mean_iou"] = float(np.mean([row[f"iou_{n}"] for n in names]))
        return row

    def summary(self) -> dict[str, Any]:
        """Per-image mean/std, pooled scores, HD95 with its undefined count, and the headline figure."""
        if not self.rows:
            raise ValueError("no images were scored")
        column = lambda key: [float(r[key]) for r in self.rows]  # noqa: E731
        out: dict[str, Any] = {"num_images": len(self.rows)}
        if self.num_classes == 1:
            out["per_image"] = {m: mean_std(column(m)) for m in BINARY_METRICS}
            out["pooled"] = binary_scores(self._pooled[1])
            if self.with_hd95:
                out["hd95"] = self._hd95_summary("hd95")
            if self.with_auc:
                out["per_image"]["auc"] = mean_std(column("auc"))
                out["pooled"]["auc"] = roc_auc(np.concatenate(self._probs), np.concatenate(self._truths))
            out["empty_masks"] = {
                "both": sum(r["truth_empty"] and r["prediction_empty"] for r in self.rows),
                "truth_only": sum(r["truth_empty"] and not r["prediction_empty"] for r in self.rows),
                "prediction_only": sum(r["prediction_empty"] and not r["truth_empty"] for r in self.rows),
            }
        else:
            per_class: dict[str, Any] = {}
            for c in self.foreground_classes:
                name = self.class_names[c]
                pooled = binary_scores(self._pooled[c])
                per_class[name] = {
                    "dice": mean_std(column(f"dice_{name}")),
                    "iou": mean_std(column(f"iou_{name}")),
                    "pooled_dice": pooled["dice"],
                    "pooled_iou": pooled["iou"],
                }
                if self.with_hd95:
                    per_class[name]["hd95"] = self._hd95_summary(f"hd95_{name}")
            out["per_class"] = per_class
            out["mean_dice"] = float(np.mean([v["dice"]["mean"] for v in per_class.values()]))
            out["mean_iou"] = float(np.mean([v["iou"]["mean"] for v in per_class.values()]))
        out["headline"] = {"metric": self.headline, "value": self._headline_value(out)}
        return out

    def _hd95_summary(self, key: str) -> dict[str, Any]:
        values = [float(r[key]) for r in self.rows]
        stats = mean_std(values)
        stats["undefined"] = sum(math.isnan(v) for v in values)
        return stats

    def _headline_value(self, summary: dict[str, Any]) -> float:
        if self.headline == "mean_class_dice":
            if self.num_classes == 1:
                raise ValueError("mean_class_dice is a multi-class headline")
            return summary["mean_dice"]
        if self.num_classes > 1:
            raise ValueError(f"{self.headline} is a binary headline")
        if self.headline == "pooled_dice":
            return summary["pooled"]["dice"]
        return summary["per_image"]["dice"]["mean"]
