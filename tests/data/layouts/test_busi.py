"""BUSI: class folders, extra lesion masks merged by union, safe stems and labels.csv."""

import pytest

from litemedseg.data.layouts.busi import stem_for
from litemedseg.errors import DataError
from tests.data.layouts import fixtures as fx


def test_masks_merged_stems_renamed_and_classes_listed(tmp_path):
    expected = fx.busi(tmp_path)
    report, ds = fx.convert(tmp_path / "Dataset_BUSI_with_GT", tmp_path / "out")
    fx.assert_masks(ds, expected)  # benign (2) = union of _mask and _mask_1; normal (1) empty
    assert report.counts == {"all": 4}
    assert (tmp_path / "out" / "labels.csv").read_text().splitlines() == [
        "stem,class", "benign_001,benign", "benign_002,benign", "malignant_010,malignant", "normal_001,normal"]


def test_stem_for():
    assert stem_for("benign (12)") == "benign_012"
    assert stem_for("odd name!") == "odd_name"


def test_mask_without_image_is_an_error(tmp_path):
    fx.busi(tmp_path)
    (tmp_path / "Dataset_BUSI_with_GT" / "malignant" / "malignant (10).png").unlink()
    with pytest.raises(DataError, match=r"malignant \(10\)_mask\.png: mask without an image"):
        fx.convert(tmp_path / "Dataset_BUSI_with_GT", tmp_path / "out")
