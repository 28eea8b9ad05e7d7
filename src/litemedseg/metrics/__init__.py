"""Metrics of the evaluation protocol: per-image and pooled overlap scores, HD95 and ROC AUC (MONAI)."""

from litemedseg.metrics.auc import roc_auc
from litemedseg.metrics.confusion import BINARY_METRICS, ConfusionCounts, binary_scores, confusion_counts
from litemedseg.metrics.distance import hd95
from litemedseg.metrics.scorer import HEADLINES, SegmentationScorer, mean_std

__all__ = [
    "BINARY_METRICS",
    "HEADLINES",
    "ConfusionCounts",
    "SegmentationScorer",
    "binary_scores",
    "confusion_counts",
    "hd95",
    "mean_std",
    "roc_auc",
]
