"""DRIVE: official 20/20 split, official FOV masks, second observer; unlabelled test set skipped."""

import json

import numpy as np
import pytest

from litemedseg.errors import DataError
from tests.data.layouts import fixtures as fx


def test_official_split_fov_and_second_observer(tmp_path):
    expected = fx.drive(tmp_path / "DRIVE")
    report, ds = fx.convert(tmp_path / "DRIVE", tmp_path / "out")
    fx.assert_masks(ds, expected)
    assert json.loads((tmp_path / "out" / "split.json").read_text()) == {
        "train": ["21_training", "22_training"], "test": ["01_test", "02_test"]}
    assert ds.has_fov and report.fov == "official"
    for stem, (_, fov) in expected.items():
        np.testing.assert_array_equal(fx.read(ds.samples[stem].fov), fov * 255)
    assert sorted(p.stem for p in (tmp_path / "out" / "masks_2nd").iterdir()) == ["01_test", "02_test"]
    assert "fov/ from the official masks" in report.summary()


def test_test_set_without_annotations_is_skipped_with_one_warning(tmp_path):
    fx.drive(tmp_path / "DRIVE", test_manual=False)
    with pytest.warns(UserWarning, match=r"skipped 2 test images .*no test/1st_manual folder") as record:
        report, ds = fx.convert(tmp_path / "DRIVE", tmp_path / "out")
    assert len(record) == 1 and report.counts == {"train": 2} and report.skipped_files == 2
    assert sorted(ds.samples) == ["21_training", "22_training"]


def test_missing_fov_mask_is_an_error(tmp_path):
    fx.drive(tmp_path / "DRIVE")
    (tmp_path / "DRIVE" / "training" / "mask" / "22_training_mask.gif").unlink()
    with pytest.raises(DataError, match=r"22_training\.tif: no FOV mask \(expected .*22_training_mask\.gif\)"):
        fx.convert(tmp_path / "DRIVE", tmp_path / "out")
