"""Bootstrap confidence intervals: right coverage on known data, reproducible, beside every per-image mean."""

import numpy as np
import pytest

from litemedseg.metrics import SegmentationScorer
from litemedseg.metrics.bootstrap import add_confidence_intervals, bootstrap_ci


def test_interval_matches_the_normal_approximation_and_repeats():
    values = np.random.default_rng(1).normal(0.8, 0.1, 400)
    low, high = bootstrap_ci(values)
    half = 1.96 * values.std(ddof=1) / np.sqrt(values.size)
    assert low == pytest.approx(values.mean() - half, abs=0.003)
    assert high == pytest.approx(values.mean() + half, abs=0.003)
    assert bootstrap_ci(values) == [low, high]  # fixed seed: the same report every run


def test_small_and_constant_inputs():
    assert bootstrap_ci([0.5]) is None and bootstrap_ci([float("nan"), 0.3]) is None
    assert bootstrap_ci([0.7, 0.7, 0.7]) == [0.7, 0.7]


def _scored(num_classes):
    rng = np.random.default_rng(0)
    scorer = SegmentationScorer(num_classes, ["bg", "a", "b"][: max(2, num_classes)], with_hd95=True)
    for index in range(12):
        truth = np.zeros((16, 16), np.int64)
        truth[2:10, 3:12] = rng.integers(1, max(2, num_classes))  # one object per image: HD95 is defined
        pred = np.where(rng.random((16, 16)) < 0.8, truth, rng.integers(0, max(2, num_classes), (16, 16)))
        if num_classes == 1:
            truth, pred = truth.astype(bool), pred.astype(bool)
        scorer.add(f"img{index}", pred, truth)
    return add_confidence_intervals(scorer.summary(), scorer.rows)


def test_every_binary_mean_gets_an_interval_around_it():
    summary = _scored(1)
    for metric, stats in list(summary["per_image"].items()) + [("hd95", summary["hd95"])]:
        low, high = stats["ci95"]
        assert low <= stats["mean"] <= high, metric
    assert summary["confidence"]["level"] == 0.95


def test_multiclass_classes_and_their_mean_get_intervals():
    summary = _scored(3)
    for stats in summary["per_class"].values():
        assert stats["dice"]["ci95"][0] <= stats["dice"]["mean"] <= stats["dice"]["ci95"][1]
    low, high = summary["mean_dice_ci95"]
    assert low <= summary["mean_dice"] <= high
