"""Evaluation and prediction round-trips on the demo run."""

import csv
import json

import numpy as np
import pytest
from PIL import Image

from litemedseg import Segmenter
from litemedseg.data import demo_root, read_image
from litemedseg.engine import evaluate
from litemedseg.engine.prediction import list_inputs, predict_files


def test_evaluate_writes_consistent_outputs(demo_run, tmp_path):
    result = evaluate(demo_run.run_dir / "best", "demo", "test", tmp_path / "eval", progress=False)
    summary = json.loads((tmp_path / "eval" / "summary.json").read_text())
    rows = list(csv.DictReader(open(tmp_path / "eval" / "per_image.csv")))
    assert len(rows) == summary["num_images"] == 10
    dice = [float(r["dice"]) for r in rows]
    assert summary["per_image"]["dice"]["mean"] == pytest.approx(np.mean(dice), abs=1e-5)
    assert summary["headline"]["metric"] == "per_image_dice" and summary["headline"]["value"] > 0.5
    for key in ("model", "weights_sha256", "dataset", "split", "commit", "hardware", "wall_time_s", "hd95", "pooled"):
        assert key in summary, key
    assert "per_image_dice" in (tmp_path / "eval" / "report.md").read_text()
    assert result.summary["split"] == "test" and not result.summary["zero_shot"]


def test_tta_and_zero_shot_flags(demo_run, tmp_path, synthetic_folder):
    tta = evaluate(demo_run.run_dir / "best", "demo", "test", tta=True, with_hd95=False, progress=False)
    assert tta.summary["tta"] and 0 <= tta.summary["headline"]["value"] <= 1
    zero = evaluate(demo_run.run_dir / "best", synthetic_folder, zero_shot=True, with_hd95=False, progress=False)
    assert zero.summary["zero_shot"] and zero.summary["split"] == "all" and zero.summary["num_images"] == 12
    zero_test = evaluate(demo_run.run_dir / "best", synthetic_folder, "test", zero_shot=True, with_hd95=False,
                         progress=False)  # an explicit split is honoured under zero-shot
    assert zero_test.summary["zero_shot"] and zero_test.summary["split"] == "test"
    assert 0 < zero_test.summary["num_images"] < 12


def test_segmenter_predicts_masks_at_original_size(demo_run):
    segmenter = Segmenter.from_weights(demo_run.run_dir / "best")
    image = read_image(next((demo_root() / "images").iterdir()))
    mask = segmenter.predict(image)
    assert mask.shape == image.shape[:2] and mask.dtype == np.uint8 and set(np.unique(mask)) <= {0, 1}
    prob = segmenter.predict_proba(image)
    assert prob.shape == image.shape[:2] and ((prob > 0.5) == mask.astype(bool)).all()
    grey = segmenter.predict(image[..., :1])  # grey input is repeated to the model's 3 channels
    assert grey.shape == mask.shape


def test_predict_files_writes_masks_probabilities_and_overlays(demo_run, tmp_path):
    segmenter = Segmenter.from_weights(demo_run.run_dir / "best")
    inputs = list_inputs(demo_root() / "images")[:4]
    records = predict_files(segmenter, inputs, tmp_path / "out", probabilities=True, overlays=True, progress=False)
    assert len(records) == 4
    for record, path in zip(records, inputs):
        mask = np.asarray(Image.open(record["mask"]))
        assert mask.shape == read_image(path).shape[:2] and set(np.unique(mask)) <= {0, 255}
        assert np.array_equal(mask // 255, segmenter.predict(read_image(path)))
        assert np.asarray(Image.open(record["overlay"])).shape == (*mask.shape, 3)
        assert np.asarray(Image.open(record["probabilities"])).shape == mask.shape


def test_checkpoint_records_training_image_sizes_and_predict_says_when_far(demo_run):
    import warnings

    from litemedseg.data import io as io_module
    from litemedseg.data.io import InputConversionWarning
    from litemedseg.engine.prediction import Segmenter

    segmenter = Segmenter.from_weights(demo_run.run_dir / "best")
    median = segmenter.record.dataset.image_size["median"]
    assert segmenter.training_image_size == tuple(median) and max(median) <= 128  # DSB2018-mini: sides <= 128
    io_module.reset_notes()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        segmenter.predict(np.zeros(tuple(median) + (3,), np.uint8))
        big = np.zeros((median[0] * 6, median[1] * 6, 3), np.uint8)
        segmenter.predict(big)
        segmenter.predict(big)
    notes = [str(w.message) for w in caught if issubclass(w.category, InputConversionWarning)]
    assert len(notes) == 1 and notes[0].startswith("image(s) far from the size of the training images")
