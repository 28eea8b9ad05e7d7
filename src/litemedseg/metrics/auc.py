"""ROC AUC of foreground probabilities over pixels.

Computed as the Mann-Whitney statistic from scipy's average ranks: the same value, ties included, as
``monai.metrics.compute_roc_auc``, whose pure-Python loop takes about 6 us per pixel (50 s for one pooled
CHASE_DB1 test split) where ranking takes well under a second (tests/metrics check the two agree).
"""

from __future__ import annotations

import math

import numpy as np
from scipy.stats import rankdata


def roc_auc(prob: np.ndarray, target: np.ndarray, valid: np.ndarray | None = None) -> float:
    """Area under the ROC curve of `prob` against boolean `target` inside `valid`; NaN if one class only."""
    prob, target = np.asarray(prob, dtype=np.float64), np.asarray(target, dtype=bool)
    if valid is not None:
        valid = np.asarray(valid, dtype=bool)
        prob, target = prob[valid], target[valid]
    prob, target = prob.ravel(), target.ravel()
    positives = int(target.sum())
    negatives = target.size - positives
    if positives == 0 or negatives == 0:
        return math.nan
    ranks = rankdata(prob)  # average ranks for ties
    return float((ranks[target].sum() - positives * (positives + 1) / 2) / (positives * negatives))
