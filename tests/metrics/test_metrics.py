"""Metrics of the protocol on hand-made cases, empty masks included."""

import math

import numpy as np
import pytest

from litemedseg.metrics import SegmentationScorer, binary_scores, confusion_counts, hd95, mean_std, roc_auc


def test_confusion_ratios_by_hand():
    pred = np.array([[1, 1, 0], [0, 0, 0]], bool)
    truth = np.array([[1, 0, 0], [1, 0, 0]], bool)
    counts = confusion_counts(pred, truth)
    assert (counts.tp, counts.fp, counts.fn, counts.tn) == (1, 1, 1, 3)
    s = binary_scores(counts)
    assert s["dice"] == pytest.approx(0.5)
    assert s["iou"] == pytest.approx(1 / 3)
    assert s["precision"] == pytest.approx(0.5) and s["recall"] == pytest.approx(0.5)
    assert s["specificity"] == pytest.approx(3 / 4)
    assert s["accuracy"] == pytest.approx(4 / 6)


def test_empty_mask_policy():
    empty = np.zeros((8, 8), bool)
    full = np.zeros((8, 8), bool)
    full[2:5, 2:5] = True
    both = binary_scores(confusion_counts(empty, empty))
    assert both["dice"] == 1 and both["iou"] == 1 and both["precision"] == 1 and both["recall"] == 1
    assert hd95(empty, empty) == 0.0
    missed = binary_scores(confusion_counts(empty, full))
    assert missed["dice"] == 0 and missed["iou"] == 0 and missed["precision"] == 0 and missed["recall"] == 0
    assert math.isnan(hd95(empty, full)) and math.isnan(hd95(full, empty))
    false_alarm = binary_scores(confusion_counts(full, empty))
    assert false_alarm["dice"] == 0 and false_alarm["recall"] == 0


def test_fov_restricts_every_count():
    pred = np.ones((4, 4), bool)
    truth = np.zeros((4, 4), bool)
    truth[1:3, 1:3] = True
    fov = np.zeros((4, 4), bool)
    fov[1:3, 1:3] = True
    inside = binary_scores(confusion_counts(pred, truth, fov))
    assert inside["dice"] == 1.0 and inside["specificity"] == 1.0
    outside = binary_scores(confusion_counts(pred, truth))
    assert outside["dice"] == pytest.approx(2 * 4 / (16 + 4))


def test_hd95_of_shifted_square_is_the_shift():
    a = np.zeros((40, 40), bool)
    a[10:20, 10:20] = True
    b = np.roll(a, 3, axis=1)
    assert hd95(a, a) == 0.0
    assert hd95(a, b) == pytest.approx(3.0)


def test_roc_auc_extremes_and_fov():
    truth = np.array([[0, 0, 1, 1]], bool)
    assert roc_auc(np.array([[0.1, 0.2, 0.8, 0.9]]), truth) == pytest.approx(1.0)
    assert roc_auc(np.array([[0.9, 0.8, 0.2, 0.1]]), truth) == pytest.approx(0.0)
    assert math.isnan(roc_auc(np.array([[0.5, 0.5]]), np.array([[1, 1]], bool)))
    fov = np.array([[1, 0, 1, 1]], bool)  # drop the wrongly ranked pixel
    assert roc_auc(np.array([[0.1, 0.95, 0.8, 0.9]]), truth, fov) == pytest.approx(1.0)


def test_scorer_per_image_and_pooled_differ_as_expected():
    scorer = SegmentationScorer(with_hd95=True)
    big_t = np.zeros((10, 10), bool)
    big_t[:, :5] = True
    scorer.add("big", big_t, big_t)  # perfect on 50 pixels
    small_t = np.zeros((10, 10), bool)
    small_t[0, 0] = True
    scorer.add("small", np.zeros((10, 10), bool), small_t)  # misses its only pixel
    summary = scorer.summary()
    assert summary["per_image"]["dice"]["mean"] == pytest.approx(0.5)
    assert summary["pooled"]["dice"] == pytest.approx(2 * 50 / (2 * 50 + 1))
    assert summary["hd95"]["undefined"] == 1 and summary["hd95"]["mean"] == 0.0
    assert summary["empty_masks"] == {"both": 0, "truth_only": 0, "prediction_only": 1}
    assert summary["headline"] == {"metric": "per_image_dice", "value": pytest.approx(0.5)}


def test_scorer_multiclass_per_class_background_excluded():
    truth = np.array([[0, 1, 1, 2], [0, 0, 2, 2]])
    pred = np.array([[0, 1, 0, 2], [0, 0, 2, 1]])
    scorer = SegmentationScorer(num_classes=3, class_names=["bg", "a", "b"], with_hd95=False)
    row = scorer.add("x", pred, truth)
    assert row["dice_a"] == pytest.approx(2 * 1 / (2 + 2))  # tp 1, fp 1, fn 1
    assert row["dice_b"] == pytest.approx(2 * 2 / (2 + 3))  # tp 2, fp 0, fn 1
    summary = scorer.summary()
    assert summary["mean_dice"] == pytest.approx((0.5 + 0.8) / 2)
    assert set(summary["per_class"]) == {"a", "b"}


def test_scorer_auc_and_pooled_headline():
    scorer = SegmentationScorer(with_hd95=False, with_auc=True, headline="pooled_dice")
    truth = np.array([[0, 1], [1, 0]], bool)
    scorer.add("a", truth, truth, prob=np.array([[0.1, 0.9], [0.8, 0.2]]))
    summary = scorer.summary()
    assert summary["pooled"]["auc"] == pytest.approx(1.0)
    assert summary["headline"]["metric"] == "pooled_dice" and summary["headline"]["value"] == 1.0


def test_mean_std_ignores_nan_and_uses_sample_std():
    stats = mean_std([1.0, 3.0, math.nan])
    assert stats == {"mean": 2.0, "std": pytest.approx(math.sqrt(2)), "n": 2}


def test_roc_auc_agrees_with_monai_including_ties():
    import torch
    from monai.metrics import compute_roc_auc

    rng = np.random.default_rng(0)
    prob = np.round(rng.random(3000), 2)  # many ties
    truth = rng.random(3000) < prob * 0.8
    expected = compute_roc_auc(torch.from_numpy(prob), torch.from_numpy(truth.astype(np.float64)))
    assert roc_auc(prob, truth) == pytest.approx(float(expected), abs=1e-9)
