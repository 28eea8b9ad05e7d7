"""Boundary distance (HD95) through MONAI, with the protocol's empty-mask policy."""

from __future__ import annotations

import math
import warnings

import numpy as np
import torch
from monai.metrics import compute_hausdorff_distance


def hd95(pred: np.ndarray, target: np.ndarray, valid: np.ndarray | None = None) -> float:
    """95th-percentile symmetric Hausdorff distance in pixels between two boolean masks.

    Both empty gives 0; exactly one empty gives NaN (undefined: left out of means and counted separately).
    Pixels outside `valid` are treated as background in both masks.
    """
    pred, target = np.asarray(pred, dtype=bool), np.asarray(target, dtype=bool)
    if valid is not None:
        valid = np.asarray(valid, dtype=bool)
        pred, target = pred & valid, target & valid
    pred_empty, target_empty = not pred.any(), not target.any()
    if pred_empty and target_empty:
        return 0.0
    if pred_empty or target_empty:
        return math.nan
    as_batch = lambda mask: torch.from_numpy(mask)[None, None]  # noqa: E731  (B=1, C=1, H, W)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # MONAI warns about edge cases we have already handled
        distance = compute_hausdorff_distance(as_batch(pred), as_batch(target), include_background=True, percentile=95)
    return float(distance.item())
