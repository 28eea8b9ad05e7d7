"""ROC AUC of foreground probabilities through MONAI."""

from __future__ import annotations

import math

import numpy as np
import torch
from monai.metrics import compute_roc_auc


def roc_auc(prob: np.ndarray, target: np.ndarray, valid: np.ndarray | None = None) -> float:
    """Area under the ROC curve of `prob` against boolean `target` inside `valid`; NaN if one class only."""
    prob, target = np.asarray(prob, dtype=np.float32), np.asarray(target, dtype=bool)
    if valid is not None:
        valid = np.asarray(valid, dtype=bool)
        prob, target = prob[valid], target[valid]
    prob, target = prob.ravel(), target.ravel()
    if target.all() or not target.any():
        return math.nan
    return float(compute_roc_auc(torch.from_numpy(prob), torch.from_numpy(target.astype(np.float32))))
